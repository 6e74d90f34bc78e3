"""Chebyshev-basis polynomial approximations for QSP / QSVT.

Every constructor returns a :class:`ChebPoly`: float64 Chebyshev coefficients ``c`` with
``P(x) = sum_k c[k] T_k(x)``, a definite parity, and a *measured* approximation error.

Two guarantees hold for every constructor here:

* ``|P(x)| <= 1`` on ``[-1, 1]`` (what QSP needs). The sup norm is estimated on a dense grid (the
  Chebyshev extreme points at about ``20 (degree + 1)`` nodes, plus a uniform grid) and the largest
  local maxima are then polished by Newton steps on ``P'``, so the estimate is accurate to rounding,
  not merely to the grid spacing. When the estimate exceeds 1 the coefficients are multiplied by a
  safety factor (recorded in ``ChebPoly.safety_factor``).
* ``approx_error`` is the largest ``|P(x) - target(x)|`` over the domain of interest (the intervals in
  ``ChebPoly.domain``), measured after any rescaling on the same kind of dense grid, with the highest
  error maxima refined by golden-section search (so it is the sup, not a grid value below it).

Construction is host-side numpy (deterministic, float64, independent of the JAX x64 setting);
evaluating a ``ChebPoly`` is JAX (Clenshaw) and works under ``jit``/``vmap``/``grad``.

How the approximations are built (``method=``):

* ``"remez"`` (default for sign, threshold, spectral filter and 1/x): the best polynomial of the
  degree, by the Remez exchange of :mod:`._remez` on the folded domain (the parity mirrors it), under
  the QSP constraint ``|P| <= 1``. Where ``height + error > 1`` on the bands the constrained optimum is
  used: the minimax polynomial rescaled for the sign (``2E / (1 + E)`` at amplitude 1, optimal), a
  pass-band-weighted problem for thresholds / filters (``P`` in ``[a - d, 1]`` on the pass band,
  ``[-d, d]`` on the stop band, optimal), and for 1/x, whose minimax polynomial bulges above 1 inside
  ``(-1/kappa, 1/kappa)`` below errors ~1e-8, a guard that imposes ``|P| <= 1`` there. Degrees whose
  error would fall below float64 rounding are solved at the smallest degree reaching ~1e-12 (the
  coefficients above it are zero). Above :data:`REMEZ_MAX_DEGREE` (20001), or if the exchange does not
  converge or ``|P|`` would exceed 1 in a transition window, the smooth construction is used
  (respectively compared, and the better kept). The degree against the optimum is reported by
  :func:`minimax_error` / :func:`minimax_degree` (``scripts/bench_poly.py``: the constructors reach the
  bounded optimum's degree; 1.35-1.8x fewer degrees than the smooth construction for sign and filter
  at amplitude 1 and errors 1e-2..1e-4, 2.2-3.4x for 1/x, i.e. ~2-11x fewer samples under ``Q^2``).
* ``"smooth"``: the discontinuous targets (sign, thresholds, filters) are replaced by entire functions
  (``erf`` of sharpness ``k``) whose Chebyshev series converge geometrically; the series is computed by
  an oversampled DCT and truncated to the requested degree. ``k`` is chosen by a deterministic scan
  that minimises the measured error on the domain of interest. 1/x uses a windowed smooth series the
  same way. (The only construction for arcsin and linear amplification.)

Both are deterministic: the same arguments always give the same coefficients.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Literal, NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import scipy.fft
import scipy.special
from jaxtyping import Array, ArrayLike, Float

from .._internal.validate import real_scalar
from ._remez import REMEZ_MAX_DEGREE, remez, smallest_degree

Interval = tuple[float, float]

# Oversampling factors. The check grid has GRID_FACTOR * (degree + 1) Chebyshev extreme points: for a
# degree-d polynomial this samples every oscillation ~20 times, so the grid maximum already lies within
# (pi/20)^2/8 ~ 3e-3 (relative) of the true local maximum before the Newton polish removes the rest.
GRID_FACTOR = 20
# Chebyshev series are computed from FIT_FACTOR * (degree + 1) samples, so the aliasing error in the
# kept coefficients is that of the (much smaller) tail beyond FIT_FACTOR * degree.
FIT_FACTOR = 4

MAX_POLY_DEGREE = 200_000
"""Largest degree a constructor here builds (checked before anything is allocated).

The check grids have ``~20 (degree + 1)`` points, so a degree-``2e5`` build needs ~100 MB and about a
minute per polynomial (``inverse_polynomial`` builds ~20 while choosing its degree); a QSP circuit
of that depth is far beyond any phase-finding or simulation budget of this library anyway."""

# arcsin_polynomial solves a dense least-squares problem with ~12 (d + 1) x (d + 1) / 2 entries; its
# error reaches float64 rounding near degree 61, so nothing is gained beyond this (48 MB at the cap).
_MAX_ARCSIN_DEGREE = 1001


# ----------------------------------------------------------------------------------------------
# The polynomial container
# ----------------------------------------------------------------------------------------------


def chebyshev_eval(coeffs: ArrayLike, x: ArrayLike) -> Float[Array, "..."]:
    """Evaluate ``sum_k coeffs[k] T_k(x)`` by the Clenshaw recurrence, in JAX.

    Parameters
    ----------
    coeffs : array, shape (d + 1,), real
        Chebyshev coefficients, lowest degree first.
    x : array, any shape, real
        Evaluation points (normally in ``[-1, 1]``).

    Returns
    -------
    array, same shape as ``x``
        In the floating dtype of ``x`` (the coefficients are cast to it). Works under ``jit``,
        ``vmap`` and ``grad`` (with respect to ``x`` and to the coefficients).
    """
    x = jnp.asarray(x)
    if not jnp.issubdtype(x.dtype, jnp.floating):
        x = x.astype(jnp.result_type(float))  # ints/bools -> default float (float32 unless x64)
    dtype = x.dtype
    c = jnp.asarray(coeffs, dtype=dtype)
    zero = jnp.zeros_like(x)

    def step(carry, ck):
        b1, b2 = carry
        return (ck + 2.0 * x * b1 - b2, b1), None

    # Clenshaw runs from the highest coefficient down; scan keeps memory O(size of x).
    (b1, b2), _ = jax.lax.scan(step, (zero, zero), c[1:], reverse=True)
    return c[0] + x * b1 - b2


class ChebPoly(eqx.Module):
    """A real polynomial in the Chebyshev basis, with its provenance.

    Attributes
    ----------
    coeffs : numpy.ndarray, shape (degree + 1,), float64
        ``P(x) = sum_k coeffs[k] T_k(x)``. A pytree leaf, so a ``ChebPoly`` can be differentiated or
        optimised with respect to its coefficients.
    degree : int
        Nominal degree (``len(coeffs) - 1``); the QSP degree used by phase finding.
    parity : int or None
        0 (even), 1 (odd) or None (mixed). QSP with symmetric phases needs ``parity == degree % 2``.
    approx_error : float or None
        Largest ``|P(x) - target(x)|`` on ``domain``, measured on a dense grid (None when unknown).
    target : str
        Human-readable description of the approximated function.
    domain : tuple of (lo, hi)
        Intervals of ``[-1, 1]`` on which ``approx_error`` is measured.
    max_abs : float
        Estimated ``max |P(x)|`` on ``[-1, 1]`` (grid plus Newton polish).
    safety_factor : float
        Factor (<= 1) the coefficients were multiplied by to enforce ``max_abs <= 1``; 1.0 if none.
    """

    coeffs: np.ndarray
    degree: int = eqx.field(static=True)
    parity: int | None = eqx.field(static=True)
    approx_error: float | None = eqx.field(static=True)
    target: str = eqx.field(static=True)
    domain: tuple[Interval, ...] = eqx.field(static=True)
    max_abs: float = eqx.field(static=True)
    safety_factor: float = eqx.field(static=True, default=1.0)

    def __call__(self, x: ArrayLike) -> Array:
        """Evaluate ``P(x)`` (Clenshaw, JAX; jit/vmap/grad-able). Same shape and dtype as ``x``."""
        return chebyshev_eval(self.coeffs, x)

    @classmethod
    def from_coeffs(
        cls,
        coeffs: ArrayLike,
        *,
        target: str = "user polynomial",
        domain: Sequence[Interval] = ((-1.0, 1.0),),
    ) -> ChebPoly:
        """Wrap user coefficients: infers the parity and measures ``max_abs`` (no rescaling).

        Parameters
        ----------
        coeffs : array, shape (d + 1,), real
            Chebyshev coefficients, lowest degree first.
        """
        c = _as_coeffs(coeffs, "coeffs")
        return cls(
            coeffs=c,
            degree=len(c) - 1,
            parity=_infer_parity(c),
            approx_error=None,
            target=target,
            domain=tuple((float(a), float(b)) for a, b in domain),
            max_abs=sup_norm(c),
        )


def _as_coeffs(coeffs: ArrayLike, name: str) -> np.ndarray:
    c = np.asarray(coeffs, dtype=np.float64)
    if c.ndim != 1 or c.size == 0:
        raise ValueError(
            f"{name} must be a non-empty 1-D array of Chebyshev coefficients, got shape {c.shape}"
        )
    if not np.all(np.isfinite(c)):
        raise ValueError(f"{name} contains NaN or inf")
    return c


def _infer_parity(c: np.ndarray, rtol: float = 1e-14) -> int | None:
    """0/1 if all coefficients of the other parity vanish (relative to the largest), else None."""
    scale = max(float(np.max(np.abs(c))), np.finfo(np.float64).tiny)
    even_zero = bool(np.all(np.abs(c[0::2]) <= rtol * scale))
    odd_zero = bool(np.all(np.abs(c[1::2]) <= rtol * scale))
    if odd_zero:
        return 0
    if even_zero:
        return 1
    return None


# ----------------------------------------------------------------------------------------------
# Grids, fitting and the sup norm (numpy float64; construction is host-side and deterministic)
# ----------------------------------------------------------------------------------------------


def _cheb_fit(
    func: Callable[[np.ndarray], np.ndarray], degree: int, parity: int | None, factor: int = FIT_FACTOR
) -> np.ndarray:
    """Chebyshev coefficients (length degree + 1) of ``func`` from an oversampled DCT-II.

    Sampling at ``n = factor (degree + 1)`` first-kind nodes gives the Chebyshev series with aliasing
    only from terms beyond ``n``; truncating to ``degree`` is then essentially the Chebyshev
    projection (near-best in the sup norm for the smooth functions used here).
    """
    n = max(factor * (degree + 1), 32)
    theta = (2.0 * np.arange(n) + 1.0) * np.pi / (2.0 * n)
    vals = func(np.cos(theta))
    y = scipy.fft.dct(vals, type=2) / n
    y[0] *= 0.5
    c = y[: degree + 1].copy()
    if parity is not None:
        c[1 - parity :: 2] = 0.0
    return c


def _extrema_grid_values(c: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Values of the series at the ``m`` Chebyshev extreme points ``cos(pi j / (m - 1))`` (DCT-I)."""
    a = np.zeros(m)
    a[: len(c)] = c
    a[1:-1] *= 0.5
    vals = scipy.fft.dct(a, type=1)
    theta = np.pi * np.arange(m) / (m - 1)
    return theta, vals


