"""Argument handling that needs no agent: numbers, steps, contexts, folds, parameter values."""

import json
import math
import os
import unittest
from array import array

import prov4ml
from prov4ml import Context, FoldOperation, LoggingItemKind
from prov4ml._buffers import ROW, MetricTable
from prov4ml._limits import MAX_SERIES_POINTS, SERIES_CHUNK_POINTS
from prov4ml._session import FinalMetric
from prov4ml._kinds import FOLD_NAMES, canonical_context
from prov4ml._values import as_number, as_step, number_to_wire, param_value
from prov4ml._wire import encode_column, encode_frame

from ._optional import numpy, torch


PACKAGE_JSON = os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, "package.json")


class Numbers(unittest.TestCase):
    def test_plain_numbers_and_bools(self):
        self.assertEqual(as_number(3, "value", "log_metric"), 3.0)
        self.assertEqual(as_number(True, "value", "log_metric"), 1.0)
        self.assertTrue(math.isnan(as_number(float("nan"), "value", "log_metric")))

    def test_non_numbers_raise_type_error_naming_call_and_argument(self):
        for bad in ("0.5", None, [1.0], {"a": 1}):
            with self.assertRaises(TypeError) as raised:
                as_number(bad, "value", "log_metric")
            self.assertIn("log_metric: value must be a number", str(raised.exception))

    @unittest.skipIf(numpy is None, "numpy is not importable")
    def test_numpy_scalars(self):
        self.assertEqual(as_number(numpy.float32(0.25), "value", "log_metric"), 0.25)
        self.assertEqual(as_number(numpy.int64(7), "value", "log_metric"), 7.0)
        self.assertEqual(as_step(numpy.int64(7), "log_metric"), 7)

    @unittest.skipIf(torch is None, "torch is not importable")
    def test_tensors(self):
        self.assertEqual(as_number(torch.tensor(1.5), "value", "log_metric"), 1.5)
        with self.assertRaises(TypeError) as raised:
            as_number(torch.tensor([1.0, 2.0]), "value", "log_metric")
        self.assertIn("value must be a number", str(raised.exception))

    def test_steps(self):
        self.assertEqual(as_step(None, "log_metric"), 0)
        self.assertEqual(as_step(4.0, "log_metric"), 4)
        for bad in (1.5, "3", 2 ** 60):
            with self.assertRaises(TypeError) as raised:
                as_step(bad, "log_metric")
            self.assertIn("log_metric: step", str(raised.exception))

    def test_non_finite_numbers_are_named_for_json(self):
        self.assertEqual([number_to_wire(v) for v in (1.5, math.nan, math.inf, -math.inf)], [1.5, "NaN", "Infinity", "-Infinity"])


class Contexts(unittest.TestCase):
    def test_spellings_of_the_original_map_to_upper_case(self):
        for spelling in (Context.TRAINING, "TRAINING", "training", "Context.TRAINING"):
            self.assertEqual(canonical_context(spelling, "log_metric"), "TRAINING")
        self.assertEqual(canonical_context(None, "log_metric"), "TRAINING")
        self.assertEqual(canonical_context("Context.EVALUATION", "log_metric"), "EVALUATION")
        self.assertEqual(Context.get_context_from_string("validation"), Context.VALIDATION)
        self.assertEqual(str(Context.TESTING), "TESTING")
        self.assertEqual(repr(Context.TRAINING), "<Context.TRAINING: 'TRAINING'>")

    def test_unknown_context_is_a_type_error_until_declared(self):
        with self.assertRaises(TypeError) as raised:
            canonical_context("finetune", "log_metric")
        self.assertIn("log_metric: context must be one of", str(raised.exception))
        with self.assertRaises(ValueError):
            Context.get_context_from_string("finetune")
        self.assertEqual(prov4ml.create_context("finetune"), "finetune")
        self.assertEqual(canonical_context("finetune", "log_metric"), "finetune")
        with self.assertRaises(TypeError):
            prov4ml.create_context("not a name")

    def test_logging_item_kinds_are_the_wire_sources(self):
        self.assertEqual(LoggingItemKind.FLOPS_PER_BATCH, "flops_pb")
        self.assertEqual(LoggingItemKind.EXECUTION_TIME.value, "execution_time")

    def test_logging_item_kind_reads_like_the_originals_enum(self):
        members = list(LoggingItemKind)
        self.assertEqual([m.name for m in members], ["METRIC", "FLOPS_PER_BATCH", "FLOPS_PER_EPOCH", "SYSTEM_METRIC", "CARBON_METRIC",
                                                     "EXECUTION_TIME", "MODEL_VERSION", "FINAL_MODEL_VERSION", "PARAMETER"])
        self.assertEqual(len(LoggingItemKind), 9)
        self.assertIs(LoggingItemKind["SYSTEM_METRIC"], LoggingItemKind.SYSTEM_METRIC)
        self.assertIs(LoggingItemKind("carbon"), LoggingItemKind.CARBON_METRIC)
        self.assertIn(LoggingItemKind.METRIC, LoggingItemKind)
        with self.assertRaises(KeyError):
            LoggingItemKind["metric"]
        with self.assertRaisesRegex(ValueError, "'nope' is not a valid LoggingItemKind"):
            LoggingItemKind("nope")


