"""Scaling sweeps of the matrix oracles (the element panel of the paper's Fig. 3)."""

from __future__ import annotations

from collections.abc import Sequence

import jax
import jax.numpy as jnp
import numpy as np
import scipy.sparse as sp

from ..data._matrix import sparse_matrix
from ..sketch._element import element_oracle
from ..sketch._row_index import row_index_oracle


def _check_grid(ms, seeds) -> tuple[np.ndarray, int]:
    """The ``M`` grid as a float array of positive counts and the seed count ``>= 1``."""
    seeds = int(seeds)
    if seeds < 1:
        raise ValueError(f"seeds must be >= 1, got {seeds}")
    m_arr = np.asarray(ms, float)
    if m_arr.ndim != 1 or m_arr.size == 0 or not (m_arr > 0).all():
        raise ValueError(f"ms must be a non-empty list of positive sample counts, got {ms!r}")
    return m_arr, seeds


@jax.jit
def _element_errors(oracle, m_arr):
    target = oracle.matrix.values
    return jax.vmap(lambda m: jnp.max(jnp.abs(oracle.encoded_values(oracle.expected(m)) - target)))(m_arr)


def element_error_sweep(
    nnzs: Sequence[int], ms: Sequence[float], *, seeds: int = 4, shape=(100, 100), seed: int = 0
) -> list[dict]:
    """Block-encoding error of the element oracle in ``expected`` mode over ``nnzs x ms x seeds``.

    Each record is ``{nnz, seed, m, error}`` with ``error = max_k |Im E[V]_k - A_k|``, the
    operator-norm error of the encoded ``diag(A_ij)``, for a random ``shape`` matrix with ``nnz``
    nonzeros (positions uniform without replacement, values uniform in ``[-1, 1]`` rescaled to
    ``max |A_ij| = 1``, as the construction needs; drawn from ``numpy.random.default_rng(seed)``).
    Leading order: ``error = K max_k(sin(a_k) a_k^2) / (2M)`` with ``a = arcsin A``, i.e.
    ``(pi^2/8) nnz / M`` at ``max|A| = 1``. All ``M`` of one matrix are one vmapped, jitted call
    (compiled once per ``nnz``). Runs in the dtype of the library's default (float64 under x64).
    """
    n, d = (int(v) for v in shape)
    m_arr, seeds = _check_grid(ms, seeds)
    nnzs = [int(k) for k in nnzs]
    if not nnzs or min(nnzs) < 1 or max(nnzs) > n * d:
        raise ValueError(f"nnzs must be integers in [1, {n * d}], got {nnzs}")
    rng = np.random.default_rng(seed)
    rows = []
    for nnz in nnzs:
        for s in range(seeds):
            flat = rng.choice(n * d, size=nnz, replace=False)
            vals = rng.uniform(-1.0, 1.0, size=nnz)
            a = sp.coo_array((vals / np.abs(vals).max(), (flat // d, flat % d)), shape=(n, d))
            oracle = element_oracle(sparse_matrix(a))
            errs = np.asarray(_element_errors(oracle, jnp.asarray(m_arr, oracle.t.dtype)))
            rows += [
                dict(nnz=nnz, seed=s, m=float(m), error=float(e)) for m, e in zip(m_arr, errs, strict=True)
            ]
    return rows


def _row_sparse_matrix(n: int, d: int, s: int, rng) -> sp.csr_array:
    """An ``n x d`` matrix with exactly ``s`` nonzeros per row at uniformly random columns."""
    cols = np.argsort(rng.random((n, d)), axis=1)[:, :s]
    rows = np.repeat(np.arange(n), s)
    return sp.csr_array((rng.uniform(0.1, 1.0, n * s), (rows, cols.ravel())), shape=(n, d))


@jax.jit
def _row_index_errors(oracle, m_arr):
    def one(m):
        err = oracle.operator_errors(oracle.expected(m))
        return jnp.max(err), jnp.mean(err)

    return jax.vmap(one)(m_arr)


def row_index_error_sweep(
    dims: Sequence[int], ms: Sequence[float], *, seeds: int = 2, sparsity: int = 8, seed: int = 0
) -> list[dict]:
    """Error of the row-index oracle in ``expected`` mode over square ``N x N`` matrices with
    ``sparsity`` nonzeros per row (uniformly random columns), ``dims x ms x seeds``.

    Each record is ``{n, seed, m, error_max, error_mean}``: the exact operator-norm error of the
    oracle's block ``O_{i,k}`` (:meth:`RowIndexOracle.operator_errors`), the largest and the mean
    over rows ``i`` and ranks ``k``. Leading order: bit ``m`` set in ``j(i, k)`` contributes
    ``pi^2 (N - 1) / (2M)``, unset bits nothing, so ``error_{i,k} = popcount(j(i, k)) pi^2 (N-1)/(2M)``:
    the mean over random columns is ``~ (b/2) pi^2 N / (2M)`` with ``b = ceil(log2 N)`` bits, i.e.
    ``M ~ (pi^2/4) N log2 N / eps``; the worst case twice that.
    """
    m_arr, seeds = _check_grid(ms, seeds)
    dims = [int(n) for n in dims]
    if not dims or min(dims) < max(2, int(sparsity)):
        raise ValueError(f"dims must be integers >= max(2, sparsity), got {dims}")
    rng = np.random.default_rng(seed)
    rows = []
    for n in dims:
        for s in range(seeds):
            oracle = row_index_oracle(sparse_matrix(_row_sparse_matrix(n, n, int(sparsity), rng)))
            worst, mean = (
                np.asarray(a) for a in _row_index_errors(oracle, jnp.asarray(m_arr, oracle.t.dtype))
            )
            rows += [
                dict(n=n, seed=s, m=float(m), error_max=float(w), error_mean=float(e))
                for m, w, e in zip(m_arr, worst, mean, strict=True)
            ]
    return rows
