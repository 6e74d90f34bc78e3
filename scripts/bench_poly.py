"""Degree needed for a target error: smooth (old) vs near-minimax (new) vs the minimax optimum.

For each target (sign at several gaps, 1/x at several condition numbers, the spectral filter) and each
error goal ``eps`` the script reports

* ``old``: the smallest degree at which the smooth construction (``method="smooth"``, the erf-family /
  windowed-series scan) measures ``approx_error <= eps``;
* ``new``: the same for the default construction (``method="remez"``), which also satisfies
  ``|P| <= 1`` on ``[-1, 1]``;
* ``bnd``: the smallest degree whose best polynomial *under* ``|P| <= 1`` reaches ``eps``
  (``minimax_degree(..., bounded=True)``): the QSP optimum;
* ``mmx``: the smallest degree whose plain minimax error reaches ``eps`` (``minimax_degree``), a lower
  bound for every polynomial (bounded or not),

with the ratios to ``mmx`` and the time to build each polynomial at its degree. The sign and filter
targets have amplitude 1, where ``|P| <= 1`` is binding: the bounded optimum of the sign is
``2E / (1 + E)`` for minimax error ``E``, hence ``bnd > mmx`` there.

Usage::

    python scripts/bench_poly.py                      # full table, JSON to scripts/out/bench_poly.json
    python scripts/bench_poly.py --quick              # fewer rows, seconds
    python scripts/bench_poly.py --out /tmp/poly.json --eps 1e-2 1e-3

The smooth 1/x construction at ``kappa = 1000`` needs degrees ~2e4 and takes minutes; ``--max-kappa``
limits it. Timings are wall-clock on a possibly shared machine (the load average is recorded).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))

from qsjax.qsp import (  # noqa: E402
    REMEZ_MAX_DEGREE,
    inverse_polynomial,
    minimax_degree,
    sign_polynomial,
    smallest_degree,
    spectral_filter_polynomial,
)


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def ctor_degree(build, eps: float, parity: int, start: int, rate_hint: float | None = None):
    """Smallest degree whose constructor meets eps (assumes the error decreases with the degree)."""
    cache = {}

    def err(d):
        if d not in cache:
            cache[d] = build(d).approx_error
        return cache[d]

    return smallest_degree(err, eps, parity=parity, start=start, max_degree=200_000, rate=rate_hint)


def row_sign(gap: float, eps: float) -> dict:
    mmx = minimax_degree("sign", eps, gap=gap)
    bnd = minimax_degree("sign", eps, gap=gap, bounded=True)
    new = ctor_degree(lambda d: sign_polynomial(d, gap), eps, 1, bnd)
    old = ctor_degree(lambda d: sign_polynomial(d, gap, method="smooth"), eps, 1, int(1.8 * bnd) | 1)
    p_new, t_new = timed(lambda: sign_polynomial(new, gap))
    p_old, t_old = timed(lambda: sign_polynomial(old, gap, method="smooth"))
    return dict(
        target=f"sign gap={gap:g}",
        eps=eps,
        old=old,
        new=new,
        bnd=bnd,
        mmx=mmx,
        err_old=p_old.approx_error,
        err_new=p_new.approx_error,
        t_old=t_old,
        t_new=t_new,
    )


def row_inverse(kappa: float, eps: float, smooth: bool) -> dict:
    mmx = minimax_degree("inverse", eps, kappa=kappa)
    bnd = minimax_degree("inverse", eps, kappa=kappa, bounded=True)
    p_new, t_search_new = timed(lambda: inverse_polynomial(kappa, eps))
    _, t_new = timed(lambda: inverse_polynomial(kappa, degree=p_new.degree))
    if smooth:
        p_old, t_search_old = timed(lambda: inverse_polynomial(kappa, eps, method="smooth"))
        _, t_old = timed(lambda: inverse_polynomial(kappa, degree=p_old.degree, method="smooth"))
        old, err_old = p_old.degree, p_old.approx_error
    else:
        old = err_old = t_old = t_search_old = None
    return dict(
        target=f"1/x kappa={kappa:g}",
        eps=eps,
        old=old,
        new=p_new.degree,
        bnd=bnd,
        mmx=mmx,
        err_old=err_old,
        err_new=p_new.approx_error,
        t_old=t_old,
        t_new=t_new,
        t_search_old=t_search_old,
        t_search_new=t_search_new,
    )


def row_filter(cutoff: float, gap: float, eps: float) -> dict:
    mmx = minimax_degree("filter", eps, cutoff=cutoff, gap=gap)
    bnd = minimax_degree("filter", eps, cutoff=cutoff, gap=gap, bounded=True)
    new = ctor_degree(lambda d: spectral_filter_polynomial(d, cutoff, gap), eps, 0, bnd)
    old = ctor_degree(
        lambda d: spectral_filter_polynomial(d, cutoff, gap, method="smooth"), eps, 0, 2 * int(0.9 * bnd)
    )
    p_new, t_new = timed(lambda: spectral_filter_polynomial(new, cutoff, gap))
    p_old, t_old = timed(lambda: spectral_filter_polynomial(old, cutoff, gap, method="smooth"))
    return dict(
        target=f"filter c={cutoff:g} gap={gap:g}",
        eps=eps,
        old=old,
        new=new,
        bnd=bnd,
        mmx=mmx,
        err_old=p_old.approx_error,
        err_new=p_new.approx_error,
        t_old=t_old,
        t_new=t_new,
    )


def fmt_ratio(a, b):
    return "   -" if a is None or b is None else f"{a / b:4.2f}"


def fmt_int(a):
    return "     -" if a is None else f"{a:6d}"


def fmt_t(t):
    return "     -" if t is None else f"{t:6.2f}"


HEADER = (
    f"{'target':24s} {'eps':>7s} {'old':>6s} {'new':>6s} {'bnd':>6s} {'mmx':>6s} "
    f"{'old/mmx':>7s} {'new/mmx':>7s} {'new/bnd':>7s} {'t_old':>6s} {'t_new':>6s}"
)


def print_row(r: dict) -> None:
    print(
        f"{r['target']:24s} {r['eps']:7.0e} {fmt_int(r['old'])} {fmt_int(r['new'])} {fmt_int(r['bnd'])} "
        f"{fmt_int(r['mmx'])} {fmt_ratio(r['old'], r['mmx']):>7s} {fmt_ratio(r['new'], r['mmx']):>7s} "
        f"{fmt_ratio(r['new'], r['bnd']):>7s} {fmt_t(r['t_old'])} {fmt_t(r['t_new'])}",
        flush=True,
    )


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--json",
        "--out",
        dest="out",
        default=os.path.join("results", "bench_poly.json"),
        help="JSON output (default results/bench_poly.json)",
    )
    ap.add_argument("--eps", type=float, nargs="+", default=[1e-2, 1e-3, 1e-4])
    ap.add_argument("--gaps", type=float, nargs="+", default=[0.1, 0.02, 0.005], help="sign gaps")
    ap.add_argument("--kappas", type=float, nargs="+", default=[10.0, 100.0, 1000.0])
    ap.add_argument("--filter-gaps", type=float, nargs="+", default=[0.1, 0.02], help="cutoff 0.5")
    ap.add_argument(
        "--max-kappa", type=float, default=1000.0, help="skip the (slow) smooth 1/x above this kappa"
    )
    ap.add_argument("--quick", action="store_true", help="a few rows only")
    args = ap.parse_args(argv)
    if args.quick:
        args.eps, args.gaps, args.kappas, args.filter_gaps = [1e-2, 1e-3], [0.05], [10.0], [0.1]

    rows = []
    t_all = time.perf_counter()
    print(HEADER)
    for gap in args.gaps:
        for eps in args.eps:
            rows.append(row_sign(gap, eps))
            print_row(rows[-1])
    for kappa in args.kappas:
        for eps in args.eps:
            rows.append(row_inverse(kappa, eps, smooth=kappa <= args.max_kappa))
            print_row(rows[-1])
    for gap in args.filter_gaps:
        for eps in args.eps:
            rows.append(row_filter(0.5, gap, eps))
            print_row(rows[-1])
    total = time.perf_counter() - t_all
    for r in rows:
        for k in ("old", "new", "bnd"):
            r[f"{k}_over_mmx"] = None if r[k] is None else r[k] / r["mmx"]
    ratios_new = [r["new_over_mmx"] for r in rows]
    ratios_old = [r["old_over_mmx"] for r in rows if r["old_over_mmx"] is not None]
    print(
        f"\nnew/mmx: {min(ratios_new):.2f}..{max(ratios_new):.2f}   "
        f"old/mmx: {min(ratios_old):.2f}..{max(ratios_old):.2f}   total {total:.1f} s"
    )
    meta = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "cores": os.cpu_count(),
        "loadavg": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "remez_max_degree": REMEZ_MAX_DEGREE,
        "total_s": total,
        "columns": {
            "old": "smallest degree, smooth construction (method='smooth'), measured error <= eps",
            "new": "smallest degree, default construction (method='remez'), measured error <= eps",
            "bnd": "minimax_degree(bounded=True): best polynomial with |P| <= 1",
            "mmx": "minimax_degree: plain minimax, a lower bound for any polynomial",
            "t_old/t_new": "seconds to build the polynomial at that degree",
        },
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as fh:
        json.dump({"meta": meta, "rows": rows}, fh, indent=1)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
