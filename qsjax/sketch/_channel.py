"""The averaged channel of a sketch as a value (:class:`DiagonalChannel`, a Schur multiplier with its
mean, composable and controllable) and the controlled form of a diagonal unitary."""

from __future__ import annotations

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array, Complex

from .._internal.validate import check_dense_dim
from ..kernels._density import apply_schur_channel, density_matrix

# ----------------------------------------------------------------------------- averaged channel


class DiagonalChannel(eqx.Module):
    """The exact averaged channel of a random diagonal unitary ``V = diag(exp(i phi))``.

    ``E[V rho V^dagger] = chi ⊙ rho`` with ``chi[j, k] = E[exp(i (phi_j - phi_k))]``; ``mean`` is
    ``E[exp(i phi)] = E[V]`` (needed to add a control: see :meth:`controlled`). ``chi`` is dense
    ``(V, V)``: this mode is for registers up to a few thousand entries.
    """

    chi: Complex[Array, "V V"]
    mean: Complex[Array, " V"]

    @property
    def dim(self) -> int:
        return self.mean.shape[0]

    def apply(self, rho: Complex[Array, "... V V"]) -> Complex[Array, "... V V"]:
        """``rho -> E[V rho V^dagger] = chi ⊙ rho`` (:func:`qsjax.kernels.apply_schur_channel`)."""
        return apply_schur_channel(rho, self.chi)

    def apply_to_state(self, state: Complex[Array, "... V"]) -> Complex[Array, "... V V"]:
        """The output density matrix for a pure input state: ``chi ⊙ |state><state|``."""
        return apply_schur_channel(density_matrix(state), self.chi)

    def controlled(self) -> DiagonalChannel:
        """The averaged channel of controlled-``V`` (control = first, ancilla-major index).

        Index ``(c, j) -> c * V + j``; the control-0 branch gets the identity.
        """
        check_dense_dim(2 * self.dim, self.chi.dtype, "DiagonalChannel.controlled")
        ones = jnp.ones_like(self.chi)
        row = jnp.broadcast_to(jnp.conj(self.mean)[None, :], self.chi.shape)
        col = jnp.broadcast_to(self.mean[:, None], self.chi.shape)
        chi = jnp.block([[ones, row], [col, self.chi]])
        mean = jnp.concatenate([jnp.ones_like(self.mean), self.mean])
        return DiagonalChannel(chi=chi, mean=mean)

    def compose(self, other: DiagonalChannel) -> DiagonalChannel:
        """Two independent sketches in sequence (fresh samples): ``chi`` and ``mean`` multiply."""
        return DiagonalChannel(chi=self.chi * other.chi, mean=self.mean * other.mean)


def controlled(diagonal: Complex[Array, "... V"]) -> Complex[Array, "... 2 V"]:
    """Controlled version of a diagonal unitary: shape (..., 2, V), control index first.

    Adding a control to every gate of a sketch gives exactly this (the same samples drive it).
    """
    diagonal = jnp.asarray(diagonal)
    return jnp.stack([jnp.ones_like(diagonal), diagonal], axis=-2)
