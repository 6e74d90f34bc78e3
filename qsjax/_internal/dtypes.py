"""_internal/dtypes."""

from __future__ import annotations

import jax.numpy as jnp


def complex_dtype(*arrays) -> jnp.dtype:
    """complex64 for single-precision inputs, complex128 for double (honours the caller's x64)."""
    return jnp.result_type(*arrays, jnp.complex64)


def cdtype(x) -> jnp.dtype:
    return jnp.result_type(x, jnp.complex64)


# ----------------------------------------------------------------------------------------------
# Public evaluation of the QSP product
# ----------------------------------------------------------------------------------------------


def real_dtype_of(x) -> jnp.dtype:
    x = jnp.asarray(x)
    if jnp.issubdtype(x.dtype, jnp.complexfloating):
        return jnp.finfo(x.dtype).dtype
    if jnp.issubdtype(x.dtype, jnp.floating):
        return x.dtype
    return jnp.result_type(float)


def complex_of(real_dtype) -> jnp.dtype:
    return jnp.result_type(real_dtype, jnp.complex64)
