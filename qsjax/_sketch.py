"""The QOS engine: orthogonal-subspace phase sketches and the naive baseline, in five modes.

One sample ``(x, y)`` applies the diagonal rotation ``exp(i (theta(y)/M) |x><x|)``. The rotations act
on orthogonal one-dimensional subspaces, so ``M`` of them multiply to
``diag(exp(i theta_x n_x / M))`` with ``n_x`` the number of samples at ``x``: the whole product is a
segment-sum of per-sample angles followed by one exponential. The five modes are five views of
that product (DESIGN.md 1.2):

========== =============================================================== ==================
mode       result                                                          cost
========== =============================================================== ==================
sampled    one realisation from explicit samples (IID stream or user's)    O(M) time, O(N) memory
counts     one realisation with ``n ~ Multinomial(M, p)`` drawn directly    O(N), any M
expected   ``E[V] = diag((1 + p_x (e^{i theta_x/M} - 1))^M)``               O(N)
channel    the exact averaged channel ``rho -> E[V rho V^dagger]``          O(N^2)
ideal      the target ``U = diag(exp(i theta_x p_x))``                      O(N)
========== =============================================================== ==================
"""

from __future__ import annotations

import math
from functools import partial

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Complex, Float

from . import _random
from ._data import BooleanData, IIDSource, Stream
from ._kernels import walsh_hadamard
from ._modes import DEFAULT_CHUNK, MODES, AbstractSketch, as_mode
from ._validate import (
    MAX_EXACT_M,
    check_binary,
    check_dense_dim,
    check_key,
    float_array,
    integer_counts_dtype,
    is_concrete,
    positive_int,
    positive_real,
    real_scalar,
    sample_count,
)

__all__ = [
    "MODES",
    "PhaseSketch",
    "NaivePhaseSketch",
    "DiagonalChannel",
    "boolean_oracle",
    "naive_boolean_oracle",
    "sketch",
    "samples_for_error",
    "controlled",
    "stable_expm1i",
    "stable_log1p",
]



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


def _cdtype(x) -> jnp.dtype:
    return jnp.result_type(x, jnp.complex64)


# ----------------------------------------------------------------------------- exact stream counts
#
# Explicit streams are counted exactly in either precision: each chunk is scatter-added into an int32
# partial count (at most ``_FOLD`` samples reach it), which is folded into a count carried in two
# uint32 words ``(hi, lo)``, i.e. exact to 2**64 without x64. Frequencies ``n / m`` are formed from
# the words once, in float64 (local x64 scope), and rounded to the caller's dtype.

_FOLD = 2**31 - 1  # samples per int32 partial count before it is folded into the two words


def add_to_words(hi: Array, lo: Array, part: Array) -> tuple[Array, Array]:
    """``(hi, lo) + part`` for a count held in two uint32 words and a non-negative int32 ``part``."""
    new_lo = lo + part.astype(jnp.uint32)
    return hi + (new_lo < lo).astype(jnp.uint32), new_lo


def words_to_counts(hi: Array, lo: Array, m) -> Array:
    """The counts of ``(hi, lo)`` as an integer array: int64 under x64, int32 without (refused by
    :func:`qsjax._validate.integer_counts_dtype` when the total ``m`` does not fit)."""
    dtype = integer_counts_dtype(m)
    if dtype == jnp.int64:
        return (hi.astype(jnp.int64) << 32) | lo.astype(jnp.int64)
    return lo.astype(jnp.int32)


def words_to_float64(hi: Array, lo: Array) -> Array:
    """``hi * 2**32 + lo`` as float64 (exact below 2**53); call inside an x64 scope."""
    return hi.astype(jnp.float64) * 2.0**32 + lo.astype(jnp.float64)


def words_to_frequencies(hi: Array, lo: Array, m, dtype) -> Array:
    """``(hi * 2**32 + lo) / m`` computed in float64 and rounded once to ``dtype``."""
    with jax.enable_x64(True):
        return (words_to_float64(hi, lo) / jnp.asarray(m, jnp.float64)).astype(dtype)


