"""Scaling experiments for the Boolean phase-oracle sketch: sweeps, fits and plots.

A sweep evaluates the sketch error over a grid of register sizes ``N``, samples per query ``M`` and
seeds, in several *views* (labels below), and returns tidy records (one dict per evaluation). The
analysis functions turn the records into power-law fits:

* ``ln eps = a + s ln M`` at fixed ``N`` (and ``s`` in ``N`` at fixed ``M``), pooled over the other
  variable with one intercept per group;
* the sample-complexity law ``ln M = ln C + alpha ln N - beta ln eps`` (Fig. 3 of the paper);
* the prefactor ``C`` of ``M = C N^alpha / eps^beta`` with the exponents fixed to theory.

=================  ===========================================================  =============
label              quantity                                                     small-eps law
=================  ===========================================================  =============
``expected``       ``||E[V] - O_f||`` (operator norm), orthogonal sketch        (pi^2/2) N/M
``counts``         ``||V - O_f||`` of one realisation, ``n ~ Multinomial``       ~ (N/M)^(1/2)
``sampled``        same, from an explicit stream of ``M`` samples (O(M))        ~ (N/M)^(1/2)
``channel``        diamond distance of the averaged channel to ``O_f``          2 pi^2 N/M
``naive-expected`` ``||E[V] - O_f||`` of the non-orthogonal baseline            (pi^2/2) F N^2/M
``naive-counts``   one realisation of the baseline                              ~ N (F/M)^(1/2)
=================  ===========================================================  =============

Single realisations carry an extreme-value factor: the operator norm is the largest of ``K``
roughly Gaussian entry errors, so ``eps ~ pi (N/M)^(1/2) E[max_K |Z|]`` with ``E[max_K |Z|]`` growing
like ``(2 ln K)^(1/2)`` (:func:`mean_max_abs_normal`). The exponent in ``M`` is exactly ``-1/2``; the
apparent exponent in ``N`` is slightly above ``1/2``.

Compile cost. Shapes are kept static so that few programs are compiled: ``expected`` is jitted
and vectorised over ``M`` (one small program per ``N``); one ``counts`` realisation is a jitted
function of ``(key, M)`` evaluated in a loop (``M`` is traced, so no recompilation across ``M`` or
seeds), and by default the sketch is embedded in ``max(dims)`` cells with zero probability on the
padding (:func:`_padded_oracles`), so one program serves every ``N``. ``sampled`` compiles once per
``(N, M)`` (the stream length sets loop bounds) and the diamond distance is a NumPy computation.

Nothing here changes global JAX configuration: the sweep runs in the library's default dtype, so
enable x64 in the calling application for errors below ~1e-6.
"""

from __future__ import annotations

import functools
import json
import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field

import jax
import jax.numpy as jnp
import numpy as np
import scipy.integrate
import scipy.special

from ._data import BooleanData
from ._metrics import operator_norm_error, sketch_diamond_error
from ._sketch import boolean_oracle, naive_boolean_oracle

__all__ = [
    "SWEEP_MODES",
    "MODE_LAWS",
    "ModeLaw",
    "SweepResult",
    "PowerLawFit",
    "SampleComplexityFit",
    "PrefactorFit",
    "ModeFit",
    "random_truth_table",
    "log_grid",
    "boolean_error_sweep",
    "mean_max_abs_normal",
    "predicted_error",
    "fit_power_law",
    "fit_pooled_slope",
    "fit_sample_complexity",
    "fit_prefactor",
    "samples_needed",
    "analyse_sweep",
    "format_fit_table",
    "plot_sweep",
]

SWEEP_MODES = ("expected", "counts", "sampled", "channel", "naive-expected", "naive-counts")


# ----------------------------------------------------------------------------- theory


