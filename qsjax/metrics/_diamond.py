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
solved by a dense grid plus a bounded scalar refinement.

For ``k > 2`` the maximisation is numerical. It is well posed: the objective is *concave* in ``q``
(it equals ``max {2 tr(D W) : 0 <= W <= diag(q)}``, Watrous' SDP restricted to the diagonal inputs,
and a partial maximum of a linear function over a convex set), so every local maximum is global.
It is maximised over ``q = y**2 / |y|**2`` (smooth in ``y``, no boundary) by multi-start L-BFGS with
the analytic gradient, then polished with Powell. The value returned is attained by an explicit
input, so it is never above the true distance.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import scipy.optimize

from .._internal.numerics import orthogonal_chi_minus_target
from .._internal.validate import positive_real
from ..sketch._channel import DiagonalChannel
from ..sketch._phase import PhaseSketch


def _reduced_form(sizes, d):
    """``(lin, dp)`` with ``f(w) = lin . w + ||diag(sqrt w) dp diag(sqrt w)||_1`` on the k-simplex.

    ``d`` is the ``(k, k)`` class matrix: ``d[c, c']`` the value of ``D`` between classes and
    ``d[c, c]`` its value between two *different* members of class ``c``. A class of ``n_c`` members
    with weight ``w_c`` contributes the uniform vector (diagonal ``frac_c w_c d_cc`` of the reduced
    matrix, ``frac_c = (n_c - 1) / n_c``) plus ``n_c - 1`` eigenvalues ``-w_c d_cc / n_c`` (``lin``).
    """
    sizes = np.asarray(sizes, dtype=float)
    frac = (sizes - 1.0) / sizes
    within = np.real(np.diag(d))
    dp = np.array(d, dtype=complex)
    np.fill_diagonal(dp, frac * within)
    return frac * np.abs(within), dp


def _class_trace_norm(w, sizes, d):
    """Trace norm of ``sqrt(q) D sqrt(q)`` with ``q`` constant (``w_c / n_c``) on each class."""
    lin, dp = _reduced_form(sizes, d)
    w = np.clip(np.asarray(w, dtype=float), 0.0, None)
    s = np.sqrt(w)
    return float(lin @ w + np.abs(np.linalg.eigvalsh(s[:, None] * dp * s[None, :])).sum())


def _negative_objective(y, lin, dp):
    """``-f(y**2 / |y|**2)`` and its gradient in ``y``.

    ``diag(|y|) dp diag(|y|)`` and ``diag(y) dp diag(y)`` are unitarily similar (a diagonal sign
    change), so ``f = (lin . y**2 + ||Y dp Y||_1) / |y|**2`` is smooth in ``y`` wherever no
    eigenvalue of ``Y dp Y`` crosses zero. ``d||A||_1 = tr(sign(A) dA)`` gives the gradient.
    """
    r2 = float(y @ y)
    if r2 == 0.0:
        return 0.0, np.zeros_like(y)
    a = y[:, None] * dp * y[None, :]
    lam, vec = np.linalg.eigh(a)
    sgn = (vec * np.sign(lam)) @ vec.conj().T
    num = float(lin @ (y * y) + np.abs(lam).sum())
    grad_num = 2.0 * lin * y + 2.0 * np.real(np.sum(sgn * (y[:, None] * dp).T, axis=1))
    h = num / r2
    return -h, -(grad_num - 2.0 * h * y) / r2


# Each scipy method with its own options (they do not share names).
_LBFGS_OPTIONS = {"maxiter": 5000, "maxcor": 30, "ftol": 1e-16, "gtol": 1e-13}
_POWELL_OPTIONS = {"xtol": 1e-12, "ftol": 1e-16}


def _maximise_over_simplex(sizes, d) -> float:
    """``max_w f(w)`` over the class simplex (see :func:`_reduced_form`)."""
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

    lin, dp = _reduced_form(sizes, d)
    # Concave objective: one start suffices in exact arithmetic; a few guard against stalls at the
    # kinks of the trace norm (uniform weights, then weight tilted towards each of 8 classes).
    starts = [np.ones(k)] + [1.0 + 2.0 * (np.arange(k) == c) for c in range(min(k, 8))]
    best_y, best = starts[0], -_negative_objective(starts[0], lin, dp)[0]
    for y0 in starts:
        res = scipy.optimize.minimize(
            _negative_objective, y0, args=(lin, dp), jac=True, method="L-BFGS-B", options=_LBFGS_OPTIONS
        )
        if -float(res.fun) > best:
            best, best_y = -float(res.fun), np.asarray(res.x)
    # Derivative-free polish from the best point (robust at a non-smooth optimum), then L-BFGS again.
    res = scipy.optimize.minimize(
        lambda y: _negative_objective(y, lin, dp)[0],
        best_y,
        method="Powell",
        options={**_POWELL_OPTIONS, "maxfev": 4000 * k},
    )
    if -float(res.fun) > best:
        best, best_y = -float(res.fun), np.asarray(res.x)
    res = scipy.optimize.minimize(
        _negative_objective, best_y, args=(lin, dp), jac=True, method="L-BFGS-B", options=_LBFGS_OPTIONS
    )
    return max(best, -float(res.fun))


