"""The row-index oracle from row samples (DESIGN.md 1.4).

A sample is a whole sparse row ``i`` of ``A`` (uniform over the ``N`` rows). For every rank
``k < s`` and bit ``m`` of the column index ``j(i, k)`` (the column of the ``k``-th nonzero of row
``i``), it applies the phase ``(t/M) pi bit_m(j(i, k))`` on ``|i>|k>|1>_m``. The subspaces
``|i>|k>|.>`` of different rows are orthogonal, so ``M`` samples give the Boolean phase sketch of
the multi-bit table ``f(i) = (bit_m(j(i, k)))_{k, m}`` (``s * b`` output bits, ``b = ceil(log2
n_cols)``) with row counts ``n_i``: phase ``pi t n_i f / M`` with ``t = N``, ideal ``(-1)^f``. A
Hadamard on each bit qubit before and after turns the phase bit into an XOR bit,
``H diag(1, (-1)^f) H |0> = |f>``, so the ideal oracle is ``|i, k, y> -> |i, k, y XOR j(i, k)>``.

Ranks beyond a row's nonzeros (``k >= nnz_i``) are given the smallest columns the row does not use,
in increasing order, so ``k -> j(i, k)`` is injective on ``[0, s)`` for every row (as the
sparse-access block encoding needs; those entries hold zeros of ``A``).
"""

from __future__ import annotations

import math

import equinox as eqx
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Complex, Float, Integer

from ..data._matrix import AbstractMatrixSource
from ..data._sources import BooleanData, Stream
from ._phase import PhaseSketch, PhaseSketchView, as_t

MAX_EXACT_INDEX_BITS = 20
"""Largest column register (bits) for which :meth:`RowIndexOracle.operator_errors` forms the
``2**b`` products of the exact operator-norm error."""


class RowSampledSketch(PhaseSketchView):
    """A phase sketch over the rows of a matrix whose samples are whole rows (row-index and rank
    oracles): the cells are rows, each sample carrying its row's table entries."""

    matrix: AbstractMatrixSource

    @property
    def dim(self) -> int:
        """Number of cells the samples index: the rows ``N``."""
        return self.matrix.shape[0]

    def from_stream(self, batches, m: int | None = None) -> Complex[Array, "... N"]:
        """One realisation from a user's stream of row samples: any iterable of integer arrays of
        sampled row indices (each sample carries the whole row, which sets its table entries);
        ``m`` as in :meth:`qsjax.PhaseSketch.from_stream`."""
        table = np.asarray(self.phases.data.values)

        def cells():
            for b, rows in enumerate(batches):
                rows = np.asarray(rows)
                if rows.ndim != 1 or (rows.size and not np.issubdtype(rows.dtype, np.integer)):
                    raise ValueError(f"stream batch {b} must be a 1-D integer array of row indices")
                if rows.size and (rows.min() < 0 or rows.max() >= self.dim):
                    raise ValueError(f"stream batch {b}: row indices must lie in [0, {self.dim})")
                yield rows, table[rows]

        return self.phases.from_stream(Stream(cells(), dim=self.dim), m)


