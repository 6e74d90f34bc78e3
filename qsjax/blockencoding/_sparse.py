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

Spectral fast path (``method="spectral"``). In the ideal and expected modes every query sees the
*same* operator (the expected mode's encoded values ``Im E[V]`` are deterministic), so ``P(H) x`` for
the Hermitian embedding ``H = [[0, B], [B^T, 0]]`` of the ``N x D`` block ``B = A~ / s`` is a function
of ``B``'s singular value decomposition ``B = U S V^T`` alone. Writing ``P = P_e + P_o`` (even and
odd parts) and, on the smaller side (say ``D <= N``), ``e(sigma) = P_e(sigma)``,
``o(sigma) = P_o(sigma) / sigma`` and ``g(sigma) = (P_e(sigma) - P_e(0)) / sigma^2``, for any input
``(x_top; x_bot)`` ::

    lower = V [e(S) V^T x_bot + o(S) V^T B^T x_top]
    upper = P(0) x_top + B V [g(S) V^T B^T x_top + o(S) V^T x_bot]

(``P_e(B B^T) = P_e(0) I + B g(B^T B) B^T`` handles the ``N - D`` zero eigenvalues of the large side
without forming anything of size ``N^2``). ``V`` and ``S`` come from a float64 dense SVD of ``B`` when
it has at most ``2**22`` entries, else from ``numpy.linalg.eigh`` of the ``D x D`` Gram matrix
``B^T B`` (built sparse); ``P`` is evaluated at ``+-sigma`` by Clenshaw in float64
(``numpy.polynomial.chebyshev.chebval``). Singular values below a relative ``1e-12`` (SVD) or
``1e-7`` (Gram: below ``~sqrt(eps)`` the Gram cannot resolve them) are treated as zero, where
``o`` and ``g`` take their limits ``P'(0)`` and ``P_e''(0) / 2``. Cost: ``O(nnz D + D^3 + degree D)``
instead of ``O(degree nnz)``; refused above :attr:`SparseAccessEncoding.spectral_max_dim` on the
small side. The counts and sampled modes draw a fresh realisation per query, so they always use the
recurrence.
"""

from __future__ import annotations

from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
import lineax as lx
import numpy as np
import scipy.linalg
import scipy.sparse
from jaxtyping import Array, Float

from .._internal.validate import positive_int
from ..data._matrix import AbstractMatrixSource, HermitianEmbedding
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
    realisation per query (Chebyshev recurrence), or, for a Hermitian embedding in the ideal and
    expected modes, through the singular values of the embedded block (``method="spectral"``, see
    the module docstring).

    Attributes
    ----------
    oracle : ElementOracle
        The element oracle of the encoded matrix.
    sparsity : int
        ``s``: the encoding holds ``A / s``.
    polynomial_methods : tuple of str
        The values :meth:`polynomial` accepts for ``method``.
    spectral_max_dim : int
        Largest small side ``min(N, D)`` of the embedded ``N x D`` block that the spectral path
        decomposes (a dense ``min(N, D)``-square Gram / SVD: at the limit ~3 GB and minutes).
    """

    oracle: ElementOracle
    sparsity: int = eqx.field(static=True)
    polynomial_methods: ClassVar[tuple[str, ...]] = ("auto", "recurrence", "spectral")
    spectral_max_dim: ClassVar[int] = 20_000

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

    def spectral_unavailable(self, mode: AbstractMode | str = "ideal", m=None, b=None) -> str | None:
        """Why ``method="spectral"`` cannot run here (a sentence), or None when it can.

        It needs a :class:`qsjax.data.HermitianEmbedding` (the block whose singular values it
        uses), a mode whose every query sees the same operator (ideal or expected), the small side
        of the block at most :attr:`spectral_max_dim`, and concrete values (not traced by
        ``jit``/``grad``/``vmap``: the decomposition is host-side float64).
        """
        mode = _operator_mode(mode, m)
        if not isinstance(mode, Ideal | Expected):
            return (
                f"mode {mode.name!r} draws a fresh realisation per query, so the queries do not share one "
                "operator (only 'ideal' and 'expected' do); use method='recurrence' or 'auto'"
            )
        if not isinstance(self.matrix, HermitianEmbedding):
            return (
                f"it needs a HermitianEmbedding matrix (see qsjax.hermitian_embedding), got "
                f"{type(self.matrix).__name__}"
            )
        small = min(self.matrix.base.shape)
        if small > self.spectral_max_dim:
            return (
                f"the embedded block is {self.matrix.base.shape[0]} x {self.matrix.base.shape[1]}; its small "
                f"side {small} exceeds spectral_max_dim={self.spectral_max_dim} (a dense {small}^2 "
                "decomposition)"
            )
        leaves = jax.tree_util.tree_leaves((self, mode, b))
        if any(isinstance(leaf, jax.core.Tracer) for leaf in leaves):
            return "its inputs are traced (jit/grad/vmap); the decomposition needs concrete values"
        return None

    def resolve_method(self, method: str, mode: AbstractMode | str = "ideal", m=None, b=None) -> str:
        """``"recurrence"`` or ``"spectral"``: what :meth:`polynomial` runs for ``method``.

        ``"auto"`` is ``"spectral"`` when :meth:`spectral_unavailable` finds nothing against it,
        ``"recurrence"`` otherwise. ``TypeError`` / ``ValueError`` for a ``method`` that is not one
        of :attr:`polynomial_methods`; ``ValueError`` for ``"spectral"`` where it cannot run.
        """
        if not isinstance(method, str):
            raise TypeError(f"method must be one of {list(self.polynomial_methods)}, got {method!r}")
        if method not in self.polynomial_methods:
            raise ValueError(f"method must be one of {list(self.polynomial_methods)}, got {method!r}")
        if method == "recurrence":
            return method
        why = self.spectral_unavailable(mode, m, b)
        if method == "spectral" and why is not None:
            raise ValueError(f"method='spectral' cannot run here: {why}")
        return "recurrence" if why is not None else "spectral"

    def polynomial(
        self,
        poly,
        b: Array,
        mode: AbstractMode | str = "ideal",
        m=None,
        key=None,
        method: str = "auto",
    ) -> Array:
        """``P(A / s) b`` for a Hermitian ``A`` and a real Chebyshev polynomial ``P``.

        Parameters
        ----------
        poly : ChebPoly or array of Chebyshev coefficients (any parity).
        b : array, shape ``(..., n)``, real or complex.
        mode, m, key : the simulation mode of every query; query ``k`` (``1..d``) has its own
            realisation (``mode.query_key(key, k)``).
        method : {"auto", "recurrence", "spectral"}
            ``"recurrence"``: the Chebyshev three-term recurrence, one ``O(nnz)`` product per query
            with that query's realisation (every mode; differentiable, jit-able). ``"spectral"``:
            the same result from the singular values of the embedded block (ideal and expected modes
            on a :class:`qsjax.data.HermitianEmbedding`; float64, host-side; see the module
            docstring). ``"auto"`` (default): spectral where it can run
            (:meth:`spectral_unavailable`), the recurrence otherwise.

        Returns
        -------
        array, shape and dtype of ``b``
            ``d = degree`` queries; in ideal mode exactly the block a QSVT circuit with that polynomial
            prepares.
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
        if self.resolve_method(method, mode, b=b) == "spectral":
            return _spectral_apply(self, mode, coeffs, b)
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


# ----------------------------------------------------------------------------- spectral path

_DENSE_SVD_ENTRIES = 2**22  # dense SVD of the block up to this many entries (32 MB), Gram eigh beyond
_SVD_TINY = 1e-12  # relative singular values treated as 0 after a dense SVD (absolute accuracy ~eps)
_GRAM_TINY = 1e-7  # ... after the Gram's eigh (eigenvalues accurate to ~eps sigma_max^2)


@eqx.filter_jit
def _fixed_entries(enc: SparseAccessEncoding, mode: AbstractMode):
    """Rows and columns of the block's nonzeros and the encoded values of the embedding's ``2K``
    nonzeros (one compiled program: eager dispatch would compile each small op per shape)."""
    i, j, _ = enc.matrix.base.elements()
    return i, j, enc.oracle.encoded_values(mode.evaluate(enc.oracle, None))


def _fixed_block(enc: SparseAccessEncoding, mode: AbstractMode) -> scipy.sparse.csr_array:
    """The ``N x D`` block ``B`` of the fixed operator ``H~ = [[0, B], [B^T, 0]]`` (float64)."""
    base = enc.matrix.base
    i, j, vals = (np.asarray(a) for a in _fixed_entries(enc, mode))
    k = base.nnz
    # the two mirror copies of each nonzero carry the same value in these modes; average them so
    # that the operator is exactly symmetric
    vals = vals.astype(np.float64)
    vals = 0.5 * (vals[:k] + vals[k:]) / enc.sparsity
    blk = scipy.sparse.csr_array((vals, (i, j)), shape=base.shape)
    blk.sum_duplicates()
    return blk


def _right_singular(blk) -> tuple[np.ndarray, np.ndarray, float]:
    """``(sigma, V, tiny)`` for ``blk`` (``N x D``, ``D <= N``): ``blk = U diag(sigma) V^T`` with ``V``
    square ``D x D``, and the threshold below which a singular value counts as zero."""
    n, d = blk.shape
    if n * d <= _DENSE_SVD_ENTRIES:
        _, sig, vt = scipy.linalg.svd(blk.toarray(), full_matrices=False, lapack_driver="gesdd")
        v, rel = vt.T, _SVD_TINY
    else:
        gram = (blk.T @ blk).toarray()
        lam, v = np.linalg.eigh(0.5 * (gram + gram.T))
        sig, rel = np.sqrt(np.clip(lam, 0.0, None)), _GRAM_TINY
    top = float(sig.max()) if sig.size else 0.0
    return sig, v, rel * top


def _derivatives_at_zero(c: np.ndarray) -> tuple[float, float, float]:
    """``P(0)``, ``P'(0)`` and ``P_e''(0) / 2`` of ``sum c_k T_k``: ``T_k(0) = cos(k pi/2)``,
    ``T_k'(0) = k sin(k pi/2)``, ``T_k''(0) = -k^2 cos(k pi/2)``."""
    k = np.arange(c.size, dtype=np.float64)
    even, odd = c[0::2], c[1::2]
    sgn_e = np.where(np.arange(even.size) % 2 == 0, 1.0, -1.0)  # (-1)^(k/2), k even
    sgn_o = np.where(np.arange(odd.size) % 2 == 0, 1.0, -1.0)  # (-1)^((k-1)/2), k odd
    p0 = float(np.sum(sgn_e * even))
    dp0 = float(np.sum(sgn_o * k[1::2] * odd))
    half_d2 = float(np.sum(-0.5 * sgn_e * k[0::2] ** 2 * even))
    return p0, dp0, half_d2


