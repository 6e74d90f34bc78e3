"""State preparation from sketches: flat vectors and general vector states."""

from ._flat import FlatStateSketch, flat_state
from ._vector import (
    MAX_AMPLIFICATION_LENGTH,
    VectorPhaseOracle,
    VectorStateResult,
    VectorStateSketch,
    vector_state,
)

__all__ = [
    "flat_state",
    "FlatStateSketch",
    "MAX_AMPLIFICATION_LENGTH",
    "vector_state",
    "VectorPhaseOracle",
    "VectorStateResult",
    "VectorStateSketch",
]
