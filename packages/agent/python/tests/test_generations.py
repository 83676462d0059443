"""Every published generation's calls, in both modules (prov4ml: the seed's order, yprov4ml: the newest,
name-first order). packages/agent/test/python-generations.test.ts checks the files their runs wrote and
python-wire.test.ts the messages' shape on the wire, by experiment name (see _harness.py); here the Python side checks return
values and errors."""

import inspect
import json
import os
import subprocess
import sys
import tempfile
import unittest
import warnings

import prov4ml
import yprov4ml
from prov4ml import Context
from prov4ml._signatures import ORDERS

from . import _harness
from ._optional import numpy, torch


class Signatures(unittest.TestCase):
    """What fails before any run: the argument checks."""

    def test_both_modules_share_one_implementation(self):
        ordered = sorted(ORDERS)
        self.assertEqual(ordered, ["log_artifact", "log_dataset", "log_model", "save_model_version", "start_run"])
        self.assertEqual(yprov4ml.__all__, prov4ml.__all__)
        for name in prov4ml.__all__:
            if name in ordered or name == "start_run_ctx":
                self.assertIsNot(getattr(yprov4ml, name), getattr(prov4ml, name), name)
                self.assertEqual(getattr(yprov4ml, name).__name__, name)
            else:
                self.assertIs(getattr(yprov4ml, name), getattr(prov4ml, name), name)

    def test_help_shows_each_modules_order(self):
        self.assertEqual(str(inspect.signature(prov4ml.log_model)),
                         "(model, model_name='default', log_model_info=True, log_as_artifact=True, *, context=None, source=None, log_model_layers=False, is_input=False)")
        self.assertEqual(str(inspect.signature(yprov4ml.save_model_version)),
                         "(model_name, model, context=None, source=None, step=None, incremental=True, is_input=False, *, timestamp=None)")
        self.assertEqual(str(inspect.signature(yprov4ml.start_run)).split(", *")[0],
                         "(experiment_name=None, prov_user_namespace=None, provenance_save_dir=None, collect_all_processes=None, save_after_n_logs=None, "
                         "rank=None, disable_codecarbon=False, metrics_file_type=None, csv_separator=None, use_compressor=None, use_run_id=None")

    def test_a_call_that_fits_neither_order_is_a_type_error_naming_it(self):
        for module in (prov4ml, yprov4ml):
            with self.assertRaisesRegex(TypeError, r"^log_model: the arguments fit neither log_model\(model, model_name, …\) nor log_model\(model_name, model, …\) \(got int, int\)$"):
                module.log_model(3, 4)
            with self.assertRaisesRegex(TypeError, r"^save_model_version: the arguments fit neither"):
                module.save_model_version(object(), object())
            with self.assertRaisesRegex(TypeError, r"^log_dataset: the arguments fit neither"):
                module.log_dataset([1], [2])
            with self.assertRaisesRegex(TypeError, r"^log_artifact: the arguments fit neither"):
                module.log_artifact(42, "x.txt")

    def test_an_unknown_keyword_is_a_type_error_naming_it(self):
        with self.assertRaisesRegex(TypeError, r"^start_run: unknown keyword argument 'experiment'$"):
            yprov4ml.start_run(experiment="x")
        with self.assertRaisesRegex(TypeError, r"^log_model: unknown keyword argument 'save_as'$"):
            prov4ml.log_model(object(), "m", save_as="x")
        with self.assertRaisesRegex(TypeError, "unexpected keyword argument 'steps'"):
            prov4ml.log_metric("loss", 1.0, steps=3)
        with self.assertRaisesRegex(TypeError, r"^log_dataset: label and dataset_label are the same argument; give one$"):
            prov4ml.log_dataset([1], label="a", dataset_label="b")
        with self.assertRaisesRegex(TypeError, r"^log_model: got multiple values for argument 'model_name'$"):
            prov4ml.log_model(object(), "m", model_name="n")
        with self.assertRaisesRegex(TypeError, r"^log_dataset: takes at most 2 positional arguments in the form log_dataset\(dataset, label, …\), got 3$"):
            prov4ml.log_dataset([1], "a", "b")

    def test_start_run_options_are_checked_before_any_agent_is_involved(self):
        for separator in (".", "x", "7", "é", "\n", ";;"):
            with self.assertRaisesRegex(TypeError, r"^start_run: csv_separator must be a tab or one printable ASCII character"):
                yprov4ml.start_run("x", csv_separator=separator)
        with self.assertRaisesRegex(TypeError, r"^start_run: metrics_file_type must be a MetricsType \(TEXT, CSV, ZARR, NETCDF\), got 'parquet'$"):
            yprov4ml.start_run("x", metrics_file_type="parquet")
        with self.assertRaisesRegex(TypeError, r"^start_run: use_compressor must be a CompressorType"):
            yprov4ml.start_run("x", use_compressor="zip")
        with self.assertRaisesRegex(TypeError, r"^start_run: use_run_id must be a non-negative integer, got True$"):
            yprov4ml.start_run("x", use_run_id=True)

    def test_warnings_name_the_programs_line_not_the_clients(self):
        with tempfile.TemporaryDirectory() as directory:
            script = os.path.join(directory, "program.py")
            with open(script, "w") as out:
                out.write("import yprov4ml\nyprov4ml.log_model('net', object())\nyprov4ml.log_metric('loss', 1.0)\n")
            result = subprocess.run([sys.executable, script], capture_output=True, text=True, timeout=60, env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
        lines = [line for line in result.stderr.splitlines() if "Prov4mlWarning" in line]
        self.assertEqual([line.split(": Prov4mlWarning")[0] for line in lines], [script + ":2", script + ":3"], result.stderr)

    def test_context_is_an_enum_whose_spellings_are_one_context(self):
        self.assertIs(Context["TRAINING"], Context.TRAINING)
        self.assertEqual([c.name for c in Context][:6], ["TRAINING", "VALIDATION", "TESTING", "EVALUATION", "DATASETS", "MODELS"])
        for spelling in (Context.TRAINING, Context["TRAINING"], "training", "TRAINING", "Context.TRAINING"):
            self.assertIn(spelling, Context)
            self.assertIs(Context.get_context_from_string(spelling), Context.TRAINING)
        self.assertIs(Context("training"), Context.TRAINING)
        with self.assertRaisesRegex(ValueError, "^Invalid context: train$"):
            Context("train")
        self.assertEqual(hash(Context.TRAINING), hash("TRAINING"))
        with self.assertRaises(KeyError):
            Context["finetuning"]


@unittest.skipUnless(_harness.ACTIVE, _harness.NEEDS)
class Generations(unittest.TestCase):
    def setUp(self):
        self.directory = tempfile.mkdtemp(prefix="prov4ml-generations-")

    def tearDown(self):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            prov4ml.end_run()

    def file(self, name, text):
        path = os.path.join(self.directory, name)
        with open(path, "w") as out:
            out.write(text)
        return path

    def test_newest_name_first_api(self):
        yprov4ml.start_run("newest_api", "www.example.org", None, True, 50, 0, True, yprov4ml.MetricsType.CSV, ";", None, 7)
        run_dir = _harness.run_dir("newest_api", 7)
        self.assertEqual(yprov4ml.get_run_dir(), run_dir)
        self.assertEqual(yprov4ml.get_artifacts_dir(), os.path.join(run_dir, "artifacts", "GR0"))
        yprov4ml.log_param("lr", 0.01, Context["TRAINING"], "config", True)
        yprov4ml.log_param("accuracy", 0.9, context="validation", is_input=False)
        plot = self.file("plot.png", "png bytes")
        self.assertEqual(yprov4ml.log_artifact("plot", plot), "artifacts/GR0/plot")
        self.assertEqual(yprov4ml.log_artifact("plot_in", plot, Context.VALIDATION, None, 3, True, "figures", False, True), "artifacts/GR0/figures/plot_in")
        self.assertIsNone(yprov4ml.log_artifact(artifact_name="plot_ref", artifact_path=plot, log_copy_in_prov_directory=False))
        yprov4ml.log_dataset("listed", list(range(12)))
        yprov4ml.log_metric("loss", 0.5, Context.TRAINING, 1, None, 1_700_000_000_000.0)
        with self.assertRaisesRegex(prov4ml.Prov4mlError, "disable_codecarbon=True"):
            yprov4ml.log_carbon_metrics(Context.TRAINING, 1)
        yprov4ml.log_system_metrics(Context.TRAINING, 1)
        yprov4ml.log_source_code()
        yprov4ml.log_execution_command("python3 train.py --epochs 2", self.directory)
        yprov4ml.log_input(plot)
        yprov4ml.log_input({"seed": 1})
        yprov4ml.log_output(0.93)
        finetune = yprov4ml.create_context("FINETUNE", is_subcontext_of=Context.TRAINING)
        self.assertIs(Context.FINETUNE, finetune)
        yprov4ml.log_metric("loss", 0.25, Context.FINETUNE, 2)
        yprov4ml.log_context("ARCHIVE", source_of_data="s3://bucket/data")
        self.assertEqual(yprov4ml.log_provenance_documents(True, True), _harness.documents("newest_api", 7))
        yprov4ml.end_run(True, True, True)  # crate_ro_crate reaches the agent: python-wire.test.ts checks the message
        self.assertEqual(yprov4ml.get_run_dir(), run_dir, "kept after end_run")

    def test_itwinai_keyword_style(self):
        prov4ml.start_run(prov_user_namespace="www.example.org", experiment_name="itwinai_style", provenance_save_dir=self.directory,
                          save_after_n_logs=10, collect_all_processes=True, rank=0)
        for step in range(3):
            prov4ml.log_metric(key="loss", value=1.0 / (step + 1), context="training", step=step)
            prov4ml.log_metric(key="val_loss", value=2.0 / (step + 1), context="validation", step=step)
        prov4ml.log_system_metrics(context="training", step=2)
        prov4ml.log_carbon_metrics(context="training", step=2)
        prov4ml.log_current_execution_time(label="epoch_time", context="training", step=2)
        prov4ml.log_param(key="batch_size", value=32)
        prov4ml.log_dataset(dataset=list(range(5)), label="train")
        yprov4ml.log_dataset(dataset_label="valid", dataset=list(range(3)))
        # crate_ro_crate mid-run: the crate needs the finished run, so end_run carries it.
        json_path, dot_path, svg_path = prov4ml.log_provenance_documents(create_graph=True, create_svg=False, crate_ro_crate=True)
        self.assertEqual((json_path, dot_path, svg_path), _harness.documents("itwinai_style", save_dir=self.directory)[:2] + (None,))
        prov4ml.end_run(create_graph=True, create_svg=True)

    def test_metric_values_that_are_not_one_number_are_kept_as_text(self):
        prov4ml.start_run("www.example.org", "metric_text")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            prov4ml.log_metric("Outlier", [1, 2.5, 3], Context.TESTING, step=4)
            prov4ml.log_metric("Outlier", [4], Context.TESTING, step=5)
            prov4ml.log_metric("note", "0.5", step=1)
            prov4ml.log_metric("long", list(range(20000)), step=0)
            if numpy is not None:
                prov4ml.log_metric("array", numpy.array([1.5, 2.5]), step=2)
                prov4ml.log_metric("np_scalar", numpy.float64(0.125), step=2)
            if torch is not None:
                prov4ml.log_metric("tensor", torch.tensor([0.5, 1.5]), step=3)
                prov4ml.log_metric("zero_d", torch.tensor(0.75), step=3)
        texts = [str(w.message) for w in caught if "not one number" in str(w.message)]
        self.assertEqual(texts[0], "prov4ml.log_metric: 'Outlier' got a list, not one number; it is kept as text in the parameter 'Outlier (TESTING, step 4)'")
        self.assertEqual(len([t for t in texts if "'Outlier'" in t]), 1, "warned once per metric")
        prov4ml.end_run()

    @unittest.skipIf(torch is None, "torch is not importable")
    def test_models_in_both_orders(self):
        prov4ml.start_run("www.example.org", "models")
        model = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3, stride=1, padding=1), torch.nn.Flatten(), torch.nn.Linear(8, 1))
        self.assertEqual(prov4ml.save_model_version(model, "net", Context.TRAINING, 1), "artifacts/GR0/net.pth")
        self.assertEqual(yprov4ml.save_model_version("net", model, Context.TRAINING, None, 2), "artifacts/GR0/net/net_0.pt")
        self.assertEqual(yprov4ml.save_model_version(model_name="net", model=model, step=3), "artifacts/GR0/net/net_1.pt")
        self.assertEqual(prov4ml.save_model_version("net", model, incremental=False), _harness.stored_again("artifacts/GR0/net.pth"))
        self.assertEqual(prov4ml.log_model(model, "final", log_model_info=False), "artifacts/GR0/final.pth")
        self.assertEqual(yprov4ml.log_model("final2", model, log_model_info=True, log_model_layers=True, is_input=True), "artifacts/GR0/final2.pth")
        self.assertIsNone(prov4ml.log_model(model=model, model_name="info_only", log_model_info=True, log_as_artifact=False))
        loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.randn(10, 4)), batch_size=4, shuffle=True, num_workers=0)
        prov4ml.log_dataset(loader, "seed_loader")
        yprov4ml.log_dataset("newest_loader", loader)
        yprov4ml.log_dataset("subset", torch.utils.data.Subset(loader.dataset, [0, 1, 2]))
        prov4ml.end_run()

    def test_seed_artifact_forms(self):
        prov4ml.start_run("www.example.org", "seed_artifacts")
        notes = self.file("training", "a file named like a context")
        other = self.file("notes.txt", "hello")
        self.assertEqual(prov4ml.log_artifact(other, "training"), "artifacts/GR0/notes.txt")
        self.assertEqual(prov4ml.log_artifact(other, Context.VALIDATION, 2), _harness.stored_again("artifacts/GR0/notes.txt"))
        here = os.getcwd()
        os.chdir(self.directory)
        try:
            self.assertEqual(prov4ml.log_artifact("named", "training"), "artifacts/GR0/named", "an existing file named 'training' is a path")
        finally:
            os.chdir(here)
        self.assertEqual(os.path.basename(notes), "training")
        prov4ml.end_run()

    def test_start_run_ctx_in_both_orders(self):
        with prov4ml.start_run_ctx("www.example.org", "ctx_seed", create_graph=True, create_provenance_collection=True):
            prov4ml.log_metric("loss", 1.0, Context.TRAINING, 0)
        with yprov4ml.start_run_ctx("ctx_newest", "www.example.org", metrics_file_type=yprov4ml.MetricsType.ZARR,
                                    use_compressor=yprov4ml.CompressorType.BLOSC_ZSTD, prov_save_path=self.directory):
            yprov4ml.log_metric("loss", 1.0, Context.TRAINING, 0)