@dataclass(frozen=True)
class ModeLaw:
    """Small-error law of one sweep label: ``M = C N^alpha / eps^beta``.

    ``prefactor`` is the theory value of ``C`` after dividing out ``scale`` (``"F"``: the fraction
    of ones, for the naive baseline); ``None`` where ``C`` depends on ``N`` (the extreme-value
    factor of single realisations).
    """

    scheme: str
    view: str
    metric: str
    alpha: float
    beta: float
    prefactor: float | None
    scale: str | None
    law: str


_PI2 = math.pi**2
MODE_LAWS: dict[str, ModeLaw] = {
    "expected": ModeLaw("qos", "expected", "operator", 1.0, 1.0, _PI2 / 2, None, "(pi^2/2) N/M"),
    "counts": ModeLaw("qos", "counts", "operator", 1.0, 2.0, None, None,
                      "pi (N/M)^1/2 E max|Z|"),
    "sampled": ModeLaw("qos", "sampled", "operator", 1.0, 2.0, None, None,
                       "pi (N/M)^1/2 E max|Z|"),
    "channel": ModeLaw("qos", "channel", "diamond", 1.0, 1.0, 2 * _PI2, None, "2 pi^2 N/M"),
    "naive-expected": ModeLaw("naive", "expected", "operator", 2.0, 1.0, _PI2 / 2, "F",
                              "(pi^2/2) F N^2/M"),
    "naive-counts": ModeLaw("naive", "counts", "operator", 2.0, 2.0, None, "F",
                            "pi N (F/M)^1/2 E max|Z|"),
}


@functools.lru_cache(maxsize=4096)
def mean_max_abs_normal(k: int) -> float:
    """``E[max_{i<k} |Z_i|]`` for ``k`` independent standard normals (numerical integral)."""
    k = int(k)
    if k < 1:
        return 0.0

    def tail(x):  # P(max |Z| > x) = 1 - erf(x/sqrt 2)^k, computed without cancellation
        return -math.expm1(k * math.log(max(scipy.special.erf(x / math.sqrt(2.0)), 1e-300)))

    val, _ = scipy.integrate.quad(tail, 0.0, 12.0, limit=200)
    return float(val)


def predicted_error(label: str, n, m, *, n_ones) -> np.ndarray:
    """Leading small-error prediction of the sweep quantity ``label`` for uniform data.

    ``n_ones`` is the number of ``x`` with ``f(x) = 1`` (``F = n_ones / N``). Single-realisation
    labels give the mean over realisations (Gaussian limit of the counts).
    """
    n = np.asarray(n, float)
    m = np.asarray(m, float)
    ones = np.asarray(n_ones, float)
    frac = ones / n
    if label == "expected":
        return _PI2 / 2 * (n - 1) / m
    if label == "channel":
        return 2 * _PI2 * n / m
    if label in ("counts", "sampled"):
        emax = np.vectorize(mean_max_abs_normal)(ones.astype(int))
        return math.pi * np.sqrt((n - 1) / m) * emax
    if label == "naive-expected":
        return _PI2 / 2 * frac * n**2 / m
    if label == "naive-counts":
        emax = np.vectorize(mean_max_abs_normal)(n.astype(int))
        return math.pi * n * np.sqrt(frac / m) * emax
    raise ValueError(f"unknown label {label!r}; expected one of {SWEEP_MODES}")


# ----------------------------------------------------------------------------- the sweep


def random_truth_table(n: int, *, fraction: float = 0.5, seed: int = 0) -> np.ndarray:
    """A random truth table with exactly ``max(1, round(fraction * n))`` ones (numpy float64).

    The table for ``(n, seed)`` is fixed: it is drawn from ``numpy.random.default_rng((seed, n))``.
    """
    if not (0.0 < fraction <= 1.0):
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    k = max(1, int(round(fraction * n)))
    rng = np.random.default_rng((int(seed), int(n)))
    table = np.zeros(int(n))
    table[rng.permutation(int(n))[:k]] = 1.0
    return table


