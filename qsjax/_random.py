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

import math

import jax
import jax.extend.random as jer
import jax.numpy as jnp
import numpy as np
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
#
# Exact binomial draws, vectorised. Every lane is one independent Binomial(n, p) draw (p <= 1/2 after
# the symmetry n - Binomial(n, 1 - p)); lanes are sorted into four exact methods:
#
# * trivial       n == 0 or p == 0;
# * popcount      p == 1/2 exactly and n <= 64: the number of ones among n fair random bits;
# * BTRS          n p >= 10: Hormann's (1993) transformed rejection with squeeze. One attempt costs one
#                 threefry block for U (53 bits in float64) and half a block for V, about 12 % of
#                 attempts are rejected. The acceptance test uses log f(k)/f(m) written with log1p
#                 around the mode m and a Stirling-series remainder, so it stays accurate to ~1e-10
#                 even for n ~ 1e12 (differences of lgamma(1e12) would lose ~1e-3);
# * inversion     n p < 10 otherwise: sequential search of the CDF from k = 0 (expected n p + 1 steps).
#
# Rejection on a SIMD machine: the first attempt runs over all lanes; the rejected lanes (~12 %) are
# then *compacted* row by row (rows of 128 lanes, each keeps up to `keep` pending lanes, found with
# popcount bit tricks: no global prefix sum, which XLA:CPU does slowly) and retried on the smaller
# array, recursively, until every lane is accepted. Every attempt of a lane reads fresh counter-based
# bits: the counter is (lane, level/depth/attempt), so the result is a pure function of the key.
# In float64 the logarithms are a vectorisable series (XLA:CPU's float64 log is scalar libm).

_TF_ROT = ((13, 15, 26, 6), (17, 29, 16, 24))
_BTRS_MIN_MEAN = 10.0  # BTRS is valid for n * min(p, 1 - p) >= 10 (Hormann 1993)
_SMALL = 4096  # at or below this many lanes, rejected lanes are retried in place (no compaction)
_ROW = 128  # lanes per compaction row (four 32-bit mask words)
_KEEP_FIRST = 32  # pending lanes kept per row after the first attempt (~12 % expected -> 15 per row)
_KEEP = 16  # ... and at deeper stages (expected ~6 % of a compacted stage)
_MAX_DEPTH = 8
_INV_STEPS = 4  # inversion steps per while-loop iteration


def _rotl(x: Array, r: int) -> Array:
    return (x << jnp.uint32(r)) | (x >> jnp.uint32(32 - r))


def _threefry(k0: Array, k1: Array, x0: Array, x1: Array) -> tuple[Array, Array]:
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


def _key_words(key: Array) -> tuple[Array, Array]:
    kd = jax.random.key_data(key) if jnp.issubdtype(key.dtype, jax.dtypes.prng_key) else key
    kd = jnp.asarray(kd, jnp.uint32)
    return kd[0], kd[1]


def _counter_hi(level, attempt, stream: int) -> Array:
    """High counter word: 6 bits of tree level, 24 bits of attempt number, 2 bits of stream."""
    lvl = jnp.asarray(level).astype(jnp.uint32) & jnp.uint32(63)
    att = jnp.asarray(attempt).astype(jnp.uint32) & jnp.uint32(0xFFFFFF)
    return (lvl << 26) | (att << 2) | jnp.uint32(stream)


