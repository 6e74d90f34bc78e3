"""Quantum signal processing: convention, deterministic phase finding, QSVT application.

Convention (``"wx"``, the one every phase array in qsjax is stored in)
------------------------------------------------------------------------
Signal operator and QSP product, for ``x in [-1, 1]`` and phases ``phi_0 .. phi_d``::

    W(x) = [[x, i sqrt(1 - x^2)], [i sqrt(1 - x^2), x]] = exp(i arccos(x) X)
    U_phi(x) = exp(i phi_0 Z) W(x) exp(i phi_1 Z) W(x) ... W(x) exp(i phi_d Z)

(the leftmost factor is applied last). The polynomial lives in the **top-left entry**:
``<0|U_phi(x)|0> = P(x) + i Q(x)`` with real polynomials ``P, Q``; for **symmetric** phases
(``phi_k = phi_{d-k}``) phase finding targets ``P(x) = Re <0|U_phi(x)|0> = f(x)``, which is possible
for any real ``f`` of degree ``d``, parity ``d mod 2`` and ``max |f| <= 1``.

Other conventions (see :func:`convert_phases`; each conversion is exact for the full 2x2 matrix):

* ``"reflection"``: ``R(x) = [[x, sqrt(1-x^2)], [sqrt(1-x^2), -x]]`` (a Hermitian block encoding of
  ``x``) with the same product structure. ``R(x) = -i exp(i pi/4 Z) W(x) exp(i pi/4 Z)``, hence
  ``U^wx_phi = i^d U^R_phi'`` with ``phi'_0 = phi_0 - pi/4``, ``phi'_d = phi_d - pi/4`` and
  ``phi'_k = phi_k - pi/2`` for ``0 < k < d`` (global phase ``i^d``).
* ``"projector"``: the QSVT circuit ``exp(i phi'_0 (2 Pi - I)) U exp(i phi'_1 (2 Pi - I)) U ...``
  for a Hermitian block encoding ``U`` with ``<0|U|0> = A`` and ``Pi = |0><0|`` on the ancilla. With
  one ancilla qubit ``2 Pi - I = Z`` and each eigenvalue of ``A`` sees ``R(lambda)``, so these are
  exactly the reflection phases (same shifts, same ``i^d`` global phase).
* ``"wz"``: signal ``exp(i arccos(x) Z)``, processing ``exp(i phi X)``: the Hadamard conjugate of
  ``"wx"``. Phases are unchanged and the polynomial sits in ``<+|U|+>``.

Phase finding (:func:`find_phases`)
-----------------------------------
Two solvers, both deterministic (same phases every call) and float64, both verified at the end on an
independent grid by the full 2x2 product (:func:`qsp_response`).

``method="nlft"`` (the default for ``degree >= 500``, see :mod:`qsjax.qsp._nlft`): the nonlinear
Fourier transform route, ``O(d log^2 d)``. The complementary polynomial comes from the Weiss algorithm
(FFT of ``log(1 - P^2)`` on the circle, outer function), the NLFT sequence from a half-recursive
(fast) layer stripping, and the phases are ``arctan`` of it. Host-side numpy/scipy FFTs, no JIT.
Measured for sign polynomials at ``max |P| = 1 - 1e-6`` on a shared 2-core CPU (load ~3), whole
``find_phases`` call including the sup norm and the verification: 0.07 s at ``d = 10^3``, 0.5 s at
``10^4`` (Newton: 38 s), 8 s at ``10^5`` (of which the solve ~3 s), coefficient residual ~1e-15.
It needs ``max |P| < 1`` strictly: the Weiss grid grows like ``d / sqrt(1 - max|P|)`` and is capped at
2^25 points (full accuracy down to ``1 - max|P| ~ 1e-7`` at ``d = 10^5``; a target touching 1 to
rounding, e.g. ``sign_polynomial`` with ``amplitude=1``, needs the cap already at ``d ~ 10^3``).
``"auto"`` therefore compares estimated costs: when the margin is tiny and the degree moderate
(``arcsin_polynomial(1001)``: margin ``6e-12``) it runs the iteration below first, and either solver
is the other's fallback.

``method="fpi"`` / ``"newton"`` (the default below degree 500): symmetric QSP solved on the reduced
phases ``psi`` (the ``ceil((d+1)/2)`` independent phases, with ``phi_0 = phi_d = pi/4 + psi_last`` as
the reference point where the polynomial is zero). The map
``F(psi)`` = Chebyshev coefficients of ``Re <0|U_phi|0>`` is evaluated exactly by propagating one row
vector through the first half of the product at ``~(d+1)/2`` positive Chebyshev nodes (symmetry gives
``U = V C V^T``) followed by one DCT: ``O(d^2)`` work, ``O(d)`` memory, vectorised over nodes with a
``lax.scan`` over phases. The default solver is the fixed-point iteration of Dong, Lin, Ni and Wang
("infinite QSP": ``psi <- psi - (1/2) (F(psi) - c)`` in our sign convention, since ``DF(0) = -2 I``),
which costs one evaluation per iteration and converges linearly, fast for moderate norms (about 70
iterations at ``max |f| = 0.9``, 300 at 0.99, 1300 at 0.999) but stalls as ``max |f| -> 1``. When its
observed contraction predicts more work than a Newton solve (a cost model depending only on ``d``),
or it diverges, the solver switches to Newton's method (Dong-Lin-Ni-Wang 2023), robust up to norm 1:
its exact Jacobian is also built in ``O(d^2)`` by a forward/backward sweep (the backward sweep undoes
the unitary factors, so nothing of size ``d x nodes`` is stored), factorised by LU (``O(d^3)``) and
reused across steps while it keeps contracting. Its dense Jacobian limits Newton to degree
``<= 20001``.
The iteration runs in float64 inside a local ``jax.enable_x64(True)`` context (global config
untouched) as a fixed sequence of XLA programs, so repeated calls give bitwise-identical phases.
Both solvers return the same solution (the one continuously connected to ``psi = 0``; phases agree
to the conditioning of the problem, ~1e-12 at ``max|P| = 0.9``). Every solve is verified on an
independent grid and raises :class:`QSPConvergenceError` otherwise.

QSVT application
----------------
:func:`qsvt_diagonal` (diagonal block encodings: a per-entry 2x2 product, vectorised over entries,
one ``lax.scan`` over queries, a distinct signal per query allowed) and :func:`qsvt_operator`
(block encodings given as callables on ancilla-major states ``(..., A, N)``). Both take phases in the
``"wx"`` convention and convert internally, so their top-left block always equals
``<0|U^wx_phi|0>`` whatever the physical block encoding. :func:`qsvt_diagonal_real` and
:func:`qsvt_operator_real` give the second LCU ``(U_phi + U_{-phi}) / 2``, whose block is
``(P + P^*) / 2`` (just ``Re`` of the block for real diagonal signals).
"""

