"""Remez exchange: near-minimax polynomials in the Chebyshev basis (host-side numpy, float64).

:func:`remez` computes the polynomial ``P`` of a given degree (and optional parity) minimising the
weighted sup error ``max_x w(x) |f(x) - P(x)|`` over a union of intervals, by the multi-point Remez
exchange. It returns Chebyshev coefficients, the achieved error and a lower bound on the optimum (the
de la Vallee Poussin bound): when the exchange converges the two agree to the relative tolerance, so the
error *is* the minimax error to that tolerance.

How it works
------------
* **Parity folding.** An even ``P`` is ``Q(u)`` with ``u = 2 x^2 - 1 = T_2(x)``, and an odd one is
  ``x Q(u)``; ``T_k(T_2(x)) = T_{2k}(x)``, so the Chebyshev coefficients of ``P`` follow exactly from
  those of ``Q``. The weighted error becomes ``w(x) x^p (f(x) / x^p - Q(u))``: an ordinary (unsymmetric)
  weighted problem of degree ``m ~ degree / 2`` on the image of the domain. Internally points are kept
  as ``t = 1 + u = 2 x^2`` so that no relative precision is lost near ``x = 0``.
* **Levelled solution by barycentric interpolation.** On a reference of ``m + 2`` points, ``Q`` is the
  barycentric interpolant of ``g_i - (-1)^i h / w_i`` (weights from sums of logarithms) and the levelled
  error ``h`` is fixed by the condition at one interior node, evaluated with the second barycentric
  formula only (the textbook divided-difference ratio cancels by ``~max|g| / h`` and is far less
  accurate): ``O(m^2)`` work per iteration and no ill-conditioned linear system.
* **Exchange.** On each interval ``Q`` is sampled exactly at ``m + 1`` Chebyshev points of that
  interval (inside the domain, where the interpolant is well conditioned), re-expanded there by a DCT
  and evaluated on a 16x finer Chebyshev grid of the interval by a zero-padded DCT. All local maxima of
  ``|error|`` (and the interval ends) are candidates, each polished by successive parabolic
  interpolation with exact evaluations (golden-section search where the peak is not smooth, e.g. at a
  kink of ``f``). Same-sign runs keep their largest member and the surplus is removed from the ends or
  as adjacent pairs, smallest first, so the global maximum is always kept (the old reference is added
  to the candidates if the grid ever misses an alternation).
* **Start and stop.** The first reference is the quantiles of the equilibrium (logarithmic-potential)
  measure of the domain, which the alternation points of best approximations follow (for one interval:
  its Chebyshev extreme points); a start far from it makes the interpolation weights vary
  exponentially. A ``reference`` from a related solve can be passed instead (warm start). The iteration
  stops when the errors on the new alternating set equalise, ``max - min <= rtol * max`` (plus a
  rounding allowance): then ``max`` is the sup error of the current polynomial and ``min`` a lower bound
  on the optimum (de la Vallee Poussin).
* **Saturation.** When the error falls to float64 rounding (``<~ 2e-13 max w |f|``) no equioscillation
  can be resolved; the polynomial of the smallest degree reaching ``1e-12 max w |f|`` is returned
  instead (zero-padded, ``saturated=True``).
* **Coefficients.** ``Q`` is sampled at ``m + 1`` Chebyshev points of ``[-1, 1]`` and converted by a
  DCT; extrapolation into the gaps of the domain amplifies rounding there (by the Lebesgue function,
  ``~1 / error`` for the QSP targets), so the result is refined by re-interpolating its residual at the
  nodes until it stops contracting. The returned coefficients are then checked on a dense grid of the
  domain and ``error`` is what they achieve.

Everything is deterministic (no random numbers, fixed iteration order). Cost: ``O(m^2)`` per
iteration with ``m ~ degree / 2`` under a parity, typically 3-10 iterations from the equilibrium start:
about 0.01 s at degree 300, 0.1-0.3 s at 2000, ~1 s at 8000 and 5-20 s at 20001 (one core).
:data:`REMEZ_MAX_DEGREE` (20001) is where it stops being practical; memory stays at ~50 MB (chunked
kernels). The Chebyshev basis of ``[-1, 1]`` also limits accuracy when the best polynomial is huge in
a gap of the domain (``eps * max |P|``): not the case for the bounded QSP targets.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np
import scipy.fft

Interval = tuple[float, float]

REMEZ_MAX_DEGREE = 20001
"""Largest degree :func:`remez` accepts (``O(degree^2)`` work per iteration; tens of seconds here)."""

_EPS = float(np.finfo(np.float64).eps)
_GRID_FACTOR = 16  # fine-grid points per reference point on each interval
_SATURATION_RTOL = 1e-12  # a saturated problem is solved at the smallest degree reaching this
_CHUNK = 1 << 21  # elements per block in the O(m^2) kernels (16 MB of float64)


class RemezResult(NamedTuple):
    """Outcome of :func:`remez`.

    Attributes
    ----------
    coeffs : numpy.ndarray, shape (degree + 1,)
        Chebyshev coefficients of ``P`` in ``x`` (zeros in the other parity when a parity is set).
    error : float
        ``max w |f - P|`` on the domain for the returned coefficients (an upper bound on the minimax
        error; equal to it within ``rtol`` when ``converged``).
    lower_bound : float
        A lower bound on the minimax error: the smallest ``|error|`` on the final alternating
        reference (de la Vallee Poussin). ``0.0`` when ``saturated``.
    reference : numpy.ndarray
        The final reference points in ``x`` (ascending; in ``[0, 1]`` when a parity is set), where the
        error alternates in sign with nearly equal size.
    iterations : int
    converged : bool
        Whether the reference errors equalised to ``rtol`` (or the error saturated at rounding) and the
        returned coefficients reproduce that error (they may not where the best polynomial is huge in
        a gap of the domain).
    saturated : bool
        The error at ``degree`` would be below float64 rounding (``<~ 2e-13 max w |f|``), where no
        equioscillation can be resolved (and coefficients extracted from such a solution would be
        polluted by rounding in the gaps of the domain). The solution returned is then that of the
        smallest degree whose error is below ``1e-12 max w |f|``, zero-padded.
    effective_degree : int
        The degree actually solved: ``degree``, or the lower one when ``saturated``.
    """

    coeffs: np.ndarray
    error: float
    lower_bound: float
    reference: np.ndarray
    iterations: int
    converged: bool
    saturated: bool
    effective_degree: int


# ----------------------------------------------------------------------------------------------
# Barycentric kernels (chunked O(n m))
# ----------------------------------------------------------------------------------------------


def _bary_weights(t: np.ndarray) -> np.ndarray:
    """Barycentric weights ``1 / prod_{j != i} (t_i - t_j)`` for ascending ``t``, scaled to max 1."""
    n = len(t)
    logw = np.empty(n)
    rows = max(1, _CHUNK // max(n, 1))
    for s in range(0, n, rows):
        e = min(s + rows, n)
        d = np.abs(t[s:e, None] - t[None, :])
        d[np.arange(e - s), np.arange(s, e)] = 1.0
        logw[s:e] = -np.sum(np.log(d), axis=1)
    sign = np.where((n - 1 - np.arange(n)) % 2 == 0, 1.0, -1.0)  # (-1)^(number of nodes above)
    return sign * np.exp(logw - logw.max())


def _bary_eval(x: np.ndarray, t: np.ndarray, lam: np.ndarray, v: np.ndarray) -> np.ndarray:
    """The interpolant of ``(t, v)`` (weights ``lam``) at ``x``: second barycentric formula."""
    x = np.asarray(x, dtype=np.float64)
    out = np.empty(x.shape)
    rows = max(1, _CHUNK // max(len(t), 1))
    rhs = np.stack([v, np.ones_like(v)], axis=1)
    buf = np.empty((min(rows, len(x)), len(t)))
    with np.errstate(divide="ignore", invalid="ignore"):
        for s in range(0, len(x), rows):
            xs = x[s : s + rows]
            k = buf[: len(xs)]
            np.subtract(xs[:, None], t[None, :], out=k)
            np.divide(lam, k, out=k)
            nd = k @ rhs
            r = nd[:, 0] / nd[:, 1]
            bad = ~np.isfinite(r)
            if bad.any():  # x coincides with a node (or lies within ~1e-308 of it)
                for i in np.flatnonzero(bad):
                    j = int(np.argmin(np.abs(xs[i] - t)))
                    r[i] = v[j]
            out[s : s + rows] = r
    return out


def _cheb_extreme(n: int) -> np.ndarray:
    """``cos(pi k / (n - 1))``, ``k = 0..n-1`` (descending), computed symmetrically."""
    return np.sin(np.pi * (n - 1 - 2 * np.arange(n)) / (2 * (n - 1)))


def _values_to_coeffs(vals: np.ndarray) -> np.ndarray:
    """Chebyshev coefficients of the interpolant at the extreme points (``vals`` in DCT-I order)."""
    n = len(vals)
    a = scipy.fft.dct(vals, type=1) / (n - 1)
    a[0] *= 0.5
    a[-1] *= 0.5
    return a


def _coeffs_to_values(a: np.ndarray, n: int) -> np.ndarray:
    """Values of ``sum a_k T_k`` at the ``n`` extreme points (``n >= len(a)``), DCT-I order."""
    b = np.zeros(n)
    b[: len(a)] = a
    b[1:-1] *= 0.5
    return scipy.fft.dct(b, type=1)


# ----------------------------------------------------------------------------------------------
# The problem in the folded variable t
# ----------------------------------------------------------------------------------------------


class _Folded:
    """The weighted problem in ``t`` (``t = x`` without parity; ``t = 2 x^2`` with one)."""

    def __init__(self, func, weight, parity):
        self.func, self.weight, self.parity = func, weight, parity

    def x_of(self, t: np.ndarray) -> np.ndarray:
        if self.parity is None:
            return t
        return np.sqrt(np.maximum(t, 0.0) * 0.5)

    def gw(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(g, wt)``: the folded target and weight (error is ``wt (g - Q)``)."""
        x = self.x_of(t)
        f = np.asarray(self.func(x), dtype=np.float64) * np.ones_like(x)
        w = np.ones_like(x) if self.weight is None else np.asarray(self.weight(x), dtype=np.float64) * 1.0
        if self.parity == 1:
            pos = x > 0.0
            g = np.where(pos, f / np.where(pos, x, 1.0), 0.0)
            return g, w * x
        return f, w

    def coeffs_x(self, b: np.ndarray, degree: int) -> np.ndarray:
        """Chebyshev coefficients in ``x`` of ``Q(T_2(x))`` (even) or ``x Q(T_2(x))`` (odd)."""
        c = np.zeros(degree + 1)
        if self.parity is None:
            c[: len(b)] = b
        elif self.parity == 0:
            c[0 : 2 * len(b) : 2] = b
        else:
            # x T_{2k} = (T_{2k+1} + T_{|2k-1|}) / 2
            k = np.arange(len(b))
            np.add.at(c, 2 * k + 1, 0.5 * b)
            np.add.at(c, np.abs(2 * k - 1), 0.5 * b)
        return c

    def hull_points(self, n: int) -> np.ndarray:
        """The ``n`` Chebyshev extreme points of the hull of ``t`` (``[-1, 1]`` in ``u``), DCT-I order."""
        if self.parity is None:
            return _cheb_extreme(n)
        # t = 1 + cos(theta) = 2 cos^2(theta / 2), accurate near t = 0
        theta = np.pi * np.arange(n) / (n - 1)
        return 2.0 * np.cos(0.5 * theta) ** 2


