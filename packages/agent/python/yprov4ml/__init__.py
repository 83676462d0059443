"""yprov4ml: the newest published API of the original (package `yprov4ml`, name first:
start_run(experiment_name, …), log_model(model_name, model, …), log_artifact(artifact_name,
artifact_path, …)), on the same client as `prov4ml`: one implementation, one run per process.

Only start_run (and start_run_ctx) differ from prov4ml: the calls whose generations order their
arguments differently in a way the arguments' types tell apart (log_model, save_model_version,
log_dataset, log_artifact) take either order in both modules.
"""

from prov4ml import *  # noqa: F401,F403 (the same functions, classes and getters)
from prov4ml import __all__ as _prov4ml_names
from prov4ml import __version__  # noqa: F401
from prov4ml._api import _start_run, run_context
from prov4ml._signatures import NEWEST, published

start_run = published("start_run", NEWEST)(_start_run)
start_run_ctx = run_context(start_run)

__all__ = list(_prov4ml_names)
