"""The original's two loggers on this client: ProvMLLogger for PyTorch Lightning's Trainer and
ProvMLItwinAILogger for itwinai. Each is a subclass of its framework's Logger where that framework is
importable (prov4ml._framework says how, without importing it at `import prov4ml`).

Which run they log to (the G2 behaviour, kept safe for G1 scripts): a logger starts a run only when
none is active in the process, and ends only a run it started. A seed (G1) script that called
start_run before making the logger keeps its run, its options and its own end_run; a G2 script that
never calls start_run gets the run the logger starts and ends.
"""

import argparse
import collections.abc
import contextlib
import os
import pathlib
import sys

from . import _api
from ._framework import FrameworkLogger
from ._kinds import Context


class _OwnedRun:
    """The run a logger started, if it started one (and start_run's arguments for starting it)."""

    def __init__(self, **start):
        self.start_arguments = start
        self.session = None
        #: start_run found no agent (it said so); do not say it again on every call
        self.failed = False

    def ensure(self):
        """Starts a run when none is active (and none failed to start before)."""
        if _api._session is not None or self.failed:
            return
        _api._start_run(**self.start_arguments)
        self.session = _api._session
        self.failed = self.session is None

    def __getstate__(self):
        # A copy (pickled for another process, or deep-copied) owns no run: the session is this process's.
        return dict(self.__dict__, session=None)

    def end(self, create_graph, create_svg):
        """Ends the run this logger started, if it is still the active one."""
        if self.session is not None and self.session is _api._session:
            _api.end_run(create_graph=create_graph, create_svg=create_svg)
        self.session = None


def _check_svg(create_graph, create_svg, call):
    if create_svg and not create_graph:
        raise ValueError("%s: create_svg needs create_graph (cannot create SVG without creating the graph)" % call)


# ---- PyTorch Lightning -----------------------------------------------------------------------------

#: Lightning's separator between a logger's prefix and a metric name (lightning's LOGGER_JOIN_CHAR).
_LIGHTNING_PREFIX_SEPARATOR = "-"


class ProvMLLogger(FrameworkLogger):
    """A Lightning logger: Trainer(logger=ProvMLLogger()). Every metric Lightning logs is a TRAINING
    metric at step metrics["epoch"] (Lightning adds the epoch; else Lightning's `step`), every
    hyperparameter a parameter. It starts a run named `name` if none is active (save dir and namespace
    from the agent's configuration: prov and www.example.org unless set), and finalize (called by the
    Trainer at the end of fit, validate, test) ends that run with its DOT and SVG graphs; a later
    Trainer call starts the next run."""

    FRAMEWORK_BASES = (("lightning.pytorch.loggers", "Logger"), ("pytorch_lightning.loggers", "Logger"),
                       ("pytorch_lightning.loggers", "LightningLoggerBase"))

    def __init__(self, name="lightning_logs", version=None, prefix="", flush_logs_every_n_steps=100):
        super().__init__()
        call = "ProvMLLogger"
        if name is not None and not isinstance(name, str):
            raise TypeError("%s: name must be a string or None, got %s" % (call, type(name).__name__))
        if version is not None and (isinstance(version, bool) or not isinstance(version, (int, str))):
            raise TypeError("%s: version must be an int, a string or None, got %r" % (call, version))
        if not isinstance(prefix, str):
            raise TypeError("%s: prefix must be a string, got %s" % (call, type(prefix).__name__))
        self._name = name or ""
        self._version = version
        self._prefix = prefix
        self._flush_logs_every_n_steps = _api._positive(flush_logs_every_n_steps, "flush_logs_every_n_steps", call)
        self._run = _OwnedRun(experiment_name=self._name or None, save_after_n_logs=self._flush_logs_every_n_steps)
        self._run.ensure()

    @property
    def name(self):
        return self._name

    @property
    def version(self):
        """The version given, else the number of the current (or last) run (its directory is <name>_<number>)."""
        if self._version is not None:
            return self._version
        run_dir = _api.get_run_dir()
        number = os.path.basename(run_dir).rsplit("_", 1)[-1] if run_dir else ""
        return int(number) if number.isdigit() else None

    @property
    def experiment(self):
        """The prov4ml module: logger.experiment.log_param(…) and the other calls log into the same run."""
        return sys.modules[__package__]

    @property
    def save_dir(self):
        # None: Lightning keeps checkpoints in the Trainer's default_root_dir, as without this logger.
        return None

    @property
    def root_dir(self):
        return None

    @property
    def log_dir(self):
        """The directory of the current (or last) run, where its provenance goes."""
        return _api.get_run_dir()

    @property
    def group_separator(self):
        return "/"

    def log_metrics(self, metrics, step=None, context=None):
        """Logs every metric but "epoch" at step metrics["epoch"] (else `step`, else 0), in `context` (TRAINING)."""
        call = "ProvMLLogger.log_metrics"
        if not isinstance(metrics, collections.abc.Mapping):
            raise TypeError("%s: metrics must be a mapping of names to values, got %s" % (call, type(metrics).__name__))
        self._run.ensure()
        at = metrics.get("epoch", step)
        context = Context.TRAINING if context is None else context
        for key, value in metrics.items():
            if key == "epoch":
                continue
            name = _LIGHTNING_PREFIX_SEPARATOR.join((self._prefix, key)) if self._prefix else key
            _api.log_metric(name, value, context, at)

    def log_hyperparams(self, params, *args, **kwargs):
        """Logs each hyperparameter (a mapping or an argparse.Namespace, as Lightning gives them) as a parameter.
        Further arguments (Lightning passes metrics to some loggers) are not parameters and are ignored."""
        if isinstance(params, argparse.Namespace):
            params = vars(params)
        if not isinstance(params, collections.abc.Mapping):
            raise TypeError("ProvMLLogger.log_hyperparams: params must be a mapping or an argparse.Namespace, got %s" % type(params).__name__)
        self._run.ensure()
        for key, value in params.items():
            _api.log_param(str(key), value)

    def log_graph(self, model, input_array=None):
        """Nothing (as Lightning's base logger): log_model records a model."""

    def after_save_checkpoint(self, checkpoint_callback):
        """Nothing (as Lightning's base logger)."""

    def save(self):
        """Nothing to do: the client sends what was logged on its own."""

    def finalize(self, status):
        """Ends the run this logger started ("success" or "failed" alike), with its DOT and SVG graphs."""
        self._run.end(create_graph=True, create_svg=True)
        self.save()