def _attempt_uniforms(kw, lane: Array, hi: Array, dtype) -> tuple[Array, Array, Array, Array]:
    """``(U - 1/2, V, w0, w1)`` for one attempt of every lane; ``(w0, w1)`` are U's raw bits.

    float64: U has 53 bits and V 32 bits; two lanes share the threefry block that feeds V (the pair
    is named by its smaller lane id, unique within a stage, so no block is ever reused).
    float32: one block per lane, 24 bits each.
    """
    w0, w1 = _threefry(kw[0], kw[1], lane, hi)
    if jnp.dtype(dtype) == jnp.float64:
        u = uniform_float(w0, w1, jnp.float64)
        size = lane.shape[0]
        if size % 2 == 0:
            pair = lane.reshape(-1, 2)
            b0, b1 = _threefry(kw[0], kw[1], jnp.minimum(pair[:, 0], pair[:, 1]), hi | jnp.uint32(1))
            vbits = jnp.stack([b0, b1], axis=-1).reshape(size)
        else:
            vbits, _ = _threefry(kw[0], kw[1], lane, hi | jnp.uint32(1))
        v = vbits.astype(jnp.float64) * 2.0**-32
    else:
        u = (w0 >> 8).astype(dtype) * jnp.asarray(2.0**-24, dtype)
        v = (w1 >> 8).astype(dtype) * jnp.asarray(2.0**-24, dtype)
    return u - jnp.asarray(0.5, dtype), v, w0, w1


_LN2 = math.log(2.0)
_SQRT2 = math.sqrt(2.0)


def _log(y: Array) -> Array:
    """Natural log. In float64 a vectorisable exponent split + atanh series (XLA:CPU computes the
    float64 log ~3x slower, scalar libm); relative error < 5e-16 for positive normal inputs."""
    if y.dtype != jnp.float64:
        return jnp.log(y)
    b = jax.lax.bitcast_convert_type(y, jnp.int64)
    e = (b >> 52) - 1023
    f = jax.lax.bitcast_convert_type((b & 0x000FFFFFFFFFFFFF) | 0x3FF0000000000000, jnp.float64)
    big = f > _SQRT2
    f = jnp.where(big, 0.5 * f, f)  # now f in [sqrt(1/2), sqrt(2)], and f - 1 is exact
    e = jnp.where(big, e + 1, e)
    s = (f - 1.0) / (f + 1.0)  # |s| <= 0.172: 11 odd terms of 2 atanh(s) reach 1e-18
    s2 = s * s
    acc = jnp.full_like(s, 1.0 / 23.0)
    for j in range(10, -1, -1):
        acc = acc * s2 + 1.0 / (2 * j + 1)
    r = e.astype(jnp.float64) * _LN2 + 2.0 * s * acc
    r = jnp.where(y == jnp.inf, jnp.inf, r)
    return jnp.where(y > 0, r, jnp.where(y == 0, -jnp.inf, jnp.nan))


def _log1p(x: Array) -> Array:
    """``log(1 + x)`` accurate for tiny ``x`` (Goldberg's ``log(u) * x / (u - 1)``, ``u = 1 + x``)."""
    if x.dtype != jnp.float64:
        return jnp.log1p(x)
    u = 1.0 + x
    d = u - 1.0
    return jnp.where(d == 0, x, _log(u) * (x / jnp.where(d == 0, 1.0, d)))


_STIRLING_SMALL = tuple(
    math.lgamma(y) - ((y - 0.5) * math.log(y) - y + 0.5 * math.log(2 * math.pi)) for y in (1, 2, 3, 4)
)


def _stirling_corr(y: Array) -> Array:
    """``lgamma(y) - ((y - 1/2) log y - y + log(2 pi)/2)`` for integer-valued ``y >= 1``.

    Seven-term Stirling series for ``y >= 5`` (truncation error < 1e-12), exact table below.
    """
    r = 1.0 / jnp.maximum(y, 1.0)
    r2 = r * r
    ser = r * (1 / 12 - r2 * (1 / 360 - r2 * (1 / 1260 - r2 * (1 / 1680 - r2 * (
        1 / 1188 - r2 * (691 / 360360 - r2 / 156))))))
    out = ser
    for yy, c in zip((4, 3, 2, 1), _STIRLING_SMALL[::-1], strict=True):
        out = jnp.where(y == yy, jnp.asarray(c, y.dtype), out)
    return out


