"""The index oracle from element samples: counter sketch -> sine LCU -> sign QSVT -> binary search.

(DESIGN.md 1.4.) The matrix is ``N x D`` with ``K`` nonzeros and ``s`` ranks per row; the column
register has ``b = ceil(log2(D + s))`` qubits (``s`` phantom columns past the matrix pad the rows
with fewer than ``s`` nonzeros, see :mod:`qsjax.sketch` ``IndexCounterSketch``). Target:

    |i, r, 0>  ->  |i, r, j(i, r)>,   j(i, r) = max{l : C'(i, l) < r + 1},

the column of the ``(r+1)``-th nonzero of row ``i`` (``r < nnz_i``) or the phantom column
``D + r - nnz_i`` (``r >= nnz_i``).

Sign oracle. The counter sketch ``V = exp(i theta)``, ``theta = pi (C' - (r+1) + 1/2) / (2s + 1)``,
and its inverse give the sine-LCU block encoding of ``sin theta`` (:class:`SineLCUEncoding`); QSVT
with an odd sign polynomial ``P`` (Remez minimax, gap ``sin(pi / (4s + 2))``) and the real-part LCU
give ``S = Re P(sin theta) ~ (-1)^[C'(i, l) < r + 1]`` on every cell (``d = degree`` queries, each a
fresh realisation of ``M`` samples: ``fold_in(step_key, k)``).

Binary search, in place, MSB first: for ``m = b-1, ..., 0``: ``H_m``, the sign oracle diagonal
``S_m(i, r, l)`` (its own key ``fold_in(key, m)``), ``H_m``, ``X_m``, a global ``-1``. With exact
signs, if ``l0`` holds the bits of ``j`` above ``m`` and zeros below, ``S(l0) = -1`` and
``S(l0 + 2^m) = -1`` iff bit ``m`` of ``j`` is 1, so ``-X H S H |l0> = |l0 + 2^m bit_m(j)>``: the
circuit maps ``|i, r, 0>`` to ``|i, r, j(i, r)>`` exactly. With the polynomial's error and sketched
counters amplitude leaks to other ``l``; the simulation follows the full superposition exactly,
using only that bits below ``m`` are still ``|0>`` before step ``m`` (the state of step ``m`` lives
on ``2**(b - m)`` values of ``l``), so the cost is ``O(R s 2**b)`` for the whole search. The
amplitudes are those of the branch where every sign oracle's ancillas return to ``|0>`` (the block
the sign oracle encodes; fresh ancillas per step).

Error. Every block has norm ``<= 1`` and differs from the exact sign diagonal by at most
``delta = max |Re P(x) - sign(x)|`` over the cell values ``x``, so in ideal mode
``|| output - |j> || <= b delta`` and the column fidelity is at least ``(1 - b delta)^2``
(:meth:`IndexOracle.fidelity_bound`). Samples per full oracle call: ``b * degree * M``.
"""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Complex, Float, Integer

from .._internal.dtypes import complex_dtype
from .._internal.validate import integer_arg, real_scalar
from ..data._matrix import AbstractMatrixSource
from ..qsp._phases import find_phases
from ..qsp._poly import minimax_degree, sign_polynomial
from ..qsp._qsvt import run_qsvt_real
from ..sketch._counter import IndexCounterSketch, check_rows, index_counter_sketch
from ..sketch._modes import DEFAULT_CHUNK, AbstractMode, AbstractSketch, Counts, Expected, Ideal, Sampled
from ._sine_lcu import SineLCUEncoding, check_qsp_phases, query_mode

MAX_INDEX_AMPLITUDES = 2**26
"""Largest output state ``R * s * 2**b`` (rows x ranks x column register) the index oracle allocates;
evaluate larger matrices in row blocks with ``rows=`` (rows are independent controls)."""

DEFAULT_INDEX_EPSILON = 1e-3
"""Default target ``||output - |j(i, r)>|| <= epsilon`` of the ideal-mode index oracle."""


def _sign_cells(counter: IndexCounterSketch, qsp_phases, mode: AbstractMode, key) -> Complex[Array, "R C s"]:
    """``Re P(sin theta)`` on every cell of one sign-oracle realisation (QSVT on the sine LCU)."""
    target = jax.eval_shape(counter.ideal)
    dtype = complex_dtype(target.dtype)
    shape = target.shape[:-1] + (2, target.shape[-1])  # ancilla on axis -2, ranks last
    state = jnp.zeros(shape, dtype).at[..., 0, :].set(1.0)
    phases = qsp_phases.astype(jnp.finfo(dtype).dtype)
    return run_qsvt_real(phases, SineLCUEncoding(counter, mode, key), state)[..., 0, :]


