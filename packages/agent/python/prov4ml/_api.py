"""The original prov4ml's functions, talking to the rank's agent over the local channel.

Every logging call returns at once: metrics go to in-memory buffers that a daemon thread sends; a
call with a wrong argument raises TypeError naming it; nothing that goes wrong with the agent, the
disk or the network raises into the training loop (it warns).

Functions whose generations order their arguments differently are published through
_signatures.published (seed order here, newest order in yprov4ml); the implementations below take
every generation's keywords.
"""

import atexit
import contextlib
import json
import os
import shutil
import tempfile
import threading
from time import time as _now

from . import _exit, _flops, _job, _kinds, _layers, _torch_support
from ._channel import AgentRefused, ChannelError
from ._errors import Prov4mlError, warn, warn_once
from ._kinds import FOLD_NAMES, CompressorType, Context, FoldOperation, LoggingItemKind, MetricsType, canonical_context
from ._limits import ARTIFACT_TIMEOUT_S, END_RUN_TIMEOUT_S
from ._session import FinalMetric, Session, say_no_provenance
from ._signatures import SEED, published
from ._values import as_number, as_step, check_name, metric_number, optional_step, param_value

_NOT_STARTED = "prov4ml.%s: no run is active (call start_run first); nothing is logged"
_FORKED = "prov4ml.%s: called in a forked child process; only the process that called start_run logs"

#: Longest piece of a metric value kept as text (log_metric of a list); longer text is split into
#: numbered parts so that nothing is cut (the agent accepts 64 KiB per parameter value).
_METRIC_TEXT_PART_CHARS = 60_000

#: The agent's rule for a csv_separator (prov-core csv-separator.ts): a tab or a printable ASCII
#: character that cannot occur in a cell (numbers, NaN, INF) and does not quote one.
_SEPARATOR_CHARACTERS = frozenset("\t" + "".join(chr(c) for c in range(0x20, 0x7F) if not chr(c).isalnum())) - frozenset(".+-\"'")


class _NoTable:
    """Stands for the metric table whenever this process does not record: every lookup of the hot
    path misses, and its miss branch says why nothing is logged (the hit branch checks nothing)."""

    by_context = {}


_NO_TABLE = _NoTable()

_lifecycle = threading.RLock()
#: The run of this process, whether or not it records (ranks ≠ 0 without collect_all_processes do not).
_session = None
#: The metric table the hot path appends to; _NO_TABLE whenever this process does not record.
_table = _NO_TABLE
#: Why nothing is recorded now (a message template), or None where silence is the meaning.
_why_not = _NOT_STARTED
#: What start_run was asked for that the client itself acts on; kept after end_run for get_run_dir.
_run = None


class _RunOptions:
    """The options of the current (or last) run that live in the client, and its per-run counters."""

    def __init__(self, disable_codecarbon):
        self.disable_codecarbon = disable_codecarbon
        #: Where the run's files went and this process's rank, known once the agent answered.
        self.run_dir = None
        self.artifacts_dir = None
        self.rank = None
        #: model name → versions saved with incremental=True
        self.versions = {}
        #: 'input'/'output' → how many log_input/log_output calls so far
        self.io_counts = {"input": 0, "output": 0}
        #: The run's session once ended: PROV4ML_DATA still answers from it (_state.py)
        self.ended_session = None


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
    _table = session.table if session.collecting else _NO_TABLE
    _why_not = None


def _uninstall(reason):
    global _session, _table, _why_not
    _session = None
    _table = _NO_TABLE
    _why_not = reason


def _silence(session, no_agent):
    # Called by the session's flush thread once the agent answered that this rank records nothing, or
    # when no agent could be reached (then every call is a no-op, silently: start_run's line said why).
    # No lock: end_run holds _lifecycle while it waits for that thread.
    global _table
    if _session is session:
        _table = _NO_TABLE
        if no_agent:
            _uninstall(None)


def _after_fork_in_child():
    # The parent's socket and flush thread are not this process's; its buffers are copies.
    if _session is not None:
        _uninstall(_FORKED)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _run_facts(session):
    """What the agent's started reply says about where this rank's files go (runDir, artifactsDir).
    The one place that reads the reply: a client that starts before the reply arrives waits here."""
    answer = session.answer()
    if answer is None:  # the agent never answered: there is no run directory
        return {"runDir": None, "artifactsDir": None}
    return {"runDir": answer["runDir"], "artifactsDir": answer["artifactsDir"]}