def _btrs(u: Array, v: Array, n: Array, p: Array) -> tuple[Array, Array]:
    """One BTRS attempt per lane (``p <= 1/2``, ``n p >= 10``): ``(k, accepted)``."""
    q = 1.0 - p
    spq = jnp.sqrt(n * p * q)
    b = 1.15 + 2.53 * spq
    a = -0.0873 + 0.0248 * b + 0.01 * p
    alpha = (2.83 + 5.1 / b) * spq
    vr = 0.92 - 4.2 / b
    m = jnp.floor((n + 1.0) * p)  # the mode
    us = 0.5 - jnp.abs(u)
    # k - m, computed around the mode so that no O(n) rounding enters the proposal's cell edges.
    d = jnp.floor((2.0 * a / us + b) * u + ((n * p - m) + 0.5))
    inrange = (d >= -m) & (d <= n - m)
    squeeze = (us >= 0.07) & (v <= vr)
    d = jnp.clip(d, -m, n - m)
    k = m + d
    lhs = _log(v * alpha / (a / (us * us) + b))
    # log f(k) - log f(m) for the binomial pmf f, cancellation-free.
    rhs = (
        d * _log(((n - m + 1.0) * p) / ((m + 1.0) * q))
        - (k + 0.5) * _log1p(d / (m + 1.0))
        - (n - k + 0.5) * _log1p(-d / (n - m + 1.0))
        + (_stirling_corr(m + 1.0) + _stirling_corr(n - m + 1.0))
        - (_stirling_corr(k + 1.0) + _stirling_corr(n - k + 1.0))
    )
    return k, inrange & (squeeze | (lhs <= rhs))


def _popcount_binomial(w0: Array, w1: Array, n: Array) -> Array:
    """Binomial(n, 1/2) for ``n <= 64``: ones among the low ``n`` of 64 random bits."""
    nn = jnp.clip(n, 0, 64).astype(jnp.uint32)
    n0 = jnp.minimum(nn, jnp.uint32(32))
    n1 = nn - n0

    def low(w, nb):
        mask = jnp.where(nb >= 32, jnp.uint32(0xFFFFFFFF), (jnp.uint32(1) << jnp.minimum(nb, 31)) - 1)
        return jax.lax.population_count(w & mask)

    return (low(w0, n0) + low(w1, n1)).astype(n.dtype)


def _inversion(kw, level: int, lane: Array, n: Array, p: Array, active: Array) -> Array:
    """Binomial(n, p) by CDF search from 0 on the ``active`` lanes (``p <= 1/2``, small ``n p``)."""
    dtype = n.dtype
    w0, w1 = _threefry(kw[0], kw[1], lane, _counter_hi(level, 0, 2))
    u0 = uniform_float(w0, w1, dtype)
    q = 1.0 - p
    f0 = jnp.exp(n * jnp.log1p(-p))
    r = p / q

    def body(state):
        k, f, u, done = state
        for _ in range(_INV_STEPS):
            # f == 0: the search ran past what rounding can represent (probability ~1e-16): stop.
            stop = done | (u < f) | (k >= n) | (f <= 0)
            u = jnp.where(stop, u, u - f)
            k1 = k + 1.0
            f = jnp.where(stop, f, f * r * ((n - k) / k1))
            k = jnp.where(stop, k, k1)
            done = stop
        return k, f, u, done

    init = (jnp.zeros_like(n), f0, u0, ~active)
    k, _, _, _ = jax.lax.while_loop(lambda s: jnp.any(~s[3]), body, init)
    return k


def _btrs_loop(kw, level, lane, n, p, k, done, depth, first, until):
    """Attempts over the whole array (do-while when ``first``) while more than ``until`` lanes pend.

    Attempt ``it`` of a stage at ``depth`` reads counter ``(depth << 16) + it``: a lane visits each
    depth at most once, so no lane ever reuses a counter.
    """

    def cond(state):
        pending = ~state[1]
        if until == 0:
            busy = jnp.any(pending)
        else:
            busy = jnp.sum(pending, dtype=jnp.int32) > until
        return busy | (state[2] == first_it)

    def body(state):
        k, done, it, nn, pp = state
        u, v, _, _ = _attempt_uniforms(kw, lane, _counter_hi(level, (depth << 16) + it, 0), n.dtype)
        kb, acc = _btrs(u, v, nn, pp)
        # (n, p) ride in the loop state behind a barrier: otherwise XLA hoists the per-lane BTRS
        # constants out of the loop, splitting the one fused attempt into a dozen temporaries.
        nn, pp = jax.lax.optimization_barrier((nn, pp))
        return jnp.where(done, k, kb), done | acc, it + 1, nn, pp

    # The first attempt of a stage is attempt 0; a stage entered with results already (depth 0,
    # from the fused first pass) continues at attempt 1.
    first_it = 0 if first else -1
    init = (k, done, jnp.int32(0 if first else 1), n, p)
    k, done, _, _, _ = jax.lax.while_loop(cond, body, init)
    return k, done


