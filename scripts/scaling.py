#!/usr/bin/env python
"""Scaling sweeps behind the paper's Fig. 3 (sample complexity of the sketched oracles), one panel
at a time. A thin wrapper of :func:`qsjax.experiments.fig3_panel` (the settings are
:func:`qsjax.experiments.fig3_config`'s; ``qsjax reproduce fig3`` runs every panel into one figure).

    python scripts/scaling.py PANEL [--quick] [--json PATH] [--png PATH] [--seeds K] [--seed S]

``boolean``: the Boolean phase oracle (Algorithm 1): error vs samples per query over N = 10^2..10^3
and M = 10^5..10^8 in every simulation mode (expected, counts, sampled, channel = diamond distance)
and the naive non-orthogonal baseline (M up to 10^10, it needs M >> N^2); fits
ln M = ln C + alpha ln N - beta ln eps per mode, prints the table, writes JSON and a PNG.

``vector``: the general vector state sketch (Theorem D.24): l2 error of the sub-normalised state
against total samples (degree-19 arcsin QSVT, 19 fresh sketches), N = 10^2..10^3, fit of
M = C N^alpha / eps^beta (paper: C ≈ 0.9).

``element``: the matrix-element oracle (Lemma D.19): block-encoding error in expected mode for
100 x 100 matrices with nnz = 250..2000, M = 10^5..10^8, fit of M = C nnz^alpha / eps^beta (paper:
C ≈ 1.1).

``row-index``: the row-index oracle from row samples: exact operator-norm error of the XOR oracle
per row and rank in expected mode, N x N matrices with row sparsity 8, N = 50..500, M = 10^5..10^8,
fit of M = C (N log2 N)^alpha / eps^beta for the mean and the worst case over rows and ranks
(paper: C ≈ 2.2).

Outputs default to ``results/scaling_<panel>[_quick].{json,png}``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

from qsjax.experiments import (
    FIG3_PANELS,
    analyse_sweep,
    fig3_config,
    fig3_panel,
    format_fig3_table,
    format_fit_table,
    plot_fig3,
    plot_sweep,
    samples_needed,
)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return value


def _output_paths(args: argparse.Namespace) -> tuple[Path, Path]:
    """``--json`` / ``--png`` or ``results/scaling_<panel>[_quick].{json,png}``, folders created."""
    stem = f"scaling_{args.panel.replace('-', '_')}" + ("_quick" if args.quick else "")
    json_path = args.json or Path("results") / f"{stem}.json"
    png_path = args.png or Path("results") / f"{stem}.png"
    for path in (json_path, png_path):
        path.parent.mkdir(parents=True, exist_ok=True)
    return json_path, png_path


def _config(args: argparse.Namespace) -> dict:
    cfg = fig3_config(args.panel, quick=args.quick, seeds=args.seeds, seed=args.seed)
    if args.eps_max is not None:
        cfg["eps_max"] = args.eps_max
    if args.panel == "vector":
        cfg["degree"] = args.degree
    return cfg


def _describe(cfg: dict, panel: str) -> str:
    sizes = cfg.get("dims", cfg.get("nnzs"))
    grid = cfg.get("ms", cfg.get("totals"))
    return (
        f"{panel} sweep{' (quick)' if cfg['quick'] else ''}: sizes {sizes}, "
        f"M = {grid[0]:.0e}..{grid[-1]:.0e} ({len(grid)} values), {cfg['seeds']} seeds"
    )


def run_boolean(args: argparse.Namespace) -> int:
    json_path, png_path = _output_paths(args)
    cfg = _config(args)
    print(_describe(cfg, "boolean"), flush=True)
    t0 = time.perf_counter()
    panel = fig3_panel("boolean", config=cfg, progress=lambda line: print("  " + line, flush=True))
    result = panel.sweep
    fits = analyse_sweep(result, eps_max=cfg["eps_max"])
    eps_show = 0.01
    lines = [
        "",
        f"Fits (points with predicted error <= {cfg['eps_max']:g}); M = C N^alpha / eps^beta, "
        "naive C per unit F:",
        format_fit_table(fits),
        "",
        f"Samples per query for error {eps_show:g} (interpolated from the sweep):",
        f"{'N':>6s}" + "".join(f"  {f.label:>14s}" for f in fits),
    ]
    needs = {f.label: samples_needed(result, f.label, eps_show) for f in fits}
    for n in cfg["dims"]:
        cells = [needs[f.label].get(n, math.nan) for f in fits]
        lines.append(
            f"{n:>6d}" + "".join(f"  {'-' if not math.isfinite(c) else f'{c:.2e}':>14s}" for c in cells)
        )
    expected = next((f for f in panel.fits if f.mode == "expected"), None)
    if expected is not None:
        lines += [
            "",
            (
                f"Boolean expected: free fit C = {expected.c:.3f} ± {expected.c_se:.3f} "
                f"(alpha = {expected.alpha:.4f}, beta = {expected.beta:.4f}); exponents fixed at 1: "
                f"C = {expected.c_fixed:.3f} ± {expected.c_fixed_se:.3f}; closed form pi^2/2 = "
                f"{math.pi**2 / 2:.3f}; paper's fit {expected.paper_c}."
            ),
        ]
    plot_sweep(
        result,
        png_path,
        fits=fits,
        eps_target=eps_show,
        title="Boolean phase oracle: error vs samples per query (qsjax)",
    )
    total_s = time.perf_counter() - t0
    result.save_json(
        json_path,
        fits=[f.to_dict() for f in fits],
        fig3_fits=[f.to_dict() for f in panel.fits],
        config=cfg,
        runtime_s={"sweep": panel.runtime_s, "total": total_s},
    )
    lines += [
        "",
        f"sweep {panel.runtime_s:.1f} s, total {total_s:.1f} s; dtype {result.meta['dtype']}; "
        f"wrote {json_path} and {png_path}",
    ]
    print("\n".join(lines))
    return 0


def run_panel(args: argparse.Namespace) -> int:
    """vector, element, row-index: run the panel, print its fits, write its JSON and PNG."""
    json_path, png_path = _output_paths(args)
    cfg = _config(args)
    print(_describe(cfg, args.panel), flush=True)
    panel = fig3_panel(args.panel, config=cfg, progress=lambda line: print("  " + line, flush=True))
    print("")
    print(format_fig3_table(panel.fits))
    ex = panel.extras
    if "unamplified_norm" in ex:
        print(f"unamplified norm {ex['unamplified_norm']:.4f} (2/(5 pi) = {2 / (5 * math.pi):.4f})")
    if "amplified_success" in ex:
        print(
            f"fixed-point amplified at N = {ex['amplified_n']}: success {ex['amplified_success']:.4f} "
            f"with {ex['amplified_queries']} sketches"
        )
    plot_fig3([panel], png_path, title=f"Fig. 3, {args.panel} panel (qsjax)")
    with open(json_path, "w", encoding="utf-8") as fh:
        json.dump(panel.to_dict(), fh, indent=1)
    print(f"{panel.runtime_s:.1f} s; wrote {json_path} and {png_path}")
    return 0


_HELP = {
    "boolean": "Boolean phase oracle (Fig. 3, Boolean panel)",
    "vector": "general vector state sketch (Fig. 3, vector panel)",
    "element": "matrix-element oracle (Fig. 3, element panel)",
    "row-index": "row-index oracle (Fig. 3, row-index panel)",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="scaling.py", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="panel", metavar="PANEL", required=True)
    for name in FIG3_PANELS:
        p = sub.add_parser(name, help=_HELP[name])
        p.add_argument("--quick", action="store_true", help="small grid (well under a minute)")
        p.add_argument("--json", type=Path, default=None, help="JSON output (default results/scaling_*.json)")
        p.add_argument("--png", type=Path, default=None, help="PNG output (default results/scaling_*.png)")
        p.add_argument(
            "--seeds",
            type=_positive_int,
            default=None,
            help="realisations (boolean) or random instances (the others) per size",
        )
        p.add_argument("--seed", type=int, default=0, help="seed of every random draw (default 0)")
        p.add_argument(
            "--eps-max",
            type=float,
            default=None,
            help="fit only points with (predicted, for boolean) error <= this (default per panel)",
        )
        if name == "vector":
            p.add_argument(
                "--degree",
                type=_positive_int,
                default=19,
                help="odd arcsin degree = sketches per preparation (default 19, the paper's '20 phases')",
            )
        p.set_defaults(run=run_boolean if name == "boolean" else run_panel)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    import jax

    jax.config.update("jax_enable_x64", True)  # an application: errors go down to ~1e-6
    return int(args.run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
