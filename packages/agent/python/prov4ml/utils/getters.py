"""The newer original's utils/getters module: the same functions as prov4ml.getters."""

from ..getters import get_metric, get_param, list_metrics, list_parameters, list_runs_in_proj

__all__ = ["get_metric", "get_param", "list_metrics", "list_parameters", "list_runs_in_proj"]
