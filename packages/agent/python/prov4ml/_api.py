"""The original prov4ml's functions, talking to the rank's agent over the local channel.

Every logging call returns at once: metrics go to in-memory buffers that a daemon thread sends; a
call with a wrong argument raises TypeError naming it; nothing that goes wrong with the agent, the
disk or the network raises into the training loop (it warns).
"""

import atexit
import contextlib
import os
import shutil
import tempfile
import threading
from time import time as _now

from . import _flops, _torch_support
from ._channel import AgentRefused, ChannelError
from ._errors import warn, warn_once
from ._kinds import FOLD_NAMES, Context, FoldOperation, LoggingItemKind, canonical_context
from ._limits import ARTIFACT_TIMEOUT_S
from ._session import FinalMetric, Session
from ._values import as_number, as_step, check_name, optional_step, param_value

_NOT_STARTED = "prov4ml.%s: no run is active (call start_run first); nothing is logged"
_FORKED = "prov4ml.%s: called in a forked child process; only the process that called start_run logs"

_lifecycle = threading.RLock()
#: The run of this process, whether or not it records (ranks ≠ 0 without collect_all_processes do not).
_session = None
#: The metric table the hot path appends to; None whenever this process does not record.
_table = None
#: Why nothing is recorded now (a message template), or None where silence is the meaning.
_why_not = _NOT_STARTED


def _not_logging(call):
    if _why_not is not None:
        warn_once((_why_not, call), _why_not % call)


def _recording(call):
    """The session when this process records, else None (after warning why, where that is news)."""
    session = _session
    if session is None or not session.collecting:
        _not_logging(call)
        return None
    return session


def _install(session):
    global _session, _table, _why_not
    _session = session
    _table = session.table if session.collecting else None
    _why_not = None


def _uninstall(reason):
    global _session, _table, _why_not
    _session = None
    _table = None
    _why_not = reason


def _after_fork_in_child():
    # The parent's socket and flush thread are not this process's; its buffers are copies.
    if _session is not None:
        _uninstall(_FORKED)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


# ---- run lifecycle -------------------------------------------------------------------------------


def start_run(
    prov_user_namespace=None,
    experiment_name=None,
    provenance_save_dir=None,
    collect_all_processes=None,
    save_after_n_logs=None,
    rank=None,
):
    """Starts this process's run with its rank's agent (under `prov4ml run`) or with an agent it starts.

    Options left None come from the agent's configuration (PROV4ML_* variables, then the original's
    defaults: collect_all_processes=False, save_after_n_logs=100). Raises Prov4mlError, in one line,
    when no agent can be reached or started."""
    call = "start_run"
    start = {
        "provUserNamespace": _optional_text(prov_user_namespace, "prov_user_namespace", call),
        "experimentName": _optional_text(experiment_name, "experiment_name", call),
        "provenanceSaveDir": None if provenance_save_dir is None else os.path.abspath(os.fspath(provenance_save_dir)),
        "collectAllProcesses": None if collect_all_processes is None else bool(collect_all_processes),
        "saveAfterNLogs": None if save_after_n_logs is None else _positive(save_after_n_logs, "save_after_n_logs", call),
        "rank": None if rank is None else _non_negative(rank, "rank", call),
    }
    with _lifecycle:
        if _session is not None:
            warn("prov4ml.start_run: a run is already active; call end_run first (this call is ignored)")
            return
        _install(Session.open(os.environ.get("PROV4ML_CHANNEL"), start))
    log_execution_start_time()


def end_run(create_graph=False, create_svg=False):
    """Sends everything logged, registers final metrics, and ends the run with the agent."""
    if create_svg and not create_graph:
        raise ValueError("Cannot create SVG without creating the graph.")
    with _lifecycle:
        session = _session
        if session is None:
            _not_logging("end_run")
            return
        if session.collecting:
            log_execution_end_time()
        _uninstall(_NOT_STARTED)
        session.end(create_graph, create_svg)


@contextlib.contextmanager
def start_run_ctx(*start_run_args, create_graph=False, create_svg=False, **start_run_kwargs):
    """The original's context manager: start_run (same arguments) on entry, end_run on exit, also after an exception."""
    if create_svg and not create_graph:
        raise ValueError("Cannot create SVG without creating the graph.")
    start_run(*start_run_args, **start_run_kwargs)
    try:
        yield
    finally:
        end_run(create_graph, create_svg)


def _at_exit():
    # A program that never called end_run still gets what it logged into the agent's spool.
    with _lifecycle:
        session = _session
        if session is None:
            return
        _uninstall(_NOT_STARTED)
    session.abandon()


atexit.register(_at_exit)


# ---- metrics: the hot path -------------------------------------------------------------------------