def _grid_size(degree: int, factor: int = GRID_FACTOR) -> int:
    # m - 1 intervals in theta; rounded up to an FFT-friendly length.
    return scipy.fft.next_fast_len(factor * (degree + 1), real=True) + 1


def _uniform_grid(degree: int) -> np.ndarray:
    n = int(min(4001, max(1001, 2 * degree + 1)))
    return np.linspace(-1.0, 1.0, n)


# At most this many grid local maxima are Newton-polished (the highest by parabolic estimate). The
# parabolic estimate of a peak is accurate to ~(d h)^4 / 24 ~ 3e-5 of the local ripple height at 20x
# oversampling, so a maximum ranked below the first few hundred cannot be the global one unless
# hundreds of ripples tie to that precision, in which case any of them gives the sup to ~1e-5 of a
# ripple height.
MAX_POLISH = 256


def _polish_maxima(c: np.ndarray, theta: np.ndarray, vals: np.ndarray) -> float:
    """Max |P| after Newton-polishing the highest grid local maxima (in the angle variable)."""
    absval = np.abs(vals)
    gmax = float(absval.max()) if absval.size else 0.0
    if len(c) <= 2 or gmax == 0.0:
        return gmax
    # Interior local maxima of |P| on the grid; the endpoints theta = 0, pi are exact samples of
    # x = +-1 (P'(cos theta) has zero theta-derivative there, so they are covered by the grid).
    inner = (absval[1:-1] >= absval[:-2]) & (absval[1:-1] >= absval[2:])
    idx = np.flatnonzero(inner) + 1
    if idx.size == 0:
        return gmax
    # Parabola through the three samples around each local maximum: estimated peak height.
    fm, f0, fp = absval[idx - 1], absval[idx], absval[idx + 1]
    curv = fm - 2.0 * f0 + fp
    with np.errstate(divide="ignore", invalid="ignore"):
        peak = np.where(curv < 0.0, f0 - (fp - fm) ** 2 / (8.0 * curv), f0)
    order = np.argsort(-peak, kind="stable")[:MAX_POLISH]
    idx = idx[order]
    h = theta[1] - theta[0]
    c1 = np.polynomial.chebyshev.chebder(c)
    c2 = np.polynomial.chebyshev.chebder(c1)
    t = theta[idx].copy()
    lo, hi = t - h, t + h
    for _ in range(4):
        x, s = np.cos(t), np.sin(t)
        p1 = np.polynomial.chebyshev.chebval(x, c1)
        p2 = np.polynomial.chebyshev.chebval(x, c2)
        g1 = -s * p1  # d/dtheta P(cos theta)
        g2 = s * s * p2 - x * p1  # d^2/dtheta^2 P(cos theta)
        step = np.where(g2 != 0.0, -g1 / np.where(g2 != 0.0, g2, 1.0), 0.0)
        t = np.clip(t + step, lo, hi)  # stay in the bracket around the grid maximum
    polished = np.abs(np.polynomial.chebyshev.chebval(np.cos(t), c))
    return float(max(gmax, polished.max()))


def sup_norm(coeffs: ArrayLike) -> float:
    """Estimate ``max_{x in [-1, 1]} |P(x)|`` for a Chebyshev series, accurate to rounding.

    Dense Chebyshev-extreme-point grid (``~20 (d + 1)`` points, by a DCT-I), a uniform grid, then
    Newton polishing of the highest local maxima.

    Parameters
    ----------
    coeffs : array, shape (d + 1,), real

    Returns
    -------
    float
    """
    c = _as_coeffs(coeffs, "coeffs")
    d = len(c) - 1
    theta, vals = _extrema_grid_values(c, _grid_size(d))
    best = _polish_maxima(c, theta, vals)
    uni = np.polynomial.chebyshev.chebval(_uniform_grid(d), c)
    return float(max(best, np.max(np.abs(uni))))


def _in_domain(x: np.ndarray, domain: Sequence[Interval]) -> np.ndarray:
    keep = np.zeros(x.shape, dtype=bool)
    for lo, hi in domain:
        keep |= (x >= lo) & (x <= hi)
    return keep


def _domain_error(
    c: np.ndarray, ideal: Callable[[np.ndarray], np.ndarray], domain: Sequence[Interval]
) -> float:
    """Max |P - ideal| on the domain: dense grid, then golden-section polish of the top maxima.

    Grid: the Chebyshev extreme points (``~20 (d + 1)``, values by DCT), a uniform grid and the
    interval ends, restricted to the domain. The highest local maxima of the error are then refined
    inside their grid brackets (clipped to their interval), so the reported error is the sup to
    ~1e-12 relative rather than a grid value a little below it.
    """
    d = len(c) - 1
    theta, vals = _extrema_grid_values(c, _grid_size(d))
    x_ext = np.cos(theta)
    ends = np.array([v for iv in domain for v in iv])
    xu = np.concatenate([_uniform_grid(d), ends])
    x = np.concatenate([x_ext, xu])
    v = np.concatenate([vals, np.polynomial.chebyshev.chebval(xu, c)])
    keep = _in_domain(x, domain)
    if not keep.any():
        return 0.0
    x, v = x[keep], v[keep]
    order = np.argsort(x, kind="stable")
    x, v = x[order], v[order]
    e = np.abs(v - ideal(x))
    best = float(e.max())
    n = len(x)
    if n < 3:
        return best
    cand = np.flatnonzero((e >= np.roll(e, 1)) & (e >= np.roll(e, -1)))
    cand = cand[(cand > 0) & (cand < n - 1)]
    cand = cand[np.argsort(-e[cand], kind="stable")][:64]
    if cand.size == 0:
        return best
    lo, hi = x[cand - 1], x[cand + 1]
    for ilo, ihi in domain:  # keep each bracket inside the interval of its centre point
        inside = (x[cand] >= ilo) & (x[cand] <= ihi)
        lo = np.where(inside, np.maximum(lo, ilo), lo)
        hi = np.where(inside, np.minimum(hi, ihi), hi)

    def err_at(t):
        return np.abs(np.polynomial.chebyshev.chebval(t, c) - ideal(t))

    gr = (math.sqrt(5.0) - 1.0) / 2.0
    t1, t2 = hi - gr * (hi - lo), lo + gr * (hi - lo)
    f1, f2 = err_at(t1), err_at(t2)
    for _ in range(40):
        left = f1 >= f2  # maximum lies in [lo, t2]
        hi = np.where(left, t2, hi)
        lo = np.where(left, lo, t1)
        t1n = np.where(left, hi - gr * (hi - lo), t2)
        t2n = np.where(left, t1, lo + gr * (hi - lo))
        f1n = np.where(left, err_at(t1n), f2)
        f2n = np.where(left, f1, err_at(t2n))
        t1, t2, f1, f2 = t1n, t2n, f1n, f2n
    return float(max(best, f1.max(), f2.max()))


