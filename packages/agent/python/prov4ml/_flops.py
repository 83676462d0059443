"""Floating-point operations of a model's forward pass, counted alike on every torch.

What is counted (FlopCounterMode's convention, torch.utils.flop_counter, torch 2.1 and newer):
2 FLOP per multiply-accumulate of the matrix products and convolutions a forward pass runs, that is
  mm / addmm        [m, k] @ [k, n]            2·m·n·k
  bmm / baddbmm     [b, m, k] @ [b, k, n]      2·b·m·n·k
  convolution       2 · batch · prod(weight.shape) · prod(spatial shape of the output;
                    of the input for a transposed convolution); groups are in the weight's shape
Bias additions, activations, normalisations and pooling count 0. The original's counter
(fvcore.nn.FlopCountAnalysis) reported multiply-accumulates, half of these figures for the same model.

How it is counted: torch's FlopCounterMode where it exists; on torch 1.13 and 2.0 a dispatch mode
over the same aten operators with the same formulas (so the figures are the same); before torch 1.13
forward hooks on Linear and Conv/ConvTranspose modules with the same formulas (matrix products a model
makes outside those modules are not seen there). Only the forward pass is counted, as the original did.
That forward pass is counted, never trained on: it runs under no_grad with every module in eval mode
(restored afterwards), so no BatchNorm statistics change and no dropout draws random numbers; the
inputs go to the model's device; a (Distributed)DataParallel model is counted on its module.
"""

import functools

from ._errors import warn_once

#: Recorded with the figures so that a reader knows FLOP from multiply-accumulates.
CONVENTION = "2 FLOP per multiply-accumulate of mm, addmm, bmm, baddbmm and convolutions (the original's fvcore counted multiply-accumulates: half)"
#: Torch's own counter, where it exists.
BY_FLOP_COUNTER_MODE = "torch.utils.flop_counter.FlopCounterMode"
#: Ours on torch 1.13 and 2.0: TorchDispatchMode exists there, FlopCounterMode does not.
BY_DISPATCH = "prov4ml TorchDispatchMode counter with FlopCounterMode's formulas"
#: Ours on torch older than 1.13.
BY_HOOKS = "prov4ml forward hooks on Linear, Conv and ConvTranspose modules"
#: The first torch whose TorchDispatchMode is entered with `with mode:` and steps aside in its handler.
_DISPATCH_MODE_TORCH = (1, 13)


class Uncountable(Exception):
    """Why the FLOPs of a call cannot be counted; the call warns with it and logs nothing."""


def count_batch(torch, model, batch):
    """FLOPs of one forward pass on the batch's input (x of an (x, y) batch, else the batch itself),
    as the original's log_flops_per_batch."""
    return _forward_flops(torch, model, _first_input(batch))


