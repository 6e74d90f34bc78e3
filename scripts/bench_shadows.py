"""Benchmark interferometric classical shadows: snapshot drawing, model size and batched predictions.

Default: ``T = 10^5`` snapshots of a ``2^13``-dimensional ``|w>`` (14 qubits with the interferometric
one) and predictions of ``Re <x|w>`` for ``10^4`` sparse test vectors (50 nonzeros each). Targets:
drawing <= 300 s, predictions <= 60 s. Baselines measured in the same run: one dense copy pass over a
``2^14`` complex64 statevector (per snapshot) and ``numpy.bincount`` over as many indices as the
test vectors have nonzeros.

    python scripts/bench_shadows.py [--quick] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import time

import jax
import jax.numpy as jnp
import numpy as np
import scipy.sparse

import qsjax
from qsjax.shadows import interferometric_shadows, predict_overlaps, shadow_error_bound


def _time(fn, repeat=3):
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        jax.block_until_ready(fn())
        best = min(best, time.perf_counter() - t0)
    return best


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (a smoke run in seconds)")
    ap.add_argument("--n", type=int, default=None, help="qubits of w (default 13, quick 8)")
    ap.add_argument("--snapshots", type=int, default=None, help="T (default 1e5, quick 2e3)")
    ap.add_argument("--tests", type=int, default=None, help="test vectors (default 1e4, quick 1e3)")
    ap.add_argument("--nnz", type=int, default=50, help="nonzeros per test vector")
    ap.add_argument("--batch-size", type=int, default=256, help="snapshots per lax.map step")
    ap.add_argument("--delta", type=float, default=0.01, help="median-of-means failure probability")
    ap.add_argument("--json", default=None, help="write the results as JSON to this path")
    args = ap.parse_args(argv)
    n = args.n or (8 if args.quick else 13)
    t = args.snapshots or (2000 if args.quick else 100_000)
    m = args.tests or (1000 if args.quick else 10_000)
    dim = 1 << n
    rng = np.random.default_rng(0)
    w = rng.normal(size=dim).astype(np.float32)
    w /= np.linalg.norm(w)

    # baseline 1: one dense copy pass over a 2^(n+1) complex64 state, per snapshot (batched)
    state = jnp.ones((args.batch_size, 2 * dim), jnp.complex64)
    copy = jax.jit(lambda s: s * jnp.complex64(1.0000001))
    jax.block_until_ready(copy(state))
    copy_pass = _time(lambda: copy(state)) / args.batch_size

    t0 = time.perf_counter()
    model = interferometric_shadows(jax.random.key(1), w, t, batch_size=args.batch_size)
    jax.block_until_ready(model.outcomes)
    draw_s = time.perf_counter() - t0

    # sparse test vectors
    nnz = min(args.nnz, dim)
    cols = np.stack([rng.choice(dim, size=nnz, replace=False) for _ in range(m)])
    vals = rng.normal(size=(m, nnz))
    vals /= np.linalg.norm(vals, axis=1, keepdims=True)
    x = scipy.sparse.csr_matrix((vals.ravel(), cols.ravel(), np.arange(0, m * nnz + 1, nnz)), shape=(m, dim))
    bincount = _time(lambda: np.bincount(cols.ravel(), minlength=dim))

    t0 = time.perf_counter()
    pred = predict_overlaps(model, x, delta=args.delta)
    jax.block_until_ready(pred.mean)
    predict_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    jax.block_until_ready(predict_overlaps(model, x, delta=args.delta).mean)
    predict_warm_s = time.perf_counter() - t0

    exact = x @ w
    err_mean = np.abs(np.asarray(pred.mean) - exact)
    err_mom = np.abs(np.asarray(pred.median_of_means) - exact)
    eps = shadow_error_bound(t, args.delta)
    res = {
        "n_w_qubits": n,
        "total_qubits": n + 1,
        "snapshots": t,
        "test_vectors": m,
        "nnz_per_test_vector": nnz,
        "backend": jax.default_backend(),
        "draw_s": draw_s,
        "draw_per_snapshot_us": 1e6 * draw_s / t,
        "copy_pass_per_snapshot_us": 1e6 * copy_pass,
        "draw_over_copy_pass": draw_s / t / copy_pass,
        "model_memory_bits": model.memory_bits,
        "model_bits_per_snapshot": model.memory_bits / t,
        "model_nbytes": model.nbytes,
        "predict_s": predict_s,
        "predict_warm_s": predict_warm_s,
        "bincount_s": bincount,
        "predict_over_bincount": predict_warm_s / bincount,
        "groups": pred.groups,
        "mom_eps_bound": eps,
        "max_err_mean": float(err_mean.max()),
        "max_err_median_of_means": float(err_mom.max()),
        "frac_mom_within_eps": float((err_mom <= eps).mean()),
        "targets_met": {"draw_le_300s": draw_s <= 300, "predict_le_60s": predict_s <= 60},
        "qsjax": qsjax.__version__,
    }
    for k, v in res.items():
        print(f"{k:28s} {v}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(res, fh, indent=2)
    return res


if __name__ == "__main__":
    main()
