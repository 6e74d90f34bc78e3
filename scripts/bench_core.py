"""Core performance benchmark of qsjax: kernels vs memory bandwidth, the sketch in every mode,
exact counts at M = 1e12, explicit-sample ingest vs ``numpy.bincount``, and peak memory vs M.

Usage::

    python scripts/bench_core.py            # full run (N up to 2**24, sampled M up to 1e9; < 10 min)
    python scripts/bench_core.py --quick    # CI-sized (small N; under a minute)
    python scripts/bench_core.py --x64      # float64 / complex128 (the tests' precision)
    python scripts/bench_core.py --json out.json

Every timing is after compilation (``compile_s`` is reported separately; ``first_s`` is the first
call, ``run_s`` the best later call) and ends with ``jax.block_until_ready``. Ratios: ``x_copy`` is a
kernel's time over a plain numpy copy of the same bytes into a preallocated buffer (the memory
bandwidth floor), ``x_jax`` over a jitted ``x * 1`` that, like the kernel, writes a fresh output,
``x_jax_donated`` over the same with the input buffer donated (written in place). Ingest ratios are
rates over ``numpy.bincount``'s rate on the very same indices, measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _bench_util import Report, machine_info, run_child, time_call, time_jitted  # noqa: E402


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="CI-sized run (small N and M)")
    ap.add_argument("--x64", action="store_true", help="enable float64 (jax_enable_x64) for the run")
    ap.add_argument("--json", metavar="PATH", help="write all records as JSON")
    return ap.parse_args(argv)


def bench_bandwidth(rep, jax, jnp, np, qsjax, lg: int, cdtype):
    """Kernels on one state vector against a measured bandwidth pass over the same bytes."""
    n_el = 1 << lg
    rep.section(f"kernels vs bandwidth: N=2^{lg} {np.dtype(cdtype).name}")
    rng = np.random.default_rng(0)
    host = (rng.standard_normal(n_el) + 1j * rng.standard_normal(n_el)).astype(cdtype)
    dst = np.empty_like(host)
    _, t_copy, _ = time_call(lambda: np.copyto(dst, host), reps=5)
    _, t_np_mul, _ = time_call(lambda: host * 1, reps=3)
    x = jnp.asarray(host)
    rdt = np.finfo(cdtype).dtype
    phases = jnp.asarray(rng.uniform(-np.pi, np.pi, n_el).astype(rdt))
    diag = jnp.exp(1j * phases.astype(cdtype))
    nbytes = host.nbytes
    t_x1 = time_jitted(lambda s: s * 1, x, reps=5).run_s
    t_x1d = time_jitted(lambda s: s * 1, x, reps=5, donate=(0,), fresh_args=lambda: (x + 0,)).run_s
    rep.add("numpy copyto (prealloc)", run_s=t_copy, GBps=2 * nbytes / t_copy / 1e9)
    rep.add("numpy x*1 (fresh output)", run_s=t_np_mul, GBps=2 * nbytes / t_np_mul / 1e9)
    rep.add("jax jit x*1 (fresh output)", run_s=t_x1, GBps=2 * nbytes / t_x1 / 1e9)
    rep.add("jax jit x*1 (donated)", run_s=t_x1d, GBps=2 * nbytes / t_x1d / 1e9)

    def ratios(name, t: float, **extra):
        rep.add(name, run_s=t, x_copy=t / t_copy, x_jax=t / t_x1, x_jax_donated=t / t_x1d, **extra)

    tm = time_jitted(qsjax.kernels.apply_diagonal, x, diag, reps=5)
    ratios("apply_diagonal", tm.run_s, compile_s=tm.compile_s)
    tm = time_jitted(
        qsjax.kernels.apply_diagonal, x, diag, reps=5, donate=(0,), fresh_args=lambda: (x + 0, diag)
    )
    ratios("apply_diagonal (state donated)", tm.run_s)
    tm = time_jitted(qsjax.kernels.apply_phases, x, phases, reps=5)
    ratios("apply_phases", tm.run_s, compile_s=tm.compile_s)
    tm = time_jitted(qsjax.kernels.walsh_hadamard, x, reps=3)
    ratios("walsh_hadamard (all qubits)", tm.run_s, compile_s=tm.compile_s)
    tm = time_jitted(qsjax.kernels.walsh_hadamard, x, reps=3, donate=(0,), fresh_args=lambda: (x + 0,))
    ratios("walsh_hadamard (donated)", tm.run_s)
    half = list(range(0, lg, 2))
    tm = time_jitted(lambda s: qsjax.kernels.walsh_hadamard(s, half), x, reps=3)
    ratios(f"walsh_hadamard ({len(half)} even qubits)", tm.run_s, compile_s=tm.compile_s)


def bench_wht(rep, jax, jnp, np, qsjax, lgs):
    """The Walsh-Hadamard transform (all qubits) against a numpy copy pass of the same bytes, in
    complex64 and complex128 (a local x64 scope), fresh output and donated input, one run."""
    rep.section("walsh_hadamard vs copy pass (all qubits, normalised)")
    for lg in lgs:
        for cdtype in (np.complex64, np.complex128):
            with jax.enable_x64(cdtype == np.complex128):
                rng = np.random.default_rng(lg)
                host = (rng.standard_normal(1 << lg) + 1j * rng.standard_normal(1 << lg)).astype(cdtype)
                dst = np.empty_like(host)
                _, t_copy, _ = time_call(lambda host=host, dst=dst: np.copyto(dst, host), reps=7)
                x = jnp.asarray(host)
                t_x1 = time_jitted(lambda s: s + 1, x, reps=5).run_s
                tm = time_jitted(qsjax.kernels.walsh_hadamard, x, reps=5)
                td = time_jitted(
                    qsjax.kernels.walsh_hadamard, x, reps=5, donate=(0,), fresh_args=lambda x=x: (x + 0,)
                )
                name = f"N=2^{lg} {np.dtype(cdtype).name}"
                rep.add(f"copy pass {name}", run_s=t_copy, GBps=2 * host.nbytes / t_copy / 1e9)
                rep.add(f"jit x+1 {name}", run_s=t_x1, x_copy=t_x1 / t_copy)
                rep.add(
                    f"walsh_hadamard {name}",
                    run_s=tm.run_s,
                    x_copy=tm.run_s / t_copy,
                    x_jax=tm.run_s / t_x1,
                    compile_s=tm.compile_s,
                )
                rep.add(f"walsh_hadamard donated {name}", run_s=td.run_s, x_copy=td.run_s / t_copy)


def _truth_table(np, n_el):
    return (np.arange(n_el) % 3 == 0).astype(np.float64)


def bench_modes(rep, jax, jnp, np, qsjax, lgs, sampled_m, channel_max_lg):
    """Every mode of the Boolean sketch over register sizes."""
    rep.section("sketch modes (Boolean phase oracle, uniform p)")
    for lg in lgs:
        _bench_modes_one(rep, jax, np, qsjax, lg, int(sampled_m(lg)), lg <= channel_max_lg)


def _bench_modes_one(rep, jax, np, qsjax, lg, m, with_channel):
    key = jax.random.key(0)
    n_el = 1 << lg
    orc = qsjax.boolean_oracle(qsjax.BooleanData(_truth_table(np, n_el)))
    tm = time_jitted(lambda o: o.ideal(), orc)
    rep.add(f"ideal N=2^{lg}", compile_s=tm.compile_s, run_s=tm.run_s)
    tm = time_jitted(lambda o, mm: o.expected(mm), orc, 1e6)
    rep.add(f"expected N=2^{lg} M=1e6", compile_s=tm.compile_s, run_s=tm.run_s, dtype=str(tm.out.dtype))
    # m is traced: one compilation serves every M
    counts = jax.jit(lambda o, k, mm: o.counts(k, mm))
    t0 = time.perf_counter()
    c = counts.lower(orc, key, 1e6).compile()
    compile_s = time.perf_counter() - t0
    for mc in (1e3, 1e6, 1e9, 1e12):
        first, best, cpu = time_call(lambda c=c, mc=mc: c(orc, key, mc), reps=2)
        rep.add(f"counts N=2^{lg} M={mc:.0e}", compile_s=compile_s, first_s=first, run_s=best, cpu_s=cpu)
        compile_s = None
    tm = time_jitted(lambda o, k: o.sampled(k, m), orc, key, reps=1)
    rep.add(
        f"sampled N=2^{lg} M={m:.2g}",
        compile_s=tm.compile_s,
        run_s=tm.run_s,
        Msamples_per_s=m / tm.run_s / 1e6,
    )
    if with_channel:
        tm = time_jitted(lambda o, mm: o.channel(mm).chi, orc, 1e6, reps=2)
        rep.add(f"channel N=2^{lg} (chi {n_el}x{n_el})", compile_s=tm.compile_s, run_s=tm.run_s)


def bench_headline(rep, jax, jnp, np, qsjax, lg_counts, lg_expected):
    """The two headline figures: exact counts at M = 1e12, expected in the run's precision."""
    import qsjax.random as _random

    rep.section("headline: counts M=1e12 and expected")
    key = jax.random.key(1)
    n_el = 1 << lg_counts
    orc = qsjax.boolean_oracle(qsjax.BooleanData(_truth_table(np, n_el)))
    tm = time_jitted(lambda o, k: o.counts(k, 10**12), orc, key, reps=3)
    rep.add(
        f"counts N=2^{lg_counts} M=1e12 (full mode)",
        compile_s=tm.compile_s,
        first_s=tm.first_s,
        run_s=tm.run_s,
        cpu_s=tm.cpu_s,
        dtype=str(tm.out.dtype),
    )
    probs = orc.data.probabilities
    tm = time_jitted(lambda k, pr: _random.multinomial_counts(k, 10**12, pr), key, probs, reps=3)
    total = float(np.asarray(tm.out, np.float64).sum())
    rep.add(
        "  of which multinomial_counts",
        compile_s=tm.compile_s,
        run_s=tm.run_s,
        cpu_s=tm.cpu_s,
        sum_equals_M=total == 1e12,
    )
    phases = jnp.asarray(np.linspace(0, 3, n_el), probs.dtype)
    tm = time_jitted(lambda o, ph: o._exp(ph), orc, phases, reps=3)
    rep.add("  of which exp(i phases) (not in ingest/RNG)", run_s=tm.run_s, cpu_s=tm.cpu_s)
    n_el = 1 << lg_expected
    orc = qsjax.boolean_oracle(qsjax.BooleanData(_truth_table(np, n_el)))
    tm = time_jitted(lambda o, mm: o.expected(mm), orc, 1e6, reps=5)
    rep.add(f"expected N=2^{lg_expected}", compile_s=tm.compile_s, run_s=tm.run_s, dtype=str(tm.out.dtype))