_UNIT_TOL = 1e-4  # |u_j| = 1 and chi_jj = 1, up to single-precision rounding


def _invariance_tol(*arrays) -> float:
    """Tolerance for "equal up to rounding": 1000 ulps of the coarsest input precision."""
    eps = max(np.finfo(np.result_type(a.dtype, np.float32)).eps for a in arrays)
    return 1e3 * float(eps)


def _second_members(inverse, first):
    """Per class, a member other than the first (the first itself for a singleton class)."""
    second = first.copy()
    order = np.argsort(inverse, kind="stable")
    sorted_classes = inverse[order]
    starts = np.searchsorted(sorted_classes, np.arange(first.size))
    has_two = np.bincount(inverse, minlength=first.size) > 1
    second[has_two] = order[starts[has_two] + 1]
    return second


def _check_classes(chi, u, labels, inverse, first, second):
    """Refuse class labels under which the channel or the target is not permutation invariant.

    ``u`` must be constant on each class and ``chi`` constant on each class block off the diagonal
    (compared in blocks of rows, so the extra memory is ``O(rows * V)``).
    """
    tol_u = _invariance_tol(u)
    dev_u = np.abs(u - u[first][inverse])
    if dev_u.size and dev_u.max() > tol_u:
        j = int(np.argmax(dev_u))
        raise ValueError(
            f"classes: the target is not constant within class {labels[j]!r}: entry {j} is {u[j]!r}, the "
            f"class's first entry is {u[first[inverse[j]]]!r} (difference {dev_u[j]:.3g} > tolerance "
            f"{tol_u:.1g}). Labels must group basis states that are interchangeable (for a Boolean "
            "oracle with uniform p: the truth table)"
        )
    v = u.size
    tol = _invariance_tol(chi) * max(1.0, float(np.abs(chi).max(initial=0.0)))
    # the class-block value of chi: between classes any member pair, within a class two members
    block = chi[np.ix_(first, first)].copy()
    np.fill_diagonal(block, chi[first, second])
    if first.size == v:  # every class block is a single entry: nothing to compare
        return
    rows = max(1, 2**20 // v)  # ~16 MiB of complex128 per block of rows
    for r0 in range(0, v, rows):
        r = np.arange(r0, min(r0 + rows, v))
        got = chi[r0 : r0 + r.size]
        expected = block[np.ix_(inverse[r], inverse)]
        expected[np.arange(r.size), r] = got[np.arange(r.size), r]  # the diagonal is checked apart
        dev = np.abs(got - expected)
        if dev.max() > tol:
            i, k = divmod(int(np.argmax(dev)), v)
            j = int(r[i])
            raise ValueError(
                f"classes: the channel is not invariant under permutations within the classes: "
                f"chi[{j}, {k}] = {chi[j, k]!r} differs from the value {expected[i, k]!r} of its class "
                f"block (classes {labels[j]!r}, {labels[k]!r}) by {dev[i, k]:.3g} (tolerance {tol:.1g}). "
                "Labels must group basis states that are interchangeable (for a Boolean oracle with "
                "uniform p: the truth table); classes=None needs no such assumption"
            )


def diamond_distance(channel: DiagonalChannel, target, *, classes=None) -> float:
    """Diamond distance ``||Phi - U.U^dagger||_◇`` between a diagonal channel and a diagonal unitary.

    Parameters
    ----------
    channel : :class:`DiagonalChannel` (``chi`` of shape (V, V), ones on the diagonal).
    target : the ideal diagonal ``u`` (V,) (or any shape with V entries), ``|u_j| = 1``.
    classes : optional labels (V,) of basis states that are interchangeable: ``chi`` and ``u``
        invariant under permutations within a class, i.e. ``u`` constant on each class and ``chi``
        constant on each class block (off the diagonal). This is checked (to 1000 ulps of the
        input precision) and a ``ValueError`` names the first violation. Default: every state its
        own class (exact formula, numerical maximisation over the V-simplex; keep V small).

    Raises
    ------
    ValueError
        for mismatched shapes, NaN/inf entries, ``|u_j| != 1`` or ``chi_jj != 1`` (beyond 1e-4), or
        class labels under which the channel or the target is not invariant.

    Returns
    -------
    float
        Exact (up to rounding) for at most two classes; for more, the maximum found by a convergent
        local search of a concave function, attained by an explicit input (never an overestimate).

    See the module docstring for the derivation.
    """
    if not hasattr(channel, "chi"):
        raise TypeError(
            f"channel must be a DiagonalChannel (with a chi matrix), got {type(channel).__name__}"
        )
    chi = np.asarray(channel.chi)
    u = np.asarray(target).reshape(-1)
    if chi.shape != (u.size, u.size):
        raise ValueError(f"channel.chi has shape {chi.shape}, expected ({u.size}, {u.size})")
    if not (np.all(np.isfinite(chi)) and np.all(np.isfinite(u))):
        raise ValueError("channel.chi and target must be finite (got NaN or inf entries)")
    # gross errors only (a mean E[V] or a state passed as the target, a non-channel chi): entries
    # computed in single precision and stored in double must pass
    dev_u = np.abs(np.abs(u) - 1.0)
    if u.size and dev_u.max() > _UNIT_TOL:
        j = int(np.argmax(dev_u))
        raise ValueError(f"target must be a diagonal unitary (|u_j| = 1), got |u[{j}]| = {abs(u[j])!r}")
    dev_chi = np.abs(np.diagonal(chi) - 1.0)
    if u.size and dev_chi.max() > _UNIT_TOL:
        j = int(np.argmax(dev_chi))
        raise ValueError(
            f"channel.chi must have ones on its diagonal (a trace-preserving channel), got chi[{j}, {j}] = "
            f"{chi[j, j]!r}"
        )
    labels = np.arange(u.size) if classes is None else np.asarray(classes).reshape(-1)
    if labels.shape != u.shape:
        raise ValueError(f"classes must have {u.size} labels, got {labels.shape}")
    _, first, inverse, sizes = np.unique(labels, return_index=True, return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1)
    second = _second_members(inverse, first)
    _check_classes(chi, u, labels, inverse, first, second)
    # the class matrix of D = chi - u u^dagger; (c, c) is the value between two members of class c
    d = chi[np.ix_(first, first)] - np.outer(u[first], np.conj(u[first]))
    within = chi[first, second] - u[first] * np.conj(u[second])
    np.fill_diagonal(d, np.where(sizes > 1, within, 0.0))
    return _maximise_over_simplex(sizes.astype(float), d)


# ----------------------------------------------------------------------------- the class matrix
#
# The sketch's per-sample angle a = theta / m can be 1e-12 while ``chi - u u^dagger`` is O(1/m): the
# class matrix uses the sketch's own cancellation-free channel formula (qsjax._internal.numerics,
# the one the ``channel`` mode evaluates), run in float64 whatever the caller's precision, so it is
# accurate to a few ulps *relative* at any m.


def _class_matrix(pc, thc, m):
    """The ``(k, k)`` class matrix of ``D = chi - u u^dagger`` for classes with ``(p_c, theta_c)``.

    ``D_jk = u_j conj(u_k) expm1(rest_jk)`` with the target phase taken out analytically (see
    :func:`qsjax._internal.numerics.chi_exponent`). The diagonal ``(c, c)`` is the value between two
    different members of class ``c``.
    """
    with jax.enable_x64(True):
        p = jnp.asarray(pc, jnp.float64)
        theta = jnp.asarray(thc, jnp.float64)
        d = np.array(
            orthogonal_chi_minus_target(
                p[:, None], theta[:, None], p[None, :], theta[None, :], jnp.float64(m)
            )
        )
    np.fill_diagonal(d, np.real(np.diag(d)))  # within a class: real up to rounding
    return d


def sketch_diamond_error(oracle: PhaseSketch, m) -> float:
    """Exact diamond distance between a single-bit :class:`PhaseSketch`'s averaged channel for ``m``
    samples and its ideal unitary, in ``O(N + k^3)`` (``k`` distinct ``(p_x, f_x)`` pairs) without
    forming the ``N x N`` channel.

    Parameters
    ----------
    oracle : a single-bit :class:`PhaseSketch` (from :func:`boolean_oracle`).
    m : positive real number of samples per query, at most ``1e30`` (as the ``channel`` mode).

    Returns
    -------
    float
        ``||E[V . V^dagger] - U . U^dagger||_◇``, accurate to a few ulps relative at any ``m`` (the
        class matrix is evaluated in float64 in a cancellation-free form, whatever the caller's
        precision): at large ``m`` it is about ``(N - 1) pi^2 / (2 m)`` for one marked entry and
        uniform ``p``.
    """
    if not isinstance(oracle, PhaseSketch):
        raise TypeError(
            f"oracle must be a PhaseSketch (from qsjax.boolean_oracle), got {type(oracle).__name__}; for "
            "other diagonal channels use diamond_distance(channel, target)"
        )
    if oracle.data.values.ndim != 1:
        raise ValueError("sketch_diamond_error supports single-bit oracles; use diamond_distance")
    m = float(positive_real(m, "m"))
    p = np.asarray(oracle.data.probabilities, dtype=float)
    theta = np.asarray(oracle._theta(), dtype=float)
    pairs = np.stack([p, theta], axis=1)
    uniq, sizes = np.unique(pairs, axis=0, return_counts=True)
    d = _class_matrix(uniq[:, 0], uniq[:, 1], m)
    return _maximise_over_simplex(sizes.astype(float), d)
