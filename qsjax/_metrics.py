"""Error metrics for sketched operators, states and channels.

Diamond distance of diagonal channels
-------------------------------------
A sketch's averaged channel is a Schur multiplier ``Phi(rho) = chi ⊙ rho`` and the ideal one is
``Psi(rho) = U rho U^dagger = (u u^dagger) ⊙ rho``. Both commute with conjugation by every diagonal
unitary, so an optimal input for the diamond norm can be taken with a *diagonal* reduced state
``diag(q)`` (average any optimal input of Watrous' SDP over that group: the SDP is convex and
invariant). For such inputs the output difference is ``diag(sqrt q) D diag(sqrt q)`` with
``D = chi - u u^dagger`` (Hermitian, zero diagonal), hence

    ||Phi - Psi||_◇ = max_{q in simplex} || diag(sqrt q) D diag(sqrt q) ||_1 .

If the basis states fall into classes inside which ``D`` is constant off the diagonal (for a Boolean
oracle with uniform ``p``: the ones and the zeros), the channels also commute with permutations
inside a class, ``q`` can be taken constant on each class, and the trace norm splits into a
``k x k`` matrix plus ``n_c - 1`` copies of ``-q_c D_cc`` per class. The diamond distance is then an
exact ``O(k^3)`` computation maximised over the ``k``-simplex: one dimension for a Boolean oracle,
solved by a dense grid plus a bounded scalar refinement. For ``k > 2`` the maximisation is numerical
(multi-start), which returns a certified *lower* bound that is tight at the optimum it finds.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import scipy.optimize

from ._sketch import DiagonalChannel, PhaseSketch, stable_expm1i

__all__ = [
    "operator_norm_error",
    "state_error",
    "infidelity",
    "trace_distance_output",
    "diamond_distance",
    "sketch_diamond_error",
]


def operator_norm_error(diagonal, target):
    """``||diag(diagonal) - diag(target)||`` (operator norm = max entry-wise modulus), per batch."""
    d = jnp.asarray(diagonal)
    t = jnp.asarray(target)
    if d.shape[-t.ndim:] != t.shape:
        raise ValueError(f"diagonal shape {d.shape} does not end with the target shape {t.shape}")
    axes = tuple(range(d.ndim - t.ndim, d.ndim))
    return jnp.max(jnp.abs(d - t), axis=axes)


def state_error(state, target):
    """The l2 error ``||state - target||_2`` over the last axis."""
    return jnp.linalg.norm(jnp.asarray(state) - jnp.asarray(target), axis=-1)


def infidelity(state, target):
    """``1 - |<target|state>|^2 / (||state||^2 ||target||^2)`` over the last axis."""
    s = jnp.asarray(state)
    t = jnp.asarray(target)
    ov = jnp.sum(jnp.conj(t) * s, axis=-1)
    norms = jnp.sum(jnp.abs(s) ** 2, axis=-1) * jnp.sum(jnp.abs(t) ** 2, axis=-1)
    return 1.0 - jnp.abs(ov) ** 2 / norms


def trace_distance_output(channel: DiagonalChannel, target, q) -> float:
    """``||diag(sqrt q) (chi - u u^dagger) diag(sqrt q)||_1`` for one input weight vector ``q``.

    Any ``q`` in the simplex gives a lower bound on the diamond distance (it is the output trace
    distance for the input ``sum_j sqrt(q_j) |j>|j>``).
    """
    chi = np.asarray(channel.chi)
    u = np.asarray(target).reshape(-1)
    s = np.sqrt(np.asarray(q, dtype=float))
    d = (chi - np.outer(u, np.conj(u))) * np.outer(s, s)
    return float(np.abs(np.linalg.eigvalsh(d)).sum())


def _class_trace_norm(w, sizes, d):
    """Trace norm of ``sqrt(q) D sqrt(q)`` with ``q`` constant (``w_c / n_c``) on each class."""
    w = np.clip(np.asarray(w, float), 0.0, None)
    frac = (sizes - 1) / sizes
    within = np.real(np.diag(d))
    g = np.sqrt(np.outer(w, w)) * d
    np.fill_diagonal(g, frac * w * within)
    return float(np.sum(frac * w * np.abs(within)) + np.abs(np.linalg.eigvalsh(g)).sum())


def _maximise_over_simplex(sizes, d) -> float:
    k = len(sizes)
    if k == 1:
        return _class_trace_norm([1.0], sizes, d)
    if k == 2:
        grid = np.linspace(0.0, 1.0, 2049)
        vals = np.array([_class_trace_norm([x, 1 - x], sizes, d) for x in grid])
        i = int(np.argmax(vals))
        lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)]
        res = scipy.optimize.minimize_scalar(
            lambda x: -_class_trace_norm([x, 1 - x], sizes, d),
            bounds=(lo, hi),
            method="bounded",
            options={"xatol": 1e-12},
        )
        return max(float(vals[i]), -float(res.fun))

    def neg(z):
        w = np.exp(z - z.max())
        return -_class_trace_norm(w / w.sum(), sizes, d)

    starts = [np.zeros(k)] + [np.where(np.arange(k) == c, 2.0, 0.0) for c in range(min(k, 8))]
    best = 0.0
    for z0 in starts:
        res = scipy.optimize.minimize(neg, z0, method="Nelder-Mead" if k <= 4 else "Powell",
                                      options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 20000})
        best = max(best, -float(res.fun))
    return best


def diamond_distance(channel: DiagonalChannel, target, *, classes=None) -> float:
    """Diamond distance ``||Phi - U.U^dagger||_◇`` between a diagonal channel and a diagonal unitary.

    Parameters
    ----------
    channel : :class:`DiagonalChannel` (``chi`` of shape (V, V)).
    target : the ideal diagonal ``u`` (V,) (or any shape with V entries).
    classes : optional integer labels (V,) of basis states that are interchangeable (``chi`` and
        ``u`` invariant under permutations within a class). Default: every state its own class
        (exact formula, numerical maximisation over the V-simplex; keep V small).

    See the module docstring for the derivation; exact for at most two classes.
    """
    chi = np.asarray(channel.chi)
    u = np.asarray(target).reshape(-1)
    if chi.shape != (u.size, u.size):
        raise ValueError(f"channel.chi has shape {chi.shape}, expected ({u.size}, {u.size})")
    labels = np.arange(u.size) if classes is None else np.asarray(classes).reshape(-1)
    if labels.shape != u.shape:
        raise ValueError(f"classes must have {u.size} labels, got {labels.shape}")
    uniq, first, sizes = np.unique(labels, return_index=True, return_counts=True)
    dmat = chi - np.outer(u, np.conj(u))
    d = dmat[np.ix_(first, first)].copy()
    for c, lab in enumerate(uniq):  # within-class off-diagonal value
        members = np.flatnonzero(labels == lab)
        d[c, c] = dmat[members[0], members[1]] if members.size > 1 else 0.0
    return _maximise_over_simplex(sizes.astype(float), d)


def sketch_diamond_error(oracle: PhaseSketch, m) -> float:
    """Exact diamond distance between a single-bit :class:`PhaseSketch`'s averaged channel for ``m``
    samples and its ideal unitary, in ``O(N + k^3)`` (``k`` distinct ``(p_x, f_x)`` pairs) without
    forming the ``N x N`` channel.
    """
    if oracle.data.values.ndim != 1:
        raise ValueError("sketch_diamond_error supports single-bit oracles; use diamond_distance")
    p = np.asarray(oracle.data.probabilities, dtype=float)
    theta = np.asarray(oracle._theta(), dtype=float)
    pairs = np.stack([p, theta], axis=1)
    uniq, sizes = np.unique(pairs, axis=0, return_counts=True)
    pc, thc = uniq[:, 0], uniq[:, 1]
    m = float(m)
    a = thc / m
    e_plus = np.asarray(stable_expm1i(jnp.asarray(a)))
    z = pc[:, None] * e_plus[:, None] + pc[None, :] * np.conj(e_plus)[None, :]
    chi = np.exp(m * np.log1p(z))
    u = np.exp(1j * thc * pc)
    d = chi - np.outer(u, np.conj(u))
    within = np.exp(m * np.log1p(pc * 2.0 * np.real(e_plus))) - 1.0  # same class, j != k
    np.fill_diagonal(d, within)
    return _maximise_over_simplex(sizes.astype(float), d)
