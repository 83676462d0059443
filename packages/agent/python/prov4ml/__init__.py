"""prov4ml: provenance of ML training runs, with the original yProvML's function names and the seed's
(G1) positional order; `import yprov4ml` gives the newest, name-first order. Both accept the keywords
of every published version.

Under `prov4ml run` the functions talk to the rank's agent over the local channel named by
PROV4ML_CHANNEL; without it, start_run starts an agent for this process (Node.js on PATH).
Standard library only; torch is used when it is importable.
"""

from ._api import (
    create_context,
    end_run,
    get_artifacts_dir,
    get_run_dir,
    log_artifact,
    log_carbon_metrics,
    log_context,
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
    log_provenance_documents,
    log_system_metrics,
    register_final_metric,
    save_model_version,
    start_run,
    start_run_ctx,
)
from ._errors import Prov4mlError, Prov4mlWarning
from ._kinds import CompressorType, Context, FoldOperation, LoggingItemKind, MetricsType
from ._state import PROV4ML_DATA
from ._tracked import ProvenanceTrackedFunction
from ._tracked_model import ProvenanceTrackedModel
from ._reproducibility import log_execution_command, log_input, log_output, log_source_code
from ._version import __version__
from .getters import get_metric, get_param, list_metrics, list_parameters, list_runs_in_proj
from .loggers import ProvMLItwinAILogger, ProvMLLogger

__all__ = [
    "CompressorType",
    "PROV4ML_DATA",
    "Context",
    "FoldOperation",
    "LoggingItemKind",
    "MetricsType",
    "Prov4mlError",
    "Prov4mlWarning",
    "ProvenanceTrackedFunction",
    "ProvenanceTrackedModel",
    "ProvMLItwinAILogger",
    "ProvMLLogger",
    "__version__",
    "create_context",
    "end_run",
    "get_artifacts_dir",
    "get_metric",
    "get_param",
    "get_run_dir",
    "list_metrics",
    "list_parameters",
    "list_runs_in_proj",
    "log_artifact",
    "log_carbon_metrics",
    "log_context",
    "log_current_execution_time",
    "log_dataset",
    "log_execution_command",
    "log_execution_end_time",
    "log_execution_start_time",
    "log_flops_per_batch",
    "log_flops_per_epoch",
    "log_input",
    "log_metric",
    "log_model",
    "log_model_memory_footprint",
    "log_output",
    "log_param",
    "log_provenance_documents",
    "log_source_code",
    "log_system_metrics",
    "register_final_metric",
    "save_model_version",
    "start_run",
    "start_run_ctx",
]