def _finalize(
    c: np.ndarray,
    *,
    degree: int,
    parity: int | None,
    target: str,
    ideal: Callable[[np.ndarray], np.ndarray],
    domain: Sequence[Interval],
    max_norm: float = 1.0,
) -> ChebPoly:
    """Enforce ``|P| <= max_norm`` (safety factor), then measure the error on the domain."""
    sup = sup_norm(c)
    factor = 1.0
    if sup > max_norm:
        # Shrink to a hair below max_norm: the polished sup estimate is accurate to ~1e-15
        # relative, the extra 1e-13 keeps rounding in later evaluations from crossing 1.
        factor = max_norm / sup * (1.0 - 1e-13)
        c = c * factor
        sup = sup * factor
    err = _domain_error(c, ideal, domain)
    return ChebPoly(
        coeffs=c,
        degree=degree,
        parity=parity,
        approx_error=err,
        target=target,
        domain=tuple((float(a), float(b)) for a, b in domain),
        max_abs=float(sup),
        safety_factor=float(factor),
    )


def _scan_sharpness(
    family: Callable[[float], Callable[[np.ndarray], np.ndarray]],
    degree: int,
    parity: int | None,
    ideal: Callable[[np.ndarray], np.ndarray],
    domain: Sequence[Interval],
    k_lo: float,
    k_hi: float,
    max_norm: float = 1.0,
) -> tuple[float, np.ndarray]:
    """Deterministic 1-D search over the sharpness ``k`` minimising the measured domain error.

    A log-spaced coarse scan followed by golden-section refinement in ``log k`` around the best
    coarse point, on a lighter (8x) grid; the final polynomial is re-measured by ``_finalize``.
    Returns ``(k, coeffs)``.
    """
    m = _grid_size(degree, factor=8)
    x = np.cos(np.pi * np.arange(m) / (m - 1))
    mask = _in_domain(x, domain)
    x_dom = x[mask]
    ideal_dom = ideal(x_dom)

    def err_of(logk: float) -> tuple[float, np.ndarray]:
        c = _cheb_fit(family(math.exp(logk)), degree, parity)
        _, vals = _extrema_grid_values(c, m)
        gmax = float(np.max(np.abs(vals)))
        if gmax > max_norm:  # the safety rescale _finalize would apply
            vals = vals * (max_norm / gmax)
        err = float(np.max(np.abs(vals[mask] - ideal_dom))) if x_dom.size else 0.0
        return err, c

    k_lo = max(k_lo, 1e-3)
    k_hi = max(k_hi, 2.0 * k_lo)
    grid = np.linspace(math.log(k_lo), math.log(k_hi), 25)
    errs = [err_of(g)[0] for g in grid]
    i = int(np.argmin(errs))
    a, b = grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)]
    # Golden-section on [a, b]: the error is unimodal in log k near the optimum in practice, and the
    # coarse scan guards against the rare non-unimodal case.
    gr = (math.sqrt(5.0) - 1.0) / 2.0
    c1, c2 = b - gr * (b - a), a + gr * (b - a)
    f1, f2 = err_of(c1)[0], err_of(c2)[0]
    for _ in range(16):
        if f1 <= f2:
            b, c2, f2 = c2, c1, f1
            c1 = b - gr * (b - a)
            f1 = err_of(c1)[0]
        else:
            a, c1, f1 = c1, c2, f2
            c2 = a + gr * (b - a)
            f2 = err_of(c2)[0]
    best_logk = min([(errs[i], grid[i]), (f1, c1), (f2, c2)])[1]
    return math.exp(best_logk), err_of(best_logk)[1]


# ----------------------------------------------------------------------------------------------
# Argument checks
# ----------------------------------------------------------------------------------------------


def _check_degree(degree, parity: int | None, name: str = "degree", max_degree: int = MAX_POLY_DEGREE) -> int:
    if isinstance(degree, bool) or not isinstance(degree, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(degree).__name__}")
    degree = int(degree)
    if degree < 1:
        raise ValueError(f"{name} must be >= 1, got {degree}")
    if degree > max_degree:
        raise ValueError(
            f"{name}={degree} exceeds the polynomial degree cap {max_degree}"
            f"{' (MAX_POLY_DEGREE)' if max_degree == MAX_POLY_DEGREE else ''}"
        )
    if parity is not None and degree % 2 != parity:
        kind = "odd" if parity == 1 else "even"
        raise ValueError(
            f"{name} must be {kind} for this {kind} polynomial (QSP degree parity must "
            f"match the polynomial parity), got {degree}"
        )
    return degree


def _real_number(value, name: str) -> float:
    """A real scalar as a float (TypeError for strings, bools, complex numbers, arrays, None)."""
    return real_scalar(value, name)


def _check_open_unit(value, name: str) -> float:
    v = _real_number(value, name)
    if not (0.0 < v < 1.0) or not math.isfinite(v):
        raise ValueError(f"{name} must lie in the open interval (0, 1), got {value}")
    return v


def _check_resolvable(width: float, name: str, what: str) -> None:
    """Refuse a transition window no degree within the cap can resolve.

    The error of these erf-based approximations is a function of ``degree * width`` (``~0.5`` at
    ``degree * width = 1``, decaying like ``exp(-c degree width)``), so a window narrower than
    ``1 / MAX_POLY_DEGREE`` gives an error of order 1 at every allowed degree.
    """
    if width * MAX_POLY_DEGREE < 1.0:
        need = 1.0 / width if width > 0 else math.inf
        raise ValueError(
            f"{name}={width:g} is too narrow for {what}: resolving it needs degree >~ 1/{name} = "
            f"{need:.3g}, above the degree cap MAX_POLY_DEGREE={MAX_POLY_DEGREE} (below that the "
            f"approximation error is of order 1); widen {name}"
        )


def _check_amplitude(amplitude) -> float:
    a = _real_number(amplitude, "amplitude")
    if not (0.0 < a <= 1.0):
        raise ValueError(f"amplitude must lie in (0, 1], got {amplitude}")
    return a


# ----------------------------------------------------------------------------------------------
# Near-minimax constructions (Remez exchange, see _remez.py)
# ----------------------------------------------------------------------------------------------

_METHODS = ("remez", "smooth")

# minimax_degree resolves errors down to this.
_REMEZ_MIN_EPSILON = 1e-12
# inverse_polynomial(epsilon=...) uses Remez down to this error, the smooth construction below it:
# below ~1e-8 the |P| <= 1 constraint binds inside (-1/kappa, 1/kappa) and the constrained exchange
# loses reliability as its error approaches float64 rounding of the ~kappa-sized folded values.
_REMEZ_MIN_INVERSE_EPSILON = 1e-10


def _check_method(method) -> str:
    if not isinstance(method, str) or method not in _METHODS:
        raise ValueError(f'method must be "remez" or "smooth", got {method!r}')
    return method


class _MinimaxTarget(NamedTuple):
    """A target posed on the folded domain ``x in [0, 1]`` (its parity mirrors it to ``[-1, 0]``).

    Band targets (``cut`` set) are ``level * 1[x >= cut]`` (``above``) or ``level * 1[x <= cut]``
    (below), with ``cut`` inside the gap between the bands; otherwise the target is ``func``.
    ``guard`` (with ``guard_func = g``, ``|g| < 1``) is an interval of the gap where, if the minimax
    polynomial exceeds 1 there, ``|P| <= 1`` is imposed as ``|P - g| <= 1 - |g|`` through the small
    weight ``w / (1 - |g|)`` (``g`` continues the target so that the guard and the domain agree where
    they meet; with ``g = 0`` the two would ask for different values at almost the same point).
    """

    parity: int
    intervals: tuple[Interval, ...]
    level: float  # band height, or the largest |target| on the domain
    rate: float  # rough error decay per degree (only used to start degree searches)
    func: Callable[[np.ndarray], np.ndarray] | None = None
    cut: float | None = None
    above: bool = True
    guard: Interval | None = None
    guard_func: Callable[[np.ndarray], np.ndarray] | None = None

    def problem(self, level: float | None = None, w_pass: float = 1.0, w_guard: float | None = None):
        """``(func, weight, intervals)`` for :func:`remez`: band targets at ``level`` with pass weight
        ``w_pass``; with ``w_guard`` the guard interval joins the domain with that weight."""
        if self.cut is None:
            func, weight = self.func, None
        else:
            lev = self.level if level is None else level
            cut, above = self.cut, self.above

            def inside(x):
                return (x >= cut) if above else (x <= cut)

            def func(x):
                return lev * inside(x).astype(np.float64)

            weight = None if w_pass == 1.0 else (lambda x: np.where(inside(x), w_pass, 1.0))
        if w_guard is None or self.guard is None:
            return func, weight, self.intervals
        g_lo, g_hi = self.guard
        base_func, base_weight, gfunc = func, weight, self.guard_func

        def in_guard(x):
            return x <= g_hi if g_lo <= 0.0 else (x >= g_lo) & (x <= g_hi)

        def func_g(x):
            g = in_guard(x)
            safe = np.where(g, self.intervals[0][1], x)  # keep the domain target away from the guard
            return np.where(g, gfunc(x), base_func(safe))

        def weight_g(x):
            w = np.ones_like(x) if base_weight is None else base_weight(x)
            g = in_guard(x)
            room = 1.0 - np.abs(gfunc(np.where(g, x, 0.0)))
            return np.where(g, w_guard / room, w)

        return func_g, weight_g, (self.guard, *self.intervals)


