"""Grover search with sketched oracles: success probability versus samples per query.

For several register sizes N and marked counts K (Q = the optimal number of iterations) this script

* sweeps M, the samples per oracle query, and records the success probability in ``expected`` mode
  (the paper's pessimistic proxy, O(N) per query) and, for small N, ``channel`` mode (the exact
  averaged channel, O(N^2) per query);
* shows that the curves collapse when plotted against M / (N Q): the success drop is
  ``~ (pi^2 / 2) N Q / M`` (expected) and ``~ (pi^2 / 8) N Q / M`` (channel, K = 1);
* finds M*, the samples per query at which the success is 0.05 below the ideal one, by bisection in
  log M, and fits M* ~ (N Q)^a: Theorem D.13 predicts a = 1, i.e. M_total = Q M* ~ N Q^2 ~ N^2 / K;
* in full mode, also checks that the mean of ``counts`` trajectories matches ``channel``, and times
  one ``counts`` Grover run at N = 2^20 with Q = 804 fresh sketches.

Usage::

    python scripts/grover.py --quick                 # seconds to a minute
    python scripts/grover.py --json out.json --png out.png
"""

from __future__ import annotations

import argparse
import json
import math
import time

import jax

jax.config.update("jax_enable_x64", True)  # a script may choose its precision; the library never does

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

from qsjax import (  # noqa: E402
    grover_ideal_success,
    grover_optimal_iterations,
    grover_success,
)

DROP = 0.05  # the success drop that defines M*


def truth_table(n: int, k: int) -> np.ndarray:
    f = np.zeros(n)
    f[np.random.default_rng(n * 31 + k).choice(n, size=k, replace=False)] = 1.0
    return f


def sweep_curve(f, q, nq, ratios, mode):
    """Success at M = ratio * N Q for every ratio: one compiled, vmapped program."""
    ms = jnp.asarray(ratios) * nq
    return np.asarray(jax.jit(jax.vmap(lambda m: grover_success(f, q, m, mode=mode)))(ms))


def samples_for_drop(f, q, ideal, nq, mode, drop=DROP, steps=40):
    """M* with success(M*) = ideal - drop, by bisection in log M (the curve is monotone)."""
    gap = jax.jit(lambda log_m: ideal - grover_success(f, q, jnp.exp(log_m), mode=mode) - drop)
    lo, hi = math.log(nq / 100.0), math.log(nq * 1e5)
    if not gap(lo) > 0 > gap(hi):
        return float("nan")
    for _ in range(steps):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if gap(mid) > 0 else (lo, mid)
    return math.exp(0.5 * (lo + hi))


def fit_power(x, y):
    """Least-squares slope of log y on log x with its standard error."""
    lx, ly = np.log(np.asarray(x, float)), np.log(np.asarray(y, float))
    slope, intercept = np.polyfit(lx, ly, 1)
    resid = ly - (slope * lx + intercept)
    dof = max(1, lx.size - 2)
    se = math.sqrt(float(resid @ resid) / dof / float(np.sum((lx - lx.mean()) ** 2)))
    return float(slope), se, float(math.exp(intercept))


def counts_check(n, k, ratios, trajectories, key):
    """Mean of ``counts`` trajectories vs the ``channel`` value at a few M (full mode)."""
    f = truth_table(n, k)
    q = grover_optimal_iterations(n, k)
    rows = []
    run = jax.jit(lambda m, kk: grover_success(f, q, m, mode="counts", key=kk, trajectories=trajectories))
    per = jax.jit(jax.vmap(lambda kk, m: grover_success(f, q, m, mode="counts", key=kk), in_axes=(0, None)))
    for i, r in enumerate(ratios):
        m = float(round(r * n * q))
        kk = jax.random.fold_in(key, i)
        mean = float(run(m, kk))
        spread = float(np.std(np.asarray(per(jax.random.split(kk, trajectories), m)), ddof=1))
        chan = float(grover_success(f, q, m, mode="channel"))
        rows.append(
            dict(
                n=n,
                k=k,
                q=q,
                m=m,
                counts_mean=mean,
                counts_sem=spread / math.sqrt(trajectories),
                channel=chan,
                z=(mean - chan) / (spread / math.sqrt(trajectories)),
            )
        )
    return rows