class Getters(unittest.TestCase):
    """Reads a run directory as the agent writes it (PROV-JSON per rank, metric CSVs)."""

    def test_a_finished_run_reads_back_as_plain_values(self):
        root = tempfile.mkdtemp(prefix="prov4ml-getters-")
        run_dir = os.path.join(root, "exp_3")
        os.makedirs(os.path.join(run_dir, "metrics"))
        os.makedirs(os.path.join(root, "other_0"))
        typed = lambda value, kind: {"$": value, "type": kind}  # noqa: E731
        document = {"entity": {
            "p.lr": {"prov:type": typed("prov-ml:Parameter", "prov:QUALIFIED_NAME"), "prov-ml:parameter_name": "lr", "prov-ml:parameter_value": typed("0.01", "xsd:double")},
            "p.epochs": {"prov:type": typed("prov-ml:Parameter", "prov:QUALIFIED_NAME"), "prov-ml:parameter_name": "epochs", "prov-ml:parameter_value": typed("3", "xsd:long")},
            "p.opt": {"prov:type": typed("prov-ml:Parameter", "prov:QUALIFIED_NAME"), "prov-ml:parameter_name": "optimizer", "prov-ml:parameter_value": "adam"},
            "p.none": {"prov:type": typed("prov-ml:Parameter", "prov:QUALIFIED_NAME"), "prov-ml:parameter_name": "nothing", "prov-ml:parameter_is_null": True},
            "m.loss": {"prov:type": typed("prov-ml:Metric", "prov:QUALIFIED_NAME"), "prov-ml:name": "loss", "prov-ml:context": "TRAINING", "prov-ml:metric_file": "metrics/loss_TRAINING_GR0.csv"},
        }}
        with open(os.path.join(run_dir, "prov_exp_GR0.json"), "w") as out:
            json.dump(document, out)
        with open(os.path.join(run_dir, "metrics", "loss_TRAINING_GR0.csv"), "w") as out:
            out.write("step;value;timestamp_ms\n0;1;1000.5\n1;0.5;2000\n")
        self.assertEqual(prov4ml.list_runs_in_proj(root), [run_dir])
        self.assertEqual(prov4ml.list_runs_in_proj(root, "exp"), [run_dir])
        self.assertEqual(prov4ml.list_runs_in_proj(root, "other"), [])
        self.assertEqual(prov4ml.list_metrics(run_dir), [("loss", "TRAINING")])
        self.assertEqual(prov4ml.get_metric(run_dir, "loss"), [(0, 1.0, 1000.5), (1, 0.5, 2000.0)])
        self.assertEqual(prov4ml.get_metric(run_dir, "loss", "training"), [(0, 1.0, 1000.5), (1, 0.5, 2000.0)])
        self.assertEqual(prov4ml.list_parameters(run_dir), ["epochs", "lr", "nothing", "optimizer"])
        self.assertEqual([prov4ml.get_param(run_dir, n) for n in ("lr", "epochs", "optimizer", "nothing")], [0.01, 3, "adam", None])
        with self.assertRaisesRegex(KeyError, "has no metric 'acc'"):
            prov4ml.get_metric(run_dir, "acc")
        with self.assertRaisesRegex(FileNotFoundError, "has no PROV-JSON of rank 1"):
            prov4ml.list_parameters(run_dir, rank=1)


class SourceCode(unittest.TestCase):
    def test_git_facts_come_from_the_work_tree_and_never_fail(self):
        from prov4ml._reproducibility import _git

        directory = tempfile.mkdtemp(prefix="prov4ml-git-")
        self.assertIsNone(_git(directory, "rev-parse", "HEAD"), "not a work tree: no commit, no error")
        run = lambda *a: subprocess.run(["git", "-C", directory] + list(a), check=True, capture_output=True)  # noqa: E731
        try:
            run("init", "-q", "-b", "trunk")
        except (OSError, subprocess.CalledProcessError):
            self.skipTest("git is not usable here")
        run("-c", "user.email=a@b", "-c", "user.name=a", "commit", "-q", "--allow-empty", "-m", "one")
        run("remote", "add", "origin", "https://example.org/repo.git")
        head = subprocess.run(["git", "-C", directory, "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
        self.assertEqual([_git(directory, "rev-parse", "HEAD"), _git(directory, "config", "--get", "remote.origin.url"),
                          _git(directory, "rev-parse", "--abbrev-ref", "HEAD")], [head, "https://example.org/repo.git", "trunk"])


if __name__ == "__main__":
    unittest.main()