def _sign_target(gap: float, amp: float) -> _MinimaxTarget:
    return _MinimaxTarget(
        parity=1, intervals=((gap, 1.0),), level=amp, rate=math.atanh(gap), func=lambda x: amp + 0.0 * x
    )


def _band_target(parity: int, center: float, gap: float, amp: float, above: bool) -> _MinimaxTarget:
    return _MinimaxTarget(
        parity=parity,
        intervals=((0.0, center - gap), (center + gap, 1.0)),
        level=amp,
        rate=gap / math.sqrt(1.0 - center * center),
        cut=center,
        above=above,
    )


def _inverse_target(kappa: float) -> _MinimaxTarget:
    # The minimax polynomial of 1/(2 kappa x) bulges inside (-1/kappa, 1/kappa), to ~0.7 at error 1e-4,
    # ~0.98 at 1e-8 and above 1 beyond: there the guard imposes |P| <= 1 (around the line kappa x / 2,
    # which meets the target's value 1/2 at x = 1/kappa).
    a = 1.0 / kappa
    return _MinimaxTarget(
        parity=1,
        intervals=((a, 1.0),),
        level=0.5,
        rate=math.atanh(a),
        func=lambda x: 1.0 / (2.0 * kappa * x),
        guard=(0.0, a * (1.0 - 1e-6)),
        guard_func=lambda x: 0.5 * kappa * x,
    )


def _start_degree(tgt: _MinimaxTarget, eps: float) -> float:
    """A rough guess of the minimax degree for ``eps`` (``error ~ level exp(-rate d) / 2``)."""
    return max(1.0, math.log(max(tgt.level, eps) / eps) / tgt.rate)


def _remez_solve(
    tgt: _MinimaxTarget,
    degree: int,
    level: float | None = None,
    w_pass: float = 1.0,
    w_guard: float | None = None,
    reference: np.ndarray | None = None,
):
    """Remez at ``degree`` (a saturated problem is solved at the smallest degree resolving it to
    ~1e-12, coefficients zero-padded: see :func:`remez`).

    Returns ``(coeffs, error, converged, reference, degree_used)``.
    """
    func, weight, intervals = tgt.problem(level, w_pass, w_guard)
    res = remez(func, degree, intervals, parity=tgt.parity, weight=weight, reference=reference)
    return res.coeffs, res.error, res.converged, res.reference, res.effective_degree


def _bounded_solve(tgt: _MinimaxTarget, degree: int) -> tuple[np.ndarray, float, float, bool, float]:
    """The near-optimal polynomial under ``|P| <= 1`` on the domain.

    Returns ``(coeffs, bounded_error, minimax_error, converged, band_max)``: ``minimax_error`` is the
    unconstrained minimax error of the target, ``bounded_error`` the best error reachable with
    ``|P| <= 1`` on the domain bands (the gaps are checked separately by the caller) and ``band_max``
    the largest ``|P|`` on the domain bands (before any rescaling).

    * No binding (``level + E <= 1``): the minimax polynomial itself.
    * One band (sign, 1/x): the minimax polynomial, to be scaled to sup 1 (``s = 1 / (level + E)``, by
      :func:`_finalize`), error ``(1 - s) level + s E`` (exactly optimal for the sign: ``2E / (1 + E)``
      at amplitude 1).
    * Pass/stop bands (threshold, filter): ``P`` must lie in ``[a - d, 1]`` on the pass band and in
      ``[-d, d]`` on the stop band. That is a weighted minimax problem for the unit step with pass
      weight ``w = d / r`` (``r = (1 - a + d) / 2``), scaled by ``c = (1 + a - d) / 2``; ``d`` solves
      ``d = c E_w(d / r)`` (fixed point, contracting by ~``E``; at ``a = 1`` the weight is exactly 2 and
      one solve gives ``d = E_2 / (1 + E_2 / 2)``).
    """
    c0, e0, conv, ref0, d_used = _remez_solve(tgt, degree)
    a = tgt.level
    if tgt.guard is not None and sup_norm(c0) > 1.0:
        # (at the full degree even when the unconstrained problem saturated: the constrained one has a
        # larger error that the extra degree still reduces)
        cg, eg, convg, _, _ = _guarded_solve(tgt, degree, c0, e0, ref0 if d_used == degree else None)
        return cg, eg, e0, convg, a + eg
    if d_used < degree:
        # saturated: the band solutions at the lower degree that resolves the target to rounding
        c, eb, e, cv, bm = _bounded_solve(tgt, d_used)
        pad = np.zeros(degree + 1)
        pad[: len(c)] = c
        return pad, eb, e, cv, bm
    if a + e0 <= 1.0:
        return c0, e0, e0, conv, a + e0
    if tgt.cut is None:
        s = 1.0 / (a + e0)
        return c0, (1.0 - s) * a + s * e0, e0, conv, a + e0
    solves: dict[float, tuple] = {}
    delta = e0
    for _ in range(8):
        r = 0.5 * (1.0 - a + delta)
        cp = 0.5 * (1.0 + a - delta)
        w = 2.0 if a == 1.0 else delta / r
        if w not in solves:
            solves[w] = _remez_solve(tgt, degree, level=1.0, w_pass=w)
        cw, ew, convw, _, _ = solves[w]
        new = cp * ew
        done = abs(new - delta) <= 1e-9 * new
        delta = new
        if done:
            break
    r = 0.5 * (1.0 - a + delta)
    cp = 0.5 * (1.0 + a - delta)
    w = 2.0 if a == 1.0 else delta / r
    if w not in solves:
        solves[w] = _remez_solve(tgt, degree, level=1.0, w_pass=w)
    cw, ew, convw, _, _ = solves[w]
    return cw * cp, cp * ew, e0, conv and convw, 1.0


def _guarded_solve(tgt: _MinimaxTarget, degree: int, c0: np.ndarray, e0: float, ref0):
    """Best polynomial under ``|P| <= 1`` on the guard interval (in a gap of the domain).

    With the guard weight ``w / (1 - |g|)`` (see :class:`_MinimaxTarget`), the weighted minimax value
    ``E(w) = min_P max(E_domain(P), w max_guard |P - g| / (1 - |g|))`` equals the constrained optimum
    ``E*`` exactly when ``w = E*``, so ``w`` is found as the root of ``log E(w) - log w`` (bracketing,
    then regula falsi in ``log w``), each evaluation one Remez solve warm-started from the previous
    reference (the first: the unconstrained reference with the worst guard point swapped in). The
    accepted side has ``E(w) < w``, i.e. the constraint holds.
    Returns ``(coeffs, domain_error, converged, reference, degree)``.
    """
    room = 1.0
    g_lo, g_hi = tgt.guard
    ref = None
    if ref0 is not None:
        xg = np.linspace(g_lo, g_hi, 40 * (degree + 1) + 1)
        dev = np.polynomial.chebyshev.chebval(xg, c0) - tgt.guard_func(xg)
        ib = int(np.argmax(np.abs(dev) / (1.0 - np.abs(tgt.guard_func(xg)))))
        xb, sb = xg[ib], -np.sign(dev[ib])  # the weighted error there is w (guard_func - P)
        if 0.0 < xb < ref0[0]:
            s0 = np.sign(tgt.func(ref0[:1])[0] - np.polynomial.chebyshev.chebval(ref0[0], c0))
            ref = np.concatenate([[xb], ref0[:-1]]) if sb != s0 else np.concatenate([[xb], ref0[1:]])
    state = {"ref": ref}

    def solve(w):
        r = _remez_solve(tgt, degree, w_guard=w, reference=state["ref"])
        if r[2] and r[3] is not None:
            state["ref"] = r[3]
        return r

    def psi(res, w):
        return math.log(res[1] / (room * w * (1.0 - 1e-6)))

    # Start where the guard is clearly active (near w = e0 it is marginal and the exchange can
    # alternate between references with and without the guard point), then bracket: below the root
    # E(w) > w and the root exceeds E(w); above it E(w) < w.
    w_hi = w_lo = None
    w = 10.0 * e0 / room
    for _ in range(40):
        r = solve(w)
        if psi(r, w) <= 0.0:
            w_hi, r_hi = w, r
            if w_lo is not None:
                break
            w = max(w / 3.0, e0 / room)
            if w >= w_hi:
                return r_hi
        else:
            w_lo, r_lo = w, r
            if w_hi is not None:
                break
            w = 1.5 * r[1] / room
    if w_hi is None:
        return r
    if w_lo is None:
        return r_hi
    p_lo, p_hi = psi(r_lo, w_lo), psi(r_hi, w_hi)
    side = 0
    for _ in range(30):
        if w_hi / w_lo - 1.0 < 1e-2:
            break
        l_lo, l_hi = math.log(w_lo), math.log(w_hi)
        lw = l_hi - p_hi * (l_hi - l_lo) / (p_hi - p_lo)
        lw = min(max(lw, l_lo + 0.02 * (l_hi - l_lo)), l_hi - 0.02 * (l_hi - l_lo))
        w = math.exp(lw)
        r = solve(w)
        p = psi(r, w)
        if p <= 0.0:
            w_hi, r_hi, p_hi = w, r, p
            if side == 1:
                p_lo *= 0.5  # Illinois step: keep both ends moving
            side = 1
        else:
            w_lo, r_lo, p_lo = w, r, p
            if side == -1:
                p_hi *= 0.5
            side = -1
    return r_hi


