"""The original's loggers: ProvMLLogger driven as Lightning's Trainer drives a logger, ProvMLItwinAILogger
as itwinai drives one. packages/agent/test/python-loggers.test.ts checks the files their runs wrote and
python-wire.test.ts the messages' shape on the wire, by experiment name (see _harness.py); here the Python side checks return values, errors and the
framework base classes."""

import argparse
import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest
import warnings

import prov4ml
import yprov4ml
from prov4ml import _api

from . import _harness
from ._optional import torch

CLIENT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

#: Lightning's and itwinai's logger bases, reduced to what they declare (neither framework is installed
#: here): abstract methods, and itwinai's validating log_freq property. The base class test runs on them.
FRAMEWORK_STUBS = {
    "lightning/__init__.py": "",
    "lightning/pytorch/__init__.py": "",
    "pytorch_lightning/__init__.py": "",
    "itwinai/__init__.py": "",
    "lightning/pytorch/loggers/__init__.py": """
        import abc
        class Logger(abc.ABC):
            @property
            @abc.abstractmethod
            def name(self): ...
            @property
            @abc.abstractmethod
            def version(self): ...
            @abc.abstractmethod
            def log_metrics(self, metrics, step=None): ...
            @abc.abstractmethod
            def log_hyperparams(self, params, *args, **kwargs): ...
    """,
    "itwinai/loggers.py": """
        import abc, pathlib
        class Logger(abc.ABC):
            def __init__(self, savedir="mllogs", log_freq="epoch", log_on_workers=0):
                self.savedir = pathlib.Path(savedir)
                self.log_freq = log_freq
                self.log_on_workers = log_on_workers
            @property
            def log_freq(self):
                return self._log_freq
            @log_freq.setter
            def log_freq(self, value):
                if not (value in ("epoch", "batch") or (isinstance(value, int) and value > 0)):
                    raise ValueError("Wrong value for 'log_freq'")
                self._log_freq = value
            @abc.abstractmethod
            def create_logger_context(self, rank=None): ...
            @abc.abstractmethod
            def destroy_logger_context(self): ...
            @abc.abstractmethod
            def save_hyperparameters(self, params): ...
            @abc.abstractmethod
            def log(self, item, identifier, kind="metric", step=None, batch_idx=None, **kwargs): ...
    """,
}
FRAMEWORK_STUBS["pytorch_lightning/loggers/__init__.py"] = FRAMEWORK_STUBS["lightning/pytorch/loggers/__init__.py"]

FRAMEWORK_PROGRAM = """
import copy, json, pickle, sys
import prov4ml
before = sorted(m for m in ("lightning", "pytorch_lightning", "itwinai") if m in sys.modules)
import pytorch_lightning.loggers as PL  # the program's framework: preferred over lightning, installed too
prov4ml.start_run("www.example.org", "framework_bases")  # so that the loggers start no run of their own
logger = prov4ml.ProvMLLogger(name="stubbed")
itwinai_logger = prov4ml.ProvMLItwinAILogger(log_freq=5)
import lightning.pytorch.loggers as L, itwinai.loggers as I
clone = pickle.loads(pickle.dumps(logger))
print(json.dumps({
    "imported_by_prov4ml": before,
    "lightning": [isinstance(logger, PL.Logger), isinstance(logger, L.Logger), isinstance(logger, prov4ml.ProvMLLogger)],
    "same_class_twice": type(prov4ml.ProvMLLogger()) is type(logger),
    "names": [type(logger).__name__, type(logger).__qualname__, type(logger).__module__],
    "pickled": [type(clone) is type(logger), clone.name, type(copy.deepcopy(logger)) is type(logger)],
    "itwinai": [isinstance(itwinai_logger, I.Logger), itwinai_logger._log_freq, str(itwinai_logger.savedir)],
}))
prov4ml.end_run()
"""


