"""Packages some tests use when this interpreter has them (Debian's python3 has numpy and torch)."""

try:
    import numpy
except ImportError:
    numpy = None

try:
    import torch
except ImportError:
    torch = None