def _remez_poly(
    tgt: _MinimaxTarget,
    degree: int,
    *,
    ideal: Callable[[np.ndarray], np.ndarray],
    domain: Sequence[Interval],
    target: str,
    smooth: Callable[[], ChebPoly],
) -> ChebPoly:
    """Near-minimax ChebPoly (bounded by 1 on [-1, 1]), with the smooth construction as a fallback.

    The smooth construction is also built, and the better of the two returned, only in the rare cases
    where the Remez exchange did not converge or where ``|P|`` overshoots 1 outside the domain bands
    (in a gap), which the Remez problem does not control.
    """
    if degree > REMEZ_MAX_DEGREE:
        return smooth()
    c, _, _, converged, band_max = _bounded_solve(tgt, degree)
    poly = _finalize(c, degree=degree, parity=tgt.parity, target=target, ideal=ideal, domain=domain)
    # a rescale beyond what the bands need means |P| > 1 in a gap
    sup = poly.max_abs / poly.safety_factor
    gap_overshoot = poly.safety_factor < 1.0 and sup > max(1.0, band_max) * (1.0 + 1e-9)
    if converged and not gap_overshoot:
        return poly
    alt = smooth()
    return poly if poly.approx_error <= alt.approx_error else alt


_KIND_PARAMS = {
    "sign": ({"gap"}, {"amplitude"}),
    "threshold": ({"threshold", "gap"}, {"amplitude", "parity"}),
    "filter": ({"cutoff", "gap"}, {"amplitude", "keep"}),
    "inverse": ({"kappa"}, set()),
}


def _kind_target(kind, params: dict, degree_parity: int | None) -> _MinimaxTarget:
    """Validate ``kind`` and its parameters; the folded target."""
    if not isinstance(kind, str) or kind not in _KIND_PARAMS:
        raise ValueError(f'kind must be one of "sign", "threshold", "filter", "inverse", got {kind!r}')
    required, optional = _KIND_PARAMS[kind]
    missing = required - params.keys()
    if missing:
        raise TypeError(f"kind={kind!r} needs the parameter(s) {', '.join(sorted(missing))}")
    unknown = params.keys() - required - optional
    if unknown:
        raise TypeError(f"unexpected parameter(s) for kind={kind!r}: {', '.join(sorted(unknown))}")
    amp = _check_amplitude(params.get("amplitude", 1.0)) if "amplitude" in optional else 1.0
    if kind == "sign":
        gap = _check_open_unit(params["gap"], "gap")
        _check_resolvable(gap, "gap", "sign")
        return _sign_target(gap, amp)
    if kind == "inverse":
        kappa = _real_number(params["kappa"], "kappa")
        if not math.isfinite(kappa) or kappa <= 1.0:
            raise ValueError(f"kappa must be > 1, got {kappa}")
        return _inverse_target(kappa)
    gap = _check_open_unit(params["gap"], "gap")
    if kind == "threshold":
        center = _check_open_unit(params["threshold"], "threshold")
        _gap_domain(center, gap, "threshold")
        parity = params.get("parity", 0 if degree_parity is None else degree_parity)
        if parity not in (0, 1) or isinstance(parity, bool):
            raise ValueError(f"parity must be 0 (even) or 1 (odd), got {parity!r}")
        if degree_parity is not None and parity != degree_parity:
            raise ValueError(f"parity={parity} does not match the degree's parity ({degree_parity})")
        return _band_target(int(parity), center, gap, amp, above=True)
    center = _check_open_unit(params["cutoff"], "cutoff")
    _gap_domain(center, gap, "cutoff")
    keep = params.get("keep", "above")
    if keep not in ("above", "below"):
        raise ValueError(f'keep must be "above" or "below", got {keep!r}')
    return _band_target(0, center, gap, amp, above=keep == "above")


def _minimax_degree(tgt: _MinimaxTarget, eps: float, max_degree: int) -> int | None:
    """Smallest degree with (unconstrained) minimax error <= eps (None if above max_degree)."""
    return smallest_degree(
        lambda d: _remez_solve(tgt, d)[1],
        eps,
        parity=tgt.parity,
        start=_start_degree(tgt, eps),
        max_degree=max_degree,
        min_degree=1,
        rate=tgt.rate,
    )


def _bounded_degree(tgt: _MinimaxTarget, eps: float, max_degree: int, exact: bool = True) -> int | None:
    """Smallest degree whose bounded (|P| <= 1) optimum error is <= eps.

    Starts from the unconstrained answer (a lower bound, and cheap) and steps up by the predicted
    shortfall ``1.1 log(E / eps) / rate`` (rate measured from the steps once there are two). With
    ``exact`` the last step is then refined by interpolation/bisection; without it the degree found may
    exceed the smallest one by a few (each bounded evaluation can cost several Remez solves when the
    constraint binds in a gap).
    """
    d_u = _minimax_degree(tgt, eps, max_degree)
    if d_u is None:
        return None
    step = 2 if tgt.parity is not None else 1
    cache: dict[int, float] = {}

    def err(d: int) -> float:
        if d not in cache:
            cache[d] = _bounded_solve(tgt, d)[1]
        return cache[d]

    d, last_fail, rate = d_u, None, tgt.rate
    for _ in range(12):
        e = err(d)
        if e <= eps:
            break
        if last_fail is not None and err(last_fail) > e:
            rate = max(rate * 0.25, math.log(err(last_fail) / e) / (d - last_fail))
        last_fail = d
        d = d + max(step, step * math.ceil(1.1 * math.log(e / eps) / rate / step))
        if d > max_degree:
            return None
    else:
        return None
    if not exact or last_fail is None or d - last_fail <= step:
        return d
    return smallest_degree(err, eps, parity=tgt.parity, start=d, max_degree=d, min_degree=last_fail + step)


def minimax_error(kind: str, degree: int, *, bounded: bool = False, **params) -> float:
    """The minimax (best possible sup) error of a target at a given degree, by Remez exchange.

    Parameters
    ----------
    kind : {"sign", "threshold", "filter", "inverse"}
        The targets of :func:`sign_polynomial` (``gap``, ``amplitude=1``), :func:`threshold_polynomial`
        (``threshold``, ``gap``, ``amplitude=1``; the parity is the degree's),
        :func:`spectral_filter_polynomial` (``cutoff``, ``gap``, ``keep="above"``, ``amplitude=1``) and
        :func:`inverse_polynomial` (``kappa``), on the same domains.
    degree : int
        With the target's parity (odd for sign / inverse, even for filter), at most
        :data:`REMEZ_MAX_DEGREE`.
    bounded : bool
        False (default): the plain minimax error ``min_P max_domain |P - f|`` (a lower bound for every
        polynomial of that degree). True: the best error under the QSP constraint ``|P| <= 1`` on the
        domain bands (assuming it does not bind in the gaps, which the constructors check); it differs
        only when ``height + error > 1``, e.g. ``2E / (1 + E)`` for the sign at amplitude 1 (exact), the
        2:1-weighted problem for threshold / filter at amplitude 1 (exact), an upper bound for 1/x.
    **params
        The kind's parameters (see ``kind``).

    Returns
    -------
    float
        The error of the computed best polynomial: an upper bound on the minimax error, within ~1e-6
        (relative) of it when the exchange converges. Errors below ~1e-12 (float64) are not resolved:
        the value is then that of the smallest degree reaching ~1e-12.
    """
    if isinstance(degree, bool) or not isinstance(degree, (int, np.integer)):
        raise TypeError(f"degree must be an int, got {type(degree).__name__}")
    tgt = _kind_target(kind, params, int(degree) % 2 if kind == "threshold" else None)
    degree = _check_degree(degree, tgt.parity, max_degree=REMEZ_MAX_DEGREE)
    if bounded:
        return float(_bounded_solve(tgt, degree)[1])
    return float(_remez_solve(tgt, degree)[1])


