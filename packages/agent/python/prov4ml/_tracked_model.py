"""ProvenanceTrackedModel: the newest original's torch.nn.Module wrapper that records what its linear
and convolution layers take and give, as a Zarr v2 store logged as an artifact of the run.

The class becomes a subclass of torch.nn.Module when its first instance is made (prov4ml._framework
does that for the loggers), so that `import prov4ml` does not import torch. The store is written here
with numpy alone (the `zarr` package is not needed to write it, only to read it): one group per
layer, each with arrays `input` and `output` of float16 rows appended along the batch axis.
"""

import atexit
import json
import os
import shutil
import tempfile
import threading

from . import _api
from ._errors import warn, warn_once
from ._framework import FrameworkLogger
from ._kinds import canonical_context
from ._values import check_name

_CALL = "ProvenanceTrackedModel"
#: The layer types whose activations are recorded, as the original chose them.
_TRACKED_LAYERS = ("Linear", "Conv1d", "Conv2d", "Conv3d")
#: Little-endian float16, as the arrays' metadata says, whatever this machine's byte order.
_DTYPE = "<f2"

#: Stores not closed yet: the exit path records them (before prov4ml's own exit handler ends the run).
_open_stores = set()
_open_lock = threading.Lock()


class ProvenanceTrackedModel(FrameworkLogger):
    """Wraps `model` (a torch.nn.Module): forward is the model's forward; each forward of one of its
    nn.Linear, nn.Conv1d, nn.Conv2d or nn.Conv3d layers appends that layer's first input and its output
    (detached, as float16) to the store `<model_label>.zarr`, in chunks of `chunk_size` rows.

    close() (or the program's exit) removes the hooks and logs the store as an artifact named
    `<model_label>.zarr` in `context`; end_run does it for the models still open, as the program's exit
    does while a run is active.
    Without torch or numpy the model itself is returned, unwrapped, after one warning."""

    # Not a logger: FrameworkLogger is the mechanism that mixes in the base at the first instance.
    FRAMEWORK_BASES = (("torch.nn", "Module"),)

    def __new__(cls, model_label, model, context=None, chunk_size=64):
        try:
            import numpy  # noqa: F401 (the store is written with it; torch's .numpy() needs it too)
            import torch  # noqa: F401
        except ImportError as error:
            warn_once("tracked-model-imports", "prov4ml.%s: %s; the model is used unwrapped and its activations are not recorded"
                      % (_CALL, error))
            return model
        return super().__new__(cls)

    def __init__(self, model_label, model, context=None, chunk_size=64):
        import torch

        check_name(model_label, "model_label", _CALL)
        if not isinstance(model, torch.nn.Module):
            raise TypeError("%s: model must be a torch.nn.Module, got %s" % (_CALL, type(model).__name__))
        if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
            raise TypeError("%s: chunk_size must be a positive integer, got %r" % (_CALL, chunk_size))
        canonical_context(context, _CALL)  # an unknown context fails here, not when the run ends
        super().__init__()
        self.model = model
        self.model_name = model_label
        self.context = context
        self.chunk_size = chunk_size
        self._store = _ActivationStore(model_label, context, chunk_size)
        self.handles = []
        layer_types = tuple(getattr(torch.nn, name) for name in _TRACKED_LAYERS)
        for name, layer in model.named_modules():
            if isinstance(layer, layer_types):
                # The model itself as its only tracked layer has the name "": its group is named by its class.
                self.handles.append(layer.register_forward_hook(self._store.hook(name or type(layer).__name__)))

    def forward(self, *args, **kwargs):
        return self.model(*args, **kwargs)

    def remove_hooks(self):
        """Stops recording; what was recorded stays, to be logged by close() or at exit."""
        for handle in self.handles:
            handle.remove()
        self.handles = []

    def close(self):
        """Removes the hooks and logs the store as an artifact of the active run; later calls do nothing."""
        self.remove_hooks()
        self._store.close()

    def __reduce__(self):
        # A copy would share the one store (the wrapped layers' hooks point at it) or need a second
        # scratch store nobody closes; say so instead of failing on a lock deep inside.
        raise TypeError("%s %r cannot be copied or pickled; copy or save its .model (or its state_dict())" % (_CALL, self.model_name))


