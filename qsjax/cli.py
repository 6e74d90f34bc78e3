"""The ``qsjax`` command line.

* ``qsjax demo``: the end-to-end pipeline on scikit-learn's breast-cancer data (sketched block
  encoding, QSVT ridge, interferometric shadows, accuracy beside RidgeClassifier, machine sizes;
  :func:`qsjax.experiments.breast_cancer_pipeline`), writing ``demo.png`` and ``demo.json``.
* ``qsjax boolean``: a real scaling experiment on a built-in random Boolean function: the error of
  the orthogonal QOS phase-oracle sketch against the number of samples per query, in every
  simulation mode, beside the naive non-orthogonal baseline; it prints a report with fitted
  exponents and writes ``boolean.png`` and ``boolean.json``.
* ``qsjax reproduce NAME``: a figure of the paper; the names and their options come from
  :data:`qsjax.experiments.REPRODUCE_EXPERIMENTS` (``fig3``: the sample-complexity panels).

The CLI is an application, so it turns on JAX's 64-bit mode when ``main`` starts (errors reach
1e-6 and below); importing :mod:`qsjax` never does. ``--quick`` runs, which are dominated by
compilation, also compile with ``jax_disable_most_optimizations`` for their duration (same
results, IEEE semantics at every level; about a third less compile time).
"""

from __future__ import annotations

import argparse
import contextlib
import math
import sys
import time
from pathlib import Path

__all__ = ["main", "build_parser", "demo_config"]


def demo_config(quick: bool) -> dict:
    """Sweep settings of ``qsjax demo`` and ``qsjax boolean`` (``quick``: a smaller grid, a smoke run).

    ``sampled`` costs O(M) per realisation and one compilation per ``(N, M)``, so it runs on a
    small sub-grid; the diamond distance (~0.3 s a point) on a coarser ``M`` grid.
    """
    from .experiments import log_grid

    if quick:
        return {
            "dims": [32, 64, 128],
            "ms": log_grid(1e4, 1e8, 2),
            "grids": {
                "naive-expected": log_grid(1e4, 1e10, 2),
                "naive-counts": log_grid(1e4, 1e10, 1),
                "channel": log_grid(1e4, 1e8, 1),
                "sampled": log_grid(1e4, 1e6, 1),
            },
            "label_dims": {"sampled": [32], "channel": [32, 128]},
            "seeds": 4,
            "sampled_max_m": 10**6,
        }
    return {
        "dims": [64, 128, 256, 512, 1024],
        "ms": log_grid(1e4, 1e8, 3),
        "grids": {
            "naive-expected": log_grid(1e4, 1e10, 3),
            "naive-counts": log_grid(1e4, 1e10, 2),
            "channel": log_grid(1e4, 1e8, 2),
            "sampled": log_grid(1e4, 1e7, 1),
        },
        "label_dims": {"sampled": [64, 256]},
        "seeds": 8,
        "sampled_max_m": 10**7,
    }


def _version() -> str:
    from ._internal.version import __version__

    return __version__


def _boolean_command(sub, name: str, help: str) -> None:
    """``qsjax demo`` / ``qsjax boolean``: the Boolean scaling demo, writing ``<name>.png/json``."""
    p = sub.add_parser(
        name,
        help=help,
        description=(
            "Sweep the error of the Boolean phase-oracle sketch over N and M in every simulation "
            "mode (expected, counts, sampled, channel) and the naive non-orthogonal baseline; "
            f"print fitted scaling laws; write {name}.png and {name}.json into --out."
        ),
    )
    p.add_argument("--out", default=f"./qsjax-{name}", help="output folder (default: %(default)s)")
    p.add_argument("--quick", action="store_true", help="small grid, for a fast smoke run")
    p.add_argument(
        "--seed", type=int, default=0, help="seed of the random truth tables and of the sketches (default: 0)"
    )
    p.set_defaults(func=_run_boolean, stem=name)