def log_grid(lo: float, hi: float, per_decade: int) -> list[int]:
    """Integer sample counts on a log grid from ``lo`` to ``hi`` (inclusive), ``per_decade`` points."""
    if not (0 < lo <= hi):
        raise ValueError(f"need 0 < lo <= hi, got {lo}, {hi}")
    k = max(1, int(round(math.log10(hi / lo) * per_decade)))
    vals = np.round(np.logspace(math.log10(lo), math.log10(hi), k + 1)).astype(np.int64)
    return sorted({int(v) for v in vals if v >= 1})


@jax.jit
def _expected_errors(oracle, ms):
    target = oracle.ideal()
    return jax.vmap(lambda m: operator_norm_error(oracle.expected(m), target))(ms)


@jax.jit
def _counts_error(oracle, key, m, n_valid):
    """Operator-norm error of one ``counts`` realisation over the first ``n_valid`` entries."""
    target = oracle.ideal()
    diag = oracle.counts(key, m)
    valid = jnp.arange(target.shape[-1]) < n_valid
    return operator_norm_error(jnp.where(valid, diag, target), target)


def _padded_oracles(table: np.ndarray, width: int):
    """The uniform ``N``-cell Boolean sketch (and naive baseline) embedded in ``width`` cells.

    Cells ``x >= N`` get ``p_x = 0`` and ``f_x = 0`` and ``t = pi N``, so on the first ``N``
    cells every realisation has the same distribution as the unpadded sketch: no sample ever lands
    on a padding cell (orthogonal sketch: ``V_x = 1`` there, exactly the target), and the naive
    baseline's phase on ``v < N`` depends only on the low ``ceil(log2 N)`` bits of its random
    Z-string label ``u``, which stay uniform. Errors are taken over the first ``N`` cells. All
    ``N`` then share one compiled ``counts`` program.
    """
    n = table.shape[0]
    tt = np.zeros(width)
    tt[:n] = table
    p = np.zeros(width)
    p[:n] = 1.0 / n
    data = BooleanData(tt, p)
    return boolean_oracle(data, t=math.pi * n), naive_boolean_oracle(data, t=math.pi * n)


def _key_for(base, salt: int, n: int, i_m: int, seed: int):
    k = jax.random.fold_in(base, salt)
    k = jax.random.fold_in(k, n)
    k = jax.random.fold_in(k, i_m)
    return jax.random.fold_in(k, seed)


@dataclass
class SweepResult:
    """Tidy records of a sweep plus its settings.

    ``records``: one dict per evaluation with keys ``label, scheme, view, metric, n, m, seed,
    error`` (``seed`` is ``None`` for deterministic views). ``meta``: the sweep settings, the number
    of ones per ``N`` and wall-clock timings per label.
    """

    records: list[dict]
    meta: dict = field(default_factory=dict)

    @property
    def labels(self) -> list[str]:
        present = {r["label"] for r in self.records}
        return [lab for lab in SWEEP_MODES if lab in present]

    def n_ones(self, n: int) -> int:
        return int(self.meta["n_ones"][str(int(n))])

    def summary(self) -> list[dict]:
        """Mean, standard deviation and standard error over seeds per ``(label, n, m)``."""
        groups: dict[tuple, list[float]] = {}
        for r in self.records:
            groups.setdefault((r["label"], r["n"], r["m"]), []).append(r["error"])
        rows = []
        for (label, n, m), errs in groups.items():
            e = np.asarray(errs, float)
            sd = float(e.std(ddof=1)) if e.size > 1 else 0.0
            rows.append({"label": label, "n": n, "m": m, "mean": float(e.mean()), "std": sd,
                         "sem": sd / math.sqrt(e.size), "count": int(e.size)})
        order = {lab: i for i, lab in enumerate(SWEEP_MODES)}
        rows.sort(key=lambda r: (order.get(r["label"], 99), r["n"], r["m"]))
        return rows

    def points(self, label: str, *, eps_min: float = 0.0, eps_max: float = math.inf,
               cut_on: str = "mean"):
        """Arrays ``(n, m, mean error, sem)`` of ``label`` with ``eps_min < mean`` and
        ``cut <= eps_max``, where ``cut`` is the measured mean (``cut_on="mean"``) or the
        leading-order prediction :func:`predicted_error` (``cut_on="predicted"``: a cut that does
        not depend on seed noise, so it cannot bias fits of noisy data)."""
        if cut_on not in ("mean", "predicted"):
            raise ValueError(f"cut_on must be 'mean' or 'predicted', got {cut_on!r}")
        rows = []
        for r in self.summary():
            if r["label"] != label or not (np.isfinite(r["mean"]) and r["mean"] > eps_min):
                continue
            cut = r["mean"] if cut_on == "mean" else float(
                predicted_error(label, r["n"], r["m"], n_ones=self.n_ones(r["n"])))
            if cut <= eps_max:
                rows.append(r)
        cols = [np.array([r[k] for r in rows], float) for k in ("n", "m", "mean", "sem")]
        return tuple(cols)

    def to_dict(self) -> dict:
        return {"meta": self.meta, "records": self.records}

    def save_json(self, path, **extra) -> None:
        payload = self.to_dict()
        payload.update(extra)
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(payload, fh, indent=1, default=_json_default)

    @classmethod
    def from_dict(cls, d: dict) -> SweepResult:
        return cls(records=list(d["records"]), meta=dict(d.get("meta", {})))


