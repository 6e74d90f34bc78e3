"""Sign families for the vector state sketch: independent random signs and seeded ``k``-wise
independent signs (a degree ``k - 1`` polynomial over ``GF(2**31 - 1)``)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

from .._internal.validate import check_key, positive_int
from ._counters import mul_wide

_MERSENNE31 = (1 << 31) - 1


# ----------------------------------------------------------------------------- signs


def random_signs(key: Array, dim: int, dtype=None) -> Float[Array, " N"]:
    """Independent uniformly random signs ``±1`` (the default)."""
    key = check_key(key)
    dim = positive_int(dim, "dim")
    dtype = dtype or jnp.result_type(float)
    return jnp.where(jax.random.bernoulli(key, 0.5, (dim,)), 1.0, -1.0).astype(dtype)


def _mod_mersenne(hi: Array, lo: Array) -> Array:
    """``(hi * 2**32 + lo) mod (2**31 - 1)`` for a 62-bit value, in uint32 arithmetic."""
    p = jnp.uint32(_MERSENNE31)
    x = (lo & p) + ((lo >> 31) | (hi << 1))
    x = (x & p) + (x >> 31)
    return jnp.where(x >= p, x - p, x)


def kwise_signs(key: Array, dim: int, k: int = 4, dtype=None) -> Float[Array, " N"]:
    """Signs ``(-1)^{h(j)}`` from a seeded ``k``-wise independent family.

    ``h(j)`` is the parity of a uniformly random polynomial of degree ``k-1`` over the prime field
    ``GF(2**31 - 1)`` evaluated at ``j``: any ``k`` values are independent and each is unbiased up
    to ``2**-31``. Only ``k`` random field elements are drawn (the paper's ``2k``-wise family needs a
    seed of ``O(k log N)`` bits, not ``N`` bits).
    """
    key = check_key(key)
    dim = positive_int(dim, "dim")
    k = positive_int(k, "k")
    dtype = dtype or jnp.result_type(float)
    coeffs = jax.random.randint(key, (k,), 0, _MERSENNE31, dtype=jnp.int32).astype(jnp.uint32)
    j = jnp.arange(dim, dtype=jnp.uint32) % jnp.uint32(_MERSENNE31)
    acc = jnp.zeros((dim,), jnp.uint32)
    for c in range(k):  # Horner: acc = acc * j + a_c  (mod p); k is small and static
        hi, lo = mul_wide(acc, j)
        acc = _mod_mersenne(hi, lo) + coeffs[c]
        acc = jnp.where(acc >= _MERSENNE31, acc - _MERSENNE31, acc)
    return jnp.where((acc & 1) == 0, 1.0, -1.0).astype(dtype)
