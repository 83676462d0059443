"""Runs of the client against a real channel server, see _harness.py: packages/agent/test/python-client.test.ts
runs them against real agents and checks the files each run wrote; python-wire.test.ts runs them against a
recording channel server and checks the messages' shape on the wire. Here the Python side checks what it
can see itself."""

import math
import os
import subprocess
import sys
import tempfile
import unittest
import warnings

import prov4ml
import yprov4ml
from prov4ml import Context, FoldOperation

from . import _harness
from ._optional import numpy, torch


NO_TORCH_PRELUDE = "import sys; sys.modules['torch'] = None\n"


@unittest.skipUnless(_harness.ACTIVE, _harness.NEEDS)
class Scenarios(unittest.TestCase):
    def test_metrics(self):
        prov4ml.start_run("www.example.org", "metrics", rank=0)
        for step in range(250):
            prov4ml.log_metric("loss", 1.0 / (step + 1), Context.TRAINING, step=step)
        prov4ml.log_metric("loss", math.nan, "training", step=250)
        prov4ml.log_metric("loss", math.inf, "Context.TRAINING", step=251)
        prov4ml.log_metric("loss", -math.inf, "TRAINING", step=252)
        prov4ml.log_metric("acc", 0.5, Context.VALIDATION)
        prov4ml.log_metric("acc", 0.75, "validation", step=1)
        prov4ml.log_metric("acc", 1, "Context.VALIDATION", step=2.0)
        if numpy is not None:
            prov4ml.log_metric("numpy", numpy.float32(0.5), step=numpy.int64(3))
        if torch is not None:
            prov4ml.log_metric("tensor", torch.tensor(2.5), step=4)
        prov4ml.log_current_execution_time("epoch_time", Context.TRAINING, step=1)
        for step in range(200_000):
            prov4ml.log_metric("many", step * 0.5, Context.TESTING, step=step)
        prov4ml.end_run()

    def test_bad_arguments_raise_type_errors_and_training_goes_on(self):
        prov4ml.start_run("www.example.org", "bad_arguments")
        with self.assertRaisesRegex(TypeError, "log_metric: context must be one of"):
            prov4ml.log_metric("loss", 0.5, "train")
        with self.assertRaisesRegex(TypeError, "log_metric: key must be a non-empty string"):
            prov4ml.log_metric(["loss"], 0.5)
        with self.assertRaisesRegex(TypeError, "log_metric: step must be an integer"):
            prov4ml.log_metric("loss", 0.5, step=1.5)
        with self.assertRaisesRegex(TypeError, "log_param: key"):
            prov4ml.log_param(None, 1)
        prov4ml.log_metric("loss", 0.5)
        prov4ml.end_run()

    def test_final_metrics(self):
        prov4ml.start_run("www.example.org", "final_metrics")
        prov4ml.register_final_metric("loss", math.inf, FoldOperation.MIN)
        prov4ml.register_final_metric("acc", 0, FoldOperation.MAX)
        prov4ml.register_final_metric("seen", 0, FoldOperation.ADD)
        prov4ml.register_final_metric("custom", 1, lambda current, value: current * 2)
        prov4ml.register_final_metric("diverged", 0, FoldOperation.ADD)
        for step, loss in enumerate([0.9, 0.4, 0.6]):
            prov4ml.log_metric("loss", loss, Context.TRAINING, step)
            prov4ml.log_metric("loss", loss / 2, Context.VALIDATION, step)
            prov4ml.log_metric("acc", 1 - loss, Context.VALIDATION, step)
            prov4ml.log_metric("seen", 10, Context.TRAINING, step)
            prov4ml.log_metric("custom", 0, Context.TRAINING, step)
        prov4ml.log_metric("diverged", math.nan, Context.TRAINING, 0)
        prov4ml.end_run(create_graph=True, create_svg=True)

    def test_parameters_datasets_and_samples(self):
        prov4ml.start_run("www.example.org", "params", provenance_save_dir="relative/prov", collect_all_processes=True, save_after_n_logs=10, rank=3)
        prov4ml.log_param("lr", 0.001)
        prov4ml.log_param("epochs", 3)
        prov4ml.log_param("amp", False)
        prov4ml.log_param("optimizer", {"name": "adam"})
        prov4ml.log_param("nan_param", math.nan)
        prov4ml.log_dataset(list(range(42)), "plain_list")
        prov4ml.log_system_metrics(Context.TRAINING, step=2)
        prov4ml.log_carbon_metrics("validation")
        with self.assertRaises(ValueError):
            prov4ml.end_run(create_svg=True)
        prov4ml.end_run()

    def test_artifacts(self):
        prov4ml.start_run("www.example.org", "artifacts")
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, "notes.txt")
            with open(path, "w") as notes:
                notes.write("hello")
            self.assertEqual(prov4ml.log_artifact(path, Context.EVALUATION, step=5), "artifacts/GR0/notes.txt")
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                self.assertIsNone(prov4ml.log_artifact(os.path.join(directory, "missing.bin"), Context.TRAINING))
                refused = os.path.join(directory, "refuse.txt")
                open(refused, "w").close()
                if _harness.AGENT:
                    # What a real agent refuses: a copy into a folder outside the rank's artifact directory.
                    self.assertIsNone(yprov4ml.log_artifact("refused", refused, Context.TRAINING, log_copy_subdirectory=".."))
                else:
                    self.assertIsNone(prov4ml.log_artifact(refused, Context.TRAINING))
            messages = [str(w.message) for w in caught]
            self.assertTrue(any("missing.bin does not exist" in m for m in messages), messages)
            refusal = "prov4ml agent refused the message" if _harness.AGENT else "refused by the test"
            self.assertTrue(any(refusal in m for m in messages), messages)
        prov4ml.end_run()

    @unittest.skipIf(torch is None, "torch is not importable")
    def test_torch_models_and_loaders(self):
        prov4ml.start_run("www.example.org", "torch")
        model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))
        self.assertEqual(prov4ml.save_model_version(model, "net", Context.TRAINING, step=1), "artifacts/GR0/net.pth")
        self.assertEqual(prov4ml.log_model(model, "net"), _harness.stored_again("artifacts/GR0/net.pth"))
        data = torch.utils.data.TensorDataset(torch.randn(10, 4), torch.randn(10, 1))
        loader = torch.utils.data.DataLoader(data, batch_size=4, shuffle=True)
        prov4ml.log_dataset(loader, "train_loader")
        prov4ml.end_run()

    def test_without_torch_nothing_breaks(self):
        script = NO_TORCH_PRELUDE + (
            "import warnings, prov4ml\n"
            "warnings.simplefilter('always')\n"
            "with warnings.catch_warnings(record=True) as caught:\n"
            "    warnings.simplefilter('always')\n"
            "    prov4ml.start_run('www.example.org', 'no_torch')\n"
            "    prov4ml.log_model(object(), 'opaque')\n"
            "    prov4ml.save_model_version(object(), 'opaque', 'training')\n"
            "    prov4ml.log_flops_per_batch('flops', object(), ([1.0], [0.0]), 'training')\n"
            "    prov4ml.log_dataset(range(7), 'a_range')\n"
            "    prov4ml.log_metric('loss', 0.5)\n"
            "    prov4ml.end_run()\n"
            "torch_warnings = [w for w in caught if 'torch cannot be imported' in str(w.message)]\n"
            "assert len(torch_warnings) == 1, [str(w.message) for w in caught]\n"
            "print('ok')\n"
        )
        result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.strip(), "ok")

    @unittest.skipIf(_harness.AGENT, "a real agent of a one-rank job is rank 0; the recorder answers rank 1 (RANK_1_PREFIX)")
    def test_ranks_other_than_0_do_not_record_without_collect_all_processes(self):
        prov4ml.start_run("www.example.org", "rank1_quiet")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            prov4ml.log_metric("loss", 0.5)
            prov4ml.log_param("lr", 0.1)
            prov4ml.log_system_metrics()
            prov4ml.register_final_metric("loss", 0, FoldOperation.ADD)
            self.assertIsNone(prov4ml.log_artifact(__file__, Context.TRAINING))
        self.assertEqual(caught, [])
        prov4ml.end_run()

    def test_logging_outside_a_run_warns_once_and_records_nothing(self):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            prov4ml.log_metric("early", 1.0)
            prov4ml.log_metric("early", 2.0)
        self.assertEqual(len([w for w in caught if "no run is active" in str(w.message)]), 1)

    def test_a_forked_child_does_not_write_into_the_parents_channel(self):
        prov4ml.start_run("www.example.org", "fork")
        prov4ml.log_metric("parent", 1.0)
        pid = os.fork()
        if pid == 0:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                prov4ml.log_metric("child", 1.0)
                prov4ml.end_run()
            os._exit(0)
        os.waitpid(pid, 0)
        prov4ml.log_metric("parent", 2.0, step=1)
        prov4ml.end_run()

    def test_exit_without_end_run_still_delivers(self):
        script = "import prov4ml\nprov4ml.start_run('www.example.org', 'no_end_run')\nprov4ml.log_metric('loss', 0.25, step=7)\n"
        result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)


