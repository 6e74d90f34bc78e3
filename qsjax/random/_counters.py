"""Counter-based random bits and IID index streams: sample ``l`` of a stream reads
``threefry(key, counter=l)``, so a stream is the same however it is chunked; also how a stream of
``m`` samples is cut into chunks (:func:`stream_plan`)."""

from __future__ import annotations

import jax
import jax.extend.random as jer
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, Integer, UInt32

from .._internal.validate import positive_int

_MASK16 = 0xFFFF

DEFAULT_CHUNK = 1 << 16
"""Default chunk length of explicit streams (``sampled`` mode, ``chunks()``); it never changes the
result."""


def stream_plan(m: int, chunk_size) -> tuple[int, int, int]:
    """``(chunk, n_chunks, last)`` for walking ``m`` samples in chunks of at most ``chunk_size``:
    ``n_chunks - 1`` full chunks of ``chunk`` samples, then ``last`` (``1 <= last <= chunk``).

    A short stream takes one chunk of the next power of two (lanes past ``m`` are masked), so the
    compiled ingest is shared by all ``m`` of one size class instead of recompiled for every ``m``.
    ``m`` must be a concrete positive integer (validate it first); ``chunk_size`` a positive integer.
    """
    chunk = min(positive_int(chunk_size, "chunk_size"), 1 << (m - 1).bit_length())
    n_chunks = -(-m // chunk)
    if n_chunks > np.iinfo(np.int32).max:
        raise ValueError(
            f"m={m} samples in chunks of {chunk} make {n_chunks} chunks, more than the loop counter "
            f"allows (2**31 - 1); pass a larger chunk_size"
        )
    return chunk, n_chunks, m - (n_chunks - 1) * chunk


def mul_wide(a: UInt32[Array, "..."], b: UInt32[Array, "..."]) -> tuple[Array, Array]:
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
    hi, lo = mul_wide(jnp.asarray(start_block, jnp.uint32), jnp.asarray(block, jnp.uint32))
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
    h1, l1 = mul_wide(w1, nn)
    h0, _ = mul_wide(w0, nn)
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
    return jnp.minimum(idx.astype(jnp.int32), jnp.asarray(last).astype(jnp.int32))


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


# ----------------------------------------------------------------------------- threefry, unrolled

_TF_ROT = ((13, 15, 26, 6), (17, 29, 16, 24))


def _rotl(x: Array, r: int) -> Array:
    return (x << jnp.uint32(r)) | (x >> jnp.uint32(32 - r))


def threefry(k0: Array, k1: Array, x0: Array, x1: Array) -> tuple[Array, Array]:
    """threefry-2x32 (20 rounds), bit-identical to ``counter_bits``, as plain elementwise ops.

    jax's CPU lowering of the primitive is a rolled loop that XLA cannot fuse with its consumer;
    this unrolled form fuses, about twice as fast.
    """
    ks = (k0, k1, k0 ^ k1 ^ jnp.uint32(0x1BD11BDA))
    x0 = x0 + ks[0]
    x1 = x1 + ks[1]
    for i in range(5):
        for r in _TF_ROT[i % 2]:
            x0 = x0 + x1
            x1 = _rotl(x1, r) ^ x0
        x0 = x0 + ks[(i + 1) % 3]
        x1 = x1 + ks[(i + 2) % 3] + jnp.uint32(i + 1)
    return x0, x1


def key_words(key: Array) -> tuple[Array, Array]:
    kd = jax.random.key_data(key) if jnp.issubdtype(key.dtype, jax.dtypes.prng_key) else key
    kd = jnp.asarray(kd, jnp.uint32)
    return kd[0], kd[1]


# ----------------------------------------------------------------------------- fast explicit streams
#
# The same samples as ``sample_indices`` (bit for bit: tests and users compare the two), produced
# faster: threefry unrolled, a shift for power-of-two uniform ranges, and for non-uniform ``p`` a
# guide table that narrows the CDF search to a bucket, instead of a full binary search.


def stream_bits(kw, start_block, block: int, size: int) -> tuple[Array, Array]:
    """``counter_bits(key, *stream_counters(start_block, block, size))``, unrolled."""
    lo, hi = stream_counters(start_block, block, size)
    return threefry(kw[0], kw[1], lo, hi)


def _uniform_index_fast(n: int):
    """A function ``(w0, w1) -> uniform_index(w0, w1, n)`` (identical values), cheaper when it can."""
    if n == 1:
        return lambda w0, w1: jnp.zeros(w0.shape, jnp.int32)
    if n & (n - 1) == 0 and n <= 2**31:
        # floor((w1 2**32 + w0) 2**k / 2**64) = w1 >> (32 - k): the low word never carries.
        shift = 32 - (n.bit_length() - 1)
        return lambda w0, w1: (w1 >> jnp.uint32(shift)).astype(jnp.int32)
    if jax.config.read("jax_enable_x64"):
        nn = jnp.uint64(n)

        def wide(w0, w1):
            t = (w0.astype(jnp.uint64) * nn) >> jnp.uint64(32)
            return ((w1.astype(jnp.uint64) * nn + t) >> jnp.uint64(32)).astype(jnp.int32)

        return wide
    return lambda w0, w1: uniform_index(w0, w1, n)


def _cdf_index_sampler(probs: Float[Array, " N"]):
    """A function ``(w0, w1) -> idx`` equal to ``sample_indices``'s inverse-CDF draw, bit for bit.

    ``idx`` is ``#{j : cdf[j] <= x}`` (capped at the last cell of non-zero probability) for
    ``x = u * total``. A guide table over ``G`` equal buckets ``b_g = (g / G) * total`` holds
    ``#{j : cdf[j] <= b_g}``; since ``u`` and ``g / G`` are dyadic and rounding is monotone,
    ``b_g <= x <= b_{g+1}`` for ``g = floor(u G)``, so a binary search over that bucket's cells
    alone gives the same answer: a step or two for a spread-out ``p`` instead of ``log2 N``.
    """
    dtype = probs.dtype
    big_n = probs.shape[0]
    cdf = jnp.cumsum(probs)
    total = cdf[-1]
    last = (big_n - 1) - jnp.argmax(probs[::-1] > 0)
    k = min(max((big_n - 1).bit_length(), 0), 22)
    g_count = 1 << k
    scale = jnp.asarray(2.0**-k, dtype)

    def bound(g):
        return (g.astype(dtype) * scale) * total

    # bucket of each cell: the smallest g with b_g >= cdf[j] (estimate, then exact corrections)
    t = jnp.clip(jnp.ceil(cdf / total * g_count), 0, g_count).astype(jnp.int32)
    for _ in range(2):
        t = jnp.where((t < g_count) & (bound(t) < cdf), t + 1, t)
        t = jnp.where((t > 0) & (bound(t - 1) >= cdf), t - 1, t)
    guide = jnp.cumsum(jnp.zeros((g_count + 1,), jnp.int32).at[t].add(1))  # #{j: t_j <= g}
    width = jnp.max(guide[1:] - guide[:-1])
    steps = jnp.ceil(jnp.log2(width.astype(jnp.float32) + 1.0)).astype(jnp.int32)

    # A float cumsum of tiny probabilities can step down by an ulp; binary searches over different
    # intervals may then disagree, so such a ``cdf`` takes the reference search itself.
    monotone = jnp.all(cdf[1:] >= cdf[:-1])

    def guided(u):
        x = u * total
        g = jnp.floor(u * g_count).astype(jnp.int32)
        lo, hi = guide[g], guide[g + 1]

        def step(_, state):
            lo, hi = state
            mid = (lo + hi) // 2
            right = (lo < hi) & (cdf[jnp.minimum(mid, big_n - 1)] <= x)
            return jnp.where(right, mid + 1, lo), jnp.where(right | (lo >= hi), hi, mid)

        lo, _ = jax.lax.fori_loop(0, steps, step, (lo, hi))
        return jnp.minimum(lo.astype(jnp.int32), jnp.asarray(last).astype(jnp.int32))

    def sample(w0, w1):
        u = uniform_float(w0, w1, dtype)
        return jax.lax.cond(monotone, guided, lambda u: inverse_cdf_index(u, cdf, last), u)

    return sample


def index_sampler(probs: Float[Array, " N"] | None, n: int):
    """``(w0, w1) -> indices``, the same draws as :func:`sample_indices` (uniform when ``probs`` is
    None)."""
    return _uniform_index_fast(n) if probs is None else _cdf_index_sampler(probs)