from __future__ import annotations

import math
from functools import partial
from typing import Literal

import jax
import jax.numpy as jnp
import numpy as np
import scipy.fft
import scipy.linalg
from jaxtyping import ArrayLike

from .._internal.validate import positive_int, real_scalar
from ._diagonal import qsp_response
from ._nlft import estimated_seconds, nlft_phases, weiss_feasible
from ._poly import MAX_POLY_DEGREE, ChebPoly, sup_norm
from ._result import QSPConvergenceError, QSPPhases

# ----------------------------------------------------------------------------------------------
# Symmetric QSP: reduced phases <-> full phases, the map F and its Jacobian (float64, jitted)
# ----------------------------------------------------------------------------------------------


def _num_reduced(degree: int) -> int:
    return degree // 2 + 1


def _full_from_reduced(psi: np.ndarray, parity: int) -> np.ndarray:
    """Full symmetric phases (length d + 1) from reduced ``psi`` (middle first), with pi/4 ends."""
    rev = psi[::-1]
    if parity == 1:
        full = np.concatenate([rev, psi])
    else:
        full = np.concatenate([rev, psi[1:]])
    full = full.copy()
    full[0] += np.pi / 4
    full[-1] += np.pi / 4
    return full


def _num_nodes(dt: int) -> int:
    """Number of positive Chebyshev nodes: at least dt (exactness), rounded up to an FFT-friendly
    length (a prime-ish dt such as 5001 = 3 * 1667 would make every DCT a slow Bluestein one)."""
    return scipy.fft.next_fast_len(dt)


def _nodes(n: int):
    """Positive-half Chebyshev nodes x_j = cos(theta_j), theta_j = (2j+1) pi / (4 n), j < n."""
    theta = (2.0 * jnp.arange(n, dtype=jnp.float64) + 1.0) * (jnp.pi / (4.0 * n))
    return jnp.cos(theta), jnp.sin(theta)


def _nodes_to_reduced_coeffs(vals, parity: int, dt: int):
    """The first ``dt`` reduced Chebyshev coefficients from values at the ``n`` positive nodes.

    The full set of 2 n first-kind nodes is the positive half plus its mirror image (values
    ``(-1)^parity`` times); one DCT-II of length 2 n is exact for degree <= 2 n - 1. The constant
    coefficient of an even polynomial is returned doubled, which makes ``DF(0) = -2 I`` uniform.
    """
    n = vals.shape[-1]
    sign = 1.0 if parity == 0 else -1.0
    full = jnp.concatenate([vals, sign * vals[..., ::-1]], axis=-1)
    y = jax.scipy.fft.dct(full, type=2, axis=-1)
    return y[..., parity::2][..., :dt] / (2.0 * n)


