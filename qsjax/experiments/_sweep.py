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
and vectorised over ``M`` (one small program per ``N``); ``counts`` realisations for the whole
``M`` grid and every seed are one jitted ``lax.map`` over ``(key, M)`` pairs (``M`` is traced, so
nothing recompiles across ``M`` or seeds; without x64 it is traced in float32, exact up to 2^24),
and by default the sketch is embedded in ``max(dims)`` cells with zero probability on the padding
(:func:`_padded_oracles`), so one program serves every ``N``. ``sampled`` compiles once per
``(N, M)`` (the stream length sets loop bounds) and vmaps over the seeds; the diamond distance is
a NumPy computation.

Nothing here changes global JAX configuration: the sweep runs in the library's default dtype, so
enable x64 in the calling application for errors below ~1e-6.
"""

from __future__ import annotations

import functools
import json
import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import jax
import jax.numpy as jnp
import numpy as np
import scipy.integrate
import scipy.special

from ..data._sources import BooleanData
from ..metrics._diamond import sketch_diamond_error
from ..metrics._errors import operator_norm_error
from ..sketch._modes import DEFAULT_CHUNK, Channel, Counts, Expected, Sampled
from ..sketch._naive import naive_boolean_oracle
from ..sketch._phase import boolean_oracle

SWEEP_MODES = (
    *(cls.name for cls in (Expected, Counts, Sampled, Channel)),
    *(f"naive-{cls.name}" for cls in (Expected, Counts)),
)
"""The series of a sweep: the orthogonal sketch in four modes, the naive baseline in two (the mode
names come from the mode classes; the ``naive-`` prefix names the sketch family)."""


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
    "counts": ModeLaw("qos", "counts", "operator", 1.0, 2.0, None, None, "pi (N/M)^1/2 E max|Z|"),
    "sampled": ModeLaw("qos", "sampled", "operator", 1.0, 2.0, None, None, "pi (N/M)^1/2 E max|Z|"),
    "channel": ModeLaw("qos", "channel", "diamond", 1.0, 1.0, 2 * _PI2, None, "2 pi^2 N/M"),
    "naive-expected": ModeLaw("naive", "expected", "operator", 2.0, 1.0, _PI2 / 2, "F", "(pi^2/2) F N^2/M"),
    "naive-counts": ModeLaw("naive", "counts", "operator", 2.0, 2.0, None, "F", "pi N (F/M)^1/2 E max|Z|"),
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


_BATCH_ENTRIES = 1 << 22
"""Entries (realisations x cells) a vectorised sweep step holds at once (``lax.map`` batch size)."""


def _sweep_keys(base, salt: int, n: int, n_m: int, seeds: int):
    """Keys of the ``n_m x seeds`` realisations of one ``(label, N)``, shape (n_m, seeds): the key
    of ``(M index i, seed s)`` is ``fold_in(fold_in(fold_in(fold_in(base, salt), N), i), s)``."""
    k = jax.random.fold_in(jax.random.fold_in(base, salt), n)
    per_m = jax.vmap(lambda i: jax.random.fold_in(k, i))(jnp.arange(n_m))
    return jax.vmap(lambda km: jax.vmap(lambda s: jax.random.fold_in(km, s))(jnp.arange(seeds)))(per_m)


@functools.partial(jax.jit, static_argnames=("batch",))
def _counts_errors(oracle, keys, ms, n_valid, *, batch: int):
    """Operator-norm errors of one ``counts`` realisation per ``(key, m)`` pair (flat arrays), over
    the first ``n_valid`` entries: one program for every grid, seed count and ``N`` of a width."""
    target = oracle.ideal()
    valid = jnp.arange(target.shape[-1]) < n_valid

    def one(args):
        key, m = args
        return operator_norm_error(jnp.where(valid, oracle.counts(key, m), target), target)

    return jax.lax.map(one, (keys, ms), batch_size=batch)


@jax.jit
def _sampled_errors(oracle, keys, mode):
    """Errors of ``sampled`` realisations, one per key, at the mode's (static) ``m``."""
    target = oracle.ideal()
    return jax.vmap(lambda k: operator_norm_error(mode.evaluate(oracle, k), target))(keys)


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
            rows.append(
                {
                    "label": label,
                    "n": n,
                    "m": m,
                    "mean": float(e.mean()),
                    "std": sd,
                    "sem": sd / math.sqrt(e.size),
                    "count": int(e.size),
                }
            )
        order = {lab: i for i, lab in enumerate(SWEEP_MODES)}
        rows.sort(key=lambda r: (order.get(r["label"], 99), r["n"], r["m"]))
        return rows

    def points(self, label: str, *, eps_min: float = 0.0, eps_max: float = math.inf, cut_on: str = "mean"):
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
            cut = (
                r["mean"]
                if cut_on == "mean"
                else float(predicted_error(label, r["n"], r["m"], n_ones=self.n_ones(r["n"])))
            )
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
    chunk_size: int = DEFAULT_CHUNK,
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
                records.append(
                    {
                        "label": label,
                        "scheme": law.scheme,
                        "view": law.view,
                        "metric": law.metric,
                        "n": n,
                        "m": int(m),
                        "seed": s if seeded else None,
                        "error": float(e),
                    }
                )

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
                keys = _sweep_keys(base, salt, n, len(grid), seeds).reshape(-1)
                m_flat = jnp.repeat(jnp.asarray(np.asarray(grid, float), poracle.t.dtype), seeds)
                batch = max(1, min(keys.shape[0], _BATCH_ENTRIES // poracle.dim))
                errors = np.asarray(_counts_errors(poracle, keys, m_flat, n, batch=batch))
            else:  # sampled: the stream length is static, so one program per (N, M), seeds vmapped
                keys = _sweep_keys(base, salt, n, len(grid), seeds)
                errors = np.stack(
                    [
                        np.asarray(_sampled_errors(qos, keys[i], Sampled(m, chunk_size)))
                        for i, m in enumerate(grid)
                    ]
                )
            emit(label, n, grid, errors, label in ("counts", "sampled", "naive-counts"))
            dt = time.perf_counter() - t0
            timings[label] += dt
            if progress is not None:
                progress(f"{label:>15s}  N={n:<6d} {len(grid):3d} M values  {dt:6.2f} s")

    meta = {
        "dims": dims,
        "ms": ms,
        "grids": {k: grids[k] for k in modes},
        "label_dims": {k: label_dims[k] for k in modes},
        "seeds": seeds,
        "modes": modes,
        "sampled_max_m": sampled_max_m,
        "counts_width": width if pad_counts else None,
        "fraction": fraction,
        "table_seed": table_seed,
        "key": key,
        "dtype": dtype,
        "n_ones": n_ones,
        "timings_s": timings,
    }
    return SweepResult(records=records, meta=meta)


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
