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
4. acting on ``|+^n>`` and undoing ``H`` and the signs leaves ``≈ (2/π) t (p ⊙ b)`` on the good
   branch. By Parseval the rms of the ideal phases over ``u`` is exactly ``t ||p ⊙ b||`` (signs and
   padding drop out), so the default ``t = 1 / (5 ||p ⊙ b||)`` (``= N / (5 ||b||)`` for uniform
   ``p``) gives rms phase 1/5 and success amplitude ``2/(5π) ≈ 0.127`` at every ``N`` and ``p``.

Sampling damps every query: with ``M`` samples the phase of entry ``u`` has variance
``(t^2 sum_j p_j b_j^2 - phi_u^2) / M``, which scales the query's 2x2 signal by ``exp(-var/2)``; a
preparation of ``d`` queries loses the factor ``exp(-d t^2 sum_j p_j b_j^2 / M)`` in success
probability (``exp(-d N / (25 M))`` for uniform ``p`` and the default ``t``), ``L`` amplified
applications ``exp(-L d t^2 sum_j p_j b_j^2 / M)``: see :meth:`VectorStateSketch.samples_for_success`.

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

import math
import warnings
from functools import partial

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Complex, Float, Integer

from .._internal.dtypes import complex_dtype
from .._internal.numerics import power_m, real_times
from .._internal.validate import check_key, float_array, is_concrete, positive_int, positive_real
from ..blockencoding._amplification import amplitude_amplification
from ..blockencoding._sine_lcu import (
    SineLCUEncoding,
    check_qsp_phases,
    query_mode,
)
from ..data._sources import VectorData
from ..kernels._statevector import plus_state
from ..kernels._wht import walsh_hadamard
from ..qsp._arcsin import arcsin_phases
from ..qsp._fixed_point import fixed_point_length, fixed_point_phases
from ..qsp._qsvt import run_qsvt_lcu
from ..random._multinomial import multinomial_frequencies
from ..random._signs import kwise_signs, random_signs
from ..sketch._modes import DEFAULT_CHUNK, AbstractMode, AbstractSketch, Ideal
from ..sketch._streams import stream_frequencies

