"""The demo's and scripts' figure: error against ``M`` per mode and ``N`` with the theory lines, and the
samples needed for a target error against ``N`` (matplotlib's Agg canvas, no global state)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._fits import ModeFit
from ._sweep import MODE_LAWS, SweepResult, predicted_error, samples_needed

# ----------------------------------------------------------------------------- plot


def plot_sweep(
    result: SweepResult,
    path,
    *,
    fits: Sequence[ModeFit] | None = None,
    eps_target: float = 0.01,
    title: str | None = None,
) -> None:
    """Write a PNG: error vs ``M`` per label (one line per ``N``, theory dashed) and a last panel
    with the samples needed for ``eps_target`` vs ``N`` (markers: interpolated from the sweep;
    lines: the fitted laws ``M = C N^alpha / eps^beta``).

    Uses matplotlib's Agg canvas directly (no pyplot, no display, no global backend change).
    """
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    labels = result.labels
    fits_by = {f.label: f for f in (fits or [])}
    panels = len(labels) + 1
    ncols = min(3, panels)
    nrows = -(-panels // ncols)
    fig = Figure(figsize=(5.0 * ncols, 3.9 * nrows))
    # Fixed margins: constrained/tight layout would draw the figure twice (slow with log axes).
    fig.subplots_adjust(
        left=0.07, right=0.98, bottom=0.08, top=0.9 if title else 0.94, wspace=0.3, hspace=0.5
    )
    FigureCanvasAgg(fig)
    dims = sorted({r["n"] for r in result.records})
    cmap = matplotlib.colormaps["viridis"]
    colours = {n: cmap(i / max(1, len(dims) - 1) * 0.9) for i, n in enumerate(dims)}
    summary = result.summary()
    for p, label in enumerate(labels):
        ax = fig.add_subplot(nrows, ncols, p + 1)
        law = MODE_LAWS[label]
        for n in dims:
            rows = [r for r in summary if r["label"] == label and r["n"] == n]
            if not rows:
                continue
            m = np.array([r["m"] for r in rows], float)
            e = np.array([r["mean"] for r in rows])
            se = np.array([r["sem"] for r in rows])
            ax.errorbar(
                m, e, yerr=se if se.any() else None, marker="o", ms=3, lw=1, color=colours[n], label=f"N={n}"
            )
            pred = predicted_error(label, n, m, n_ones=result.n_ones(n))
            ax.plot(m, pred, ls="--", lw=0.8, color=colours[n])
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.axhline(2.0, color="0.7", lw=0.6)
        metric = "diamond distance" if law.metric == "diamond" else "operator-norm error"
        ax.set_xlabel("samples per query M")
        ax.set_ylabel(metric)
        f = fits_by.get(label)
        sub = f" — slope {f.slope_m.slope:.3f}" if f is not None and np.isfinite(f.slope_m.slope) else ""
        ax.set_title(f"{label}{sub}\n(dashed: {law.law})", fontsize=9)
        if p == 0:
            ax.legend(fontsize=7)
    ax = fig.add_subplot(nrows, ncols, panels)
    styles = ["o", "s", "^", "D", "v", "P"]
    for i, label in enumerate(labels):
        need = samples_needed(result, label, eps_target)
        ns = np.array([k for k, v in need.items() if np.isfinite(v)], float)
        if ns.size == 0:
            continue
        mv = np.array([need[int(k)] for k in ns])
        line = ax.plot(ns, mv, styles[i % len(styles)], ms=5, label=label)[0]
        f = fits_by.get(label)
        if f is not None and np.isfinite(f.complexity.c):
            grid = np.geomspace(ns.min(), ns.max(), 50)
            scale = result.meta.get("fraction", 1.0) if f.law.scale == "F" else 1.0
            ax.plot(
                grid,
                scale * f.complexity.c * grid**f.complexity.alpha / eps_target**f.complexity.beta,
                color=line.get_color(),
                lw=1,
            )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("dimension N")
    ax.set_ylabel(f"M needed for error {eps_target:g}")
    ax.set_title("sample complexity (markers: sweep, lines: fits)", fontsize=9)
    ax.legend(fontsize=7)
    if title:
        fig.suptitle(title)
    fig.savefig(path, dpi=110)