def minimax_degree(
    kind: str, epsilon: float, *, bounded: bool = False, max_degree: int = REMEZ_MAX_DEGREE, **params
) -> int:
    """The smallest degree whose minimax error is at most ``epsilon`` (see :func:`minimax_error`).

    A degree search on Remez errors (bracketing, then interpolation in ``log(error)`` / bisection);
    about 4-8 Remez solves near the answer. For ``kind="threshold"`` pass ``parity`` (0, default, or
    1). ``bounded=True`` asks for the smallest degree meeting ``epsilon`` under ``|P| <= 1``.

    Parameters
    ----------
    kind : {"sign", "threshold", "filter", "inverse"}
    epsilon : float in [1e-12, 1)
    bounded : bool
    max_degree : int
        Search limit (at most :data:`REMEZ_MAX_DEGREE`).
    **params
        As for :func:`minimax_error`.

    Returns
    -------
    int

    Raises
    ------
    ValueError
        For bad parameters, or when ``max_degree`` does not reach ``epsilon``.
    """
    eps = _check_open_unit(epsilon, "epsilon")
    if eps < _REMEZ_MIN_EPSILON:
        raise ValueError(
            f"epsilon={eps:g} is below {_REMEZ_MIN_EPSILON:g}, the smallest error the float64 Remez "
            "exchange resolves"
        )
    tgt = _kind_target(kind, params, None)
    max_degree = _check_degree(max_degree, None, "max_degree", max_degree=REMEZ_MAX_DEGREE)
    d = _bounded_degree(tgt, eps, max_degree) if bounded else _minimax_degree(tgt, eps, max_degree)
    if d is None:
        raise ValueError(f"kind={kind!r}: no degree <= max_degree={max_degree} reaches epsilon={eps:g}")
    return d


# ----------------------------------------------------------------------------------------------
# Constructors
# ----------------------------------------------------------------------------------------------


def sign_polynomial(degree: int, gap: float, *, amplitude: float = 1.0, method: str = "remez") -> ChebPoly:
    """Odd polynomial approximating ``amplitude * sign(x)`` for ``gap <= |x| <= 1``.

    ``method="remez"`` (default): the minimax polynomial of the degree (Remez exchange), scaled to
    ``max |P| = 1`` when ``amplitude + error > 1``, which is the best bounded polynomial (error
    ``2E / (1 + E)`` at amplitude 1 for minimax error ``E``). The error decays like
    ``exp(-degree * gap)``: at ``gap = 0.02`` the minimax error is 7.47e-4 at degree 301 and 1.41e-2 at
    degree 167, where the smooth construction gives 1.45e-2 at degree 301. Above
    :data:`REMEZ_MAX_DEGREE` the smooth construction is used.

    ``method="smooth"``: the Chebyshev series of ``amplitude * erf(k x)`` with ``k`` chosen
    (deterministic scan) to minimise the error on ``|x| >= gap`` (the construction before Remez; about
    1.8x the minimax degree for the same error).

    Parameters
    ----------
    degree : int
        Odd degree >= 1.
    gap : float in (0, 1)
        Half-width of the excluded window ``(-gap, gap)``.
    amplitude : float in (0, 1], optional
        Target height (use e.g. 0.999 to keep phase finding well conditioned).
    method : {"remez", "smooth"}, optional

    Returns
    -------
    ChebPoly
        Odd, ``|P| <= 1`` on ``[-1, 1]``; ``approx_error`` measured on ``[-1, -gap] u [gap, 1]``.
    """
    degree = _check_degree(degree, 1)
    gap = _check_open_unit(gap, "gap")
    _check_resolvable(gap, "gap", "sign_polynomial")
    amp = _check_amplitude(amplitude)
    method = _check_method(method)
    domain = ((-1.0, -gap), (gap, 1.0))
    target = f"{amp:g}*sign(x)"

    def ideal(x):
        return amp * np.sign(x)

    def smooth() -> ChebPoly:
        def family(k):
            return lambda x: amp * scipy.special.erf(k * x)

        _, c = _scan_sharpness(family, degree, 1, ideal, domain, 0.5 / gap, 4.0 * degree + 4.0)
        return _finalize(c, degree=degree, parity=1, target=target, ideal=ideal, domain=domain)

    if method == "smooth":
        return smooth()
    return _remez_poly(
        _sign_target(gap, amp), degree, ideal=ideal, domain=domain, target=target, smooth=smooth
    )


def _smooth_threshold(parity: int, threshold: float, amp: float):
    def family(k):
        if parity == 0:
            # 1 - (box of half-width t): ~0 for |x| < t, ~1 for |x| > t; even and entire.
            return lambda x: (
                amp
                * (
                    1.0
                    + 0.5 * (scipy.special.erf(k * (x - threshold)) - scipy.special.erf(k * (x + threshold)))
                )
            )
        # ~0 for |x| < t, ~sign(x) for |x| > t; odd and entire.
        return lambda x: (
            amp * 0.5 * (scipy.special.erf(k * (x - threshold)) + scipy.special.erf(k * (x + threshold)))
        )

    return family


def _gap_domain(center: float, gap: float, name: str) -> tuple[Interval, ...]:
    """The symmetric regions outside the transition window ``center ± gap`` (inside ``[-1, 1]``)."""
    lo, hi = center - gap, center + gap
    if lo <= 0.0 or hi >= 1.0:
        raise ValueError(
            f"gap={gap} too wide for {name}={center}: need 0 < {name} - gap and {name} + gap < 1"
        )
    return ((-1.0, -hi), (-lo, lo), (hi, 1.0))


def threshold_polynomial(
    degree: int, threshold: float, gap: float, *, amplitude: float = 1.0, method: str = "remez"
) -> ChebPoly:
    """Singular-value threshold polynomial: ``~0`` for ``|x| < threshold``, ``~1`` beyond.

    The parity follows the degree (QSP needs ``parity == degree % 2``):

    * even degree: ``P(x) ~ amplitude * 1[|x| >= threshold]`` (projector onto singular values above
      the threshold, in even QSVT);
    * odd degree: ``P(x) ~ amplitude * sign(x) * 1[|x| >= threshold]`` (the odd QSVT version, which
      keeps the sign / singular vectors).

    A non-symmetric step such as ``1[x >= threshold]`` has no definite parity; build it as
    ``(1 + sign_polynomial(x - threshold)) / 2`` only via an LCU of separate even and odd parts.

    ``method="remez"`` (default): the best polynomial of the degree under ``|P| <= 1`` (Remez
    exchange; when ``amplitude + error > 1`` the pass band is weighted so that ``P`` stays in
    ``[amplitude - d, 1]`` there and in ``[-d, d]`` on the stop band, which is optimal). Above
    :data:`REMEZ_MAX_DEGREE`, or if ``|P|`` would exceed 1 in the transition window, the smooth
    construction is used (respectively compared). ``method="smooth"``: Chebyshev series of
    ``erf``-smoothed steps with a scanned sharpness.

    Parameters
    ----------
    degree : int >= 1
    threshold : float in (0, 1)
    gap : float in (0, 1)
        Half-width of the transition window; needs ``0 < threshold - gap`` and
        ``threshold + gap < 1``.
    amplitude : float in (0, 1], optional
    method : {"remez", "smooth"}, optional

    Returns
    -------
    ChebPoly
        ``approx_error`` measured on ``gap``-separated regions
        ``|x| <= threshold - gap`` and ``threshold + gap <= |x| <= 1``.
    """
    degree = _check_degree(degree, None)
    parity = degree % 2
    threshold = _check_open_unit(threshold, "threshold")
    gap = _check_open_unit(gap, "gap")
    _check_resolvable(gap, "gap", "threshold_polynomial")
    amp = _check_amplitude(amplitude)
    method = _check_method(method)
    domain = _gap_domain(threshold, gap, "threshold")
    kind = "1[|x|>=t]" if parity == 0 else "sign(x)*1[|x|>=t]"
    target = f"{amp:g}*{kind}, t={threshold:g}"

    def ideal(x):
        step = (np.abs(x) >= threshold).astype(np.float64)
        return amp * (step if parity == 0 else np.sign(x) * step)

    def smooth() -> ChebPoly:
        _, c = _scan_sharpness(
            _smooth_threshold(parity, threshold, amp),
            degree,
            parity,
            ideal,
            domain,
            0.5 / gap,
            4.0 * degree + 4.0,
        )
        return _finalize(c, degree=degree, parity=parity, target=target, ideal=ideal, domain=domain)

    if method == "smooth":
        return smooth()
    tgt = _band_target(parity, threshold, gap, amp, above=True)
    return _remez_poly(tgt, degree, ideal=ideal, domain=domain, target=target, smooth=smooth)


