"""Fits of sweep results: power laws ``ln y = a + s ln x``, the sample-complexity law
``M = C N^alpha / eps^beta`` and its prefactor, per mode, and a text table of them."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

import numpy as np

from ._sweep import MODE_LAWS, ModeLaw, SweepResult

# ----------------------------------------------------------------------------- fits


def _ols(x: np.ndarray, y: np.ndarray):
    """Least squares ``y ~ x @ coef`` with classical standard errors (residual variance)."""
    coef, *_ = np.linalg.lstsq(x, y, rcond=None)
    dof = x.shape[0] - x.shape[1]
    resid = y - x @ coef
    s2 = float(resid @ resid) / dof if dof > 0 else math.nan
    cov = s2 * np.linalg.pinv(x.T @ x)
    return coef, np.sqrt(np.clip(np.diag(cov), 0.0, None)), dof, resid


@dataclass(frozen=True)
class PowerLawFit:
    """``ln y = intercept + slope ln x`` (``intercept`` is NaN for pooled fits)."""

    slope: float
    slope_se: float
    intercept: float
    intercept_se: float
    n_points: int
    rms_residual: float

    @property
    def prefactor(self) -> float:
        return math.exp(self.intercept)


def fit_power_law(x, y) -> PowerLawFit:
    """Fit ``y = A x^s`` by least squares on logarithms."""
    lx, ly = np.log(np.asarray(x, float)), np.log(np.asarray(y, float))
    if lx.size < 2 or np.ptp(lx) == 0:
        return PowerLawFit(math.nan, math.nan, math.nan, math.nan, int(lx.size), math.nan)
    coef, se, _, resid = _ols(np.stack([np.ones_like(lx), lx], 1), ly)
    return PowerLawFit(
        float(coef[1]),
        float(se[1]),
        float(coef[0]),
        float(se[0]),
        int(lx.size),
        float(np.sqrt(np.mean(resid**2))),
    )


def fit_pooled_slope(groups, x, y) -> PowerLawFit:
    """Common slope of ``ln y`` on ``ln x`` with one intercept per group (groups with >= 2 points)."""
    g = np.asarray(groups)
    lx, ly = np.log(np.asarray(x, float)), np.log(np.asarray(y, float))
    keep_groups = [v for v in np.unique(g) if np.sum(g == v) >= 2 and np.ptp(lx[g == v]) > 0]
    mask = np.isin(g, keep_groups)
    if not keep_groups:
        return PowerLawFit(math.nan, math.nan, math.nan, math.nan, 0, math.nan)
    g, lx, ly = g[mask], lx[mask], ly[mask]
    dummies = np.stack([(g == v).astype(float) for v in keep_groups], 1)
    coef, se, _, resid = _ols(np.concatenate([dummies, lx[:, None]], 1), ly)
    return PowerLawFit(
        float(coef[-1]), float(se[-1]), math.nan, math.nan, int(lx.size), float(np.sqrt(np.mean(resid**2)))
    )


@dataclass(frozen=True)
class SampleComplexityFit:
    """``ln M = ln C + alpha ln N - beta ln eps`` with standard errors."""

    alpha: float
    alpha_se: float
    beta: float
    beta_se: float
    log_c: float
    log_c_se: float
    n_points: int

    @property
    def c(self) -> float:
        return math.exp(self.log_c)

    @property
    def c_se(self) -> float:
        return self.c * self.log_c_se  # delta method


def fit_sample_complexity(n, m, eps, *, scale=1.0) -> SampleComplexityFit:
    """Least-squares fit of ``ln M = ln C + ln scale + alpha ln N - beta ln eps`` (the paper's
    Fig. 3 law; ``scale`` divides out a known factor such as the fraction of ones ``F``)."""
    ln_n, ln_m, ln_e = (np.log(np.asarray(v, float)) for v in (n, m, eps))
    ln_m = ln_m - np.log(np.broadcast_to(np.asarray(scale, float), ln_m.shape))
    if ln_m.size < 4 or np.ptp(ln_n) == 0 or np.ptp(ln_e) == 0:
        nan = math.nan
        return SampleComplexityFit(nan, nan, nan, nan, nan, nan, int(ln_m.size))
    coef, se, _, _ = _ols(np.stack([np.ones_like(ln_n), ln_n, -ln_e], 1), ln_m)
    return SampleComplexityFit(
        float(coef[1]),
        float(se[1]),
        float(coef[2]),
        float(se[2]),
        float(coef[0]),
        float(se[0]),
        int(ln_m.size),
    )


@dataclass(frozen=True)
class PrefactorFit:
    """``C`` in ``M = C scale N^alpha / eps^beta`` with the exponents fixed (geometric mean)."""

    c: float
    c_se: float
    alpha: float
    beta: float
    n_points: int
    spread: float  # standard deviation of ln C_i over the points


def fit_prefactor(n, m, eps, *, alpha: float = 1.0, beta: float = 1.0, scale=1.0) -> PrefactorFit:
    """Prefactor ``C`` of ``M = C * scale * N^alpha / eps^beta`` from points ``(N, M, eps)``.

    Each point gives ``ln C_i = ln M + beta ln eps - alpha ln N - ln scale``; ``C`` is the geometric
    mean and ``c_se`` its standard error (delta method).
    """
    n, m, eps = (np.asarray(v, float) for v in (n, m, eps))
    scale = np.broadcast_to(np.asarray(scale, float), n.shape)
    lc = np.log(m) + beta * np.log(eps) - alpha * np.log(n) - np.log(scale)
    if lc.size == 0:
        return PrefactorFit(math.nan, math.nan, alpha, beta, 0, math.nan)
    c = math.exp(float(lc.mean()))
    sd = float(lc.std(ddof=1)) if lc.size > 1 else 0.0
    return PrefactorFit(c, c * sd / math.sqrt(lc.size), alpha, beta, int(lc.size), sd)


@dataclass(frozen=True)
class ModeFit:
    """All fits of one sweep label over the points with ``eps_min < error <= eps_max``."""

    label: str
    law: ModeLaw
    n_points: int
    slope_m: PowerLawFit  # d ln eps / d ln M at fixed N (pooled over N)
    slope_n: PowerLawFit  # d ln eps / d ln N at fixed M (pooled over M)
    complexity: SampleComplexityFit
    prefactor: PrefactorFit  # with the theory exponents

    def to_dict(self) -> dict:
        d = asdict(self)
        d["complexity"]["c"] = self.complexity.c
        d["complexity"]["c_se"] = self.complexity.c_se
        return d


def analyse_sweep(
    result: SweepResult,
    *,
    labels: Iterable[str] | None = None,
    eps_max: float = 0.1,
    eps_min: float = 0.0,
    cut_on: str = "predicted",
) -> list[ModeFit]:
    """Fit every label of a sweep on its seed-mean errors, over the points whose error (by default
    the leading-order *prediction*, see :meth:`SweepResult.points`) is at most ``eps_max``.

    The cut keeps the fits in the small-error regime where the laws are power laws (the
    operator-norm error saturates at 2, and e.g. ``1 - exp(-delta)`` bends away from ``delta``).
    Cutting on the measured mean of a few noisy seeds would keep the points that fluctuated low
    near the cut and bias the slopes.
    """
    fits = []
    for label in result.labels if labels is None else list(labels):
        law = MODE_LAWS[label]
        n, m, e, _ = result.points(label, eps_min=eps_min, eps_max=eps_max, cut_on=cut_on)
        if law.scale == "F":
            scale = np.array([result.n_ones(v) / v for v in n])
        else:
            scale = np.ones_like(n)
        fits.append(
            ModeFit(
                label=label,
                law=law,
                n_points=int(n.size),
                slope_m=fit_pooled_slope(n, m, e),
                slope_n=fit_pooled_slope(m, n, e),
                complexity=fit_sample_complexity(n, m, e, scale=scale),
                prefactor=fit_prefactor(n, m, e, alpha=law.alpha, beta=law.beta, scale=scale),
            )
        )
    return fits


def _pm(v: float, se: float, fmt: str = ".3f") -> str:
    if not np.isfinite(v):
        return "n/a"
    return f"{v:{fmt}} ± {se:{fmt}}" if np.isfinite(se) else f"{v:{fmt}}"


def format_fit_table(fits: Sequence[ModeFit]) -> str:
    """A plain-text table: exponents and prefactors per label, with the theory values beside them."""
    head = (
        f"{'mode':<15s} {'pts':>4s}  {'slope in M':>16s}  {'slope in N':>16s}  "
        f"{'alpha':>16s}  {'beta':>16s}  {'C (free fit)':>18s}  {'C (theory exps)':>18s}  "
        f"{'theory: a, b, C':<22s}"
    )
    lines = [head, "-" * len(head)]
    for f in fits:
        c_th = "" if f.law.prefactor is None else f"{f.law.prefactor:.3f}"
        if f.law.scale and c_th:
            c_th += "·" + f.law.scale
        th = f"{f.law.alpha:g}, {f.law.beta:g}, {c_th or '(N-dep.)'}"
        fmt_c = ".3g" if np.isfinite(f.complexity.c) and f.complexity.c > 1e3 else ".3f"
        lines.append(
            f"{f.label:<15s} {f.n_points:>4d}  {_pm(f.slope_m.slope, f.slope_m.slope_se):>16s}  "
            f"{_pm(f.slope_n.slope, f.slope_n.slope_se):>16s}  "
            f"{_pm(f.complexity.alpha, f.complexity.alpha_se):>16s}  "
            f"{_pm(f.complexity.beta, f.complexity.beta_se):>16s}  "
            f"{_pm(f.complexity.c, f.complexity.c_se, fmt_c):>18s}  "
            f"{_pm(f.prefactor.c, f.prefactor.c_se):>18s}  {th:<22s}"
        )
    return "\n".join(lines)