def _deliver_pending(session):
    """Sends everything logged so far before a request that must see it (log_provenance_documents)."""
    session.send_pending()


# ---- run lifecycle -------------------------------------------------------------------------------


def _start_run(
    prov_user_namespace=None,
    experiment_name=None,
    provenance_save_dir=None,
    collect_all_processes=None,
    save_after_n_logs=None,
    rank=None,
    disable_codecarbon=False,
    metrics_file_type=None,
    csv_separator=None,
    use_compressor=None,
    use_run_id=None,
    unify_experiments=False,
):
    """Starts this process's run with its rank's agent (under `prov4ml run`) or with an agent it starts.

    Options left None come from the agent's configuration (PROV4ML_* variables, then the original's
    defaults: collect_all_processes=False, save_after_n_logs=100). Returns without waiting for an agent
    it starts. When no agent can be reached or started it says so in one line on stderr, and every call
    is a no-op."""
    global _run
    call = "start_run"
    started_at = _now()
    save_dir = None if provenance_save_dir is None else os.path.abspath(os.fspath(provenance_save_dir))
    start = {
        "provUserNamespace": _optional_text(prov_user_namespace, "prov_user_namespace", call),
        "experimentName": _optional_text(experiment_name, "experiment_name", call),
        "provenanceSaveDir": save_dir,
        "collectAllProcesses": None if collect_all_processes is None else bool(collect_all_processes),
        "saveAfterNLogs": None if save_after_n_logs is None else _positive(save_after_n_logs, "save_after_n_logs", call),
        "rank": None if rank is None else _non_negative(rank, "rank", call),
        "disableCodecarbon": bool(disable_codecarbon),
        "csvSeparator": _csv_separator(csv_separator, call),
        "metricsFileType": _metrics_file_type(metrics_file_type, call),
        "runId": None if use_run_id is None else _non_negative(use_run_id, "use_run_id", call),
        # An agent this process starts comes up after this call: the run's start is this moment.
        "time": started_at * 1000,
    }
    zip_run_dir = _check_compressor(use_compressor, call)
    start["zarrCodec"] = _zarr_codec(use_compressor, start["metricsFileType"], call)
    with _lifecycle:
        if _session is not None:
            warn("prov4ml.start_run: a run is already active; call end_run first (this call is ignored)")
            return
        channel = os.environ.get("PROV4ML_CHANNEL")
        if not channel and _job.records_nothing(start["rank"], start["collectAllProcesses"]):
            # The original's rank other than 0 without collect_all_processes: every call is a silent no-op.
            _uninstall(None)
            return
        try:
            session = Session.open(channel, start, _silence)
        except Prov4mlError as error:
            say_no_provenance(error)
            _uninstall(None)
            return
        if session.failure is not None:  # the wrapper's agent refused the run; the session said why
            _uninstall(None)
            return
        _run = _RunOptions(bool(disable_codecarbon))
        session.packages["zipRunDir"] = zip_run_dir
        session.packages["unifyExperiments"] = bool(unify_experiments)
        _install(session)
        _exit.install()
    log_param("execution_start_time", started_at)
    for name, parent in list(_kinds._declared.items()):
        _send_context(name, parent, None)


start_run = published("start_run", SEED)(_start_run)


def end_run(create_graph=False, create_svg=False, crate_ro_crate=False):
    """Sends everything logged, registers final metrics, and ends the run with the agent."""
    if create_svg and not create_graph:
        raise ValueError("Cannot create SVG without creating the graph.")
    if _session is not None:
        # Tracked models still recording belong to this run: their stores are logged before it ends.
        from . import _tracked_model
        _tracked_model.close_open_stores()
    with _lifecycle:
        session = _session
        if session is None:
            _not_logging("end_run")
            return
        if session.collecting:
            log_execution_end_time()
        _remember_dirs(session)
        _uninstall(_NOT_STARTED)
        if crate_ro_crate:
            session.packages["crateRoCrate"] = True
        # The agent writes the crate once the job is finalised (every rank's documents complete).
        session.end(create_graph, create_svg)


