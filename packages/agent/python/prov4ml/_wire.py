"""The local channel's bytes: frames of `u32 LE length` + UTF-8 JSON, and metric columns as base64
of little-endian float64 (so NaN and ±inf survive, which JSON numbers cannot carry)."""

import base64
import json
import struct
import sys

_HEADER = struct.Struct("<I")
HEADER_BYTES = _HEADER.size


def encode_json(value):
    return json.dumps(value, allow_nan=False, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def encode_frame(message):
    payload = encode_json(message)
    return _HEADER.pack(len(payload)) + payload


def frame_of(pieces):
    """One frame whose payload is the concatenation of `pieces` (bytes that together are one JSON
    message), as the list of buffers to send: large metric columns are never scanned by the JSON
    encoder, nor copied into one buffer (a fresh buffer of a few hundred KB is page faults)."""
    return [_HEADER.pack(sum(len(piece) for piece in pieces))] + pieces


def frame_length(header):
    return _HEADER.unpack(header)[0]


def encode_column(column):
    """base64 of an array('d') as little-endian float64."""
    return encode_column_bytes(column).decode("ascii")


def encode_column_bytes(column):
    """encode_column as ASCII bytes, ready to stand inside a JSON string."""
    if sys.byteorder == "big":
        column = column[:]
        column.byteswap()
    return base64.b64encode(column)