@partial(jax.jit, static_argnums=(1, 2))
def _response_at_nodes(psi, parity: int, n: int):
    """``Re <0|U_phi(x_j)|0>`` at the positive nodes, using ``U = V C V^T`` (half the work).

    Row vector ``v = <0| exp(i phi_0 Z) W exp(i phi_1 Z) ...`` kept as four real arrays
    ``(Re v0, Im v0, Re v1, Im v1)`` (real arithmetic vectorises better than complex on CPU).
    """
    x, s = _nodes(n)
    rev = psi[::-1]
    phi0 = rev[0] + jnp.pi / 4
    a = jnp.cos(phi0) * jnp.ones_like(x)
    b = jnp.sin(phi0) * jnp.ones_like(x)
    c = jnp.zeros_like(x)
    d = jnp.zeros_like(x)

    def step(st, ph):
        a, b, c, d = st
        # v <- v W:  w0 = x v0 + i s v1,  w1 = i s v0 + x v1
        wa, wb = x * a - s * d, x * b + s * c
        wc, wd = x * c - s * b, x * d + s * a
        co, si = jnp.cos(ph), jnp.sin(ph)
        # v <- v exp(i ph Z):  v0 e^{i ph},  v1 e^{-i ph}
        return (wa * co - wb * si, wa * si + wb * co, wc * co + wd * si, wd * co - wc * si), None

    # unroll=2 measured fastest on CPU; larger unrolls make XLA duplicate work across steps.
    if parity == 1:
        (a, b, c, d), _ = jax.lax.scan(step, (a, b, c, d), rev[1:], unroll=2)
        # Re(v W v^T) = x Re(v0^2 + v1^2) - 2 s Im(v0 v1)
        return x * (a * a - b * b + c * c - d * d) - 2.0 * s * (a * d + b * c)
    (a, b, c, d), _ = jax.lax.scan(step, (a, b, c, d), rev[1:-1], unroll=2)
    a, b, c, d = x * a - s * d, x * b + s * c, x * c - s * b, x * d + s * a
    # Re(v exp(i psi_0 Z) v^T) = cos psi0 Re(v0^2 + v1^2) - sin psi0 Im(v0^2 - v1^2)
    p0 = psi[0]
    return jnp.cos(p0) * (a * a - b * b + c * c - d * d) - 2.0 * jnp.sin(p0) * (a * b - c * d)


@partial(jax.jit, static_argnums=(1,))
def _achieved_coeffs(psi, parity: int):
    """F(psi): reduced Chebyshev coefficients (even: constant doubled) of Re <0|U_phi|0>."""
    dt = psi.shape[0]
    n = _num_nodes(dt)
    return _nodes_to_reduced_coeffs(_response_at_nodes(psi, parity, n), parity, dt)


def _expi(phase):
    """``exp(i phase)`` for a real ``phase`` (no real-to-complex promotion: strict-promotion safe)."""
    return jax.lax.complex(jnp.cos(phase), jnp.sin(phase))


