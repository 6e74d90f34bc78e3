"""The QSP phases of the arcsin polynomial used by the vector state sketch, found once per degree in
float64 and cached."""

from __future__ import annotations

import functools

import jax
import numpy as np

from .._internal.validate import positive_int
from ._phases import find_phases
from ._poly import arcsin_polynomial


def arcsin_phases(degree: int) -> np.ndarray:
    """Wx-convention symmetric QSP phases for the odd polynomial ≈ arcsin(x)/arcsin(1), float64.

    Phase finding is deterministic and always runs eagerly in float64 (also when called while
    ``jax.jit`` traces), so the result is the same whatever ran before; it is cached per degree (a
    fresh copy is returned).
    """
    degree = positive_int(degree, "degree")
    if degree % 2 == 0:
        raise ValueError(f"degree must be odd (arcsin is odd), got {degree}")
    return _arcsin_phases_cached(degree).copy()


@functools.cache
def _arcsin_phases_cached(degree: int) -> np.ndarray:

    with jax.ensure_compile_time_eval(), jax.enable_x64(True):
        return np.asarray(find_phases(arcsin_polynomial(degree)), dtype=np.float64)