def _binary_search(counter_l: Integer[Array, "R L"], signs, n_bits: int, n_ranks: int, dtype):
    """The in-place binary search on ``|i, r, 0>``; ``signs(m)`` gives step ``m``'s cells
    ``(R, C, s)``. Before step ``m`` only the bits above ``m`` are populated: ``psi[..., p]`` is the
    amplitude of ``l = p << (m + 1)``."""
    n_rows = counter_l.shape[0]
    psi = jnp.ones((n_rows, n_ranks, 1), dtype)
    half = 0.5
    for m in reversed(range(n_bits)):
        p = np.arange(psi.shape[-1])
        ls = ((p[:, None] << (m + 1)) | (np.arange(2)[None, :] << m)).reshape(-1)  # (2P,) p-major
        cells = jnp.swapaxes(signs(m), -1, -2)  # (R, s, C)
        idx = jnp.broadcast_to(counter_l[:, None, ls], (n_rows, n_ranks, ls.size))
        s = jnp.take_along_axis(cells, idx, axis=-1).reshape(n_rows, n_ranks, -1, 2)
        s0, s1 = s[..., 0], s[..., 1]
        # H|0> = (|0> + |1>)/sqrt2, then S, then -X H: new0 = (S1 - S0)/2, new1 = -(S0 + S1)/2
        new0 = psi * ((s1 - s0) * half)
        new1 = psi * ((s0 + s1) * -half)
        psi = jnp.stack([new0, new1], axis=-1).reshape(n_rows, n_ranks, -1)
    return psi


@jax.jit
def _run(oracle: IndexOracle, mode: AbstractMode, key):
    counter = oracle.counter
    dtype = complex_dtype(jax.eval_shape(counter.ideal).dtype)
    b = counter.n_bits
    if mode.needs_key:
        step_keys = jax.vmap(lambda m: jax.random.fold_in(key, m))(jnp.arange(b, dtype=jnp.int32))
        table = jax.lax.map(lambda k: _sign_cells(counter, oracle.qsp_phases, mode, k), step_keys)

        def signs(m):
            return table[m]
    else:  # ideal / expected: every step's sign oracle is the same
        one = _sign_cells(counter, oracle.qsp_phases, mode, None)

        def signs(m):
            return one

    return _binary_search(counter.counter(), signs, b, counter.sparsity, dtype)


@jax.jit
def _sign_only(oracle: IndexOracle, mode: AbstractMode, key):
    return _sign_cells(oracle.counter, oracle.qsp_phases, mode, key)