@partial(jax.jit, static_argnums=(1,))
def _jacobian_at_nodes(psi, parity: int):
    """``d Re<0|U_phi(x_j)|0> / d psi_i`` at the positive nodes, shape (dt, n) [psi, node].

    With ``a_k`` the row prefix up to ``exp(i phi_k Z)`` and ``b_k`` the column ``S_k C v^T``,
    ``dg/dphi_k = 2 a_k (i Z) b_k`` (factor 2: phi_k appears twice in the symmetric product). A
    forward sweep gives ``v``; the backward sweep peels one unitary factor per step off ``a`` (by its
    inverse, which is numerically stable) while growing ``b``.
    """
    dt = psi.shape[0]
    x, s = _nodes(_num_nodes(dt))
    x = x.astype(jnp.complex128)
    s = s.astype(jnp.complex128)
    rev = psi[::-1]
    phis = rev.at[0].add(jnp.pi / 4)  # phi_0 .. phi_{dt-1} (first half incl. middle)
    n_half = dt if parity == 1 else dt - 1  # phases phi_0..phi_M in the row prefix, M = n_half-1

    def w_right(v0, v1):  # row v -> v W
        return x * v0 + 1j * s * v1, 1j * s * v0 + x * v1

    e0 = _expi(phis[0])
    a0 = e0 * jnp.ones_like(x)
    a1 = jnp.zeros_like(x)

    def fwd(st, ph):
        v0, v1 = w_right(*st)
        e = _expi(ph)
        return (v0 * e, v1 * jnp.conj(e)), None

    (a0, a1), _ = jax.lax.scan(fwd, (a0, a1), phis[1:n_half])
    if parity == 1:
        # g = v W v^T with v = a_M;  b_M = W v^T
        v0, v1 = a0, a1
        b0, b1 = x * v0 + 1j * s * v1, 1j * s * v0 + x * v1
        j_mid = None
    else:
        # g = v e^{i psi0 Z} v^T with v = a_M W;  b_M = W e^{i psi0 Z} v^T
        v0, v1 = w_right(a0, a1)
        em = _expi(psi[0])
        u0, u1 = em * v0, jnp.conj(em) * v1
        b0, b1 = x * u0 + 1j * s * u1, 1j * s * u0 + x * u1
        j_mid = jnp.real(1j * (em * v0 * v0 - jnp.conj(em) * v1 * v1))

    def bwd(st, ph):
        a0, a1, b0, b1 = st
        jk = jnp.real(2j * (a0 * b0 - a1 * b1))
        e = _expi(ph)
        # a_{k-1} = a_k exp(-i phi_k Z) W^dagger
        u0, u1 = a0 * jnp.conj(e), a1 * e
        na0, na1 = x * u0 - 1j * s * u1, -1j * s * u0 + x * u1
        # b_{k-1} = W exp(i phi_k Z) b_k
        w0, w1 = e * b0, jnp.conj(e) * b1
        nb0, nb1 = x * w0 + 1j * s * w1, 1j * s * w0 + x * w1
        return (na0, na1, nb0, nb1), jk

    _, jac = jax.lax.scan(bwd, (a0, a1, b0, b1), phis[:n_half][::-1])
    # Scan order k = M .. 0 corresponds to psi indices (parity 1) 0 .. dt-1, (parity 0) 1 .. dt-1.
    if j_mid is not None:
        jac = jnp.concatenate([j_mid[None, :], jac], axis=0)
    return jac


def _jacobian_coeffs(psi: np.ndarray, parity: int) -> np.ndarray:
    """Jacobian of F (reduced coefficients) w.r.t. psi, shape (dt, dt) [coeff, psi], numpy."""
    jn = np.asarray(_jacobian_at_nodes(jnp.asarray(psi), parity))  # [psi, node]
    dt, n = jn.shape
    # Same node -> coefficient map as _nodes_to_reduced_coeffs, on the host (scipy): by the
    # mirror symmetry it is a half-length DCT-IV (odd) / DCT-II (even) of the positive-node values.
    y = scipy.fft.dct(jn, type=4 if parity == 1 else 2, axis=-1)
    return np.ascontiguousarray(y[:, :dt].T) / n


@partial(jax.jit, static_argnums=(2, 3))
def _fpi_loop(psi0, target, parity: int, maxiter: int, tol, budget, min_iter):
    """Fixed-point iteration in one XLA while-loop.

    Stops when the max-abs coefficient residual is <= tol, after maxiter iterations, on NaN, when
    the residual grows over the last 8 iterations (divergence), or -- after ``min_iter`` iterations --
    when the observed contraction predicts more than ``budget`` further iterations (a Newton
    hand-off is then cheaper; pass ``budget = inf`` to disable).
    """
    hist_len = 8

    def cond(st):
        _, it, r, hist = st
        rate = (r / hist[it % hist_len]) ** (1.0 / hist_len)
        remaining = jnp.log(tol / r) / jnp.log(jnp.minimum(rate, 1.0 - 1e-15))
        stop = (it >= min_iter) & ((rate >= 1.0) | (remaining > budget))
        return (it < maxiter) & (r > tol) & jnp.isfinite(r) & ~stop

    def body(st):
        psi, it, r, hist = st
        res = _achieved_coeffs(psi, parity) - target
        r_new = jnp.max(jnp.abs(res))
        hist = hist.at[it % hist_len].set(r)
        # DF(0) = -2 I in this sign convention, so the frozen-Jacobian Newton step is +res/2.
        return psi + 0.5 * res, it + 1, r_new, hist

    big = jnp.asarray(jnp.finfo(psi0.dtype).max, psi0.dtype)  # "not yet measured", finite
    st = (psi0, jnp.int32(0), big, jnp.full((hist_len,), big, psi0.dtype))
    psi, it, r, _ = jax.lax.while_loop(cond, body, st)
    # r is the residual of the iterate *before* the last update; recompute for the returned psi.
    res = _achieved_coeffs(psi, parity) - target
    return psi, it, jnp.max(jnp.abs(res))


