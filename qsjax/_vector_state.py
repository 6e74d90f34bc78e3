"""General real-vector state sketch (Theorem D.24, DESIGN.md 1.3).

Pipeline for ``b ∈ R^N`` (zero-padded to ``N = 2**n``), with random signs ``s``:

1. one sample ``(j, b_j)`` applies ``exp(i (t/M) s_j b_j Z^j)``: diagonal, every basis state ``u``
   picks up ``(t/M) s_j b_j (-1)^{j·u}``. Accumulated over ``M`` samples the phase is
   ``phi = (t/M) WHT(g)``, ``g_j = s_j b_j n_j``: a segment-sum plus ONE fast Walsh–Hadamard
   transform. Its mean is ``t WHT(p ⊙ s ⊙ b)`` = ``(t/√N) H(s ⊙ b)`` for uniform ``p``.
2. a one-ancilla LCU of controlled ``V`` and ``V^dagger`` (same samples) block-encodes
   ``sin(phi)``, per entry the 2x2 reflection ``[[sin phi, cos phi], [cos phi, -sin phi]]``.
3. QSVT with an odd polynomial ``P ≈ arcsin(x)/arcsin(1)``: each of its ``d`` queries is a FRESH
   sketch (new samples); a second LCU keeps ``Re P``. The block becomes ``≈ phi / arcsin(1)``.
4. acting on ``|+^n>`` and undoing ``H`` and the signs leaves ``≈ (2t/(πN)) b`` on the good branch:
   with ``t = N / (5 ||b||)`` the success amplitude is ``2/(5π) ≈ 0.127``.

Everything is simulated in the Hadamard-rotated frame, where the whole circuit is *blockwise*:
for each system basis state ``u`` a small unitary on the two ancillas (LCU ⊗ QSVT). Query ``k``
is generated inside a ``lax.scan`` from ``fold_in(key, k)``, so memory is O(N) for any degree.

Modes: ``ideal`` (exact oracle in every query), ``counts`` / ``sampled`` (one fresh realisation per
query), ``expected`` (every query replaced by its average; because queries use independent
samples, the product of the averaged 2x2 blocks *is* the average of the whole circuit). The
``expected`` signal is ``O(N log N)``: ``sum_j p_j exp(i c_j (-1)^{j·u}) = sum_j p_j cos c_j +
i WHT(p ⊙ sin c)_u``.
"""

from __future__ import annotations

import functools
from functools import partial

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Complex, Float, Integer

from . import _random
from ._data import VectorData
from ._kernels import walsh_hadamard
from ._sketch import DEFAULT_CHUNK, _ingest_iid, _power_m
from ._validate import is_concrete, positive_int, positive_real, sample_count

__all__ = [
    "VectorStateSketch",
    "VectorStateResult",
    "vector_state",
    "random_signs",
    "kwise_signs",
    "arcsin_phases",
]

_MERSENNE31 = (1 << 31) - 1


# ----------------------------------------------------------------------------- signs


def random_signs(key: Array, dim: int, dtype=None) -> Float[Array, " N"]:
    """Independent uniformly random signs ``±1`` (the default)."""
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
    k = positive_int(k, "k")
    dtype = dtype or jnp.result_type(float)
    coeffs = jax.random.randint(key, (k,), 0, _MERSENNE31, dtype=jnp.int32).astype(jnp.uint32)
    j = jnp.arange(dim, dtype=jnp.uint32) % jnp.uint32(_MERSENNE31)
    acc = jnp.zeros((dim,), jnp.uint32)
    for c in range(k):  # Horner: acc = acc * j + a_c  (mod p); k is small and static
        hi, lo = _random._mul_wide(acc, j)
        acc = _mod_mersenne(hi, lo) + coeffs[c]
        acc = jnp.where(acc >= _MERSENNE31, acc - _MERSENNE31, acc)
    return jnp.where((acc & 1) == 0, 1.0, -1.0).astype(dtype)


# ----------------------------------------------------------------------------- shared argument check

QUERY_MODES = ("ideal", "expected", "counts", "sampled")


