"""Exact binomial draws and multinomial counts in O(N), as pure functions of a key.

``Multinomial(M, p)`` is drawn by binary splitting: the count of each node of a binary tree over the
``N`` cells is split between its children with one exact binomial draw, level by level, ``N - 1``
binomials in all, independent of ``M``. Every attempt reads counter-based threefry bits (see
``_counters``), so a key gives the same counts on any device and in either precision.
:func:`multinomial_counts` (and :func:`multinomial_frequencies`, built on it) is the one validated
entry point every count in the library goes through.

Exact binomial draws, vectorised. Every lane is one independent Binomial(n, p) draw (p <= 1/2 after
the symmetry n - Binomial(n, 1 - p)); lanes are sorted into four exact methods:

* trivial       n == 0 or p == 0;
* popcount      p == 1/2 exactly and n <= 64: the number of ones among n fair random bits;
* BTRS          n p >= 10: Hormann's (1993) transformed rejection with squeeze. One attempt costs one
                threefry block for U (53 bits in float64) and half a block for V, about 12 % of
                attempts are rejected. The acceptance test uses log f(k)/f(m) written with log1p
                around the mode m and a Stirling-series remainder, so it stays accurate to ~1e-10
                even for n ~ 1e12 (differences of lgamma(1e12) would lose ~1e-3);
* inversion     n p < 10 otherwise: sequential search of the CDF from k = 0 (expected n p + 1 steps).

Rejection on a SIMD machine: the first attempt runs over all lanes; the rejected lanes (~12 %) are
then *compacted* row by row (rows of 128 lanes, each keeps up to `keep` pending lanes, found with
popcount bit tricks: no global prefix sum, which XLA:CPU does slowly) and retried on the smaller
array, recursively, until every lane is accepted. Every attempt of a lane reads fresh counter-based
bits: the counter is (lane, level/depth/attempt), so the result is a pure function of the key.
In float64 the logarithms are a vectorisable series (XLA:CPU's float64 log is scalar libm).
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from .._internal.validate import check_key, check_probabilities, float_array, sample_count
from ._counters import key_words, threefry, uniform_float

_BTRS_MIN_MEAN = 10.0  # BTRS is valid for n * min(p, 1 - p) >= 10 (Hormann 1993)
_SMALL = 4096  # at or below this many lanes, rejected lanes are retried in place (no compaction)
_ROW = 128  # lanes per compaction row (four 32-bit mask words)
_KEEP_FIRST = 32  # pending lanes kept per row after the first attempt (~12 % expected -> 15 per row)
_KEEP = 16  # ... and at deeper stages (expected ~6 % of a compacted stage)
_MAX_DEPTH = 8
_INV_STEPS = 4  # inversion steps per while-loop iteration


def _counter_hi(level, attempt, stream: int) -> Array:
    """High counter word: 6 bits of tree level, 24 bits of attempt number, 2 bits of stream."""
    lvl = jnp.asarray(level).astype(jnp.uint32) & jnp.uint32(63)
    att = jnp.asarray(attempt).astype(jnp.uint32) & jnp.uint32(0xFFFFFF)
    return (lvl << 26) | (att << 2) | jnp.uint32(stream)


def _i32_to_f64(w: Array, signed: bool = False) -> Array:
    """uint32 words (below 2**31 unless ``signed``: then read as int32) to float64."""
    return (
        jax.lax.bitcast_convert_type(w, jnp.int32).astype(jnp.float64)
        if signed
        else w.astype(jnp.int32).astype(jnp.float64)
    )


def _attempt_uniforms(kw, lane: Array, hi: Array, dtype) -> tuple[Array, Array, Array, Array]:
    """``(U - 1/2, V, w0, w1)`` for one attempt of every lane; ``(w0, w1)`` are U's raw bits.

    ``hi`` (the high counter word) is a scalar or one word per lane (even-sized arrays only).

    float64: U has 53 bits and V 32 bits; two lanes share the threefry block that feeds V (the pair
    is named by its smaller lane id, unique within a stage, so no block is ever reused).
    float32: one block per lane, 24 bits each.
    """
    w0, w1 = threefry(kw[0], kw[1], lane, hi)
    if jnp.dtype(dtype) == jnp.float64:
        # 26 + 27 bits as in ``uniform_float``; conversions go through int32 (AVX2 has no
        # vectorised uint32 -> float64).
        u = (_i32_to_f64(w1 >> 6) * 2.0**27 + _i32_to_f64(w0 >> 5)) * 2.0**-53
        size = lane.shape[0]
        if size % 2 == 0:
            pair = lane.reshape(-1, 2)
            hi_pair = hi.reshape(-1, 2)[:, 0] if jnp.ndim(hi) else hi
            b0, b1 = threefry(kw[0], kw[1], jnp.minimum(pair[:, 0], pair[:, 1]), hi_pair | jnp.uint32(1))
            vbits = jnp.stack([b0, b1], axis=-1).reshape(size)
        else:
            vbits, _ = threefry(kw[0], kw[1], lane, hi | jnp.uint32(1))
        v = (_i32_to_f64(vbits ^ jnp.uint32(0x80000000), signed=True) + 2.0**31) * 2.0**-32
    else:
        scale = jnp.asarray(2.0**-24, dtype)
        u = (w0 >> 8).astype(jnp.int32).astype(dtype) * scale
        v = (w1 >> 8).astype(jnp.int32).astype(dtype) * scale
    return _materialize((u - jnp.asarray(0.5, dtype), v, w0, w1), lane)


def _materialize(tree, lane: Array):
    """Return ``tree`` unchanged, but computed in its own kernels.

    XLA:CPU fuses the integer threefry rounds into the BTRS arithmetic that consumes them; with
    runtime key words the combined loop is not vectorised and runs 3-4x slower than the two parts
    apart. A conditional is a fusion boundary (``optimization_barrier`` is not, on CPU); its
    predicate is always true but opaque to the compiler.
    """
    token = jnp.asarray(lane).reshape(-1)[0] | jnp.uint32(1)
    return jax.lax.cond(token != 0, lambda t: t, lambda t: jax.tree.map(jnp.zeros_like, t), tree)


# Arithmetic for the BTRS kernel from multiplies, adds and bit operations only. XLA:CPU treats
# division, sqrt and log as "expensive" and will not fuse one into several consumers, so the textbook
# formulas fall apart into a dozen kernels with array-sized temporaries (and the threefry rounds get
# recomputed in each); built from cheap operations the whole attempt is one fused loop. Each helper
# is accurate to about 1-2 ulp for the positive, finite, normal inputs it receives.

_LN2 = math.log(2.0)
_SQRT2 = math.sqrt(2.0)


def _int_view(dtype):
    """Integer type of the same width (unsigned for float64: AVX2 has no 64-bit arithmetic shift),
    mantissa bits, exponent bias."""
    return (jnp.uint64, 52, 1023) if jnp.dtype(dtype) == jnp.float64 else (jnp.int32, 23, 127)


def _newton_steps(dtype) -> int:
    return 4 if jnp.dtype(dtype) == jnp.float64 else 3


def _recip(y: Array) -> Array:
    """``1 / y`` for positive normal ``y``: bit-trick seed (~5 %) and Newton steps (error squares)."""
    it, _, _ = _int_view(y.dtype)
    magic = 0x7FDE623822FC16E6 if it == jnp.uint64 else 0x7EF311C7
    bits = jax.lax.bitcast_convert_type(y, it)
    r = jax.lax.bitcast_convert_type(jnp.asarray(magic, it) - bits, y.dtype)
    for _ in range(_newton_steps(y.dtype)):
        r = r * (2.0 - y * r)
    return r


def _sqrt(y: Array) -> Array:
    """``sqrt(y)`` for ``y >= 0`` (0 -> 0): inverse-sqrt seed and Newton steps."""
    it, _, _ = _int_view(y.dtype)
    magic = 0x5FE6EB50C7B537A9 if it == jnp.uint64 else 0x5F3759DF
    yy = jnp.maximum(y, jnp.finfo(y.dtype).tiny)
    r = jax.lax.bitcast_convert_type(
        jnp.asarray(magic, it) - (jax.lax.bitcast_convert_type(yy, it) >> 1), y.dtype
    )
    for _ in range(_newton_steps(y.dtype)):
        r = r * (1.5 - 0.5 * yy * r * r)
    return y * r


def _log_parts(y: Array) -> tuple[Array, Array]:
    """``y = 2**e * f`` with ``f`` in [sqrt(1/2), sqrt(2)] (positive normal ``y``), ``e`` as a float."""
    dtype = y.dtype
    it, mbits, bias = _int_view(dtype)
    b = jax.lax.bitcast_convert_type(y, it)
    if it == jnp.uint64:
        # exponent field to float64 exactly via the 2**52 trick (no int64 -> float64 in AVX2)
        e = jax.lax.bitcast_convert_type((b >> mbits) | jnp.uint64(0x4330000000000000), dtype) - (
            2.0**52 + bias
        )
    else:
        e = ((b >> mbits) - bias).astype(dtype)
    mant = (b & it((1 << mbits) - 1)) | it(bias << mbits)
    f = jax.lax.bitcast_convert_type(mant, dtype)  # in [1, 2)
    big = f > _SQRT2
    return jnp.where(big, e + 1.0, e), jnp.where(big, 0.5 * f, f)


def _log_series(e: Array, num: Array, den: Array) -> Array:
    """``e log 2 + 2 atanh(num / den)`` for ``den`` in [1.58, 2.42] and ``|num / den| <= 0.172``."""
    dtype = num.dtype
    # A fixed linear seed for 1/den is within 3 % on this range; Newton squares the error.
    r = (2.0 + _SQRT2 + 1.0 / _SQRT2 - den) * (1.0 / (2.0 + _SQRT2 + 1.0 / _SQRT2))
    for _ in range(_newton_steps(dtype)):
        r = r * (2.0 - den * r)
    s = num * r
    s2 = s * s
    terms = 11 if dtype == jnp.float64 else 5  # 0.172**(2 terms) / (2 terms + 1) < eps
    acc = jnp.full_like(s, 1.0 / (2 * terms + 1))
    for j in range(terms - 1, -1, -1):
        acc = acc * s2 + 1.0 / (2 * j + 1)
    return e * _LN2 + 2.0 * s * acc


def _log(y: Array) -> Array:
    """Natural log (exact ``-inf`` at 0, ``inf`` at inf, NaN below 0)."""
    e, f = _log_parts(y)
    out = _log_series(e, f - 1.0, f + 1.0)  # f - 1 is exact
    out = jnp.where(y == jnp.inf, jnp.inf, out)
    return jnp.where(y > 0, out, jnp.where(y == 0, -jnp.inf, jnp.nan))


def _log1p(x: Array) -> Array:
    """``log(1 + x)`` for ``x >= -1``, accurate for tiny ``x``.

    Near 0 it is ``2 atanh(x / (2 + x))`` (no cancellation); elsewhere ``log(1 + x)``, where rounding
    ``1 + x`` costs nothing relative to the result. (The usual compensation ``x - ((1 + x) - 1)`` is
    unusable: XLA simplifies it to 0.)
    """
    small = (x >= 1.0 / _SQRT2 - 1.0) & (x <= _SQRT2 - 1.0)
    z = 1.0 + x
    e, f = _log_parts(jnp.where(small, 1.0, z))
    out = _log_series(
        jnp.where(small, 0.0, e), jnp.where(small, x, f - 1.0), jnp.where(small, 2.0 + x, f + 1.0)
    )
    out = jnp.where(z == jnp.inf, jnp.inf, out)
    return jnp.where(z > 0, out, jnp.where(z == 0, -jnp.inf, jnp.nan))


_STIRLING_SMALL = tuple(
    math.lgamma(y) - ((y - 0.5) * math.log(y) - y + 0.5 * math.log(2 * math.pi)) for y in (1, 2, 3, 4)
)


def _stirling_corr(y: Array, r: Array | None = None) -> Array:
    """``lgamma(y) - ((y - 1/2) log y - y + log(2 pi)/2)`` for integer-valued ``y >= 1``.

    Seven-term Stirling series for ``y >= 5`` (truncation error < 1e-12), exact table below.
    ``r`` may pass ``1 / y`` when the caller has it.
    """
    if r is None:
        r = _recip(jnp.maximum(y, 1.0))
    r2 = r * r
    ser = r * (
        1 / 12
        - r2
        * (1 / 360 - r2 * (1 / 1260 - r2 * (1 / 1680 - r2 * (1 / 1188 - r2 * (691 / 360360 - r2 / 156)))))
    )
    out = ser
    for yy, c in zip((4, 3, 2, 1), _STIRLING_SMALL[::-1], strict=True):
        out = jnp.where(y == yy, jnp.asarray(c, y.dtype), out)
    return out


def _btrs(u: Array, v: Array, n: Array, p: Array) -> Array:
    """One BTRS attempt per lane (``p <= 1/2``, ``n p >= 10``): the draw, or -1 where rejected.

    (One output array, not a (k, accepted) pair: XLA:CPU would compute each output in its own
    kernel, i.e. the whole attempt twice.)"""
    dtype = n.dtype
    q = 1.0 - p
    spq = _sqrt(n * p * q)
    b = 1.15 + 2.53 * spq
    rb = _recip(b)
    a = -0.0873 + 0.0248 * b + 0.01 * p
    alpha = (2.83 + 5.1 * rb) * spq
    vr = 0.92 - 4.2 * rb
    m = jnp.floor((n + 1.0) * p)  # the mode
    us = 0.5 - jnp.abs(u)
    rus = _recip(jnp.maximum(us, jnp.finfo(dtype).tiny))
    # k - m, computed around the mode so that no O(n) rounding enters the proposal's cell edges.
    d = jnp.floor((2.0 * a * rus + b) * u + ((n * p - m) + 0.5))
    inrange = (d >= -m) & (d <= n - m)
    squeeze = (us >= 0.07) & (v <= vr)
    d = jnp.clip(d, -m, n - m)
    k = m + d
    # (Where us is tiny the hat below overflows; such lanes are out of range and rejected anyway.)
    lhs = _log(v * alpha * _recip(a * rus * rus + b))
    # log f(k) - log f(m) for the binomial pmf f, cancellation-free.
    r_m, r_nm = _recip(m + 1.0), _recip(n - m + 1.0)
    rhs = (
        d * _log((n - m + 1.0) * p * _recip((m + 1.0) * q))
        - (k + 0.5) * _log1p(d * r_m)
        - (n - k + 0.5) * _log1p(-d * r_nm)
        + (_stirling_corr(m + 1.0, r_m) + _stirling_corr(n - m + 1.0, r_nm))
        - (_stirling_corr(k + 1.0) + _stirling_corr(n - k + 1.0))
    )
    return jnp.where(inrange & (squeeze | (lhs <= rhs)), k, -1.0)


def _popcount_binomial(w0: Array, w1: Array, n: Array) -> Array:
    """Binomial(n, 1/2) for ``n <= 64``: ones among the low ``n`` of 64 random bits."""
    nn = jnp.clip(n, 0, 64).astype(jnp.int32).astype(jnp.uint32)
    n0 = jnp.minimum(nn, jnp.uint32(32))
    n1 = nn - n0

    def low(w, nb):
        mask = jnp.where(nb >= 32, jnp.uint32(0xFFFFFFFF), (jnp.uint32(1) << jnp.minimum(nb, 31)) - 1)
        return jax.lax.population_count(w & mask)

    return (low(w0, n0) + low(w1, n1)).astype(n.dtype)


def _inversion(kw, level: int, lane: Array, n: Array, p: Array, active: Array) -> Array:
    """Binomial(n, p) by CDF search from 0 on the ``active`` lanes (``p <= 1/2``, small ``n p``)."""
    dtype = n.dtype
    w0, w1 = threefry(kw[0], kw[1], lane, _counter_hi(level, 0, 2))
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


def _btrs_loop(kw, level, lane, n, p, k, depth, first, until):
    """Attempts over the whole array (do-while when ``first``) while more than ``until`` lanes are
    pending (``k < 0``).

    Attempt ``it`` of a stage at ``depth`` reads counter ``(depth << 16) + it``: a lane visits each
    depth at most once, so no lane ever reuses a counter.
    """

    def cond(state):
        pending = state[0] < 0
        if until == 0:
            busy = jnp.any(pending)
        else:
            busy = jnp.sum(pending, dtype=jnp.int32) > until
        return busy | (state[1] == first_it)

    def body(state):
        k, it, nn, pp = state
        u, v, _, _ = _attempt_uniforms(kw, lane, _counter_hi(level, (depth << 16) + it, 0), n.dtype)
        kb = _btrs(u, v, nn, pp)
        # (n, p) ride in the loop state behind a barrier: otherwise XLA hoists the per-lane BTRS
        # constants out of the loop, splitting the one fused attempt into a dozen temporaries.
        nn, pp = jax.lax.optimization_barrier((nn, pp))
        return jnp.where(k < 0, kb, k), it + 1, nn, pp

    # The first attempt of a stage is attempt 0; a stage entered with results already (depth 0,
    # from the fused first pass) continues at attempt 1.
    first_it = 0 if first else -1
    init = (k, jnp.int32(0 if first else 1), n, p)
    return jax.lax.while_loop(cond, body, init)[0]


def _row_select(pending: Array, keep: int) -> tuple[Array, Array]:
    """Positions of up to ``keep`` pending lanes per row of ``_ROW`` lanes, shape (rows * keep,)
    (``size`` where a row has fewer), and the rows' pending bit masks (rows, _ROW // 32).

    Loop-free: slot ``t`` of a row holds the lane of the row's ``t``-th set mask bit, found by a
    binary search over prefix popcounts (a global prefix sum is slow in XLA:CPU).
    """
    size = pending.shape[0]
    rows, words = size // _ROW, _ROW // 32
    shifts = jnp.arange(32, dtype=jnp.uint32)
    bits = jnp.sum(pending.reshape(rows, words, 32).astype(jnp.uint32) << shifts, axis=-1, dtype=jnp.uint32)
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


def _row_merge(k, bits, keep, sub_k):
    """Write back the draws of the lanes chosen by :func:`_row_select` (a gather, no scatter);
    lanes beyond their row's quota stay pending."""
    size = k.shape[0]
    rows, words = bits.shape
    pc = jax.lax.population_count(bits).astype(jnp.int32)
    before = jnp.concatenate([jnp.zeros((rows, 1), jnp.int32), jnp.cumsum(pc, axis=1)[:, :-1]], axis=1)
    below = (jnp.uint32(1) << jnp.arange(32, dtype=jnp.uint32)) - jnp.uint32(1)
    rank = before[:, :, None] + jax.lax.population_count(bits[:, :, None] & below).astype(jnp.int32)
    rank = rank.reshape(size)
    take = (k < 0) & (rank < keep)
    row = jnp.arange(size, dtype=jnp.int32) // _ROW
    return jnp.where(take, sub_k[jnp.where(take, row * keep + rank, 0)], k)