def time_big_run(log2n, k, q, ratio):
    """Wall time of one ``counts`` Grover run (a fresh multinomial sketch per query).

    Compiled ahead of time, so compilation and the run are timed separately.
    """
    n = 1 << log2n
    f = np.zeros(n)
    f[np.arange(k) * (n // k)] = 1.0
    m = float(round(ratio * n * q))
    key = jax.random.key(7)
    run = jax.jit(lambda tt, mm, kk: grover_success(tt, q, mm, mode="counts", key=kk))
    t0 = time.perf_counter()
    compiled = run.lower(jnp.asarray(f), m, key).compile()
    t_compile = time.perf_counter() - t0
    t0 = time.perf_counter()
    s = float(compiled(jnp.asarray(f), m, key))
    t_run = time.perf_counter() - t0
    return dict(
        n=n,
        k=k,
        q=q,
        m=m,
        success=s,
        ideal=float(grover_ideal_success(n, k, q)),
        expected=float(grover_success(f, q, m, mode="expected")),
        seconds_compile=t_compile,
        seconds_run=t_run,
        seconds_per_query=t_run / max(1, q),
    )


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (seconds to a minute)")
    ap.add_argument("--json", metavar="PATH", help="write all results as JSON")
    ap.add_argument("--png", metavar="PATH", help="write the figure (success vs M, collapse)")
    ap.add_argument("--skip-big", action="store_true", help="full mode without the N = 2^20 timing")
    ap.add_argument("--big-log2n", type=int, default=20, help="log2 N of the timed counts run")
    args = ap.parse_args(argv)
    t_start = time.perf_counter()

    if args.quick:
        sizes, ks, channel_sizes = [64, 256, 1024], [1, 4], [32, 64, 128, 256]
        ratios = np.logspace(-1, 3, 17)
    else:
        sizes, ks = [64, 256, 1024, 4096, 16384, 65536], [1, 4, 16]
        channel_sizes = [32, 64, 128, 256, 512, 1024]
        ratios = np.logspace(-1.5, 3.5, 41)
    # expected mode on every (N, K); channel mode (O(N^2) per query) for K = 1 on small N
    configs = [(n, k, ["expected"]) for n in sizes for k in ks if 4 * k <= n]
    configs += [(n, 1, ["channel"]) for n in channel_sizes]

    rows, curves = [], []
    for n, k, modes in configs:
        f = truth_table(n, k)
        q = grover_optimal_iterations(n, k)
        nq = n * q
        ideal = float(grover_ideal_success(n, k, q))
        row = dict(n=n, k=k, q=q, nq=nq, ideal=ideal, mode=modes[0])
        curve = dict(n=n, k=k, q=q, ideal=ideal, ratios=ratios.tolist(), mode=modes[0])
        for mode in modes:
            succ = sweep_curve(f, q, nq, ratios, mode)
            curve["success"] = succ.tolist()
            mstar = samples_for_drop(f, q, ideal, nq, mode)
            row["mstar"] = mstar
            row["mstar_over_nq"] = mstar / nq
            for r in (10, 100, 1000):
                row[f"success_at_{r}nq"] = float(grover_success(f, q, r * nq, mode=mode))
        rows.append(row)
        curves.append(curve)

    fits = {}
    for mode in ["expected", "channel"]:
        for label, min_ratio in [("", 1), (" N/K>=256", 256)]:
            sel = [
                r
                for r in rows
                if r["mode"] == mode and np.isfinite(r["mstar"]) and r["n"] >= min_ratio * r["k"]
            ]
            if len(sel) >= 3:
                a, se, c = fit_power([r["nq"] for r in sel], [r["mstar"] for r in sel])
                fits[mode + label] = dict(exponent=a, stderr=se, prefactor=c, points=len(sel))
    # large-M constant of the collapse: drop * M / (N Q) -> pi^2/2 (expected), pi^2/8 (channel, K=1)
    asymptote = {}
    for mode in ["expected", "channel"]:
        vals = [(c["ideal"] - c["success"][-1]) * c["ratios"][-1] for c in curves if c["mode"] == mode]
        if vals:
            asymptote[mode] = dict(
                median=float(np.median(vals)), min=float(np.min(vals)), max=float(np.max(vals))
            )

    counts_rows, big = [], None
    if not args.quick:
        counts_rows = counts_check(256, 1, [3.0, 30.0], 400, jax.random.key(11))
        if not args.skip_big:
            n_big = 1 << args.big_log2n
            big = time_big_run(args.big_log2n, 1, grover_optimal_iterations(n_big, 1), 100.0)

    # ------------------------------------------------------------------ report
    print(f"Grover with sketched oracles; M* = samples per query at success = ideal - {DROP}")
    hdr = (
        f"{'mode':>8} {'N':>7} {'K':>3} {'Q':>4} {'N*Q':>9} {'ideal':>7} {'M*':>11} {'M*/NQ':>7} "
        f"{'P@10NQ':>7} {'P@100NQ':>7} {'P@1000NQ':>8}"
    )
    print(hdr)
    print("-" * len(hdr))
    for r in rows:
        print(
            f"{r['mode']:>8} {r['n']:>7} {r['k']:>3} {r['q']:>4} {r['nq']:>9} {r['ideal']:>7.4f} "
            f"{r['mstar']:>11.4g} {r['mstar_over_nq']:>7.2f} {r['success_at_10nq']:>7.4f} "
            f"{r['success_at_100nq']:>7.4f} {r['success_at_1000nq']:>8.4f}"
        )
    for mode, fit in fits.items():
        print(
            f"fit M* ~ (N Q)^a [{mode}, {fit['points']} points]: a = {fit['exponent']:.3f} "
            f"± {fit['stderr']:.3f}  (Theorem D.13: a = 1)"
        )
    for mode, a in asymptote.items():
        want = math.pi**2 / 2 if mode == "expected" else math.pi**2 / 8
        print(
            f"collapse [{mode}]: drop * M/(N Q) at M = {ratios[-1]:.0f} N Q: median {a['median']:.3f} "
            f"(range {a['min']:.3f}..{a['max']:.3f}); first-order theory {want:.3f}"
        )
    for c in counts_rows:
        print(
            f"counts vs channel N={c['n']} K={c['k']} Q={c['q']} M={c['m']:.0f}: "
            f"mean {c['counts_mean']:.4f} ± {c['counts_sem']:.4f}, channel {c['channel']:.4f} "
            f"(z = {c['z']:+.2f})"
        )
    if big is not None:
        print(
            f"counts run N=2^{args.big_log2n} K={big['k']} Q={big['q']} M={big['m']:.3g}: "
            f"{big['seconds_run']:.1f} s run ({big['seconds_per_query'] * 1e3:.1f} ms per query) "
            f"+ {big['seconds_compile']:.1f} s compile; success {big['success']:.4f} "
            f"(ideal {big['ideal']:.4f}, expected proxy {big['expected']:.4f})"
        )
    print(f"total {time.perf_counter() - t_start:.1f} s")

    if args.json:
        with open(args.json, "w") as fh:
            json.dump(
                dict(
                    drop=DROP,
                    rows=rows,
                    fits=fits,
                    collapse=asymptote,
                    curves=curves,
                    counts_vs_channel=counts_rows,
                    big_run=big,
                    quick=args.quick,
                ),
                fh,
                indent=1,
            )
    if args.png:
        plot(curves, args.png)


def plot(curves, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.6))
    cmap = plt.get_cmap("viridis")
    sizes = sorted({c["n"] for c in curves})
    for c in curves:
        color = cmap(sizes.index(c["n"]) / max(1, len(sizes) - 1))
        ratios = np.asarray(c["ratios"])
        succ = np.asarray(c["success"])
        style = {1: "-", 4: "--", 16: ":"}.get(c["k"], "-.")
        width, alpha = (1.2, 1.0) if c["mode"] == "expected" else (3.0, 0.45)
        label = f"{c['mode'][:4]} N={c['n']} K={c['k']}"
        axes[0].semilogx(
            ratios * c["n"] * c["q"], succ, style, color=color, lw=width, alpha=alpha, label=label
        )
        axes[1].loglog(
            ratios, np.maximum(c["ideal"] - succ, 1e-12), style, color=color, lw=width, alpha=alpha
        )
    r = np.asarray(curves[0]["ratios"])
    axes[1].loglog(r, np.pi**2 / 2 / r, "k-", lw=0.8, label=r"$\pi^2 NQ/(2M)$ (expected)")
    axes[1].loglog(r, np.pi**2 / 8 / r, "k--", lw=0.8, label=r"$\pi^2 NQ/(8M)$ (channel, K=1)")
    axes[0].set_xlabel("samples per query M")
    axes[0].set_ylabel("success probability")
    axes[0].legend(fontsize=5, ncol=2)
    axes[1].set_xlabel("M / (N Q)")
    axes[1].set_ylabel("ideal - sketched success")
    axes[1].set_ylim(1e-4, 1.5)
    axes[1].legend(fontsize=7)
    axes[1].set_title("collapse (thin: expected, thick: channel)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=130)


if __name__ == "__main__":
    main()