def check_query_args(mode: str, m, key):
    """Validate ``(mode, m, key)`` for circuits that query a sketch once per QSVT step.

    ``expected`` accepts a positive real ``m`` (differentiable), ``counts`` an integer (traced ok),
    ``sampled`` a concrete integer (it sets loop lengths). Returns the checked ``m``.
    """
    if mode not in QUERY_MODES:
        raise ValueError(f"mode must be one of {sorted(QUERY_MODES)}, got {mode!r}")
    if mode != "ideal":
        if m is None:
            raise ValueError(f"mode {mode!r} needs the number of samples per query m")
        m = positive_real(m) if mode == "expected" else sample_count(m, allow_traced=mode != "sampled")
    if mode in ("counts", "sampled") and key is None:
        raise ValueError(f"mode {mode!r} needs a jax.random key (key=...)")
    return m


# ----------------------------------------------------------------------------- result


class VectorStateResult(eqx.Module):
    """Output of a state-sketch run.

    ``state`` is the (sub-normalised) system state on the good branch (all ancillas 0), shape
    (N,); ``success_probability = ||state||^2``; ``samples`` the number of samples consumed;
    ``queries`` the number of sketch realisations used.
    """

    state: Complex[Array, " N"]
    success_probability: Float[Array, ""]
    samples: Float[Array, ""]
    queries: Integer[Array, ""]

    @property
    def normalized_state(self) -> Complex[Array, " N"]:
        return self.state / jnp.sqrt(self.success_probability)


# ----------------------------------------------------------------------------- the sketch


