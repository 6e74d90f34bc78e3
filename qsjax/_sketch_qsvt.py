"""QSVT on sketched diagonal block encodings, with a fresh sketch realisation per query.

A phase sketch ``V = diag(e^{i phi})`` and its inverse, combined by a one-ancilla LCU, block-encode
``sin(phi)`` (per entry the reflection ``[[sin phi, cos phi], [cos phi, -sin phi]]``). QSVT with
symmetric phases then yields ``P(sin phi)``; a second LCU keeps the real part. Each of the ``d``
queries of the QSVT sequence consumes its own ``M`` fresh samples (``fold_in(key, q)``).

Lemma D.18 uses this to finish the Boolean oracle for a non-uniform sampling distribution: the phase
stage ``exp(i t p_x f_x)`` with ``t = 1/p_max`` gives ``sin(p_x / p_max) >= sin(r_min) > 0`` on
every marked ``x`` and exactly ``0`` elsewhere, and the even threshold polynomial
``Q(x) ≈ 1 - 2·1[|x| >= tau]`` turns it into ``(-1)^{f(x)}``.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Complex, Float

from ._data import BooleanData
from ._sketch import DEFAULT_CHUNK, PhaseSketch, boolean_oracle
from ._validate import positive_int
from ._vector_state import _apply_lcu_qsp, check_query_args

__all__ = ["qsvt_sketch", "ThresholdOracle", "threshold_oracle"]



def _signal_from_diagonal(v: Complex[Array, " N"]):
    """W-form per-entry signal of the sine LCU from one realisation (or average) ``v = E[e^{i phi}]``."""
    return jnp.imag(v).astype(v.dtype), 1j * jnp.real(v)


def _run(oracle: PhaseSketch, qsp_phases, mode: str, m, key, chunk_size: int):
    if oracle.data.values.ndim != 1:
        raise ValueError("qsvt_sketch supports single-bit phase sketches (truth table of shape (N,))")

    def signal(q):
        if mode == "ideal":
            v = oracle.ideal()
        elif mode == "expected":
            v = oracle.expected(m)
        elif mode == "counts":
            v = oracle.counts(jax.random.fold_in(key, q), m)
        else:
            v = oracle.sampled(jax.random.fold_in(key, q), m, chunk_size=chunk_size)
        return _signal_from_diagonal(v)

    dtype = jnp.result_type(oracle.t, jnp.complex64)
    anc = jnp.zeros((oracle.dim, 2, 2), dtype).at[:, 0, 0].set(1.0)
    out = _apply_lcu_qsp(jnp.asarray(qsp_phases, jnp.real(anc).dtype), signal, anc, adjoint=False)
    return out[:, 0, 0]


_run_traced = jax.jit(_run, static_argnums=(2, 5))
_run_static = jax.jit(_run, static_argnums=(2, 3, 5))


def qsvt_sketch(oracle: PhaseSketch, qsp_phases, mode: str, m=None, key=None, *,
                chunk_size: int = DEFAULT_CHUNK) -> Complex[Array, " N"]:
    """Per-entry ``Re P(sin phi)``: QSVT (Wx-convention symmetric phases) on the sine-LCU block
    encoding of a phase sketch, one fresh realisation per query.

    Parameters
    ----------
    oracle : single-bit :class:`PhaseSketch` (e.g. from :func:`boolean_oracle`).
    qsp_phases : phases ``φ_0..φ_d`` (``d`` queries), e.g. ``qsjax.find_phases(poly).phases``.
    mode : ``"ideal"``, ``"expected"`` (each query replaced by its average: exact for the averaged
        circuit because queries use independent samples), ``"counts"`` or ``"sampled"``.
    m : samples per query; ``key``: randomness for ``counts`` / ``sampled``.

    Returns the diagonal of the block actually applied (complex dtype; real up to rounding for
    unitary modes). Total samples consumed: ``d * m``.
    """
    m = check_query_args(mode, m, key)
    if mode == "sampled":
        return _run_static(oracle, qsp_phases, mode, m, key, int(chunk_size))
    return _run_traced(oracle, qsp_phases, mode, m, key, int(chunk_size))


class ThresholdOracle(eqx.Module):
    """The Boolean phase oracle ``O_f`` for a non-uniform sampling distribution (Lemma D.18).

    Phase stage ``exp(i t p f)`` (``t = 1/p_max``), sine LCU, even threshold QSVT. Build with
    :func:`threshold_oracle`; evaluate with :meth:`diagonal` in any of the four modes.
    """

    stage: PhaseSketch
    qsp_phases: Float[Array, " d1"]
    threshold: float = eqx.field(static=True)

    @property
    def degree(self) -> int:
        return self.qsp_phases.shape[0] - 1

    def target(self) -> Float[Array, " N"]:
        """``(-1)^{f(x)}``."""
        return 1.0 - 2.0 * self.stage.data.values

    def diagonal(self, mode: str, m=None, key=None, *, chunk_size: int = DEFAULT_CHUNK):
        """The achieved oracle diagonal (≈ ``(-1)^f``); ``degree * m`` samples in all."""
        return qsvt_sketch(self.stage, self.qsp_phases, mode, m, key, chunk_size=chunk_size)


def threshold_oracle(data: BooleanData, *, degree: int | None = None, qsp_phases=None) -> ThresholdOracle:
    """Build the non-uniform-``p`` Boolean oracle of Lemma D.18.

    The threshold sits halfway between 0 (unmarked entries carry no phase) and ``sin(r_min)``,
    ``r_min = min_{f(x)=1} p_x / p_max``; the transition half-width is 0.45 of that. ``degree``
    (even) defaults to ``2 * ceil(3 / gap)``, capped at 4000.
    """
    if not isinstance(data, BooleanData):
        raise TypeError(f"data must be a qsjax.BooleanData, got {type(data).__name__}")
    if data.n_bits is not None:
        raise ValueError("threshold_oracle supports single-bit truth tables of shape (N,)")
    stage = boolean_oracle(data, t=1.0 / data.p_max)
    p = np.asarray(data.probabilities)
    f = np.asarray(data.values)
    if not f.any():
        raise ValueError("truth table has no marked entries: the oracle is the identity")
    r_min = float(p[f == 1].min() / p.max())
    if r_min <= 0:
        raise ValueError("a marked entry has sampling probability 0: it can never be sketched")
    sin_min = float(np.sin(r_min))
    threshold, gap = 0.5 * sin_min, 0.45 * sin_min
    if qsp_phases is None:
        from ._poly import ChebPoly, threshold_polynomial
        from ._qsp import find_phases

        if degree is None:
            degree = min(4000, 2 * int(np.ceil(3.0 / gap)))
        degree = positive_int(degree, "degree")
        if degree % 2:
            raise ValueError(f"degree must be even (the threshold is an even polynomial), got {degree}")
        step = threshold_polynomial(degree, threshold, gap)
        coeffs = -2.0 * np.asarray(step.coeffs)
        coeffs[0] += 1.0  # Q = 1 - 2 P
        q = ChebPoly.from_coeffs(coeffs, target="1 - 2*1[|x|>=t]")
        if q.max_abs > 1.0:
            q = ChebPoly.from_coeffs(coeffs / (q.max_abs * (1 + 1e-12)), target="1 - 2*1[|x|>=t]")
        qsp_phases = np.asarray(find_phases(q))
    qsp_phases = jnp.asarray(qsp_phases, data.values.dtype)
    return ThresholdOracle(stage=stage, qsp_phases=qsp_phases, threshold=threshold)