def log_metric(key, value, context=None, step=0, source=None):
    """Logs one point of metric `key` in `context` (default TRAINING). No I/O: it appends to a buffer."""
    table = _table
    if table is None:
        return _not_logging("log_metric")
    if type(value) is not float:
        value = as_number(value, "value", "log_metric")
    if type(step) is not int:
        step = as_step(step, "log_metric")
    try:
        points = table.by_context[context][key]
    except (KeyError, TypeError):
        points = table.series_points(context, key, source, "log_metric")
        if points is None:
            return None
    if len(points) >= table.handoff_at and not table.room_for(points):
        return None
    points.extend((step, value, _now() * 1000.0))
    if table.folds:
        final = table.folds.get(key)
        if final is not None:
            final.update(value)
    return None


def register_final_metric(metric_name, initial_value, fold_operation=FoldOperation.ADD):
    """Folds every later point of `metric_name` (any context) into one value, recorded at end_run."""
    call = "register_final_metric"
    check_name(metric_name, "metric_name", call)
    initial_value = as_number(initial_value, "initial_value", call)
    if not callable(fold_operation):
        raise TypeError("%s: fold_operation must be a FoldOperation or a function (current, value) -> number, got %r" % (call, fold_operation))
    session = _recording(call)
    if session is not None:
        operation = FOLD_NAMES.get(fold_operation, "CUSTOM")
        session.finals[metric_name] = FinalMetric(metric_name, operation, fold_operation, initial_value)


def log_current_execution_time(label, context=None, step=None):
    """Logs the current Unix time in seconds as a point of `label` (as the original: a time, not a duration)."""
    log_metric(label, _now(), context, as_step(step, "log_current_execution_time"), LoggingItemKind.EXECUTION_TIME)


def log_flops_per_batch(label, model, batch, context=None, step=None):
    """Adds the FLOPs of one forward pass on the batch's input (x of an (x, y) batch) to the run's
    counter and logs the running total, in FLOP (2 per multiply-accumulate; prov4ml._flops says how)."""
    _log_flops("log_flops_per_batch", label, model, batch, context, step, _flops.count_batch, "flops_per_batch", LoggingItemKind.FLOPS_PER_BATCH)


def log_flops_per_epoch(label, model, dataset, context=None, step=None):
    """Adds the FLOPs of one epoch's forward passes to the run's counter and logs the running total.
    `dataset` is a DataLoader (its first batch × the samples it gives per epoch / that batch's size),
    a Dataset or Subset (dataset[0] as a batch of one × len(dataset)): prov4ml._flops.count_epoch."""
    _log_flops("log_flops_per_epoch", label, model, dataset, context, step, _flops.count_epoch, "flops_per_epoch", LoggingItemKind.FLOPS_PER_EPOCH)


def _log_flops(call, label, model, data, context, step, count, counter, kind):
    # A bad argument raises before the forward pass and before the run's counter moves.
    canonical_context(context, call)
    step = as_step(step, call)
    session = _recording(call)
    if session is None:
        return
    torch = _torch_support.import_torch()
    if torch is None:
        return
    try:
        flops = count(torch, model, data)
    except _flops.Uncountable as reason:
        _flops.warn_uncountable(call, reason)
        return
    if session.flops_per_batch == session.flops_per_epoch == 0:  # the first figure of the run says how it was counted
        log_param("flops_counting", "%s; %s" % (_flops.counting_method(torch), _flops.CONVENTION))
    total = getattr(session, counter) + flops
    setattr(session, counter, total)
    log_metric(label, float(total), context, step, source=kind)


# ---- everything else: queued for the flush thread, or a request to the agent --------------------


def log_param(key, value):
    """Records a parameter; the value is kept as a number, bool, None or its str()."""
    check_name(key, "key", "log_param")
    session = _recording("log_param")
    if session is not None:
        session.outbox.put({"kind": "param", "time": _now() * 1000.0, "name": key, "value": param_value(value)})


def log_execution_start_time():
    log_param("execution_start_time", _now())


def log_execution_end_time():
    log_param("execution_end_time", _now())


def log_system_metrics(context=None, step=None):
    """Asks the agent to sample CPU, memory, disk and GPUs now; the sampling runs in the agent."""
    _request_sample("system", context, step, "log_system_metrics")


def log_carbon_metrics(context=None, step=None):
    """Asks the agent for energy and emissions since the previous call; the work runs in the agent."""
    _request_sample("carbon", context, step, "log_carbon_metrics")


def _request_sample(kind, context, step, call):
    message = {"t": "sample", "kind": kind, "context": canonical_context(context, call), "step": as_step(step, call)}
    session = _recording(call)
    if session is not None:
        session.outbox.put(message, urgent=True)