MAX_AMPLIFICATION_LENGTH = 10_000
"""Most applications of the preparation that :meth:`VectorStateSketch.amplified` runs (L ∝ 1/√w)."""


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

    data: VectorData  # the vector b and its sampling distribution, as given (length N0)
    signs: Float[Array, " N"]  # one random sign per register entry (N = 2**n >= N0)
    t: Float[Array, ""]
    qsp_phases: Float[Array, " d1"]

    @property
    def dim(self) -> int:
        """Register size ``N = 2**n``: the data's length rounded up to a power of two."""
        return self.signs.shape[0]

    @property
    def length(self) -> int:
        """The data's own length ``N0`` (before padding)."""
        return self.data.dim

    @property
    def degree(self) -> int:
        return self.qsp_phases.shape[0] - 1

    @property
    def dtype(self):
        """Real dtype of the whole computation (the data's)."""
        return self.data.values.dtype

    def _pad(self, x) -> Float[Array, " N"]:
        return jnp.zeros((self.dim,), self.dtype).at[: self.length].set(x.astype(self.dtype))

    @property
    def values(self) -> Float[Array, " N"]:
        """``b`` zero-padded to the register size."""
        return self._pad(self.data.values)

    @property
    def probabilities(self) -> Float[Array, " N"]:
        """The sampling distribution, zero on the padding (uniform over ``N0`` by default)."""
        return self._pad(self.data.probabilities)

    def target(self) -> Float[Array, " N"]:
        """The normalised target state ``b / ||b||`` (``p ⊙ b`` normalised for non-uniform ``p``)."""
        w = self.probabilities * self.values
        return w / jnp.linalg.norm(w)

    # -- per-query signal: W-form per-entry matrix [[x, y], [y, x]]
    def ideal_phases(self) -> Float[Array, " N"]:
        """``E[phi] = t WHT(p ⊙ s ⊙ b)``: the phases of the exact oracle."""
        return self.t * walsh_hadamard(self.probabilities * self.signs * self.values, normalized=False)

    def _phases_from_frequencies(self, freq) -> Float[Array, " N"]:
        """Phases ``t WHT(s ⊙ b ⊙ n / m)`` of one realisation with sample frequencies ``n / m``."""
        return self.t * walsh_hadamard(self.signs * self.values * freq, normalized=False)

    def expected_signal(self, m) -> Complex[Array, " N"]:
        """``E[exp(i phi_u)]`` for ``m`` samples, in ``O(N log N)``."""
        mm = jnp.asarray(m, self.dtype)
        c = (self.t / mm) * self.signs * self.values
        p = self.probabilities
        re = -2.0 * jnp.sum(p * jnp.sin(0.5 * c) ** 2)
        im = walsh_hadamard(p * jnp.sin(c), normalized=False)
        return power_m(jax.lax.complex(re * jnp.ones_like(im), im), mm)

    @property
    def phase_oracle(self) -> VectorPhaseOracle:
        """The per-query phase oracle ``diag(e^{i phi})`` as a sketch (every mode but ``channel``)."""
        return VectorPhaseOracle(self)

    # -- running the circuit
    def run(self, mode, m=None, key=None, *, chunk_size: int = DEFAULT_CHUNK) -> VectorStateResult:
        """Prepare the state once (no amplification) in ``mode`` (a name with ``m``, or a mode value
        such as ``qsjax.Counts(m)``).

        ``ideal`` needs neither ``m`` nor ``key``; ``expected`` needs ``m``; ``counts`` and
        ``sampled`` need ``m`` (samples per query) and a ``key``. Compiled once per register size
        and mode (``m`` is a traced argument except in ``sampled``, where it sets loop lengths).
        """
        mode = query_mode(mode, m, key, chunk_size)
        return _run(self, mode, mode.check_key(key))

    def amplified(
        self,
        mode,
        m=None,
        key=None,
        *,
        delta: float = 0.1,
        w: float | None = None,
        chunk_size: int = DEFAULT_CHUNK,
    ) -> VectorStateResult:
        """Prepare the state with fixed-point amplitude amplification (Yoder–Low–Chuang).

        The success probability rises to ``>= 1 - delta**2`` for every initial success ``>= w``
        without knowing it. The default ``w`` is :meth:`success_lower_bound` of this very sketch:
        0.8 times the success of one preparation, in ``ideal`` mode for ``mode="ideal"`` and in
        ``expected`` mode with the same ``m`` otherwise (so a non-default ``t`` and the sampling
        damping are accounted for; ``0.8 (2/(5π))^2`` for the default ``t`` and large ``m``). It needs
        a concrete sketch and ``m``: inside ``jax.jit`` pass ``w`` (e.g. ``sk.success_lower_bound(m)``
        computed outside). A given ``w`` is used as is.

        Every application of the preparation or its inverse uses fresh samples in every query, and
        each of the ``L`` applications is damped by sampling: the amplified success is about
        ``(1 - delta^2) exp(-L d t^2 sum_j p_j b_j^2 / M)``, so pick ``m`` with
        ``samples_for_success(fraction, amplified=True, delta=delta)``.
        """

        mode = query_mode(mode, m, key, chunk_size)
        key = mode.check_key(key)
        m = None if isinstance(mode, Ideal) else mode.samples
        if w is None:
            if self._concrete(m):
                w = self.success_lower_bound(m)
            else:  # traced: the analytic bound for the default t (rms phase 1/5), as documented
                warnings.warn(
                    "amplified() inside jax.jit/vmap cannot measure the sketch's success: using the "
                    "default-t bound w = 0.8 (2/(5 pi))^2; pass w (e.g. sk.success_lower_bound(m) "
                    "computed outside) for another t or a small m",
                    stacklevel=2,
                )
                w = 0.8 * (2.0 / (5.0 * np.pi)) ** 2
        length = fixed_point_length(delta, w)
        if length > MAX_AMPLIFICATION_LENGTH:
            raise ValueError(
                f"fixed-point amplification from success w = {w:.3g} needs L = {length} applications "
                f"(limit {MAX_AMPLIFICATION_LENGTH}); at m = {m!r} sampling damping leaves almost no "
                "success: choose m with sk.samples_for_success(0.9, amplified=True), or pass a larger w"
            )
        return _run_amplified(self, mode, key, float(delta), length)

    def _concrete(self, *extra) -> bool:
        return all(is_concrete(x) for x in (*jax.tree_util.tree_leaves(self), *extra))

    def sampling_variance(self) -> Float[Array, ""]:
        """``kappa = t^2 sum_j p_j b_j^2``: ``M`` times the variance of one query's phase (per entry
        ``u``, up to the tiny ``-phi_u^2`` term). ``N / 25`` for uniform ``p`` and the default ``t``."""
        return self.t**2 * jnp.sum(self.probabilities * self.values**2)

    def success_lower_bound(self, m=None, *, safety: float = 0.8) -> float:
        """The default lower bound ``w`` of :meth:`amplified`: ``safety`` times the success
        probability of one preparation, ideal (``m=None``) or averaged over ``m`` samples per query
        (``expected`` mode, which includes the sampling damping). Costs one run (``O(d N + N log N)``).

        Needs concrete values (not inside ``jax.jit``/``vmap``).
        """
        safety = float(safety)
        if not 0.0 < safety <= 1.0:
            raise ValueError(f"safety must be in (0, 1], got {safety!r}")
        if m is not None:
            m = positive_real(m)
        if not self._concrete(m):
            raise ValueError(
                "the default amplification bound w is computed from the sketch's actual success "
                "probability, which needs concrete values: inside jax.jit/vmap pass w explicitly "
                "(e.g. w = sk.success_lower_bound(m) computed outside the transformation)"
            )
        with jax.ensure_compile_time_eval():
            res = self.run("ideal") if m is None else self.run("expected", m)
            prob = float(res.success_probability)
        if not prob > 0.0:
            raise ValueError(
                f"the preparation has success probability {prob!r} (mode "
                f"{'ideal' if m is None else 'expected'}, m={m!r}): there is nothing to amplify"
            )
        return safety * prob

    def samples_for_success(
        self, fraction: float = 0.9, *, amplified: bool = False, delta: float = 0.1, w: float | None = None
    ) -> int:
        """Samples per query ``M`` for which the sampled success stays ``>= fraction`` times the ideal.

        Derivation. One query averaged over ``M`` IID samples has
        ``E[e^{i phi_u}] = (sum_j p_j e^{i (t/M) s_j b_j (-1)^{j·u}})^M``; its cumulant expansion is
        ``exp(i phi_u - var_u / 2 + O(M^-2))`` with ``var_u = (kappa - phi_u^2) / M`` and
        ``kappa = t^2 sum_j p_j b_j^2`` (:meth:`sampling_variance`). So the query's 2x2 signal
        ``[[sin, cos], [cos, -sin]]`` is scaled by ``exp(-var_u / 2) >= exp(-kappa / (2M))``, and a
        preparation, a product of ``d`` such queries (fresh samples each), by ``exp(-d kappa / (2M))``
        in amplitude: its success probability is at least ``exp(-d kappa / M)`` times the ideal one
        (the ``expected`` mode; the mean over ``counts`` / ``sampled`` realisations is at least as
        large). With ``L`` applications of the preparation (fixed-point amplification) the factor is
        ``exp(-L d kappa / M)``. Solving ``exp(-A d kappa / M) = fraction``:

            ``M = ceil(A d kappa / ln(1 / fraction))``,  ``A = 1`` or ``L``.

        For uniform ``p`` and the default ``t`` (``kappa = N / 25``): ``M = A d N / (25 ln(1/fraction))``,
        e.g. ``7.2 N`` for ``d = 19``, ``fraction = 0.9``; amplified (``L = 27`` at ``delta = 0.1``)
        ``195 N``. At ``N = 2**22`` and ``M = 1e8`` one preparation keeps ``exp(-19 N / (25 M)) = 0.969``
        of its success but the amplified one only ``exp(-27 * 19 N / (25 M)) = 0.42``.

        Parameters
        ----------
        fraction : target ratio sampled / ideal success, in (0, 1).
        amplified : size ``M`` for :meth:`amplified` (``L`` from ``delta`` and ``w``) instead of one
            preparation (:meth:`run`).
        delta, w : as in :meth:`amplified`; the default ``w`` is ``0.8`` times the ideal success times
            the damping ``exp(-d kappa / M)`` of the returned ``M`` (solved self-consistently).
        """

        f = float(fraction)
        if not 0.0 < f < 1.0:
            raise ValueError(f"fraction must be in (0, 1) (sampled / ideal success), got {fraction!r}")
        if not self._concrete():
            raise ValueError("samples_for_success needs a concrete sketch (call it outside jax.jit/vmap)")
        with jax.ensure_compile_time_eval():
            kappa = float(self.sampling_variance())
        rate = self.degree * kappa / math.log(1.0 / f)  # M per application
        if not amplified:
            return max(1, math.ceil(rate))
        if w is not None:
            return max(1, math.ceil(fixed_point_length(delta, w) * rate))
        ideal = self.success_lower_bound(None)
        length = fixed_point_length(delta, ideal)
        for _ in range(64):  # L grows as w shrinks with M: iterate to the fixed point (2-3 steps)
            m = max(1, math.ceil(length * rate))
            new = fixed_point_length(delta, ideal * math.exp(-self.degree * kappa / m))
            if new <= length:
                return m
            length = new
        return m

    @property
    def _cdtype(self):
        return complex_dtype(self.dtype)

    def apply_block(self, anc, mode, m=None, key=None, *, adjoint: bool = False, chunk_size=DEFAULT_CHUNK):
        """Apply the blockwise circuit ``G`` (or ``G^dagger``) to per-entry ancilla states.

        ``anc`` has shape (2, 2, N): (LCU ancilla, QSVT ancilla, system entry), rotated frame (the
        library's ancilla-major layout). ``G`` is the real-part LCU of the QSVT sequence on the sine
        LCU of :attr:`phase_oracle`, one fresh realisation per query (:func:`qsjax.qsp.qsvt_lcu`).
        """
        mode = query_mode(mode, m, key, chunk_size)
        encoding = SineLCUEncoding(self.phase_oracle, mode, key)
        phases = self.qsp_phases.astype(jnp.finfo(jnp.asarray(anc).dtype).dtype)
        return run_qsvt_lcu(phases, encoding, anc, adjoint=adjoint)

    def _result(self, anc, mode: AbstractMode, applications: int) -> VectorStateResult:
        good = anc[0, 0]  # both ancillas in |0>
        state = real_times(self.signs, walsh_hadamard(good))  # undo: H then the signs
        queries = self.degree * applications
        rdt = self.dtype
        samples = queries * jnp.asarray(mode.samples, rdt)
        prob = jnp.sum(jnp.abs(state) ** 2)
        return VectorStateResult(
            state=state,
            success_probability=prob,
            samples=jnp.asarray(samples, rdt),
            queries=jnp.asarray(queries),
        )