class WithoutAnAgent(unittest.TestCase):
    """No agent to talk to: start_run says why in one line and the training runs on, every call a no-op."""

    SCRIPT = (
        "import prov4ml\n"
        "prov4ml.start_run('www.example.org', 'x')\n"
        "prov4ml.log_metric('loss', 0.5)\n"
        "prov4ml.log_param('lr', 0.1)\n"
        "prov4ml.end_run()\n"
        "print('trained')\n"
    )

    def run_without_agent(self, env):
        result = subprocess.run([sys.executable, "-c", self.SCRIPT], capture_output=True, text=True, timeout=60, env=env)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, "trained\n")
        self.assertEqual(len(result.stderr.splitlines()), 1, result.stderr)
        self.assertIn("the training goes on without provenance", result.stderr)
        return result.stderr

    def test_start_run_says_node_is_missing_from_path(self):
        env = {k: v for k, v in os.environ.items() if k not in ("PROV4ML_CHANNEL", "PROV4ML_CLI")}
        env["PATH"] = tempfile.gettempdir()
        self.assertIn("`node` is not on PATH", self.run_without_agent(env))

    def test_an_unreachable_channel_names_the_variable(self):
        env = dict(os.environ, PROV4ML_CHANNEL=os.path.join(tempfile.gettempdir(), "no-such-prov4ml.sock"))
        line = self.run_without_agent(env)
        self.assertIn("PROV4ML_CHANNEL=", line)
        self.assertIn("cannot connect", line)


if __name__ == "__main__":
    unittest.main()