class VectorStateSketch(eqx.Module):
    """The general real-vector state sketch. Build with :func:`vector_state`.

    ``qsp_phases`` are symmetric QSP phases in the Wx convention
    (``U = e^{i φ_0 Z} Π_k W(x) e^{i φ_k Z}``, ``P(x) = Re <0|U|0>``) of an odd polynomial
    approximating ``arcsin(x) / arcsin(1)``.
    """

    values: Float[Array, " N"]  # b, zero-padded to a power of two
    p: Float[Array, " N"] | None  # sampling distribution (None = uniform over the original length)
    signs: Float[Array, " N"]
    t: Float[Array, ""]
    qsp_phases: Float[Array, " d1"]
    length: int = eqx.field(static=True)  # original length of b

    @property
    def dim(self) -> int:
        return self.values.shape[0]

    @property
    def degree(self) -> int:
        return self.qsp_phases.shape[0] - 1

    @property
    def probabilities(self) -> Float[Array, " N"]:
        if self.p is not None:
            return self.p
        return jnp.where(jnp.arange(self.dim) < self.length, 1.0 / self.length, 0.0).astype(self.values.dtype)

    def target(self) -> Float[Array, " N"]:
        """The normalised target state ``b / ||b||`` (``p ⊙ b`` normalised for non-uniform ``p``)."""
        w = self.probabilities * self.values
        return w / jnp.linalg.norm(w)

    # -- per-query signal: W-form per-entry matrix [[x, y], [y, x]]
    def ideal_phases(self) -> Float[Array, " N"]:
        """``E[phi] = t WHT(p ⊙ s ⊙ b)``: the phases of the exact oracle."""
        return self.t * walsh_hadamard(self.probabilities * self.signs * self.values, normalized=False)

    def _phases_from_counts(self, n, m) -> Float[Array, " N"]:
        g = self.signs * self.values * n.astype(self.values.dtype)
        return (self.t / jnp.asarray(m, self.values.dtype)) * walsh_hadamard(g, normalized=False)

    def expected_signal(self, m) -> Complex[Array, " N"]:
        """``E[exp(i phi_u)]`` for ``m`` samples, in ``O(N log N)``."""
        mm = jnp.asarray(m, self.values.dtype)
        c = (self.t / mm) * self.signs * self.values
        p = self.probabilities
        re = -2.0 * jnp.sum(p * jnp.sin(0.5 * c) ** 2)
        im = walsh_hadamard(p * jnp.sin(c), normalized=False)
        return _power_m(jax.lax.complex(re * jnp.ones_like(im), im), mm)

    def _signal(self, mode: str, key, m, q):
        """Per-entry W-form signal ``(x, y)`` of query ``q`` (fresh samples: ``fold_in(key, q)``)."""
        if mode == "ideal":
            phi = self.ideal_phases()
        elif mode == "expected":
            e = self.expected_signal(m)
            return jnp.imag(e).astype(e.dtype), 1j * jnp.real(e)
        elif mode == "counts":
            n = _random.multinomial_counts(jax.random.fold_in(key, q), m, self.probabilities)
            phi = self._phases_from_counts(n, m)
        else:  # sampled
            raise AssertionError("sampled signals are produced by _sampled_phases")
        cdt = jnp.result_type(phi, jnp.complex64)
        return jnp.sin(phi).astype(cdt), (1j * jnp.cos(phi)).astype(cdt)

    # -- running the circuit
    def run(self, mode: str, m=None, key=None, *, chunk_size: int = DEFAULT_CHUNK) -> VectorStateResult:
        """Prepare the state once (no amplification) in ``mode``.

        ``ideal`` needs neither ``m`` nor ``key``; ``expected`` needs ``m``; ``counts`` and
        ``sampled`` need ``m`` (samples per query) and a ``key``. Compiled once per register size
        and mode (``m`` is a traced argument except in ``sampled``, where it sets loop lengths).
        """
        m = self._check_mode_args(mode, m, key)
        if mode == "sampled":
            return _run_sampled(self, m, key, int(chunk_size))
        return _run_traced(self, mode, m, key)

    def amplified(self, mode: str, m=None, key=None, *, delta: float = 0.1, w: float | None = None,
                  chunk_size: int = DEFAULT_CHUNK) -> VectorStateResult:
        """Prepare the state with fixed-point amplitude amplification (Yoder–Low–Chuang).

        The success probability rises to ``>= 1 - delta**2`` for every initial success ``>= w``
        without knowing it (default ``w = 0.8 (2/(5π))^2``, safely below the sketch's ~0.0162).
        Every application of the preparation or its inverse uses fresh samples in every query.
        """
        from ._grover import fixed_point_length

        m = self._check_mode_args(mode, m, key)
        if w is None:
            w = 0.8 * (2.0 / (5.0 * np.pi)) ** 2
        length = fixed_point_length(delta, w)
        return _run_amplified(self, mode, m, key, float(delta), length, int(chunk_size))

    @property
    def _cdtype(self):
        return jnp.result_type(self.values, jnp.complex64)

    def _check_mode_args(self, mode, m, key):
        return check_query_args(mode, m, key)

    def apply_block(self, anc, mode, m=None, key=None, *, adjoint: bool = False, chunk_size=DEFAULT_CHUNK):
        """Apply the blockwise circuit ``G`` (or ``G^dagger``) to per-entry ancilla states.

        ``anc`` has shape (N, 2, 2): (system entry, LCU ancilla, QSVT ancilla), rotated frame.
        """
        m = self._check_mode_args(mode, m, key)
        if mode == "sampled":
            signal = partial(_sampled_signal, self, key, m, chunk_size)
        else:
            signal = partial(self._signal, mode, key, m)
        return _apply_lcu_qsp(self.qsp_phases, signal, anc, adjoint=adjoint)

    def _result(self, anc, mode, m, applications: int) -> VectorStateResult:
        good = anc[:, 0, 0]  # both ancillas in |0>
        state = self.signs * walsh_hadamard(good)  # undo: H then the signs
        queries = self.degree * applications
        samples = jnp.zeros(()) if mode == "ideal" else queries * jnp.asarray(m, self.values.dtype)
        prob = jnp.sum(jnp.abs(state) ** 2)
        return VectorStateResult(state=state, success_probability=prob, samples=jnp.asarray(samples),
                                 queries=jnp.asarray(queries))


@partial(jax.jit, static_argnums=(1,))
def _run_traced(sk: VectorStateSketch, mode: str, m, key) -> VectorStateResult:
    anc = _initial_ancilla(sk.dim, sk._cdtype)
    return sk._result(sk.apply_block(anc, mode, m, key), mode, m, applications=1)


