"""The original's prov4ml.constants: where programs imported PROV4ML_DATA from."""

from ._state import PROV4ML_DATA

__all__ = ["PROV4ML_DATA"]