class IndexOracle(AbstractSketch):
    """The index oracle ``|i, r, 0> -> |i, r, j(i, r)>`` from element samples (DESIGN.md 1.4).

    Build with :func:`index_oracle`. Modes ``ideal`` (exact queries: only the sign polynomial's
    error), ``expected`` (every query averaged: the averaged circuit, exact since queries use
    independent samples), ``counts`` and ``sampled`` (a fresh realisation per query) return the
    output amplitudes on the inputs ``|i, r, 0>``: shape ``(R, s, 2**b)`` for the ``R`` selected
    rows. One full call consumes ``b * degree * M`` samples (:meth:`samples_per_call`).
    """

    counter: IndexCounterSketch
    qsp_phases: Float[Array, " d1"]
    columns: Integer[Array, "R s"]  # j(i, r) of the selected rows, phantom columns included

    # -- sizes and accounting
    @property
    def n_bits(self) -> int:
        """Column-register qubits ``b = ceil(log2(D + s))``."""
        return self.counter.n_bits

    @property
    def sparsity(self) -> int:
        return self.counter.sparsity

    @property
    def degree(self) -> int:
        """Degree of the sign polynomial: queries per sign oracle."""
        return self.qsp_phases.shape[0] - 1

    @property
    def rows(self) -> Integer[Array, " R"]:
        return self.counter.rows

    @property
    def gap(self) -> float:
        """``sin(pi / (4s + 2))``: the smallest ``|sin theta|`` of the counter."""
        return math.sin(math.pi / (4 * self.sparsity + 2))

    @property
    def n_queries(self) -> int:
        """Counter-sketch queries per full oracle call: ``b * degree``."""
        return self.n_bits * self.degree

    def samples_per_call(self, m) -> int:
        """Element samples one full oracle call consumes: ``b * degree * m`` (each query is one
        realisation of ``m`` samples, shared by its ``V`` and ``V^dagger`` and by both branches of
        the real-part LCU, as in :class:`ThresholdOracle`)."""
        return self.n_queries * int(m)

    @property
    def output_shape(self) -> tuple[int, int, int]:
        return (self.rows.shape[0], self.sparsity, 1 << self.n_bits)

    # -- targets and figures of merit
    def target(self) -> Float[Array, "R s L"]:
        """The exact output: one-hot at ``j(i, r)`` on every input ``|i, r, 0>``."""
        return jax.nn.one_hot(self.columns, 1 << self.n_bits, dtype=self.counter.t.dtype)

    def column_fidelity(self, amplitudes: Array) -> Float[Array, "... R s"]:
        """``|<i, r, j(i, r)| O |i, r, 0>|^2`` for output amplitudes ``(..., R, s, 2**b)``."""
        amplitudes = jnp.asarray(amplitudes)
        if amplitudes.shape[-3:] != self.output_shape:
            raise ValueError(
                f"amplitudes must have shape (..., {', '.join(map(str, self.output_shape))}) (rows, ranks, "
                f"column register), got {amplitudes.shape}"
            )
        idx = jnp.broadcast_to(self.columns[..., None], amplitudes.shape[:-1] + (1,))
        return jnp.abs(jnp.take_along_axis(amplitudes, idx, axis=-1)[..., 0]) ** 2

    def sign_oracle(self, mode="ideal", m=None, key=None, *, chunk_size: int = DEFAULT_CHUNK):
        """One sign-oracle realisation on the cells, ``Re P(sin theta)`` of shape ``(R, 2s + 1, s)``
        (``~ (-1)^[c < r + 1]``; spread over the register with ``oracle.counter.on_register``)."""
        mode = query_mode(mode, m, key, chunk_size)
        return _sign_only(self, mode, mode.check_key(key))

    def sign_error(self) -> Float[Array, ""]:
        """``delta = max |Re P(x) - sign(x)|`` over every cell value ``x = sin theta`` of the exact
        counter (the per-step error of the ideal-mode sign diagonal)."""
        s = self.sparsity
        c = jnp.arange(2 * s + 1)[:, None]
        r = jnp.arange(s)[None, :]
        exact = jnp.where(c < r + 1, -1.0, 1.0)
        return jnp.max(jnp.abs(jnp.real(self.sign_oracle("ideal")) - exact))

    def fidelity_bound(self) -> Float[Array, ""]:
        """``max(0, 1 - b delta)^2``: a lower bound on every ideal-mode column fidelity."""
        return jnp.maximum(0.0, 1.0 - self.n_bits * self.sign_error()) ** 2

    def with_rows(self, rows) -> IndexOracle:
        """The same oracle (same phases, same realisations per key) on another row subset."""
        rows = check_rows(self.counter.matrix, rows)
        _check_allocation(rows.shape[0], self.sparsity, self.n_bits)
        with jax.ensure_compile_time_eval():
            cols = _target_columns(self.counter.matrix, self.sparsity, np.asarray(rows))
        counter = eqx.tree_at(lambda c: c.rows, self.counter, rows)
        return IndexOracle(counter=counter, qsp_phases=self.qsp_phases, columns=jnp.asarray(cols))

    # -- the modes
    def ideal(self) -> Complex[Array, "R s L"]:
        return _run(self, Ideal(), None)

    def expected(self, m) -> Complex[Array, "R s L"]:
        return _run(self, Expected(m), None)

    def counts(self, key, m) -> Complex[Array, "R s L"]:
        mode = Counts(m)
        return _run(self, mode, mode.check_key(key))

    def sampled(self, key, m, *, chunk_size: int = DEFAULT_CHUNK) -> Complex[Array, "R s L"]:
        mode = Sampled(m, chunk_size)
        return _run(self, mode, mode.check_key(key))


def _check_allocation(n_rows: int, s: int, n_bits: int) -> None:
    size = n_rows * s * (1 << n_bits)
    if size > MAX_INDEX_AMPLITUDES:
        raise ValueError(
            f"the index oracle's output state has {n_rows} rows x {s} ranks x 2**{n_bits} columns = {size} "
            f"amplitudes, more than MAX_INDEX_AMPLITUDES = 2**{MAX_INDEX_AMPLITUDES.bit_length() - 1}: pass "
            f"rows= (at most {max(1, MAX_INDEX_AMPLITUDES // (s << n_bits))} rows at a time) and evaluate "
            "the rows in blocks (rows are independent controls; oracle.with_rows(...) reuses the phases)"
        )