@partial(jax.jit, static_argnums=(1, 3))
def _run_sampled(sk: VectorStateSketch, m: int, key, chunk_size: int) -> VectorStateResult:
    anc = _initial_ancilla(sk.dim, sk._cdtype)
    return sk._result(sk.apply_block(anc, "sampled", m, key, chunk_size=chunk_size), "sampled", m, 1)


@partial(jax.jit, static_argnums=(1, 4, 5, 6))
def _run_amplified(sk: VectorStateSketch, mode: str, m, key, delta: float, length: int, chunk_size: int):
    from ._grover import amplitude_amplification, fixed_point_phases

    alpha, beta = fixed_point_phases(delta, length=length)
    start = _initial_ancilla(sk.dim, sk._cdtype)
    good = jnp.zeros((1, 2, 2), bool).at[0, 0, 0].set(True)
    needs_key = mode in ("counts", "sampled")

    def call(psi, i, adjoint):
        k = jax.random.fold_in(key, i) if needs_key else None
        return sk.apply_block(psi, mode, m, k, adjoint=adjoint, chunk_size=chunk_size)

    final = amplitude_amplification(
        lambda psi, i: call(psi, i, False), lambda psi, i: call(psi, i, True), good,
        alpha.astype(jnp.real(start).dtype), beta.astype(jnp.real(start).dtype), start=start, indexed=True,
    )
    return sk._result(final, mode, m, applications=length)


def _initial_ancilla(dim: int, dtype) -> Complex[Array, "N 2 2"]:
    """``|0>_lcu |0>_qsvt`` on every entry of ``|+^n>`` (rotated frame: the system is ``H|0> = |+>``)."""
    anc = jnp.zeros((dim, 2, 2), dtype)
    return anc.at[:, 0, 0].set(1.0 / np.sqrt(dim))