def build_parser() -> argparse.ArgumentParser:
    from .experiments import REPRODUCE_EXPERIMENTS
    from .learn import ESTIMATOR_MODES

    parser = argparse.ArgumentParser(
        prog="qsjax",
        description="qsjax: a JAX simulator of quantum oracle sketching (QOS).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    demo = sub.add_parser(
        "demo",
        help="the end-to-end pipeline on breast cancer: sketch -> QSVT ridge -> shadows -> accuracy",
        description=(
            "Simulate the whole QOS pipeline on scikit-learn's breast-cancer data: element samples "
            "into a sketched block encoding, QSVT ridge solver, interferometric classical shadows, "
            "test accuracy beside scikit-learn's RidgeClassifier and the three machine sizes; "
            "print a report, write demo.png and demo.json into --out."
        ),
    )
    demo.add_argument("--out", default="./qsjax-demo", help="output folder (default: %(default)s)")
    demo.add_argument("--quick", action="store_true", help="fewer shadow snapshots, a smoke run")
    demo.add_argument(
        "--mode",
        default="expected",
        choices=list(ESTIMATOR_MODES),
        help="simulation mode of every oracle query (default: %(default)s)",
    )
    demo.add_argument("--alpha", type=_positive_float, default=1.0, help="ridge alpha (default: 1)")
    demo.add_argument("--snapshots", type=_positive_int, default=None, help="shadow snapshots T")
    demo.add_argument("--seed", type=int, default=0, help="seed of the split, sketches and shadows")
    demo.set_defaults(func=_run_demo)
    _boolean_command(
        sub, "boolean", "Boolean oracle sketch error vs samples, all modes, vs the naive baseline"
    )
    rep = sub.add_parser(
        "reproduce",
        help="reproduce a figure of the paper (" + ", ".join(REPRODUCE_EXPERIMENTS) + ")",
        description="Reproduce a figure of the paper by simulation; see qsjax reproduce EXPERIMENT --help.",
    )
    experiments = rep.add_subparsers(dest="experiment", metavar="EXPERIMENT", required=True)
    for name, experiment in REPRODUCE_EXPERIMENTS.items():
        p = experiments.add_parser(
            name, help=experiment.help, description=experiment.description or experiment.help
        )
        experiment.add_arguments(p)
        p.set_defaults(func=experiment)
    return parser


@contextlib.contextmanager
def _fast_compile(enabled: bool):
    """Compile with ``jax_disable_most_optimizations`` inside the block (restored after)."""
    import jax

    if not enabled:
        yield
        return
    old = jax.config.read("jax_disable_most_optimizations")
    jax.config.update("jax_disable_most_optimizations", True)
    try:
        yield
    finally:
        jax.config.update("jax_disable_most_optimizations", old)


