"""Reading a metric file of any of prov4ml's formats back, standard library only: `.csv` (ours),
`.txt` (the original's text layout), `.nc` (netCDF classic, CDF-1/CDF-2) and `.zarr` (a Zarr v2
store of <f8 arrays, chunks uncompressed, zlib, gzip or Blosc with zlib inside). Doubles are taken
from their bytes, so NaN payloads and infinities come back as written."""

import array
import json
import os
import struct
import sys
import zlib

_SUFFIXES = ((".csv", "csv"), (".txt", "txt"), (".nc", "netcdf"), (".zarr", "zarr"))


def read_metric_file(path):
    """The points of the metric file at `path` as a list of (step, value, timestamp_ms)."""
    path = os.fspath(path).rstrip("/\\")
    for suffix, format_name in _SUFFIXES:
        if path.endswith(suffix):
            reader = _READERS[format_name]
            break
    else:
        raise ValueError("%s: not a metric file (expected a name ending in .csv, .txt, .nc or .zarr)" % path)
    steps, values, timestamps = reader(path)
    return [(int(s) if s == s and abs(s) != float("inf") else s, v, t) for s, v, t in zip(steps, values, timestamps)]


def _read_csv(path):
    """Our CSV; the separator is the one its header uses (the run's csv_separator)."""
    with open(path, encoding="utf-8") as lines:
        header = lines.readline().rstrip("\r\n")
        separator = header[len("step")] if header.startswith("step") and len(header) > len("step") else ","
        return _columns(line.rstrip("\r\n").split(separator) for line in lines if line.strip())


def _read_text(path):
    """The original's layout: a header `name, context, source`, then `step, value, timestamp` rows."""
    with open(path, encoding="utf-8") as lines:
        header = lines.readline()
        separator = "\t" if "\t" in header else ","
        return _columns(line.split(separator) for line in lines if line.strip())


def _columns(rows):
    steps, values, timestamps = [], [], []
    for step, value, timestamp in rows:
        steps.append(float(step))
        values.append(float(value))
        timestamps.append(float(timestamp))
    return steps, values, timestamps


