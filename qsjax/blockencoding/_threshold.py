"""QSVT on sketched diagonal block encodings, with a fresh sketch realisation per query.

A phase sketch ``V = diag(e^{i phi})`` and its inverse, combined by a one-ancilla LCU, block-encode
``sin(phi)`` (:class:`SineLCUEncoding`). QSVT with symmetric phases then yields ``P(sin phi)``; a
second LCU keeps the real part (:func:`qsjax.qsp.qsvt_real`). Each of the ``d``
queries of the QSVT sequence consumes its own ``M`` fresh samples (``fold_in(key, index)``).

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

from .._internal.dtypes import complex_dtype, real_dtype
from .._internal.validate import is_concrete, positive_int
from ..data._sources import BooleanData
from ..qsp._phases import find_phases
from ..qsp._poly import ChebPoly, threshold_polynomial
from ..qsp._qsvt import run_qsvt_real
from ..sketch._modes import DEFAULT_CHUNK, AbstractMode, AbstractSketch, Counts, Expected, Ideal, Sampled
from ..sketch._phase import PhaseSketch, boolean_oracle
from ._sine_lcu import SineLCUEncoding, check_qsp_phases, query_mode


@jax.jit
def _run(oracle: AbstractSketch, qsp_phases, mode: AbstractMode, key):
    target = jax.eval_shape(oracle.ideal)
    dtype = complex_dtype(target.dtype)
    state = jnp.zeros((2, target.shape[0]), dtype).at[0].set(1.0)  # |0>_qsvt on every entry
    phases = qsp_phases.astype(jnp.finfo(dtype).dtype)
    return run_qsvt_real(phases, SineLCUEncoding(oracle, mode, key), state)[0]


def qsvt_sketch(
    oracle: PhaseSketch, qsp_phases, mode: str, m=None, key=None, *, chunk_size: int = DEFAULT_CHUNK
) -> Complex[Array, " N"]:
    """Per-entry ``Re P(sin phi)``: QSVT (Wx-convention symmetric phases) on the sine-LCU block
    encoding of a phase sketch, one fresh realisation per query.

    Parameters
    ----------
    oracle : single-bit :class:`PhaseSketch` (e.g. from :func:`boolean_oracle`).
    qsp_phases : phases ``φ_0..φ_d`` (``d`` queries), a 1-D real finite array with at least one
        entry, e.g. ``qsjax.find_phases(poly).phases``.
    mode : ``"ideal"``, ``"expected"`` (each query replaced by its average: exact for the averaged
        circuit because queries use independent samples), ``"counts"`` or ``"sampled"``, or a mode
        value (:class:`qsjax.Counts` ``(m)`` etc.; then leave ``m`` out).
    m : samples per query; ``key``: randomness for ``counts`` / ``sampled``.

    Returns the diagonal of the block actually applied (complex dtype of the oracle's precision:
    complex64 for float32 data; real up to rounding for unitary modes). Total samples consumed:
    ``d * m``.
    """
    if not isinstance(oracle, AbstractSketch):
        raise TypeError(
            "oracle must be a qsjax PhaseSketch (e.g. from qsjax.boolean_oracle) or another "
            f"qsjax.AbstractSketch with a diagonal of shape (N,), got {type(oracle).__name__}"
        )
    shape = jax.eval_shape(oracle.ideal).shape
    if len(shape) != 1:
        raise ValueError(
            f"qsvt_sketch needs a single diagonal of shape (N,) (e.g. a single-bit truth table), got {shape}"
        )
    qsp_phases = check_qsp_phases(qsp_phases, _real_dtype(oracle))
    mode = query_mode(mode, m, key, chunk_size)
    return _run(oracle, qsp_phases, mode, mode.check_key(key))


def _real_dtype(oracle) -> jnp.dtype:
    """The real dtype of the oracle's precision (float32 or float64)."""
    return real_dtype(jnp.zeros((), complex_dtype(jax.eval_shape(oracle.ideal).dtype)))


class ThresholdOracle(AbstractSketch):
    """The Boolean phase oracle ``O_f`` for a non-uniform sampling distribution (Lemma D.18).

    Phase stage ``exp(i t p f)`` (``t = 1/p_max``), sine LCU, even threshold QSVT; ``degree * m``
    samples per query in all. Build with :func:`threshold_oracle`. A sketch like the others: the
    modes ``ideal`` (the circuit with exact queries: the threshold polynomial's approximation of
    the target), ``expected``, ``counts`` and ``sampled`` (a fresh realisation per QSVT query), and
    :meth:`target`, the exact ``(-1)^{f(x)}`` it approximates.
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

    def ideal(self) -> Complex[Array, " N"]:
        return qsvt_sketch(self.stage, self.qsp_phases, Ideal())

    def expected(self, m) -> Complex[Array, " N"]:
        return qsvt_sketch(self.stage, self.qsp_phases, Expected(m))

    def counts(self, key, m) -> Complex[Array, " N"]:
        return qsvt_sketch(self.stage, self.qsp_phases, Counts(m), key=key)

    def sampled(self, key, m, *, chunk_size: int = DEFAULT_CHUNK) -> Complex[Array, " N"]:
        return qsvt_sketch(self.stage, self.qsp_phases, Sampled(m, chunk_size), key=key)


def threshold_oracle(data: BooleanData, *, degree: int | None = None, qsp_phases=None) -> ThresholdOracle:
    """Build the non-uniform-``p`` Boolean oracle of Lemma D.18.

    The threshold sits halfway between 0 (unmarked entries carry no phase) and ``sin(r_min)``,
    ``r_min = min_{f(x)=1} p_x / p_max``; the transition half-width is 0.45 of that. ``degree``
    (even) defaults to ``2 * ceil(3 / gap)``, capped at 4000. ``qsp_phases`` (optional, skips phase
    finding) must be a 1-D real finite array with at least one entry.

    The threshold and the polynomial depend on the data values, so ``data`` must be concrete; the
    construction (phase finding included) always runs eagerly, also when called while ``jax.jit``
    traces a function that closes over ``data``.
    """
    if not isinstance(data, BooleanData):
        raise TypeError(f"data must be a qsjax.BooleanData, got {type(data).__name__}")
    if data.n_bits is not None:
        raise ValueError("threshold_oracle supports single-bit truth tables of shape (N,)")
    if not (is_concrete(data.values) and (data.p is None or is_concrete(data.p))):
        raise ValueError(
            "threshold_oracle needs concrete data (its threshold and polynomial degree depend on the "
            "values): build it outside jax.jit/vmap and pass the oracle in"
        )
    with jax.ensure_compile_time_eval():
        return _threshold_oracle(data, degree, qsp_phases)


def _threshold_oracle(data: BooleanData, degree, qsp_phases) -> ThresholdOracle:
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
        with jax.enable_x64(True):
            qsp_phases = np.asarray(find_phases(q), dtype=np.float64)
    qsp_phases = check_qsp_phases(qsp_phases, data.values.dtype)
    return ThresholdOracle(stage=stage, qsp_phases=qsp_phases, threshold=threshold)