def _newton_cost_in_fpi_steps(dt: int) -> float:
    """Rough cost of switching to Newton, in units of one fixed-point iteration (a heuristic).

    Measured on a 2-core CPU: one F evaluation ~4e-9 dt^2 s; a fresh Jacobian ~4 F's plus an LU of
    ~3e-11 dt^3 s; a solve needs ~4 fresh Jacobians; the first Newton call for a degree also pays
    ~2 s of JIT compilation. Small degrees therefore keep iterating the (cheap, already compiled)
    fixed-point map for longer; at d = 10^4 the switch happens after ~200 predicted iterations.
    Depends only on dt, so the solver stays deterministic.
    """
    return _newton_seconds(dt) / (4e-9 * dt * dt)


def _newton_seconds(dt: int) -> float:
    """Estimated seconds of a Newton solve with ``dt`` reduced phases (see above): ~2 s at d = 10^3,
    ~20 s at d = 10^4."""
    c_f = 4e-9 * dt * dt
    c_lu = 3.3e-11 * dt**3
    return 2.0 + 4.0 * (4.0 * c_f + c_lu)


def _newton(psi: np.ndarray, target: np.ndarray, parity: int, tol: float, maxiter: int):
    """Newton's method with the exact O(d^2) Jacobian, reusing its LU factors while they work.

    A Jacobian + LU costs O(d^3) (seconds at d = 10^4) while a step with stored factors costs one
    F evaluation plus two triangular solves, so the factors are kept as long as each step still
    contracts the residual by at least ``REFRESH``; otherwise (or when a step fails) the Jacobian is
    recomputed at the current point, and a fresh-Jacobian step that does not decrease the residual
    is damped by backtracking. Returns ``(psi, iterations, residual)``; iterations counts accepted
    steps.
    """
    refresh = 0.25

    def residual(p):
        res = np.asarray(_achieved_coeffs(jnp.asarray(p), parity)) - target
        return res, float(np.max(np.abs(res)))

    psi = np.array(psi, dtype=np.float64)
    res, r = residual(psi)
    it = 0
    lu = None
    while r > tol and it < maxiter and math.isfinite(r):
        fresh = lu is None
        if fresh:
            try:
                lu = scipy.linalg.lu_factor(_jacobian_coeffs(psi, parity), check_finite=False)
            except (np.linalg.LinAlgError, ValueError):
                break
        step = scipy.linalg.lu_solve(lu, res, check_finite=False)
        cand = psi - step
        res_c, r_c = residual(cand)
        if not fresh:
            if not r_c < refresh * r:
                lu = None  # stale factors: refresh at the current point
            if r_c < r:  # accept any decrease; otherwise retry with a fresh J
                psi, res, r = cand, res_c, r_c
                it += 1
            continue
        lam = 1.0
        while not r_c < r and lam > 1e-3:
            lam *= 0.5
            cand = psi - lam * step
            res_c, r_c = residual(cand)
        if not r_c < r:
            break  # even a damped fresh step fails: give up
        contraction = r_c / r
        psi, res, r = cand, res_c, r_c
        it += 1
        if lam < 1.0 or contraction > refresh:
            lu = None  # far from the solution: keep recomputing
    return psi, it, r


# ----------------------------------------------------------------------------------------------
# Phase finding
# ----------------------------------------------------------------------------------------------


_AUTO_NLFT_MIN_DEGREE = 500
"""``method="auto"`` uses the NLFT path from this degree on (where it is >~ 10x faster than the
iteration and has no JIT compilation), when the Weiss grid can resolve ``1 - max|P|``."""

_NEWTON_MAX_DEGREE = 20001
"""Newton's dense Jacobian has ``~(d/2)^2`` float64 entries (0.8 GB at this degree, plus its LU)."""


def _check_phase_degree(degree) -> None:
    """Refuse absurd degrees before anything of that size is built (grids, Jacobians, scans)."""
    if isinstance(degree, bool) or not isinstance(degree, (int, np.integer)):
        raise TypeError(f"poly.degree must be an int, got {type(degree).__name__}")
    if degree > MAX_POLY_DEGREE:
        raise ValueError(
            f"poly has degree {degree}, above the phase-finding degree cap MAX_POLY_DEGREE={MAX_POLY_DEGREE}"
        )


