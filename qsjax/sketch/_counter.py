"""The cumulative counter of the index oracle from element samples (DESIGN.md 1.4).

A sample is one nonzero ``(i, j)`` of a sparse ``N x D`` matrix with ``K`` nonzeros, uniform over
them. On the register ``|i, r, l>`` (row ``i``, 0-based rank ``r < s``, column register
``l < 2**b``, ``b = ceil(log2(D + s))``) it applies the phase ``t / M`` to every ``|i, ., l>`` with
``l > j`` (``t = pi K / (2s + 1)``). The rotations of different rows act on orthogonal subspaces,
so ``M`` samples multiply to the phase ``t F(i, l)`` with ``F(i, l)`` the fraction of the ``M``
samples that fell in row ``i`` at a column ``< l``; its mean is ``#{nonzeros j < l of row i} / K``.

Phantom columns (padding). The index oracle must map the ranks ``r < s`` of *every* row injectively
to columns, also for rows with ``nnz_i < s`` nonzeros, but element samples never reveal which
columns a row does not use. The counter therefore gets ``s`` phantom columns ``D .. D + s - 1``
past the matrix that count deterministically, an exact gate with no samples::

    C'(i, l) = #{nonzeros j < l of row i} + clip(l - D, 0, s).

The largest ``l`` with ``C'(i, l) < r + 1`` is then ``j(i, r)``: the column of the ``(r+1)``-th
nonzero of row ``i`` when ``r < nnz_i`` and the phantom column ``D + (r - nnz_i)`` otherwise
(injective in ``r``). (The row-index oracle, which sees whole rows, pads with unused *real*
columns instead.) Together with the exact offset ``-pi (r + 1 - 1/2) / (2s + 1)`` the ideal phase is

    theta(i, r, l) = pi (C'(i, l) - (r + 1) + 1/2) / (2s + 1)   in (-pi/2, pi),

with ``sin theta < 0`` exactly when ``C'(i, l) < r + 1`` and ``|sin theta| >= sin(pi / (4s + 2))``.

Cells. Every realised phase is piecewise constant in ``l``: it depends on ``(i, l)`` only through
``c = C'(i, l)`` in ``[0, 2s]`` (``c <= nnz_i``: the first ``c`` nonzeros of row ``i``;
``c > nnz_i``: all of them plus ``c - nnz_i`` phantoms). The sketch is therefore evaluated on the
cell grid ``(i, c, r)``, shape ``(R, 2s + 1, s)`` for the ``R`` selected rows, and
:meth:`IndexCounterSketch.on_register` gathers a cell result at ``c = C'(i, l)`` onto the register.

========== ==========================================================================================
mode       cell phase ``e^{i theta}``, ``theta = t F(i, c) + pi (max(c - nnz_i, 0) - r - 1/2)/(2s+1)``
========== ==========================================================================================
ideal      ``F = min(c, nnz_i) / K``, i.e. ``theta = pi (c - r - 1/2) / (2s + 1)``
expected   ``E[e^{i t n / M}]``, ``n ~ Binomial(M, min(c, nnz_i) / K)`` (stable form), times the
           exact phase
counts     per-nonzero counts from one ``Multinomial(M, 1/K)`` draw, prefix sums along each row's
           nonzeros (sorted by column)
sampled    the same from ``M`` explicit samples (exact integer stream counts; independent of the
           chunk size)
========== ==========================================================================================
"""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Complex, Float, Integer

from .._internal.dtypes import complex_dtype
from .._internal.numerics import expected_phase
from .._internal.validate import check_key, integer_arg, is_concrete, positive_real, sample_count
from ..data._matrix import AbstractMatrixSource
from ..random._multinomial import multinomial_frequencies
from ._modes import DEFAULT_CHUNK, AbstractSketch
from ._phase import as_t
from ._streams import stream_frequencies