def bench_ingest(rep, jax, jnp, np, qsjax, lgs, m, batch):
    """Explicit samples: generation + ingest (sampled) and pure ingest (user stream) vs bincount."""
    rep.section(f"ingest of M={m:.3g} explicit samples vs numpy.bincount on the same indices")
    for lg in lgs:
        _bench_ingest_one(rep, jax, jnp, np, qsjax, lg, m, batch)


def _bench_ingest_one(rep, jax, jnp, np, qsjax, lg, m, batch):

    key = jax.random.key(2)
    n_el = 1 << lg
    data = qsjax.BooleanData(_truth_table(np, n_el))
    orc = qsjax.boolean_oracle(data)
    idx = np.asarray(data.sample(key, m)[0])
    ref = np.bincount(idx, minlength=n_el)
    _, t_np, _ = time_call(lambda idx=idx: np.bincount(idx, minlength=n_el), reps=3)
    r_np = m / t_np / 1e6
    rep.add(f"numpy.bincount N=2^{lg}", run_s=t_np, Mps=r_np)
    tm = time_jitted(lambda o, k: o.sample_counts(k, m), orc, key, reps=2)
    assert np.array_equal(np.asarray(tm.out), ref), "sampled mode must ingest the same samples"
    rep.add(
        f"sampled (generate+ingest) N=2^{lg}",
        compile_s=tm.compile_s,
        run_s=tm.run_s,
        Mps=m / tm.run_s / 1e6,
        ratio=(m / tm.run_s / 1e6) / r_np,
    )
    p = np.random.default_rng(lg).random(n_el) + 0.5
    data_p = qsjax.BooleanData(_truth_table(np, n_el), p=p / p.sum())
    orc_p = qsjax.boolean_oracle(data_p)
    tm = time_jitted(lambda o, k: o.sample_counts(k, m), orc_p, key, reps=1)
    rep.add(
        f"sampled non-uniform p N=2^{lg}",
        compile_s=tm.compile_s,
        run_s=tm.run_s,
        Mps=m / tm.run_s / 1e6,
        ratio=(m / tm.run_s / 1e6) / r_np,
    )
    ones = np.ones(batch, np.float64)
    batches = [(idx[s : s + batch], ones[: min(batch, m - s)]) for s in range(0, m, batch)]

    stream = qsjax.Stream(batches, n_el)
    first, best, cpu = time_call(lambda stream=stream: orc.from_stream(stream), reps=2)
    rep.add(
        f"from_stream (host batches {batch}) N=2^{lg}",
        first_s=first,
        run_s=best,
        Mps=m / best / 1e6,
        ratio=(m / best / 1e6) / r_np,
        note="float64 sums; incl. batch validation and exp",
    )


