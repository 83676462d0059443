"""The local channel's bytes: frames of `u32 LE length` + UTF-8 JSON, and metric columns as base64
of little-endian float64 (so NaN and ±inf survive, which JSON numbers cannot carry)."""

import base64
import json
import struct
import sys

_HEADER = struct.Struct("<I")
HEADER_BYTES = _HEADER.size


def encode_frame(message):
    payload = json.dumps(message, allow_nan=False, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return _HEADER.pack(len(payload)) + payload


def frame_length(header):
    return _HEADER.unpack(header)[0]


def encode_column(column):
    """base64 of an array('d') as little-endian float64."""
    if sys.byteorder == "big":
        column = column[:]
        column.byteswap()
    return base64.b64encode(column.tobytes()).decode("ascii")