# ---- itwinai -------------------------------------------------------------------------------------------

#: What ProvMLItwinAILogger.log takes as `kind`; itwinai's LoggersCollection sends every kind to every
#: logger, so other kinds (an MLflow logger's 'figure', 'artifact', …) are ignored, as the original did.
ITWINAI_KINDS = ("metric", "flops_pb", "flops_pe", "system", "carbon", "execution_time", "model", "best_model", "torch", "prov_documents")


class ProvMLItwinAILogger(FrameworkLogger):
    """An itwinai logger: create_logger_context(rank) starts the run (every rank collects; which ranks log
    is log_on_workers' choice, as itwinai's should_log decides), log(item, identifier, kind, …) calls the
    function of that kind, destroy_logger_context() ends the run."""

    FRAMEWORK_BASES = (("itwinai.loggers", "Logger"),)
    supported_kinds = ITWINAI_KINDS

    def __init__(self, prov_user_namespace="www.example.org", experiment_name="experiment_name",
                 provenance_save_dir="mllogs/prov_logs", save_after_n_logs=100, create_graph=True, create_svg=True,
                 log_freq="epoch", log_on_workers=0):
        super().__init__()
        call = "ProvMLItwinAILogger"
        _check_svg(create_graph, create_svg, call)
        if not (log_freq in ("epoch", "batch") or (isinstance(log_freq, int) and not isinstance(log_freq, bool) and log_freq > 0)):
            raise TypeError("%s: log_freq must be 'epoch', 'batch' or a positive integer, got %r" % (call, log_freq))
        workers = log_on_workers if isinstance(log_on_workers, list) else [log_on_workers]
        if not all(isinstance(w, int) and not isinstance(w, bool) for w in workers):
            raise TypeError("%s: log_on_workers must be a rank, -1 (every rank) or a list of ranks, got %r" % (call, log_on_workers))
        self.prov_user_namespace = prov_user_namespace
        self.experiment_name = self.name = experiment_name
        self.provenance_save_dir = provenance_save_dir
        # itwinai's Logger.serialize joins paths to it; None: the agent's save directory
        self.savedir = None if provenance_save_dir is None else pathlib.Path(provenance_save_dir)
        self.save_after_n_logs = save_after_n_logs
        self.create_graph = create_graph
        self.create_svg = create_svg
        self.log_freq = log_freq
        self.log_on_workers = log_on_workers
        self.worker_rank = None
        self._run = None

    def should_log(self, batch_idx=None):
        """itwinai's rule: this worker's rank is one of log_on_workers (-1: all), and a call with a batch
        index logs with log_freq 'batch' or every log_freq-th batch ('epoch': only calls without one)."""
        workers = self.log_on_workers
        if self.worker_rank is not None and workers != -1 and self.worker_rank not in (workers if isinstance(workers, list) else [workers]):
            return False
        if batch_idx is None:
            return True
        if isinstance(self.log_freq, int):
            return batch_idx % self.log_freq == 0
        return self.log_freq == "batch"

    @contextlib.contextmanager
    def start_logging(self, rank=None):
        """with logger.start_logging(rank): … (itwinai's context: create, then always destroy)."""
        try:
            self.create_logger_context(rank=rank)
            yield
        finally:
            self.destroy_logger_context()

    def create_logger_context(self, rank=None):
        """Starts the run for this worker (rank None: the launcher's), unless it does not log or a run is active."""
        self.worker_rank = rank
        if not self.should_log():
            return
        if self._run is None or self._run.session is None:  # a second call while its run is on keeps that run
            self._run = _OwnedRun(prov_user_namespace=self.prov_user_namespace, experiment_name=self.experiment_name,
                                  provenance_save_dir=self.provenance_save_dir, save_after_n_logs=self.save_after_n_logs,
                                  collect_all_processes=True, rank=rank)
        self._run.ensure()

    def destroy_logger_context(self):
        """Ends the run create_logger_context started, with the graphs asked for."""
        if self._run is not None and self.should_log():
            self._run.end(self.create_graph, self.create_svg)

    def save_hyperparameters(self, params):
        if not self.should_log():
            return
        if not isinstance(params, collections.abc.Mapping):
            raise TypeError("ProvMLItwinAILogger.save_hyperparameters: params must be a mapping, got %s" % type(params).__name__)
        for key, value in params.items():
            _api.log_param(str(key), value)

    def log(self, item, identifier, kind="metric", step=None, batch_idx=None, context="training", **kwargs):
        """Logs `item` as `kind` (ITWINAI_KINDS; other kinds are for other loggers and are ignored).
        'prov_documents' writes the run's documents now and returns their paths (json, dot, svg).
        Keyword arguments meant for other loggers of an itwinai LoggersCollection are ignored."""
        if not self.should_log(batch_idx=batch_idx):
            return None
        # The same keyword calls as itwinai's own Prov4MLLogger makes.
        if kind == "metric":
            _api.log_metric(key=identifier, value=item, context=context, step=step)
        elif kind == "flops_pb":
            model, batch = _pair(item, kind)
            _api.log_flops_per_batch(identifier, model=model, batch=batch, context=context, step=step)
        elif kind == "flops_pe":
            model, dataset = _pair(item, kind)
            _api.log_flops_per_epoch(identifier, model=model, dataset=dataset, context=context, step=step)
        elif kind == "system":
            _api.log_system_metrics(context=context, step=step)
        elif kind == "carbon":
            _api.log_carbon_metrics(context=context, step=step)
        elif kind == "execution_time":
            _api.log_current_execution_time(label=identifier, context=context, step=step)
        elif kind == "model":
            _api.save_model_version(model=item, model_name=identifier, context=context, step=step)
        elif kind == "best_model":
            _api.log_model(model=item, model_name=identifier, log_model_info=True, log_as_artifact=True)
        elif kind == "torch":
            if _is_data_loader(item):
                _api.log_dataset(dataset=item, label=identifier)
            else:
                _api.log_param(key=identifier, value=item)
        elif kind == "prov_documents":
            return _api.log_provenance_documents(create_graph=self.create_graph, create_svg=self.create_svg)
        return None


def _pair(item, kind):
    if not isinstance(item, (tuple, list)) or len(item) != 2:
        raise TypeError("ProvMLItwinAILogger.log: kind %r takes item=(model, %s), got %s"
                        % (kind, "batch" if kind == "flops_pb" else "dataset", type(item).__name__))
    return item


def _is_data_loader(item):
    # Without torch imported, nothing is a DataLoader; torch is not imported for the question.
    data = sys.modules.get("torch.utils.data")
    return data is not None and isinstance(item, data.DataLoader)
