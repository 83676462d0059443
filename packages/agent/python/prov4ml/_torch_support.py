"""What the client knows about PyTorch objects. torch is imported only when a call needs it (it takes
seconds), and a missing torch costs one warning, never an ImportError."""

import sys

from ._errors import warn_once

#: The original's mapping of Lightning's trainer.precision to bits per parameter.
_PRECISION_BITS = {"64": 64, "32": 32, "16": 16, "bf16": 16}


def import_torch():
    """The torch module, or None after one warning for the whole process."""
    try:
        import torch
    except ImportError:
        warn_once(
            "torch-missing",
            "prov4ml: torch cannot be imported by %s; model versions and FLOPs are not logged" % sys.executable,
        )
        return None
    return torch


def parameter_count(model):
    """sum(p.numel()) over model.parameters(), or None (with a warning) for an object without them."""
    parameters = getattr(model, "parameters", None)
    if not callable(parameters):
        warn_once("no-parameters", "prov4ml.log_model: a %s has no parameters(); its size is not logged" % type(model).__name__)
        return None
    return int(sum(p.numel() for p in parameters()))


def precision_bits(model):
    """Bits per parameter: a Lightning module's trainer precision, else 32 (as the original)."""
    try:
        precision = model.trainer.precision
    except Exception:  # Lightning raises RuntimeError when no trainer is attached; plain modules have none
        return 32
    return _PRECISION_BITS.get(str(precision).split("-")[0], 32)


def save_state_dict(torch, model, path):
    state_dict = getattr(model, "state_dict", None)
    if not callable(state_dict):
        raise TypeError("prov4ml.save_model_version: model must have a state_dict(), got %s" % type(model).__name__)
    torch.save(state_dict(), path)


def dataset_stats(dataset):
    """What can be told about a DataLoader, Dataset or any sized collection, without importing torch."""
    stats = {}
    if hasattr(dataset, "batch_size") and hasattr(dataset, "dataset"):
        loader = dataset
        _put(stats, "batch_size", loader.batch_size)
        _put(stats, "num_workers", getattr(loader, "num_workers", None))
        _put(stats, "total_steps", _length(loader))
        _put(stats, "shuffle", _shuffles(getattr(loader, "sampler", None)))
        dataset = loader.dataset
    elif hasattr(dataset, "indices") and hasattr(dataset, "dataset"):
        _put(stats, "total_steps", _length(dataset))  # the original's stat of a Subset: its length
    _put(stats, "total_samples", _length(dataset))
    return stats


def _put(stats, key, value):
    if isinstance(value, (bool, int, float, str)):
        stats[key] = value


def _length(sized):
    try:
        return len(sized)
    except Exception:  # an IterableDataset has no length; that is not an error
        return None


def _shuffles(sampler):
    explicit = getattr(sampler, "shuffle", None)  # DistributedSampler says so itself
    if isinstance(explicit, bool):
        return explicit
    name = type(sampler).__name__
    if name == "RandomSampler":
        return True
    if name == "SequentialSampler":
        return False
    return None
