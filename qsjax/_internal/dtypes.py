"""The dtype rules of the library: work follows the inputs (complex64 / float32 by default,
complex128 / float64 when the caller has x64 on); nothing here reads or changes global config."""

from __future__ import annotations

import jax.numpy as jnp


def complex_dtype(*arrays) -> jnp.dtype:
    """The complex dtype to compute ``arrays`` in: ``result_type(*arrays, complex64)``.

    Arrays, scalars and dtypes are accepted alike: single-precision (or integer, bool) inputs give
    complex64, a double-precision input gives complex128 (which needs the caller's x64).
    """
    double = any(_is_double(a) for a in arrays)
    return jnp.dtype(jnp.complex128 if double else jnp.complex64)


def _is_double(x) -> bool:
    """Whether ``x`` (array, scalar or dtype) is double precision (float64 / complex128).

    Read from the dtype itself rather than by promotion, so the rule holds under
    ``jax.numpy_dtype_promotion("strict")``; Python scalars are weak and never force double."""
    if isinstance(x, bool | int | float | complex):
        return False
    if hasattr(x, "dtype"):
        dt = jnp.dtype(x.dtype)
    else:
        try:
            dt = jnp.dtype(x)
        except TypeError:
            dt = jnp.asarray(x).dtype
    return dt in (jnp.dtype("float64"), jnp.dtype("complex128"))


def real_dtype(x) -> jnp.dtype:
    """The real floating dtype matching ``x``: its own for a real float, the component dtype for a
    complex one (complex64 -> float32), the default float for integer and bool inputs."""
    x = jnp.asarray(x)
    if jnp.issubdtype(x.dtype, jnp.complexfloating):
        return jnp.finfo(x.dtype).dtype
    if jnp.issubdtype(x.dtype, jnp.floating):
        return x.dtype
    return jnp.result_type(float)