def log_dataset(dataset, label, context=None):
    """Records what can be told about a DataLoader or data set: batch size, workers, steps, samples, shuffle."""
    call = "log_dataset"
    check_name(label, "label", call)
    context = canonical_context(context, call)
    session = _recording(call)
    if session is None:
        return
    stats = _torch_support.dataset_stats(dataset)
    if not stats:
        warn("prov4ml.log_dataset: cannot tell anything about a %s; only its label %r is recorded" % (type(dataset).__name__, label))
    session.outbox.put({"kind": "dataset", "time": _now() * 1000.0, "label": label, "context": context, "stats": stats})


def log_artifact(artifact_path, context=None, step=None, timestamp=None):
    """Has the agent copy a file or directory into the run directory and fingerprint it.

    Waits for the copy (so the file may change afterwards) and returns its path relative to the run
    directory, or None (with a warning) when it could not be stored."""
    return _store_artifact(artifact_path, None, context, step, timestamp, "artifact", "log_artifact")


def _store_artifact(path, name, context, step, timestamp, role, call):
    if not isinstance(path, (str, bytes, os.PathLike)):
        raise TypeError("%s: artifact_path must be a path, got %s" % (call, type(path).__name__))
    message = {
        "t": "artifact",
        "path": os.path.abspath(os.fsdecode(path)),
        "name": name,
        "context": canonical_context(context, call),
        "step": optional_step(step, call),
        "timestamp": as_number(timestamp, "timestamp", call) if timestamp is not None else _now() * 1000.0,
        "role": role,
    }
    session = _recording(call)
    if session is None:
        return None
    if not os.path.exists(message["path"]):
        warn("prov4ml.%s: %s does not exist; it is not recorded" % (call, message["path"]))
        return None
    try:
        return session.channel.request(message, ARTIFACT_TIMEOUT_S).get("storedPath")
    except (AgentRefused, ChannelError) as error:
        warn("prov4ml.%s: %s is not recorded: %s" % (call, message["path"], error))
        return None


# ---- models ------------------------------------------------------------------------------------


def log_model_memory_footprint(model, model_name="default"):
    """Logs model_name, total_params and the original's memory estimates (MB) as parameters."""
    call = "log_model_memory_footprint"
    check_name(model_name, "model_name", call)
    if _recording(call) is None:
        return
    total_params = _torch_support.parameter_count(model)
    if total_params is None:
        return
    memory_of_model = total_params * _torch_support.precision_bits(model) / 8 / 1e6
    log_param("model_name", model_name)
    log_param("total_params", total_params)
    log_param("memory_of_model", memory_of_model)
    # The original's estimate: weights plus two float32 copies (gradients and optimiser state).
    log_param("total_memory_load_of_model", memory_of_model + 2 * total_params * 4e-6)


def log_model(model, model_name="default", log_model_info=True, log_as_artifact=True):
    """Logs the model's size and saves its state dict as the final model version."""
    if log_model_info:
        log_model_memory_footprint(model, model_name)
    if log_as_artifact:
        return _save_model(model, model_name, Context.EVALUATION, None, None, "model_version_final", "log_model")
    return None


def save_model_version(model, model_name, context=None, step=None, timestamp=None):
    """torch.save of the model's state dict, stored by the agent as a model version of the run."""
    return _save_model(model, model_name, context, step, timestamp, "model_version", "save_model_version")


def _save_model(model, model_name, context, step, timestamp, role, call):
    check_name(model_name, "model_name", call)
    if _recording(call) is None:
        return None
    torch = _torch_support.import_torch()
    if torch is None:
        return None
    directory = tempfile.mkdtemp(prefix="prov4ml-model-")
    try:
        path = os.path.join(directory, model_name.replace(os.sep, "_").replace("\0", "_") + ".pth")
        try:
            _torch_support.save_state_dict(torch, model, path)
        except OSError as error:
            warn("prov4ml.%s: cannot write the state dict of %r: %s" % (call, model_name, error))
            return None
        return _store_artifact(path, os.path.basename(path), context, step, timestamp, role, call)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


# ---- argument checks of start_run -------------------------------------------------------------------


def _optional_text(value, argument, call):
    if value is not None and not isinstance(value, str):
        raise TypeError("%s: %s must be a string, got %s" % (call, argument, type(value).__name__))
    return value


def _positive(value, argument, call):
    number = as_step(value, call, argument)
    if number < 1:
        raise TypeError("%s: %s must be a positive integer, got %r" % (call, argument, value))
    return number


def _non_negative(value, argument, call):
    number = as_step(value, call, argument)
    if number < 0:
        raise TypeError("%s: %s must be a non-negative integer, got %r" % (call, argument, value))
    return number