class _ActivationStore:
    """The Zarr v2 store of one tracked model, in a scratch directory of its own until close().

    Hooks copy to CPU float16 on the caller's thread (the original used a writer thread): a later
    in-place operation (ReLU(inplace=True) after a Linear) would change an output that a writer
    thread had not copied yet, and the tensors it held would keep GPU memory for as long as it lagged.
    Disk writes happen only when a chunk fills, so memory is one chunk per array."""

    def __init__(self, model_label, context, chunk_size):
        import numpy
        import torch

        self.numpy = numpy
        self.torch = torch
        self.label = model_label
        self.context = context
        self.chunk_size = chunk_size
        self.scratch = tempfile.mkdtemp(prefix="prov4ml-activations-")
        self.path = os.path.join(self.scratch, _api._file_safe(model_label) + ".zarr")
        # A forked child (a DataLoader worker) shares the directory: only this process writes and removes it.
        self.pid = os.getpid()
        #: layer name → (input array, output array)
        self.layers = {}
        self.lock = threading.Lock()
        self.closed = False
        self.failed = False
        os.mkdir(self.path)
        _write_json(os.path.join(self.path, ".zgroup"), {"zarr_format": 2})
        with _open_lock:
            _open_stores.add(self)

    def hook(self, name):
        def record(layer, inputs, output):
            self.record(name, inputs[0] if inputs else None, output)
        return record

    def record(self, name, given, output):
        if self.closed or os.getpid() != self.pid:
            return
        torch = self.torch
        try:
            pair = (given, output)
            if not all(isinstance(t, torch.Tensor) and t.dim() >= 1 and 0 not in t.shape[1:] for t in pair):
                warn_once(("tracked-model-layer", self.label, name), "prov4ml.%s: layer %r of %r took or gave no tensor with a batch axis "
                          "(or an empty one); such calls are not recorded" % (_CALL, name, self.label))
                return
            rows = [t.detach().to(device="cpu", dtype=torch.float16).numpy() for t in pair]
            with self.lock:
                if self.closed or self.failed:
                    return
                arrays = self.layers.get(name)
                if arrays is None:
                    group = os.path.join(self.path, _api._file_safe(name))
                    os.mkdir(group)
                    _write_json(os.path.join(group, ".zgroup"), {"zarr_format": 2})
                    arrays = tuple(_Array(self.numpy, os.path.join(group, part), r.shape[1:], self.chunk_size)
                                   for part, r in zip(("input", "output"), rows))
                    self.layers[name] = arrays
                elif any(r.shape[1:] != a.sample_shape for r, a in zip(rows, arrays)):
                    # An array has one shape per row; skipping both keeps input row i the partner of output row i.
                    warn_once(("tracked-model-shape", self.label, name), "prov4ml.%s: layer %r of %r changed its per-sample shape "
                              "(first %s → %s, now %s → %s); such calls are not recorded" % (
                                  _CALL, name, self.label, arrays[0].sample_shape, arrays[1].sample_shape, rows[0].shape[1:], rows[1].shape[1:]))
                    return
                for array, r in zip(arrays, rows):
                    array.append(r)
        except Exception as error:  # recording must never stop training
            self.failed = True
            warn_once(("tracked-model-failed", self.label), "prov4ml.%s: recording the activations of %r failed (%s: %s); they are not logged"
                      % (_CALL, self.label, type(error).__name__, error))

    def close(self):
        with self.lock:
            if self.closed:
                return
            self.closed = True
        with _open_lock:
            _open_stores.discard(self)
        if os.getpid() != self.pid:
            return
        try:
            if not self.failed:
                self._log()
        except Exception as error:  # the exit path and close() must not raise into the program
            warn("prov4ml.%s: the activations of %r are not recorded: %s: %s" % (_CALL, self.label, type(error).__name__, error))
        finally:
            shutil.rmtree(self.scratch, ignore_errors=True)

    def _log(self):
        if _api._session is None:
            if _api._why_not is not None:  # None: start_run already said that nothing is recorded, and why
                warn_once("tracked-model-no-run", "prov4ml.%s: no run is active when %r closes (close() or end_run log it while a run is active); "
                          "its activations are not recorded" % (_CALL, self.label))
            return
        for arrays in self.layers.values():
            for array in arrays:
                array.finish()
        _api._store_artifact(self.path, os.path.basename(self.path), self.context, None, None, "artifact", _CALL, scratch_copy=True)


class _Array:
    """One Zarr v2 array appended to along its first axis: the current chunk in memory, full chunks on
    disk (chunk files `<i>.0.0…`, dimension separator '.'), the shape written by finish()."""

    def __init__(self, numpy, directory, sample_shape, chunk_size):
        os.mkdir(directory)
        self.directory = directory
        self.sample_shape = tuple(sample_shape)
        self.chunk = numpy.zeros((chunk_size,) + self.sample_shape, dtype=_DTYPE)
        self.filled = 0
        self.chunks_written = 0

    def append(self, rows):
        start = 0
        while start < len(rows):
            count = min(len(rows) - start, len(self.chunk) - self.filled)
            self.chunk[self.filled:self.filled + count] = rows[start:start + count]
            self.filled += count
            start += count
            if self.filled == len(self.chunk):
                self._write_chunk()

    def _write_chunk(self):
        # Zarr v2 stores an edge chunk at full size too; rows past the array's end are read as nothing.
        key = str(self.chunks_written) + ".0" * len(self.sample_shape)
        with open(os.path.join(self.directory, key), "wb") as file:
            file.write(self.chunk.tobytes(order="C"))
        self.chunks_written += 1
        self.filled = 0

    def finish(self):
        rows = self.chunks_written * len(self.chunk) + self.filled
        if self.filled:
            self.chunk[self.filled:] = 0
            self._write_chunk()
        _write_json(os.path.join(self.directory, ".zarray"), {
            "zarr_format": 2,
            "shape": [rows, *self.sample_shape],
            "chunks": list(self.chunk.shape),
            "dtype": _DTYPE,
            "compressor": None,
            "fill_value": 0.0,
            "order": "C",
            "filters": None,
            "dimension_separator": ".",
        })


def _write_json(path, value):
    with open(path, "w", encoding="utf-8") as file:
        json.dump(value, file, indent=4, sort_keys=True)


def close_open_stores():
    """Logs every store not closed yet (end_run, and the program's exit)."""
    with _open_lock:
        stores = list(_open_stores)
    for store in stores:
        store.close()


# Registered after prov4ml._api's exit handler (imported above), so it runs first: the run is still active.
atexit.register(close_open_stores)
