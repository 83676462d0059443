"""FLOP counts by hand arithmetic: each figure is 2 FLOP per multiply-accumulate of the matrix products
and convolutions a forward pass runs (torch's FlopCounterMode convention). The counting tests need no
agent; Logged runs under the harness of packages/agent/test/python-harness.ts (see _harness.py);
python-client.test.ts checks the series and the parameter the run wrote (experiment 'flops')."""

import unittest
import warnings

import prov4ml
from prov4ml import Context, _flops

from . import _harness
from ._optional import torch

NO_TORCH = "torch is not importable"

# Linear(5, 3) on [4, 5]: 4 rows × 3 outputs × 5 multiply-accumulates × 2 = 120 (the bias adds count 0).
LINEAR_4_ROWS = 2 * 4 * 3 * 5
# Conv2d(4, 6, 3, stride=2, padding=1, groups=2) on [2, 4, 8, 8]: output 4×4 ((8 + 2·1 − 3) // 2 + 1 = 4);
# each output value takes 4/2 input channels × 3·3 taps = 18 multiply-accumulates; 2·6·16 outputs.
CONV_GROUPED = 2 * (2 * 6 * 4 * 4) * (2 * 3 * 3)
# Conv2d(3, 8, 3) on [1, 3, 10, 10]: output 8×8, 3·3·3 = 27 multiply-accumulates per output value.
CONV_PLAIN = 2 * (1 * 8 * 8 * 8) * 27
# ConvTranspose2d(4, 6, 3, stride=2, groups=2) on [2, 4, 5, 5]: every input value (2·4·25) meets
# 6/2 output channels × 3·3 taps = 27 weights.
CONV_TRANSPOSED = 2 * (2 * 4 * 5 * 5) * (3 * 3 * 3)
# The composed model per sample ([1, 4, 4] in): Conv2d(1, 2, 3, padding=1) keeps 4×4, 2·16 outputs of
# 1·3·3 = 9 multiply-accumulates; Flatten gives 32; Linear(32, 3) is 3·32.
COMPOSED_PER_SAMPLE = 2 * (2 * 16 * 9) + 2 * (3 * 32)
SAMPLES = 10


def _composed():
    nn = torch.nn
    return nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(32, 3))


def _samples(n=SAMPLES):
    return torch.utils.data.TensorDataset(torch.randn(n, 1, 4, 4), torch.randn(n, 3))


def _loader(dataset, **options):
    return torch.utils.data.DataLoader(dataset, **options)


class _Stream(torch.utils.data.IterableDataset if torch is not None else object):
    def __iter__(self):
        return iter([(torch.randn(1, 4, 4), torch.randn(3))])


