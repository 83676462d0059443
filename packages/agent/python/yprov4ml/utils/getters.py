"""The newest original's yprov4ml.utils.getters: the same functions as prov4ml.getters."""

from prov4ml.getters import get_metric, get_param, list_metrics, list_parameters, list_runs_in_proj

__all__ = ["get_metric", "get_param", "list_metrics", "list_parameters", "list_runs_in_proj"]