def _btrs_resolve(kw, level, lane, n, p, k, depth, first):
    """Finish every pending (``k < 0``) BTRS lane of a stage: whole-array attempts while many are
    pending, then row compaction into a smaller stage (recursively) until none is left."""
    size = n.shape[0]
    if size <= _SMALL or depth >= _MAX_DEPTH or size % _ROW:
        return _btrs_loop(kw, level, lane, n, p, k, depth, first, 0)
    keep = _KEEP_FIRST if depth == 0 else _KEEP
    k = _btrs_loop(kw, level, lane, n, p, k, depth, first, size * keep // (2 * _ROW))

    def body(k):
        # (materialised once: otherwise the selection is recomputed inside each gather below)
        sel, bits = _materialize(_row_select(k < 0, keep), lane)
        sub_lane = lane.at[sel].get(mode="fill", fill_value=0xFFFFFFFF)
        sub_n = n.at[sel].get(mode="fill", fill_value=20.0)
        sub_p = p.at[sel].get(mode="fill", fill_value=0.5)
        # Empty slots start resolved (0); the real ones pending (-1).
        sub_k = _btrs_resolve(
            kw,
            level,
            sub_lane,
            sub_n,
            sub_p,
            jnp.where(sel < size, -1.0, 0.0).astype(n.dtype),
            depth + 1,
            True,
        )
        return _row_merge(k, bits, keep, sub_k)

    # Normally one pass; a second one only if some row held more than `keep` pending lanes.
    return jax.lax.while_loop(lambda k: jnp.any(k < 0), body, k)


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
        kb = _btrs(u, v, nb, pb)
        return jnp.where(bt, kb, jnp.where(pop, _popcount_binomial(w0, w1, n), jnp.zeros((), dtype)))

    def popcount_pass(_):
        w0, w1 = threefry(kw[0], kw[1], lane, _counter_hi(level, 0, 0))
        return jnp.where(pop, _popcount_binomial(w0, w1, n), jnp.zeros((), dtype))

    # -1 marks a pending (rejected) BTRS lane from here on.
    k = jax.lax.cond(
        jnp.any(bt),
        first_pass,
        lambda _: jax.lax.cond(jnp.any(pop), popcount_pass, lambda _: jnp.zeros_like(n), None),
        None,
    )
    k = jax.lax.cond(
        jnp.any(inv),
        lambda k: jnp.where(inv, _inversion(kw, level, lane, n, p, inv), k),
        lambda k: k,
        k,
    )
    return _btrs_resolve(kw, level, lane, nb, pb, k, 0, False)


def binomial(key: Array, n, p) -> Array:
    """Exact ``Binomial(n, p)`` draws (no normal approximation), one per entry of ``n`` and ``p``.

    Parameters
    ----------
    key : a single ``jax.random`` key (typed or legacy ``uint32[2]``, threefry); checked with the
        library's key check (``TypeError`` / ``ValueError`` otherwise).
    n : array of numbers of trials, integer-valued, ``>= 0``; held as floats (integer inputs become
        the default float dtype), so float64 represents every ``n`` up to ``2**53``, float32 up to
        ``2**24``.
    p : array of success probabilities, cast to ``n``'s dtype and clipped to ``[0, 1]``.

    ``n`` and ``p`` broadcast. Returns the draws as integer values in ``n``'s float dtype, with the
    broadcast shape. Traceable: works under ``jit`` and ``vmap`` (values are not checked there).
    """
    key = check_key(key)
    n = jnp.asarray(n)
    if not jnp.issubdtype(n.dtype, jnp.floating):
        n = n.astype(jnp.result_type(float))
    p = jnp.clip(jnp.asarray(p, n.dtype), 0.0, 1.0)
    n, p = jnp.broadcast_arrays(n, p)
    shape = n.shape
    n, p = n.reshape(-1), p.reshape(-1)
    flip = p > 0.5
    pe = jnp.where(flip, 1.0 - p, p)
    k = _binomial_lanes(key_words(key), 0, 0, n, pe)
    return jnp.where(flip, n - k, k).reshape(shape)


def _block_sums(x: Array, j: int) -> Array:
    """Sums over consecutive blocks of ``2**j`` entries, as pairwise strided adds (XLA:CPU runs a
    reduction over a short minor axis several times slower than this elementwise form)."""
    for _ in range(j):
        x = x[0::2] + x[1::2]
    return x


_PYRAMID_FROM = 3  # tree levels of block sums below this are recomputed from the leaves, not stored
_CHUNK = 1 << 16  # parents split per step of the level loop (one compiled binomial kernel for all)


def _checked(key, m, probs) -> tuple[Array, object, Array]:
    """The one validation of every multinomial draw: a single threefry key, a count ``m`` (an integer
    in ``[0, 2**53]``; a traced one passes unchecked) and a probability vector (1-D, finite,
    non-negative, summing to 1; values checked when concrete)."""
    key = check_key(key)
    m = sample_count(m, "m", minimum=0)
    probs = float_array(probs, "probs")
    if probs.ndim != 1 or probs.shape[0] < 1:
        raise ValueError(f"probs must be a non-empty 1-D probability vector, got shape {probs.shape}")
    return key, m, check_probabilities(probs, probs.shape[0], "probs")


def multinomial_counts(key: Array, m, probs: Float[Array, " N"]) -> Float[Array, " N"]:
    """One draw of ``Multinomial(m, probs)`` by binary splitting: exact integer counts, as float64.

    Parameters
    ----------
    key : a single ``jax.random`` key.
    m : number of trials, an integer in ``[0, 2**53]`` (integral floats such as ``1e12`` are
        accepted); it may be traced (under ``jit``/``vmap``), in which case it is not checked and a
        value outside the range (or NaN) gives NaN counts, never a hang.
    probs : probability vector (N,): finite, non-negative, summing to 1 (checked when concrete).

    The draw always runs in float64 — under a local ``jax.enable_x64(True)`` scope when the caller
    has x64 off (global configuration is untouched, and this works inside the caller's ``jit`` /
    ``vmap``) — so every count is an exact integer for ``m`` up to ``2**53`` in either precision,
    and the same key gives the same counts whatever the caller's precision. The result is a float64
    array: convert it at once (:func:`multinomial_frequencies` returns ``n / m`` in the caller's
    dtype; integer callers cast with ``.astype``).

    Cost: ``N - 1`` binomial draws in ``ceil(log2 N)`` vectorised levels, independent of ``m``.
    Not available on TPUs (no float64 there).
    """
    key, m, probs = _checked(key, m, probs)
    with jax.enable_x64(True):
        return _multinomial_f64(key, m, probs)


def multinomial_frequencies(key: Array, m, probs: Float[Array, " N"], dtype) -> Float[Array, " N"]:
    """``n / m`` for ``n ~ Multinomial(m, probs)`` (the same draw and checks as
    :func:`multinomial_counts`), computed from the exact float64 counts and rounded once to ``dtype``."""
    with jax.enable_x64(True):
        n = multinomial_counts(key, m, probs)
        return (n / jnp.asarray(m, jnp.float64)).astype(dtype)


def _multinomial_f64(key: Array, m, probs: Float[Array, " N"]) -> Float[Array, " N"]:
    """:func:`multinomial_counts` inside the x64 scope: float64 throughout.

    The cells are padded with zero-probability cells to a power of two (the tree is that wide
    anyway, so the draw is unchanged) and the draw is jitted: eager calls compile once per size
    class, not once per call or per length.
    """
    probs = jnp.asarray(probs).astype(jnp.float64)
    big_n = probs.shape[0]
    width = 1 << max(1, (big_n - 1).bit_length())
    if width != big_n:
        probs = jnp.zeros((width,), jnp.float64).at[:big_n].set(probs)
    return _multinomial_padded(key, m, probs)[:big_n]


@jax.jit
def _multinomial_padded(key: Array, m, probs: Float[Array, " N"]) -> Float[Array, " N"]:
    mf = jnp.asarray(m).astype(jnp.float64)
    bad = ~((mf >= 0) & (mf <= 2.0**53) & (mf == jnp.floor(mf)))
    n = _multinomial_tree(key, jnp.where(bad, 0.0, mf), probs)
    return jnp.where(bad, jnp.nan, n)


def _multinomial_tree(key: Array, m, probs: Float[Array, " N"]) -> Float[Array, " N"]:
    """Binary-splitting multinomial in the dtype of ``probs`` (float integer values).

    The tree is walked top-down in one loop over (level, chunk of ``_CHUNK`` parents), in place in
    a single length-N buffer: node ``i`` of a level sits at position ``i``, its children go to
    ``2i, 2i + 1``, and chunks are visited last-first so nothing is overwritten before it is read.
    One compiled binomial kernel serves every level, and its working set stays in cache.
    """
    probs = jnp.asarray(probs)
    dtype = probs.dtype
    big_n = probs.shape[0]
    kw = key_words(key)
    # A compile-time-constant p (e.g. the uniform default built inside jit) would be constant-folded
    # into the level loop, which XLA:CPU then runs about 2x slower; keep it a runtime array.
    probs = _materialize(probs, kw[0])
    levels = max(1, (big_n - 1).bit_length())
    width = 1 << levels
    block = min(_CHUNK, width // 2)
    j0 = min(_PYRAMID_FROM, levels)
    leaf_len = max(width, (2 * block) << max(j0 - 1, 0))
    leaf = jnp.zeros((leaf_len,), dtype).at[:big_n].set(probs) if leaf_len != big_n else probs
    # Heap-ordered block sums for depths 0 .. levels - j0: entry 2**d + i is node i of depth d.
    s = _block_sums(leaf[:width], j0)
    parts = [s]
    while parts[0].shape[0] > 1:
        parts.insert(0, parts[0][0::2] + parts[0][1::2])
    heap = jnp.concatenate([jnp.zeros((1,), dtype), *parts, jnp.zeros((2 * block,), dtype)])

    def from_leaves(jj):
        def children(ell, start):
            x = jax.lax.dynamic_slice(leaf, ((2 * start) << jj,), ((2 * block) << jj,))
            return _block_sums(x, jj)

        return children

    def from_heap(ell, start):
        return jax.lax.dynamic_slice(heap, ((1 << ell) + 2 * start,), (2 * block,))

    branches = [from_leaves(jj) for jj in range(j0)] + [from_heap]
    steps = [
        (ell, c) for ell in range(1, levels + 1) for c in reversed(range(max(1, (1 << (ell - 1)) // block)))
    ]
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
