"""Benchmark: the index oracle from element samples (counter sketch -> sine LCU -> sign QSVT -> binary
search) on an ``N x N`` sparse matrix with ``s`` nonzeros per row at random columns.

For each mode (ideal / expected / counts at ``M`` samples per query) it times one full oracle
evaluation (every row and rank, output ``(N, s, 2**b)``) after compilation (median of ``--repeats``
calls; compile time separately) and reports the mean / min column fidelity. Baselines in the same
run: ``numpy.bincount`` of ``M`` indices (the classical cost of counting one query's samples), and a
dense numpy evaluation of the same sign-oracle products (2x2 QSP matrices per cell) for a few rows,
timed and extrapolated to all rows.

    python scripts/bench_index.py [--quick] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import time

import jax
import numpy as np
import scipy.sparse as sp

import qsjax


def random_rows(n: int, s: int, rng) -> sp.csr_array:
    cols = np.stack([rng.choice(n, size=s, replace=False) for _ in range(n)])
    vals = rng.uniform(0.1, 1.0, size=(n, s))
    return sp.csr_array((vals.ravel(), (np.repeat(np.arange(n), s), cols.ravel())), shape=(n, n))


def timed(fn, repeats: int):
    t0 = time.perf_counter()
    out = jax.block_until_ready(fn())
    first = time.perf_counter() - t0
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = jax.block_until_ready(fn())
        times.append(time.perf_counter() - t0)
    run = statistics.median(times)
    return out, max(first - run, 0.0), run


def numpy_sign_rows(phases: np.ndarray, s: int, n_rows: int) -> np.ndarray:
    """Dense numpy reference for the ideal sign oracle of ``n_rows`` rows: per cell ``(c, r)`` the
    product ``R(phi_0) W(x) R(phi_1) ... W(x) R(phi_d)`` of 2x2 matrices, ``Re`` of the (0,0) entry
    averaged over ``+-phi``."""
    c = np.arange(2 * s + 1)[:, None]
    r = np.arange(s)[None, :]
    x = np.sin(np.pi * (c - r - 0.5) / (2 * s + 1))
    out = np.empty((n_rows, 2 * s + 1, s))
    for i in range(n_rows):
        for a in range(x.shape[0]):
            for b in range(x.shape[1]):
                xv = x[a, b]
                w = np.array([[xv, 1j * math.sqrt(1 - xv * xv)], [1j * math.sqrt(1 - xv * xv), xv]])
                val = 0.0
                for sign in (1.0, -1.0):
                    u = np.diag(np.exp([1j * sign * phases[0], -1j * sign * phases[0]]))
                    for p in phases[1:]:
                        u = u @ w @ np.diag(np.exp([1j * sign * p, -1j * sign * p]))
                    val += 0.5 * u[0, 0].real
                out[i, a, b] = val
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="300 x 300, M = 10^5, one repeat")
    ap.add_argument("--json", metavar="PATH", help="write the results as JSON")
    ap.add_argument("--n", type=int, default=None, help="matrix size N (default 1000; 300 with --quick)")
    ap.add_argument("--s", type=int, default=8, help="nonzeros per row")
    ap.add_argument("--m", type=float, default=None, help="samples per query (default 1e6; 1e5 with --quick)")
    ap.add_argument("--repeats", type=int, default=None)
    ap.add_argument("--x64", action="store_true", help="run in float64 / complex128")
    args = ap.parse_args(argv)
    if args.x64:
        jax.config.update("jax_enable_x64", True)
    n = args.n or (300 if args.quick else 1000)
    m = int(args.m or (1e5 if args.quick else 1e6))
    repeats = args.repeats or (1 if args.quick else 3)
    rng = np.random.default_rng(0)
    mat = qsjax.sparse_matrix(random_rows(n, args.s, rng))

    t0 = time.perf_counter()
    oracle = qsjax.index_oracle(mat)
    build = time.perf_counter() - t0
    print(
        f"index oracle: {n} x {n}, s = {oracle.sparsity}, K = {mat.nnz}, b = {oracle.n_bits} bits, "
        f"degree {oracle.degree}, {oracle.n_queries} queries per call, state {oracle.output_shape}, "
        f"{jax.numpy.zeros(()).dtype.name}; built in {build:.2f} s (Remez + phase finding)"
    )
    key = jax.random.key(1)
    rows = []
    for mode in ("ideal", "expected", "counts"):
        if mode == "ideal":
            fn = oracle.ideal
        elif mode == "expected":
            fn = lambda: oracle.expected(m)  # noqa: E731
        else:
            fn = lambda: oracle.counts(key, m)  # noqa: E731
        amp, compile_s, run_s = timed(fn, repeats)
        fid = np.asarray(oracle.column_fidelity(amp))
        rows.append(
            dict(
                mode=mode,
                m=None if mode == "ideal" else m,
                samples=0 if mode == "ideal" else oracle.samples_per_call(m),
                compile_s=compile_s,
                run_s=run_s,
                fidelity_mean=float(fid.mean()),
                fidelity_min=float(fid.min()),
                argmax_ok=bool((np.argmax(np.abs(np.asarray(amp)), -1) == np.asarray(oracle.columns)).all()),
            )
        )

    # baselines
    idx = rng.integers(0, mat.nnz, size=m)
    t0 = time.perf_counter()
    for _ in range(3):
        np.bincount(idx, minlength=mat.nnz)
    bincount = (time.perf_counter() - t0) / 3
    few = 2
    phases = np.asarray(oracle.qsp_phases, np.float64)
    t0 = time.perf_counter()
    ref = numpy_sign_rows(phases, oracle.sparsity, few)
    dense_rows = time.perf_counter() - t0
    got = np.asarray(oracle.sign_oracle("ideal"))[:few].real
    dense_err = float(np.abs(got - ref).max())

    print(f"\n{'mode':<10}{'M':>10}{'compile s':>12}{'run s':>10}{'fid mean':>12}{'fid min':>12}  argmax")
    for r in rows:
        mm = "-" if r["m"] is None else f"{r['m']:.0e}"
        print(
            f"{r['mode']:<10}{mm:>10}{r['compile_s']:>12.2f}{r['run_s']:>10.3f}{r['fidelity_mean']:>12.6f}"
            f"{r['fidelity_min']:>12.6f}  {r['argmax_ok']}"
        )
    counts_run = rows[-1]["run_s"]
    print(
        f"\nbaseline numpy.bincount of M = {m:.0e} indices: {bincount * 1e3:.1f} ms per query, "
        f"x {oracle.n_queries} queries = {bincount * oracle.n_queries:.1f} s per oracle call "
        f"(counts mode: {counts_run:.2f} s)"
    )
    print(
        f"baseline dense numpy sign oracle (2x2 products per cell), {few} rows: {dense_rows:.2f} s, "
        f"extrapolated to {n} rows x {oracle.n_bits} steps: {dense_rows / few * n * oracle.n_bits:.0f} s "
        f"(max |difference| to the library's ideal sign oracle: {dense_err:.1e})"
    )
    result = dict(
        n=n,
        sparsity=oracle.sparsity,
        nnz=mat.nnz,
        n_bits=oracle.n_bits,
        degree=oracle.degree,
        queries=oracle.n_queries,
        build_s=build,
        modes=rows,
        baseline_bincount_per_query_s=bincount,
        baseline_dense_sign_rows=few,
        baseline_dense_sign_s=dense_rows,
        dense_sign_max_err=dense_err,
        dtype=str(jax.numpy.zeros(()).dtype),
        device=str(jax.devices()[0]),
        target_s=10.0,
    )
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(result, fh, indent=2)
        print(f"wrote {args.json}")
    return result


if __name__ == "__main__":
    main()
