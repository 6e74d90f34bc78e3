"""Sparse matrices as sample sources (DESIGN.md 1.4): element samples and row samples.

A real ``n_rows x n_cols`` matrix ``A`` with ``K`` nonzeros streams in two ways:

* **element samples** ``(i, j, A_ij)``, uniform over the ``K`` nonzeros (the matrix-element and index
  oracles): a sample is a nonzero index ``k in [0, K)``, so ``element_counts`` /
  ``element_chunks`` are the multinomial counts and chunked streams of the other sources, over
  ``K`` cells;
* **row samples** ``(i, A_i)``, uniform over the rows (the row-index oracle): a whole sparse row.

Every source implements :class:`AbstractMatrixSource`: ``entries(k)`` gives the row, column and
value of nonzero ``k`` and ``row_entries(i)`` / ``col_entries(j)`` the nonzero indices of a row or a
column (in increasing column / row order, padded to the sparsity). The two matrices the
applications need are *views* that compute their entries from the base matrix's on the fly, so
nothing is densified and nothing of size ``O(nnz)`` is stored twice:

* :class:`HermitianEmbedding` ``[[0, A], [A^T, 0]]`` (size ``n_rows + n_cols``, ``2K`` nonzeros:
  nonzero ``k < K`` is ``(i_k, n_rows + j_k)``, nonzero ``K + k`` its mirror image);
* :class:`RidgeAugmentation` ``[X; sqrt(lambda) I]`` (size ``(n_rows + n_cols) x n_cols``,
  ``K + n_cols`` nonzeros: the last ``n_cols`` are the diagonal ``sqrt(lambda)``).

Element ``k`` of a view is a fixed arithmetic function of ``k``, so an element sample of a view is
an element sample of its base plus a coin (embedding) or a uniform diagonal index (augmentation),
with exactly the right law.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import scipy.sparse
from jaxtyping import Array, Float, Integer

from .._internal.validate import (
    check_finite,
    check_key,
    integer_counts_dtype,
    real_scalar,
    sample_count,
)
from ..random._counters import DEFAULT_CHUNK, sample_indices, stream_plan
from ..random._multinomial import multinomial_counts

MAX_MATRIX_DIM = 2**31 - 1
"""Largest number of rows or columns (indices are int32)."""

_MAX_EXPLICIT = 2**28


class AbstractMatrixSource(eqx.Module):
    """The interface of a sparse matrix sampled element-wise or row-wise.

    Implementations give ``shape``, ``nnz``, ``dtype``, ``row_sparsity``, ``col_sparsity``,
    :meth:`entries`, :meth:`row_entries` and :meth:`col_entries`; the sampling methods, exact
    products and conversions below then come for free.
    """

    symmetric: ClassVar[bool] = False
    """Whether the matrix is symmetric by construction (the Hermitian embedding)."""

    # -- the interface
    @property
    def shape(self) -> tuple[int, int]:
        raise NotImplementedError

    @property
    def nnz(self) -> int:
        raise NotImplementedError

    @property
    def dtype(self):
        raise NotImplementedError

    @property
    def row_sparsity(self) -> int:
        """Largest number of nonzeros in a row."""
        raise NotImplementedError

    @property
    def col_sparsity(self) -> int:
        """Largest number of nonzeros in a column."""
        raise NotImplementedError

    def entries(self, k) -> tuple[Integer[Array, "..."], Integer[Array, "..."], Float[Array, "..."]]:
        """Row, column and value of the nonzeros with indices ``k`` (any integer array in ``[0, nnz)``)."""
        raise NotImplementedError

    def row_entries(self, i) -> tuple[Integer[Array, "... s"], Float[Array, "... s"]]:
        """Nonzero indices of row ``i`` in increasing column order, padded to :attr:`row_sparsity`,
        and a mask of the real ones (padding indices are 0)."""
        raise NotImplementedError

    def col_entries(self, j) -> tuple[Integer[Array, "... s"], Float[Array, "... s"]]:
        """Nonzero indices of column ``j`` in increasing row order, padded to :attr:`col_sparsity`."""
        raise NotImplementedError

    # -- derived
    @property
    def sparsity(self) -> int:
        """``s = max(row sparsity, column sparsity)`` (the sparse-access block encodes ``A / s``)."""
        return max(self.row_sparsity, self.col_sparsity)

    def elements(self) -> tuple[Integer[Array, " K"], Integer[Array, " K"], Float[Array, " K"]]:
        """All nonzeros ``(rows, cols, values)`` in index order (``O(nnz)``; computed, not stored)."""
        return self.entries(jnp.arange(self.nnz, dtype=jnp.int32))

    @property
    def values(self) -> Float[Array, " K"]:
        return self.elements()[2]

    def max_abs(self) -> float:
        """``max |A_ij|`` (concrete matrices only)."""
        return float(jnp.max(jnp.abs(self.values)))

    def element_samples(self, key: Array, m: int):
        """``m`` explicit element samples ``(i, j, A_ij)``, uniform over the nonzeros (``O(m)`` memory,
        at most 2**28; stream larger ``m`` with :meth:`element_chunks`)."""
        key = check_key(key)
        m = sample_count(m, allow_traced=False)
        if m > _MAX_EXPLICIT:
            raise ValueError(f"m={m} explicit samples would need O(m) memory; use element_chunks() instead")
        return self.entries(sample_indices(key, None, self.nnz, 0, 1, m))

    def element_chunks(self, key: Array, m: int, chunk_size: int = DEFAULT_CHUNK) -> Iterator[tuple]:
        """The stream of ``m`` element samples in chunks of ``(i, j, A_ij)``; sample ``l`` does not
        depend on ``chunk_size`` (counter-based, as for every other source)."""
        key = check_key(key)
        m = sample_count(m, allow_traced=False)
        chunk, n_chunks, last = stream_plan(m, chunk_size)
        for c in range(n_chunks):
            idx = sample_indices(key, None, self.nnz, c, chunk, chunk)
            yield self.entries(idx if c < n_chunks - 1 else idx[:last])

    def element_counts(self, key: Array, m) -> Integer[Array, " K"]:
        """How often each nonzero occurs among ``m`` element samples: ``Multinomial(m, 1/K)``, exact
        (int32 totals without x64, int64 with it; see :meth:`qsjax.IIDSource.counts`)."""
        key = check_key(key)
        m = sample_count(m)
        dtype = integer_counts_dtype(m)
        return multinomial_counts(key, m, jnp.full((self.nnz,), 1.0 / self.nnz)).astype(dtype)

    def row_samples(self, key: Array, m: int) -> tuple[Integer[Array, " m"], Integer[Array, "m s"], Array]:
        """``m`` explicit row samples: row indices uniform over the rows, with each row's nonzero
        indices and mask (:meth:`row_entries`)."""
        key = check_key(key)
        m = sample_count(m, allow_traced=False)
        if m > _MAX_EXPLICIT:
            raise ValueError(f"m={m} explicit samples would need O(m) memory; use row_counts() instead")
        rows = sample_indices(key, None, self.shape[0], 0, 1, m)
        k, mask = self.row_entries(rows)
        return rows, k, mask

    def row_counts(self, key: Array, m) -> Integer[Array, " N"]:
        """How often each row occurs among ``m`` row samples: ``Multinomial(m, 1/n_rows)``, exact."""
        key = check_key(key)
        m = sample_count(m)
        dtype = integer_counts_dtype(m)
        n = self.shape[0]
        return multinomial_counts(key, m, jnp.full((n,), 1.0 / n)).astype(dtype)

    def matvec(self, x: Float[Array, " n_cols"]) -> Float[Array, " n_rows"]:
        """``A x`` exactly (a segment sum over the nonzeros)."""
        x = _check_vector(x, self.shape[1], "x")
        i, j, v = self.elements()
        return jax.ops.segment_sum(v.astype(x.dtype) * x[j], i, num_segments=self.shape[0])

    def rmatvec(self, y: Float[Array, " n_rows"]) -> Float[Array, " n_cols"]:
        """``A^T y`` exactly."""
        y = _check_vector(y, self.shape[0], "y")
        i, j, v = self.elements()
        return jax.ops.segment_sum(v.astype(y.dtype) * y[i], j, num_segments=self.shape[1])

    def nonzero_index(self, rows, cols) -> np.ndarray:
        """The nonzero indices ``k`` of host arrays of positions ``(rows, cols)`` (numpy, concrete;
        for users' streams of element samples). ``ValueError`` for a position that is not a
        nonzero of the matrix."""
        rows = np.asarray(rows)
        cols = np.asarray(cols)
        if rows.shape != cols.shape or rows.ndim != 1:
            raise ValueError(
                f"rows and cols must be 1-D arrays of one length, got {rows.shape} and {cols.shape}"
            )
        for arr, name in ((rows, "rows"), (cols, "cols")):
            if arr.size and not np.issubdtype(arr.dtype, np.integer):
                raise TypeError(f"{name} must be integer indices, got dtype {arr.dtype}")
        n, d = self.shape
        i, j, _ = (np.asarray(a, np.int64) for a in self.elements())
        keys = i * d + j
        order = np.argsort(keys, kind="stable")
        want = rows.astype(np.int64) * d + cols.astype(np.int64)
        pos = np.clip(np.searchsorted(keys[order], want), 0, keys.size - 1)
        bad = (keys[order][pos] != want) | (rows < 0) | (rows >= n) | (cols < 0) | (cols >= d)
        if bad.any():
            first = np.flatnonzero(bad)[:5]
            raise ValueError(
                f"positions {list(zip(rows[first].tolist(), cols[first].tolist(), strict=True))} are not "
                "nonzeros of the matrix (element samples must be nonzero entries)"
            )
        return order[pos].astype(np.int32)

    def to_scipy(self) -> scipy.sparse.csr_array:
        """The matrix as a scipy CSR array (float64), for references and classical solvers."""
        i, j, v = (np.asarray(a) for a in self.elements())
        return scipy.sparse.csr_array((v.astype(np.float64), (i, j)), shape=self.shape)

    def todense(self) -> np.ndarray:
        """Dense float64 copy (small matrices only: tests and references)."""
        n, d = self.shape
        if n * d > 2**26:
            raise ValueError(f"todense() of a {n} x {d} matrix would allocate {n * d} entries (limit 2**26)")
        return self.to_scipy().toarray()


def _check_vector(x, n: int, name: str):
    x = jnp.asarray(x)
    if x.ndim != 1 or x.shape[0] != n:
        raise ValueError(f"{name} must have shape ({n},), got {x.shape}")
    return x


def _padded(start, stop, width: int):
    """Indices ``start + r`` for ``r < width`` and the mask ``start + r < stop`` (broadcasting)."""
    r = jnp.arange(width, dtype=jnp.int32)
    k = start[..., None] + r
    mask = k < stop[..., None]
    return jnp.where(mask, k, 0), mask


class SparseMatrix(AbstractMatrixSource):
    """A real sparse matrix, stored once as its nonzeros in row-major order (CSR order).

    Build with :func:`sparse_matrix` from a scipy.sparse matrix/array (CSR, CSC, COO, …) or a dense
    array. Duplicates are summed and explicit zeros dropped: the element samples are uniform over the
    true nonzeros.
    """

    rows: Integer[Array, " K"]
    cols: Integer[Array, " K"]
    vals: Float[Array, " K"]
    indptr: Integer[Array, " n1"]  # CSR row pointers
    col_order: Integer[Array, " K"]  # nonzero indices sorted by (column, row)
    colptr: Integer[Array, " d1"]  # CSC column pointers into col_order
    _shape: tuple[int, int] = eqx.field(static=True)
    _row_sparsity: int = eqx.field(static=True)
    _col_sparsity: int = eqx.field(static=True)

    @property
    def shape(self) -> tuple[int, int]:
        return self._shape

    @property
    def nnz(self) -> int:
        return self.vals.shape[0]

    @property
    def dtype(self):
        return self.vals.dtype

    @property
    def row_sparsity(self) -> int:
        return self._row_sparsity

    @property
    def col_sparsity(self) -> int:
        return self._col_sparsity

    def entries(self, k):
        k = jnp.asarray(k)
        return self.rows[k], self.cols[k], self.vals[k]

    def row_entries(self, i):
        i = jnp.asarray(i)
        return _padded(self.indptr[i], self.indptr[i + 1], self.row_sparsity)

    def col_entries(self, j):
        j = jnp.asarray(j)
        pos, mask = _padded(self.colptr[j], self.colptr[j + 1], self.col_sparsity)
        return jnp.where(mask, self.col_order[pos], 0), mask

    def scaled(self, factor) -> SparseMatrix:
        """The same sparsity pattern with every value multiplied by ``factor`` (e.g.
        ``1 / A.max_abs()`` to bring the entries into ``[-1, 1]`` for the element oracle)."""
        factor = real_scalar(factor, "factor")
        return eqx.tree_at(lambda a: a.vals, self, self.vals * jnp.asarray(factor, self.vals.dtype))


def sparse_matrix(a, *, dtype=None) -> SparseMatrix:
    """A :class:`SparseMatrix` from a scipy.sparse matrix/array or a dense 2-D array.

    Parameters
    ----------
    a : scipy.sparse (any format) or array-like of shape (n_rows, n_cols); real and finite. Sparse
        inputs are never densified.
    dtype : real dtype of the values (default: the library's default float, float32 without x64).

    Raises ``TypeError`` for complex or non-numeric input and ``ValueError`` for a wrong number of
    dimensions, NaN/inf, a matrix with no nonzeros, or more than 2**31 - 1 rows or columns.
    """
    if scipy.sparse.issparse(a):
        coo = scipy.sparse.coo_array(a)
    else:
        if isinstance(a, str) or a is None:
            raise TypeError(f"a must be a scipy.sparse matrix or a 2-D array, got {type(a).__name__}")
        arr = np.asarray(a)
        if arr.ndim != 2:
            raise ValueError(f"a must be 2-D (n_rows, n_cols), got shape {arr.shape}")
        coo = scipy.sparse.coo_array(arr)
    if np.iscomplexobj(coo.data) or not (
        np.issubdtype(coo.dtype, np.number) or np.issubdtype(coo.dtype, np.bool_)
    ):
        raise TypeError(f"a must hold real numbers, got dtype {coo.dtype}")
    n, d = coo.shape
    if n < 1 or d < 1:
        raise ValueError(f"a must have at least one row and one column, got shape {coo.shape}")
    if max(n, d) > MAX_MATRIX_DIM:
        raise ValueError(f"a has shape {coo.shape}; at most {MAX_MATRIX_DIM} rows and columns are supported")
    csr = scipy.sparse.csr_array(coo.astype(np.float64))
    csr.sum_duplicates()
    csr.eliminate_zeros()
    csr.sort_indices()
    if csr.nnz == 0:
        raise ValueError("a has no nonzero entries: there is nothing to sample")
    check_finite(csr.data, "a")
    indptr = csr.indptr.astype(np.int64)
    rows = np.repeat(np.arange(n, dtype=np.int32), np.diff(indptr))
    cols = csr.indices.astype(np.int32)
    order = np.lexsort((rows, cols)).astype(np.int32)  # by column, then row
    colptr = np.zeros(d + 1, np.int64)
    np.cumsum(np.bincount(cols, minlength=d), out=colptr[1:])
    if dtype is None:
        dtype = jnp.result_type(float)
    if not jnp.issubdtype(dtype, jnp.floating):
        raise TypeError(f"dtype must be a real floating dtype, got {dtype}")
    return SparseMatrix(
        rows=jnp.asarray(rows),
        cols=jnp.asarray(cols),
        vals=jnp.asarray(csr.data, dtype),
        indptr=jnp.asarray(indptr.astype(np.int32)),
        col_order=jnp.asarray(order),
        colptr=jnp.asarray(colptr.astype(np.int32)),
        _shape=(int(n), int(d)),
        _row_sparsity=int(np.diff(indptr).max()),
        _col_sparsity=int(np.diff(colptr).max()),
    )


class HermitianEmbedding(AbstractMatrixSource):
    """``[[0, A], [A^T, 0]]``: a symmetric ``(n + d) x (n + d)`` matrix with ``2K`` nonzeros, whose
    eigenvalues are ``± the singular values of A``. Entries come from the base on the fly."""

    base: AbstractMatrixSource
    symmetric: ClassVar[bool] = True

    @property
    def shape(self) -> tuple[int, int]:
        n, d = self.base.shape
        return (n + d, n + d)

    @property
    def nnz(self) -> int:
        return 2 * self.base.nnz

    @property
    def dtype(self):
        return self.base.dtype

    @property
    def row_sparsity(self) -> int:
        return self.base.sparsity

    @property
    def col_sparsity(self) -> int:
        return self.base.sparsity

    def entries(self, k):
        k = jnp.asarray(k)
        big = self.base.nnz
        n = self.base.shape[0]
        upper = k < big
        i, j, v = self.base.entries(jnp.where(upper, k, k - big))
        return jnp.where(upper, i, n + j), jnp.where(upper, n + j, i), v

    def row_entries(self, r):
        r = jnp.asarray(r)
        n = self.base.shape[0]
        w = self.row_sparsity
        top, tmask = _pad_to(*self.base.row_entries(jnp.clip(r, 0, n - 1)), w)
        bot, bmask = _pad_to(*self.base.col_entries(jnp.clip(r - n, 0, self.base.shape[1] - 1)), w)
        is_top = (r < n)[..., None]
        k = jnp.where(is_top, top, bot + self.base.nnz)
        mask = jnp.where(is_top, tmask, bmask)
        return jnp.where(mask, k, 0), mask

    def col_entries(self, c):  # symmetric: column c has the nonzeros of row c, mirrored
        k, mask = self.row_entries(c)
        big = self.base.nnz
        return jnp.where(mask, jnp.where(k < big, k + big, k - big), 0), mask


class RidgeAugmentation(AbstractMatrixSource):
    """``[X; sqrt(lambda) I]``: ``(n + d) x d`` with ``K + d`` nonzeros (DESIGN.md 1.4), so that
    ``M^T M = X^T X + lambda I``. Entries come from the base on the fly."""

    base: AbstractMatrixSource
    lam: Float[Array, ""]

    @property
    def shape(self) -> tuple[int, int]:
        n, d = self.base.shape
        return (n + d, d)

    @property
    def nnz(self) -> int:
        return self.base.nnz + self.base.shape[1]

    @property
    def dtype(self):
        return self.base.dtype

    @property
    def row_sparsity(self) -> int:
        return max(self.base.row_sparsity, 1)

    @property
    def col_sparsity(self) -> int:
        return self.base.col_sparsity + 1

    def entries(self, k):
        k = jnp.asarray(k)
        big = self.base.nnz
        n = self.base.shape[0]
        data = k < big
        i, j, v = self.base.entries(jnp.where(data, k, 0))
        diag = k - big
        root = jnp.sqrt(self.lam).astype(v.dtype)
        return jnp.where(data, i, n + diag), jnp.where(data, j, diag), jnp.where(data, v, root)

    def row_entries(self, r):
        r = jnp.asarray(r)
        n = self.base.shape[0]
        w = self.row_sparsity
        top, tmask = _pad_to(*self.base.row_entries(jnp.clip(r, 0, n - 1)), w)
        is_top = (r < n)[..., None]
        first = jnp.arange(w) == 0
        k = jnp.where(is_top, top, jnp.where(first, self.base.nnz + (r - n)[..., None], 0))
        mask = jnp.where(is_top, tmask, first)
        return jnp.where(mask, k, 0), mask

    def col_entries(self, c):
        c = jnp.asarray(c)
        k, mask = _pad_to(*self.base.col_entries(c), self.col_sparsity)
        count = jnp.sum(mask, axis=-1, keepdims=True)  # the diagonal entry goes right after them
        slot = jnp.arange(self.col_sparsity) == count
        return jnp.where(slot, self.base.nnz + c[..., None], k), mask | slot


def _pad_to(k, mask, width: int):
    extra = width - k.shape[-1]
    if extra == 0:
        return k, mask
    pad = [(0, 0)] * (k.ndim - 1) + [(0, extra)]
    return jnp.pad(k, pad), jnp.pad(mask, pad)


def hermitian_embedding(a: AbstractMatrixSource) -> HermitianEmbedding:
    """``[[0, A], [A^T, 0]]`` of a matrix source (a view: no entries are copied)."""
    if not isinstance(a, AbstractMatrixSource):
        raise TypeError(f"a must be a qsjax matrix source (see qsjax.sparse_matrix), got {type(a).__name__}")
    return HermitianEmbedding(a)


def ridge_augmentation(x: AbstractMatrixSource, lam) -> RidgeAugmentation:
    """``[X; sqrt(lam) I]`` of a matrix source (a view), ``lam >= 0``."""
    if not isinstance(x, AbstractMatrixSource):
        raise TypeError(f"x must be a qsjax matrix source (see qsjax.sparse_matrix), got {type(x).__name__}")
    lam_v = real_scalar(lam, "lam")
    if not math.isfinite(lam_v) or lam_v < 0.0:
        raise ValueError(f"lam must be a finite number >= 0 (the ridge regulariser), got {lam!r}")
    return RidgeAugmentation(x, jnp.asarray(lam_v, x.dtype))