@unittest.skipIf(torch is None, NO_TORCH)
class Counting(unittest.TestCase):
    def test_the_hand_arithmetic(self):
        self.assertEqual(
            [LINEAR_4_ROWS, CONV_GROUPED, CONV_PLAIN, CONV_TRANSPOSED, COMPOSED_PER_SAMPLE],
            [120, 6912, 27648, 10800, 768],
        )

    def test_linear_counts_its_matrix_product_not_its_bias(self):
        nn = torch.nn
        self.assertEqual(_flops.count_batch(torch, nn.Linear(5, 3), torch.randn(4, 5)), LINEAR_4_ROWS)
        self.assertEqual(_flops.count_batch(torch, nn.Linear(5, 3, bias=False), torch.randn(4, 5)), LINEAR_4_ROWS)
        self.assertEqual(_flops.count_batch(torch, nn.Linear(5, 3), torch.randn(1, 5)), LINEAR_4_ROWS // 4)
        self.assertEqual(_flops.count_batch(torch, nn.Linear(5, 3), torch.randn(2, 4, 5)), 2 * LINEAR_4_ROWS)

    def test_convolutions_with_stride_padding_groups_and_transposed(self):
        nn = torch.nn
        grouped = nn.Conv2d(4, 6, 3, stride=2, padding=1, groups=2)
        self.assertEqual(_flops.count_batch(torch, grouped, torch.randn(2, 4, 8, 8)), CONV_GROUPED)
        self.assertEqual(_flops.count_batch(torch, nn.Conv2d(3, 8, 3), torch.randn(1, 3, 10, 10)), CONV_PLAIN)
        transposed = nn.ConvTranspose2d(4, 6, 3, stride=2, groups=2)
        self.assertEqual(_flops.count_batch(torch, transposed, torch.randn(2, 4, 5, 5)), CONV_TRANSPOSED)

    def test_a_composed_model_per_batch_takes_x_of_an_x_y_batch(self):
        batch = (torch.randn(5, 1, 4, 4), torch.randn(5, 3))
        self.assertEqual(_flops.count_batch(torch, _composed(), batch), 5 * COMPOSED_PER_SAMPLE)
        self.assertEqual(_flops.count_batch(torch, _composed(), batch[0]), 5 * COMPOSED_PER_SAMPLE)

    def test_an_epoch_over_a_dataset_or_a_subset_is_one_sample_times_its_length(self):
        samples = _samples()
        self.assertEqual(_flops.count_epoch(torch, _composed(), samples), SAMPLES * COMPOSED_PER_SAMPLE)
        subset = torch.utils.data.Subset(samples, [1, 3, 5, 7, 8, 9])
        self.assertEqual(_flops.count_epoch(torch, _composed(), subset), 6 * COMPOSED_PER_SAMPLE)
        as_list = [samples[i] for i in range(4)]
        self.assertEqual(_flops.count_epoch(torch, _composed(), as_list), 4 * COMPOSED_PER_SAMPLE)
        self.assertEqual(_flops.count_epoch(torch, _composed(), []), 0)

    def test_an_epoch_over_a_dataloader_is_its_first_batch_scaled_to_the_samples_it_gives(self):
        samples, model = _samples(), _composed()
        self.assertEqual(_flops.count_epoch(torch, model, _loader(samples, batch_size=4, shuffle=True)), SAMPLES * COMPOSED_PER_SAMPLE)
        self.assertEqual(_flops.count_epoch(torch, model, _loader(samples, batch_size=4, drop_last=True)), 8 * COMPOSED_PER_SAMPLE)
        half = torch.utils.data.distributed.DistributedSampler(samples, num_replicas=2, rank=1, shuffle=False)
        self.assertEqual(_flops.count_epoch(torch, model, _loader(samples, batch_size=4, sampler=half)), 5 * COMPOSED_PER_SAMPLE)
        uneven = [[0, 1, 2], [3, 4, 5, 6], [7, 8, 9]]
        self.assertEqual(_flops.count_epoch(torch, model, _loader(samples, batch_sampler=uneven)), SAMPLES * COMPOSED_PER_SAMPLE)
        rows = torch.utils.data.TensorDataset(torch.randn(SAMPLES, 5), torch.randn(SAMPLES, 3))
        unbatched = _loader(rows, batch_size=None)
        self.assertEqual(_flops.count_epoch(torch, torch.nn.Linear(5, 3), unbatched), SAMPLES * LINEAR_4_ROWS // 4)

    def test_counting_changes_neither_the_model_nor_the_random_state_nor_a_running_iteration(self):
        nn = torch.nn
        model = nn.Sequential(nn.Linear(5, 4), nn.BatchNorm1d(4), nn.Dropout(0.5), nn.Linear(4, 2))
        model[3].eval()
        running_mean = model[1].running_mean.clone()
        samples = torch.utils.data.TensorDataset(torch.randn(SAMPLES, 5), torch.randn(SAMPLES, 2))
        loader = _loader(samples, batch_size=4, shuffle=True, num_workers=1, persistent_workers=True)
        iteration = iter(loader)
        first = next(iteration)
        random_state = torch.get_rng_state()
        self.assertEqual(_flops.count_epoch(torch, model, loader), SAMPLES * (2 * 5 * 4 + 2 * 4 * 2))
        self.assertTrue(torch.equal(torch.get_rng_state(), random_state))
        self.assertTrue(torch.equal(model[1].running_mean, running_mean))
        self.assertEqual([m.training for m in model], [True, True, True, False])
        rest = [x for x, _ in iteration]
        self.assertEqual(sum(len(x) for x in [first[0]] + rest), SAMPLES, "the user's iteration went on where it was")
        seeded = _loader(samples, batch_size=4, shuffle=True, generator=torch.Generator().manual_seed(7))
        order = [y.tolist() for _, y in seeded]
        _flops.count_epoch(torch, model, seeded)
        self.assertNotEqual([y.tolist() for _, y in seeded], order, "each epoch shuffles anew")
        seeded.generator.manual_seed(7)
        _flops.count_epoch(torch, model, seeded)
        self.assertEqual([y.tolist() for _, y in seeded], order, "counting drew nothing from the loader's generator")

    def test_a_data_parallel_model_is_counted_on_its_module_without_running_the_wrapper(self):
        class Wrapper(torch.nn.DataParallel):
            def forward(self, *inputs):
                raise AssertionError("a DistributedDataParallel forward would wait for the other ranks")

        batch = torch.randn(5, 1, 4, 4)
        self.assertEqual(_flops.count_batch(torch, Wrapper(_composed(), device_ids=[]), batch), 5 * COMPOSED_PER_SAMPLE)

    def test_what_cannot_be_counted_says_why(self):
        cases = [
            (_composed(), _loader(_Stream(), batch_size=2), "IterableDataset"),
            (_composed(), object(), "indexable collection"),
            (_composed(), {"a": 1}, "cannot draw a first batch: KeyError(0)"),
            (_composed(), [None], "cannot draw a first batch: TypeError"),
            (_composed(), [("not", "a tensor")], "failed on the input"),
            (torch.nn.Linear(5, 3), [(torch.randn(7), 0)], "failed on the input"),
            ("not a model", _samples(), "not a callable module"),
            (type("FullyShardedDataParallel", (torch.nn.Module,), {})(), _samples(), "gathers its parameters"),
        ]
        for model, data, reason in cases:
            with self.assertRaises(_flops.Uncountable) as raised:
                _flops.count_epoch(torch, model, data)
            self.assertIn(reason, str(raised.exception))

    def test_every_counter_gives_the_same_figures(self):
        nn = torch.nn
        cases = [
            (nn.Linear(5, 3, bias=False), torch.randn(4, 5), LINEAR_4_ROWS),
            (nn.Conv2d(4, 6, 3, stride=2, padding=1, groups=2), torch.randn(2, 4, 8, 8), CONV_GROUPED),
            (nn.ConvTranspose2d(4, 6, 3, stride=2, groups=2), torch.randn(2, 4, 5, 5), CONV_TRANSPOSED),
            (_composed(), torch.randn(3, 1, 4, 4), 3 * COMPOSED_PER_SAMPLE),
        ]
        counters = [_flops._count_with_hooks]
        if _flops._version(torch) >= _flops._DISPATCH_MODE_TORCH:
            counters.append(_flops._count_with_dispatch)
        if _flops._counter(torch)[0] == _flops.BY_FLOP_COUNTER_MODE:
            counters.append(_flops._count_with_flop_counter_mode)
        for count in counters:
            with torch.no_grad():
                self.assertEqual([count(torch, model, x) for model, x, _ in cases], [flops for _, _, flops in cases], count.__name__)
        matmul = _flops._count_with_dispatch(torch, lambda x: x @ x.transpose(1, 2), torch.randn(2, 3, 4))
        self.assertEqual(matmul, 2 * 2 * 3 * 3 * 4)

    def test_the_method_names_this_torch_and_the_convention(self):
        method = _flops.counting_method(torch)
        has_flop_counter = _flops._version(torch) >= (2, 1)
        self.assertTrue(method.startswith(_flops.BY_FLOP_COUNTER_MODE if has_flop_counter else _flops.BY_DISPATCH), method)
        self.assertIn("(torch %s)" % torch.__version__, method)
        self.assertIn("2 FLOP per multiply-accumulate", _flops.CONVENTION)


@unittest.skipUnless(_harness.ACTIVE, _harness.NEEDS)
@unittest.skipIf(torch is None, NO_TORCH)
class Logged(unittest.TestCase):
    def test_cumulative_counters_per_batch_and_per_epoch(self):
        model, samples = _composed(), _samples()
        batch = (torch.randn(5, 1, 4, 4), torch.randn(5, 3))
        prov4ml.start_run("www.example.org", "flops")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            prov4ml.log_flops_per_batch("flops_pb", model, batch, Context.TRAINING, step=0)
            prov4ml.log_flops_per_batch(label="flops_pb", model=model, batch=batch, context="training", step=1)
            prov4ml.log_flops_per_batch("flops_pb", model, torch.randn(2, 7), Context.TRAINING, step=2)
            prov4ml.log_flops_per_epoch("flops_pe", model, _loader(samples, batch_size=4, shuffle=True), Context.TRAINING, step=0)
            prov4ml.log_flops_per_epoch("flops_pe", model, samples, step=1)
            prov4ml.log_flops_per_epoch(label="flops_pe", model=model, dataset=torch.utils.data.Subset(samples, range(6)), step=2)
            prov4ml.log_flops_per_epoch("flops_pe", model, _loader(_Stream(), batch_size=2), step=3)
        messages = [str(w.message) for w in caught]
        self.assertEqual(len(messages), 2, messages)
        self.assertIn("prov4ml.log_flops_per_batch: cannot count FLOPs: the model failed on the input", messages[0])
        self.assertIn("prov4ml.log_flops_per_epoch: cannot count FLOPs: an IterableDataset", messages[1])
        with self.assertRaises(TypeError):
            prov4ml.log_flops_per_batch("flops_pb", model, batch, step="last")
        with self.assertRaises(TypeError):
            prov4ml.log_flops_per_epoch("flops_pe", model, samples, context="nowhere")
        prov4ml.end_run()