def _target_columns(matrix: AbstractMatrixSource, s: int, rows: np.ndarray) -> np.ndarray:
    """``j(i, r)``: the column of the ``(r+1)``-th nonzero of row ``i``, or the phantom column
    ``D + r - nnz_i`` for ``r >= nnz_i``."""
    d = matrix.shape[1]
    k, mask = (np.asarray(a) for a in matrix.row_entries(jnp.asarray(rows)))
    _, cols, _ = (np.asarray(a) for a in matrix.entries(jnp.asarray(k)))
    nnz = mask.sum(axis=1)
    r = np.arange(s)[None, :]
    real = np.zeros((rows.shape[0], s), np.int64)
    real[:, : cols.shape[1]] = np.where(mask, cols, 0)
    return np.where(r < nnz[:, None], real, d + r - nnz[:, None]).astype(np.int32)


def index_oracle(
    matrix: AbstractMatrixSource,
    *,
    sparsity=None,
    degree: int | None = None,
    epsilon: float = DEFAULT_INDEX_EPSILON,
    qsp_phases=None,
    rows=None,
) -> IndexOracle:
    """The index oracle of a sparse matrix from element samples (DESIGN.md 1.4).

    Parameters
    ----------
    matrix : a matrix source (:func:`qsjax.sparse_matrix` or a view); only the positions of its
        nonzeros matter.
    sparsity : ranks per row ``s`` (default ``matrix.row_sparsity``; larger values pad more ranks
        with phantom columns ``D .. D + s - 1``).
    degree : odd degree of the sign polynomial (queries per sign oracle). Default: the smallest
        degree whose bounded Remez sign polynomial at gap ``sin(pi / (4s + 2))`` has error at most
        ``epsilon / b`` (:func:`qsjax.qsp.minimax_degree`), which makes the ideal-mode output within
        ``epsilon`` of ``|j(i, r)>`` in the 2-norm.
    epsilon : target error of the ideal-mode oracle, in ``(0, 1)`` (used only when ``degree`` and
        ``qsp_phases`` are not given).
    qsp_phases : optional ``"wx"`` phases of an odd polynomial (skips phase finding).
    rows : optional 1-D integer array of the rows to simulate (default all rows). The output state
        ``R * s * 2**b`` must not exceed :data:`MAX_INDEX_AMPLITUDES`.

    The construction (polynomial and phase finding, once) runs eagerly, also when called while
    ``jax.jit`` traces a function; every mode then reuses the phases.
    """
    if not isinstance(matrix, AbstractMatrixSource):
        raise TypeError(
            f"matrix must be a qsjax matrix source (see qsjax.sparse_matrix), got {type(matrix).__name__}"
        )
    with jax.ensure_compile_time_eval():
        counter = index_counter_sketch(matrix, sparsity=sparsity, rows=rows)
        s, b = counter.sparsity, counter.n_bits
        _check_allocation(counter.rows.shape[0], s, b)
        gap = math.sin(math.pi / (4 * s + 2))
        if degree is not None:
            degree = integer_arg(degree, "degree")
            if degree < 1 or degree % 2 == 0:
                raise ValueError(f"degree must be an odd positive integer (a sign polynomial), got {degree}")
        if qsp_phases is None:
            if degree is None:
                eps = real_scalar(epsilon, "epsilon")
                if not 0.0 < eps < 1.0:
                    raise ValueError(f"epsilon must lie in (0, 1), got {epsilon!r}")
                degree = minimax_degree("sign", eps / b, gap=gap, bounded=True)
            poly = sign_polynomial(degree, gap, method="remez")
            with jax.enable_x64(True):
                qsp_phases = np.asarray(find_phases(poly).phases, dtype=np.float64)
        qsp_phases = check_qsp_phases(qsp_phases, matrix.dtype, length=None if degree is None else degree + 1)
        if (qsp_phases.shape[0] - 1) % 2 == 0:
            raise ValueError(
                f"qsp_phases must have an even number of entries (an odd polynomial of degree "
                f"len - 1), got {qsp_phases.shape[0]}"
            )
        cols = _target_columns(matrix, s, np.asarray(counter.rows))
    return IndexOracle(counter=counter, qsp_phases=qsp_phases, columns=jnp.asarray(cols))