def _row_select(pending: Array, keep: int) -> tuple[Array, Array]:
    """Positions of up to ``keep`` pending lanes per row of ``_ROW`` lanes, shape (rows * keep,)
    (``size`` where a row has fewer), and the rows' pending bit masks (rows, _ROW // 32).

    Loop-free: slot ``t`` of a row holds the lane of the row's ``t``-th set mask bit, found by a
    binary search over prefix popcounts (a global prefix sum is slow in XLA:CPU).
    """
    size = pending.shape[0]
    rows, words = size // _ROW, _ROW // 32
    shifts = jnp.arange(32, dtype=jnp.uint32)
    bits = jnp.sum(pending.reshape(rows, words, 32).astype(jnp.uint32) << shifts, axis=-1,
                   dtype=jnp.uint32)
    pc = jax.lax.population_count(bits).astype(jnp.int32)
    t = jnp.broadcast_to(jnp.arange(keep, dtype=jnp.int32)[None, :], (rows, keep))
    widx = jnp.zeros((rows, keep), jnp.int32)
    word = jnp.broadcast_to(bits[:, :1], (rows, keep))
    before = jnp.zeros((rows, keep), jnp.int32)
    acc = jnp.zeros((rows, 1), jnp.int32)
    for i in range(1, words):
        acc = acc + pc[:, i - 1 : i]
        later = t >= acc
        widx = jnp.where(later, i, widx)
        word = jnp.where(later, bits[:, i : i + 1], word)
        before = jnp.where(later, acc, before)
    total = acc + pc[:, words - 1 :]
    r = t - before  # rank of the wanted bit inside its word
    pos = jnp.zeros((rows, keep), jnp.uint32)
    for s in (16, 8, 4, 2, 1):
        low = jax.lax.population_count((word >> pos) & jnp.uint32((1 << s) - 1)).astype(jnp.int32)
        up = r >= low
        r = jnp.where(up, r - low, r)
        pos = jnp.where(up, pos + jnp.uint32(s), pos)
    lane = jnp.arange(rows, dtype=jnp.int32)[:, None] * _ROW + widx * 32 + pos.astype(jnp.int32)
    return jnp.where(t < total, lane, size).reshape(rows * keep), bits


def _row_merge(k, done, pending, bits, keep, sub_k):
    """Write back the results of the lanes chosen by :func:`_row_select` (a gather, no scatter);
    lanes beyond their row's quota stay pending."""
    size = k.shape[0]
    rows, words = bits.shape
    pc = jax.lax.population_count(bits).astype(jnp.int32)
    before = jnp.concatenate([jnp.zeros((rows, 1), jnp.int32), jnp.cumsum(pc, axis=1)[:, :-1]], axis=1)
    below = (jnp.uint32(1) << jnp.arange(32, dtype=jnp.uint32)) - jnp.uint32(1)
    rank = before[:, :, None] + jax.lax.population_count(bits[:, :, None] & below).astype(jnp.int32)
    rank = rank.reshape(size)
    take = pending & (rank < keep)
    row = jnp.arange(size, dtype=jnp.int32) // _ROW
    idx = jnp.where(take, row * keep + rank, 0)
    return jnp.where(take, sub_k[idx], k), done | take


