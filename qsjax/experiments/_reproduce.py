"""Reproductions of the paper's figures, and the registry behind ``qsjax reproduce NAME``.

Fig. 3 of the paper fits the sample complexity ``M = C size^alpha / eps^beta`` of four sketched
objects; each is one *panel* here (:data:`FIG3_PANELS`):

=============  ===================================================  =======  ===========================
panel          error ``eps`` against samples ``M``                  size     paper's ``C`` (leading order)
=============  ===================================================  =======  ===========================
``boolean``    ``||E[V] - O_f||`` of the phase oracle (Alg. 1),      ``N``    4.8 (``pi^2/2``)
               every simulation mode and the naive baseline
``vector``     l2 error of the sub-normalised vector state           ``N``    0.9
               (Thm D.24), ``M`` = total samples of its sketches
``element``    ``max_k |Im E[V]_k - A_k|`` of the element oracle     ``nnz``  1.1 (``pi^2/8``)
               (Lemma D.19), 100 x 100 matrices
``row-index``  operator-norm error of the XOR row-index oracle per   ``N log2 N``  2.2 (``pi^2/4``, mean)
               row and rank (mean and worst case)
=============  ===================================================  =======  ===========================

:func:`reproduce_fig3` runs the panels (:func:`fig3_panel`, settings from :func:`fig3_config`) and
returns a :class:`Fig3Result`: a tidy :class:`pandas.DataFrame` of every evaluated point, the fits
(:class:`Fig3Fit`, beside the paper's and the leading-order constants), a text report, a JSON
payload and a figure (:func:`plot_fig3`, matplotlib's Agg canvas, no global state).

Nothing here changes global JAX configuration: the sweeps run in the library's default dtype, so
enable x64 in the calling application (the ``qsjax`` command does) for errors below ~1e-6.

:data:`REPRODUCE_EXPERIMENTS` maps each name of ``qsjax reproduce NAME`` to a
:class:`ReproduceExperiment` (its help, its command-line options, and the function that runs it
from the parsed options); a new experiment is one more entry.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

import jax
import jax.numpy as jnp
import matplotlib
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter
from tqdm.auto import tqdm

from .._internal.version import __version__
from ..data import VectorData
from ..metrics import state_error
from ..qsp import arcsin_phases
from ..states import vector_state
from ._fits import analyse_sweep, fit_prefactor, fit_sample_complexity
from ._machine_size import SWEEPS, machine_size_experiment
from ._matrix_sweep import element_error_sweep, row_index_error_sweep
from ._sweep import SWEEP_MODES, SweepResult, boolean_error_sweep, log_grid, predicted_error

FIG3_PANELS: tuple[str, ...] = ("boolean", "vector", "element", "row-index")
"""The sample-complexity panels of the paper's Fig. 3, in the paper's order."""

PAPER_FIG3: dict[str, float] = {"boolean": 4.8, "vector": 0.9, "element": 1.1, "row-index": 2.2}
"""The paper's fitted ``C`` of ``M = C size / eps`` per panel (Boolean: the averaged oracle,
``expected`` mode; row index: read here as the mean over rows and ranks)."""

_PRIMARY_MODE = {
    "boolean": "expected",
    "vector": "expected",
    "element": "expected",
    "row-index": "expected-mean",
}
_SIZE = {"boolean": "N", "vector": "N", "element": "nnz", "row-index": "N log2 N"}
_PI2 = math.pi**2


@dataclasses.dataclass(frozen=True)
class _Law:
    alpha: float
    beta: float
    theory_c: float | None
    paper_c: float | None
    scale: str | None = None


_MATRIX_LAWS = {
    ("vector", "expected"): _Law(1.0, 1.0, None, PAPER_FIG3["vector"]),
    ("vector", "counts"): _Law(1.0, 2.0, None, None),
    ("element", "expected"): _Law(1.0, 1.0, _PI2 / 8, PAPER_FIG3["element"]),
    ("row-index", "expected-mean"): _Law(1.0, 1.0, _PI2 / 4, PAPER_FIG3["row-index"]),
    ("row-index", "expected-max"): _Law(1.0, 1.0, None, None),
}


# ----------------------------------------------------------------------------- results


@dataclasses.dataclass(frozen=True)
class Fig3Fit:
    """The fitted law ``M = C scale size^alpha / eps^beta`` of one panel and mode.

    ``alpha``, ``beta``, ``c`` (with standard errors) come from the free least-squares fit of
    ``ln M`` (:func:`fit_sample_complexity`); ``c_fixed`` is ``C`` with the exponents fixed at the
    theory values ``theory_alpha``, ``theory_beta`` (:func:`fit_prefactor`). ``theory_c`` is the
    leading-order constant where one is known, ``paper_c`` the paper's fitted constant where it
    states one. ``scale`` names a known factor divided out (``"F"``: the fraction of ones, for the
    naive baseline). NaN where the points do not determine the fit.
    """

    panel: str
    mode: str
    size: str
    n_points: int
    alpha: float
    alpha_se: float
    beta: float
    beta_se: float
    c: float
    c_se: float
    c_fixed: float
    c_fixed_se: float
    theory_alpha: float
    theory_beta: float
    theory_c: float | None = None
    paper_c: float | None = None
    scale: str | None = None

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclasses.dataclass
class Fig3Panel:
    """One panel of Fig. 3: its settings, the tidy table of its points, its fits and timing.

    ``points`` has one row per evaluation: ``panel, mode, dim`` (N, or nnz for the element panel),
    ``size`` (the fit's size variable: ``dim``, or ``N log2 N`` for the row index), ``m`` (samples
    per query; total samples for the vector panel), ``seed`` (empty for deterministic views),
    ``error``, ``scale`` (the known factor divided out of the fit, 1 but for the naive baseline) and
    ``in_fit`` (inside the small-error cut); the vector panel adds ``m_query`` and ``success``.
    ``sweep`` is the Boolean panel's :class:`SweepResult` (for :func:`plot_sweep`,
    :func:`samples_needed`), ``None`` elsewhere.
    """

    name: str
    config: dict
    points: pd.DataFrame
    fits: list[Fig3Fit]
    runtime_s: float
    extras: dict = dataclasses.field(default_factory=dict)
    sweep: SweepResult | None = None

    def fit(self, mode: str | None = None) -> Fig3Fit:
        """The fit of ``mode`` (default: the panel's main mode, the one the paper fits)."""
        mode = _PRIMARY_MODE[self.name] if mode is None else mode
        for f in self.fits:
            if f.mode == mode:
                return f
        raise KeyError(
            f"panel {self.name!r} has no fit of mode {mode!r}; modes: {[f.mode for f in self.fits]}"
        )

    def to_dict(self) -> dict:
        return _jsonable(
            {
                "panel": self.name,
                "config": self.config,
                "runtime_s": self.runtime_s,
                "extras": self.extras,
                "fits": [f.to_dict() for f in self.fits],
                "points": _records(self.points),
            }
        )


@dataclasses.dataclass
class Fig3Result:
    """All panels of one :func:`reproduce_fig3` run (``panels`` in run order) and its settings."""

    panels: dict[str, Fig3Panel]
    meta: dict = dataclasses.field(default_factory=dict)

    @property
    def fits(self) -> list[Fig3Fit]:
        return [f for p in self.panels.values() for f in p.fits]

    @property
    def points(self) -> pd.DataFrame:
        """The tidy table of every panel's points (columns of :class:`Fig3Panel`)."""
        return pd.concat([p.points for p in self.panels.values()], ignore_index=True)

    def fit_table(self) -> pd.DataFrame:
        """One row per panel and mode: the fitted ``alpha, beta, C`` with standard errors, ``C``
        with the theory exponents, and the theory and paper constants."""
        return pd.DataFrame([f.to_dict() for f in self.fits])

    def format_report(self) -> str:
        lines = [format_fig3_table(self.fits)]
        for p in self.panels.values():
            lines += [f"{p.name}: {line}" for line in _extras_lines(p)]
        runtime = self.meta.get("runtime_s", {})
        if runtime:
            per = ", ".join(f"{k} {v:.1f} s" for k, v in runtime.items() if k != "total")
            lines.append(
                f"time: {per}; total {runtime.get('total', math.nan):.1f} s (dtype {self.meta.get('dtype')})"
            )
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return _jsonable(
            {
                "experiment": "fig3",
                "meta": self.meta,
                "paper_c": PAPER_FIG3,
                "fits": [f.to_dict() for f in self.fits],
                "panels": {
                    name: {"config": p.config, "runtime_s": p.runtime_s, "extras": p.extras}
                    for name, p in self.panels.items()
                },
                "points": _records(self.points),
            }
        )

    def save(self, out, *, stem: str = "fig3") -> dict[str, Path]:
        """Write ``<stem>.png`` (every panel), ``<stem>.json`` (settings, fits, raw points),
        ``<stem>_points.csv`` (the tidy table) and ``<stem>_fits.csv`` (:meth:`fit_table`) into the
        folder ``out`` (created); returns the paths by kind."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        paths = {
            "png": out / f"{stem}.png",
            "json": out / f"{stem}.json",
            "points_csv": out / f"{stem}_points.csv",
            "fits_csv": out / f"{stem}_fits.csv",
        }
        plot_fig3(self, paths["png"])
        with open(paths["json"], "w", encoding="utf-8") as fh:
            json.dump(self.to_dict(), fh, indent=1)
        self.points.to_csv(paths["points_csv"], index=False)
        self.fit_table().to_csv(paths["fits_csv"], index=False)
        return paths


def _jsonable(obj):
    """Plain JSON values: numpy scalars and arrays to Python, non-finite floats to ``None``."""
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if obj is pd.NA:
        return None
    return obj


def _records(df: pd.DataFrame) -> list[dict]:
    return [_jsonable({k: v for k, v in row.items() if not _missing(v)}) for row in df.to_dict("records")]


def _missing(v) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))


def _fmt_pm(v: float, se: float, fmt: str = ".3f") -> str:
    if not math.isfinite(v):
        return "n/a"
    return f"{v:{fmt}} ± {se:{fmt}}" if math.isfinite(se) else f"{v:{fmt}}"


def _fmt_c(v: float | None, scale: str | None = None) -> str:
    if v is None or not math.isfinite(v):
        return "-"
    return f"{v:.3g}" + (f"·{scale}" if scale else "")


def format_fig3_table(fits: Sequence[Fig3Fit]) -> str:
    """A plain-text table of Fig. 3 fits: ``alpha, beta, C`` (free fit, with standard errors),
    ``C`` with the theory exponents, and the theory and paper constants."""
    head = (
        f"{'panel':<10s} {'mode':<15s} {'size':<9s} {'pts':>4s}  {'alpha':>15s}  {'beta':>15s}  "
        f"{'C (free fit)':>17s}  {'C (theory a, b)':>16s}  {'theory a, b':>11s}  {'theory C':>9s}  "
        f"{'paper C':>7s}"
    )
    lines = [head, "-" * len(head)]
    for f in fits:
        fmt = ".3g" if math.isfinite(f.c) and f.c > 1e3 else ".3f"
        lines.append(
            f"{f.panel:<10s} {f.mode:<15s} {f.size:<9s} {f.n_points:>4d}  "
            f"{_fmt_pm(f.alpha, f.alpha_se):>15s}  {_fmt_pm(f.beta, f.beta_se):>15s}  "
            f"{_fmt_pm(f.c, f.c_se, fmt):>17s}  {_fmt_pm(f.c_fixed, f.c_fixed_se, fmt):>16s}  "
            f"{f'{f.theory_alpha:g}, {f.theory_beta:g}':>11s}  {_fmt_c(f.theory_c, f.scale):>9s}  "
            f"{_fmt_c(f.paper_c):>7s}"
        )
    return "\n".join(lines)


def _extras_lines(panel: Fig3Panel) -> list[str]:
    ex = panel.extras
    out = []
    if "unamplified_norm" in ex:
        out.append(
            f"unamplified norm {ex['unamplified_norm']:.4f} (theory 2/(5 pi) = {2 / (5 * math.pi):.4f}); "
            f"M = total samples of {panel.config['degree']} sketches"
        )
    if "amplified_success" in ex:
        out.append(
            f"fixed-point amplified at N = {ex['amplified_n']}: success {ex['amplified_success']:.4f} "
            f"with {ex['amplified_queries']} sketches"
        )
    return out


# ----------------------------------------------------------------------------- settings


def fig3_config(panel: str, *, quick: bool = False, seeds: int | None = None, seed: int = 0) -> dict:
    """The settings of one Fig. 3 panel: the paper's grids, or (``quick``) a smaller grid for a
    smoke run; ``seeds`` overrides the realisations (Boolean) or random instances (the others)
    per size, ``seed`` seeds every random draw. A plain dict: change entries before passing it to
    :func:`fig3_panel` or :func:`reproduce_fig3` (``configs=``)."""
    _check_panel(panel)
    seeds = _check_seeds(seeds)
    if panel == "boolean":
        if quick:
            cfg = {
                "dims": [100, 316, 1000],
                "ms": log_grid(1e5, 1e8, 1),
                "modes": ["expected", "channel", "naive-expected"],  # the averaged views
                "grids": {"naive-expected": log_grid(1e5, 1e10, 1), "channel": log_grid(1e5, 1e8, 1)},
                "label_dims": {"channel": [100, 1000]},
                "seeds": 4,
                "sampled_max_m": 10**6,
            }
        else:
            cfg = {
                "dims": [100, 178, 316, 562, 1000],
                "ms": log_grid(1e5, 1e8, 4),
                "modes": list(SWEEP_MODES),
                "grids": {
                    "naive-expected": log_grid(1e5, 1e10, 4),
                    "naive-counts": log_grid(1e5, 1e10, 2),
                    "channel": log_grid(1e5, 1e8, 4),
                    "sampled": log_grid(1e5, 1e7, 2),
                },
                "label_dims": {},
                "seeds": 16,
                "sampled_max_m": 10**7,
            }
        cfg["eps_max"] = 0.1  # fit on points whose *predicted* error is <= this
    elif panel == "vector":
        cfg = {
            "dims": [100, 1000] if quick else [100, 178, 316, 562, 1000],
            "totals": log_grid(1e5, 1e8, 1 if quick else 3),
            "seeds": 1 if quick else 4,
            "degree": 19,
            "counts_dims": [] if quick else None,  # None: every N
            "amplify": not quick,
            "eps_max": 0.1,
        }
    elif panel == "element":
        cfg = {
            "nnzs": [250, 500, 1000, 2000] if quick else [250, 354, 500, 707, 1000, 1414, 2000],
            "ms": log_grid(1e5, 1e8, 2 if quick else 6),
            "seeds": 1 if quick else 4,
            "shape": [100, 100],
            "eps_max": 0.05,
        }
    else:  # row-index
        cfg = {
            "dims": [50, 200] if quick else [50, 71, 100, 141, 200, 283, 400, 500],
            "ms": log_grid(1e5, 1e8, 2 if quick else 6),
            "seeds": 1 if quick else 4,
            "sparsity": 8,
            "eps_max": 0.05,
        }
    if seeds is not None:
        cfg["seeds"] = seeds
    cfg["seed"] = int(seed)
    cfg["quick"] = bool(quick)
    return cfg


def _check_panel(panel: str) -> None:
    if panel not in FIG3_PANELS:
        raise ValueError(f"unknown Fig. 3 panel {panel!r}; expected one of {FIG3_PANELS}")


def _check_seeds(seeds) -> int | None:
    if seeds is None:
        return None
    if isinstance(seeds, bool) or not isinstance(seeds, int | np.integer) or seeds < 1:
        raise ValueError(f"seeds must be a positive integer or None, got {seeds!r}")
    return int(seeds)


def _sub_seed(seed: int, size: int) -> int:
    """An integer seed for the instances of one ``size``, fixed by ``(seed, size)`` alone."""
    return int(np.random.SeedSequence((int(seed), int(size))).generate_state(1)[0])


def _boolean_units(cfg: dict) -> int:
    """The ``(label, N)`` steps :func:`boolean_error_sweep` reports for ``cfg``."""
    grids, label_dims = cfg.get("grids", {}), cfg.get("label_dims", {})
    units = 0
    for label in cfg["modes"]:
        grid = grids.get(label, cfg["ms"])
        if label == "sampled":
            grid = [m for m in grid if m <= cfg["sampled_max_m"]]
        if grid:
            units += sum(n in label_dims.get(label, cfg["dims"]) for n in cfg["dims"])
    return units


def fig3_steps(panel: str, config: dict) -> int:
    """How many progress steps :func:`fig3_panel` reports for ``config`` (one per ``(mode, N)``
    of the Boolean sweep, one per size and seed of the vector panel, one per size elsewhere)."""
    _check_panel(panel)
    if panel == "boolean":
        return _boolean_units(config)
    if panel == "vector":
        return len(config["dims"]) * int(config["seeds"]) + bool(config.get("amplify"))
    return len(config["nnzs"] if panel == "element" else config["dims"])


# ----------------------------------------------------------------------------- sweeps


def vector_error_sweep(
    dims: Sequence[int],
    totals: Sequence[float],
    *,
    seeds: int = 4,
    degree: int = 19,
    seed: int = 0,
    counts_dims: Sequence[int] | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[dict]:
    """l2 error of the general vector state sketch (Theorem D.24) against the *total* number of
    samples, the Fig. 3 vector panel.

    For each ``N`` in ``dims`` and instance ``s < seeds``: a random vector ``b ~ Normal(0, 1)^N``
    (from ``numpy.random.default_rng((seed, N, s))``) and its sketch (odd arcsin ``degree`` = fresh
    sketches per preparation, random signs from ``fold_in(fold_in(key(seed), N), s)``); then
    ``error = ||psi_expected - psi_ideal||_2`` of the sub-normalised prepared states (same
    polynomial) for every total in ``totals`` (``totals / degree`` samples per sketch; one
    compilation per ``N``), and for ``N`` in ``counts_dims`` (default: every ``N``) one ``counts``
    realisation at the largest total (the ``1/sqrt(M)`` single-run regime; one compilation per
    ``N``). Each record is ``{mode, n, seed, m_total, m_query, error, success}`` (``success`` =
    ``||psi||^2``, ideally ``(2/(5 pi))^2``). ``progress`` receives one line per ``(N, s)``.
    """
    dims = [int(n) for n in dims]
    if not dims or min(dims) < 2:
        raise ValueError(f"dims must be integers >= 2, got {dims}")
    totals = [float(m) for m in totals]
    if not totals or not all(math.isfinite(m) and m > 0 for m in totals):
        raise ValueError(f"totals must be a non-empty list of positive sample counts, got {totals!r}")
    seeds = _check_seeds(seeds)
    if seeds is None:
        raise ValueError("seeds must be a positive integer, got None")
    counts_dims = set(dims if counts_dims is None else (int(n) for n in counts_dims))
    phases = arcsin_phases(int(degree))
    base = jax.random.key(int(seed))
    rows: list[dict] = []
    for n in dims:
        for s in range(seeds):
            t0 = time.perf_counter()
            b = np.random.default_rng((int(seed), n, s)).normal(size=n)
            key = jax.random.fold_in(jax.random.fold_in(base, n), s)
            sk = vector_state(VectorData(b), key, degree=int(degree), qsp_phases=phases)
            ideal = sk.run("ideal").state
            for total in totals:
                res = sk.run("expected", total / degree)
                rows.append(_vector_row("expected", n, s, res, total / degree, ideal))
            if n in counts_dims:
                per_query = max(1, int(max(totals) / degree))
                res = sk.run("counts", per_query, jax.random.fold_in(key, 1))
                rows.append(_vector_row("counts", n, s, res, per_query, ideal))
            if progress is not None:
                progress(f"vector  N={n:<6d} instance {s}  {time.perf_counter() - t0:6.2f} s")
    return rows


def _vector_row(mode, n, s, res, m_query, ideal) -> dict:
    return dict(
        mode=mode,
        n=n,
        seed=s,
        m_total=float(res.samples),
        m_query=float(m_query),
        error=float(state_error(res.state, ideal)),
        success=float(res.success_probability),
    )


# ----------------------------------------------------------------------------- panels


def _fit(panel: str, mode: str, df: pd.DataFrame, law: _Law) -> Fig3Fit:
    sel = df[(df["mode"] == mode) & df["in_fit"]]
    size, m, e = (sel[c].to_numpy(float) for c in ("size", "m", "error"))
    free = fit_sample_complexity(size, m, e)
    fixed = fit_prefactor(size, m, e, alpha=law.alpha, beta=law.beta)
    return Fig3Fit(
        panel=panel,
        mode=mode,
        size=_SIZE[panel],
        n_points=int(sel.shape[0]),
        alpha=free.alpha,
        alpha_se=free.alpha_se,
        beta=free.beta,
        beta_se=free.beta_se,
        c=free.c,
        c_se=free.c_se,
        c_fixed=fixed.c,
        c_fixed_se=fixed.c_se,
        theory_alpha=law.alpha,
        theory_beta=law.beta,
        theory_c=law.theory_c,
        paper_c=law.paper_c,
        scale=law.scale,
    )


def _frame(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    df["seed"] = df["seed"].astype("Int64")
    return df


def _boolean_panel(cfg: dict, progress) -> tuple[pd.DataFrame, list[Fig3Fit], dict, SweepResult]:
    result = boolean_error_sweep(
        cfg["dims"],
        cfg["ms"],
        seeds=cfg["seeds"],
        modes=cfg["modes"],
        grids=cfg.get("grids"),
        label_dims=cfg.get("label_dims"),
        sampled_max_m=cfg["sampled_max_m"],
        table_seed=cfg["seed"],
        key=cfg["seed"],
        progress=progress,
    )
    eps_max = cfg["eps_max"]
    rows = []
    for r in result.records:
        k = result.n_ones(r["n"])
        naive = r["label"].startswith("naive")
        pred = float(predicted_error(r["label"], r["n"], r["m"], n_ones=k))
        rows.append(
            dict(
                panel="boolean",
                mode=r["label"],
                dim=r["n"],
                size=float(r["n"]),
                m=float(r["m"]),
                seed=r["seed"],
                error=r["error"],
                scale=k / r["n"] if naive else 1.0,
                in_fit=pred <= eps_max,
            )
        )
    fits = []
    # the sweep's own analysis: fits of the seed means over points with predicted error <= eps_max
    for f in analyse_sweep(result, eps_max=eps_max):
        fits.append(
            Fig3Fit(
                panel="boolean",
                mode=f.label,
                size="N",
                n_points=f.n_points,
                alpha=f.complexity.alpha,
                alpha_se=f.complexity.alpha_se,
                beta=f.complexity.beta,
                beta_se=f.complexity.beta_se,
                c=f.complexity.c,
                c_se=f.complexity.c_se,
                c_fixed=f.prefactor.c,
                c_fixed_se=f.prefactor.c_se,
                theory_alpha=f.law.alpha,
                theory_beta=f.law.beta,
                theory_c=f.law.prefactor,
                paper_c=PAPER_FIG3["boolean"] if f.label == "expected" else None,
                scale=f.law.scale,
            )
        )
    extras = {"dtype": result.meta["dtype"], "n_ones": result.meta["n_ones"]}
    return _frame(rows), fits, extras, result


def _vector_panel(cfg: dict, progress) -> tuple[pd.DataFrame, list[Fig3Fit], dict]:
    raw = vector_error_sweep(
        cfg["dims"],
        cfg["totals"],
        seeds=cfg["seeds"],
        degree=cfg["degree"],
        seed=cfg["seed"],
        counts_dims=cfg.get("counts_dims"),
        progress=progress,
    )
    rows = [
        dict(
            panel="vector",
            mode=r["mode"],
            dim=r["n"],
            size=float(r["n"]),
            m=r["m_total"],
            seed=r["seed"],
            error=r["error"],
            scale=1.0,
            in_fit=r["mode"] == "expected" and r["error"] <= cfg["eps_max"],
            m_query=r["m_query"],
            success=r["success"],
        )
        for r in raw
    ]
    df = _frame(rows)
    fits = [_fit("vector", "expected", df, _MATRIX_LAWS[("vector", "expected")])]
    exp = df[df["mode"] == "expected"]
    extras = {"unamplified_norm": float(np.mean(np.sqrt(exp["success"].to_numpy(float))))}
    if cfg.get("amplify"):
        t0 = time.perf_counter()
        n = max(cfg["dims"])
        b = np.random.default_rng((cfg["seed"], n, 99)).normal(size=n)
        key = jax.random.fold_in(jax.random.fold_in(jax.random.key(cfg["seed"]), n), 99)
        sk = vector_state(VectorData(b), key, degree=cfg["degree"], qsp_phases=arcsin_phases(cfg["degree"]))
        amp = sk.amplified("expected", max(cfg["totals"]) / cfg["degree"])
        extras.update(
            amplified_n=n,
            amplified_success=float(amp.success_probability),
            amplified_queries=int(amp.queries),
        )
        if progress is not None:
            progress(f"vector  N={n:<6d} fixed-point amplification  {time.perf_counter() - t0:6.2f} s")
    return df, fits, extras


def _element_panel(cfg: dict, progress) -> tuple[pd.DataFrame, list[Fig3Fit], dict]:
    rows = []
    for nnz in cfg["nnzs"]:
        t0 = time.perf_counter()
        raw = element_error_sweep(
            [nnz], cfg["ms"], seeds=cfg["seeds"], shape=tuple(cfg["shape"]), seed=_sub_seed(cfg["seed"], nnz)
        )
        rows += [
            dict(
                panel="element",
                mode="expected",
                dim=r["nnz"],
                size=float(r["nnz"]),
                m=r["m"],
                seed=r["seed"],
                error=r["error"],
                scale=1.0,
                in_fit=r["error"] <= cfg["eps_max"],
            )
            for r in raw
        ]
        if progress is not None:
            progress(f"element  nnz={nnz:<6d} {time.perf_counter() - t0:6.2f} s")
    df = _frame(rows)
    return df, [_fit("element", "expected", df, _MATRIX_LAWS[("element", "expected")])], {}


def _row_index_panel(cfg: dict, progress) -> tuple[pd.DataFrame, list[Fig3Fit], dict]:
    rows = []
    for n in cfg["dims"]:
        t0 = time.perf_counter()
        raw = row_index_error_sweep(
            [n], cfg["ms"], seeds=cfg["seeds"], sparsity=cfg["sparsity"], seed=_sub_seed(cfg["seed"], n)
        )
        for r in raw:
            for mode, col in (("expected-mean", "error_mean"), ("expected-max", "error_max")):
                rows.append(
                    dict(
                        panel="row-index",
                        mode=mode,
                        dim=r["n"],
                        size=r["n"] * math.log2(r["n"]),
                        m=r["m"],
                        seed=r["seed"],
                        error=r[col],
                        scale=1.0,
                        in_fit=r[col] <= cfg["eps_max"],
                    )
                )
        if progress is not None:
            progress(f"row-index  N={n:<6d} {time.perf_counter() - t0:6.2f} s")
    df = _frame(rows)
    fits = [
        _fit("row-index", mode, df, _MATRIX_LAWS[("row-index", mode)])
        for mode in ("expected-mean", "expected-max")
    ]
    return df, fits, {}


def fig3_panel(
    panel: str,
    *,
    config: dict | None = None,
    quick: bool = False,
    seeds: int | None = None,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
) -> Fig3Panel:
    """Run one panel of Fig. 3 (``config`` from :func:`fig3_config`, by default
    ``fig3_config(panel, quick=quick, seeds=seeds, seed=seed)``) and fit its laws.

    ``progress`` receives one line of text per step (:func:`fig3_steps` of them).
    """
    _check_panel(panel)
    cfg = fig3_config(panel, quick=quick, seeds=seeds, seed=seed) if config is None else dict(config)
    t0 = time.perf_counter()
    sweep = None
    if panel == "boolean":
        df, fits, extras, sweep = _boolean_panel(cfg, progress)
    elif panel == "vector":
        df, fits, extras = _vector_panel(cfg, progress)
    elif panel == "element":
        df, fits, extras = _element_panel(cfg, progress)
    else:
        df, fits, extras = _row_index_panel(cfg, progress)
    return Fig3Panel(panel, cfg, df, fits, time.perf_counter() - t0, extras, sweep)


def reproduce_fig3(
    panels: Iterable[str] = FIG3_PANELS,
    *,
    quick: bool = False,
    seeds: int | None = None,
    seed: int = 0,
    configs: Mapping[str, Mapping] | None = None,
    progress: bool | None = None,
) -> Fig3Result:
    """Run the sample-complexity panels of the paper's Fig. 3 and fit ``M = C size^alpha / eps^beta``.

    Parameters
    ----------
    panels : a subset of :data:`FIG3_PANELS` (run in the order given).
    quick : smaller grids (every panel in well under a minute on two CPU cores, compilation
        included) instead of the paper's.
    seeds : realisations (Boolean) or random instances (the others) per size; default per panel.
    seed : seed of every random draw (truth tables, vectors, matrices, sketches).
    configs : optional per-panel entries updating :func:`fig3_config`'s settings.
    progress : a tqdm bar over the panels' steps: ``None`` shows it when stderr is a terminal,
        ``True`` always, ``False`` never.

    Returns a :class:`Fig3Result`; ``result.save(folder)`` writes the figure, JSON and CSV tables.
    """
    panels = list(dict.fromkeys([panels] if isinstance(panels, str) else panels))
    if not panels:
        raise ValueError(f"panels must name at least one of {FIG3_PANELS}")
    for p in panels:
        _check_panel(p)
    seeds = _check_seeds(seeds)
    configs = dict(configs or {})
    unknown = [k for k in configs if k not in panels]
    if unknown:
        raise ValueError(f"configs for panels not run: {unknown}; running {panels}")
    cfgs = {}
    for p in panels:
        cfgs[p] = fig3_config(p, quick=quick, seeds=seeds, seed=seed)
        cfgs[p].update(configs.get(p, {}))
    t0 = time.perf_counter()
    done: dict[str, Fig3Panel] = {}
    bar = tqdm(
        total=sum(fig3_steps(p, cfgs[p]) for p in panels),
        desc="fig3",
        unit="step",
        disable=None if progress is None else not progress,
        dynamic_ncols=True,
    )
    try:
        for p in panels:
            bar.set_postfix_str(p)
            start = bar.n
            done[p] = fig3_panel(p, config=cfgs[p], progress=lambda _line: bar.update(1))
            bar.update(max(0, start + fig3_steps(p, cfgs[p]) - bar.n))
    finally:
        bar.close()
    total = time.perf_counter() - t0
    meta = {
        "panels": panels,
        "quick": bool(quick),
        "seeds": seeds,
        "seed": int(seed),
        "dtype": done["boolean"].extras["dtype"] if "boolean" in done else str(jnp.result_type(float)),
        "x64": bool(jax.config.read("jax_enable_x64")),
        "version": __version__,
        "runtime_s": {**{p: v.runtime_s for p, v in done.items()}, "total": total},
    }
    return Fig3Result(done, meta)


# ----------------------------------------------------------------------------- figure


def plot_fig3(result: Fig3Result | Sequence[Fig3Panel], path, *, title: str | None = None) -> None:
    """Write a PNG with one column per panel: on top the error of the panel's main mode against
    ``M`` (one line per size, seed means; dashed: the fitted law); below, for the fitted points of
    every averaged mode (``beta = 1``; a single realisation's constant grows with ``N``), the
    constant ``C_i = M eps^b / (scale size^a)`` at the theory exponents against the size (solid:
    the fitted ``C``; dotted: the leading-order constant; black dashed: the paper's). Matplotlib's
    Agg canvas directly (no pyplot, no global backend change)."""
    panels = list(result.panels.values()) if isinstance(result, Fig3Result) else list(result)
    if not panels:
        raise ValueError("nothing to plot: no panels")
    ncols = len(panels)
    fig = Figure(figsize=(4.6 * ncols, 8.0))
    fig.subplots_adjust(
        left=0.06 if ncols > 2 else 0.12, right=0.98, bottom=0.07, top=0.9, wspace=0.3, hspace=0.35
    )
    FigureCanvasAgg(fig)
    cmap = matplotlib.colormaps["viridis"]
    for col, panel in enumerate(panels):
        df = panel.points
        main = _PRIMARY_MODE[panel.name]
        fit = next((f for f in panel.fits if f.mode == main), None)
        ax = fig.add_subplot(2, ncols, col + 1)
        sel = df[df["mode"] == main]
        dims = sorted(sel["dim"].unique())
        for i, d in enumerate(dims):
            g = (
                sel[sel["dim"] == d]
                .groupby("m", as_index=False)
                .agg(error=("error", "mean"), size=("size", "first"))
            )
            colour = cmap(0.9 * i / max(1, len(dims) - 1))
            ax.plot(g["m"], g["error"], "o-", ms=3, lw=1, color=colour, label=f"{_dim_name(panel.name)}={d}")
            if fit is not None and math.isfinite(fit.c):
                size = float(g["size"].iloc[0])
                grid = np.geomspace(g["m"].min(), g["m"].max(), 20)
                ax.plot(grid, (fit.c * size**fit.alpha / grid) ** (1 / fit.beta), "--", lw=0.8, color=colour)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("total samples M" if panel.name == "vector" else "samples per query M")
        ax.set_ylabel(_ERROR_LABEL[panel.name])
        sub = (
            f"\nC = {fit.c:.3g}, alpha = {fit.alpha:.3f}, beta = {fit.beta:.3f}"
            if fit is not None and math.isfinite(fit.c)
            else ""
        )
        ax.set_title(f"{panel.name} ({main}){sub}", fontsize=9)
        ax.legend(fontsize=7)

        ax = fig.add_subplot(2, ncols, ncols + col + 1)
        markers = "osD^vP"
        for i, f in enumerate(panel.fits):
            pts = df[(df["mode"] == f.mode) & df["in_fit"]]
            if pts.empty or f.theory_beta != 1.0:  # single realisations: C depends on N (max of |Z|)
                continue
            g = pts.groupby(["dim", "m"], as_index=False).agg(
                error=("error", "mean"), size=("size", "first"), scale=("scale", "first")
            )
            # each point's own constant C_i = M eps^b / (scale size^a) at the theory exponents
            c_i = g["m"] * g["error"] ** f.theory_beta / (g["scale"] * g["size"] ** f.theory_alpha)
            line = ax.plot(g["size"], c_i, markers[i % len(markers)], ms=3, alpha=0.8, label=f.mode)[0]
            if math.isfinite(f.c_fixed):
                ax.axhline(f.c_fixed, lw=1, color=line.get_color())
            if f.theory_c is not None:
                ax.axhline(f.theory_c, ls=":", lw=1, color=line.get_color())
            if f.paper_c is not None:
                ax.axhline(f.paper_c, ls="--", lw=1, color="k", label=f"paper C = {f.paper_c:g}")
        ax.set_xscale("log")
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_ylim(bottom=0)
        ax.set_xlabel(_SIZE[panel.name])
        ax.set_ylabel("C = M eps^b / (scale size^a)")
        ax.set_title(
            f"{panel.name}: constant per point at theory a, b\n(solid: fitted C, dotted: leading order)",
            fontsize=9,
        )
        ax.legend(fontsize=7)
    fig.suptitle(title or "qsjax: sample complexity of the sketched oracles (paper's Fig. 3)")
    fig.savefig(path, dpi=100)


def _dim_name(panel: str) -> str:
    return "nnz" if panel == "element" else "N"


_ERROR_LABEL = {
    "boolean": "operator-norm error",
    "vector": "l2 state error",
    "element": "block-encoding error",
    "row-index": "mean operator-norm error",
}


# ----------------------------------------------------------------------------- the command registry


@dataclasses.dataclass(frozen=True)
class ReproduceExperiment:
    """One experiment of ``qsjax reproduce NAME``: a help line, a function adding its options to
    an :class:`argparse.ArgumentParser`, and ``run(options)``, which runs it from the parsed
    options and returns the exit status (calling the entry calls ``run``)."""

    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]
    description: str = ""

    def __call__(self, options: argparse.Namespace) -> int:
        return self.run(options)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return value


def _fig3_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--quick", action="store_true", help="small grids, for a fast smoke run (well under a minute)"
    )
    p.add_argument(
        "--out", type=Path, default=Path("qsjax-reproduce/fig3"), help="output folder (default: %(default)s)"
    )
    p.add_argument(
        "--seeds",
        type=_positive_int,
        default=None,
        metavar="K",
        help="realisations (Boolean) or random instances (vector, element, row index) per size "
        "(default: per panel, e.g. 16 Boolean realisations, 4 instances; fewer with --quick)",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of every random draw (default: %(default)s)")
    p.add_argument(
        "--panels",
        nargs="+",
        choices=FIG3_PANELS,
        default=list(FIG3_PANELS),
        metavar="PANEL",
        help=f"panels to run, of {', '.join(FIG3_PANELS)} (default: all)",
    )
    p.add_argument(
        "--no-progress", action="store_true", help="no progress bar (it is off anyway when not a terminal)"
    )


def run_fig3_command(options: argparse.Namespace) -> int:
    """``qsjax reproduce fig3``: run :func:`reproduce_fig3` from parsed options, write the figure,
    JSON and CSV tables into ``options.out`` and print the fit table."""
    panels = list(options.panels)
    print(
        f"qsjax reproduce fig3{' (quick)' if options.quick else ''}: panels {', '.join(panels)}; "
        f"seeds {options.seeds or 'per panel'}, seed {options.seed}",
        flush=True,
    )
    result = reproduce_fig3(
        panels,
        quick=options.quick,
        seeds=options.seeds,
        seed=options.seed,
        progress=False if options.no_progress else None,
    )
    paths = result.save(options.out)
    print("")
    print("Fits of ln M = ln C + alpha ln size - beta ln eps (points in the small-error regime):")
    print(result.format_report())
    print("wrote " + ", ".join(str(p) for p in paths.values()), flush=True)
    return 0


REPRODUCE_EXPERIMENTS: dict[str, ReproduceExperiment] = {
    "fig3": ReproduceExperiment(
        help="the paper's Fig. 3: sample complexity of the Boolean, vector, element and row-index oracles",
        add_arguments=_fig3_arguments,
        run=run_fig3_command,
        description=(
            "Sweep the error of each sketched oracle of the paper's Fig. 3 against the samples M and "
            "its size, fit M = C size^alpha / eps^beta per panel and mode, print the fits beside the "
            "paper's constants, and write fig3.png, fig3.json, fig3_points.csv and fig3_fits.csv "
            "into --out."
        ),
    ),
}
"""``qsjax reproduce NAME`` -> its :class:`ReproduceExperiment` (a new experiment is one entry)."""


def _machine_size_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--dataset", choices=sorted(SWEEPS), default="imdb", help="data set (default: %(default)s)"
    )
    p.add_argument("--quick", action="store_true", help="small sweep (subsampled IMDb), a smoke run")
    p.add_argument(
        "--out",
        type=Path,
        default=Path("qsjax-reproduce/machine-size"),
        help="output folder (default: %(default)s)",
    )
    p.add_argument(
        "--data-home", default=None, help="folder of the dataset files (default: $QSJAX_DATA, ...)"
    )
    p.add_argument("--no-simulate", action="store_true", help="classical accuracies and sizes only")
    p.add_argument(
        "--pca",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="also the explained variance of the top component (TruncatedSVD and the simulated QOSPCA) "
        "against the PCA machine's size (default: on for pbmc3k only)",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of splits, sketches and shadows (default: 0)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def run_machine_size_command(options: argparse.Namespace) -> int:
    """``qsjax reproduce machine-size``: run :func:`machine_size_experiment` from parsed options, write
    the figure, JSON and CSV tables into ``options.out`` and print the table."""
    print(
        f"qsjax reproduce machine-size{' (quick)' if options.quick else ''}: dataset {options.dataset}",
        flush=True,
    )
    result = machine_size_experiment(
        options.dataset,
        quick=options.quick,
        simulate=not options.no_simulate,
        data_home=options.data_home,
        pca=options.pca,
        progress=not options.no_progress,
        random_state=options.seed,
    )
    paths = result.save(options.out)
    print(result.report())
    print(f"total {result.seconds:.1f} s; wrote " + ", ".join(str(p) for p in paths.values()), flush=True)
    return 0


REPRODUCE_EXPERIMENTS["machine-size"] = ReproduceExperiment(
    help="accuracy against machine size on real data (quantum, classical streaming, sparse/QRAM)",
    add_arguments=_machine_size_arguments,
    run=run_machine_size_command,
    description=(
        "For each point of a dataset's sweep: the three machine sizes, RidgeClassifier's accuracy "
        "(and 5-fold CV), the simulated QOS classifier's accuracy, feature-hashing and sparse "
        "random-projection baselines; writes machine_size_<dataset>.png/.json and CSV tables."
    ),
)