class Arguments(unittest.TestCase):
    """What fails before any run: the argument checks, and itwinai's rule of which calls log."""

    def test_both_modules_export_the_loggers(self):
        for name in ("ProvMLLogger", "ProvMLItwinAILogger"):
            self.assertIn(name, prov4ml.__all__)
            self.assertIs(getattr(yprov4ml, name), getattr(prov4ml, name))

    def test_bad_constructor_arguments_are_type_errors_naming_them(self):
        with self.assertRaisesRegex(TypeError, r"^ProvMLLogger: flush_logs_every_n_steps must be a positive integer, got 0$"):
            prov4ml.ProvMLLogger(flush_logs_every_n_steps=0)
        with self.assertRaisesRegex(TypeError, r"^ProvMLLogger: version must be an int, a string or None, got 1.5$"):
            prov4ml.ProvMLLogger(version=1.5)
        with self.assertRaisesRegex(TypeError, r"^ProvMLLogger: name must be a string or None, got int$"):
            prov4ml.ProvMLLogger(name=3)
        with self.assertRaisesRegex(TypeError, r"^ProvMLItwinAILogger: log_freq must be 'epoch', 'batch' or a positive integer, got 'step'$"):
            prov4ml.ProvMLItwinAILogger(log_freq="step")
        with self.assertRaisesRegex(TypeError, r"^ProvMLItwinAILogger: log_on_workers must be a rank, -1 \(every rank\) or a list of ranks, got '0'$"):
            prov4ml.ProvMLItwinAILogger(log_on_workers="0")
        with self.assertRaisesRegex(ValueError, r"^ProvMLItwinAILogger: create_svg needs create_graph"):
            prov4ml.ProvMLItwinAILogger(create_graph=False, create_svg=True)

    def test_should_log_follows_itwinai(self):
        def decisions(log_freq, log_on_workers, rank):
            logger = prov4ml.ProvMLItwinAILogger(log_freq=log_freq, log_on_workers=log_on_workers)
            logger.worker_rank = rank
            return [logger.should_log()] + [logger.should_log(batch_idx=i) for i in range(4)]

        self.assertEqual(decisions("epoch", 0, 0), [True, False, False, False, False])
        self.assertEqual(decisions("batch", 0, None), [True, True, True, True, True])
        self.assertEqual(decisions(3, -1, 5), [True, True, False, False, True])
        self.assertEqual(decisions("batch", [0, 2], 2), [True] * 5)
        self.assertEqual(decisions("batch", 0, 1), [False] * 5)

    def test_a_wrong_item_or_hyperparameters_are_type_errors_before_any_run(self):
        logger = prov4ml.ProvMLItwinAILogger()
        with self.assertRaisesRegex(TypeError, r"^ProvMLItwinAILogger.log: kind 'flops_pb' takes item=\(model, batch\), got int$"):
            logger.log(3, "flops", kind="flops_pb")
        with self.assertRaisesRegex(TypeError, r"^ProvMLItwinAILogger.save_hyperparameters: params must be a mapping, got list$"):
            logger.save_hyperparameters([1])

    def test_import_prov4ml_imports_no_framework_and_instances_subclass_theirs(self):
        stubs = tempfile.mkdtemp(prefix="prov4ml-framework-stubs-")
        self.addCleanup(shutil.rmtree, stubs, True)
        for path, text in FRAMEWORK_STUBS.items():
            os.makedirs(os.path.dirname(os.path.join(stubs, path)), exist_ok=True)
            with open(os.path.join(stubs, path), "w") as out:
                out.write(textwrap.dedent(text))
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([stubs, CLIENT_DIR]))
        # In the stubs' directory: a run the program's own agent writes (no channel server) lands there.
        result = subprocess.run([sys.executable, "-c", FRAMEWORK_PROGRAM], capture_output=True, text=True, timeout=60, env=env, cwd=stubs)
        self.assertEqual(result.returncode, 0, result.stderr)
        facts = json.loads(result.stdout.strip().splitlines()[-1])
        self.assertEqual(facts, {
            "imported_by_prov4ml": [],
            "lightning": [True, False, True],
            "same_class_twice": True,
            "names": ["ProvMLLogger", "ProvMLLogger", "prov4ml.loggers"],
            "pickled": [True, "stubbed", True],
            "itwinai": [True, 5, "mllogs/prov_logs"],
        })


