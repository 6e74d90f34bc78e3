"""Classical data sources: truth tables and vectors sampled i.i.d., and users' own streams."""

from ._sources import BooleanData, IIDSource, Stream, VectorData, from_numpy

__all__ = [
    "BooleanData",
    "from_numpy",
    "IIDSource",
    "Stream",
    "VectorData",
]