def _interval_grid(a: float, b: float, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` Chebyshev extreme points of ``[a, b]`` in ascending order, and their angles ``phi``."""
    phi = np.pi * np.arange(n)[::-1] / (n - 1)  # phi from pi down to 0: t ascending
    t = _t_of_phi(a, b, phi)
    t[0], t[-1] = a, b
    return t, phi


def _t_of_phi(a: float, b: float, phi: np.ndarray) -> np.ndarray:
    """``t = a + (b - a) (1 + cos phi) / 2``, written to be accurate near both ends."""
    width = b - a
    return np.where(phi > 0.5 * np.pi, a + width * np.cos(0.5 * phi) ** 2, b - width * np.sin(0.5 * phi) ** 2)


def _equilibrium_reference(uiv: list[Interval], n: int) -> np.ndarray:
    """``n`` points distributed by the equilibrium (logarithmic-potential) measure of a union of
    intervals (ascending), with both ends of every interval included when it gets >= 2.

    The alternation points of best approximations on a set follow its equilibrium measure; a reference
    that deviates from it by a fixed fraction makes the barycentric weights vary exponentially and the
    levelled error collapse to rounding, so the start matters at high degree. For ``J`` intervals the
    density is ``|r(u)| / sqrt(|prod (u - e)|)`` (product over all ``2J`` ends) with ``r`` monic of degree
    ``J - 1``, fixed by the ``J - 1`` linear conditions "no mass on each gap"; one interval gives the
    Chebyshev extreme points exactly. Integrals use ``u = mid + half cos(theta)``, which removes the
    square-root singularities, and the trapezoid rule (spectrally accurate for functions of cos).
    """
    nj = len(uiv)
    if nj == 1:
        a, b = uiv[0]
        return _interval_grid(a, b, n)[0] if n >= 2 else np.array([0.5 * (a + b)])
    ends = np.array([e for iv in uiv for e in iv])
    nq = 512
    th = np.pi * (np.arange(nq) + 0.5) / nq  # midpoint rule in theta: spectral for even periodic

    def other_sqrt(u, skip):
        keep = np.ones(len(ends), dtype=bool)
        keep[list(skip)] = False
        return np.sqrt(np.abs(np.prod(u[:, None] - ends[None, keep], axis=1)))

    # r(u) = u^(J-1) + sum_{p < J-1} c_p u^p; condition: integral of r / sqrt|R| over each gap is 0
    amat = np.zeros((nj - 1, nj - 1))
    rhs = np.zeros(nj - 1)
    for j in range(nj - 1):
        lo, hi = uiv[j][1], uiv[j + 1][0]
        u = 0.5 * (lo + hi) + 0.5 * (hi - lo) * np.cos(th)
        base = 1.0 / other_sqrt(u, (2 * j + 1, 2 * j + 2))
        for p in range(nj - 1):
            amat[j, p] = np.mean(u**p * base)
        rhs[j] = -np.mean(u ** (nj - 1) * base)
    coef = np.linalg.solve(amat, rhs)

    def r_of(u):
        return u ** (nj - 1) + sum(coef[p] * u**p for p in range(nj - 1))

    nfine = 4097
    thf = np.linspace(0.0, np.pi, nfine)
    cdfs, masses = [], []
    for j, (a, b) in enumerate(uiv):
        # theta from pi (u = a) down to 0 (u = b)
        tt = thf[::-1]
        u = 0.5 * (a + b) + 0.5 * (b - a) * np.cos(tt)
        dens = np.abs(r_of(u)) / other_sqrt(u, (2 * j, 2 * j + 1))
        cdf = np.concatenate([[0.0], np.cumsum(0.5 * (dens[1:] + dens[:-1]) * np.diff(thf))])
        cdfs.append((tt, cdf))
        masses.append(cdf[-1])
    masses = np.asarray(masses)
    share = masses / masses.sum() * n
    counts = np.floor(share).astype(int)
    if n >= nj:
        counts = np.maximum(counts, 1)
    while counts.sum() > n:
        counts[int(np.argmax(counts - share))] -= 1
    while counts.sum() < n:
        counts[int(np.argmax(share - counts))] += 1
    pts = []
    for (a, b), (tt, cdf), c in zip(uiv, cdfs, counts, strict=True):
        if c == 1:
            q = np.array([0.5 * cdf[-1]])
        elif c >= 2:
            q = cdf[-1] * np.arange(c) / (c - 1)
        else:
            continue
        theta = np.interp(q, cdf, tt)
        pts.append(_t_of_phi(a, b, theta))
        if c >= 2:
            pts[-1][0], pts[-1][-1] = a, b
    return np.concatenate(pts)


def _initial_reference(tiv: list[Interval], n: int) -> np.ndarray:
    """The first reference (in ``t``): equilibrium-measure quantiles of the domain.

    The equilibrium measure is translation covariant, so it is computed in ``t = 1 + u`` directly
    (keeping the interval ends exact)."""
    return _equilibrium_reference(tiv, n)


# ----------------------------------------------------------------------------------------------
# Alternating selection
# ----------------------------------------------------------------------------------------------


def _select_alternating(e: np.ndarray, n: int) -> np.ndarray | None:
    """Indices (ascending) of ``n`` candidates with alternating signs, keeping the largest ``|e|``.

    ``e`` is ordered by position. Runs of equal sign keep their largest member; the surplus is then
    removed one end point or one adjacent pair at a time, smallest first (so the global maximum
    stays). None when fewer than ``n`` alternations exist.
    """
    s = np.sign(e)
    a = np.abs(e)
    # runs of equal sign: keep the largest member of each (first of a tie)
    run = np.cumsum(np.concatenate([[0], s[1:] != s[:-1]]))
    order = np.lexsort((-a, run))
    first = np.concatenate([[True], run[order][1:] != run[order][:-1]])
    keep = np.sort(order[first])
    if len(keep) < n:
        return None
    keep = list(keep)
    vals = [float(a[i]) for i in keep]
    while len(keep) > n:
        surplus = len(keep) - n
        best_cost, best_op = vals[0], ("first", 0)
        if vals[-1] < best_cost:
            best_cost, best_op = vals[-1], ("last", 0)
        if surplus >= 2 and len(keep) >= 2:
            pair = np.maximum(np.asarray(vals[:-1]), np.asarray(vals[1:]))
            j = int(np.argmin(pair))
            if pair[j] < best_cost:
                best_cost, best_op = float(pair[j]), ("pair", j)
        op, j = best_op
        if op == "first":
            del keep[0], vals[0]
        elif op == "last":
            del keep[-1], vals[-1]
        else:
            del keep[j : j + 2], vals[j : j + 2]
    return np.asarray(keep, dtype=int)


# ----------------------------------------------------------------------------------------------
# The exchange
# ----------------------------------------------------------------------------------------------


def _check_intervals(intervals, parity) -> list[Interval]:
    try:
        ivs = [(float(a), float(b)) for a, b in intervals]
    except (TypeError, ValueError) as exc:
        raise ValueError(f"intervals must be a sequence of (lo, hi) pairs, got {intervals!r}") from exc
    if not ivs:
        raise ValueError("intervals must contain at least one (lo, hi) pair")
    lo_lim = 0.0 if parity is not None else -1.0
    for a, b in ivs:
        if not (math.isfinite(a) and math.isfinite(b)) or not (lo_lim <= a < b <= 1.0):
            where = (
                "[0, 1] (the domain is its mirror image under the parity)"
                if parity is not None
                else "[-1, 1]"
            )
            raise ValueError(f"intervals must be (lo, hi) with lo < hi inside {where}, got ({a}, {b})")
    ivs.sort()
    for (_, b0), (a1, _) in zip(ivs[:-1], ivs[1:], strict=True):
        if a1 <= b0:
            raise ValueError(f"intervals must be disjoint, got overlapping/touching ones at {a1}")
    return ivs


def remez(
    func: Callable[[np.ndarray], np.ndarray],
    degree: int,
    intervals: Sequence[Interval],
    *,
    parity: int | None = None,
    weight: Callable[[np.ndarray], np.ndarray] | None = None,
    rtol: float = 1e-6,
    max_iter: int = 60,
    reference: np.ndarray | None = None,
    _lower_when_saturated: bool = True,
) -> RemezResult:
    """Best weighted uniform approximation by a polynomial of ``degree`` (Remez exchange, float64).

    Minimises ``max w(x) |f(x) - P(x)|`` over the union of ``intervals``, for ``P`` of the given
    degree and parity, in the Chebyshev basis. See the module docstring for the method.

    Parameters
    ----------
    func : callable
        Vectorised ``f(x)`` (numpy in, numpy out), continuous on each interval.
    degree : int
        Degree of ``P`` (``0 <= degree <= REMEZ_MAX_DEGREE``; odd for ``parity=1``, even for 0).
    intervals : sequence of (lo, hi)
        Disjoint intervals of ``[-1, 1]``; with a parity, of ``[0, 1]`` (the problem is then posed on
        them and their mirror images, where the parity makes the error the same).
    parity : {None, 0, 1}
        Even (0), odd (1) or no symmetry.
    weight : callable, optional
        Vectorised positive ``w(x)`` (default 1).
    rtol : float
        Relative tolerance on the equalisation of the reference errors.
    max_iter : int
        Iteration cap (the best iterate is returned, ``converged=False``, if it is reached).
    reference : array, optional
        Starting reference: ``m + 2`` ascending points of the intervals in ``x`` (``m = degree``, or
        ``(degree - parity) // 2`` with a parity), e.g. the ``reference`` of a related solution (warm
        start). Default: quantiles of the equilibrium measure of the domain.

    Returns
    -------
    RemezResult

    Notes
    -----
    The polynomial is not controlled outside the domain (gaps between intervals): callers that need
    ``|P| <= 1`` on ``[-1, 1]`` must check (and if need be rescale) it, as the constructors in
    :mod:`qsjax.qsp` do. Where the best polynomial is large in a gap, its Chebyshev coefficients are
    large too and evaluating them loses ``~eps * max |P|`` on the domain (inherent to the basis).
    With ``parity=1`` and ``0`` in the domain, ``f`` must vanish at 0 (``f(x) / x`` bounded).
    """
    if isinstance(degree, bool) or not isinstance(degree, (int, np.integer)):
        raise TypeError(f"degree must be an int, got {type(degree).__name__}")
    degree = int(degree)
    if parity not in (None, 0, 1):
        raise ValueError(f"parity must be None, 0 or 1, got {parity!r}")
    if degree < 0 or (parity == 1 and degree < 1):
        raise ValueError(f"degree must be >= {1 if parity == 1 else 0}, got {degree}")
    if degree > REMEZ_MAX_DEGREE:
        raise ValueError(
            f"degree={degree} exceeds REMEZ_MAX_DEGREE={REMEZ_MAX_DEGREE} (O(degree^2) work per iteration)"
        )
    if parity is not None and degree % 2 != parity:
        kind = "odd" if parity == 1 else "even"
        raise ValueError(f"degree must be {kind} for parity={parity}, got {degree}")
    if not (0.0 < rtol < 1.0):
        raise ValueError(f"rtol must lie in (0, 1), got {rtol}")
    ivs = _check_intervals(intervals, parity)
    prob = _Folded(func, weight, parity)
    m = degree if parity is None else (degree - parity) // 2
    n = m + 2
    tiv = ivs if parity is None else [(2.0 * a * a, 2.0 * b * b) for a, b in ivs]

    # Fine grids (fixed for the whole run): per interval, Chebyshev extreme points of that interval.
    mc = max(m + 1, 2)
    nf = _GRID_FACTOR * (mc - 1) + 1
    grids = []
    fscale = 0.0
    for a, b in tiv:
        tc, _ = _interval_grid(a, b, mc)
        tf, phif = _interval_grid(a, b, nf)
        gf, wf = prob.gw(tf)
        if not (np.all(np.isfinite(gf)) and np.all(np.isfinite(wf))):
            raise ValueError("func and weight must be finite on the intervals")
        if np.any(wf < 0.0):
            raise ValueError("weight must be positive on the intervals")
        fscale = max(fscale, float(np.max(np.abs(gf * wf))))
        grids.append((a, b, tc, tf, phif, gf, wf))
    fscale = max(fscale, np.finfo(np.float64).tiny)
    if parity == 1 and ivs[0][0] == 0.0:
        f0 = float(np.asarray(func(np.array([0.0])), dtype=np.float64).ravel()[0])
        if not abs(f0) <= 1e-12 * max(fscale, 1.0):
            raise ValueError(
                f"an odd approximation (parity=1) on intervals containing 0 needs func(0) = 0, got {f0:g}"
            )
    noise = 64.0 * _EPS * fscale * math.sqrt(n)
    floor = 1000.0 * _EPS * fscale

    if reference is None:
        ref = _initial_reference(tiv, n)
    else:
        xr = np.asarray(reference, dtype=np.float64)
        if xr.shape != (n,) or not np.all(np.isfinite(xr)):
            raise ValueError(
                f"reference must be {n} finite points (m + 2 for this degree), got shape {xr.shape}"
            )
        inside = np.zeros(n, dtype=bool)
        for a, b in ivs:
            inside |= (xr >= a) & (xr <= b)
        if not inside.all() or np.any(np.diff(xr) <= 0.0):
            raise ValueError("reference points must be strictly ascending and lie in the intervals")
        ref = xr.copy() if parity is None else 2.0 * xr * xr
    if parity == 1:
        # t = 0 (x = 0) has zero weight in the odd problem: move such a point inside its interval
        ref = np.where(ref == 0.0, 0.5 * np.min(ref[ref > 0.0]) if np.any(ref > 0.0) else 1e-12, ref)
    ref = np.sort(ref)
    sgn = np.where(np.arange(n) % 2 == 0, 1.0, -1.0)

    best = None  # (e_max, e_min, interpolant) of the best polynomial measured so far
    converged = saturated = False
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 (the count is reported)
        if np.any(np.diff(ref) <= 0.0):
            break  # coincident reference points: only possible at rounding level
        full, sub, h = _level(prob, ref, sgn)
        ct, ce = _scan(prob, grids, nf, *full)
        e_max = float(np.max(np.abs(ce)))
        if e_max <= floor:
            saturated = converged = True
            best = (e_max, 0.0, sub, ref)
            break
        sel = _select_alternating(ce, n)
        if sel is None:
            # the grid missed alternations (only near rounding level): the old reference has them
            at = np.concatenate([ct, ref])
            ae = np.concatenate([ce, sgn * h])
            o = np.lexsort((np.abs(ae), at))
            ct, ce = at[o], ae[o]
            sel = _select_alternating(ce, n)
            if sel is None:
                break
        new_t, new_e = ct[sel], ce[sel]
        # the current polynomial's error alternates on new_t with |error| >= e_min: a lower bound on
        # the minimax error (de la Vallee Poussin); e_max is its sup on the domain
        e_min = float(np.min(np.abs(new_e)))
        if best is None or e_max < best[0]:
            best = (e_max, e_min, sub, np.sort(new_t))
        if e_max - e_min <= rtol * e_max + noise:
            converged = True
            best = (e_max, e_min, sub, np.sort(new_t))
            break
        ref = np.sort(new_t)

    if best is None:  # could not even form one levelled solution
        raise RuntimeError("remez: no alternating reference found (degenerate problem)")
    if saturated and _lower_when_saturated and m > 0:
        return _lowered(func, degree, ivs, parity, weight, rtol, max_iter, _SATURATION_RTOL * fscale)
    e_max, e_min, interp, final_ref = best
    coeffs = _extract_coeffs(prob, degree, m, *interp)
    # The coefficients are what is returned: check them on a dense grid of the domain (Chebyshev
    # extreme points of [-1, 1], values by one DCT). When the best polynomial is huge in a gap of the
    # domain, rounding in the coefficients (or in their extraction) can spoil the domain values; the
    # error reported is then the measured one and the result is not "converged".
    e_coef = _coeff_error(prob, coeffs, ivs)
    if e_coef > e_max * (1.0 + 10.0 * rtol) + noise:
        e_max, converged = e_coef, False
    return RemezResult(
        coeffs=coeffs,
        error=float(e_max),
        lower_bound=0.0 if saturated else float(e_min),
        reference=prob.x_of(final_ref),
        iterations=it,
        converged=bool(converged),
        saturated=bool(saturated),
        effective_degree=degree,
    )


def _coeff_error(prob: _Folded, coeffs: np.ndarray, ivs) -> float:
    """``max w |f - P|`` of the Chebyshev series on the domain, at the extreme points of ``[-1, 1]``
    (``~8 (degree + 1)`` of them, values by DCT-I) inside the intervals (``x >= 0`` with a parity)."""
    n = scipy.fft.next_fast_len(8 * len(coeffs), real=True) + 1
    vals = _coeffs_to_values(coeffs, n)
    x = _cheb_extreme(n)
    keep = np.zeros(n, dtype=bool)
    for a, b in ivs:
        keep |= (x >= a) & (x <= b)
    if not keep.any():
        return 0.0
    xs = x[keep]
    f = np.asarray(prob.func(xs), dtype=np.float64) * np.ones_like(xs)
    w = np.ones_like(xs) if prob.weight is None else np.asarray(prob.weight(xs), dtype=np.float64) * 1.0
    return float(np.max(np.abs(w * (f - vals[keep]))))


def _lowered(func, degree, ivs, parity, weight, rtol, max_iter, tau) -> RemezResult:
    """The solution at the smallest degree whose error is <= tau, padded to ``degree``."""
    cache: dict[int, RemezResult] = {}

    def solve(d: int) -> RemezResult:
        if d not in cache:
            cache[d] = remez(
                func,
                d,
                ivs,
                parity=parity,
                weight=weight,
                rtol=rtol,
                max_iter=max_iter,
                _lower_when_saturated=False,
            )
        return cache[d]

    step = 1 if parity is None else 2

    def err(d: int) -> float:
        r = solve(d)
        return 0.0 if r.saturated else r.error  # saturated: below rounding (and monotone so)

    d2 = smallest_degree(err, tau, parity=parity, start=max(step, degree // 2), max_degree=degree)
    if d2 is None or solve(d2).saturated or not solve(d2).converged:
        # the error jumps from above tau to rounding between two degrees: the most accurate
        # unsaturated solution seen (else the requested degree's own)
        ok = [d for d, r in cache.items() if not r.saturated and r.converged]
        d2 = min(ok, key=lambda d: (cache[d].error, d)) if ok else degree
    r = solve(d2)
    coeffs = np.zeros(degree + 1)
    coeffs[: len(r.coeffs)] = r.coeffs
    return RemezResult(
        coeffs=coeffs,
        error=r.error,
        lower_bound=0.0,
        reference=r.reference,
        iterations=sum(c.iterations for c in cache.values()),
        converged=r.converged,
        saturated=True,
        effective_degree=r.effective_degree,
    )


def _scan(prob: _Folded, grids, nf: int, qt, ql, qv) -> tuple[np.ndarray, np.ndarray]:
    """All local extrema of the error (positions ``t`` ascending, signed values), polished.

    Per interval: the error on the fine Chebyshev grid (``Q`` re-expanded there by a DCT from its exact
    values at ``m + 1`` points), its local maxima of ``|error|`` refined by three steps of successive
    parabolic interpolation in the grid angle with exact evaluations, and the interval ends.
    """
    cts, ces = [], []
    for a, b, tc, tf, phif, gf, wf in grids:
        qc = _bary_eval(tc, qt, ql, qv)  # ascending t: reversed into DCT-I (descending) order
        qf = _coeffs_to_values(_values_to_coeffs(qc[::-1]), nf)[::-1]
        e = wf * (gf - qf)
        ae = np.abs(e)
        k = np.flatnonzero((ae[1:-1] >= ae[:-2]) & (ae[1:-1] >= ae[2:]) & (ae[1:-1] > 0.0)) + 1
        pos, val = _polish(prob, a, b, phif, ae, k, qt, ql, qv)
        ends = np.array([tf[0], tf[-1]])
        end_val = np.sign(e[[0, -1]]) * _exact_abs_error(prob, ends, qt, ql, qv)
        pos = np.concatenate([[tf[0]], pos, [tf[-1]]])
        val = np.concatenate([[end_val[0]], np.sign(e[k]) * val, [end_val[1]]])
        nz = val != 0.0
        cts.append(pos[nz])
        ces.append(val[nz])
    ct, ce = np.concatenate(cts), np.concatenate(ces)
    o = np.lexsort((np.abs(ce), ct))
    return ct[o], ce[o]


def _polish(prob: _Folded, a, b, phif, ae, k, qt, ql, qv, rounds: int = 3):
    """Successive parabolic interpolation of ``|error|`` around grid maxima ``k`` (angle variable)."""
    if k.size == 0:
        return np.empty(0), np.empty(0)
    p = np.stack([phif[k - 1], phif[k], phif[k + 1]], axis=1)
    f = np.stack([ae[k - 1], ae[k], ae[k + 1]], axis=1)
    rows = np.arange(len(k))
    for _ in range(rounds):
        x0, x1, x2 = p[:, 0], p[:, 1], p[:, 2]
        f0, f1, f2 = f[:, 0], f[:, 1], f[:, 2]
        num = (x1 - x0) ** 2 * (f1 - f2) - (x1 - x2) ** 2 * (f1 - f0)
        den = (x1 - x0) * (f1 - f2) - (x1 - x2) * (f1 - f0)
        with np.errstate(divide="ignore", invalid="ignore"):
            xv = x1 - 0.5 * num / den
        lo, hi = np.minimum(x0, x2), np.maximum(x0, x2)
        ok = np.isfinite(xv) & (xv > lo) & (xv < hi) & (xv != x1)
        if not ok.any():
            break
        xv = np.where(ok, xv, 0.5 * (x1 + np.where(f0 > f2, x0, x2)))
        tv = _t_of_phi(a, b, xv)
        fv = _exact_abs_error(prob, tv, qt, ql, qv)
        # new bracket: the best of {x0, x1, x2, xv} and its two neighbours
        pts = np.concatenate([p, xv[:, None]], axis=1)
        fs = np.concatenate([f, fv[:, None]], axis=1)
        o = np.argsort(pts, axis=1, kind="stable")
        pts = np.take_along_axis(pts, o, axis=1)
        fs = np.take_along_axis(fs, o, axis=1)
        ib = np.clip(np.argmax(fs, axis=1), 1, 2)
        p = np.stack([pts[rows, ib - 1], pts[rows, ib], pts[rows, ib + 1]], axis=1)
        f = np.stack([fs[rows, ib - 1], fs[rows, ib], fs[rows, ib + 1]], axis=1)
    # Peaks that are not smooth (a kink of the target inside an interval) defeat the parabolas: where
    # the parabola through the final bracket does not reproduce its middle value, golden-section search
    # on the bracket instead (linear but sure; only these few candidates).
    x0, x1, x2 = p[:, 0], p[:, 1], p[:, 2]
    f0, f1, f2 = f[:, 0], f[:, 1], f[:, 2]
    den = (x1 - x0) * (x1 - x2) * (x0 - x2)
    with np.errstate(divide="ignore", invalid="ignore"):
        ca = (x2 * (f1 - f0) + x1 * (f0 - f2) + x0 * (f2 - f1)) / den
        cb = (x2 * x2 * (f0 - f1) + x1 * x1 * (f2 - f0) + x0 * x0 * (f1 - f2)) / den
        cc = f1 - ca * x1 * x1 - cb * x1
        pred = cc - cb * cb / (4.0 * ca)
    bad = ~(np.isfinite(pred) & (np.abs(pred - f1) <= 1e-9 * f1 + 1e-300))
    if bad.any():
        idx = np.flatnonzero(bad)
        lo, hi = np.minimum(x0[idx], x2[idx]), np.maximum(x0[idx], x2[idx])
        gr = 0.5 * (math.sqrt(5.0) - 1.0)
        c1, c2 = hi - gr * (hi - lo), lo + gr * (hi - lo)
        v1 = _exact_abs_error(prob, _t_of_phi(a, b, c1), qt, ql, qv)
        v2 = _exact_abs_error(prob, _t_of_phi(a, b, c2), qt, ql, qv)
        for _ in range(45):
            left = v1 >= v2  # the maximum lies in [lo, c2]
            hi = np.where(left, c2, hi)
            lo = np.where(left, lo, c1)
            n1 = np.where(left, hi - gr * (hi - lo), c2)
            n2 = np.where(left, c1, lo + gr * (hi - lo))
            nv = _exact_abs_error(prob, _t_of_phi(a, b, np.where(left, n1, n2)), qt, ql, qv)
            v1, v2 = np.where(left, nv, v2), np.where(left, v1, nv)
            c1, c2 = n1, n2
        gbest = np.where(v1 >= v2, c1, c2)
        gval = np.maximum(v1, v2)
        better = gval > f[idx].max(axis=1)
        p[idx[better], 1] = gbest[better]
        f[idx[better], 1] = gval[better]
        f[idx[better], 0] = f[idx[better], 2] = 0.0
    # the value reported is an exact evaluation at the final position (the grid values come from the
    # DCT re-expansion, whose rounding is global: ~eps max|Q| everywhere)
    tbest = _t_of_phi(a, b, p[rows, np.argmax(f, axis=1)])
    return tbest, _exact_abs_error(prob, tbest, qt, ql, qv)


def _exact_abs_error(prob: _Folded, t: np.ndarray, qt, ql, qv) -> np.ndarray:
    g, w = prob.gw(t)
    return np.abs(w * (g - _bary_eval(t, qt, ql, qv)))


def _level(prob: _Folded, ref: np.ndarray, sgn: np.ndarray):
    """The levelled solution on ``ref``: ``Q`` with ``wt (g - Q) = sgn h`` at every reference point.

    Returns ``(full, sub, h)``: ``full = (ref, weights, values)`` is the barycentric interpolant on all
    ``m + 2`` points (used to evaluate ``Q`` on the domain, where its Lebesgue function is small) and
    ``sub`` the same data without one interior node ``k`` (a genuine degree-``m`` interpolant, used to
    extract coefficients). ``h`` comes from the condition at ``k``:
    ``h = (g_k - Qg(t_k)) / (s_k / w_k - Qs(t_k))`` with ``Qg``, ``Qs`` the ``sub`` interpolants of ``g``
    and of ``s / w`` -- the classical divided-difference formula rearranged to use only the second
    barycentric formula, which is insensitive to the relative rounding of the weights (the divided
    differences themselves cancel by ~``max|g| / h``). ``k`` maximises ``|weight_k| / w_k``: the value
    of a node-dropped interpolant at the dropped node amplifies rounding by ``sum |weight_i| / |weight_k|``.
    """
    n = len(ref)
    g_ref, w_ref = prob.gw(ref)
    lam = _bary_weights(ref)
    if n <= 2:
        s_over_w = sgn / w_ref
        h = float((g_ref[1] - g_ref[0]) / (s_over_w[1] - s_over_w[0])) if n == 2 else 0.0
        v = g_ref - h * s_over_w
        return (ref, lam, v), (ref[:1], np.ones(1), v[:1]), h
    k = 1 + int(np.argmax(np.abs(lam[1:-1]) / w_ref[1:-1]))
    keep = np.arange(n) != k
    qt = ref[keep]
    ql = lam[keep] * (ref[keep] - ref[k])
    ql = ql / np.max(np.abs(ql))
    s_over_w = sgn / w_ref
    qg = _bary_eval(ref[k : k + 1], qt, ql, g_ref[keep])[0]
    qs = _bary_eval(ref[k : k + 1], qt, ql, s_over_w[keep])[0]
    h = float((g_ref[k] - qg) / (s_over_w[k] - qs))
    v = g_ref - h * s_over_w
    return (ref, lam, v), (qt, ql, v[keep]), h


def _extract_coeffs(prob: _Folded, degree: int, m: int, qt, ql, qv) -> np.ndarray:
    """Chebyshev coefficients (in x) of the degree-m interpolant, refined at its nodes.

    Sampling at the Chebyshev points of the hull extrapolates into the gaps of the domain, where
    rounding is amplified by the Lebesgue function; re-interpolating the residual (computed from the
    coefficients by Clenshaw in ``x``) at the nodes removes that error to second order per pass.
    """
    mc = max(m + 1, 2)
    th = prob.hull_points(mc)  # DCT-I order
    b = _values_to_coeffs(_bary_eval(th, qt, ql, qv))[: m + 1]
    xr = prob.x_of(qt)
    scale = xr if prob.parity == 1 else np.ones_like(xr)
    target = qv * scale  # P values at the nodes
    best_b, best_r = b, math.inf
    for _ in range(8):
        c = prob.coeffs_x(b, degree)
        r = target - np.polynomial.chebyshev.chebval(xr, c)
        rmax = float(np.max(np.abs(r)))
        if rmax >= 0.5 * best_r:  # no longer contracting (rounding reached, or diverging)
            if rmax < best_r:
                best_b, best_r = b, rmax
            break
        best_b, best_r = b, rmax
        with np.errstate(divide="ignore", invalid="ignore"):
            rq = np.where(scale != 0.0, r / np.where(scale != 0.0, scale, 1.0), 0.0)
        b = b + _values_to_coeffs(_bary_eval(th, qt, ql, rq))[: m + 1]
    return prob.coeffs_x(best_b, degree)


def smallest_degree(
    error_of: Callable[[int], float],
    epsilon: float,
    *,
    parity: int | None,
    start: int,
    max_degree: int,
    min_degree: int | None = None,
    rate: float | None = None,
) -> int | None:
    """Smallest degree ``d`` (of the given parity) with ``error_of(d) <= epsilon``, or None.

    Assumes ``error_of`` is non-increasing in ``d`` (true for minimax errors: the spaces are nested).
    Brackets from ``start`` by factors of 1.5 (upwards by ``1.2 log(error / epsilon) / rate`` when
    that is smaller, ``rate`` being the expected decay of ``log(error)`` per degree), then shrinks the
    bracket by interpolation in ``log(error)`` (errors decay about geometrically in the degree),
    falling back to bisection when an interpolation step does not halve the bracket. Every degree is
    evaluated at most once.
    """
    step = 1 if parity is None else 2
    lo_d = (0 if parity in (None, 0) else 1) if min_degree is None else min_degree
    lo_d += (parity - lo_d) % 2 if parity is not None else 0
    hi_d = max_degree - ((max_degree - parity) % 2 if parity is not None else 0)
    if hi_d < lo_d:
        return None

    def fix(d: float) -> int:
        d = int(min(max(math.ceil(d), lo_d), hi_d))
        if parity is not None and d % 2 != parity:
            d = d + 1 if d + 1 <= hi_d else d - 1
        return d

    cache: dict[int, float] = {}

    def err(d: int) -> float:
        if d not in cache:
            cache[d] = float(error_of(d))
        return cache[d]

    d = fix(start)
    lo = hi = None
    if err(d) <= epsilon:
        hi = d
    else:
        lo = d
    stalls = 0
    while hi is None:
        if lo >= hi_d or stalls >= 3:
            return None  # the cap, or an error floor (rounding) that more degree does not lower
        up = 1.5 * lo
        if rate is not None and rate > 0.0 and err(lo) > 0.0:
            up = min(up, lo + 1.2 * math.log(err(lo) / epsilon) / rate)
        d = fix(max(lo + step, up))
        if err(d) <= epsilon:
            hi = d
        else:
            stalls = stalls + 1 if err(d) > 0.99 * err(lo) else 0
            lo = d
    while lo is None:
        if hi <= lo_d:
            return hi
        d = fix(min(hi - step, hi / 1.5))
        if err(d) <= epsilon:
            hi = d
        else:
            lo = d
    use_interp = True
    while hi - lo > step:
        e_lo, e_hi = err(lo), err(hi)
        mid = None
        if use_interp and e_hi > 0.0 and e_lo > epsilon:
            frac = (math.log(e_lo) - math.log(epsilon)) / (math.log(e_lo) - math.log(e_hi))
            mid = lo + frac * (hi - lo)
        if mid is None:
            mid = 0.5 * (lo + hi)
        d = fix(mid)
        d = min(max(d, lo + step), hi - step)
        width = hi - lo
        if err(d) <= epsilon:
            hi = d
        else:
            lo = d
        use_interp = (hi - lo) <= 0.5 * width or not use_interp
    return hi