def log_provenance_documents(create_graph=False, create_svg=False, crate_ro_crate=False):
    """Has the agent write this rank's PROV-JSON (and DOT, SVG) now, mid-run, and returns their
    absolute paths (json, dot, svg); dot and svg are None when not asked for. end_run later rewrites
    the same files with everything (nothing is duplicated). crate_ro_crate: the RO-Crate needs the
    finished run, so it is written when the run ends (as end_run(crate_ro_crate=True) does).
    The documents name each series' metric file; the aggregator writes those in chunks of 65,536 points
    as they arrive, so mid-run a file holds the chunks written so far, and everything once the run ends."""
    call = "log_provenance_documents"
    if create_svg and not create_graph:
        raise ValueError("Cannot create SVG without creating the graph.")
    session = _recording(call)
    if session is None:
        return None, None, None
    if crate_ro_crate:
        session.packages["crateRoCrate"] = True
    try:
        _deliver_pending(session)
        reply = session.channel.request({"t": "documents", "createGraph": bool(create_graph), "createSvg": bool(create_svg)}, END_RUN_TIMEOUT_S)
    except (AgentRefused, ChannelError) as error:
        warn("prov4ml.%s: the documents are not written: %s" % (call, error))
        return None, None, None
    return reply.get("json"), reply.get("dot"), reply.get("svg")


def _remember_dirs(session):
    facts = _run_facts(session)
    _run.run_dir = facts["runDir"]
    _run.artifacts_dir = facts["artifactsDir"]
    _run.rank = session.rank
    _run.ended_session = session


def get_run_dir():
    """The run directory of the current run (or of the last one, after end_run); None before any."""
    session = _session
    if session is not None:
        return _run_facts(session)["runDir"]
    return None if _run is None else _run.run_dir


def get_artifacts_dir():
    """Where this rank's artifacts are copied (<run dir>/artifacts/GR<rank>); None before any run."""
    session = _session
    if session is not None:
        return _run_facts(session)["artifactsDir"]
    return None if _run is None else _run.artifacts_dir


def run_context(start):
    """The original's start_run_ctx for a start_run of one generation's order."""

    @contextlib.contextmanager
    def start_run_ctx(*start_run_args, create_graph=False, create_svg=False, create_provenance_collection=False, **start_run_kwargs):
        """start_run (same arguments) on entry, end_run on exit, also after an exception. The collection
        of every rank's documents is always written, so create_provenance_collection changes nothing."""
        if create_svg and not create_graph:
            raise ValueError("Cannot create SVG without creating the graph.")
        start(*start_run_args, **start_run_kwargs)
        try:
            yield
        finally:
            end_run(create_graph, create_svg)

    return start_run_ctx


start_run_ctx = run_context(start_run)


def _at_exit():
    # A program that never called end_run (it returned, raised, or got SIGTERM) still gets its rank's
    # files complete before it exits (an agent it started), or its records into the wrapper's spool.
    with _lifecycle:
        session = _session
        if session is None:
            return
        if session.collecting:
            log_execution_end_time()
        _uninstall(_NOT_STARTED)
    session.end(False, False, _exit.how_it_ends())


atexit.register(_at_exit)


# ---- metrics: the hot path -------------------------------------------------------------------------


def log_metric(key, value, context=None, step=0, source=None, timestamp=None):
    """Logs one point of metric `key` in `context` (default TRAINING). No I/O: it appends to a buffer.
    A value that is not one number (a list, a tensor of many elements) is kept as text."""
    # The hot path: one lookup finds the points (or a fold, see _buffers.FoldedPoints); whatever is
    # not the common case (nothing records, a new series, a value that is not a float) costs only
    # on the branch that meets it.
    table = _table
    try:
        points = table.by_context[context][key]
    except (KeyError, TypeError):
        if table is _NO_TABLE:
            return _not_logging("log_metric")
        if metric_number(value) is None:
            return _metric_as_text(key, value, context, step, source, timestamp)
        points = table.series_points(context, key, source, "log_metric")
        if points is None:
            return None
    if type(value) is not float:
        number = metric_number(value)
        if number is None:
            return _metric_as_text(key, value, context, step, source, timestamp)
        value = number
    if type(step) is not int:
        step = as_step(step, "log_metric")
    if len(points) >= table.handoff_at and not table.room_for(points):
        return None
    # `+=` extends the list in one C call (atomic under the GIL, see _buffers), without a method call.
    points += (step, value, _now() * 1000.0 if timestamp is None else as_number(timestamp, "timestamp", "log_metric"))
    return None