@jax.jit
def _run(sk: VectorStateSketch, mode: AbstractMode, key) -> VectorStateResult:
    """One preparation; compiled once per register size and mode kind (``m`` is traced except in
    ``sampled``, whose ``m`` is a static field of the mode: it sets loop lengths)."""
    anc = _initial_ancilla(sk.dim, sk._cdtype)
    return sk._result(sk.apply_block(anc, mode, key=key), mode, applications=1)


@partial(jax.jit, static_argnums=(3, 4))
def _run_amplified(sk: VectorStateSketch, mode: AbstractMode, key, delta: float, length: int):
    alpha, beta = fixed_point_phases(delta, length=length)
    start = _initial_ancilla(sk.dim, sk._cdtype)
    good = jnp.zeros((2, 2, 1), bool).at[0, 0, 0].set(True)

    def call(psi, i, adjoint):
        k = jax.random.fold_in(key, i) if mode.needs_key else None  # fresh samples per application
        return sk.apply_block(psi, mode, key=k, adjoint=adjoint)

    final = amplitude_amplification(
        lambda psi, i: call(psi, i, False),
        lambda psi, i: call(psi, i, True),
        good,
        alpha.astype(jnp.real(start).dtype),
        beta.astype(jnp.real(start).dtype),
        start=start,
        indexed=True,
    )
    return sk._result(final, mode, applications=length)


