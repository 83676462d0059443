"""prov4ml: provenance of ML training runs, with the original yProvML's function names.

Under `prov4ml run` the functions talk to the rank's agent over the local channel named by
PROV4ML_CHANNEL; without it, start_run starts an agent for this process (Node.js on PATH).
Standard library only; torch is used when it is importable.
"""

from ._api import (
    end_run,
    log_artifact,
    log_carbon_metrics,
    log_current_execution_time,
    log_dataset,
    log_execution_end_time,
    log_execution_start_time,
    log_flops_per_batch,
    log_flops_per_epoch,
    log_metric,
    log_model,
    log_model_memory_footprint,
    log_param,
    log_system_metrics,
    register_final_metric,
    save_model_version,
    start_run,
    start_run_ctx,
)
from ._errors import Prov4mlError, Prov4mlWarning
from ._kinds import Context, FoldOperation, LoggingItemKind, create_context
from ._version import __version__

__all__ = [
    "Context",
    "FoldOperation",
    "LoggingItemKind",
    "Prov4mlError",
    "Prov4mlWarning",
    "__version__",
    "create_context",
    "end_run",
    "log_artifact",
    "log_carbon_metrics",
    "log_current_execution_time",
    "log_dataset",
    "log_execution_end_time",
    "log_execution_start_time",
    "log_flops_per_batch",
    "log_flops_per_epoch",
    "log_metric",
    "log_model",
    "log_model_memory_footprint",
    "log_param",
    "log_system_metrics",
    "register_final_metric",
    "save_model_version",
    "start_run",
    "start_run_ctx",
]