def _sampled_signal(sk: VectorStateSketch, key, m, chunk_size, q):
    chunk = min(int(chunk_size), m)
    n_chunks = -(-m // chunk)
    last = m - (n_chunks - 1) * chunk
    n = _ingest_iid(jax.random.fold_in(key, q), sk.p if sk.p is not None else None, sk.length, chunk,
                    n_chunks, last)
    n = jnp.zeros((sk.dim,), n.dtype).at[: sk.length].set(n)
    phi = sk._phases_from_counts(n, m)
    cdt = jnp.result_type(phi, jnp.complex64)
    return jnp.sin(phi).astype(cdt), (1j * jnp.cos(phi)).astype(cdt)


def _rot_z(v, phase):
    """``e^{i phase Z}`` on the QSVT ancilla (last axis) of ``v`` (N, 2[lcu], 2[qsvt]).

    ``phase`` has shape (2,): one per LCU branch (+φ for branch 0, -φ for branch 1).
    """
    e = jnp.exp(1j * phase.astype(v.dtype))[None, :, None]
    return jnp.concatenate([v[..., :1] * e, v[..., 1:] * jnp.conj(e)], axis=-1)


def _apply_signal(v, x, y):
    """Per-entry ``[[x, y], [y, x]]`` on the QSVT ancilla."""
    a, b = v[..., 0], v[..., 1]
    x = x[:, None]
    y = y[:, None]
    return jnp.stack([x * a + y * b, y * a + x * b], axis=-1)


def _hadamard_lcu(v):
    a, b = v[:, 0], v[:, 1]
    return jnp.stack([a + b, a - b], axis=1) / np.sqrt(2.0)


def _apply_lcu_qsp(phases, signal, anc, *, adjoint: bool):
    """``H_lcu · (U_φ ⊕ U_{-φ}) · H_lcu`` per entry; ``U_φ = e^{iφ_0 Z} Π_{k=1..d} W_k e^{iφ_k Z}``.

    ``signal(q)`` returns the W-form signal of query ``q`` (q = 1..d, a fresh realisation each).
    The adjoint reverses the order, conjugates the signal and negates the phases.
    """
    d = phases.shape[0] - 1
    sgn = jnp.array([1.0, -1.0], dtype=jnp.real(anc).dtype)
    v = _hadamard_lcu(anc)
    if not adjoint:
        def body(v, k):
            q = d - k  # apply the rightmost factor first: k = 0 -> query d
            v = _rot_z(v, sgn * phases[q])
            x, y = signal(q)
            return _apply_signal(v, x, y), None

        v, _ = jax.lax.scan(body, v, jnp.arange(d))
        v = _rot_z(v, sgn * phases[0])
    else:
        v = _rot_z(v, -sgn * phases[0])

        def body(v, k):
            q = k + 1
            x, y = signal(q)
            v = _apply_signal(v, jnp.conj(x), jnp.conj(y))
            return _rot_z(v, -sgn * phases[q]), None

        v, _ = jax.lax.scan(body, v, jnp.arange(d))
    return _hadamard_lcu(v)


def vector_state(
    data: VectorData,
    key: Array,
    *,
    degree: int = 19,
    t=None,
    signs: str = "random",
    k: int = 4,
    qsp_phases=None,
) -> VectorStateSketch:
    """Build the general vector state sketch of ``data``.

    Parameters
    ----------
    data : :class:`VectorData` (real vector ``b``, optional sampling distribution; uniform gives
        ``|b>``, a non-uniform ``p`` gives the state ``∝ p ⊙ b``).
    key : key for the random signs (the sketch's own randomness; samples take their own keys).
    degree : odd degree ``d`` of the arcsin polynomial = the number of fresh sketches per
        preparation (default 19: the paper's "degree 20" counts the 20 phases of a degree-19
        QSP sequence; with it, the fitted constant of ``M = C N / ε`` is the paper's 0.9).
    t : evolution time, default ``N / (5 ||b||)`` (``N`` = original length), which keeps the
        phases inside the arcsin window with high probability.
    signs : ``"random"`` (independent signs) or ``"kwise"`` (seeded ``k``-wise independent family).
    qsp_phases : precomputed Wx-convention phases (skips phase finding).
    """
    if not isinstance(data, VectorData):
        raise TypeError(f"data must be a qsjax.VectorData, got {type(data).__name__}")
    degree = positive_int(degree, "degree")
    if degree % 2 == 0:
        raise ValueError(f"degree must be odd (arcsin is odd), got {degree}")
    length = data.dim
    dim = 1 << max(0, (length - 1).bit_length())
    if dim > 2**30:
        raise ValueError(f"vector length {length} cannot be padded to a register of at most 2**30 entries")
    vals = jnp.zeros((dim,), data.values.dtype).at[:length].set(data.values)
    p = None if data.p is None else jnp.zeros((dim,), data.values.dtype).at[:length].set(data.p)
    if t is None:
        t = length / (5.0 * jnp.linalg.norm(data.values))
    t = jnp.asarray(t, data.values.dtype)
    if signs == "random":
        s = random_signs(key, dim, data.values.dtype)
    elif signs == "kwise":
        s = kwise_signs(key, dim, k, data.values.dtype)
    else:
        raise ValueError(f"signs must be 'random' or 'kwise', got {signs!r}")
    if qsp_phases is None:
        qsp_phases = arcsin_phases(degree)
    qsp_phases = jnp.asarray(qsp_phases, data.values.dtype)
    if is_concrete(qsp_phases) and qsp_phases.shape != (degree + 1,):
        raise ValueError(f"qsp_phases must have shape ({degree + 1},), got {qsp_phases.shape}")
    return VectorStateSketch(values=vals, p=p, signs=s, t=t, qsp_phases=qsp_phases, length=length)


def arcsin_phases(degree: int) -> np.ndarray:
    """Wx-convention symmetric QSP phases for the odd polynomial ≈ arcsin(x)/arcsin(1).

    Phase finding is deterministic, so the result is cached per degree (a fresh copy is returned).
    """
    return _arcsin_phases_cached(positive_int(degree, "degree")).copy()


@functools.cache
def _arcsin_phases_cached(degree: int) -> np.ndarray:
    from ._poly import arcsin_polynomial
    from ._qsp import find_phases

    return np.asarray(find_phases(arcsin_polynomial(degree)))