class Folds(unittest.TestCase):
    def test_folds_and_their_wire_names(self):
        self.assertEqual(FoldOperation.MIN(3, 2), 2)
        self.assertEqual(FoldOperation.MAX(3, 2), 3)
        self.assertEqual(FoldOperation.SUBTRACT(3, 2), 1)
        self.assertEqual(FoldOperation.MULTIPLY(3, 2), 6)
        self.assertEqual(FOLD_NAMES[FoldOperation.ADD], "ADD")
        self.assertEqual(sorted(FOLD_NAMES.values()), ["ADD", "MAX", "MIN", "MULTIPLY", "SUBTRACT"])


class Parameters(unittest.TestCase):
    def test_values_keep_their_json_type_or_become_str(self):
        self.assertEqual(param_value(None), None)
        self.assertIs(param_value(True), True)
        self.assertEqual(param_value(3), 3)
        self.assertEqual(param_value(math.inf), "Infinity")
        self.assertEqual(param_value([1, 2]), "[1, 2]")
        self.assertEqual(len(param_value("x" * 100000)), 16385)

    @unittest.skipIf(numpy is None, "numpy is not importable")
    def test_numpy_scalar_parameters_are_numbers(self):
        self.assertEqual(param_value(numpy.int32(5)), 5)


class Buffers(unittest.TestCase):
    def test_a_series_asks_for_a_flush_at_save_after_n_logs(self):
        requests = []
        table = MetricTable(4, lambda: requests.append(1), lambda: self.fail("a series below its bound never waits"))
        points = table.series_points("training", "loss", None, "log_metric")
        for step in range(4):
            points.extend((step, 0.5, 1.0))
        self.assertEqual(len(points), table.handoff_at)
        self.assertTrue(table.room_for(points))
        self.assertEqual(len(requests), 1)
        # Asked once: the hot path does not come back until a chunk is full or the flush took the series.
        self.assertEqual(table.handoff_at, ROW * SERIES_CHUNK_POINTS)
        self.assertIs(table.by_context["training"]["loss"], points)
        table.taken()
        chunks = table.series[0].take()
        self.assertEqual(table.handoff_at, ROW * 4)
        self.assertEqual([list(chunk[0::ROW]) for chunk in chunks], [[0.0, 1.0, 2.0, 3.0]])
        self.assertEqual(len(points), 0)

    def test_a_full_chunk_is_packed_by_the_logging_call_in_order(self):
        table = MetricTable(4, lambda: None, lambda: self.fail("a series below its bound never waits"))
        points = table.series_points("training", "loss", None, "log_metric")
        for step in range(SERIES_CHUNK_POINTS + 2):
            if len(points) >= table.handoff_at:
                self.assertTrue(table.room_for(points))
            points += (step, 0.5, 1.0)
        self.assertEqual(len(points), ROW * 2)
        self.assertEqual(table.series[0].packed_points(), SERIES_CHUNK_POINTS)
        steps = [step for chunk in table.series[0].take() for step in chunk[0::ROW]]
        self.assertEqual(steps, [float(step) for step in range(SERIES_CHUNK_POINTS + 2)])
        self.assertEqual((len(points), table.series[0].packed_points()), (0, 0))

    def test_threads_logging_while_the_flush_thread_takes_lose_and_split_no_row(self):
        import threading

        table = MetricTable(100, lambda: None, lambda: True)
        taken, done = [], threading.Event()

        def log(thread):
            points = table.series_points("training", "loss", None, "log_metric")
            for step in range(thread, 4 * 20000, 4):
                if len(points) >= table.handoff_at:
                    self.assertTrue(table.room_for(points))
                points += (step, step * 0.5, 1.0)

        def flush():
            while not done.is_set():
                taken.extend(table.series[0].take())

        table.series_points("training", "loss", None, "log_metric")
        flusher = threading.Thread(target=flush)
        flusher.start()
        loggers = [threading.Thread(target=log, args=(thread,)) for thread in range(4)]
        for logger in loggers:
            logger.start()
        for logger in loggers:
            logger.join()
        done.set()
        flusher.join()
        taken.extend(table.series[0].take())
        rows = [tuple(chunk[i:i + ROW]) for chunk in taken for i in range(0, len(chunk), ROW)]
        self.assertTrue(all(len(chunk) % ROW == 0 for chunk in taken))
        self.assertEqual(sorted(rows), [(float(step), step * 0.5, 1.0) for step in range(4 * 20000)])

    def test_a_full_series_waits_for_the_flush_thread_instead_of_dropping(self):
        passes = []

        def flush_pass():
            passes.append(table.series[0].take())
            return True

        table = MetricTable(4, lambda: None, flush_pass)
        points = table.series_points("training", "loss", None, "log_metric")
        points.extend([1.0, 0.5, 1.0] * MAX_SERIES_POINTS)
        self.assertTrue(table.room_for(points))
        self.assertEqual([[len(chunk) for chunk in chunks] for chunks in passes], [[ROW * MAX_SERIES_POINTS]])
        self.assertEqual(len(points), 0)

    def test_a_fold_sees_every_later_point_in_every_context_and_spelling(self):
        table = MetricTable(4, lambda: None, lambda: True)
        before = table.series_points("training", "loss", None, "log_metric")
        before += (0, 1.0, 1.0)
        final = FinalMetric("loss", "ADD", FoldOperation.ADD, 0.0)
        table.fold("loss", final)
        for context in ("training", Context.TRAINING, "VALIDATION"):
            points = table.series_points(context, "loss", None, "log_metric")
            points += (1, 2.0, 1.0)
        other = table.series_points("training", "acc", None, "log_metric")
        other += (1, 5.0, 1.0)
        self.assertEqual((final.value, final.count), (6.0, 3))
        self.assertEqual([len(series.points) for series in table.series], [9, 3, 3])

    def test_a_table_that_stops_recording_lets_its_points_go(self):
        table = MetricTable(4, lambda: None, lambda: False)
        points = table.series_points("training", "loss", None, "log_metric")
        points.extend([1.0, 0.5, 1.0] * MAX_SERIES_POINTS)
        table.stop_recording()
        self.assertFalse(table.room_for(points))
        self.assertEqual(len(points), 0)
        self.assertIsNone(table.series_points("training", "loss", None, "log_metric"))


class Wire(unittest.TestCase):
    def test_columns_are_little_endian_float64_base64(self):
        import base64
        import struct

        encoded = encode_column(array("d", [1.0, math.nan, -math.inf]))
        raw = base64.b64decode(encoded)
        self.assertEqual(raw[:8], struct.pack("<d", 1.0))
        self.assertTrue(math.isnan(struct.unpack("<d", raw[8:16])[0]))
        self.assertEqual(struct.unpack("<d", raw[16:])[0], -math.inf)

    def test_frames_are_length_prefixed_json_that_refuses_bare_nan(self):
        frame = encode_frame({"t": "flush", "id": 1})
        self.assertEqual(int.from_bytes(frame[:4], "little"), len(frame) - 4)
        self.assertEqual(json.loads(frame[4:]), {"t": "flush", "id": 1})
        with self.assertRaises(ValueError):
            encode_frame({"value": math.nan})


class Version(unittest.TestCase):
    def test_version_matches_the_node_package(self):
        with open(PACKAGE_JSON) as package:
            self.assertEqual(prov4ml.__version__, json.load(package)["version"])


if __name__ == "__main__":
    unittest.main()
