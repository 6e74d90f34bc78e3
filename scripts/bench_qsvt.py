"""Benchmark the general vector state sketch (and QSP phase finding).

Sections
--------
1. state sketch, ``expected`` mode, degree 19: fast path (segment-sum + WHT, O(N log N) per query)
   against a dense O(N^2) implementation of the same formula (explicit Z-string matrix, evaluated in
   row blocks so that memory stays bounded), both measured in this run; peak memory of each run is
   the max RSS of a fresh subprocess (so compile caches and earlier runs do not pollute it).
2. QSP phase finding time vs degree (delegates to ``scripts/bench_phases.py`` when present).

Usage: ``python scripts/bench_qsvt.py [--quick] [--json PATH]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))

CHILD = r"""
import json, resource, sys, time
import jax, jax.numpy as jnp, numpy as np
jax.config.update("jax_enable_x64", True)
import qsjax
from qsjax import arcsin_phases, vector_state

kind, log2n, degree = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
n = 1 << log2n
rng = np.random.default_rng(0)
b = rng.normal(size=n)
ph = np.load(sys.argv[4])
sk = vector_state(qsjax.VectorData(b), jax.random.key(0), degree=degree, qsp_phases=ph)
m = 1e8

def fast():
    return sk.run("expected", m).state

def dense():
    # the same formula with an explicit (-1)^{u.j} matrix: E_u = (sum_j p_j exp(i c_j (-1)^{u.j}))^M,
    # then the same per-entry QSP product; rows in blocks of 256 to bound memory
    c = (sk.t / m) * sk.signs * sk.values
    p = sk.probabilities
    j = jnp.arange(n, dtype=jnp.uint32)
    def row_block(u):
        z = 1.0 - 2.0 * (jax.lax.population_count(u[:, None] & j[None, :]) & 1)
        a = c[None, :] * z  # sum_j p_j (e^{ia} - 1), written without cancellation
        return jax.lax.complex(-2.0 * jnp.sin(0.5 * a) ** 2 @ p, jnp.sin(a) @ p)
    rows = jax.lax.map(row_block, jnp.arange(n, dtype=jnp.uint32).reshape(-1, min(n, 256)))
    w = rows.reshape(-1)
    e = jnp.exp(m * (0.5 * jnp.log1p(2 * w.real + jnp.abs(w) ** 2) + 1j * jnp.arctan2(w.imag, 1 + w.real)))
    # the same QSVT engine the library uses, on a sketch whose every query is this dense average
    class DenseAverage(qsjax.AbstractSketch):
        v: jax.Array

        def expected(self, m):
            return self.v

    enc = qsjax.blockencoding.SineLCUEncoding(DenseAverage(e), qsjax.Expected(m), None)
    start = jnp.zeros((2, 2, n), e.dtype).at[0, 0].set(1.0 / np.sqrt(n))
    anc = qsjax.qsp.qsvt_lcu(sk.qsp_phases, enc, start)[0, 0]
    hmat_rows = lambda u: (1.0 - 2.0 * (jax.lax.population_count(u[:, None] & j[None, :]) & 1)) @ anc
    hv = jax.lax.map(hmat_rows, jnp.arange(n, dtype=jnp.uint32).reshape(-1, min(n, 256))).reshape(-1)
    return sk.signs * hv / np.sqrt(n)

fn = jax.jit(fast if kind == "fast" else dense)
t0 = time.perf_counter(); out = jax.block_until_ready(fn()); t_first = time.perf_counter() - t0
t0 = time.perf_counter(); out = jax.block_until_ready(fn()); t_run = time.perf_counter() - t0
if kind == "dense":
    ref = jax.block_until_ready(jax.jit(fast)())
    err = float(jnp.max(jnp.abs(out - ref)))
else:
    err = 0.0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
print(json.dumps(dict(kind=kind, log2n=log2n, degree=degree, seconds=t_run, first_call=t_first,
                      peak_rss_mb=rss, max_abs_diff_vs_fast=err,
                      success=float(jnp.sum(jnp.abs(out) ** 2)))))
"""


def run_child(kind: str, log2n: int, degree: int, phases_path: str, timeout: float) -> dict:
    try:
        out = subprocess.run(
            [sys.executable, "-c", CHILD, kind, str(log2n), str(degree), phases_path],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return dict(kind=kind, log2n=log2n, degree=degree, error=f"timeout after {timeout:.0f} s")
    if out.returncode != 0:
        return dict(kind=kind, log2n=log2n, degree=degree, error=out.stderr.strip().splitlines()[-1:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="CI-sized run (seconds)")
    ap.add_argument("--json", metavar="PATH", help="write the records here")
    ap.add_argument("--degree", type=int, default=19)
    args = ap.parse_args(argv)

    import numpy as np

    sys.path.insert(0, os.path.dirname(HERE))
    import jax

    jax.config.update("jax_enable_x64", True)
    from qsjax import arcsin_phases

    t0 = time.perf_counter()
    ph = np.asarray(arcsin_phases(args.degree))
    t_phase = time.perf_counter() - t0
    phases_path = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"qsjax_arcsin_{args.degree}.npy")
    np.save(phases_path, ph)

    fast_sizes = [10, 12, 14] if args.quick else [10, 12, 14, 16, 18, 20, 22, 24]
    dense_sizes = [10, 12] if args.quick else [10, 12, 13, 14]
    records = []
    print(f"# vector state sketch, expected mode, degree {args.degree} (phase finding {t_phase:.2f} s)")
    print(f"# machine: {os.cpu_count()} cores, {platform.machine()}, jax {jax.__version__}")
    print(
        f"{'N':>10} {'fast s':>10} {'fast MB':>9} {'dense s':>10} {'dense MB':>9} {'speed-up':>9} "
        f"{'max|diff|':>10} {'success':>8}"
    )
    for log2n in fast_sizes:
        fast = run_child("fast", log2n, args.degree, phases_path, timeout=600)
        dense = (
            run_child("dense", log2n, args.degree, phases_path, timeout=600) if log2n in dense_sizes else None
        )
        records.append(fast)
        if dense:
            records.append(dense)
        fs = fast.get("seconds", float("nan"))
        ds = dense.get("seconds", float("nan")) if dense else float("nan")
        print(
            f"{1 << log2n:>10} {fs:>10.4f} {fast.get('peak_rss_mb', float('nan')):>9.0f} "
            f"{ds:>10.4f} {dense.get('peak_rss_mb', float('nan')) if dense else float('nan'):>9.0f} "
            f"{ds / fs if dense else float('nan'):>9.1f} "
            f"{dense.get('max_abs_diff_vs_fast', float('nan')) if dense else float('nan'):>10.2e} "
            f"{fast.get('success', float('nan')):>8.4f}"
        )
        for r in (fast, dense):
            if r and "error" in r:
                print(f"   {r['kind']} at 2^{log2n}: {r['error']}")

    phase_records = []
    bench_phases = os.path.join(HERE, "bench_phases.py")
    if os.path.exists(bench_phases):
        print("\n# QSP phase finding (scripts/bench_phases.py)")
        tmp = os.path.join(os.environ.get("TMPDIR", "/tmp"), "qsjax_bench_phases.json")
        cmd = [sys.executable, bench_phases, "--json", tmp] + (["--quick"] if args.quick else [])
        subprocess.run(cmd, check=False)
        if os.path.exists(tmp):
            with open(tmp) as fh:
                phase_records = json.load(fh)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(dict(state_sketch=records, phases=phase_records), fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