def _read_netcdf(path):
    with open(path, "rb") as handle:
        data = handle.read()
    if data[:4] == b"\x89HDF":
        raise ValueError("%s: a netCDF-4 (HDF5) file; only netCDF classic files (prov4ml's .nc) can be read here" % path)
    if data[:4] not in (b"CDF\x01", b"CDF\x02"):
        raise ValueError("%s: not a netCDF classic file" % path)
    header = _NetcdfHeader(data, 8 if data[3] == 2 else 4)
    numrecs = header.int()
    dimensions = []
    for _ in header.list():
        header.name()
        dimensions.append(header.int())
    header.attributes()
    variables = {}
    record_bytes = 0
    for _ in header.list():
        name = header.name()
        ids = [header.int() for _ in range(header.int())]
        header.attributes()
        nc_type, vsize, begin = header.int(), header.int(), header.offset()
        if ids and dimensions[ids[0]] == 0:
            record_bytes += vsize
        variables[name] = (ids, nc_type, begin)

    def column(name):
        if name not in variables or variables[name][1] != 6 or len(variables[name][0]) != 1:
            raise ValueError("%s: no 1-D double variable %s" % (path, name))
        ids, _, begin = variables[name]
        length = dimensions[ids[0]]
        count, stride = (numrecs, record_bytes) if length == 0 else (length, 8)
        expected = (count - 1) * stride + 8 if count else 0
        region = data[begin:begin + expected]
        if len(region) != expected:
            raise ValueError("%s: shorter than its header says (a write that did not finish?)" % path)
        if stride == 8:
            return _doubles(region, big_endian=True)
        if stride % 8 == 0:  # records of doubles: every stride/8-th double of the record region
            return _doubles(region + bytes(stride - 8), big_endian=True)[::stride // 8]
        return _doubles(b"".join(region[i * stride:i * stride + 8] for i in range(count)), big_endian=True)

    return column("step"), column("value"), column("timestamp")


class _NetcdfHeader(object):
    def __init__(self, data, offset_bytes):
        self.data, self.at, self.offset_bytes = data, 4, offset_bytes

    def int(self):
        self.at += 4
        return struct.unpack_from(">i", self.data, self.at - 4)[0]

    def offset(self):
        if self.offset_bytes == 4:
            return self.int()
        self.at += 8
        return struct.unpack_from(">Q", self.data, self.at - 8)[0]

    def name(self):
        length = self.int()
        text = self.data[self.at:self.at + length].decode("utf-8")
        self.at += length + (-length % 4)
        return text

    def list(self):
        self.int()
        return range(self.int())

    def attributes(self):
        for _ in self.list():
            self.name()
            nc_type, count = self.int(), self.int()
            size = count * {1: 1, 2: 1, 3: 2, 4: 4, 5: 4, 6: 8}.get(nc_type, 1)
            self.at += size + (-size % 4)


def _read_zarr(path):
    if not os.path.exists(os.path.join(path, ".zgroup")):
        raise ValueError("%s: no .zgroup; not a Zarr v2 group (or its writing did not finish)" % path)
    return tuple(_zarr_array(os.path.join(path, name)) for name in ("step", "value", "timestamp"))


def _zarr_array(path):
    with open(os.path.join(path, ".zarray"), encoding="utf-8") as handle:
        meta = json.load(handle)
    if meta["dtype"] != "<f8" or len(meta["shape"]) != 1 or meta.get("filters"):
        raise ValueError("%s: not a 1-D <f8 array without filters" % path)
    length, chunk = meta["shape"][0], meta["chunks"][0]
    compressor = (meta.get("compressor") or {}).get("id")
    parts = []
    for index in range((length + chunk - 1) // chunk):
        with open(os.path.join(path, str(index)), "rb") as handle:
            raw = handle.read()
        if compressor == "zlib":
            raw = zlib.decompress(raw)
        elif compressor == "gzip":
            raw = zlib.decompress(raw, 16 + zlib.MAX_WBITS)
        elif compressor == "blosc":
            raw = _blosc(raw, path)
        elif compressor is not None:
            raise ValueError("%s: chunks compressed with %s; zlib, gzip and Blosc (zlib) can be read here" % (path, compressor))
        parts.append(raw[:8 * min(chunk, length - index * chunk)])
    return _doubles(b"".join(parts), big_endian=False)


def _blosc(frame, what):
    flags, type_size = frame[2], frame[3]
    nbytes, block_size = struct.unpack_from("<II", frame, 4)
    if flags & 0x02:
        return frame[16:16 + nbytes]
    if flags >> 5 != 3 or flags & 0x04:
        raise ValueError("%s: a Blosc frame with another codec than zlib, or bit-shuffled; only Blosc with zlib inside can be read here" % what)
    out = []
    blocks = (nbytes + block_size - 1) // block_size
    for b in range(blocks):
        size = min(block_size, nbytes - b * block_size)
        splits = type_size if not flags & 0x10 and type_size <= 16 and size // type_size >= 128 and size == block_size else 1
        at = struct.unpack_from("<i", frame, 16 + 4 * b)[0]
        block = b""
        for _ in range(splits):
            length = struct.unpack_from("<i", frame, at)[0]
            stream = frame[at + 4:at + 4 + length]
            at += 4 + length
            block += stream if length == size // splits else zlib.decompress(stream)
        if flags & 0x01 and type_size > 1:
            count = size // type_size
            shuffled, block = block, bytearray(size)
            for j in range(type_size):
                block[j:count * type_size:type_size] = shuffled[j * count:(j + 1) * count]
        out.append(block)
    return b"".join(out)


def _doubles(raw, big_endian):
    values = array.array("d")
    values.frombytes(raw)
    if big_endian == (sys.byteorder == "little"):
        values.byteswap()
    return values


_READERS = {"csv": _read_csv, "txt": _read_text, "netcdf": _read_netcdf, "zarr": _read_zarr}