def count_stream(draw, cells: int, chunk: int, n_chunks, fold: int = _FOLD):
    """Exact per-cell counts, as words ``(hi, lo)``, of a stream of ``n_chunks`` chunks.

    ``draw(c)`` gives the ``chunk`` cell indices of chunk ``c`` (``cells`` = an overflow bin that is
    dropped). Each chunk is scatter-added in place into an int32 partial count (O(chunk) per chunk,
    not O(cells)); every ``fold // chunk`` chunks the partial count is added to the words (O(cells)).
    Counts are integers, so the result is bitwise the same for any chunking.
    """
    per_fold = max(1, fold // chunk)

    def chunk_body(c, acc):
        return acc.at[draw(c)].add(jnp.ones((), acc.dtype), mode="promise_in_bounds")

    def fold_body(b, words):
        start = b * per_fold
        stop = jnp.minimum(start + per_fold, n_chunks)
        part = jax.lax.fori_loop(start, stop, chunk_body, jnp.zeros((cells + 1,), jnp.int32))
        return add_to_words(*words, part[:cells])

    n_folds = (n_chunks + per_fold - 1) // per_fold
    zeros = jnp.zeros((cells,), jnp.uint32)
    return jax.lax.fori_loop(0, n_folds, fold_body, (zeros, zeros))


def stream_frequencies(key: Array, p, dim: int, m: int, chunk_size, dtype) -> Float[Array, " N"]:
    """``n / m`` for the exact counts ``n`` of ``m`` explicit IID samples over ``[dim]`` (``p`` None
    = uniform), streamed in chunks of ``chunk_size`` (the result does not depend on it); rounded once
    to ``dtype``. ``m`` must be concrete (it sets the loop lengths)."""
    chunk, n_chunks, last = stream_plan(m, chunk_size)
    hi, lo = _ingest_iid(key, p, dim, chunk, n_chunks, last)
    return words_to_frequencies(hi, lo, m, dtype)


def stream_plan(m: int, chunk_size) -> tuple[int, int, int]:
    """``(chunk, n_chunks, last)`` for walking ``m`` samples in chunks of at most ``chunk_size``.

    A short stream takes one chunk of the next power of two (lanes past ``m`` are masked), so the
    compiled ingest is shared by all ``m`` of one size class instead of recompiled for every ``m``.
    """
    chunk = min(positive_int(chunk_size, "chunk_size"), 1 << (m - 1).bit_length())
    n_chunks = -(-m // chunk)
    if n_chunks > np.iinfo(np.int32).max:
        raise ValueError(
            f"m={m} samples in chunks of {chunk} make {n_chunks} chunks, more than the loop counter "
            f"allows (2**31 - 1); pass a larger chunk_size"
        )
    return chunk, n_chunks, m - (n_chunks - 1) * chunk


# ----------------------------------------------------------------------------- averaged channel


class DiagonalChannel(eqx.Module):
    """The exact averaged channel of a random diagonal unitary ``V = diag(exp(i phi))``.

    ``E[V rho V^dagger] = chi ⊙ rho`` with ``chi[j, k] = E[exp(i (phi_j - phi_k))]``; ``mean`` is
    ``E[exp(i phi)] = E[V]`` (needed to add a control: see :meth:`controlled`). ``chi`` is dense
    ``(V, V)``: this mode is for registers up to a few thousand entries.
    """

    chi: Complex[Array, "V V"]
    mean: Complex[Array, " V"]

    @property
    def dim(self) -> int:
        return self.mean.shape[0]

    def apply(self, rho: Complex[Array, "... V V"]) -> Complex[Array, "... V V"]:
        """``rho -> E[V rho V^dagger]``."""
        rho = jnp.asarray(rho)
        if rho.shape[-2:] != self.chi.shape:
            raise ValueError(f"rho must have shape (..., {self.dim}, {self.dim}), got {rho.shape}")
        return rho * self.chi

    def apply_to_state(self, state: Complex[Array, " V"]) -> Complex[Array, "V V"]:
        """The output density matrix for a pure input state."""
        state = jnp.asarray(state)
        return self.chi * (state[:, None] * jnp.conj(state)[None, :])

    def controlled(self) -> DiagonalChannel:
        """The averaged channel of controlled-``V`` (control = first, ancilla-major index).

        Index ``(c, j) -> c * V + j``; the control-0 branch gets the identity.
        """
        check_dense_dim(2 * self.dim, self.chi.dtype, "DiagonalChannel.controlled")
        ones = jnp.ones_like(self.chi)
        row = jnp.broadcast_to(jnp.conj(self.mean)[None, :], self.chi.shape)
        col = jnp.broadcast_to(self.mean[:, None], self.chi.shape)
        chi = jnp.block([[ones, row], [col, self.chi]])
        mean = jnp.concatenate([jnp.ones_like(self.mean), self.mean])
        return DiagonalChannel(chi=chi, mean=mean)

    def compose(self, other: DiagonalChannel) -> DiagonalChannel:
        """Two independent sketches in sequence (fresh samples): ``chi`` and ``mean`` multiply."""
        return DiagonalChannel(chi=self.chi * other.chi, mean=self.mean * other.mean)


def controlled(diagonal: Complex[Array, "... V"]) -> Complex[Array, "... 2 V"]:
    """Controlled version of a diagonal unitary: shape (..., 2, V), control index first.

    Adding a control to every gate of a sketch gives exactly this (the same samples drive it).
    """
    diagonal = jnp.asarray(diagonal)
    return jnp.stack([jnp.ones_like(diagonal), diagonal], axis=-2)


# ----------------------------------------------------------------------------- orthogonal sketch


def _as_t(t, dtype) -> Array:
    t = float_array(t, "t")
    if t.shape != ():
        raise ValueError(f"t must be a scalar, got shape {t.shape}")
    if is_concrete(t) and not np.isfinite(np.asarray(t)).all():
        raise ValueError(f"t must be finite, got {t}")
    return t.astype(dtype)


class PhaseSketch(AbstractSketch):
    """A QOS phase oracle built from orthogonal-subspace rotations.

    The target is ``U = diag(exp(i t p_x f_x))``; a sample ``(x, y)`` applies
    ``exp(i (t y / M) |x><x|)``. For multi-bit data (``f`` of shape (N, b)) the register is
    ``|x>|j>`` with ``j`` the output bit and results have shape (b, N) (ancilla-major).

    Build one with :func:`boolean_oracle`. All methods are pure and jit/vmap/grad compatible
    (``sampled`` and ``from_stream`` need a concrete ``m``: it sets loop lengths).
    """

    data: IIDSource
    t: Float[Array, ""]

    # -- shape helpers
    @property
    def dim(self) -> int:
        return self.data.dim

    def _theta(self) -> Float[Array, "... N"]:
        """Per-sample total angle ``theta = t f`` in the output layout ((N,) or (b, N))."""
        return self.t * self.data.values.T

    def _angles_from_values(self, values: Array) -> Array:
        """Per-sample angle (times M) for stream values ``y``: ``t y``."""
        return self.t * values

    def _check_support(self, support) -> Array:
        """``support`` as a 1-D integer array of distinct cells containing every cell whose angle
        is nonzero (checked when concrete)."""
        if isinstance(support, str) or support is None:
            raise TypeError(f"support must be an integer array of cell indices, got {support!r}")
        support = jnp.asarray(support)
        if not jnp.issubdtype(support.dtype, jnp.integer):
            raise TypeError(f"support must be an integer array of cell indices, got dtype {support.dtype}")
        if support.ndim != 1:
            raise ValueError(f"support must be one-dimensional, got shape {support.shape}")
        if is_concrete(support):
            a = np.asarray(support)
            if a.size and (a.min() < 0 or a.max() >= self.dim):
                bad = a[(a < 0) | (a >= self.dim)][:5]
                raise ValueError(f"support entries must lie in [0, {self.dim}), got {bad.tolist()}")
            uniq, cnt = np.unique(a, return_counts=True)
            if (cnt > 1).any():
                raise ValueError(
                    f"support entries must be distinct, got repeated {uniq[cnt > 1][:5].tolist()}")
            theta, p = self._theta(), self.data.probabilities
            if is_concrete(theta) and is_concrete(p):
                moving = np.any(np.asarray(theta).reshape(-1, self.dim) != 0, axis=0) & (np.asarray(p) > 0)
                missing = np.setdiff1d(np.flatnonzero(moving), a)
                if missing.size:
                    raise ValueError(
                        f"support must contain every cell with a nonzero angle t*f_x (and p_x > 0); it "
                        f"misses {missing.size} of them, e.g. {missing[:5].tolist()} (np.flatnonzero(f) "
                        "is the support of a single-bit truth table)"
                    )
        return support

    def _exp(self, phases):
        return jnp.exp(1j * phases.astype(_cdtype(phases)))

    # -- the five modes
    def ideal(self) -> Complex[Array, "... N"]:
        """The target diagonal ``exp(i t p_x f_x)``."""
        return self._exp(self._theta() * self.data.probabilities)

    def expected(self, m) -> Complex[Array, "... N"]:
        """``E[V]`` for ``m`` IID samples: ``(1 + p_x (e^{i theta_x/m} - 1))^m`` (stable form).

        Differentiable in ``m`` (a float is fine here), ``t``, ``p`` and the data values.
        """
        m = positive_real(m)
        theta = self._theta()
        mm = jnp.asarray(m, theta.dtype)
        z = self.data.probabilities * stable_expm1i(theta / mm)
        return power_m(z, mm)

    def counts(self, key: Array, m, *, support=None) -> Complex[Array, "... N"]:
        """One realisation with ``n ~ Multinomial(m, p)`` drawn in O(N) (exact for IID data).

        ``support`` (optional integer array of ``K`` cell indices) must contain every cell whose
        angle ``t f_x`` is nonzero (e.g. ``np.flatnonzero(f)``): only those counts move a phase, and
        their joint law is ``Multinomial(m, (p_support, 1 - sum p_support))``, so the draw costs
        O(K) instead of O(N) with the same distribution (a different realisation for the same key).
        """
        key = check_key(key)
        m = sample_count(m)
        p = self.data.probabilities
        theta = self._theta()
        if support is None:
            freq = _random.multinomial_frequencies(key, m, p, theta.dtype)
        else:
            support = self._check_support(support)
            ps = p[support]
            cells = jnp.concatenate([ps, jnp.clip(1.0 - jnp.sum(ps), 0.0)[None]])
            fs = _random.multinomial_frequencies(key, m, cells, theta.dtype)[:-1]
            freq = jnp.zeros(p.shape, theta.dtype).at[support].set(fs)
        return self._exp(theta * freq)

    def sampled(self, key: Array, m: int, *, chunk_size: int = DEFAULT_CHUNK) -> Complex[Array, "... N"]:
        """One realisation from ``m`` explicit IID samples, streamed in chunks of ``chunk_size``.

        Memory O(N + chunk_size) for any ``m``; the result does not depend on ``chunk_size``
        (sample ``l`` is counter-based, and counts are accumulated as exact integers in two 32-bit
        words, so they are exact for every supported ``m`` in either precision).
        """
        key = check_key(key)
        m = sample_count(m, allow_traced=False)
        theta = self._theta()
        return self._exp(theta * stream_frequencies(key, self.data.p, self.dim, m, chunk_size, theta.dtype))

    def sample_counts(self, key: Array, m: int, *, chunk_size: int = DEFAULT_CHUNK) -> Array:
        """The per-cell sample counts of the explicit stream behind :meth:`sampled`.

        int64 under x64; int32 without, which refuses ``m > 2**31 - 1`` (``sampled`` itself is
        exact there: only this integer array is limited).
        """
        integer_counts_dtype(sample_count(m, allow_traced=False))
        return words_to_counts(*self._stream_words(key, m, chunk_size), m)

    def _stream_words(self, key, m, chunk_size):
        key = check_key(key)
        m = sample_count(m, allow_traced=False)
        chunk, n_chunks, last = stream_plan(m, chunk_size)
        return _ingest_iid(key, self.data.p, self.dim, chunk, n_chunks, last)

    def from_stream(self, stream, m: int | None = None) -> Complex[Array, "... N"]:
        """One realisation from a user's stream of ``(indices, values)`` batches.

        ``stream`` is a :class:`qsjax.Stream` or any iterable of such pairs. ``m`` defaults to the
        number of samples found in the stream; if given it must equal that number (the hardware
        fixes the per-sample angle ``t/M`` in advance).
        """
        if not isinstance(stream, Stream):
            stream = Stream(stream, self.dim)
        if stream.dim != self.dim:
            raise ValueError(f"stream dim {stream.dim} does not match the sketch dimension {self.dim}")
        theta = self._theta()
        # Sums of the values per cell, in float64 whatever the precision (exact for 0/1 data up to
        # 2**53 samples); the frequencies are rounded once to the sketch's dtype.
        with jax.enable_x64(True):
            acc = jnp.zeros(theta.shape[::-1], jnp.float64)  # (N, *b)
            total = 0
            for idx, val in stream:
                if val.shape[1:] != self.data.values.shape[1:]:
                    raise ValueError(
                        f"stream values have per-sample shape {val.shape[1:]}, expected "
                        f"{self.data.values.shape[1:]}"
                    )
                acc = _accumulate_batch(acc, idx, val.astype(np.float64))
                total += idx.shape[0]
            total = _stream_total(total, m)
            freq = (acc.T / jnp.float64(total)).astype(theta.dtype)
        return self._exp(self.t * freq)

    def channel(self, m) -> DiagonalChannel:
        """The exact averaged channel for ``m`` IID samples (dense ``(V, V)``, V = N or b N)."""
        m = positive_real(m)
        theta = self._theta()
        check_dense_dim(theta.size, _cdtype(theta), "channel mode")
        # flattened output index v = j * N + x; one fused kernel, so the peak is about chi itself
        chi = _orthogonal_chi(theta.reshape(-1), self.data.probabilities, self.dim, m)
        mean = self.expected(m).reshape(-1)
        return DiagonalChannel(chi=chi, mean=mean)


def _stream_total(total: int, m) -> int:
    """The number of samples a user's stream yielded, checked against the ``m`` the caller fixed."""
    if total == 0:
        raise ValueError("the stream yielded no samples")
    if total > MAX_EXACT_M:
        raise ValueError(f"the stream yielded {total} samples, more than the supported 2**53")
    if m is not None:
        m = sample_count(m, allow_traced=False)
        if m != total:
            raise ValueError(f"m={m} but the stream yielded {total} samples")
    return total


@partial(jax.jit, static_argnums=(2,))
def _orthogonal_chi(theta: Float[Array, " V"], p: Float[Array, " N"], dim: int, m) -> Complex[Array, "V V"]:
    """``chi[v, w]`` of the orthogonal sketch: cells ``v mod dim`` own the samples (DESIGN.md 1.2)."""
    mm = jnp.asarray(m, theta.dtype)
    a = theta / mm
    owner = jnp.arange(a.shape[0]) % dim
    pv = p[owner]
    e = stable_expm1i(a)
    same = owner[:, None] == owner[None, :]
    z = jnp.where(same, pv[:, None] * stable_expm1i(a[:, None] - a[None, :]),
                  pv[:, None] * e[:, None] + pv[None, :] * jnp.conj(e)[None, :])
    return power_m(z, mm)


@partial(jax.jit, static_argnums=(2, 3, 6))
def _ingest_iid(key, p, dim, chunk, n_chunks, last, fold=_FOLD):
    """Exact per-cell counts ``(hi, lo)`` (two uint32 words) of an IID stream of
    ``(n_chunks - 1) * chunk + last`` samples.

    Sample ``l`` is ``_random.sample_indices``'s sample ``l`` exactly (same counter bits, same
    index map), drawn with the faster equivalents in ``_random``; see :func:`count_stream` for the
    exact accumulation. Memory is O(N + chunk) whatever the length. ``n_chunks`` and ``last`` are
    traced: one compilation serves every stream length.
    """
    kw = _random._key_words(key)
    draw = _random._index_sampler(p, dim)
    lane = jnp.arange(chunk)

    def cells(c):
        w0, w1 = _random._stream_bits(kw, c, chunk, chunk)
        # Lanes past the end of the stream go to an overflow bin that is dropped.
        return jnp.where((c < n_chunks - 1) | (lane < last), draw(w0, w1), dim)

    return count_stream(cells, dim, chunk, n_chunks, fold)


@partial(jax.jit, donate_argnums=0)
def _accumulate_jit(acc, idx, val):
    return acc.at[idx].add(val, mode="promise_in_bounds")


def _accumulate_batch(acc, idx, val):
    """``acc[idx] += val`` for one batch of a user's stream, in place (``acc`` is donated: the
    caller must not use it again).

    Measured on CPU against the alternatives (``jnp.bincount``, a host ``np.bincount`` of the batch
    plus an N-vector transfer): an in-place XLA scatter of the transferred batch is the fastest as
    soon as N is large, and never far behind. Indices travel as int32 (half the bytes) when they fit.
    """
    if isinstance(idx, np.ndarray) and idx.dtype != np.int32 and acc.shape[0] <= np.iinfo(np.int32).max:
        idx = idx.astype(np.int32)
    return _accumulate_jit(acc, idx, val)


def boolean_oracle(data: BooleanData, t=None, *, inverse: bool = False) -> PhaseSketch:
    """The Boolean phase-oracle sketch of Algorithm 1 / Theorem D.12.

    Parameters
    ----------
    data : :class:`BooleanData` (single- or multi-bit truth table, optional distribution ``p``).
    t : evolution time. Default ``pi / p_max`` when ``p`` is uniform, which makes the target the
        phase oracle ``O_f = diag((-1)^{f(x)})``; ``1 / p_max`` for non-uniform ``p``, the phase
        stage ``exp(i t p f)`` of Lemma D.18 (finished by a sine LCU and a QSVT threshold).
    inverse : sketch ``U^dagger`` (``t -> -t``), from the same kind of samples.
    """
    if not isinstance(data, BooleanData):
        raise TypeError(f"data must be a qsjax.BooleanData, got {type(data).__name__}")
    dtype = data.values.dtype
    if t is None:
        t = (jnp.pi if data.p is None else 1.0) / data.p_max
    t = _as_t(t, dtype)
    return PhaseSketch(data=data, t=-t if inverse else t)


# ----------------------------------------------------------------------------- naive baseline


class NaivePhaseSketch(AbstractSketch):
    """The non-orthogonal (qDrift-like) baseline with the same target as :class:`PhaseSketch`.

    Per sample ``(x, f(x))`` draw ``u`` uniformly from ``[N']`` (``N' = 2**ceil(log2 N)``) and apply
    ``exp(i (t/M) f(x) (-1)^{x·u} Z^u)``. Unbiased for the phase oracle, but the rotations overlap:
    ``E[V]_v = (1 - F (1 - cos a) + i p_v f_v sin a)^M`` with ``a = t/M``, so the error grows as
    ``(t^2 / 2M) F`` = ``(pi^2 N^2 / 2M) F`` (vs ``pi^2 N / 2M`` for the orthogonal scheme).
    Results are restricted to the data's ``N`` basis states. Single-bit data only.
    """

    data: BooleanData
    t: Float[Array, ""]

    @property
    def dim(self) -> int:
        return self.data.dim

    @property
    def padded_dim(self) -> int:
        return 1 << max(0, (self.dim - 1).bit_length())

    def _pf(self) -> Float[Array, " Np"]:
        g = self.data.probabilities * self.data.values
        return jnp.zeros((self.padded_dim,), g.dtype).at[: self.dim].set(g)

    def _finish(self, signed_freq) -> Complex[Array, " N"]:
        """Phases ``t WHT(signed_freq)`` from per-``u`` signed frequencies ``sum_l f(x_l)
        (-1)^{x_l.u} [u_l = u] / M``, restricted to the data's ``N`` states."""
        phases = self.t * walsh_hadamard(signed_freq.astype(self.t.dtype), normalized=False)
        return jnp.exp(1j * phases[: self.dim].astype(_cdtype(phases)))

    def ideal(self) -> Complex[Array, " N"]:
        return jnp.exp(1j * (self.t * self.data.values * self.data.probabilities).astype(
            _cdtype(self.t)))

    def expected(self, m) -> Complex[Array, " N"]:
        m = positive_real(m)
        mm = jnp.asarray(m, self.t.dtype)
        a = self.t / mm
        f_mass = jnp.sum(self.data.probabilities * self.data.values)
        g = self.data.probabilities * self.data.values
        s = jnp.sin(0.5 * a)
        z = jax.lax.complex(-2.0 * f_mass * s * s * jnp.ones_like(g), g * jnp.sin(a))
        return power_m(z, mm)

    def channel(self, m) -> DiagonalChannel:
        m = positive_real(m)
        check_dense_dim(self.dim, _cdtype(self.t), "channel mode")
        chi = _naive_chi(self.t, self.data.probabilities, self.data.values, m)
        return DiagonalChannel(chi=chi, mean=self.expected(m))

    def counts(self, key: Array, m) -> Complex[Array, " N"]:
        """One realisation in O(N log N): counts of (u, sign) cells ~ Multinomial over 2N'+1 cells."""
        key = check_key(key)
        m = sample_count(m)
        w = walsh_hadamard(self._pf(), normalized=False)  # sum_x p_x f_x (-1)^{x·u}
        f_mass = jnp.sum(self.data.probabilities * self.data.values)
        npad = self.padded_dim
        plus = jnp.clip(0.5 * (f_mass + w), 0.0) / npad
        minus = jnp.clip(0.5 * (f_mass - w), 0.0) / npad
        rest = jnp.clip(1.0 - f_mass, 0.0)[None]
        probs = jnp.concatenate([plus, minus, rest])
        with jax.enable_x64(True):
            n = _random.multinomial_counts(key, m, probs / jnp.sum(probs))
            signed = ((n[:npad] - n[npad : 2 * npad]) / jnp.asarray(m, jnp.float64)).astype(self.t.dtype)
        return self._finish(signed)

    def sampled(self, key: Array, m: int, *, chunk_size: int = DEFAULT_CHUNK) -> Complex[Array, " N"]:
        """One realisation from ``m`` explicit samples ``(x_l, u_l)``, streamed in chunks.

        Needs a 0/1 truth table (the per-``u`` sums are counted as exact integers).
        """
        key = check_key(key)
        m = sample_count(m, allow_traced=False)
        check_binary(self.data.values, "the naive sketch's truth table (sampled mode)")
        chunk, n_chunks, last = stream_plan(m, chunk_size)
        hi, lo = _ingest_naive(key, self.data.p, self.data.values, self.padded_dim, chunk, n_chunks, last)
        return self._finish(_signed_frequencies(hi, lo, self.padded_dim, m, self.t.dtype))

    def from_stream(self, stream, key: Array, m: int | None = None) -> Complex[Array, " N"]:
        """One realisation from a user's stream of ``(x, f(x))`` batches.

        The stream supplies the data samples; the simulator draws each sample's random Z-string
        ``u`` itself from ``key`` (sample ``l`` uses counter ``l`` of the second half of
        ``jax.random.split(key)``, exactly as :meth:`sampled` does), so feeding the ``x`` samples
        of ``sampled(key, m)`` reproduces it. ``m`` as in :meth:`PhaseSketch.from_stream`.
        """
        key = check_key(key)
        if not isinstance(stream, Stream):
            stream = Stream(stream, self.dim)
        if stream.dim != self.dim:
            raise ValueError(f"stream dim {stream.dim} does not match the sketch dimension {self.dim}")
        key_u = jax.random.split(key)[1]
        npad = self.padded_dim
        with jax.enable_x64(True):
            acc = jnp.zeros((npad,), jnp.float64)
            total = 0
            for idx, val in stream:
                if val.ndim != 1:
                    raise ValueError(f"stream values must be one bit per sample, got shape {val.shape}")
                lo = ((total + np.arange(idx.shape[0], dtype=np.int64)) & 0xFFFFFFFF).astype(np.uint32)
                hi = ((total + np.arange(idx.shape[0], dtype=np.int64)) >> 32).astype(np.uint32)
                acc = _accumulate_naive(acc, key_u, jnp.asarray(lo), jnp.asarray(hi), idx.astype(np.int32),
                                        val.astype(np.float64))
                total += idx.shape[0]
            total = _stream_total(total, m)
            signed = (acc / jnp.float64(total)).astype(self.t.dtype)
        return self._finish(signed)


@jax.jit
def _naive_chi(t, p, f, m) -> Complex[Array, "N N"]:
    """``chi`` of the naive baseline (one fused kernel: the peak is about ``chi`` itself)."""
    mm = jnp.asarray(m, t.dtype)
    a = t / mm
    f_mass = jnp.sum(p * f)
    g = p * f
    s = jnp.sin(a)
    dim = g.shape[0]
    re = -f_mass * s * s * jnp.ones((dim, dim), g.dtype)
    im = 0.5 * jnp.sin(2.0 * a) * (g[:, None] - g[None, :])
    chi = power_m(jax.lax.complex(re, im), mm)
    return jnp.where(jnp.eye(dim, dtype=bool), 1.0, chi)


@partial(jax.jit, donate_argnums=0)
def _accumulate_naive(acc, key_u, lo, hi, x, y):
    """``acc[u_l] += y_l (-1)^{x_l . u_l}`` for one batch of a user's stream (``u_l`` from the
    counters ``(lo, hi)`` of ``key_u``)."""
    npad = acc.shape[0]
    w0, w1 = _random.counter_bits(key_u, lo, hi)
    u = _random.uniform_index(w0, w1, npad)
    sign = 1 - 2 * (jax.lax.population_count(x & u) & 1)
    return acc.at[u].add(y * sign.astype(y.dtype), mode="promise_in_bounds")


def _signed_frequencies(hi, lo, npad: int, m, dtype):
    """``(n_plus - n_minus) / m`` from the two-word counts of the ``2 npad`` signed cells."""
    with jax.enable_x64(True):
        n = words_to_float64(hi, lo)
        return ((n[:npad] - n[npad:]) / jnp.asarray(m, jnp.float64)).astype(dtype)


@partial(jax.jit, static_argnums=(3, 4, 7))
def _ingest_naive(key, p, f, npad, chunk, n_chunks, last, fold=_FOLD):
    """Exact counts ``(hi, lo)`` of the naive baseline's stream over ``2 npad`` signed cells: cell
    ``u`` counts samples with ``f(x_l) = 1`` and ``(-1)^{x_l.u_l} = +1`` at ``u_l = u``, cell
    ``npad + u`` those with sign ``-1``.

    Same samples as before (``x`` from ``key_x``, ``u`` uniform from ``key_u``, counter-based), drawn
    with the fast equivalents; see :func:`count_stream` for the exact accumulation.
    """
    dim = f.shape[0]
    key_x, key_u = jax.random.split(key)
    kw_x, kw_u = _random._key_words(key_x), _random._key_words(key_u)
    draw_x = _random._index_sampler(p, dim)
    draw_u = _random._index_sampler(None, npad)
    lane = jnp.arange(chunk)
    marked = f != 0

    def cells(c):
        x = draw_x(*_random._stream_bits(kw_x, c, chunk, chunk))
        u = draw_u(*_random._stream_bits(kw_u, c, chunk, chunk))
        odd = jax.lax.population_count(x & u) & 1
        keep = marked[x] & ((c < n_chunks - 1) | (lane < last))
        return jnp.where(keep, u + npad * odd, 2 * npad)

    return count_stream(cells, 2 * npad, chunk, n_chunks, fold)


def naive_boolean_oracle(data: BooleanData, t=None) -> NaivePhaseSketch:
    """The naive non-orthogonal baseline of DESIGN.md 1.1 (same target and default ``t``)."""
    if not isinstance(data, BooleanData):
        raise TypeError(f"data must be a qsjax.BooleanData, got {type(data).__name__}")
    if data.n_bits is not None:
        raise ValueError("the naive baseline supports single-bit truth tables of shape (N,)")
    if t is None:
        t = (jnp.pi if data.p is None else 1.0) / data.p_max
    return NaivePhaseSketch(data=data, t=_as_t(t, data.values.dtype))


# ----------------------------------------------------------------------------- one entry point


def sketch(oracle, mode: str, m=None, *, key=None, chunk_size: int = DEFAULT_CHUNK, stream=None):
    """Evaluate a sketch in one of the five modes.

    Parameters
    ----------
    oracle : a :class:`PhaseSketch` or :class:`NaivePhaseSketch` (or any object with the mode methods).
    mode : ``"sampled"``, ``"counts"``, ``"expected"``, ``"channel"`` or ``"ideal"``, or a mode value
        (:class:`qsjax.Counts` ``(m)`` etc., which carries its own ``m`` and chunk size).
    m : samples per query (not needed for ``ideal``, nor for ``sampled`` with a ``stream``).
    key : ``jax.random`` key, required by ``sampled`` (without a stream) and ``counts``.
    chunk_size : chunk length for ``sampled`` (does not change the result).
    stream : a user's stream (``sampled`` mode only; the naive baseline also needs ``key`` there,
        for the random Z-string of each sample).

    Returns the diagonal (``ideal``, ``expected``, ``counts``, ``sampled``) or a
    :class:`DiagonalChannel` (``channel``).
    """
    if stream is not None:
        name = mode if isinstance(mode, str) else getattr(mode, "name", mode)
        if name != "sampled":
            raise ValueError(f"stream is only used by mode 'sampled', got mode {mode!r}")
        if isinstance(oracle, NaivePhaseSketch):
            # the naive baseline draws each sample's Z-string itself
            if key is None:
                raise ValueError("the naive sketch needs a jax.random key (key=...) for its Z-strings")
            return oracle.from_stream(stream, check_key(key), m)
        return oracle.from_stream(stream, m)
    return as_mode(mode, m, chunk_size=chunk_size).evaluate(oracle, key)


def samples_for_error(epsilon: float, dim: int | None = None, *, t=None, p_max=None) -> int:
    """Samples per query for an epsilon-accurate Boolean oracle: ``M = ceil(2 p_max t^2 / eps)``.

    With uniform ``p`` and ``t = pi N`` this is ``2 pi^2 N / eps`` (Theorem D.12).
    """
    epsilon = _real_scalar(epsilon, "epsilon")
    if not (0 < epsilon < 2):
        raise ValueError(f"epsilon must be in (0, 2), got {epsilon}")
    if t is None or p_max is None:
        if dim is None:
            raise ValueError("give dim (uniform data) or both t and p_max")
        dim = positive_int(dim, "dim")
        t, p_max = math.pi * dim, 1.0 / dim
    t, p_max = _real_scalar(t, "t"), _real_scalar(p_max, "p_max")
    if not 0 < p_max <= 1:
        raise ValueError(f"p_max must be a probability in (0, 1], got {p_max}")
    if t == 0:
        raise ValueError("t must be nonzero (t = 0 is the identity: no samples needed)")
    return int(math.ceil(2.0 * p_max * t**2 / epsilon))


def _real_scalar(x, name: str) -> float:
    """A finite real Python float from a scalar argument (TypeError for strings, arrays, complex)."""
    x = real_scalar(x, name)
    if not math.isfinite(x):
        raise ValueError(f"{name} must be finite, got {x}")
    return x