def main(argv=None) -> int:
    """Entry point of the ``qsjax`` console command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    import jax

    jax.config.update("jax_enable_x64", True)
    with _fast_compile(bool(getattr(args, "quick", False))):
        return int(args.func(args) or 0)


# ----------------------------------------------------------------------------- demo / boolean


def _positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if v <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return v


def _positive_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not (math.isfinite(v) and v > 0):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return v


def _run_demo(args) -> int:
    from .experiments import breast_cancer_pipeline

    print(
        f"qsjax demo{' (quick)' if args.quick else ''}: sketch -> QSVT ridge -> shadows on breast cancer, "
        f"mode {args.mode}",
        flush=True,
    )
    result = breast_cancer_pipeline(
        alpha=args.alpha, mode=args.mode, n_snapshots=args.snapshots, random_state=args.seed, quick=args.quick
    )
    paths = result.save(args.out)
    print(result.report())
    print(f"wrote {paths['png']} and {paths['json']}")
    return 0


def _fmt(x: float) -> str:
    return "      -" if not math.isfinite(x) else f"{x:7.1e}"


def _error_table(result, m_show: int, labels) -> str:
    from .experiments import predicted_error

    summary = {(r["label"], r["n"], r["m"]): r["mean"] for r in result.summary()}
    head = f"{'N':>6s}" + "".join(f"  {lab:>14s}" for lab in labels)
    head += f"  {'(pi^2/2)N/M':>14s}  {'(pi^2/2)FN^2/M':>14s}"
    lines = [head]
    for n in result.meta["dims"]:
        row = f"{n:>6d}"
        for lab in labels:
            row += f"  {_fmt(summary.get((lab, n, m_show), math.nan)):>14s}"
        k = result.n_ones(n)
        row += f"  {_fmt(float(predicted_error('expected', n, m_show, n_ones=k))):>14s}"
        row += f"  {_fmt(float(predicted_error('naive-expected', n, m_show, n_ones=k))):>14s}"
        lines.append(row)
    return "\n".join(lines)


def _interpretation(fits, n_max: int, fraction: float, eps: float = 0.01) -> list[str]:
    by = {f.label: f for f in fits}
    out = []
    q, nv = by.get("expected"), by.get("naive-expected")
    if q is not None and math.isfinite(q.complexity.alpha):
        out.append(
            f"Orthogonal QOS: M = C N^a / eps^b with a = {q.complexity.alpha:.3f}, "
            f"b = {q.complexity.beta:.3f}; with the exponents fixed at 1, C = {q.prefactor.c:.2f} "
            f"(theory pi^2/2 = {math.pi**2 / 2:.2f})."
        )
    if nv is not None and math.isfinite(nv.complexity.alpha):
        out.append(
            f"Naive baseline: M = C F N^a / eps^b with a = {nv.complexity.alpha:.3f}, "
            f"b = {nv.complexity.beta:.3f}: quadratic in N, as the overlapping rotations predict."
        )
    if q is not None and nv is not None and math.isfinite(q.prefactor.c) and math.isfinite(nv.prefactor.c):
        m_q = q.prefactor.c * n_max / eps
        m_n = nv.prefactor.c * fraction * n_max**2 / eps
        out.append(
            f"At N = {n_max}, eps = {eps:g}: QOS needs ~{m_q:.1e} samples per query, the naive "
            f"scheme ~{m_n:.1e} ({m_n / m_q:.0f}x more): the N-versus-N^2 gap of the paper."
        )
    c = by.get("counts")
    if c is not None and math.isfinite(c.slope_m.slope):
        out.append(
            f"One realisation (counts): error slope {c.slope_m.slope:.3f} in M, i.e. 1/eps^2 "
            "samples for a single run, vs 1/eps for the averaged channel (slope "
            + (f"{by['channel'].slope_m.slope:.3f}" if "channel" in by else "n/a")
            + ")."
        )
    return out


def _run_boolean(args) -> int:
    from .experiments import (
        analyse_sweep,
        boolean_error_sweep,
        format_fit_table,
        plot_sweep,
    )

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    cfg = demo_config(args.quick)
    t0 = time.perf_counter()
    print(
        f"qsjax {args.stem}{' (quick)' if args.quick else ''}: Boolean phase-oracle sketch, "
        f"random f with half ones, N = {cfg['dims']}, seed {args.seed}",
        flush=True,
    )
    result = boolean_error_sweep(
        cfg["dims"],
        cfg["ms"],
        seeds=cfg["seeds"],
        grids=cfg["grids"],
        label_dims=cfg["label_dims"],
        sampled_max_m=cfg["sampled_max_m"],
        table_seed=args.seed,
        key=args.seed,
    )
    fits = analyse_sweep(result, eps_max=0.1)
    elapsed = time.perf_counter() - t0

    ms = cfg["ms"]
    m_show = min(ms, key=lambda m: abs(math.log(m / 1e7)))
    labels = [
        lab
        for lab in ("expected", "counts", "channel", "naive-expected", "naive-counts")
        if lab in result.labels
    ]
    lines = [
        "",
        f"Mean error at M = {m_show:.0e} samples per query ({cfg['seeds']} seeds for counts; "
        "channel = diamond distance):",
        _error_table(result, m_show, labels),
        "",
        "Fits on points with predicted error <= 0.1 (slopes of ln error; alpha, beta, C of M = C N^alpha / "
        "eps^beta; naive C is per unit F):",
        format_fit_table(fits),
        "",
        *_interpretation(fits, max(cfg["dims"]), result.meta["fraction"]),
    ]
    png, js = out / f"{args.stem}.png", out / f"{args.stem}.json"
    plot_sweep(
        result,
        png,
        fits=fits,
        eps_target=0.01,
        title=f"qsjax {args.stem}: Boolean oracle sketch, QOS vs naive baseline",
    )
    result.save_json(js, fits=[f.to_dict() for f in fits], config=cfg)
    total = time.perf_counter() - t0
    lines += [
        "",
        f"sweep {elapsed:.1f} s, total {total:.1f} s (dtype {result.meta['dtype']}); wrote {png} and {js}",
    ]
    print("\n".join(lines))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