class IndexCounterSketch(AbstractSketch):
    """The sketched cumulative counter ``exp(i theta(i, r, l))`` of the index oracle, on cells.

    Build with :func:`index_counter_sketch`. Mode results have shape ``(R, 2s + 1, s)``: selected
    row, counter value ``c = C'(i, l)``, rank ``r`` (see the module docstring for the formulas);
    :meth:`on_register` spreads one over the register ``(R, s, 2**b)``. Pure, jit/vmap compatible
    (``sampled`` needs a concrete ``m``). The channel mode is not implemented.
    """

    matrix: AbstractMatrixSource
    rows: Integer[Array, " R"]
    t: Float[Array, ""]  # pi K / (2s + 1)
    sparsity: int = eqx.field(static=True)
    n_bits: int = eqx.field(static=True)

    # -- shapes and exact structure
    @property
    def n_cells(self) -> int:
        """Counter values ``c in [0, 2s]``: ``2s + 1``."""
        return 2 * self.sparsity + 1

    @property
    def dim(self) -> int:
        """Number of cells the samples index: the matrix's nonzeros ``K``."""
        return self.matrix.nnz

    def _row_nonzeros(self):
        """Nonzero indices ``(R, s0)`` of the selected rows (sorted by column), their mask, and
        ``nnz_i``."""
        k, mask = self.matrix.row_entries(self.rows)
        return k, mask, jnp.sum(mask, axis=1).astype(jnp.int32)

    def counter(self) -> Integer[Array, "R L"]:
        """``C'(i, l) = #{nonzeros j < l of row i} + clip(l - D, 0, s)`` for ``l < 2**b`` (int32)."""
        k, mask, _ = self._row_nonzeros()
        _, cols, _ = self.matrix.entries(k)
        big = 1 << self.n_bits  # padding never counts: no l reaches it
        cols = jnp.where(mask, cols, big).astype(jnp.int32)
        l = jnp.arange(1 << self.n_bits, dtype=jnp.int32)
        real = jax.vmap(lambda c: jnp.searchsorted(c, l, side="left"))(cols).astype(jnp.int32)
        return real + jnp.clip(l - self.matrix.shape[1], 0, self.sparsity)[None, :]

    def on_register(self, cells: Array) -> Array:
        """A cell result ``(..., R, 2s + 1, s)`` gathered at ``c = C'(i, l)``: ``(..., R, s, 2**b)``."""
        cells = jnp.asarray(cells)
        idx = self.counter()[:, None, :]  # (R, 1, L)
        by_rank = jnp.swapaxes(cells, -1, -2)  # (..., R, s, C)
        idx = jnp.broadcast_to(idx, by_rank.shape[:-1] + idx.shape[-1:])
        return jnp.take_along_axis(by_rank, idx, axis=-1)

    def _cell_grid(self):
        c = jnp.arange(self.n_cells, dtype=jnp.int32)
        r = jnp.arange(self.sparsity, dtype=jnp.int32)
        return c, r

    def _exact_angle(self, nnz) -> Array:
        """``pi (max(c - nnz_i, 0) - r - 1/2) / (2s + 1)``, the sample-free part, ``(R, C, s)``."""
        c, r = self._cell_grid()
        dtype = self.t.dtype
        phantom = jnp.maximum(c[None, :] - nnz[:, None], 0).astype(dtype)  # (R, C)
        offset = (r.astype(dtype) + 0.5)[None, None, :]
        return (phantom[..., None] - offset) * (math.pi / self.n_cells)

    def _prefix(self, freq: Float[Array, " K"]) -> Float[Array, "R C"]:
        """``F(i, c)``: the sum of ``freq`` over the first ``min(c, nnz_i)`` nonzeros of row ``i``."""
        k, mask, _ = self._row_nonzeros()
        g = jnp.where(mask, freq[k], jnp.zeros((), freq.dtype))
        cs = jnp.concatenate([jnp.zeros(g.shape[:-1] + (1,), g.dtype), jnp.cumsum(g, axis=-1)], axis=-1)
        c = jnp.minimum(jnp.arange(self.n_cells), g.shape[-1])
        return cs[:, c]

    def _from_frequencies(self, freq) -> Complex[Array, "R C s"]:
        _, _, nnz = self._row_nonzeros()
        theta = self.t * self._prefix(freq)[..., None] + self._exact_angle(nnz)
        return jnp.exp(1j * theta.astype(complex_dtype(theta)))

    # -- the modes
    def ideal(self) -> Complex[Array, "R C s"]:
        """``exp(i pi (c - r - 1/2) / (2s + 1))`` on every cell (the exact counter)."""
        c, r = self._cell_grid()
        dtype = self.t.dtype
        theta = (c[:, None] - r[None, :]).astype(dtype) - 0.5
        theta = jnp.broadcast_to(theta * (math.pi / self.n_cells), (self.rows.shape[0], *theta.shape))
        return jnp.exp(1j * theta.astype(complex_dtype(theta)))

    def expected(self, m) -> Complex[Array, "R C s"]:
        """``E[e^{i t n / m}] e^{i theta_exact}``, ``n ~ Binomial(m, q)``, ``q = min(c, nnz_i) / K``."""
        m = positive_real(m)
        _, _, nnz = self._row_nonzeros()
        c, _ = self._cell_grid()
        q = (jnp.minimum(c[None, :], nnz[:, None]) / self.dim).astype(self.t.dtype)  # (R, C)
        avg = expected_phase(q, self.t, m)[..., None]
        exact = self._exact_angle(nnz)
        return avg * jnp.exp(1j * exact.astype(complex_dtype(exact)))

    def counts(self, key: Array, m) -> Complex[Array, "R C s"]:
        """One realisation: per-nonzero counts ``n ~ Multinomial(m, 1/K)`` (the draw of
        :meth:`qsjax.SparseMatrix.element_counts` for the same key), prefix-summed along each row."""
        key = check_key(key)
        m = sample_count(m)
        probs = jnp.full((self.dim,), 1.0 / self.dim, self.t.dtype)
        return self._from_frequencies(multinomial_frequencies(key, m, probs, self.t.dtype))

    def sampled(self, key: Array, m: int, *, chunk_size: int = DEFAULT_CHUNK) -> Complex[Array, "R C s"]:
        """One realisation from ``m`` explicit element samples (the stream of
        :meth:`qsjax.SparseMatrix.element_chunks` for the same key), counted exactly and
        prefix-summed; the result does not depend on ``chunk_size``."""
        key = check_key(key)
        m = sample_count(m, allow_traced=False)
        freq = stream_frequencies(key, None, self.dim, m, chunk_size, self.t.dtype)
        return self._from_frequencies(freq)


