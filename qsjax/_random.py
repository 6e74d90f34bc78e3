"""Counter-based sampling and exact multinomial counts.

Two properties drive this module:

* **Chunk invariance.** Sample number ``l`` of a stream draws its random bits from
  ``threefry(key, counter=l)``, so the same key gives the same samples whatever chunk size is used
  to walk the stream (and whichever device walks which chunk). ``l`` may exceed ``2**32``: the
  counter is the 64-bit pair ``(lo, hi)`` computed with 32-bit arithmetic, so this works without x64.
* **Exact counts in O(N).** ``Multinomial(M, p)`` is drawn by binary splitting: the count of each
  node of a binary tree over the ``N`` cells is split between its children with one binomial draw,
  level by level, ``N - 1`` binomials in all, independent of ``M``.
"""

from __future__ import annotations

import jax
import jax.extend.random as jer
import jax.numpy as jnp
from jaxtyping import Array, Float, Integer, UInt32

_MASK16 = 0xFFFF


def _mul_wide(a: UInt32[Array, "..."], b: UInt32[Array, "..."]) -> tuple[Array, Array]:
    """Full 64-bit product of two uint32 arrays as ``(hi, lo)`` words, with 32-bit arithmetic."""
    a = a.astype(jnp.uint32)
    b = b.astype(jnp.uint32)
    a_lo, a_hi = a & _MASK16, a >> 16
    b_lo, b_hi = b & _MASK16, b >> 16
    ll = a_lo * b_lo
    lh = a_lo * b_hi
    hl = a_hi * b_lo
    hh = a_hi * b_hi
    mid = (ll >> 16) + (lh & _MASK16) + (hl & _MASK16)
    hi = hh + (lh >> 16) + (hl >> 16) + (mid >> 16)
    lo = (mid << 16) | (ll & _MASK16)
    return hi, lo


def stream_counters(
    start_block: Integer[Array, ""], block: int, size: int
) -> tuple[UInt32[Array, " size"], UInt32[Array, " size"]]:
    """64-bit counters ``start_block * block + i`` for ``i < size`` as ``(lo, hi)`` uint32 words."""
    hi, lo = _mul_wide(jnp.asarray(start_block, jnp.uint32), jnp.asarray(block, jnp.uint32))
    i = jnp.arange(size, dtype=jnp.uint32)
    lo_i = lo + i
    carry = (lo_i < lo).astype(jnp.uint32)
    return lo_i, hi + carry


def counter_bits(key: Array, lo: Array, hi: Array) -> tuple[UInt32[Array, "..."], UInt32[Array, "..."]]:
    """64 random bits per counter ``(lo, hi)``: two uint32 words from threefry-2x32."""
    kd = jax.random.key_data(key) if jnp.issubdtype(key.dtype, jax.dtypes.prng_key) else key
    kd = jnp.asarray(kd, jnp.uint32)
    w0, w1 = jer.threefry2x32_p.bind(kd[0], kd[1], lo, hi)
    return w0, w1


def uniform_index(w0: Array, w1: Array, n: int) -> Integer[Array, "..."]:
    """Uniform integer in ``[0, n)`` from 64 random bits: ``floor(w * n / 2**64)`` (bias < n/2**64)."""
    nn = jnp.asarray(n, jnp.uint32)
    h1, l1 = _mul_wide(w1, nn)
    h0, _ = _mul_wide(w0, nn)
    s = l1 + h0
    carry = (s < l1).astype(jnp.uint32)
    return (h1 + carry).astype(jnp.int32)


def uniform_float(w0: Array, w1: Array, dtype) -> Float[Array, "..."]:
    """Uniform float in ``[0, 1)`` at the full precision of ``dtype``."""
    dtype = jnp.dtype(dtype)
    if dtype == jnp.float64:
        hi = (w1 >> 6).astype(jnp.float64)  # 26 bits
        lo = (w0 >> 5).astype(jnp.float64)  # 27 bits
        return (hi * 2.0**27 + lo) * 2.0**-53
    return (w1 >> 8).astype(dtype) * jnp.asarray(2.0**-24, dtype)


def inverse_cdf_index(u: Array, cdf: Array, last: Array) -> Integer[Array, "..."]:
    """Index ``j`` with ``cdf[j-1] <= u*total < cdf[j]``, never an index of zero probability."""
    idx = jnp.searchsorted(cdf, u * cdf[-1], side="right")
    return jnp.minimum(idx, last).astype(jnp.int32)


def sample_indices(
    key: Array,
    probs: Float[Array, " N"] | None,
    n: int,
    start_block: Integer[Array, ""],
    block: int,
    size: int,
) -> Integer[Array, " size"]:
    """Indices of samples ``start_block*block .. +size`` of an IID stream over ``[n]``.

    ``probs=None`` means uniform (exact integer method); otherwise inverse-CDF sampling.
    """
    lo, hi = stream_counters(start_block, block, size)
    w0, w1 = counter_bits(key, lo, hi)
    if probs is None:
        return uniform_index(w0, w1, n)
    cdf = jnp.cumsum(probs)
    last = (probs.shape[0] - 1) - jnp.argmax(probs[::-1] > 0)
    return inverse_cdf_index(uniform_float(w0, w1, probs.dtype), cdf, last)


# ----------------------------------------------------------------------------- multinomial


def _binomial(key: Array, n: Array, p: Array) -> Array:
    """Exact Binomial(n, p) draws with float-valued n (integer-valued up to 2**53 in float64)."""
    p = jnp.clip(p, 0.0, 1.0)
    return jax.random.binomial(key, n, p, dtype=n.dtype)


def multinomial_counts(key: Array, m, probs: Float[Array, " N"]) -> Float[Array, " N"]:
    """One draw of ``Multinomial(m, probs)`` by binary splitting, as float integer values.

    ``probs`` must be non-negative and sum to 1 (not re-checked here). The result has the float
    dtype of ``probs``: exact integers up to ``2**53`` in float64 (x64), ``2**24`` in float32.
    Cost: ``N - 1`` binomial draws in ``ceil(log2 N)`` vectorised levels, independent of ``m``.
    """
    probs = jnp.asarray(probs)
    dtype = probs.dtype
    big_n = probs.shape[0]
    levels = max(1, (big_n - 1).bit_length())
    width = 1 << levels
    leaf = jnp.zeros((width,), dtype).at[:big_n].set(probs)
    pyramid = [leaf]
    while pyramid[-1].shape[0] > 1:
        s = pyramid[-1]
        pyramid.append(s[0::2] + s[1::2])
    counts = jnp.reshape(jnp.asarray(m, dtype), (1,))
    for ell in range(1, levels + 1):
        parent = pyramid[levels - ell + 1]
        left = pyramid[levels - ell][0::2]
        ratio = jnp.where(parent > 0, left / jnp.where(parent > 0, parent, 1), 0)
        n_left = _binomial(jax.random.fold_in(key, ell), counts, ratio)
        counts = jnp.stack([n_left, counts - n_left], axis=-1).reshape(-1)
    return counts[:big_n]
