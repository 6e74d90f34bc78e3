"""Benchmark QSP phase finding (qsjax) and, when importable, pyqsp's symmetric-QSP solver.

For each degree a target polynomial is built (default: an odd sign approximation with amplitude 0.9;
even degrees are rounded up to the next odd one), phases are found twice (the first call includes the
JIT compilation for that degree, the second is the steady-state cost) and the achieved polynomial is
checked on a grid. Prints a table and optionally writes JSON records.

Usage::

    python scripts/bench_phases.py --quick            # CI-sized, seconds
    python scripts/bench_phases.py --json bench.json  # degrees up to 10^4
    python scripts/bench_phases.py --degrees 1001 10001 --amplitude 0.99

Degree sweep (``--sweep``): sign polynomials of degree 1e2 .. 1e5 (``sign_polynomial(d, 10 / d)``,
approximation error ~1e-3 off the gap) rescaled to ``max |P| = 1 - margin`` (default ``1e-6``), solved
with ``--method`` (default ``auto``: the NLFT path from degree 500) twice, then checked by an
independent numpy evaluator (explicit 2x2 products, batched over points) at ``--check-points`` random
points of ``[-1, 1]``; optionally timed beside the iterative Newton solver up to
``--baseline-max-degree``. Records time, residual, independent-grid error, ``max |P|`` and the load
average (the machine may be shared: timings are as measured)::

    python scripts/bench_phases.py --sweep --json sweep.json
    python scripts/bench_phases.py --sweep --degrees 1001 10001 --margin 1e-4 --baseline-max-degree 10001
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))

from qsjax import find_phases, sign_polynomial, spectral_filter_polynomial  # noqa: E402
from qsjax.qsp import qsp_response, sup_norm  # noqa: E402

QUICK_DEGREES = (10, 30, 100, 300)
FULL_DEGREES = (10, 100, 1000, 3000, 10000)
SWEEP_DEGREES = (101, 301, 1001, 3001, 10001, 30001, 100001)


def make_target(degree: int, kind: str, amplitude: float):
    """Target polynomial of (about) the requested degree; returns the ChebPoly."""
    if kind == "sign":
        d = degree if degree % 2 == 1 else degree + 1
        # Gap ~ 20 / d keeps the approximation error small at every degree.
        return sign_polynomial(d, min(0.5, 20.0 / d), amplitude=amplitude)
    d = degree if degree % 2 == 0 else degree + 1
    gap = min(0.2, 20.0 / d)
    return spectral_filter_polynomial(d, 0.5, gap, amplitude=amplitude)


def grid_error(phases: np.ndarray, coeffs: np.ndarray, part: str = "real") -> float:
    """Max |Re or Im <0|U_phi(x)|0> - P(x)| on a 2001-point uniform grid."""
    import jax

    x = np.linspace(-1.0, 1.0, 2001)
    with jax.enable_x64(True):
        resp = np.asarray(qsp_response(phases, x))
    got = resp.real if part == "real" else resp.imag
    return float(np.max(np.abs(got - np.polynomial.chebyshev.chebval(x, coeffs))))


def bench_qsjax(poly, method: str) -> dict:
    t0 = time.perf_counter()
    first = find_phases(poly, method=method)
    t1 = time.perf_counter()
    second = find_phases(poly, method=method)
    t2 = time.perf_counter()
    return {
        "solver": "qsjax",
        "degree": poly.degree,
        "seconds_first": t1 - t0,
        "seconds": t2 - t1,
        "residual": second.residual,
        "max_error": second.max_error,
        "grid_error": grid_error(second.phases, poly.coeffs),
        "iterations": second.iterations,
        "method": second.method,
        "deterministic": bool(np.array_equal(first.phases, second.phases)),
    }


def bench_pyqsp(poly) -> dict | None:
    try:
        from pyqsp.angle_sequence import QuantumSignalProcessingPhases
    except ImportError:
        return None
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()) as log:
        full, _, _ = QuantumSignalProcessingPhases(
            poly.coeffs, signal_operator="Wx", method="sym_qsp", chebyshev_basis=True
        )
    t1 = time.perf_counter()
    phases = np.asarray(full, dtype=np.float64)
    # pyqsp's sym_qsp puts the target in Im<0|U|0> of the same Wx product.
    return {
        "solver": "pyqsp",
        "degree": poly.degree,
        "seconds_first": t1 - t0,
        "seconds": t1 - t0,
        "residual": float("nan"),
        "max_error": float("nan"),
        "grid_error": grid_error(phases, poly.coeffs, part="imag"),
        "iterations": log.getvalue().count("iter:"),
        "method": "sym_qsp (newton)",
        "deterministic": None,
    }


def np_response(phases: np.ndarray, x: np.ndarray, chunk: int = 1024) -> np.ndarray:
    """``Re <0|U_phi(x)|0>`` by explicit 2x2 products in numpy (independent of qsjax), batched.

    The row vector ``<0| exp(i phi_0 Z)`` times ``W(x) exp(i phi_k Z)``, ``k = 1 .. d``, for ``chunk``
    points at a time: ``d * len(x)`` 2x2 products (2e8 at degree 1e5 and 2000 points, a few seconds).
    """
    e = np.exp(1j * np.asarray(phases, dtype=np.float64))
    out = []
    for xs in np.array_split(np.asarray(x, dtype=np.float64), max(1, -(-len(x) // chunk))):
        s = np.sqrt(1.0 - xs * xs)
        v0 = np.full(xs.shape, e[0])
        v1 = np.zeros(xs.shape, complex)
        for ek in e[1:]:
            w0 = xs * v0 + 1j * s * v1
            w1 = 1j * s * v0 + xs * v1
            v0, v1 = w0 * ek, w1 * np.conj(ek)
        out.append(v0.real)
    return np.concatenate(out)


def sweep_record(coeffs: np.ndarray, method: str, x: np.ndarray) -> dict:
    """Solve twice (first call includes any JIT compilation), check independently at ``x``."""
    load = os.getloadavg()
    t0 = time.perf_counter()
    first = find_phases(coeffs, method=method)
    t1 = time.perf_counter()
    second = find_phases(coeffs, method=method)
    t2 = time.perf_counter()
    c0 = time.perf_counter()
    got = np_response(second.phases, x)
    err = float(np.max(np.abs(got - np.polynomial.chebyshev.chebval(x, coeffs))))
    return {
        "solver": "qsjax",
        "requested_method": method,
        "method": second.method,
        "degree": second.degree,
        "seconds_first": t1 - t0,
        "seconds": t2 - t1,
        "residual": second.residual,
        "max_error": second.max_error,
        "independent_grid_error": err,
        "independent_points": int(len(x)),
        "check_seconds": time.perf_counter() - c0,
        "iterations": second.iterations,
        "deterministic": bool(np.array_equal(first.phases, second.phases)),
        "loadavg_before": list(load),
        "loadavg_after": list(os.getloadavg()),
    }


def run_sweep(args) -> list[dict]:
    degrees = args.degrees or SWEEP_DEGREES
    rng = np.random.default_rng(args.seed)
    records = []
    header = (
        f"{'method':10s} {'degree':>7s} {'1-max|P|':>9s} {'build s':>8s} {'first s':>8s} {'solve s':>8s} "
        f"{'residual':>9s} {'indep err':>9s} {'load':>5s}"
    )
    print(header)
    print("-" * len(header))
    for deg in degrees:
        d = deg if deg % 2 == 1 else deg + 1
        t0 = time.perf_counter()
        poly = sign_polynomial(d, min(0.5, 10.0 / d))
        coeffs = np.asarray(poly.coeffs) * ((1.0 - args.margin) / poly.max_abs)
        top = sup_norm(coeffs)
        build = time.perf_counter() - t0
        # random points, plus a few in the transition window and the end points
        x = np.concatenate(
            [rng.uniform(-1, 1, args.check_points - 10), rng.uniform(-10 / d, 10 / d, 8), [-1.0, 1.0]]
        )
        methods = [args.method]
        if args.baseline_max_degree and d <= args.baseline_max_degree:
            methods.append("newton")
        for method in methods:
            rec = sweep_record(coeffs, method, x)
            rec.update(
                target=f"sign_polynomial({d}, {min(0.5, 10.0 / d):.4g}) * (1 - {args.margin:g}) / max",
                approx_error=poly.approx_error,
                max_abs=top,
                margin=1.0 - top,
                build_seconds=build,
            )
            records.append(rec)
            print(
                f"{rec['method']:10s} {d:7d} {1.0 - top:9.2e} {build:8.2f} {rec['seconds_first']:8.2f} "
                f"{rec['seconds']:8.2f} {rec['residual']:9.1e} {rec['independent_grid_error']:9.1e} "
                f"{rec['loadavg_before'][0]:5.2f}",
                flush=True,
            )
    return records


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help=f"degrees {QUICK_DEGREES}")
    ap.add_argument("--degrees", type=int, nargs="+", help="explicit list of degrees")
    ap.add_argument("--target", choices=("sign", "filter"), default="sign")
    ap.add_argument("--amplitude", type=float, default=0.9, help="max |P| of the target")
    ap.add_argument("--method", choices=("auto", "nlft", "fpi", "newton"), default="auto")
    ap.add_argument("--sweep", action="store_true", help=f"degree sweep {SWEEP_DEGREES} near max|P| = 1")
    ap.add_argument("--margin", type=float, default=1e-6, help="sweep: 1 - max |P| of the targets")
    ap.add_argument("--check-points", type=int, default=2000, help="sweep: independent check points")
    ap.add_argument(
        "--baseline-max-degree",
        type=int,
        default=0,
        help="sweep: also time the iterative Newton solver up to this degree (at most 20001)",
    )
    ap.add_argument("--seed", type=int, default=0, help="sweep: seed of the check points")
    ap.add_argument(
        "--pyqsp-max-degree",
        type=int,
        default=None,
        help="largest degree to run pyqsp on (default 301 quick / 1001 full; it "
        "scales ~d^2 per Newton iteration in Python)",
    )
    ap.add_argument("--json", metavar="PATH", help="write the records as JSON")
    args = ap.parse_args(argv)

    if args.sweep:
        records = run_sweep(args)
        if args.json:
            meta = {
                "platform": platform.platform(),
                "python": platform.python_version(),
                "cpu_count": os.cpu_count(),
                "mode": "sweep",
                "method": args.method,
                "margin": args.margin,
                "check_points": args.check_points,
                "note": "seconds as measured; the machine may be shared (see loadavg_* per record)",
            }
            with open(args.json, "w") as fh:
                json.dump({"meta": meta, "records": records}, fh, indent=2)
            print(f"wrote {len(records)} records to {args.json}")
        return 0

    degrees = args.degrees or (QUICK_DEGREES if args.quick else FULL_DEGREES)
    pyqsp_max = args.pyqsp_max_degree or (301 if args.quick else 1001)
    try:
        import pyqsp  # noqa: F401

        have_pyqsp = True
    except ImportError:
        have_pyqsp = False

    records = []
    header = (
        f"{'solver':7s} {'degree':>7s} {'build s':>8s} {'first s':>8s} {'solve s':>8s} "
        f"{'residual':>9s} {'grid err':>9s} {'iters':>6s}  method"
    )
    print(header)
    print("-" * len(header))
    for deg in degrees:
        t0 = time.perf_counter()
        poly = make_target(deg, args.target, args.amplitude)
        build = time.perf_counter() - t0
        rows = [bench_qsjax(poly, args.method)]
        if have_pyqsp and poly.degree <= pyqsp_max:
            rows.append(bench_pyqsp(poly))
        for rec in rows:
            rec.update(
                target=poly.target,
                approx_error=poly.approx_error,
                build_seconds=build,
                amplitude=args.amplitude,
            )
            records.append(rec)
            print(
                f"{rec['solver']:7s} {rec['degree']:7d} {build:8.2f} {rec['seconds_first']:8.2f} "
                f"{rec['seconds']:8.2f} {rec['residual']:9.1e} {rec['grid_error']:9.1e} "
                f"{rec['iterations']:6d}  {rec['method']}",
                flush=True,
            )
    if not have_pyqsp:
        print("pyqsp: not available (pip install pyqsp to time it beside qsjax)")

    if args.json:
        meta = {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "cpu_count": os.cpu_count(),
            "target": args.target,
            "method": args.method,
        }
        with open(args.json, "w") as fh:
            json.dump({"meta": meta, "records": records}, fh, indent=2)
        print(f"wrote {len(records)} records to {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
