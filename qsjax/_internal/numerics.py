"""_internal/numerics."""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jaxtyping import Array, Complex, Float

# ----------------------------------------------------------------------------- stable complex helpers


def stable_expm1i(a: Float[Array, "..."]) -> Complex[Array, "..."]:
    """``exp(i a) - 1`` without cancellation for tiny ``a`` (the per-sample angle can be 1e-9)."""
    a = jnp.asarray(a)
    s = jnp.sin(0.5 * a)
    return jax.lax.complex(-2.0 * s * s, jnp.sin(a))


def stable_log1p(z: Complex[Array, "..."]) -> Complex[Array, "..."]:
    """``log(1 + z)`` for complex ``z`` accurate when ``|z|`` is tiny."""
    x, y = jnp.real(z), jnp.imag(z)
    re = 0.5 * jnp.log1p(2.0 * x + x * x + y * y)
    im = jnp.arctan2(y, 1.0 + x)
    return jax.lax.complex(re, im)


def power_m(z: Complex[Array, "..."], m) -> Complex[Array, "..."]:
    """``(1 + z)**m`` as ``exp(m log1p(z))``: stable for tiny ``z`` and huge ``m``."""
    lz = stable_log1p(z)
    return jnp.exp(jnp.asarray(m, jnp.real(lz).dtype) * lz)
