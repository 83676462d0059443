"""Reading a finished run back as plain Python values (the newer original's utils/getters, without
pandas): runs of a project, metrics with their points, parameters with their values.

A run directory holds one PROV-JSON per rank (prov_<experiment>_GR<rank>.json) and the metric files
(metrics/<metric>_<context>_GR<rank>.{csv,txt,nc,zarr}, in the run's metrics_file_type; _metric_files.py).
"""

import glob
import json
import os

from ._kinds import canonical_context
from ._metric_files import read_metric_file

_TYPED_VALUE = {
    "xsd:long": int,
    "xsd:int": int,
    "xsd:integer": int,
    "xsd:double": float,
    "xsd:float": float,
    "xsd:boolean": lambda text: text == "true",
}


def list_runs_in_proj(provenance_save_dir, experiment_name=None):
    """The run directories (absolute, sorted) under `provenance_save_dir`, those of one experiment
    (<experiment_name>_<run id>) when it is given."""
    runs = []
    for document in glob.glob(os.path.join(glob.escape(os.fspath(provenance_save_dir)), "*", "prov_*_GR*.json")):
        run_dir = os.path.dirname(os.path.abspath(document))
        base = os.path.basename(run_dir)
        if experiment_name is None or base.rsplit("_", 1)[0] == experiment_name:
            runs.append(run_dir)
    return sorted(set(runs))


def list_metrics(run_dir, rank=0):
    """(name, context) of every metric of one rank of the run, sorted."""
    return sorted((_text(e, "prov-ml:name"), _text(e, "prov-ml:context")) for e in _entities(run_dir, rank, "prov-ml:Metric"))


def get_metric(run_dir, name, context=None, rank=0):
    """The points of a metric as a list of (step, value, timestamp_ms), whatever the format of its file
    (csv, txt, netCDF or Zarr); `context` may be left out
    when the metric has one. KeyError when the run has no such metric."""
    matches = [e for e in _entities(run_dir, rank, "prov-ml:Metric")
               if _text(e, "prov-ml:name") == name and (context is None or _text(e, "prov-ml:context") == _context(context))]
    if not matches:
        raise KeyError("run %s (rank %d) has no metric %r%s" % (run_dir, rank, name, "" if context is None else " in context %s" % _context(context)))
    if len(matches) > 1:
        raise KeyError("metric %r is logged in the contexts %s of run %s; give context=" % (name, ", ".join(sorted(_text(e, "prov-ml:context") for e in matches)), run_dir))
    return read_metric_file(os.path.join(run_dir, _text(matches[0], "prov-ml:metric_file")))


def list_parameters(run_dir, rank=0):
    """The names of one rank's parameters, sorted."""
    return sorted(_text(e, "prov-ml:parameter_name") for e in _entities(run_dir, rank, "prov-ml:Parameter"))


def get_param(run_dir, name, rank=0):
    """A parameter's value as the program logged it: int, float, bool, None or str. KeyError when absent."""
    for entity in _entities(run_dir, rank, "prov-ml:Parameter"):
        if _text(entity, "prov-ml:parameter_name") == name:
            if "prov-ml:parameter_value" not in entity:
                return None
            return _value(entity["prov-ml:parameter_value"])
    raise KeyError("run %s (rank %d) has no parameter %r" % (run_dir, rank, name))


def _entities(run_dir, rank, prov_type):
    paths = glob.glob(os.path.join(glob.escape(os.fspath(run_dir)), "prov_*_GR%d.json" % rank))
    if not paths:
        raise FileNotFoundError("%s has no PROV-JSON of rank %d (prov_<experiment>_GR%d.json)" % (run_dir, rank, rank))
    with open(paths[0], encoding="utf-8") as document:
        parsed = json.load(document)
    bundles = [parsed] + list(parsed.get("bundle", {}).values())
    return [entity for bundle in bundles for entity in bundle.get("entity", {}).values() if _is_type(entity, prov_type)]


def _is_type(entity, prov_type):
    types = entity.get("prov:type")
    types = types if isinstance(types, list) else [types]
    return any(_value(t) == prov_type for t in types if t is not None)


def _value(attribute):
    if isinstance(attribute, list):
        attribute = attribute[0]
    if isinstance(attribute, dict):
        convert = _TYPED_VALUE.get(attribute.get("type"), str)
        return convert(attribute.get("$"))
    return attribute


def _text(entity, key):
    return str(_value(entity.get(key, "")))


def _context(context):
    return canonical_context(context, "get_metric")