@unittest.skipUnless(_harness.ACTIVE, _harness.NEEDS)
class Loggers(unittest.TestCase):
    def setUp(self):
        self.directory = tempfile.mkdtemp(prefix="prov4ml-loggers-")

    def tearDown(self):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            prov4ml.end_run()

    def test_lightning_logger_starts_and_ends_its_own_run_as_the_trainer_drives_it(self):
        logger = prov4ml.ProvMLLogger(name="lightning_own", flush_logs_every_n_steps=7)
        self.assertIsNotNone(_api._session, "the constructor started the run (G2)")
        self.assertEqual([logger.name, logger.log_dir, logger.save_dir, logger.group_separator], ["lightning_own", _harness.run_dir("lightning_own"), None, "/"])
        self.assertEqual(logger.version, _harness.run_version(0), "the number of the run directory (the recorder's has none)")
        self.assertEqual(prov4ml.ProvMLLogger(version="v2").version, "v2")
        self.assertIs(logger.experiment, prov4ml)
        # What Lightning's Trainer calls: hyperparameters, then metrics with "epoch" added, save, finalize.
        logger.log_hyperparams(argparse.Namespace(lr=0.01, layers=2))
        logger.log_hyperparams({"batch_size": 4, "optim": {"name": "sgd"}}, {"hp_metric": 0})
        logger.log_graph(object())
        for epoch in range(2):
            for batch in range(3):
                step = epoch * 3 + batch
                logger.log_metrics({"train_loss": 1.0 / (step + 1), "epoch": epoch}, step)
                logger.save()
        logger.log_metrics({"val_loss": 0.5, "epoch": 1}, step=5)
        logger.log_metrics({"lr": 0.1}, step=9)
        clone = pickle.loads(pickle.dumps(logger))  # Lightning's spawn launcher pickles the Trainer and its loggers
        clone.finalize("success")
        self.assertIsNotNone(_api._session, "a copy does not own the run")
        logger.finalize("success")
        self.assertIsNone(_api._session, "finalize ended the run the logger started")
        logger.finalize("success")  # the Trainer calls it after every fit, validate and test: nothing to end now
        # trainer.test after trainer.fit: the logger starts the next run.
        logger.log_metrics({"test_loss": 0.125, "epoch": 0}, step=0)
        self.assertIsNotNone(_api._session)
        logger.finalize("failed")
        self.assertIsNone(_api._session)

    def test_lightning_logger_joins_the_run_a_seed_script_started(self):
        prov4ml.start_run("www.example.org", "lightning_g1")
        session = _api._session
        logger = prov4ml.ProvMLLogger(prefix="fold0")
        self.assertIs(_api._session, session, "a run was active: the logger started none")
        with self.assertRaisesRegex(TypeError, r"^ProvMLLogger.log_hyperparams: params must be a mapping or an argparse.Namespace, got list$"):
            logger.log_hyperparams([1])
        with self.assertRaisesRegex(TypeError, r"^ProvMLLogger.log_metrics: metrics must be a mapping of names to values, got float$"):
            logger.log_metrics(0.5)
        logger.log_hyperparams({"seed": 7})
        logger.log_metrics({"val_loss": 0.25, "acc": 0.5, "epoch": 2}, step=40)
        logger.finalize("success")
        self.assertIs(_api._session, session, "finalize ends only a run the logger started")
        prov4ml.log_metric("after", 1.0, prov4ml.Context.TRAINING, 0)
        prov4ml.end_run()

    def test_itwinai_logger_dispatches_every_kind(self):
        logger = prov4ml.ProvMLItwinAILogger(experiment_name="itwinai_logger", provenance_save_dir=self.directory,
                                             save_after_n_logs=10, log_freq=2)
        with logger.start_logging(rank=0):
            session = _api._session
            logger.create_logger_context(rank=0)  # again (a second fit): the same run goes on
            self.assertIs(_api._session, session)
            logger.save_hyperparameters({"batch_size": 8, "optimizer": "adam"})
            for batch_idx in range(4):  # log_freq=2: batches 0 and 2
                logger.log(0.25 * batch_idx, "batch_loss", step=batch_idx, batch_idx=batch_idx)
            logger.log(0.5, "train_loss", kind="metric", step=0)
            logger.log(0.25, "val_loss", kind="metric", step=0, context="validation")
            logger.log(None, "system", kind="system", step=0)
            logger.log(None, "carbon", kind="carbon", step=1, context="validation")
            logger.log(None, "epoch_time", kind="execution_time", step=0)
            logger.log("a figure", "plot", kind="figure", step=0, mlflow_only=True)  # another logger's kind: ignored
            logger.log(3, "seed", kind="torch")
            if torch is not None:
                model = torch.nn.Linear(2, 1)
                dataset = torch.utils.data.TensorDataset(torch.zeros(6, 2), torch.zeros(6, 1))
                loader = torch.utils.data.DataLoader(dataset, batch_size=3)
                logger.log(model, "net", kind="model", step=0)
                logger.log(model, "best", kind="best_model")
                logger.log(loader, "train_loader", kind="torch")
                logger.log((model, (torch.zeros(3, 2), torch.zeros(3, 1))), "flops", kind="flops_pb", step=0)
                logger.log((model, dataset), "flops_epoch", kind="flops_pe", step=0)
            paths = logger.log(None, "provenance", kind="prov_documents")
            self.assertEqual(paths, _harness.documents("itwinai_logger", save_dir=self.directory))
        self.assertIsNone(_api._session, "destroy_logger_context ended the run")

    def test_itwinai_logger_on_a_worker_that_does_not_log_starts_nothing(self):
        logger = prov4ml.ProvMLItwinAILogger(experiment_name="itwinai_rank1", log_on_workers=0)
        logger.create_logger_context(rank=1)
        self.assertIsNone(_api._session)
        logger.log(1.0, "loss", step=0)
        logger.destroy_logger_context()


if __name__ == "__main__":
    unittest.main()
