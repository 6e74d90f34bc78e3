"""Small timing / reporting helpers shared by the benchmark scripts.

Timings separate compilation from execution: ``compile_s`` is ``lower().compile()``, ``first_s`` the
first call of the compiled program (it also pays for first-touching fresh output memory), and
``run_s`` the best of ``reps`` further calls, each ended by ``jax.block_until_ready``. ``cpu_s`` is
the process CPU time of that best call (all threads), a useful second opinion on a shared machine.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field

import jax


@dataclass
class Timing:
    compile_s: float
    first_s: float
    run_s: float
    cpu_s: float
    out: object = field(default=None, repr=False)


def time_jitted(fn, *args, reps: int = 3, donate: tuple[int, ...] = (), fresh_args=None) -> Timing:
    """Compile ``jax.jit(fn)`` for ``args`` and time it (see module docstring).

    With ``donate``, ``fresh_args()`` must return new argument tuples (donated buffers die).
    """
    jitted = jax.jit(fn, donate_argnums=donate)
    t0 = time.perf_counter()
    compiled = jitted.lower(*args).compile()
    compile_s = time.perf_counter() - t0
    get = fresh_args if fresh_args is not None else (lambda: args)
    a = get()
    t0 = time.perf_counter()
    out = jax.block_until_ready(compiled(*a))
    first_s = time.perf_counter() - t0
    best, best_cpu = float("inf"), float("inf")
    for _ in range(reps):
        a = get()
        jax.block_until_ready(a)
        t0, c0 = time.perf_counter(), time.process_time()
        out = jax.block_until_ready(compiled(*a))
        dt, dc = time.perf_counter() - t0, time.process_time() - c0
        if dt < best:
            best, best_cpu = dt, dc
    return Timing(compile_s, first_s, best, best_cpu, out)


def time_call(fn, reps: int = 3) -> tuple[float, float, float]:
    """``(first_s, best_s, best_cpu_s)`` of a plain Python callable (results blocked on)."""
    t0 = time.perf_counter()
    jax.block_until_ready(fn())
    first = time.perf_counter() - t0
    best, best_cpu = float("inf"), float("inf")
    for _ in range(reps):
        t0, c0 = time.perf_counter(), time.process_time()
        jax.block_until_ready(fn())
        dt, dc = time.perf_counter() - t0, time.process_time() - c0
        if dt < best:
            best, best_cpu = dt, dc
    return first, best, best_cpu


def machine_info() -> dict:
    try:
        model = next(
            line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")
        )
    except (OSError, StopIteration):
        model = platform.processor()
    try:
        load = os.getloadavg()
    except OSError:
        load = None
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "mem_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
        "jax": jax.__version__,
        "backend": jax.default_backend(),
        "devices": [str(d) for d in jax.devices()],
        "x64": bool(jax.config.read("jax_enable_x64")),
        "loadavg": load,
    }


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_child(code: str, timeout: float = 600.0) -> dict:
    """Run ``code`` in a fresh interpreter (same flags) and parse the JSON line it prints last."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [os.getcwd(), env.get("PYTHONPATH", "")]))
    res = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout, env=env
    )
    if res.returncode != 0:
        raise RuntimeError(f"child failed:\n{res.stderr[-2000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


class Report:
    """Collects records and prints them as aligned tables, section by section."""

    def __init__(self):
        self.records: list[dict] = []
        self._section = None

    def section(self, title: str) -> None:
        self._section = title
        print(f"\n== {title}", flush=True)

    def add(self, name: str, **fields) -> dict:
        rec = {"section": self._section, "name": name, **fields}
        self.records.append(rec)
        shown = "  ".join(f"{k}={_fmt(v)}" for k, v in fields.items() if v is not None)
        print(f"  {name:<34s} {shown}", flush=True)
        return rec

    def dump(self, path: str, meta: dict) -> None:
        with open(path, "w") as fh:
            json.dump({"meta": meta, "records": self.records}, fh, indent=1, default=_json_default)


def _fmt(v) -> str:
    if isinstance(v, float):
        if v == 0:
            return "0"
        if abs(v) >= 1e5 or abs(v) < 1e-3:
            return f"{v:.3g}"
        return f"{v:.4g}"
    return str(v)


def _json_default(o):
    if hasattr(o, "tolist"):
        return o.tolist()
    if hasattr(o, "__dataclass_fields__"):
        return asdict(o)
    return str(o)