def spectral_filter_polynomial(
    degree: int,
    cutoff: float,
    gap: float,
    *,
    keep: Literal["above", "below"] = "above",
    amplitude: float = 1.0,
    method: str = "remez",
) -> ChebPoly:
    """Even spectral filter: ``~1`` on the kept part of the spectrum, ``~0`` on the rest.

    * ``keep="above"``: ``P(x) ~ amplitude * 1[|x| >= cutoff]``. For PCA / ground states of
      ``-X^T X``: block-encode ``X^T X / alpha`` (eigenvalues in ``[0, 1]``), put ``cutoff`` between
      the top two eigenvalues and apply to a guiding vector; the output is proportional to its
      component on the top eigenspace.
    * ``keep="below"``: ``P(x) ~ amplitude * 1[|x| <= cutoff]``: keeps eigenvalues of small magnitude
      (e.g. a Hamiltonian shifted so that the wanted low-lying levels sit near 0).

    ``method="remez"`` (default) gives the best bounded polynomial of the degree, as in
    :func:`threshold_polynomial`; ``method="smooth"`` the erf-based construction.

    Parameters
    ----------
    degree : int
        Even degree >= 2.
    cutoff, gap : float in (0, 1)
        Transition at ``|x| = cutoff`` with half-width ``gap``
        (``0 < cutoff - gap``, ``cutoff + gap < 1``).
    keep : {"above", "below"}
    amplitude : float in (0, 1]
    method : {"remez", "smooth"}, optional

    Returns
    -------
    ChebPoly
        Even.
    """
    degree = _check_degree(degree, 0)
    if keep not in ("above", "below"):
        raise ValueError(f'keep must be "above" or "below", got {keep!r}')
    cutoff = _check_open_unit(cutoff, "cutoff")
    gap = _check_open_unit(gap, "gap")
    _check_resolvable(gap, "gap", "spectral_filter_polynomial")
    amp = _check_amplitude(amplitude)
    method = _check_method(method)
    domain = _gap_domain(cutoff, gap, "cutoff")
    above = keep == "above"
    kind = "1[|x|>=c]" if above else "1[|x|<=c]"
    target = f"{amp:g}*{kind}, c={cutoff:g}"

    def ideal(x):
        step = (np.abs(x) >= cutoff).astype(np.float64)
        return amp * (step if above else 1.0 - step)

    def smooth() -> ChebPoly:
        base = _smooth_threshold(0, cutoff, 1.0)

        def family(k):
            f = base(k)
            return (lambda x: amp * f(x)) if above else (lambda x: amp * (1.0 - f(x)))

        _, c = _scan_sharpness(family, degree, 0, ideal, domain, 0.5 / gap, 4.0 * degree + 4.0)
        return _finalize(c, degree=degree, parity=0, target=target, ideal=ideal, domain=domain)

    if method == "smooth":
        return smooth()
    tgt = _band_target(0, cutoff, gap, amp, above=above)
    return _remez_poly(tgt, degree, ideal=ideal, domain=domain, target=target, smooth=smooth)


def _inverse_family(kappa: float):
    a = 1.0 / kappa
    x0 = 0.5 * a

    def family(q):
        k = 2.0 * q

        def f(x):
            # (1 - exp(-q^2 x^2)) / x removes the pole at 0 (entire, odd); the smooth window
            # H(x) = 1 - box(|x| < x0) keeps the bump of that factor (height ~0.64 q) from showing:
            # H is ~exp(-q^2 a^2) there, so |P| stays O(kappa) and the scale 1/(2 kappa) is safe.
            window = 1.0 - 0.5 * (scipy.special.erf(k * (x + x0)) - scipy.special.erf(k * (x - x0)))
            safe_x = np.where(x == 0.0, 1.0, x)
            core = np.where(x == 0.0, 0.0, -np.expm1(-((q * x) ** 2)) / safe_x)
            return window * core / (2.0 * kappa)

        return f

    return family


