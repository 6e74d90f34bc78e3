"""Density-matrix kernels: ``|psi><psi|``, a diagonal unitary acting on ``rho`` and the Schur-multiplier
channel ``rho -> chi ⊙ rho`` (every averaged sketch channel is one)."""

from __future__ import annotations

import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, Complex

# ----------------------------------------------------------------------------- density matrices


def density_matrix(state: Complex[Array, "... N"]) -> Complex[Array, "... N N"]:
    """``|state><state|``."""
    state = jnp.asarray(state)
    return state[..., :, None] * jnp.conj(state)[..., None, :]


def apply_diagonal_dm(
    rho: Complex[Array, "... N N"], diagonal: Complex[ArrayLike, " N"]
) -> Complex[Array, "... N N"]:
    """``D rho D^dagger`` for ``D = diag(diagonal)``."""
    d = jnp.asarray(diagonal)
    return d[:, None] * jnp.asarray(rho) * jnp.conj(d)[None, :]


def apply_schur_channel(
    rho: Complex[Array, "... N N"], chi: Complex[ArrayLike, "N N"]
) -> Complex[Array, "... N N"]:
    """Apply the diagonal (Schur-multiplier) channel ``rho -> chi ⊙ rho``.

    Every averaged product of random diagonal unitaries has this form with
    ``chi[j, k] = E[exp(i (phi_j - phi_k))]``.
    """
    rho = jnp.asarray(rho)
    chi = jnp.asarray(chi)
    if chi.ndim != 2 or chi.shape[0] != chi.shape[1]:
        raise ValueError(f"chi must be a square (N, N) matrix, got shape {chi.shape}")
    if rho.shape[-2:] != chi.shape:
        n = chi.shape[0]
        raise ValueError(f"rho must have shape (..., {n}, {n}) to match chi, got {rho.shape}")
    return rho * chi.astype(rho.dtype)
