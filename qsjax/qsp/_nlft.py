"""Symmetric-QSP phases through the nonlinear Fourier transform (NLFT) on SU(2): ``O(d log^2 d)``.

The fast path of :func:`qsjax.find_phases` (``method="nlft"``, and ``"auto"`` at large degrees). Host-side
float64 numpy / scipy.fft (pocketfft, single-threaded): no JIT compilation, and the computation is a
sequence of FFTs and elementwise maps fixed by the input alone (no threads, no randomness), so repeated
calls give bitwise-identical phases.

NLFT and QSP
------------
For a finite sequence ``F_0 .. F_d`` the NLFT is the matrix function on the unit circle ::

    prod_k (1 + |F_k|^2)^(-1/2) [[1, F_k z^k], [-conj(F_k) z^-k, 1]] = [[a, b], [-b^*, a^*]]

with ``p^*(z) = conj(p(1/conj z))``; ``b`` is a polynomial in ``z`` of degree ``<= d`` and ``A := a^*``
a polynomial in ``z`` with ``A(0) > 0`` and no zeros in the closed disc (outer). With ``z = e^{2 i theta}``,
``x = cos theta`` and purely imaginary ``F_k = i tan(psi_k)`` each factor is ``D^k e^{i psi_k X} D^-k``
(``D = e^{i theta Z}``), so the product telescopes to ``H U_psi H D^-d``, where ``U_psi`` is the ``"wx"``
QSP product of ``_phases`` with phases ``psi`` and ``H`` the Hadamard. Reading off entries: for symmetric
``psi``, ``b(z) = i Im<0|U_psi(x)|0> z^{d/2}``. The phases ``phi`` of ``find_phases`` are ``psi`` with
``pi/4`` added at both ends (``Re <0|U_phi|0> = -Im <0|U_psi|0>``), so the target ``P`` fixes ::

    b(z) = -i P(cos theta) z^{d/2},  i.e.  b_j = i beta_j,  beta_j = -c_|2j-d| / 2  (beta_{d/2} = -c_0),

a real palindromic ``beta``; the NLFT sequence is then purely imaginary, real arithmetic suffices
(``A`` real, ``b = i beta``), and ``psi_k = arctan(F_k / i)`` is the solution Dong-Lin-Ni-Wang's
fixed-point iteration / Newton from the origin converge to (the one with ``|psi_k| < pi/2``).

Algorithm
---------
1. Complementary polynomial (Weiss): ``A`` is the outer function with ``|A|^2 = 1 - P^2`` on the circle:
   ``A = exp(G)``, ``G`` the analytic completion of ``log(1 - P^2) / 2`` (Fourier coefficients of the log
   on an ``N``-point circle grid, negative frequencies dropped, positive ones doubled), truncated to
   degree ``d``. ``log(1 - P^2)`` is only as smooth as ``1 - P^2`` is far from zero, so ``N`` must grow
   like ``d / sqrt(1 - max|P|)`` (about ``100 d`` at ``max |P| = 1 - 1e-6``). ``N`` is chosen from an a
   priori estimate and doubled until the aliasing tail (the coefficients of ``exp(G)`` above degree
   ``d``, which vanish for the exact factor) is small (:data:`TAIL_ACCEPT`), up to
   :data:`WEISS_MAX_GRID` points; then the phases' residual decides (one more doubling if needed).
   Every transform is a real (half-spectrum) FFT: the data are real and even on the circle.
2. Inverse NLFT by layer stripping, made fast by half recursion: the first ``m = n / 2`` terms of the
   sequence depend only on the first ``m`` coefficients of ``(A, beta)``; with their NLFT
   ``(A_m, beta_m)`` the remainder ``G_m^{-1} G`` (coefficients ``m .. n-1``) is two FFT products away:
   ``A'' = A_m(1/z) A + beta_m(1/z) beta``, ``beta'' = z^-m (A_m beta - beta_m A)``; then recurse on it
   and combine ``A_n = A_m A_r - z^m beta_m(1/z) beta_r``, ``beta_n = z^m A_m(1/z) beta_r + beta_m A_r``.
   ``T(n) = 2 T(n/2) + O(n log n)``. Leaves (``<= LEAF`` terms) strip one layer at a time:
   ``F = B_0 / A_0``, ``(A, B) <- ((A + conj(F) B), (B - F A) / z) / sqrt(1 + |F|^2)``.
   Every partial product is renormalised to ``sum A_k^2 + sum beta_k^2 = 1`` (Parseval for
   ``|a|^2 + |b|^2 = 1``): rounding in ``1 / sqrt(1 + t^2)`` otherwise drifts the determinant of a
   ``10^5``-factor product by ``~d eps``, a relative error ``1e-13`` in every coefficient, and the
   algorithm's own residual would then be 100x worse than the phases are.
3. Residual: the forward NLFT (same divide and conquer) of the returned, exactly symmetric phases gives
   the achieved Chebyshev coefficients; ``find_phases`` then checks the response on an independent grid by
   explicit 2x2 products.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import scipy.fft as sfft

from ._result import QSPConvergenceError

LEAF = 48
"""Sequences of at most this many terms are stripped one layer at a time (``O(n^2)``, numpy)."""

WEISS_MIN_FACTOR = 16
"""Smallest Weiss grid, in units of ``d + 1`` points."""

WEISS_MAX_GRID = 2**25
"""Largest Weiss grid (points on the circle); ~1.9 GB peak memory at the cap. It bounds how close to 1
``max |P|`` may come at full accuracy, roughly ``1 - max|P| >~ (0.1 .. 0.2 (d + 1) / WEISS_MAX_GRID)^2``
(``~1e-7`` at ``d = 10^5``, ``~1e-9`` at ``10^4``, ``~1e-11`` at ``10^3``); beyond it the solve may still
pass its checks with a larger pointwise error (``~tail / 2``, reported as ``max_error``)."""


class WeissError(QSPConvergenceError):
    """No complementary polynomial: ``|P| >= 1`` somewhere on the Weiss grid."""


class NLFTResult(NamedTuple):
    psi: np.ndarray  # full symmetric phases psi_0 .. psi_d (no pi/4 at the ends)
    residual: float  # max-abs residual of the reduced Chebyshev coefficients (even: constant doubled)
    grid: int  # Weiss grid size used
    tail: float  # aliasing tail of the Weiss factor at that grid
    passes: int  # inverse-NLFT passes (one per Weiss grid tried after the first acceptable one)


# ----------------------------------------------------------------------------------------------
# Target <-> b(z) coefficients
# ----------------------------------------------------------------------------------------------


def beta_from_cheb(c: np.ndarray) -> np.ndarray:
    """``beta`` with ``b = i beta``: ``beta_j = -c_|2j-d| / 2`` (``-c_0`` at ``j = d/2``)."""
    d = c.shape[0] - 1
    j = np.arange(d + 1)
    beta = -0.5 * c[np.abs(2 * j - d)]
    if d % 2 == 0:
        beta[d // 2] = -c[0]
    return beta


def _reduced_residual(beta_got: np.ndarray, beta: np.ndarray) -> float:
    """Max-abs residual of the reduced Chebyshev coefficients (even parity: constant doubled) implied
    by two ``beta`` arrays: ``c_k = -2 beta_{(d+k)/2}``, and ``2 c_0 = -2 beta_{d/2}``; both mirror
    halves are compared, so an asymmetric error counts too."""
    return 2.0 * float(np.max(np.abs(beta_got - beta)))


# ----------------------------------------------------------------------------------------------
# Step 1: the complementary polynomial (Weiss)
# ----------------------------------------------------------------------------------------------


def _target_on_half_circle(c: np.ndarray, n: int) -> np.ndarray:
    """``P(cos theta_j)`` at ``theta_j = pi j / n``, ``j = 0 .. n/2`` (``n`` even, ``n > d``), by one
    quarter-size transform using the parity: ``z_j = e^{2 i theta_j}`` runs over the circle, and
    ``1 - P^2`` is even in ``theta`` and symmetric about ``pi/2``, so this half determines everything.

    * odd ``P = sum_m x_m T_{2m+1}``: ``P(cos theta_j) = sum_m x_m cos(pi j (2m+1) / n)``, a DCT-II of
      length ``n/2`` (halved); ``P = 0`` at ``theta = pi/2``.
    * even ``P = sum_m x_m T_{2m}``: ``P(cos theta_j) = Re sum_m x_m e^{-2 pi i m j / n}``, one rfft.
    """
    d = c.shape[0] - 1
    half = n // 2
    if d % 2 == 1:
        x = np.zeros(half)
        x[: (d + 1) // 2] = c[1::2]
        p = np.empty(half + 1)
        p[:half] = 0.5 * sfft.dct(x, type=2)
        p[half] = 0.0
        return p
    return np.real(sfft.rfft(c[0::2], n))


def _weiss_once(c: np.ndarray, n: int) -> tuple[np.ndarray, float]:
    """Outer ``A`` (real, degree ``d``) with ``|A|^2 = 1 - P^2`` from an ``n``-point circle grid.

    Returns ``(A, tail)`` with ``tail`` the largest coefficient of ``exp(G)`` above degree ``d`` on this
    grid (aliasing; zero for the exact factor). Raises :class:`WeissError` when ``|P| >= 1`` on the grid.
    """
    d = c.shape[0] - 1
    half = n // 2
    p = _target_on_half_circle(c, n)
    w = (1.0 - p) * (1.0 + p)
    del p
    wmin = float(np.min(w))
    if not wmin > 0.0:
        raise WeissError(
            f"max |P| reaches 1 on the Weiss grid (min 1 - P^2 = {wmin:.3g}): the NLFT path needs "
            f"max |P| < 1 strictly; scale the polynomial by (1 - 1e-6) or use method='newton'"
        )
    h = 0.5 * np.log(w)  # log |A| on the half circle (an even function of the angle)
    del w
    # Fourier coefficients of the (real, even) log on the full circle.
    hk = sfft.irfft(h, n)[: half + 1]
    hk[1:half] *= 2.0  # analytic completion G = H_0 + 2 sum_{0<k<n/2} H_k z^k (+ Nyquist as is)
    # arg A on the grid = Im G(z_j) = -Im rfft(G)_j; |A| = exp(h) exactly.
    phase = -np.imag(sfft.rfft(hk, n))
    del hk
    av = np.exp(h) * np.exp(1j * phase)
    del h, phase
    # Coefficients of A (real): A_k = (1/n) sum_j A(z_j) z_j^-k = irfft(conj(A(z_j)))_k.
    full = sfft.irfft(np.conj(av), n)
    del av
    a = full[: d + 1].copy()
    tail = float(np.max(np.abs(full[d + 1 :]))) if n > d + 1 else math.inf
    return a, tail


TAIL_ACCEPT = 10.0
"""A Weiss grid is accepted when its aliasing tail is ``<= TAIL_ACCEPT * tol``. Measured on sign
polynomials (``1 - max|P|`` from ``1e-1`` to ``1e-8``): the pointwise error of the resulting polynomial
is ~0.5 times the tail (largest near ``x = 0``, where the coefficient errors add up coherently), its
max coefficient residual only ``1e-5 .. 1e-2`` times the tail, so the tail is the accuracy that
matters; the coefficient-residual check that follows climbs one more grid if it still fails."""


def weiss_grid_start(degree: int, margin: float) -> int:
    """First Weiss grid: ``~0.1 (d + 1) / sqrt(1 - max|P|)`` points (at least ``16 (d + 1)``), rounded
    up to a power of two. The measured requirement (tail ``<~ 1e-11``, sign polynomials) is
    ``0.1 .. 0.2 (d + 1) / sqrt(1 - max|P|)``; the doubling ladder covers the rest."""
    factor = max(float(WEISS_MIN_FACTOR), 0.1 / math.sqrt(max(margin, 1e-300)))
    want = min(float(WEISS_MAX_GRID), factor * (degree + 1))
    return max(64, 1 << max(0, math.ceil(math.log2(want))))


def weiss_feasible(degree: int, margin: float) -> bool:
    """Whether the capped Weiss grid can plausibly resolve ``1 - max|P| = margin`` at this degree
    (the optimistic ``0.05 (d + 1) / sqrt(margin)`` points, half the usual requirement)."""
    return margin > 0.0 and 0.05 * (degree + 1) / math.sqrt(margin) <= WEISS_MAX_GRID


def estimated_seconds(degree: int, margin: float) -> float:
    """Rough cost of :func:`nlft_phases` on one core (first Weiss grid ~2e-7 s per point, stripping
    and the forward check ~1.5e-5 s per degree), for choosing between solvers."""
    return 2e-7 * weiss_grid_start(degree, margin) + 1.5e-5 * (degree + 1)


def complementary(c: np.ndarray, tol: float, margin: float, start: int | None = None):
    """The Weiss factor ``A`` with its grid and aliasing tail: the grid doubles from ``start`` until
    the tail is ``<= TAIL_ACCEPT * tol`` or the grid reaches :data:`WEISS_MAX_GRID` (then the caller's
    residual check decides)."""
    d = c.shape[0] - 1
    n = weiss_grid_start(d, margin) if start is None else start
    while True:
        a, tail = _weiss_once(c, n)
        if tail <= TAIL_ACCEPT * tol or 2 * n > WEISS_MAX_GRID:
            return a, n, tail
        n *= 2


# ----------------------------------------------------------------------------------------------
# Step 2: inverse and forward NLFT (purely imaginary sequences F_k = i t_k)
# ----------------------------------------------------------------------------------------------


def _renormalise(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Scale (each row of) ``(A, beta)`` to ``sum A_k^2 + sum beta_k^2 = 1``."""
    s = np.sqrt(np.sum(a * a, axis=-1, keepdims=True) + np.sum(b * b, axis=-1, keepdims=True))
    return a / s, b / s