def _metric_as_text(key, value, context, step, source, timestamp):
    """The original wrote f"{value}" for any value; a metric series holds numbers, so a value that is
    not one is kept whole as a parameter "<key> (<context>, step <step>)" with the metric's context
    and source (text longer than one parameter value is split into numbered parts)."""
    call = "log_metric"
    check_name(key, "key", call)
    context = canonical_context(context, call)
    step = as_step(step, call)
    session = _recording(call)
    if session is None:
        return
    parameter = "%s (%s, step %d)" % (key, context, step)
    warn_once(("metric-text", key), "prov4ml.log_metric: %r got a %s, not one number; it is kept as text in the parameter %r"
              % (key, type(value).__name__, parameter))
    text = _text_of(value)
    time = _now() * 1000.0 if timestamp is None else as_number(timestamp, "timestamp", call)
    parts = [text[i:i + _METRIC_TEXT_PART_CHARS] for i in range(0, len(text), _METRIC_TEXT_PART_CHARS)] or [""]
    for number, part in enumerate(parts, 1):
        name = parameter if len(parts) == 1 else "%s part %d of %d" % (parameter, number, len(parts))
        session.outbox.put({"kind": "param", "time": time, "name": name, "value": part, "context": context,
                            "source": str(source) if source is not None else str(LoggingItemKind.METRIC)})


def _text_of(value):
    """The value as the original wrote it (f"{value}"), lists of tensors and arrays as plain lists."""
    tolist = getattr(value, "tolist", None)
    if callable(tolist):
        try:
            value = tolist()
        except Exception:  # a tolist that fails: str() of the object is still lossless enough to read
            pass
    return "%s" % (value,)


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
        session.table.fold(metric_name, FinalMetric(metric_name, operation, fold_operation, initial_value))


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


def log_param(key, value, context=None, source=None, is_input=None):
    """Records a parameter; the value is kept as a number, bool, None or its str(). With is_input the
    run used it (an input) or generated it (an output); without, it is the run's configuration."""
    call = "log_param"
    check_name(key, "key", call)
    record = {"kind": "param", "time": _now() * 1000.0, "name": key, "value": param_value(value)}
    if context is not None:
        record["context"] = canonical_context(context, call)
    if source is not None:
        record["source"] = str(source)
    if is_input is not None:
        record["isInput"] = bool(is_input)
    session = _recording(call)
    if session is not None:
        session.outbox.put(record)


def log_execution_start_time():
    log_param("execution_start_time", _now())


def log_execution_end_time():
    log_param("execution_end_time", _now())


def log_system_metrics(context=None, step=None):
    """Asks the agent to sample CPU, memory, disk and GPUs now; the sampling runs in the agent."""
    _request_sample("system", context, step, "log_system_metrics")


def log_carbon_metrics(context=None, step=None):
    """Asks the agent for energy and emissions since the previous call; the work runs in the agent.
    Raises Prov4mlError (an Exception, as the original raised) when the run started with disable_codecarbon=True."""
    if _session is not None and _run.disable_codecarbon:
        raise Prov4mlError("prov4ml.log_carbon_metrics: cannot be called when the run started with disable_codecarbon=True")
    _request_sample("carbon", context, step, "log_carbon_metrics")


def _request_sample(kind, context, step, call):
    message = {"t": "sample", "kind": kind, "context": canonical_context(context, call), "step": as_step(step, call)}
    session = _recording(call)
    # A sample is of the moment it is asked for: an agent this process started may still be coming up,
    # and what it sampled then would be of a later moment, so the first calls wait for it (bounded).
    if session is not None and session.wait_started() is not None and session.collecting:
        session.outbox.put(message, urgent=True)


def _log_dataset(dataset_label, dataset, context=None, source=None, log_dataset_info=True):
    """Records what can be told about a DataLoader or data set: batch size, workers, steps, samples, shuffle
    (nothing but its label with log_dataset_info=False).
    `source` is accepted as the newest API has it; the agent's record of a data set has no source."""
    call = "log_dataset"
    check_name(dataset_label, "dataset_label", call)
    context = canonical_context(context, call)
    session = _recording(call)
    if session is None:
        return
    stats = _torch_support.dataset_stats(dataset) if log_dataset_info else {}
    if log_dataset_info and not stats:
        warn("prov4ml.log_dataset: cannot tell anything about a %s; only its label %r is recorded" % (type(dataset).__name__, dataset_label))
    session.outbox.put({"kind": "dataset", "time": _now() * 1000.0, "label": dataset_label, "context": context, "stats": stats})


log_dataset = published("log_dataset", SEED)(_log_dataset)