_CHILD = r"""
import json, time
import jax
jax.config.update("jax_enable_x64", {x64})
import numpy as np, qsjax

def hwm_mb():  # peak RSS of this process image (VmHWM; ru_maxrss would include the parent's)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024

orc = qsjax.boolean_oracle(qsjax.BooleanData((np.arange({n}) % 3 == 0).astype(np.float64)))
key = jax.random.key(0)
jax.block_until_ready(orc.sampled(key, 1 << 16))
base = hwm_mb()
t = time.perf_counter()
jax.block_until_ready(orc.sampled(key, {m}))
dt = time.perf_counter() - t
print(json.dumps({{"base_mb": base, "peak_mb": hwm_mb(), "run_s": dt}}))
"""


def bench_memory(rep, x64: bool, lg: int, ms):
    rep.section(f"peak RSS of sampled mode vs M (fresh process each, N=2^{lg}, default chunk)")
    for m in ms:
        out = run_child(_CHILD.format(x64=x64, n=1 << lg, m=int(m)), timeout=900)
        rep.add(
            f"sampled M={m:.0e}",
            peak_rss_mb=out["peak_mb"],
            rss_after_warmup_mb=out["base_mb"],
            run_s=out["run_s"],
            Mps=m / out["run_s"] / 1e6,
        )