def _initial_ancilla(dim: int, dtype) -> Complex[Array, "2 2 N"]:
    """``|0>_lcu |0>_qsvt |+^n>`` (rotated frame: the system is ``H|0> = |+>``), ancilla-major."""
    return jnp.zeros((2, 2, dim), dtype).at[0, 0].set(plus_state(dim, dtype, dim=True))


class VectorPhaseOracle(AbstractSketch):
    """One query of the vector state sketch: ``V = diag(e^{i phi})`` with ``phi = (t/M) WHT(s ⊙ b ⊙
    n)`` (DESIGN.md 1.3), in every mode but ``channel``. The state circuit queries it through the
    sine LCU, one fresh realisation per query."""

    sketch: VectorStateSketch

    def _exp(self, phi):
        return jnp.exp(1j * phi.astype(complex_dtype(phi)))

    def ideal(self) -> Complex[Array, " N"]:
        return self._exp(self.sketch.ideal_phases())

    def expected(self, m) -> Complex[Array, " N"]:
        return self.sketch.expected_signal(m)

    def counts(self, key, m) -> Complex[Array, " N"]:
        sk = self.sketch
        freq = multinomial_frequencies(key, m, sk.probabilities, sk.dtype)
        return self._exp(sk._phases_from_frequencies(freq))

    def sampled(self, key, m, *, chunk_size: int = DEFAULT_CHUNK) -> Complex[Array, " N"]:
        sk = self.sketch
        freq = stream_frequencies(key, sk.data.p, sk.length, m, chunk_size, sk.dtype)
        freq = sk._pad(freq)
        return self._exp(sk._phases_from_frequencies(freq))


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
    key : a single ``jax.random`` key for the random signs (the sketch's own randomness; samples
        take their own keys).
    degree : odd degree ``d`` of the arcsin polynomial = the number of fresh sketches per
        preparation (default 19: the paper's "degree 20" counts the 20 phases of a degree-19
        QSP sequence; with it, the fitted constant of ``M = C N / ε`` is the paper's 0.9).
    t : evolution time, a finite nonzero real scalar (a negative ``t`` flips the global sign of the
        prepared state). Default ``1 / (5 ||p ⊙ b||)``, i.e. ``N / (5 ||b||)`` for uniform ``p``
        (``N`` = original length): the rms of the ideal phases over the register is exactly
        ``t ||p ⊙ b||`` (Parseval), so the default makes it 1/5 for every ``N`` and ``p``, keeping the
        phases inside the arcsin window ``[-1, 1]`` with high probability (a 5-sigma excursion for
        near-Gaussian phases) and the ideal success at ``(2/(5π))^2 ≈ 0.0162``.
    signs : ``"random"`` (independent signs) or ``"kwise"`` (seeded ``k``-wise independent family).
    qsp_phases : precomputed Wx-convention phases, a 1-D real finite array of shape
        ``(degree + 1,)`` (skips phase finding).

    Everything is computed in the dtype of ``data`` (float32 data: float32 phases, complex64 states).
    Phase finding always runs eagerly (also when called inside ``jax.jit``) and is cached per degree.
    """
    if not isinstance(data, VectorData):
        raise TypeError(f"data must be a qsjax.VectorData, got {type(data).__name__}")
    key = check_key(key)
    degree = positive_int(degree, "degree")
    if degree % 2 == 0:
        raise ValueError(f"degree must be odd (arcsin is odd), got {degree}")
    if signs not in ("random", "kwise"):
        raise ValueError(f"signs must be 'random' or 'kwise', got {signs!r}")
    dtype = data.values.dtype
    length = data.dim
    dim = 1 << max(0, (length - 1).bit_length())
    if dim > 2**30:
        raise ValueError(f"vector length {length} cannot be padded to a register of at most 2**30 entries")
    if t is None and is_concrete(data.values):
        norm = float(np.linalg.norm(np.asarray(data.values, np.float64)))
        if not (
            np.isfinite(norm)
            and length / (5.0 * norm) < float(jnp.finfo(dtype).max)
            and norm < float(jnp.finfo(dtype).max)
        ):
            raise ValueError(
                f"||b|| = {norm:.3g} overflows or underflows {np.dtype(dtype).name} for the default t = "
                "N/(5||b||): rescale the vector b (the state does not depend on its scale)"
            )
    if t is None:
        if data.p is None:
            t = length / (5.0 * jnp.linalg.norm(data.values))
        else:
            with jax.ensure_compile_time_eval():  # concrete data stays concrete while jit traces
                weight = jnp.linalg.norm(data.p.astype(dtype) * data.values)
            if is_concrete(weight) and not float(weight) > 0.0:
                raise ValueError("p ⊙ b is zero: b is nonzero only where p is 0, so there is no state")
            t = 1.0 / (5.0 * weight)
    t = _check_t(t, dtype)
    s = random_signs(key, dim, dtype) if signs == "random" else kwise_signs(key, dim, k, dtype)
    if qsp_phases is None:
        qsp_phases = arcsin_phases(degree)
    qsp_phases = check_qsp_phases(qsp_phases, dtype, length=degree + 1)
    return VectorStateSketch(data=data, signs=s, t=t, qsp_phases=qsp_phases)


def _check_t(t, dtype) -> Float[Array, ""]:
    """``t`` as a real scalar of ``dtype``: finite and nonzero (``t = 0`` prepares nothing)."""
    t = float_array(t, "t")
    if t.shape != ():
        raise ValueError(f"t must be a real scalar, got shape {t.shape}")
    if is_concrete(t):
        value = float(t)
        if not math.isfinite(value) or value == 0.0:
            raise ValueError(f"t must be a finite, nonzero real number, got {value!r}")
    return t.astype(dtype)