def _json_default(o):
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def boolean_error_sweep(
    dims: Sequence[int],
    ms: Sequence[int],
    *,
    seeds: int = 8,
    modes: Iterable[str] = SWEEP_MODES,
    grids: Mapping[str, Sequence[int]] | None = None,
    label_dims: Mapping[str, Sequence[int]] | None = None,
    sampled_max_m: int = 10**6,
    fraction: float = 0.5,
    table_seed: int = 0,
    key: int = 0,
    chunk_size: int = 1 << 16,
    pad_counts: bool = True,
    progress: Callable[[str], None] | None = None,
) -> SweepResult:
    """Error of the uniform Boolean phase-oracle sketch over ``dims x ms x seeds`` in each mode.

    Parameters
    ----------
    dims : register sizes ``N`` (integers >= 2).
    ms : samples per query ``M`` (integers; see :func:`log_grid`).
    seeds : realisations per ``(N, M)`` for the stochastic views (``counts``, ``sampled``,
        ``naive-counts``).
    modes : labels to run, a subset of :data:`SWEEP_MODES`.
    grids : optional per-label ``M`` grids replacing ``ms`` (e.g. the naive baseline needs
        ``M >> N^2``; the diamond distance costs ~0.3 s a point).
    label_dims : optional per-label subsets of ``dims``.
    sampled_max_m : ``sampled`` (O(M) per realisation, one compilation per ``(N, M)``) runs only
        for ``M <= sampled_max_m``.
    fraction : fraction of ones of the random truth tables (:func:`random_truth_table`).
    table_seed, key : seeds of the truth tables and of the sketch randomness. The key of one
        realisation depends only on ``(label, N, index of M in its grid, seed)``.
    chunk_size : stream chunk length of ``sampled`` (does not change results).
    pad_counts : evaluate ``counts``/``naive-counts`` on the sketch embedded in ``max(dims)``
        cells (same distribution on the first ``N`` cells, see :func:`_padded_oracles`) so that
        one compiled program serves every ``N``; False compiles one program per ``N``.
    progress : optional callable receiving one line of text per finished ``(label, N)``.
    """
    modes = list(modes)
    bad = [m for m in modes if m not in SWEEP_MODES]
    grids = {k: [int(m) for m in v] for k, v in (grids or {}).items()}
    label_dims = {k: [int(n) for n in v] for k, v in (label_dims or {}).items()}
    bad += [k for k in list(grids) + list(label_dims) if k not in SWEEP_MODES]
    if bad:
        raise ValueError(f"unknown labels {bad}; expected a subset of {SWEEP_MODES}")
    dims = [int(n) for n in dims]
    if not dims or min(dims) < 2:
        raise ValueError(f"dims must be integers >= 2, got {dims}")
    ms = [int(m) for m in ms]
    for label in modes:
        grids.setdefault(label, ms)
        label_dims.setdefault(label, dims)
    grids["sampled"] = [m for m in grids.get("sampled", ms) if m <= sampled_max_m]
    if min(min(g) for g in grids.values() if g) < 1:
        raise ValueError("sample counts must be positive integers")
    seeds = int(seeds)
    if seeds < 1:
        raise ValueError(f"seeds must be >= 1, got {seeds}")
    counts_dims = [n for lab in ("counts", "naive-counts") if lab in modes for n in label_dims[lab]]
    width = max(counts_dims, default=max(dims))

    base = jax.random.key(int(key))
    records: list[dict] = []
    timings: dict[str, float] = {lab: 0.0 for lab in modes}
    n_ones: dict[str, int] = {}
    dtype = None

    def emit(label, n, grid, errors, seeded):
        law = MODE_LAWS[label]
        errors = np.asarray(errors, float).reshape(len(grid), -1)
        for i, m in enumerate(grid):
            for s, e in enumerate(errors[i]):
                records.append({"label": label, "scheme": law.scheme, "view": law.view,
                                "metric": law.metric, "n": n, "m": int(m),
                                "seed": s if seeded else None, "error": float(e)})

    for n in dims:
        table = random_truth_table(n, fraction=fraction, seed=table_seed)
        n_ones[str(n)] = int(table.sum())
        data = BooleanData(table)
        dtype = str(data.values.dtype)
        qos = boolean_oracle(data)
        naive = naive_boolean_oracle(data)
        padded = None
        for label in modes:
            grid = grids[label]
            if n not in label_dims[label] or not grid:
                continue
            t0 = time.perf_counter()
            salt = SWEEP_MODES.index(label)
            oracle = naive if label.startswith("naive") else qos
            if label in ("expected", "naive-expected"):
                m_arr = jnp.asarray(np.asarray(grid, float), data.values.dtype)
                errors = np.asarray(_expected_errors(oracle, m_arr))
            elif label == "channel":
                errors = np.array([sketch_diamond_error(qos, m) for m in grid])
            elif label in ("counts", "naive-counts"):
                if padded is None:
                    padded = _padded_oracles(table, width) if pad_counts else (qos, naive)
                poracle = padded[1] if label == "naive-counts" else padded[0]
                out = [_counts_error(poracle, _key_for(base, salt, n, i, s), float(m), n)
                       for i, m in enumerate(grid) for s in range(seeds)]
                errors = np.asarray(jnp.stack(out))
            else:  # sampled
                target = qos.ideal()
                out = [operator_norm_error(
                    qos.sampled(_key_for(base, salt, n, i, s), m, chunk_size=chunk_size), target)
                    for i, m in enumerate(grid) for s in range(seeds)]
                errors = np.asarray(jnp.stack(out))
            emit(label, n, grid, errors, label in ("counts", "sampled", "naive-counts"))
            dt = time.perf_counter() - t0
            timings[label] += dt
            if progress is not None:
                progress(f"{label:>15s}  N={n:<6d} {len(grid):3d} M values  {dt:6.2f} s")

    meta = {
        "dims": dims, "ms": ms, "grids": {k: grids[k] for k in modes},
        "label_dims": {k: label_dims[k] for k in modes}, "seeds": seeds, "modes": modes,
        "sampled_max_m": sampled_max_m, "counts_width": width if pad_counts else None,
        "fraction": fraction, "table_seed": table_seed, "key": key, "dtype": dtype,
        "n_ones": n_ones, "timings_s": timings,
    }
    return SweepResult(records=records, meta=meta)


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
    return PowerLawFit(float(coef[1]), float(se[1]), float(coef[0]), float(se[0]), int(lx.size),
                       float(np.sqrt(np.mean(resid**2))))


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
    return PowerLawFit(float(coef[-1]), float(se[-1]), math.nan, math.nan, int(lx.size),
                       float(np.sqrt(np.mean(resid**2))))


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
    return SampleComplexityFit(float(coef[1]), float(se[1]), float(coef[2]), float(se[2]),
                               float(coef[0]), float(se[0]), int(ln_m.size))


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