def index_bits(n_cols: int, sparsity: int) -> int:
    """Column-register qubits ``b = ceil(log2(D + s))`` (columns plus ``s`` phantom columns)."""
    return max(1, (n_cols + sparsity - 1).bit_length())


def check_sparsity(matrix: AbstractMatrixSource, sparsity) -> int:
    """``sparsity`` (default the matrix's row sparsity): an integer ``>= row_sparsity``."""
    s0 = matrix.row_sparsity
    if sparsity is None:
        return s0
    s = integer_arg(sparsity, "sparsity")
    if s <= 0 or s < s0:
        raise ValueError(
            f"sparsity must be a positive integer at least the matrix's row sparsity {s0}, got {s}"
        )
    return s


def check_rows(matrix: AbstractMatrixSource, rows) -> Integer[Array, " R"]:
    """``rows`` (default all): a non-empty 1-D integer array of row indices in ``[0, N)``."""
    n = matrix.shape[0]
    if rows is None:
        return jnp.arange(n, dtype=jnp.int32)
    if isinstance(rows, str | bytes | float | bool):
        raise TypeError(f"rows must be an integer array of row indices, got {rows!r}")
    arr = jnp.asarray(rows)
    if not jnp.issubdtype(arr.dtype, jnp.integer):
        raise TypeError(f"rows must be an integer array of row indices, got dtype {arr.dtype}")
    if arr.ndim != 1 or arr.shape[0] < 1:
        raise ValueError(f"rows must be a non-empty 1-D array of row indices, got shape {arr.shape}")
    if is_concrete(arr):
        a = np.asarray(arr)
        bad = a[(a < 0) | (a >= n)]
        if bad.size:
            raise ValueError(f"rows must lie in [0, {n}) (the matrix has {n} rows), got {bad[:5].tolist()}")
    return arr.astype(jnp.int32)


def index_counter_sketch(matrix: AbstractMatrixSource, *, sparsity=None, rows=None) -> IndexCounterSketch:
    """The counter sketch of the index oracle from element samples (DESIGN.md 1.4).

    Parameters
    ----------
    matrix : a matrix source (:func:`qsjax.sparse_matrix` or a view); only the positions of its
        nonzeros matter.
    sparsity : ranks per row ``s`` (default ``matrix.row_sparsity``; a larger value is allowed and
        pads more ranks with phantom columns).
    rows : optional 1-D integer array of the rows to evaluate (default all ``N``); the samples are
        still drawn over all ``K`` nonzeros, so a key gives the same realisation for any subset.

    ``t = pi K / (2s + 1)``; ``b = ceil(log2(D + s))`` column qubits.
    """
    if not isinstance(matrix, AbstractMatrixSource):
        raise TypeError(
            f"matrix must be a qsjax matrix source (see qsjax.sparse_matrix), got {type(matrix).__name__}"
        )
    s = check_sparsity(matrix, sparsity)
    rows = check_rows(matrix, rows)
    t = as_t(math.pi * matrix.nnz / (2 * s + 1), matrix.dtype)
    return IndexCounterSketch(
        matrix=matrix, rows=rows, t=t, sparsity=s, n_bits=index_bits(matrix.shape[1], s)
    )
