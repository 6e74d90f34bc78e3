"""The dtype rules of the library: work follows the inputs (complex64 / float32 by default,
complex128 / float64 when the caller has x64 on); nothing here reads or changes global config."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

_DOUBLE = (jnp.dtype("float64"), jnp.dtype("complex128"))


def complex_dtype(*arrays) -> jnp.dtype:
    """The complex dtype to compute ``arrays`` in: ``result_type(*arrays, complex64)``.

    Arrays, scalars and dtypes are accepted alike: single-precision, integer and bool inputs give
    complex64, a double-precision input (float64, complex128) gives complex128 — JAX's own
    promotion with complex64 (integers never widen a complex type), after canonicalising (without
    x64 a numpy float64 array counts as single, as JAX would store it).
    """
    double = any(_is_double(a) for a in arrays)
    return jnp.dtype(jnp.complex128 if double else jnp.complex64)


def _is_double(x) -> bool:
    """Whether ``x`` (array, scalar or dtype) promotes complex64 to complex128 (float64, complex128).

    Read from the dtype itself rather than by promotion, so the rule holds under
    ``jax.numpy_dtype_promotion("strict")``; Python scalars are weak and never force double."""
    if isinstance(x, bool | int | float | complex | np.generic):  # weak, as JAX treats them
        return False
    if hasattr(x, "dtype") and not isinstance(x, type):
        dt = jnp.dtype(x.dtype)
    else:
        try:
            dt = jnp.dtype(x)
        except TypeError:
            dt = jnp.asarray(x).dtype
    return jax.dtypes.canonicalize_dtype(dt) in _DOUBLE


def real_dtype(x) -> jnp.dtype:
    """The real floating dtype matching ``x``: its own for a real float, the component dtype for a
    complex one (complex64 -> float32), the default float for integer and bool inputs."""
    x = jnp.asarray(x)
    if jnp.issubdtype(x.dtype, jnp.complexfloating):
        return jnp.finfo(x.dtype).dtype
    if jnp.issubdtype(x.dtype, jnp.floating):
        return x.dtype
    return jnp.result_type(float)