def samples_needed(result: SweepResult, label: str, eps: float) -> dict[int, float]:
    """Per ``N``: the ``M`` at which the seed-mean error of ``label`` first falls to ``eps``
    (log-log interpolation between grid points; NaN when the grid does not reach ``eps``)."""
    out: dict[int, float] = {}
    n_arr, m_arr, e_arr, _ = result.points(label)
    for n in sorted(set(n_arr.astype(int))):
        sel = n_arr == n
        m_n, e_n = m_arr[sel], e_arr[sel]
        order = np.argsort(m_n)
        m_n, e_n = m_n[order], e_n[order]
        val = math.nan  # also when eps is already reached at the smallest M (not bracketed)
        for i in range(1, e_n.size):
            if e_n[i] <= eps < e_n[i - 1]:
                lo, hi = math.log(e_n[i - 1]), math.log(e_n[i])
                f = (math.log(eps) - lo) / (hi - lo)
                val = math.exp(math.log(m_n[i - 1]) + f * (math.log(m_n[i]) - math.log(m_n[i - 1])))
                break
        out[int(n)] = val
    return out


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


def analyse_sweep(result: SweepResult, *, labels: Iterable[str] | None = None, eps_max: float = 0.1,
                  eps_min: float = 0.0, cut_on: str = "predicted") -> list[ModeFit]:
    """Fit every label of a sweep on its seed-mean errors, over the points whose error (by default
    the leading-order *prediction*, see :meth:`SweepResult.points`) is at most ``eps_max``.

    The cut keeps the fits in the small-error regime where the laws are power laws (the
    operator-norm error saturates at 2, and e.g. ``1 - exp(-delta)`` bends away from ``delta``).
    Cutting on the measured mean of a few noisy seeds would keep the points that fluctuated low
    near the cut and bias the slopes.
    """
    fits = []
    for label in (result.labels if labels is None else list(labels)):
        law = MODE_LAWS[label]
        n, m, e, _ = result.points(label, eps_min=eps_min, eps_max=eps_max, cut_on=cut_on)
        if law.scale == "F":
            scale = np.array([result.n_ones(v) / v for v in n])
        else:
            scale = np.ones_like(n)
        fits.append(ModeFit(
            label=label, law=law, n_points=int(n.size),
            slope_m=fit_pooled_slope(n, m, e),
            slope_n=fit_pooled_slope(m, n, e),
            complexity=fit_sample_complexity(n, m, e, scale=scale),
            prefactor=fit_prefactor(n, m, e, alpha=law.alpha, beta=law.beta, scale=scale),
        ))
    return fits