def _target_coeffs(poly) -> tuple[np.ndarray, int, int]:
    if isinstance(poly, ChebPoly):
        degree, parity = poly.degree, poly.parity
        _check_phase_degree(degree)
        c = np.asarray(poly.coeffs, dtype=np.float64)
        if c.shape != (degree + 1,):
            raise ValueError(f"poly.coeffs has shape {c.shape} but poly.degree is {degree}")
        if parity is None:
            raise ValueError(
                "poly has mixed parity; QSP with symmetric phases needs a polynomial "
                "of definite parity (split it into even and odd parts)"
            )
        if degree % 2 != parity:
            raise ValueError(
                f"poly has parity {parity} but degree {degree}: QSP degree parity must "
                f"match the polynomial parity"
            )
    else:
        c = np.asarray(poly, dtype=np.float64)
        if c.ndim != 1 or c.size == 0:
            raise ValueError(
                f"poly must be a ChebPoly or a 1-D array of Chebyshev coefficients, got shape {c.shape}"
            )
        degree = c.size - 1
        parity = degree % 2
        _check_phase_degree(degree)
    if not np.all(np.isfinite(c)):
        raise ValueError("poly has non-finite coefficients")
    wrong = np.abs(c[1 - parity :: 2])
    scale = max(float(np.max(np.abs(c))), 1e-300)
    if wrong.size and float(wrong.max()) > 1e-14 * scale:
        k = int(np.argmax(wrong)) * 2 + (1 - parity)
        raise ValueError(
            f"poly: degree {degree} needs parity {parity}, but coefficient c[{k}] = "
            f"{c[k]:.3g} has the other parity"
        )
    return c, degree, parity


_VERIFY_MAX_ANGLES = 1001
"""Verification points (besides the uniform 257) at most: the check costs ``degree x points`` 2x2
products, 1.3e8 at degree 10^5 (under a second); below degree ~1000 the grid is ~d + 264 points."""


def _verify_grid(degree: int) -> np.ndarray:
    # Angles offset from the iteration nodes (and from the Weiss grid), plus a uniform grid with both
    # end points.
    n = min(2 * _num_reduced(degree) + 7, _VERIFY_MAX_ANGLES)
    theta = (np.arange(n) + 0.3183) * np.pi / n
    return np.concatenate([np.cos(theta), np.linspace(-1.0, 1.0, 257)])


_MAX_ITER = 2**31 - 1


def _positive_tolerance(value, name: str) -> float:
    """A finite tolerance > 0 (TypeError for non-numbers, ValueError for NaN, inf, zero or less)."""
    v = real_scalar(value, name)
    if not math.isfinite(v) or v <= 0.0:
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return v


_METHODS = ("auto", "nlft", "fpi", "newton")


def find_phases(
    poly: ChebPoly | ArrayLike,
    *,
    method: Literal["auto", "nlft", "fpi", "newton"] = "auto",
    tol: float = 1e-12,
    atol: float | None = None,
    maxiter: int | None = None,
) -> QSPPhases:
    """Symmetric QSP phases with ``Re <0|U_phi(x)|0> = P(x)`` (``"wx"`` convention), deterministic.

    Parameters
    ----------
    poly : ChebPoly or array, shape (d + 1,)
        Target in the Chebyshev basis, real, parity ``d mod 2``, ``max |P| <= 1`` on ``[-1, 1]``,
        degree at most :data:`MAX_POLY_DEGREE`.
    method : {"auto", "nlft", "fpi", "newton"}
        ``"auto"`` (default): ``"nlft"`` for degree >= 500 when ``1 - max|P|`` is large enough for
        its Weiss grid and it is estimated cheaper than Newton; otherwise fixed-point iteration,
        handing off to Newton when its contraction is slow (``max |P|`` near 1) or it stalls. If the
        first choice fails, the other one is tried (the iteration only up to degree 20001).
        ``"nlft"``: Weiss complementary polynomial + fast inverse
        nonlinear Fourier transform, ``O(d log^2 d)`` (needs ``max |P| < 1`` strictly; see the module
        docstring). ``"fpi"``: fixed-point only. ``"newton"``: Newton from the reference point
        (degree <= 20001: dense Jacobian).
    tol : float
        Required max-abs residual of the (reduced) Chebyshev coefficients.
    atol : float, optional
        Tolerance of the final verification ``max |Re <0|U|0> - P|`` on an independent grid
        (default ``max(1e-9, dt * tol)``, ``dt`` = number of reduced phases, which bounds the grid
        error implied by ``tol``).
    maxiter : int, optional
        Iteration cap (fixed-point: default 5000; Newton: 50); a positive integer. Not used by
        ``"nlft"`` (a direct method).

    ``tol`` and ``atol`` must be finite and positive, ``maxiter`` a positive integer (``ValueError``
    otherwise, ``TypeError`` for non-numbers): a NaN tolerance is a usage error, not a convergence
    failure.

    Returns
    -------
    QSPPhases
        ``method`` is ``"nlft"``, ``"fpi"``, ``"fpi+newton"`` or ``"newton"``; for ``"nlft"``,
        ``iterations`` counts inverse-NLFT passes (1 unless the Weiss grid had to be enlarged).

    Raises
    ------
    ValueError
        Bad input: wrong parity, ``max |P| > 1``, non-finite coefficients, unknown method, a degree
        above :data:`MAX_POLY_DEGREE` (or above 20001 for ``"newton"``), a non-positive or
        non-finite ``tol`` / ``atol``, a non-positive ``maxiter``.
    QSPConvergenceError
        The residual did not reach ``tol`` or the grid verification exceeded ``atol`` (for
        ``"nlft"`` also: ``max |P|`` too close to 1 for its Weiss grid at this degree).
    """
    if method not in _METHODS:
        raise ValueError(f"method must be one of {', '.join(map(repr, _METHODS))}, got {method!r}")
    tol = _positive_tolerance(tol, "tol")
    if atol is not None:
        atol = _positive_tolerance(atol, "atol")
    if maxiter is not None:
        maxiter = positive_int(maxiter, "maxiter")
        if maxiter > _MAX_ITER:
            raise ValueError(f"maxiter must be at most {_MAX_ITER} (an int32 loop counter), got {maxiter}")
    c, degree, parity = _target_coeffs(poly)
    if method == "newton" and degree > _NEWTON_MAX_DEGREE:
        raise ValueError(
            f"method='newton' is limited to degree <= {_NEWTON_MAX_DEGREE} (its dense Jacobian has "
            f"~(d/2)^2 entries), got degree {degree}; use method='nlft'"
        )
    sup = sup_norm(c)
    if sup > 1.0 + 1e-12:
        raise ValueError(
            f"poly: max |P(x)| on [-1, 1] is {sup:.15g} > 1; QSP can only reach "
            f"polynomials bounded by 1 (rescale it)"
        )
    dt = _num_reduced(degree)
    if atol is None:
        atol = max(1e-9, dt * tol)

    if degree == 0:
        # U = exp(i phi_0 Z): Re <0|U|0> = cos(phi_0).
        phi = np.array([math.acos(max(-1.0, min(1.0, c[0])))])
        return _finish(phi, phi.copy(), c, degree, parity, "closed form", 0, 0.0, atol)

    if method == "nlft":
        return _solve_nlft(c, degree, parity, tol, sup, atol)
    if method != "auto":
        return _solve_iterative(c, degree, parity, method, tol, maxiter, sup, atol)
    first_error = None
    for solver in _auto_order(degree, 1.0 - sup):
        try:
            if solver == "nlft":
                return _solve_nlft(c, degree, parity, tol, sup, atol)
            return _solve_iterative(c, degree, parity, "auto", tol, maxiter, sup, atol)
        except QSPConvergenceError as exc:
            if first_error is None:
                first_error = exc
            else:
                first_error.add_note(f"the fallback ({solver}) failed too: {exc}")
    raise first_error