def _reference_expected(jnp, f, m):
    """Independent baseline for the expected Boolean phase oracle, the authors' formulation
    (haimengzhao/quantum-oracle-sketching, qos.q_oracle_sketch_boolean) re-expressed here:
    uniform p_x = 1/N, t = pi N, and per entry

        E[V]_x = exp(M * log1p(p_x * expm1(i t f_x / M)))

    evaluated with JAX's complex ``expm1`` / ``log1p`` / ``exp`` (no real-arithmetic rewriting)."""
    n_el = f.shape[-1]
    p = 1.0 / n_el
    t = jnp.pi * n_el
    cd = jnp.result_type(f, jnp.complex64)
    return jnp.exp(m * jnp.log1p(p * jnp.expm1((1j * t / m) * f.astype(cd))))


def bench_vs_reference(rep, jax, jnp, np, qsjax, shapes, m=1e6):
    """``expected`` of the Boolean sketch against the reference formula, batched with ``vmap``:
    jitted (``jit(vmap)``, over raw tables and over prebuilt oracles) and eager (``vmap`` alone,
    where every un-fused primitive is a separate full-size pass)."""
    rep.section(f"expected vs reference formula (Boolean, uniform p, M={m:g})")
    for batch, lg in shapes:
        n_el = 1 << lg
        rng = np.random.default_rng(lg)
        f = jnp.asarray((rng.random((batch, n_el)) < 0.5).astype(np.float64))  # float32 without x64
        q = jax.vmap(lambda row: qsjax.boolean_oracle(qsjax.BooleanData(row)).expected(m))
        r = jax.vmap(lambda row: _reference_expected(jnp, row, m))
        err = float(jnp.max(jnp.abs(jax.jit(q)(f) - jax.jit(r)(f))))
        orcs = jax.vmap(lambda row: qsjax.boolean_oracle(qsjax.BooleanData(row)))(f)
        tq = time_jitted(q, f, reps=7)
        tr = time_jitted(r, f, reps=7)
        to = time_jitted(jax.vmap(lambda o: o.expected(m)), orcs, reps=7)
        tag = f"{batch}x2^{lg}"
        rep.add(
            f"qsjax jit(vmap) {tag}",
            compile_s=tq.compile_s,
            run_s=tq.run_s,
            cpu_s=tq.cpu_s,
            speedup=tr.run_s / tq.run_s,
            max_abs_diff=err,
            dtype=str(tq.out.dtype),
        )
        rep.add(
            f"qsjax jit(vmap) over oracles {tag}", run_s=to.run_s, cpu_s=to.cpu_s, speedup=tr.run_s / to.run_s
        )
        rep.add(f"reference jit(vmap) {tag}", compile_s=tr.compile_s, run_s=tr.run_s, cpu_s=tr.cpu_s)
        _, eq, eq_cpu = time_call(lambda q=q, f=f: q(f), reps=5)
        _, er, er_cpu = time_call(lambda r=r, f=f: r(f), reps=5)
        rep.add(f"qsjax eager vmap {tag}", run_s=eq, cpu_s=eq_cpu, speedup=er / eq)
        rep.add(f"reference eager vmap {tag}", run_s=er, cpu_s=er_cpu)