def _pm(v: float, se: float, fmt: str = ".3f") -> str:
    if not np.isfinite(v):
        return "n/a"
    return f"{v:{fmt}} ± {se:{fmt}}" if np.isfinite(se) else f"{v:{fmt}}"


def format_fit_table(fits: Sequence[ModeFit]) -> str:
    """A plain-text table: exponents and prefactors per label, with the theory values beside them."""
    head = (f"{'mode':<15s} {'pts':>4s}  {'slope in M':>16s}  {'slope in N':>16s}  "
            f"{'alpha':>16s}  {'beta':>16s}  {'C (free fit)':>18s}  {'C (theory exps)':>18s}  "
            f"{'theory: a, b, C':<22s}")
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


# ----------------------------------------------------------------------------- plot


def plot_sweep(result: SweepResult, path, *, fits: Sequence[ModeFit] | None = None,
               eps_target: float = 0.01, title: str | None = None) -> None:
    """Write a PNG: error vs ``M`` per label (one line per ``N``, theory dashed) and a last panel
    with the samples needed for ``eps_target`` vs ``N`` (markers: interpolated from the sweep;
    lines: the fitted laws ``M = C N^alpha / eps^beta``).

    Uses matplotlib's Agg canvas directly (no pyplot, no display, no global backend change).
    """
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    labels = result.labels
    fits_by = {f.label: f for f in (fits or [])}
    panels = len(labels) + 1
    ncols = min(3, panels)
    nrows = -(-panels // ncols)
    fig = Figure(figsize=(5.0 * ncols, 3.9 * nrows))
    # Fixed margins: constrained/tight layout would draw the figure twice (slow with log axes).
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.08, top=0.9 if title else 0.94,
                        wspace=0.3, hspace=0.5)
    FigureCanvasAgg(fig)
    dims = sorted({r["n"] for r in result.records})
    cmap = matplotlib.colormaps["viridis"]
    colours = {n: cmap(i / max(1, len(dims) - 1) * 0.9) for i, n in enumerate(dims)}
    summary = result.summary()
    for p, label in enumerate(labels):
        ax = fig.add_subplot(nrows, ncols, p + 1)
        law = MODE_LAWS[label]
        for n in dims:
            rows = [r for r in summary if r["label"] == label and r["n"] == n]
            if not rows:
                continue
            m = np.array([r["m"] for r in rows], float)
            e = np.array([r["mean"] for r in rows])
            se = np.array([r["sem"] for r in rows])
            ax.errorbar(m, e, yerr=se if se.any() else None, marker="o", ms=3, lw=1,
                        color=colours[n], label=f"N={n}")
            pred = predicted_error(label, n, m, n_ones=result.n_ones(n))
            ax.plot(m, pred, ls="--", lw=0.8, color=colours[n])
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.axhline(2.0, color="0.7", lw=0.6)
        metric = "diamond distance" if law.metric == "diamond" else "operator-norm error"
        ax.set_xlabel("samples per query M")
        ax.set_ylabel(metric)
        f = fits_by.get(label)
        sub = f" — slope {f.slope_m.slope:.3f}" if f is not None and np.isfinite(f.slope_m.slope) else ""
        ax.set_title(f"{label}{sub}\n(dashed: {law.law})", fontsize=9)
        if p == 0:
            ax.legend(fontsize=7)
    ax = fig.add_subplot(nrows, ncols, panels)
    styles = ["o", "s", "^", "D", "v", "P"]
    for i, label in enumerate(labels):
        need = samples_needed(result, label, eps_target)
        ns = np.array([k for k, v in need.items() if np.isfinite(v)], float)
        if ns.size == 0:
            continue
        mv = np.array([need[int(k)] for k in ns])
        line = ax.plot(ns, mv, styles[i % len(styles)], ms=5, label=label)[0]
        f = fits_by.get(label)
        if f is not None and np.isfinite(f.complexity.c):
            grid = np.geomspace(ns.min(), ns.max(), 50)
            scale = result.meta.get("fraction", 1.0) if f.law.scale == "F" else 1.0
            ax.plot(grid, scale * f.complexity.c * grid**f.complexity.alpha
                    / eps_target**f.complexity.beta, color=line.get_color(), lw=1)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("dimension N")
    ax.set_ylabel(f"M needed for error {eps_target:g}")
    ax.set_title("sample complexity (markers: sweep, lines: fits)", fontsize=9)
    ax.legend(fontsize=7)
    if title:
        fig.suptitle(title)
    fig.savefig(path, dpi=110)