def _btrs_resolve(kw, level, lane, n, p, k, done, depth, first):
    """Finish every pending BTRS lane of a stage: whole-array attempts while many are pending, then
    row compaction into a smaller stage (recursively) until none is left."""
    size = n.shape[0]
    if size <= _SMALL or depth >= _MAX_DEPTH or size % _ROW:
        return _btrs_loop(kw, level, lane, n, p, k, done, depth, first, 0)
    keep = _KEEP_FIRST if depth == 0 else _KEEP
    k, done = _btrs_loop(kw, level, lane, n, p, k, done, depth, first, size * keep // (2 * _ROW))

    def body(state):
        k, done = state
        pending = ~done
        sel, bits = _row_select(pending, keep)
        sub_lane = lane.at[sel].get(mode="fill", fill_value=0xFFFFFFFF)
        sub_n = n.at[sel].get(mode="fill", fill_value=20.0)
        sub_p = p.at[sel].get(mode="fill", fill_value=0.5)
        # A stage always resolves all of its lanes, so only the draws come back.
        sub_k, _ = _btrs_resolve(kw, level, sub_lane, sub_n, sub_p, jnp.zeros_like(sub_n),
                                 sel >= size, depth + 1, True)
        return _row_merge(k, done, pending, bits, keep, sub_k)

    # Normally one pass; a second one only if some row held more than `keep` pending lanes.
    return jax.lax.while_loop(lambda s: jnp.any(~s[1]), body, (k, done))


def _binomial_lanes(kw, level, base, n: Float[Array, " L"], p: Float[Array, " L"]) -> Float[Array, " L"]:
    """Exact Binomial(n, p) per lane for ``0 <= p <= 1/2`` (float-valued integer ``n >= 0``).

    Lane ``i`` draws its bits from counters ``(base + i, level/attempt)``.
    """
    size = n.shape[0]
    if size > _SMALL and size % _ROW:
        pad = _ROW - size % _ROW
        k = _binomial_lanes(kw, level, base, jnp.pad(n, (0, pad)), jnp.pad(p, (0, pad)))
        return k[:size]
    dtype = n.dtype
    lane = jnp.asarray(base).astype(jnp.uint32) + jnp.arange(size, dtype=jnp.uint32)
    trivial = (n <= 0) | (p <= 0)
    pop = ~trivial & (p == 0.5) & (n <= 64)
    bt = ~trivial & ~pop & (n * p >= _BTRS_MIN_MEAN)
    inv = ~trivial & ~pop & ~bt
    # BTRS arithmetic on safe stand-in values for the other lanes (their BTRS result is unused).
    nb = jnp.where(bt, n, 20.0)
    pb = jnp.where(bt, p, 0.5)

    def first_pass(_):
        u, v, w0, w1 = _attempt_uniforms(kw, lane, _counter_hi(level, 0, 0), dtype)
        kb, acc = _btrs(u, v, nb, pb)
        k = jnp.where(bt, kb, jnp.where(pop, _popcount_binomial(w0, w1, n), jnp.zeros((), dtype)))
        return k, acc | ~bt

    k, done = jax.lax.cond(
        jnp.any(bt | pop), first_pass, lambda _: (jnp.zeros_like(n), jnp.ones(n.shape, bool)), None
    )
    k = jax.lax.cond(
        jnp.any(inv),
        lambda k: jnp.where(inv, _inversion(kw, level, lane, n, p, inv), k),
        lambda k: k,
        k,
    )
    k, _ = _btrs_resolve(kw, level, lane, nb, pb, k, done, 0, False)
    return k


def _binomial(key: Array, n: Array, p: Array) -> Array:
    """Exact Binomial(n, p) draws with float-valued n (integer-valued up to 2**53 in float64).

    ``n`` and ``p`` broadcast; the result has ``n``'s float dtype and the broadcast shape.
    """
    n = jnp.asarray(n)
    if not jnp.issubdtype(n.dtype, jnp.floating):
        n = n.astype(jnp.result_type(float))
    p = jnp.clip(jnp.asarray(p, n.dtype), 0.0, 1.0)
    n, p = jnp.broadcast_arrays(n, p)
    shape = n.shape
    n, p = n.reshape(-1), p.reshape(-1)
    flip = p > 0.5
    pe = jnp.where(flip, 1.0 - p, p)
    k = _binomial_lanes(_key_words(key), 0, 0, n, pe)
    return jnp.where(flip, n - k, k).reshape(shape)


_PYRAMID_FROM = 3  # tree levels of block sums below this are recomputed from the leaves, not stored
_CHUNK = 1 << 16  # parents split per step of the level loop (one compiled binomial kernel for all)


def multinomial_counts(key: Array, m, probs: Float[Array, " N"]) -> Float[Array, " N"]:
    """One draw of ``Multinomial(m, probs)`` by binary splitting, as float integer values.

    ``probs`` must be non-negative and sum to 1 (not re-checked here). The result has the float
    dtype of ``probs``: exact integers up to ``2**53`` in float64 (x64), ``2**24`` in float32.
    Cost: ``N - 1`` binomial draws in ``ceil(log2 N)`` vectorised levels, independent of ``m``.

    The tree is walked top-down in one loop over (level, chunk of ``_CHUNK`` parents), in place in
    a single length-N buffer: node ``i`` of a level sits at position ``i``, its children go to
    ``2i, 2i + 1``, and chunks are visited last-first so nothing is overwritten before it is read.
    One compiled binomial kernel serves every level, and its working set stays in cache.
    """
    probs = jnp.asarray(probs)
    dtype = probs.dtype
    big_n = probs.shape[0]
    kw = _key_words(key)
    levels = max(1, (big_n - 1).bit_length())
    width = 1 << levels
    block = min(_CHUNK, width // 2)
    j0 = min(_PYRAMID_FROM, levels)
    leaf_len = max(width, (2 * block) << max(j0 - 1, 0))
    leaf = jnp.zeros((leaf_len,), dtype).at[:big_n].set(probs) if leaf_len != big_n else probs
    # Heap-ordered block sums for depths 0 .. levels - j0: entry 2**d + i is node i of depth d.
    s = leaf[:width].reshape(-1, 1 << j0).sum(axis=1)
    parts = [s]
    while parts[0].shape[0] > 1:
        parts.insert(0, parts[0][0::2] + parts[0][1::2])
    heap = jnp.concatenate([jnp.zeros((1,), dtype), *parts, jnp.zeros((2 * block,), dtype)])

    def from_leaves(jj):
        def children(ell, start):
            x = jax.lax.dynamic_slice(leaf, ((2 * start) << jj,), ((2 * block) << jj,))
            return x.reshape(2 * block, 1 << jj).sum(axis=1)

        return children

    def from_heap(ell, start):
        return jax.lax.dynamic_slice(heap, ((1 << ell) + 2 * start,), (2 * block,))

    branches = [from_leaves(jj) for jj in range(j0)] + [from_heap]
    steps = [(ell, c) for ell in range(1, levels + 1)
             for c in reversed(range(max(1, (1 << (ell - 1)) // block)))]
    step_level = jnp.asarray(np.array([e for e, _ in steps], np.int32))
    step_chunk = jnp.asarray(np.array([c for _, c in steps], np.int32))
    lane = jnp.arange(block, dtype=jnp.int32)

    def body(t, buf):
        ell, start = step_level[t], step_chunk[t] * block
        n = jax.lax.dynamic_slice(buf, (start,), (block,))
        n = jnp.where(start + lane < (1 << (ell - 1)), n, 0)
        child = jax.lax.switch(jnp.minimum(levels - ell, j0), branches, ell, start)
        left, right = child[0::2], child[1::2]
        parent = left + right
        pe = jnp.where(parent > 0, jnp.minimum(left, right) / jnp.where(parent > 0, parent, 1), 0)
        k = _binomial_lanes(kw, ell, start, n, pe)
        n_left = jnp.where(left > right, n - k, k)
        out = jnp.stack([n_left, n - n_left], axis=-1).reshape(2 * block)
        return jax.lax.dynamic_update_slice(buf, out, (2 * start,))

    buf = jnp.zeros((width,), dtype).at[0].set(jnp.asarray(m, dtype))
    buf = jax.lax.fori_loop(0, len(steps), body, buf)
    return buf[:big_n]