def _log_artifact(artifact_path, artifact_name=None, context=None, source=None, step=None, timestamp=None,
                  log_copy_in_prov_directory=True, log_copy_subdirectory=None, is_model=False, is_input=False):
    """Has the agent fingerprint a file or directory and (by default) copy it into the run directory.

    Waits for the agent (so the file may change afterwards) and returns the copy's path relative to
    the run directory (None when not copied), or None with a warning when it could not be recorded.
    is_input: the run used it (an input); otherwise the run generated it (an output).
    `source` is accepted as the newest API has it; the agent's record of an artifact has no source."""
    return _store_artifact(artifact_path, artifact_name, context, step, timestamp, "artifact", "log_artifact",
                           copy=log_copy_in_prov_directory, subdirectory=log_copy_subdirectory, is_model=is_model, is_input=is_input)


log_artifact = published("log_artifact", SEED)(_log_artifact)


def _store_artifact(path, name, context, step, timestamp, role, call, copy=True, subdirectory=None, is_model=False, is_input=False,
                    scratch_copy=False):
    # scratch_copy: the client wrote `path` for the run (a state dict, a layers description) and removes
    # it after; the agent's copy is then the artifact, with no original to record.
    if not isinstance(path, (str, bytes, os.PathLike)):
        raise TypeError("%s: artifact_path must be a path, got %s" % (call, type(path).__name__))
    if name is not None:
        check_name(name, "artifact_name", call)
    if subdirectory is not None:
        check_name(subdirectory, "log_copy_subdirectory", call)
    message = {
        "t": "artifact",
        "path": os.path.abspath(os.fsdecode(path)),
        "name": name,
        "context": canonical_context(context, call),
        "step": optional_step(step, call),
        "timestamp": as_number(timestamp, "timestamp", call) if timestamp is not None else _now() * 1000.0,
        "role": role,
        "isInput": bool(is_input),
        "copy": bool(copy),
        "subdirectory": subdirectory,
        "isModel": bool(is_model),
        "scratchCopy": bool(scratch_copy),
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


def _log_model(model, model_name="default", context=None, source=None, log_model_info=True,
               log_model_layers=False, log_as_artifact=True, is_input=False):
    """Logs the model's size, optionally its layers (<name>_layers_description.json), and saves its
    state dict as the final model version; returns where the agent stored that version.
    `source` is accepted as the newest API has it; the agent's record of a model has no source."""
    call = "log_model"
    check_name(model_name, "model_name", call)
    if _recording(call) is None:
        return None
    if log_model_info:
        log_model_memory_footprint(model, model_name)
    if log_model_layers:
        _log_layers(model, model_name, context, is_input)
    if log_as_artifact:
        return _save_model(model, model_name, context or Context.EVALUATION, None, None, "model_version_final", call,
                           model_name + ".pth", None, is_input)
    return None


log_model = published("log_model", SEED)(_log_model)


def _log_layers(model, model_name, context, is_input):
    description = _layers.layers_description(model)
    if description is None or _recording("log_model") is None:
        return
    with _scratch_directory() as directory:
        path = os.path.join(directory, _file_safe(model_name) + "_layers_description.json")
        with open(path, "w", encoding="utf-8") as out:
            json.dump(description, out, indent=2)
        _store_artifact(path, os.path.basename(path), context or Context.MODELS, None, None, "artifact", "log_model", is_input=is_input,
                        scratch_copy=True)


def _save_model_version(model, model_name, context=None, source=None, step=None, timestamp=None, incremental=None, is_input=False):
    """torch.save of the model's state dict, stored by the agent as a model version of the run: as
    <name>.pth (the seed's form), or with incremental=True (the newest form's default) as
    <name>/<name>_<n>.pt, n counting this run's versions of that name from 0.
    `source` is accepted as the newest API has it; the agent's record of a model version has no source."""
    call = "save_model_version"
    check_name(model_name, "model_name", call)
    if not incremental:
        return _save_model(model, model_name, context, step, timestamp, "model_version", call, model_name + ".pth", None, is_input)
    if _recording(call) is None:
        return None
    number = _run.versions.get(model_name, 0)
    _run.versions[model_name] = number + 1
    return _save_model(model, model_name, context, step, timestamp, "model_version", call,
                       "%s_%d.pt" % (model_name, number), _file_safe(model_name), is_input)


save_model_version = published("save_model_version", SEED)(_save_model_version)


def _save_model(model, model_name, context, step, timestamp, role, call, file_name, subdirectory, is_input):
    if _recording(call) is None:
        return None
    torch = _torch_support.import_torch()
    if torch is None:
        return None
    with _scratch_directory() as directory:
        path = os.path.join(directory, _file_safe(file_name))
        try:
            _torch_support.save_state_dict(torch, model, path)
        except OSError as error:
            warn("prov4ml.%s: cannot write the state dict of %r: %s" % (call, model_name, error))
            return None
        return _store_artifact(path, os.path.basename(path), context, step, timestamp, role, call,
                               subdirectory=subdirectory, is_model=True, is_input=is_input, scratch_copy=True)


@contextlib.contextmanager
def _scratch_directory():
    # The agent copies the file before it replies, so the scratch copy can go right after.
    directory = tempfile.mkdtemp(prefix="prov4ml-")
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _file_safe(name):
    return name.replace(os.sep, "_").replace("\0", "_")


# ---- contexts ----------------------------------------------------------------------------------


def create_context(context, is_subcontext_of=None):
    """Adds Context.<context> (a sub-context of `is_subcontext_of` when given) and records it in the
    run's provenance (now, or at start_run when no run is active yet). Returns the new member."""
    member = _kinds.create_context(context, is_subcontext_of)
    if _session is not None:
        _send_context(str(member), _kinds._declared.get(str(member)), None)
    return member


def log_context(context, is_subcontext_of=None, source_of_data=None):
    """Records a context (created here when new) with its parent context and where its data came from."""
    call = "log_context"
    if _kinds._context_name(context) is None:
        context = _kinds.create_context(context, is_subcontext_of)
    name = canonical_context(context, call)
    parent = None if is_subcontext_of is None else canonical_context(is_subcontext_of, call, argument="is_subcontext_of")
    if source_of_data is not None and not isinstance(source_of_data, str):
        raise TypeError("%s: source_of_data must be a string, got %s" % (call, type(source_of_data).__name__))
    _send_context(name, parent, source_of_data)


def _send_context(name, parent, source_of_data):
    session = _recording("log_context")
    if session is not None:
        session.outbox.put({"kind": "context", "time": _now() * 1000.0, "name": name, "parent": parent, "sourceOfData": source_of_data})


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
    if isinstance(value, bool):
        raise TypeError("%s: %s must be a non-negative integer, got %r" % (call, argument, value))
    number = as_step(value, call, argument)
    if number < 0:
        raise TypeError("%s: %s must be a non-negative integer, got %r" % (call, argument, value))
    return number


def _csv_separator(separator, call):
    if separator is None:
        return None
    if not isinstance(separator, str) or separator not in _SEPARATOR_CHARACTERS:
        raise TypeError("%s: csv_separator must be a tab or one printable ASCII character other than a letter, a digit, '.', '+', '-' or a quote, got %r" % (call, separator))
    return separator


def _metrics_file_type(file_type, call):
    """The wire's format name (csv, txt, zarr, netcdf) of a MetricsType, its value or its name (any case)."""
    if file_type is None:
        return None
    if isinstance(file_type, MetricsType):
        return file_type.value
    text = str(file_type).strip()
    for member in MetricsType:
        if text.lower() == member.value or text.upper() == member.name:
            return member.value
    raise TypeError("%s: metrics_file_type must be a MetricsType (%s) or its value (%s), got %r"
                    % (call, ", ".join(m.name for m in MetricsType), ", ".join(m.value for m in MetricsType), file_type))


def _zarr_codec(compressor, file_type, call):
    """use_compressor=BLOSC_ZSTD: the Zarr stores' chunks are Blosc frames (zlib inside: Node, which writes
    them, has no Zstandard encoder). It applies to Zarr only, as in the original."""
    if compressor is not CompressorType.BLOSC_ZSTD:
        return None
    if file_type is not None and file_type != MetricsType.ZARR.value:
        warn_once("blosc", "prov4ml.%s: use_compressor=BLOSC_ZSTD applies to Zarr metric files only; metrics_file_type=%s is written without it" % (call, file_type))
        return None
    warn_once("blosc", "prov4ml.%s: use_compressor=BLOSC_ZSTD: Zarr chunks are Blosc frames with zlib inside (no Zstandard encoder here); numcodecs reads them" % call)
    return "blosc"


def _check_compressor(compressor, call):
    """True for ZIP: the agent zips the run directory to <run dir>.zip once the job is finalised.
    BLOSC_ZSTD is the Zarr stores' codec (_zarr_codec), nothing to do with the run's files."""
    if compressor is None or compressor is CompressorType.NONE or compressor is CompressorType.BLOSC_ZSTD:
        return False
    if not isinstance(compressor, CompressorType):
        raise TypeError("%s: use_compressor must be a CompressorType (%s) or None, got %r" % (call, ", ".join(m.name for m in CompressorType), compressor))
    return compressor is CompressorType.ZIP
