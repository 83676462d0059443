"""yprov4ml: the newest published API of the original (package `yprov4ml`, name first:
start_run(experiment_name, …), log_model(model_name, model, …), log_artifact(artifact_name,
artifact_path, …)), on the same client as `prov4ml`: one implementation, one run per process.

The calls whose generations order their arguments differently are published here in the newest
order (prov4ml/_signatures.py); where the arguments' types tell the orders apart (log_model,
save_model_version, log_dataset, log_artifact) both modules take either, and a call by keywords
alone gets this generation's defaults (save_model_version: incremental=True).
"""

from prov4ml import *  # noqa: F401,F403 (the same functions, classes and getters)
from prov4ml import __all__ as _prov4ml_names
from prov4ml import _api
from prov4ml._signatures import NEWEST, published

start_run = published("start_run", NEWEST)(_api._start_run)
start_run_ctx = _api.run_context(start_run)
log_artifact = published("log_artifact", NEWEST)(_api._log_artifact)
save_model_version = published("save_model_version", NEWEST)(_api._save_model_version)
log_model = published("log_model", NEWEST)(_api._log_model)
log_dataset = published("log_dataset", NEWEST)(_api._log_dataset)

__all__ = list(_prov4ml_names)