def _auto_order(degree: int, margin: float) -> list[str]:
    """Solvers ``method="auto"`` tries, in order (the second only if the first fails).

    The NLFT path first from degree 500 when its Weiss grid can plausibly resolve ``margin =
    1 - max|P|`` and its estimated cost is below Newton's (both models depend only on ``degree`` and
    ``margin``, so the choice is deterministic); e.g. ``arcsin_polynomial(1001)`` (``margin ~ 6e-12``,
    a 2^25-point Weiss grid, ~8 s) goes to Newton (~1 s) first. Above Newton's degree limit only NLFT.
    """
    if degree > _NEWTON_MAX_DEGREE:
        return ["nlft"]
    if (
        degree >= _AUTO_NLFT_MIN_DEGREE
        and weiss_feasible(degree, margin)
        and estimated_seconds(degree, margin) <= _newton_seconds(_num_reduced(degree))
    ):
        return ["nlft", "iterative"]
    return ["iterative", "nlft"]


def _solve_iterative(c, degree, parity, method, tol, maxiter, sup, atol) -> QSPPhases:
    """Fixed-point iteration and/or Newton on the reduced phases (module docstring)."""
    dt = _num_reduced(degree)
    target = c[parity::2].copy()
    if parity == 0:
        target[0] *= 2.0  # matches the doubled constant of _nodes_to_reduced_coeffs

    with jax.enable_x64(True):
        tgt = jnp.asarray(target, dtype=jnp.float64)
        psi = np.zeros(dt)
        iters = 0
        used = []
        r = math.inf
        if method in ("auto", "fpi"):
            fpi_max = 5000 if maxiter is None else int(maxiter)
            budget = _newton_cost_in_fpi_steps(dt) if method == "auto" else math.inf
            psi_j, it, r_j = _fpi_loop(
                jnp.zeros(dt, jnp.float64),
                tgt,
                parity,
                fpi_max,
                jnp.float64(tol),
                jnp.float64(budget),
                jnp.int32(24),
            )
            psi, iters, r = np.asarray(psi_j), int(it), float(r_j)
            used.append("fpi")
        if r > tol and method in ("auto", "newton"):
            newton_max = 50 if (maxiter is None or method == "auto") else int(maxiter)
            r0 = float(np.max(np.abs(target)))  # residual at the origin psi = 0
            if not (r < r0) or not np.all(np.isfinite(psi)):
                psi = np.zeros(dt)  # the fixed-point map diverged
            from_origin = not np.any(psi)
            psi_n, it_n, r_n = _newton(psi, target, parity, tol, newton_max)
            iters += it_n
            if r_n > tol and not from_origin:
                # The fixed-point map can wander off for targets far from the origin (e.g. even
                # filters at norm ~1); Newton from the origin is the robust start (Dong-Lin-Ni-Wang).
                psi_n, it_n, r_n = _newton(np.zeros(dt), target, parity, tol, newton_max)
                iters += it_n
            psi, r = psi_n, r_n
            used.append("newton")
        method_used = "+".join(used)
        if not (r <= tol):
            raise QSPConvergenceError(
                f"phase finding ({method_used}) stopped at coefficient residual {r:.3e} > tol={tol:g} "
                f"after {iters} iterations (degree {degree}, max|P| = {sup:.15g})"
            )
        phases = _full_from_reduced(psi, parity)
        return _finish(phases, psi, c, degree, parity, method_used, iters, r, atol)