def main(argv=None):
    args = parse_args(argv)
    import jax

    jax.config.update("jax_enable_x64", bool(args.x64))
    import jax.numpy as jnp
    import numpy as np

    import qsjax

    t_start = time.perf_counter()
    meta = machine_info()
    meta["mode"] = "quick" if args.quick else "full"
    print("qsjax bench_core  " + "  ".join(f"{k}={v}" for k, v in meta.items()))
    rep = Report()
    cdt = np.complex128 if args.x64 else np.complex64
    if args.quick:
        bench_bandwidth(rep, jax, jnp, np, qsjax, 18, np.complex64)
        bench_wht(rep, jax, jnp, np, qsjax, [16])
        bench_modes(rep, jax, jnp, np, qsjax, [10, 12, 14], lambda lg: 10**5, 10)
        bench_headline(rep, jax, jnp, np, qsjax, 14, 14)
        bench_vs_reference(rep, jax, jnp, np, qsjax, [(64, 12)])
        bench_ingest(rep, jax, jnp, np, qsjax, [10, 16], 1 << 20, 1 << 18)
        bench_memory(rep, args.x64, 12, [1e5, 1e7])
    else:
        bench_bandwidth(rep, jax, jnp, np, qsjax, 24, np.complex64)
        bench_wht(rep, jax, jnp, np, qsjax, [20, 24])
        if args.x64:
            bench_bandwidth(rep, jax, jnp, np, qsjax, 24, cdt)
        bench_modes(
            rep, jax, jnp, np, qsjax, [10, 14, 18, 22, 24], lambda lg: 10**6 if lg < 18 else 1 << 24, 12
        )
        bench_headline(rep, jax, jnp, np, qsjax, 24, 22)
        bench_vs_reference(rep, jax, jnp, np, qsjax, [(64, 14), (1, 22)])
        bench_ingest(rep, jax, jnp, np, qsjax, [10, 16, 20, 24], 1 << 24, 1 << 20)
        bench_memory(rep, args.x64, 20, [1e6, 1e8, 1e9])
    meta["total_s"] = round(time.perf_counter() - t_start, 1)
    print(f"\ntotal {meta['total_s']} s")
    if args.json:
        rep.dump(args.json, meta)
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
