"""The matrix-element oracle from element samples (Lemma D.19, DESIGN.md 1.4).

A sample is one nonzero ``(i, j, A_ij)`` of a sparse matrix, uniform over its ``K`` nonzeros; it
applies ``exp(i (t/M) arcsin(A_ij) |i, j><i, j|)`` with ``t = K``. The rotations act on orthogonal
one-dimensional subspaces ``|i, j>``, so ``M`` of them multiply to
``diag(exp(i t n_k arcsin(A_k) / M))`` over the nonzeros (``n_k`` the sample counts) and to the
identity elsewhere, and the ideal oracle is ``diag(exp(i arcsin A_ij))``. The sine LCU of it (one
ancilla, :class:`qsjax.blockencoding.SineLCUEncoding`) block-encodes ``diag(sin(arcsin A_ij)) =
diag(A_ij)``. It is the Boolean phase sketch of DESIGN.md 1.1 with ``N -> K`` cells and angles
``theta_k = K arcsin(A_k)``, so every mode and its error law carry over (``M = O(K / eps)``).

Results live on the ``K`` nonzeros (index ``k`` = nonzero ``k`` of the matrix source, see
:meth:`qsjax.data.AbstractMatrixSource.entries`); :meth:`ElementOracle.on_register` spreads a
result over the full ``|i, j>`` register.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Complex, Float

from .._internal.validate import is_concrete
from ..data._matrix import AbstractMatrixSource
from ..data._sources import IIDSource, Stream
from ._phase import PhaseSketch, PhaseSketchView, as_t


class ElementOracle(PhaseSketchView):
    """The sketched matrix-element oracle ``O_A = diag(exp(i arcsin A_ij))`` on the nonzeros.

    Build with :func:`element_oracle`. Every mode of :class:`PhaseSketch` (ideal, expected, counts,
    sampled, channel), with results of shape ``(K,)`` (``(K, K)`` for the channel's ``chi``).
    """

    matrix: AbstractMatrixSource  # ``phases``: the phase sketch over the K nonzeros

    @property
    def dim(self) -> int:
        """Number of cells the samples index: the matrix's nonzeros ``K``."""
        return self.matrix.nnz

    def from_stream(self, batches, m: int | None = None) -> Complex[Array, " K"]:
        """One realisation from a user's stream of element samples: any iterable of
        ``(rows, cols, values)`` batches (host arrays), each sample applying
        ``exp(i (t/M) arcsin(A_ij))`` to its nonzero. Positions must be nonzeros of the matrix and
        values in ``[-1, 1]``; ``m`` as in :meth:`qsjax.PhaseSketch.from_stream`."""

        def cells():
            for b, batch in enumerate(batches):
                try:
                    rows, cols, vals = batch
                except (TypeError, ValueError) as exc:
                    raise ValueError(f"stream batch {b} must be a (rows, cols, values) triple") from exc
                vals = np.asarray(vals, np.float64)
                if vals.shape != np.shape(rows) or not (np.abs(vals) <= 1.0).all():
                    raise ValueError(f"stream batch {b}: values must be finite, in [-1, 1], one per position")
                yield self.matrix.nonzero_index(rows, cols), np.arcsin(vals)

        return self.phases.from_stream(Stream(cells(), dim=self.dim), m)

    def encoded_values(self, diag: Complex[Array, "... K"]) -> Float[Array, "... K"]:
        """The matrix entries a realisation block-encodes through the sine LCU: ``Im V_k = sin phi_k``
        (``A_k`` itself for the ideal oracle; ``Im E[V]`` for the averaged one)."""
        return jnp.imag(diag)

    def on_register(self, diag: Array, *, fill=1.0) -> Array:
        """Spread a result over the full ``|i, j>`` register, shape ``(..., n_rows * n_cols)``
        (row-major; ``fill`` off the nonzeros: 1 for the oracle, 0 for encoded values)."""
        n, d = self.matrix.shape
        i, j, _ = self.matrix.elements()
        diag = jnp.asarray(diag)
        out = jnp.full((*diag.shape[:-1], n * d), fill, diag.dtype)
        return out.at[..., i * d + j].set(diag)


def element_oracle(matrix: AbstractMatrixSource, *, t=None) -> ElementOracle:
    """The matrix-element oracle of a sparse matrix with entries in ``[-1, 1]`` (Lemma D.19).

    Parameters
    ----------
    matrix : a matrix source (:func:`qsjax.sparse_matrix`, or a view such as
        :func:`qsjax.hermitian_embedding`).
    t : evolution time; default ``K`` (the number of nonzeros), which makes the ideal oracle
        ``exp(i arcsin A_ij)`` (each nonzero is sampled with probability ``1/K``).

    Raises ``ValueError`` when some ``|A_ij| > 1`` (the oracle encodes ``arcsin A_ij``): rescale the
    matrix first, e.g. ``matrix.scaled(1 / matrix.max_abs())``.
    """
    if not isinstance(matrix, AbstractMatrixSource):
        raise TypeError(
            f"matrix must be a qsjax matrix source (see qsjax.sparse_matrix), got {type(matrix).__name__}"
        )
    values = matrix.values
    if is_concrete(values):
        big = float(np.max(np.abs(np.asarray(values))))
        if big > 1.0:
            raise ValueError(
                f"the element oracle encodes arcsin(A_ij), which needs |A_ij| <= 1, but max |A_ij| = "
                f"{big:.6g}: rescale the matrix, e.g. matrix.scaled(1 / matrix.max_abs()) (the encoded "
                "operator is then A / max|A|)"
            )
    dtype = values.dtype
    k = matrix.nnz
    t = as_t(k if t is None else t, dtype)
    cells = IIDSource(values=jnp.arcsin(values), p=None)
    return ElementOracle(matrix=matrix, phases=PhaseSketch(data=cells, t=t))