def spectral_embedding_apply(blk, coeffs, x_top, x_bot) -> tuple[np.ndarray, np.ndarray]:
    """``P(H) (x_top; x_bot)`` for ``H = [[0, B], [B^T, 0]]`` through the SVD of ``B`` (float64).

    Parameters
    ----------
    blk : scipy.sparse matrix or dense array, shape (N, D), real: the block ``B`` (``||B|| <= 1``
        for a QSVT polynomial; any real ``B`` works).
    coeffs : array (degree + 1,): Chebyshev coefficients of a real polynomial of any parity.
    x_top, x_bot : arrays (N, m) and (D, m) (or (N,) and (D,)), real or complex.

    Returns
    -------
    (top, bottom) : the two blocks of the result, float64 / complex128.

    See the module docstring for the formulas; the decomposition is of the smaller side.
    """
    blk = scipy.sparse.csr_array(blk, dtype=np.float64)
    c = np.asarray(coeffs, np.float64)
    x_top, x_bot = np.asarray(x_top), np.asarray(x_bot)
    if blk.shape[1] > blk.shape[0]:  # decompose the smaller side: H is symmetric in the two blocks
        bot, top = spectral_embedding_apply(blk.T, c, x_bot, x_top)
        return top, bot
    sig, v, tiny = _right_singular(blk)
    both = np.polynomial.chebyshev.chebval(np.concatenate([sig, -sig]), c)
    p_plus, p_minus = both[: sig.size], both[sig.size :]
    p_e, p_o = 0.5 * (p_plus + p_minus), 0.5 * (p_plus - p_minus)
    p0, dp0, half_d2 = _derivatives_at_zero(c)
    small = sig <= tiny
    safe = np.where(small, 1.0, sig)
    o = np.where(small, dp0, p_o / safe)
    g = np.where(small, half_d2, (p_e - p0) / safe**2)
    vb = v.T @ x_bot
    vt = v.T @ (blk.T @ x_top)
    if vb.ndim == 1:
        o_, g_, e_ = o, g, p_e
    else:
        o_, g_, e_ = o[:, None], g[:, None], p_e[:, None]
    bottom = v @ (e_ * vb + o_ * vt)
    top = p0 * x_top + blk @ (v @ (g_ * vt + o_ * vb))
    return top, bottom


def _spectral_apply(enc: SparseAccessEncoding, mode: AbstractMode, coeffs: np.ndarray, b: Array) -> Array:
    blk = _fixed_block(enc, mode)
    n = blk.shape[0]
    host = np.asarray(b)
    host = host.astype(np.complex128 if np.iscomplexobj(host) else np.float64)
    cols = host.reshape(-1, host.shape[-1]).T  # (n + d, batch)
    top, bottom = spectral_embedding_apply(blk, coeffs, cols[:n], cols[n:])
    out = np.concatenate([top, bottom], axis=0).T.reshape(host.shape)
    return jnp.asarray(out, b.dtype)


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
