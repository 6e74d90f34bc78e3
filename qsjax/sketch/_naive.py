"""The naive non-orthogonal (qDrift-like) baseline sketch: random Z-string rotations with the same
target as the orthogonal phase sketch, whose error grows as N^2 / M instead of N / M."""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Complex, Float

from .._internal.dtypes import complex_dtype
from .._internal.numerics import power_m
from .._internal.validate import check_binary, check_dense_dim, check_key, positive_real, sample_count
from ..data._sources import BooleanData
from ..kernels._wht import walsh_hadamard
from ..random._counters import counter_bits, index_sampler, key_words, stream_bits, stream_plan, uniform_index
from ..random._multinomial import multinomial_counts
from ._channel import DiagonalChannel
from ._modes import DEFAULT_CHUNK, AbstractSketch
from ._phase import as_t, default_t
from ._streams import FOLD, count_stream, walk_stream, words_to_float64

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
        return jnp.exp(1j * phases[: self.dim].astype(complex_dtype(phases)))

    def ideal(self) -> Complex[Array, " N"]:
        return jnp.exp(
            1j * (self.t * self.data.values * self.data.probabilities).astype(complex_dtype(self.t))
        )

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
        check_dense_dim(self.dim, complex_dtype(self.t), "channel mode")
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
            n = multinomial_counts(key, m, probs / jnp.sum(probs))
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
        key_u = jax.random.split(key)[1]

        def add(acc, idx, val, start):
            if val.ndim != 1:
                raise ValueError(f"stream values must be one bit per sample, got shape {val.shape}")
            counter = start + np.arange(idx.shape[0], dtype=np.int64)  # sample numbers: 64-bit counters
            lo = (counter & 0xFFFFFFFF).astype(np.uint32)
            hi = (counter >> 32).astype(np.uint32)
            return _accumulate_naive(
                acc, key_u, jnp.asarray(lo), jnp.asarray(hi), idx.astype(np.int32), val.astype(np.float64)
            )

        with jax.enable_x64(True):
            acc = jnp.zeros((self.padded_dim,), jnp.float64)
            acc, total = walk_stream(stream, self.dim, add, acc, m)
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
    w0, w1 = counter_bits(key_u, lo, hi)
    u = uniform_index(w0, w1, npad)
    sign = 1 - 2 * (jax.lax.population_count(x & u) & 1)
    return acc.at[u].add(y * sign.astype(y.dtype), mode="promise_in_bounds")


def _signed_frequencies(hi, lo, npad: int, m, dtype):
    """``(n_plus - n_minus) / m`` from the two-word counts of the ``2 npad`` signed cells."""
    with jax.enable_x64(True):
        n = words_to_float64(hi, lo)
        return ((n[:npad] - n[npad:]) / jnp.asarray(m, jnp.float64)).astype(dtype)


@partial(jax.jit, static_argnums=(3, 4, 7))
def _ingest_naive(key, p, f, npad, chunk, n_chunks, last, fold=FOLD):
    """Exact counts ``(hi, lo)`` of the naive baseline's stream over ``2 npad`` signed cells: cell
    ``u`` counts samples with ``f(x_l) = 1`` and ``(-1)^{x_l.u_l} = +1`` at ``u_l = u``, cell
    ``npad + u`` those with sign ``-1``.

    Same samples as before (``x`` from ``key_x``, ``u`` uniform from ``key_u``, counter-based), drawn
    with the fast equivalents; see :func:`count_stream` for the exact accumulation.
    """
    dim = f.shape[0]
    key_x, key_u = jax.random.split(key)
    kw_x, kw_u = key_words(key_x), key_words(key_u)
    draw_x = index_sampler(p, dim)
    draw_u = index_sampler(None, npad)
    lane = jnp.arange(chunk)
    marked = f != 0

    def cells(c):
        x = draw_x(*stream_bits(kw_x, c, chunk, chunk))
        u = draw_u(*stream_bits(kw_u, c, chunk, chunk))
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
    return NaivePhaseSketch(data=data, t=as_t(default_t(data) if t is None else t, data.values.dtype))