class RowIndexOracle(RowSampledSketch):
    """The sketched row-index oracle. Build with :func:`row_index_oracle`.

    Mode results are the per-bit phase diagonals of shape ``(s * b, N)`` (ancilla-major: output
    bit ``k * b + m``, then row ``i``), exactly those of the multi-bit Boolean phase sketch.
    """

    columns: Integer[Array, "N s"]  # j(i, k), padding ranks included
    n_bits: int = eqx.field(static=True)

    @property
    def sparsity(self) -> int:
        return self.columns.shape[1]

    # -- the XOR form
    def bit_phases(self, diag: Complex[Array, "sb N"]) -> Complex[Array, "N s b"]:
        """A mode result regrouped per row, rank and bit: ``v[i, k, m]``."""
        n, s, b = self.dim, self.sparsity, self.n_bits
        return jnp.moveaxis(jnp.asarray(diag).reshape(s, b, n), -1, 0)

    def xor_amplitudes(self, diag: Complex[Array, "sb N"]) -> Complex[Array, "N s b 2"]:
        """``H diag(1, v) H |0> = ((1 + v)/2, (1 - v)/2)`` per row, rank and bit: the amplitudes of
        ``|0>`` and ``|1>`` of each bit of the column register on input ``|i, k, 0>``."""
        v = self.bit_phases(diag)
        return jnp.stack([(1.0 + v) / 2.0, (1.0 - v) / 2.0], axis=-1)

    def column_fidelity(self, diag: Complex[Array, "sb N"]) -> Float[Array, "N s"]:
        """``|<j(i, k)| O |i, k, 0>|^2``: the probability that the oracle writes the right column."""
        amp = self.xor_amplitudes(diag)
        bits = (self.columns[..., None] >> jnp.arange(self.n_bits)) & 1
        right = jnp.take_along_axis(amp, bits[..., None], axis=-1)[..., 0]
        return jnp.prod(jnp.abs(right) ** 2, axis=-1)

    def operator_errors(self, diag: Complex[Array, "sb N"]) -> Float[Array, "N s"]:
        """``|| O_{i,k} - O^ideal_{i,k} ||`` per row and rank, exactly: in the Hadamard basis of the
        column register both are diagonal, ``prod_{m in y} v_m`` over subsets ``y`` of the bits, so
        the norm is the largest of ``2**b`` differences (``b <= MAX_EXACT_INDEX_BITS``)."""
        if self.n_bits > MAX_EXACT_INDEX_BITS:
            raise ValueError(
                f"operator_errors forms 2**b products; b = {self.n_bits} > {MAX_EXACT_INDEX_BITS} bits"
            )
        v = self.bit_phases(diag)
        u = self.bit_phases(self.ideal()).astype(v.dtype)
        pv = jnp.ones(v.shape[:-1] + (1,), v.dtype)
        pu = pv
        for m in range(self.n_bits):  # products over every subset of bits, built bit by bit
            pv = jnp.concatenate([pv, pv * v[..., m : m + 1]], axis=-1)
            pu = jnp.concatenate([pu, pu * u[..., m : m + 1]], axis=-1)
        return jnp.max(jnp.abs(pv - pu), axis=-1)


def _rank_columns(matrix: AbstractMatrixSource) -> np.ndarray:
    """``j(i, k)`` for every row and rank ``k < s`` (row sparsity), padding ranks filled with the
    smallest unused columns."""
    n, d = matrix.shape
    s = matrix.row_sparsity
    k, mask = (np.asarray(a) for a in matrix.row_entries(np.arange(n)))
    _, cols, _ = (np.asarray(a) for a in matrix.entries(k))
    cols = np.where(mask, cols, d)  # padding sorts last
    cand = np.arange(min(2 * s, d))  # the first s unused columns lie below 2s
    used = (cand[None, :, None] == cols[:, None, :]).any(-1)  # (n, cand)
    free = np.where(~used, cand[None, :], d + cand.size)
    free = np.sort(free, axis=1)[:, :s]
    nnz = mask.sum(1)
    fill = np.take_along_axis(free, np.clip(np.arange(s)[None, :] - nnz[:, None], 0, s - 1), axis=1)
    return np.where(mask, cols, fill).astype(np.int32)


def row_index_oracle(matrix: AbstractMatrixSource, *, t=None) -> RowIndexOracle:
    """The row-index oracle of a sparse matrix from row samples (DESIGN.md 1.4).

    Parameters
    ----------
    matrix : a matrix source (:func:`qsjax.sparse_matrix` or a view); its values do not matter,
        only the positions of its nonzeros.
    t : evolution time (default ``pi N``, ``N`` the number of rows: the ideal oracle is then the XOR
        oracle).
    """
    if not isinstance(matrix, AbstractMatrixSource):
        raise TypeError(
            f"matrix must be a qsjax matrix source (see qsjax.sparse_matrix), got {type(matrix).__name__}"
        )
    n, d = matrix.shape
    bits = max(1, math.ceil(math.log2(d))) if d > 1 else 1
    cols = _rank_columns(matrix)
    table = ((cols[..., None] >> np.arange(bits)) & 1).reshape(n, -1)  # (N, s*b): bit k*b + m
    dtype = matrix.dtype
    data = BooleanData(jnp.asarray(table, dtype))
    t = as_t(math.pi * n if t is None else t, dtype)
    return RowIndexOracle(
        matrix=matrix, phases=PhaseSketch(data=data, t=t), columns=jnp.asarray(cols), n_bits=bits
    )
