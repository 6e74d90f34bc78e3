"""Error measures of sketched diagonals and states: operator norm, l2 and infidelity, and the output
trace distance of a diagonal channel for one input (a lower bound on the diamond distance)."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from ..kernels._statevector import fidelity
from ..sketch._channel import DiagonalChannel


def operator_norm_error(diagonal, target):
    """``||diag(diagonal) - diag(target)||`` (operator norm = max entry-wise modulus), per batch."""
    d = jnp.asarray(diagonal)
    t = jnp.asarray(target)
    if d.shape[-t.ndim :] != t.shape:
        raise ValueError(f"diagonal shape {d.shape} does not end with the target shape {t.shape}")
    axes = tuple(range(d.ndim - t.ndim, d.ndim))
    return jnp.max(jnp.abs(d - t), axis=axes)


def state_error(state, target):
    """The l2 error ``||state - target||_2`` over the last axis."""
    return jnp.linalg.norm(jnp.asarray(state) - jnp.asarray(target), axis=-1)


def infidelity(state, target):
    """``1 - fidelity(target, state)`` over the last axis (:func:`qsjax.kernels.fidelity`: the
    pure-state fidelity of the normalised vectors, so neither needs to be normalised)."""
    return 1.0 - fidelity(target, state)


def trace_distance_output(channel: DiagonalChannel, target, weights) -> float:
    """``||diag(sqrt q) (chi - u u^dagger) diag(sqrt q)||_1`` for one input weight vector ``q = weights``.

    Any ``q`` in the simplex gives a lower bound on the diamond distance (it is the output trace
    distance for the input ``sum_j sqrt(q_j) |j>|j>``).
    """
    chi = np.asarray(channel.chi)
    u = np.asarray(target).reshape(-1)
    s = np.sqrt(np.asarray(weights, dtype=float))
    d = (chi - np.outer(u, np.conj(u))) * np.outer(s, s)
    return float(np.abs(np.linalg.eigvalsh(d)).sum())