def inverse_polynomial(
    kappa: float, epsilon: float | None = None, *, degree: int | None = None, method: str = "remez"
) -> ChebPoly:
    """Odd polynomial approximating ``1 / (2 kappa x)`` on ``1/kappa <= |x| <= 1``.

    The target peaks at ``1/2`` (at ``|x| = 1/kappa``), so the QSVT output is ``A^{-1} / (2 kappa)``
    for a block-encoded ``A`` with singular values in ``[1/kappa, 1]``. Inside ``(-1/kappa, 1/kappa)``
    the polynomial follows a bounded odd extension, and ``|P| <= 1`` on ``[-1, 1]``.

    ``method="remez"`` (default): the minimax polynomial (Remez exchange). Its error is about
    ``exp(-degree / kappa) / 2``, so the degree needed is about ``kappa ln(1 / (2 epsilon))`` (e.g.
    ~850 at ``kappa = 100``, ``epsilon = 1e-4``): about 2.5x below the smooth construction. With
    ``epsilon`` the smallest odd degree whose measured error meets it is used. The smooth construction
    is used instead when that degree would exceed :data:`REMEZ_MAX_DEGREE` (``kappa >~ 2000`` at
    ``epsilon = 1e-4``), for ``epsilon < 1e-10`` and for a given ``degree`` above
    :data:`REMEZ_MAX_DEGREE`. The minimax polynomial bulges inside ``(-1/kappa, 1/kappa)`` (to ~0.7 at
    error 1e-4, ~0.98 at 1e-8); below ~1e-8 it would exceed 1 there, and the exchange then imposes
    ``|P| <= 1`` on that gap (a constrained optimum, ~10% more degree at 1e-10).

    ``method="smooth"``: Chebyshev series of ``H(x) (1 - exp(-q^2 x^2)) / (2 kappa x)`` where ``H`` is
    a smooth window vanishing for ``|x| < 1/(2 kappa)``; ``q`` is chosen by a deterministic scan. The
    degree needed is measured to be about ``3 kappa ln(1/epsilon)`` (for ``epsilon <= 1e-4``; e.g. 2775
    at ``kappa = 100``, ``epsilon = 1e-4``). A request whose estimated degree exceeds
    :data:`MAX_POLY_DEGREE` is refused at once (``ValueError``), before anything is built: at the
    default ``epsilon`` that is ``kappa >~ 9000``.

    Parameters
    ----------
    kappa : float > 1
        Condition number bound.
    epsilon : float in [1e-14, 1), optional
        Requested absolute error on the domain (default 1e-4 when ``degree`` is not given). The
        smallest odd degree meeting it (on the check grid) is used.
    degree : int, optional
        Odd degree (at most :data:`MAX_POLY_DEGREE`) to use instead of choosing it from ``epsilon``.
    method : {"remez", "smooth"}, optional

    Returns
    -------
    ChebPoly
        Odd; ``approx_error`` measured on ``[-1, -1/kappa] u [1/kappa, 1]``.
    """
    kappa = _real_number(kappa, "kappa")
    if not math.isfinite(kappa) or kappa <= 1.0:
        raise ValueError(f"kappa must be > 1, got {kappa}")
    if degree is not None and epsilon is not None:
        raise ValueError("give either epsilon or degree, not both")
    if degree is not None:
        degree = _check_degree(degree, 1)
    if epsilon is not None:
        epsilon = _check_open_unit(epsilon, "epsilon")
        if epsilon < _MIN_INVERSE_EPSILON:
            raise ValueError(
                f"epsilon={epsilon:g} is below the smallest error float64 construction can "
                f"certify ({_MIN_INVERSE_EPSILON:g}, rounding of the check grid)"
            )
    method = _check_method(method)
    eps = 1e-4 if epsilon is None else epsilon
    a = 1.0 / kappa
    domain = ((-1.0, -a), (a, 1.0))
    target = f"1/(2*{kappa:g}*x)"

    def ideal(x):
        return 1.0 / (2.0 * kappa * x)

    family = _inverse_family(kappa)

    def build_smooth(d: int) -> ChebPoly:
        _, c = _scan_sharpness(family, d, 1, ideal, domain, 1.0 * kappa, 8.0 * d + 8.0)
        return _finalize(c, degree=d, parity=1, target=target, ideal=ideal, domain=domain)

    if method == "remez":
        tgt = _inverse_target(kappa)

        def build_remez(d: int) -> ChebPoly:
            return _remez_poly(
                tgt, d, ideal=ideal, domain=domain, target=target, smooth=lambda: build_smooth(d)
            )

        if degree is not None:
            return build_remez(degree) if degree <= REMEZ_MAX_DEGREE else build_smooth(degree)
        if eps >= _REMEZ_MIN_INVERSE_EPSILON and _start_degree(tgt, eps) <= 0.9 * REMEZ_MAX_DEGREE:
            goal = eps
            for _ in range(3):
                d = _bounded_degree(tgt, goal, REMEZ_MAX_DEGREE, exact=False)
                if d is None:
                    break
                poly = build_remez(d)
                if poly.approx_error <= eps:
                    return poly
                # the measured error exceeds the Remez one (rounding near 1e-12): aim lower
                goal = goal * 0.9 * eps / poly.approx_error
                if goal < 0.5 * _REMEZ_MIN_EPSILON:
                    break
        # beyond the Remez range: the smooth construction below

    if degree is not None:
        return build_smooth(degree)
    cap = MAX_POLY_DEGREE if MAX_POLY_DEGREE % 2 else MAX_POLY_DEGREE - 1  # largest odd degree
    # Refuse before building anything: the estimate is a lower bound on the degree the
    # measured error needs, so a request above the cap could never be met.
    need = _inverse_degree_estimate(kappa, eps)
    if need > cap:
        raise ValueError(
            f"inverse_polynomial(kappa={kappa:g}, epsilon={eps:g}) needs degree >= ~{need:.3g} "
            f"(about 3 kappa ln(1/epsilon)), above the degree cap MAX_POLY_DEGREE={MAX_POLY_DEGREE}; "
            f"loosen epsilon or reduce kappa (kappa <= ~{_inverse_kappa_limit(eps):.4g} fits at "
            f"this epsilon)"
        )
    # Start below the measured degree (~ 3 kappa ln(1/eps) for eps <= 1e-4), grow geometrically
    # until the measured error meets eps, then bisect down over odd degrees.
    d = min(cap, max(3, int(0.5 * kappa * math.log(kappa / eps)) | 1))
    best = build_smooth(d)
    lo_fail = None
    while best.approx_error > eps:
        if d >= cap:
            raise ValueError(
                f"inverse_polynomial(kappa={kappa:g}, epsilon={eps:g}): the degree cap "
                f"MAX_POLY_DEGREE={MAX_POLY_DEGREE} reaches only error {best.approx_error:.3g}; loosen "
                "epsilon or reduce kappa"
            )
        lo_fail = d
        d = min(cap, int(1.5 * d) | 1)
        best = build_smooth(d)
    hi_ok = d
    lo = lo_fail if lo_fail is not None else 1
    while hi_ok - lo > 2:
        mid = ((lo + hi_ok) // 2) | 1
        if mid >= hi_ok:
            break
        cand = build_smooth(mid)
        if cand.approx_error <= eps:
            hi_ok, best = mid, cand
        else:
            lo = mid
    return best


# inverse_polynomial's measured errors cannot certify less than this (float64 rounding of the ~1/2
# target on the check grid; eps = 1e-14 is still met).
_MIN_INVERSE_EPSILON = 1e-14


def _inverse_degree_estimate(kappa: float, eps: float) -> float:
    """A closed-form lower estimate of the degree :func:`inverse_polynomial` needs for ``eps``.

    Fitted to the measured degrees for ``kappa`` in ``[2, 1000]`` and ``eps`` in ``[1e-10, 0.1]``
    (``d / kappa`` depends on ``eps`` alone there: ~2.2 at 0.1, 8.5 at 1e-2, 27.7 at 1e-4, 42.4 at
    1e-6, 59.5 at 1e-8, 78 at 1e-10); the measured degree is 1.05-1.35 times this estimate.
    """
    log_inv = math.log(1.0 / eps)
    return kappa * max(0.9 * log_inv, 3.0 * log_inv - 6.0)


def _inverse_kappa_limit(eps: float) -> float:
    """The largest kappa whose estimated degree fits under the cap (for the error message)."""
    return MAX_POLY_DEGREE / _inverse_degree_estimate(1.0, eps)


def arcsin_polynomial(degree: int = 21, *, xmax: float = math.sin(1.0)) -> ChebPoly:
    """Odd polynomial approximating ``arcsin(x) / arcsin(1)`` (``= 2 arcsin(x) / pi``) on ``|x| <= xmax``.

    Used by the general vector state sketch: the block encoding carries ``sin(Phi)`` with
    ``|Phi| <= 1``, and the QSVT output is ``~ Phi / arcsin(1)``. Built by least squares in the odd
    Chebyshev basis on ``[-xmax, xmax]``, with a weak penalty on ``[xmax, 1]`` towards the (bounded)
    target so that ``|P| <= 1`` holds on all of ``[-1, 1]``. The error decays like
    ``rho^-degree`` with ``rho = (1 + cos 1) / sin 1 ~ 1.83`` for the default ``xmax`` (about 1e-5 at
    degree 21).

    Parameters
    ----------
    degree : int, optional
        Odd degree (default 21; an odd target needs an odd QSP degree), at most 1001 (the error
        reaches float64 rounding near degree 61).
    xmax : float in (0, 1), optional
        Half-width of the domain of interest (default ``sin(1)``).

    Returns
    -------
    ChebPoly
        Odd; ``approx_error`` measured on ``[-xmax, xmax]``.
    """
    degree = _check_degree(degree, 1, max_degree=_MAX_ARCSIN_DEGREE)
    xmax = _check_open_unit(xmax, "xmax")
    domain = ((-xmax, xmax),)
    scale = math.asin(1.0)

    def ideal(x):
        return np.arcsin(np.clip(x, -1.0, 1.0)) / scale

    # Least squares on x in [0, xmax] (odd symmetry) at Chebyshev points of that interval, plus
    # down-weighted points on [xmax, 1]; columns are T_1, T_3, ..., T_degree.
    n_in = 8 * (degree + 1)
    t = (2.0 * np.arange(n_in) + 1.0) * np.pi / (4.0 * n_in)
    x_in = xmax * np.cos(t)
    x_out = np.linspace(xmax, 1.0, 4 * (degree + 1))
    x_all = np.concatenate([x_in, x_out])
    w = np.concatenate([np.ones_like(x_in), np.full_like(x_out, 1e-3)])
    ks = np.arange(1, degree + 1, 2)
    basis = np.cos(ks[None, :] * np.arccos(np.clip(x_all, -1.0, 1.0))[:, None])
    sol, *_ = np.linalg.lstsq(basis * w[:, None], ideal(x_all) * w, rcond=None)
    c = np.zeros(degree + 1)
    c[1::2] = sol
    return _finalize(
        c, degree=degree, parity=1, target=f"arcsin(x)/arcsin(1), |x|<={xmax:.6g}", ideal=ideal, domain=domain
    )


def _saturating_linear(scale: float, c_sat: float):
    def family(k):
        def big_g(u):
            # G(u) = integral of erf(k u) du = u erf(k u) + exp(-k^2 u^2) / (k sqrt(pi)); even.
            return u * scipy.special.erf(k * u) + np.exp(-((k * u) ** 2)) / (k * math.sqrt(math.pi))

        # s * integral_0^x of a smooth box of half-width c: ~ s x for |x| < c, flat ~ s c beyond;
        # monotone and bounded by s c < 1.
        return lambda x: 0.5 * scale * (big_g(x + c_sat) - big_g(x - c_sat))

    return family


def linear_amplification_polynomial(degree: int, scale: float, *, delta: float = 0.1) -> ChebPoly:
    """Odd polynomial ``~ scale * x`` where ``|scale * x| <= 1 - delta``, saturating outside.

    The target is exact linear amplification on ``|x| <= (1 - delta) / scale``; beyond it the
    polynomial bends over to a plateau near ``1 - delta / 2`` (a smoothed clip), so ``|P| <= 1``
    everywhere. Used to undo the ``1/s`` subnormalisation of a sparse-access block encoding. The degree
    needed scales as ``O(scale / delta * log(scale / epsilon))``.

    Parameters
    ----------
    degree : int
        Odd degree >= 1.
    scale : float > 0
        The gain ``s``.
    delta : float in (0, 1), optional
        Headroom: the linear region is ``|s x| <= 1 - delta``.

    Returns
    -------
    ChebPoly
        Odd; ``approx_error`` measured on ``|x| <= min(1, (1 - delta) / scale)``.
    """
    degree = _check_degree(degree, 1)
    s = _real_number(scale, "scale")
    if not math.isfinite(s) or s <= 0.0:
        raise ValueError(f"scale must be a positive finite number, got {scale}")
    delta = _check_open_unit(delta, "delta")
    xlin = min(1.0, (1.0 - delta) / s)
    domain = ((-xlin, xlin),)

    def ideal(x):
        return s * x

    if s * 1.0 <= 1.0 - delta:
        # No saturation needed anywhere in [-1, 1]: P = s T_1 exactly.
        c = np.zeros(degree + 1)
        c[1] = s
        return _finalize(c, degree=degree, parity=1, target=f"{s:g}*x", ideal=ideal, domain=domain)
    _check_resolvable(delta / s, "delta/scale", "linear_amplification_polynomial (the bend is that wide)")
    c_sat = (1.0 - 0.5 * delta) / s
    _, c = _scan_sharpness(
        _saturating_linear(s, c_sat), degree, 1, ideal, domain, 0.5 * s / delta, 4.0 * degree + 4.0
    )
    return _finalize(
        c, degree=degree, parity=1, target=f"{s:g}*x, |x|<={xlin:.6g}", ideal=ideal, domain=domain
    )