def count_epoch(torch, model, data):
    """FLOPs of one epoch's forward passes over `data`, from one batch:
    flops(batch) × samples per epoch / samples in the batch, rounded to an integer.

    - a DataLoader: its first batch, drawn as the loader draws it (its sampler and collate_fn, without
      starting its workers or disturbing an iteration in progress or the random state); the samples per
      epoch are those one pass over the loader gives this process: len(sampler), less the incomplete
      last batch when drop_last (so a DistributedSampler's share of the data set).
    - a Dataset, a Subset or any sized, indexable collection of samples: dataset[0] made a batch of one
      (torch's default_collate), times len(dataset). The original ran the model on the unbatched
      dataset[0]; a batch of one has the same FLOPs per sample and also runs models that flatten from
      dimension 1.
    Exact for models whose FLOPs grow linearly with the batch (every operator counted here does);
    for inputs whose size varies from batch to batch it is an estimate from the first batch.
    """
    draw = _loader_batch if isinstance(data, torch.utils.data.DataLoader) else _dataset_batch
    try:
        batch, in_batch, samples = draw(torch, data)
    except Uncountable:
        raise
    except Exception as error:  # the user's data set or collate_fn failed: the FLOPs are unknown, training goes on
        raise Uncountable("cannot draw a first batch: %r" % (error,)) from None
    if samples == 0:
        return 0
    flops = count_batch(torch, model, batch)
    return (flops * samples + in_batch // 2) // in_batch


def counting_method(torch):
    """Which counter this process uses, with torch's version."""
    return "%s (torch %s)" % (_counter(torch)[0], torch.__version__)


def _first_input(batch):
    return batch[0] if isinstance(batch, (tuple, list)) else batch


def _loader_batch(torch, loader):
    dataset = loader.dataset
    if isinstance(dataset, torch.utils.data.IterableDataset):
        raise Uncountable("an IterableDataset's samples cannot be drawn without consuming its stream")
    # A RandomSampler draws from the loader's generator, else from torch's global one: both are put back.
    generator = getattr(loader.sampler, "generator", None)
    generator_state = generator.get_state() if isinstance(generator, torch.Generator) else None
    try:
        with torch.random.fork_rng(devices=[]):
            samples = _epoch_samples(loader)
            if samples == 0:
                return None, 1, 0
            if loader.batch_sampler is None:  # no automatic batching: each item is one sample
                return loader.collate_fn(dataset[next(iter(loader.sampler))]), 1, samples
            indices = list(next(iter(loader.batch_sampler)))
            return loader.collate_fn([dataset[i] for i in indices]), len(indices), samples
    finally:
        if generator_state is not None:
            generator.set_state(generator_state)


def _epoch_samples(loader):
    if loader.batch_sampler is not None and loader.batch_size is None:  # the user's batch_sampler: batches may differ in size
        return sum(len(batch) for batch in loader.batch_sampler)
    samples = _length(loader.sampler, "its sampler")
    if loader.batch_size is not None and loader.drop_last:
        samples -= samples % loader.batch_size
    return samples


def _dataset_batch(torch, dataset):
    if not hasattr(dataset, "__getitem__"):
        raise Uncountable("expected a DataLoader, a Dataset or an indexable collection of samples, got a %s" % type(dataset).__name__)
    samples = _length(dataset, "the data set")
    if samples == 0:
        return None, 1, 0
    from torch.utils.data.dataloader import default_collate  # where every torch since 1.0 has it

    return default_collate([dataset[0]]), 1, samples


def _length(sized, what):
    try:
        return len(sized)
    except TypeError:
        raise Uncountable("%s has no length" % what) from None


def _forward_flops(torch, model, inputs):
    if not callable(model):
        raise Uncountable("the model is a %s, not a callable module" % type(model).__name__)
    model = _replica(torch, model)
    modes = [(module, module.training) for module in model.modules()] if isinstance(model, torch.nn.Module) else []
    for module, _ in modes:
        module.training = False
    try:
        inputs = _to_device(torch, inputs, _device_of(model))
        with torch.no_grad():
            return _counter(torch)[1](torch, model, inputs)
    except Uncountable:
        raise
    except Exception as error:  # a model that cannot run on this input: the FLOPs are unknown, training goes on
        raise Uncountable("the model failed on the input: %r" % (error,)) from None
    finally:
        for module, training in modes:
            module.training = training


def _replica(torch, model):
    """The module a data-parallel wrapper runs: DistributedDataParallel's forward broadcasts buffers
    (a collective that waits forever when, as usual, only rank 0 records); the FLOPs are the module's."""
    if type(model).__name__ == "FullyShardedDataParallel":  # its forward gathers the shards from every rank
        raise Uncountable("a FullyShardedDataParallel model gathers its parameters from every rank in each forward pass")
    if isinstance(model, (torch.nn.parallel.DistributedDataParallel, torch.nn.DataParallel)):
        return model.module
    return model


def _device_of(model):
    parameters = getattr(model, "parameters", None)
    if not callable(parameters):
        return None
    for parameter in parameters():
        return parameter.device
    return None


def _to_device(torch, inputs, device):
    """The inputs on the model's device: a loader yields CPU tensors that the training loop moves."""
    if device is None:
        return inputs
    if isinstance(inputs, torch.Tensor):
        return inputs.to(device)
    if isinstance(inputs, (tuple, list)):
        return type(inputs)(_to_device(torch, x, device) for x in inputs)
    return inputs


@functools.lru_cache(maxsize=None)
def _counter(torch):
    """(name, count(torch, model, inputs)) of the counter this torch allows."""
    try:
        from torch.utils.flop_counter import FlopCounterMode  # noqa: F401
    except ImportError:
        if _version(torch) >= _DISPATCH_MODE_TORCH:
            return BY_DISPATCH, _count_with_dispatch
        return BY_HOOKS, _count_with_hooks
    return BY_FLOP_COUNTER_MODE, _count_with_flop_counter_mode


def _version(torch):
    numbers = []
    for part in torch.__version__.split("+")[0].split(".")[:2]:
        digits = "".join(c for c in part if c.isdigit())
        numbers.append(int(digits or 0))
    return tuple(numbers)


def _count_with_flop_counter_mode(torch, model, inputs):
    from torch.utils.flop_counter import FlopCounterMode

    counter = FlopCounterMode(display=False)
    with counter:
        model(inputs)
    return int(counter.get_total_flops())


# ---- FlopCounterMode's formulas, over shapes ------------------------------------------------------


def _product(numbers):
    result = 1
    for n in numbers:
        result *= int(n)
    return result


def _matmul_flops(a_shape, b_shape):
    """[m, k] @ [k, n], or with a leading batch dimension b: 2·(b·)m·n·k."""
    return 2 * _product(a_shape) * int(b_shape[-1])


def _convolution_flops(x_shape, w_shape, out_shape, transposed):
    """2 · batch · prod(weight shape) · prod(spatial shape of the output, or of the input when transposed)."""
    spatial = (x_shape if transposed else out_shape)[2:]
    return 2 * int(x_shape[0]) * _product(w_shape) * _product(spatial)


def _dispatch_formulas(torch):
    aten = torch.ops.aten

    def product(args, out):
        return _matmul_flops(args[0].shape, args[1].shape)

    def product_added_to(args, out):
        return _matmul_flops(args[1].shape, args[2].shape)

    def convolution(args, out):
        x, w, transposed = args[0], args[1], args[6]
        return _convolution_flops(x.shape, w.shape, out.shape, transposed)

    # Backward operators are left out: counting runs under no_grad, so none runs.
    return {
        aten.mm: product,
        aten.bmm: product,
        aten.addmm: product_added_to,
        aten.baddbmm: product_added_to,
        aten.convolution: convolution,
        aten._convolution: convolution,
    }


def _count_with_dispatch(torch, model, inputs):
    mode = _dispatch_mode(torch)()
    with mode:
        model(inputs)
    return mode.flops


@functools.lru_cache(maxsize=None)
def _dispatch_mode(torch):
    from torch.utils._python_dispatch import TorchDispatchMode

    formulas = _dispatch_formulas(torch)

    class CountingMode(TorchDispatchMode):
        """Runs every aten operator as it is and adds the FLOPs of those with a formula. Composite
        operators (linear, matmul, conv2d) reach a dispatch mode already decomposed into these."""

        def __init__(self):
            super().__init__()
            self.flops = 0

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            out = func(*args, **(kwargs or {}))
            formula = formulas.get(func.overloadpacket)
            if formula is not None:
                self.flops += formula(args, out)
            return out

    return CountingMode


def _count_with_hooks(torch, model, inputs):
    nn = torch.nn
    counted = [0]

    def linear(module, args, out):
        counted[0] += 2 * args[0].numel() * module.out_features

    def convolution(module, args, out):
        x, w = args[0], module.weight
        batched = x.dim() == w.dim()
        x_shape = tuple(x.shape) if batched else (1,) + tuple(x.shape)
        out_shape = tuple(out.shape) if batched else (1,) + tuple(out.shape)
        counted[0] += _convolution_flops(x_shape, w.shape, out_shape, module.transposed)

    handles = []
    for module in (model.modules() if isinstance(model, nn.Module) else []):
        if isinstance(module, nn.Linear):
            handles.append(module.register_forward_hook(linear))
        elif isinstance(module, nn.modules.conv._ConvNd):
            handles.append(module.register_forward_hook(convolution))
    try:
        model(inputs)
    finally:
        for handle in handles:
            handle.remove()
    return counted[0]


def warn_uncountable(call, reason):
    warn_once(("flops", call, reason), "prov4ml.%s: cannot count FLOPs: %s; nothing is logged" % (call, reason))
