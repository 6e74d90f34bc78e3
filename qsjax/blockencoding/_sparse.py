"""Operator-level sparse-access block encodings (DESIGN.md 1.4, GSLW Lemma 48).

One query to the row, column and element oracles block-encodes ``A / s`` (``s`` = the sparsity).
At the *operator level* the encoded matrix is kept as a sparse linear operator: the element oracle
of the chosen mode gives the value each nonzero carries in one query (``Im V_k = sin phi_k``, the
sine LCU's top-left entry; ``A_k`` itself when ideal) and the operator applies
``x -> (A~ x) / s`` by a segment sum over the nonzeros, ``O(nnz)`` per product with no dense array.
Polynomials of a Hermitian ``A / s`` (QSVT) run as the Chebyshev three-term recurrence
``v_{k+1} = 2 H_{k+1} v_k - v_{k-1}`` in which query ``k`` uses its own realisation ``H_k`` (fresh
samples, ``mode.query_key(key, k)``); with one fixed operator this is exactly ``P(A / s) b``, the
block QSVT prepares (ideal mode: exact), and with fresh realisations it is the operator-level model of
a sketched QSVT circuit.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import lineax as lx
import numpy as np
from jaxtyping import Array, Float

from .._internal.validate import positive_int
from ..data._matrix import AbstractMatrixSource
from ..qsp._poly import ChebPoly
from ..sketch._element import ElementOracle, element_oracle
from ..sketch._modes import (
    AbstractMode,
    Channel,
    Counts,
    Expected,
    Ideal,
    Sampled,
    UnsupportedModeError,
    as_mode,
)

OPERATOR_MODES = tuple(cls.name for cls in (Ideal, Expected, Counts, Sampled))
"""Modes of the operator-level encoding (``channel`` is a density-matrix view: no operator)."""


class SketchedOperator(eqx.Module):
    """One realisation of the operator a sparse-access block encoding encodes: ``A~ / s``.

    ``values`` are the entries the nonzeros carry (shape ``(K,)``), ``scale`` is ``1 / s``.
    """

    matrix: AbstractMatrixSource
    values: Float[Array, " K"]
    scale: Float[Array, ""]

    @property
    def shape(self) -> tuple[int, int]:
        return self.matrix.shape

    def mv(self, x: Array) -> Array:
        """``(A~ / s) x``."""
        x = jnp.asarray(x)
        if x.shape[-1:] != (self.shape[1],):
            raise ValueError(f"x must have shape (..., {self.shape[1]}), got {x.shape}")
        i, j, _ = self.matrix.elements()
        w = (self.values * self.scale).astype(x.dtype)
        prod = jnp.moveaxis(w * x[..., j], -1, 0)
        return jnp.moveaxis(jax.ops.segment_sum(prod, i, num_segments=self.shape[0]), 0, -1)

    def rmv(self, y: Array) -> Array:
        """``(A~ / s)^T y``."""
        y = jnp.asarray(y)
        if y.shape[-1:] != (self.shape[0],):
            raise ValueError(f"y must have shape (..., {self.shape[0]}), got {y.shape}")
        i, j, _ = self.matrix.elements()
        w = (self.values * self.scale).astype(y.dtype)
        prod = jnp.moveaxis(w * y[..., i], -1, 0)
        return jnp.moveaxis(jax.ops.segment_sum(prod, j, num_segments=self.shape[1]), 0, -1)

    def as_lineax(self, dtype=None) -> lx.AbstractLinearOperator:
        """This operator as a ``lineax`` linear operator (for lineax's classical solvers)."""
        dtype = self.values.dtype if dtype is None else dtype
        structure = jax.ShapeDtypeStruct((self.shape[1],), dtype)
        square = self.shape[0] == self.shape[1]
        tags = lx.symmetric_tag if square and _is_symmetric(self.matrix) else frozenset()
        return lx.FunctionLinearOperator(self.mv, structure, tags)

    def todense(self) -> np.ndarray:
        """Dense float64 copy (small matrices: tests)."""
        n, d = self.shape
        i, j, _ = (np.asarray(a) for a in self.matrix.elements())
        out = np.zeros((n, d))
        np.add.at(out, (i, j), np.asarray(self.values, np.float64) * float(self.scale))
        return out


def _is_symmetric(matrix: AbstractMatrixSource) -> bool:
    return matrix.symmetric


class SparseAccessEncoding(eqx.Module):
    """The sparse-access block encoding of ``A / s`` at operator level, queried in a mode.

    Build with :func:`sparse_access_encoding`. :meth:`operator` gives one query's operator;
    :meth:`polynomial` applies a Chebyshev polynomial of a Hermitian ``A / s`` to vectors, one
    realisation per query.
    """

    oracle: ElementOracle
    sparsity: int = eqx.field(static=True)

    @property
    def matrix(self) -> AbstractMatrixSource:
        return self.oracle.matrix

    @property
    def shape(self) -> tuple[int, int]:
        return self.matrix.shape

    def operator(self, mode: AbstractMode | str = "ideal", m=None, key=None, *, index=0) -> SketchedOperator:
        """Query ``index``'s operator ``A~ / s`` in ``mode`` (fresh samples per ``index``)."""
        mode = _operator_mode(mode, m)
        key = mode.check_key(key)
        return self._realise(mode, mode.query_key(key, index) if mode.needs_key else None)

    def _realise(self, mode: AbstractMode, key) -> SketchedOperator:
        values = self.oracle.encoded_values(mode.evaluate(self.oracle, key))
        scale = jnp.asarray(1.0 / self.sparsity, values.dtype)
        return SketchedOperator(self.matrix, values, scale)

    def polynomial(self, poly, b: Array, mode: AbstractMode | str = "ideal", m=None, key=None) -> Array:
        """``P(A / s) b`` for a Hermitian ``A`` and a real Chebyshev polynomial ``P`` (a
        :class:`qsjax.ChebPoly` or coefficients), query ``k`` (``1..d``) with its own realisation.

        ``b`` has shape ``(..., n)``. ``d = degree`` queries; in ideal mode the result is exactly the
        block a QSVT circuit with that polynomial prepares.
        """
        n, d = self.shape
        if n != d or not _is_symmetric(self.matrix):
            raise ValueError(
                f"polynomial() needs a Hermitian matrix (see qsjax.hermitian_embedding), got {self.shape}"
            )
        mode = _operator_mode(mode, m)
        key = mode.check_key(key)
        coeffs = poly.coeffs if isinstance(poly, ChebPoly) else poly
        coeffs = np.asarray(coeffs, np.float64)
        if coeffs.ndim != 1 or coeffs.size < 1 or not np.isfinite(coeffs).all():
            raise ValueError(
                f"poly must be a ChebPoly or a finite 1-D coefficient array, got shape {coeffs.shape}"
            )
        b = jnp.asarray(b)
        if b.shape[-1:] != (n,):
            raise ValueError(f"b must have shape (..., {n}), got {b.shape}")
        return _chebyshev_apply(self, mode, key, jnp.asarray(coeffs, b.dtype), b)


@eqx.filter_jit
def _chebyshev_apply(enc: SparseAccessEncoding, mode: AbstractMode, key, coeffs, b):
    def op(k):
        return enc._realise(mode, mode.query_key(key, k) if mode.needs_key else None)

    out = coeffs[0] * b
    if coeffs.shape[0] == 1:
        return out
    v1 = op(1).mv(b)
    out = out + coeffs[1] * v1

    def step(carry, k):
        prev, cur, acc = carry
        nxt = 2.0 * op(k).mv(cur) - prev
        return (cur, nxt, acc + coeffs[k] * nxt), None

    (_, _, out), _ = jax.lax.scan(step, (b, v1, out), jnp.arange(2, coeffs.shape[0]))
    return out


def _operator_mode(mode, m) -> AbstractMode:
    mode = as_mode(mode, m)
    if isinstance(mode, Channel):
        raise UnsupportedModeError(
            f"the operator-level encoding runs in modes {list(OPERATOR_MODES)}; '{Channel.name}' is a "
            "density-matrix view with no operator"
        )
    return mode


def sparse_access_encoding(
    matrix: AbstractMatrixSource, *, sparsity: int | None = None
) -> SparseAccessEncoding:
    """The operator-level sparse-access block encoding of ``A / s`` (GSLW Lemma 48).

    Parameters
    ----------
    matrix : a matrix source with entries in ``[-1, 1]`` (see :func:`qsjax.sparse_matrix`; rescale
        with ``matrix.scaled(...)`` otherwise).
    sparsity : ``s`` (default the matrix's own, ``max(row, column sparsity)``); the encoded operator
        is ``A / s``, whose norm is at most 1.
    """
    oracle = element_oracle(matrix)
    s = matrix.sparsity if sparsity is None else positive_int(sparsity, "sparsity")
    if s < matrix.sparsity:
        raise ValueError(f"sparsity must be at least the matrix's sparsity {matrix.sparsity}, got {sparsity}")
    return SparseAccessEncoding(oracle=oracle, sparsity=s)
