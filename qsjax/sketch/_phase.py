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

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Complex, Float

from .._internal.dtypes import complex_dtype
from .._internal.numerics import expected_phase, orthogonal_chi
from .._internal.validate import (
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
from ..data._sources import BooleanData, IIDSource
from ..random._counters import stream_plan
from ..random._multinomial import multinomial_frequencies
from ._channel import DiagonalChannel
from ._modes import DEFAULT_CHUNK, AbstractSketch
from ._streams import accumulate_batch, ingest_iid, stream_frequencies, walk_stream, words_to_counts

# ----------------------------------------------------------------------------- orthogonal sketch


def as_t(t, dtype) -> Array:
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
                    f"support entries must be distinct, got repeated {uniq[cnt > 1][:5].tolist()}"
                )
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
        return jnp.exp(1j * phases.astype(complex_dtype(phases)))

    # -- the five modes
    def ideal(self) -> Complex[Array, "... N"]:
        """The target diagonal ``exp(i t p_x f_x)``."""
        return self._exp(self._theta() * self.data.probabilities)

    def expected(self, m) -> Complex[Array, "... N"]:
        """``E[V]`` for ``m`` IID samples: ``(1 + p_x (e^{i theta_x/m} - 1))^m`` (stable form).

        Differentiable in ``m`` (a float is fine here), ``t``, ``p`` and the data values.
        """
        return expected_phase(self.data.probabilities, self._theta(), positive_real(m))

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
            freq = multinomial_frequencies(key, m, p, theta.dtype)
        else:
            support = self._check_support(support)
            ps = p[support]
            cells = jnp.concatenate([ps, jnp.clip(1.0 - jnp.sum(ps), 0.0)[None]])
            fs = multinomial_frequencies(key, m, cells, theta.dtype)[:-1]
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
        return ingest_iid(key, self.data.p, self.dim, chunk, n_chunks, last)

    def from_stream(self, stream, m: int | None = None) -> Complex[Array, "... N"]:
        """One realisation from a user's stream of ``(indices, values)`` batches.

        ``stream`` is a :class:`qsjax.Stream` or any iterable of such pairs. ``m`` defaults to the
        number of samples found in the stream; if given it must equal that number (the hardware
        fixes the per-sample angle ``t/M`` in advance).
        """
        theta = self._theta()
        per_sample = self.data.values.shape[1:]

        def add(acc, idx, val, start):
            if val.shape[1:] != per_sample:
                raise ValueError(
                    f"stream values have per-sample shape {val.shape[1:]}, expected {per_sample}"
                )
            return accumulate_batch(acc, idx, val.astype(np.float64))

        # Sums of the values per cell, in float64 whatever the precision (exact for 0/1 data up to
        # 2**53 samples); the frequencies are rounded once to the sketch's dtype.
        with jax.enable_x64(True):
            acc = jnp.zeros(theta.shape[::-1], jnp.float64)  # (N, *b)
            acc, total = walk_stream(stream, self.dim, add, acc, m)
            freq = (acc.T / jnp.float64(total)).astype(theta.dtype)
        return self._exp(self.t * freq)

    def channel(self, m) -> DiagonalChannel:
        """The exact averaged channel for ``m`` IID samples (dense ``(V, V)``, V = N or b N)."""
        m = positive_real(m)
        theta = self._theta()
        check_dense_dim(theta.size, complex_dtype(theta), "channel mode")
        # flattened output index v = j * N + x; one fused kernel, so the peak is about chi itself
        chi = _orthogonal_chi(theta.reshape(-1), self.data.probabilities, self.dim, m)
        mean = self.expected(m).reshape(-1)
        return DiagonalChannel(chi=chi, mean=mean)


@partial(jax.jit, static_argnums=(2,))
def _orthogonal_chi(theta: Float[Array, " V"], p: Float[Array, " N"], dim: int, m) -> Complex[Array, "V V"]:
    """``chi[v, w]`` of the orthogonal sketch: cells ``v mod dim`` own the samples (DESIGN.md 1.2).

    Entries of different cells are :func:`orthogonal_chi` (the formula the exact diamond distance
    uses too); entries ``v != w`` of one cell (two output bits of a multi-bit oracle, moved by the
    same samples) are ``E[V]`` of the angle difference, the diagonal is 1.
    """
    owner = jnp.arange(theta.shape[0]) % dim
    pv = p[owner]
    chi = orthogonal_chi(pv[:, None], theta[:, None], pv[None, :], theta[None, :], m)
    if theta.shape[0] == dim:  # single-bit: only the diagonal shares a cell
        return jnp.where(jnp.eye(dim, dtype=bool), jnp.ones((), chi.dtype), chi)
    same = owner[:, None] == owner[None, :]
    one_cell = orthogonal_chi(pv[:, None], theta[:, None] - theta[None, :], 0.0, 0.0, m)
    return jnp.where(same, one_cell, chi)


class PhaseSketchView(AbstractSketch):
    """A sketch whose every mode is that of a :class:`PhaseSketch` it holds (``phases``): the matrix
    oracles are phase sketches over their own cells (nonzeros, rows) with their own readouts."""

    phases: PhaseSketch

    @property
    def t(self) -> Float[Array, ""]:
        return self.phases.t

    def ideal(self) -> Complex[Array, "..."]:
        return self.phases.ideal()

    def expected(self, m) -> Complex[Array, "..."]:
        return self.phases.expected(m)

    def counts(self, key: Array, m) -> Complex[Array, "..."]:
        return self.phases.counts(key, m)

    def sampled(self, key: Array, m, *, chunk_size: int = DEFAULT_CHUNK) -> Complex[Array, "..."]:
        return self.phases.sampled(key, m, chunk_size=chunk_size)

    def channel(self, m) -> DiagonalChannel:
        return self.phases.channel(m)


def boolean_oracle(data: BooleanData, t=None, *, inverse: bool = False) -> PhaseSketch:
    """The Boolean phase-oracle sketch of Algorithm 1 / Theorem D.12.

    Parameters
    ----------
    data : :class:`BooleanData` (single- or multi-bit truth table, optional distribution ``p``).
    t : evolution time. Default (:func:`default_t`) ``pi / p_max`` when ``p`` is uniform, which
        makes the target the phase oracle ``O_f = diag((-1)^{f(x)})``; ``1 / p_max`` for non-uniform
        ``p``, the phase stage ``exp(i t p f)`` of Lemma D.18 (finished by a sine LCU and a QSVT
        threshold).
    inverse : sketch ``U^dagger`` (``t -> -t``), from the same kind of samples.
    """
    if not isinstance(data, BooleanData):
        raise TypeError(f"data must be a qsjax.BooleanData, got {type(data).__name__}")
    t = as_t(default_t(data) if t is None else t, data.values.dtype)
    return PhaseSketch(data=data, t=-t if inverse else t)


def default_t(data: BooleanData) -> Float[Array, ""]:
    """The default evolution time of a Boolean sketch (orthogonal or naive) of ``data``: ``pi / p_max``
    for uniform ``p`` (the target is then ``O_f = diag((-1)^f)``), ``1 / p_max`` for a given ``p``
    (the phase stage ``exp(i t p f)`` of Lemma D.18)."""
    return (jnp.pi if data.p is None else 1.0) / data.p_max


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