def _solve_nlft(c, degree, parity, tol, sup, atol) -> QSPPhases:
    """The NLFT path: full symmetric phases from :func:`qsjax.qsp._nlft.nlft_phases`, then the usual
    verification."""
    clean = np.zeros_like(c)
    clean[parity::2] = c[parity::2]  # drop the (<= 1e-14 relative) other-parity rounding noise
    res = nlft_phases(clean, tol, 1.0 - sup)
    if not (res.residual <= tol):
        raise QSPConvergenceError(
            f"phase finding (nlft) stopped at coefficient residual {res.residual:.3e} > tol={tol:g} "
            f"(degree {degree}, max|P| = {sup:.15g}, Weiss grid {res.grid}, aliasing tail {res.tail:.2e})"
        )
    psi = res.psi[degree + 1 - _num_reduced(degree) :].copy()
    phases = _full_from_reduced(psi, parity)
    return _finish(phases, psi, c, degree, parity, "nlft", res.passes, res.residual, atol)


_VERIFY_SCAN_MIN_DEGREE = 5000
"""From this degree on the verification uses :func:`_response_full` (one ``lax.scan`` of 2x2 products,
~5x faster than the general QSVT engine behind :func:`qsp_response`: 0.6 s instead of 3 s at degree
10^5); below it, the engine itself, so the check also covers the path users apply the phases with."""


@jax.jit
def _response_full(phases, x):
    """``<0|U_phi(x)|0>`` by the full product (no symmetry used): the row ``<0| exp(i phi_0 Z)`` times
    ``W(x) exp(i phi_k Z)`` for k = 1 .. d, as four real arrays (as in :func:`_response_at_nodes`)."""
    s = jnp.sqrt(jnp.maximum(0.0, 1.0 - x * x))
    co, si = jnp.cos(phases), jnp.sin(phases)
    a = co[0] * jnp.ones_like(x)
    b = si[0] * jnp.ones_like(x)
    c = jnp.zeros_like(x)
    d = jnp.zeros_like(x)

    def step(st, cs):
        a, b, c, d = st
        co, si = cs
        wa, wb = x * a - s * d, x * b + s * c
        wc, wd = x * c - s * b, x * d + s * a
        return (wa * co - wb * si, wa * si + wb * co, wc * co + wd * si, wd * co - wc * si), None

    (a, b, c, d), _ = jax.lax.scan(step, (a, b, c, d), (co[1:], si[1:]), unroll=4)
    return a + 1j * b


def _finish(phases, psi, c, degree, parity, method_used, iters, r, atol) -> QSPPhases:
    """Verify the achieved polynomial on an independent grid (full product, not the half trick)."""
    x = _verify_grid(degree)
    with jax.enable_x64(True):
        ph, xj = jnp.asarray(phases, jnp.float64), jnp.asarray(x, jnp.float64)
        resp = _response_full(ph, xj) if degree >= _VERIFY_SCAN_MIN_DEGREE else qsp_response(ph, xj)
        got = np.real(np.asarray(resp))
    want = np.polynomial.chebyshev.chebval(x, c)
    err = float(np.max(np.abs(got - want)))
    if not (err <= atol):
        raise QSPConvergenceError(
            f"phase verification failed: max |Re<0|U|0> - P| = {err:.3e} > atol={atol:g} on the "
            f"check grid (degree {degree}, method {method_used})"
        )
    return QSPPhases(
        phases=np.asarray(phases, dtype=np.float64),
        reduced=np.asarray(psi, dtype=np.float64),
        degree=degree,
        parity=parity,
        method=method_used,
        iterations=int(iters),
        residual=float(r),
        max_error=err,
    )