def _leaf_forward(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """NLFT ``(A, beta)`` of ``F_k = i t_k`` for each row of ``t`` (shape ``(..., n)``), one factor at a
    time (``O(n^2)``, vectorised over rows): appending factor ``k`` maps
    ``A <- c (A - t z^k beta(1/z))``, ``beta <- c (beta + t z^k A(1/z))``, ``c = (1 + t^2)^(-1/2)``."""
    n = t.shape[-1]
    a = np.zeros(t.shape)
    b = np.zeros(t.shape)
    c = 1.0 / np.sqrt(1.0 + t * t)
    ct = c * t
    a[..., 0] = c[..., 0]
    b[..., 0] = ct[..., 0]
    for k in range(1, n):
        ck = c[..., k : k + 1]
        ctk = ct[..., k : k + 1]
        upd_a = ctk * b[..., k - 1 :: -1]
        upd_b = ctk * a[..., k - 1 :: -1]
        a[..., : k + 1] *= ck
        b[..., : k + 1] *= ck
        a[..., 1 : k + 1] -= upd_a
        b[..., 1 : k + 1] += upd_b
    return _renormalise(a, b)


def _leaf_strip(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Layer stripping of the first ``n`` terms from ``(A, beta)`` truncated to ``n`` coefficients."""
    n = a.shape[0]
    t = np.empty(n)
    for k in range(n):
        a0 = float(a[0])
        if not a0 > 0.0 or not math.isfinite(a0):
            raise QSPConvergenceError(f"inverse NLFT broke down: a*(0) = {a0:.3g} is not positive")
        tk = float(b[0]) / a0
        t[k] = tk
        ck = 1.0 / math.sqrt(1.0 + tk * tk)
        a, b = ck * (a[:-1] + tk * b[:-1]), ck * (b[1:] - tk * a[1:])
    return t


def _combine(fa, fb, ar, br, n: int, size: int, shift):
    """NLFT of a concatenation (rows: a batch) from the first part's spectra ``(fa, fb)`` at transform
    size ``size`` and the second part's coefficients, the second part starting at ``m`` (``shift`` is
    the spectrum of ``z^m``): ``A = A_m A_r - z^m beta_m(1/z) beta_r``,
    ``beta = z^m A_m(1/z) beta_r + beta_m A_r``; renormalised. ``size >= n`` avoids wrap-around."""
    far = sfft.rfft(ar, size, axis=-1)
    fbr = sfft.rfft(br, size, axis=-1)
    a = sfft.irfft(fa * far - shift * (np.conj(fb) * fbr), size, axis=-1)[..., :n]
    b = sfft.irfft(shift * (np.conj(fa) * fbr) + fb * far, size, axis=-1)[..., :n]
    return _renormalise(a, b)


def _shift_spectrum(m: int, size: int) -> np.ndarray:
    """rfft-domain multiplier of ``z^m`` (a circular shift by ``m``) at transform size ``size``."""
    k = np.arange(size // 2 + 1)
    return np.exp((-2j * np.pi / size) * ((k * m) % size))


def inverse_nlft(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sequence ``t`` (``F_k = i t_k``) with NLFT ``(A, beta)``, and that NLFT recomputed from ``t``.

    Half-recursive layer stripping (module docstring), ``O(n log^2 n)``.
    """
    n = a.shape[0]
    if n <= LEAF:
        t = _leaf_strip(a, b)
        return (t, *_leaf_forward(t))
    m = n // 2
    t1, am, bm = inverse_nlft(a[:m], b[:m])
    size = sfft.next_fast_len(n, real=True)
    fa = sfft.rfft(am, size)
    fb = sfft.rfft(bm, size)
    fA = sfft.rfft(a, size)
    fB = sfft.rfft(b, size)
    # remainder G_m^{-1} G, shifted down by m: A'' = A_m(1/z) A + beta_m(1/z) beta (lags 0 .. n-m-1),
    # beta'' = coefficients m .. n-1 of A_m beta - beta_m A (the lower ones cancel).
    a2 = sfft.irfft(np.conj(fa) * fA + np.conj(fb) * fB, size)[: n - m]
    b2 = sfft.irfft(fa * fB - fb * fA, size)[m:n]
    del fA, fB
    t2, ar, br = inverse_nlft(a2, b2)
    a_n, b_n = _combine(fa, fb, ar, br, n, size, _shift_spectrum(m, size))
    return np.concatenate([t1, t2]), a_n, b_n


def forward_nlft(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """NLFT ``(A, beta)`` of ``F_k = i t_k``, ``k = 0 .. n-1``: ``O(n log^2 n)``, bottom-up.

    ``t`` is padded with zeros (identity factors) to ``s0 2^L`` terms; all ``2^L`` leaves are built at
    once, then each level merges neighbouring blocks with one batch of FFTs.
    """
    n = t.shape[0]
    levels = max(0, math.ceil(math.log2(n / LEAF))) if n > LEAF else 0
    s = -(-n // (1 << levels))
    tp = np.zeros(s << levels)
    tp[:n] = t
    a, b = _leaf_forward(tp.reshape(1 << levels, s))
    while a.shape[0] > 1:
        size = sfft.next_fast_len(2 * s, real=True)
        fa = sfft.rfft(a[0::2], size, axis=-1)
        fb = sfft.rfft(b[0::2], size, axis=-1)
        a, b = _combine(fa, fb, a[1::2], b[1::2], 2 * s, size, _shift_spectrum(s, size))
        s *= 2
    return a[0, :n], b[0, :n]


# ----------------------------------------------------------------------------------------------
# Phase finding
# ----------------------------------------------------------------------------------------------


def nlft_phases(c: np.ndarray, tol: float, margin: float) -> NLFTResult:
    """Full symmetric phases ``psi`` (no ``pi/4`` ends) with ``-Im<0|U_psi|0> = P`` via Weiss + inverse NLFT.

    ``c``: Chebyshev coefficients of ``P`` (length ``d + 1``, definite parity, the other parity zero);
    ``margin``: ``1 - max|P|`` (sets the first Weiss grid). The Weiss grid is doubled (and the
    stripping redone) while the coefficient residual exceeds ``tol`` and the grid allows.
    Raises :class:`WeissError` / :class:`QSPConvergenceError`.
    """
    d = c.shape[0] - 1
    if not margin > 0.0:
        raise WeissError(f"max |P| = {1.0 - margin:.15g} >= 1: the NLFT path needs max |P| < 1 strictly")
    beta = beta_from_cheb(c)
    start = None
    passes = 0
    while True:
        passes += 1
        a, grid, tail = complementary(c, tol, margin, start)
        t, _, _ = inverse_nlft(a, beta)
        if not np.all(np.isfinite(t)):
            raise QSPConvergenceError(f"inverse NLFT produced non-finite phases (degree {d})")
        psi = np.arctan(t)
        psi = 0.5 * (psi + psi[::-1])  # exactly symmetric (the stripping is symmetric to ~1e-15)
        _, beta_got = forward_nlft(np.tan(psi))
        residual = _reduced_residual(beta_got, beta)
        if residual <= tol or 2 * grid > WEISS_MAX_GRID:
            return NLFTResult(psi=psi, residual=residual, grid=grid, tail=tail, passes=passes)
        start = 2 * grid
