"""``qsjax reproduce fig3`` and the library behind it (``qsjax.experiments.reproduce_fig3``).

One quick run through the command line (module fixture) feeds the file, table and fit checks. The
Boolean, element and row-index errors of the quick grid are ``expected``-mode values (exact
averages, no sampling noise) and the vector panel's too, so every fitted number is deterministic;
the tolerances say which systematic effects they cover.
"""

from __future__ import annotations

import contextlib
import io
import json
import math

import helpers
import numpy as np
import pandas as pd
import pytest

import qsjax.experiments as ex
from qsjax.cli import main

HALF_PI2 = math.pi**2 / 2
POINT_COLUMNS = {"panel", "mode", "dim", "size", "m", "seed", "error", "scale", "in_fit"}
POINT_COLUMNS |= {"m_query", "success"}  # the vector panel's own columns
FIT_KEYS = {
    "panel",
    "mode",
    "size",
    "n_points",
    "alpha",
    "alpha_se",
    "beta",
    "beta_se",
    "c",
    "c_se",
    "c_fixed",
    "c_fixed_se",
    "theory_alpha",
    "theory_beta",
    "theory_c",
    "paper_c",
    "scale",
}


@pytest.fixture(scope="module")
def fig3_quick(tmp_path_factory):
    out = tmp_path_factory.mktemp("fig3")
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rc = main(["reproduce", "fig3", "--quick", "--out", str(out)])
    payload = json.loads((out / "fig3.json").read_text())
    fits = {(f["panel"], f["mode"]): f for f in payload["fits"]}
    return {"rc": rc, "out": out, "stdout": buf.getvalue(), "json": payload, "fits": fits}


def test_quick_run_writes_png_json_and_csv(fig3_quick):
    assert fig3_quick["rc"] == 0
    out = fig3_quick["out"]
    assert (out / "fig3.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    payload = fig3_quick["json"]
    assert set(payload) == {"experiment", "meta", "paper_c", "fits", "panels", "points"}
    assert payload["experiment"] == "fig3"
    assert payload["meta"]["quick"] is True and payload["meta"]["x64"] is True
    assert payload["meta"]["panels"] == list(ex.FIG3_PANELS) == list(payload["panels"])
    assert set(payload["meta"]["runtime_s"]) == {*ex.FIG3_PANELS, "total"}
    assert payload["paper_c"] == ex.PAPER_FIG3
    for name, panel in payload["panels"].items():
        assert panel["config"] == ex.fig3_config(name, quick=True)
    points = pd.read_csv(out / "fig3_points.csv")
    assert set(points.columns) == POINT_COLUMNS
    assert len(points) == len(payload["points"])
    assert set(points["panel"]) == set(ex.FIG3_PANELS)
    assert np.isfinite(points["error"]).all() and (points["error"] > 0).all()
    assert set(payload["points"][0]) <= POINT_COLUMNS
    fits_csv = pd.read_csv(out / "fig3_fits.csv")
    assert set(fits_csv.columns) == FIT_KEYS and len(fits_csv) == len(payload["fits"])


def test_quick_run_prints_the_fit_table(fig3_quick):
    out = fig3_quick["stdout"]
    for word in ("alpha", "beta", "paper C", "naive-expected", "expected-mean", "wrote", "fig3_points.csv"):
        assert word in out
    for name in ex.FIG3_PANELS:
        assert f"\n{name} " in out


def test_every_panel_is_fitted_with_finite_laws(fig3_quick):
    fits = fig3_quick["fits"]
    assert set(fits) == {
        ("boolean", "expected"),
        ("boolean", "channel"),
        ("boolean", "naive-expected"),
        ("vector", "expected"),
        ("element", "expected"),
        ("row-index", "expected-mean"),
        ("row-index", "expected-max"),
    }
    for key, f in fits.items():
        assert set(f) == FIT_KEYS
        assert f["n_points"] >= 7, key
        for name in ("alpha", "alpha_se", "beta", "beta_se", "c", "c_se", "c_fixed", "c_fixed_se"):
            assert f[name] is not None and math.isfinite(f[name]), (key, name)


def test_boolean_expected_exponents_are_one(fig3_quick):
    f = fig3_quick["fits"][("boolean", "expected")]
    pts = pd.DataFrame(fig3_quick["json"]["points"])
    pts = pts[(pts["panel"] == "boolean") & (pts["mode"] == "expected") & pts["in_fit"]]
    assert len(pts) == f["n_points"] == 12
    # The points are exact averages: eps = 1 - exp(-delta) + O(delta^3), delta = (pi^2/2)(N-1)/M. So
    # the fit's standard errors measure misfit, not noise; they must be small (else the law is
    # wrong), and the tolerance is helpers.Z of them plus the two known systematic shifts:
    # d ln(N - 1) / d ln N - 1 = 1/(N - 1) <= 1/(N_min - 1) in alpha, and the curvature
    # ln eps = ln delta - delta/2, a perturbation of at most eps_max/2 in ln eps, which moves a
    # least-squares slope over a range R of ln eps by at most 2 (eps_max/2) / R in beta.
    assert f["alpha_se"] < 0.005 and f["beta_se"] < 0.005
    n_min, eps_max = pts["dim"].min(), pts["error"].max()
    lo, hi = np.log(pts["error"].min()), np.log(eps_max)
    assert f["alpha"] == pytest.approx(1.0, abs=helpers.Z * f["alpha_se"] + 1 / (n_min - 1))
    assert f["beta"] == pytest.approx(1.0, abs=helpers.Z * f["beta_se"] + eps_max / (hi - lo))
    # C at alpha = beta = 1: every point gives (pi^2/2)(1 - 1/N)(1 - delta/2 + ...) <= pi^2/2.
    assert HALF_PI2 * (1 - 1 / n_min - eps_max) <= f["c_fixed"] <= HALF_PI2 * (1 + 1e-6)
    assert f["theory_c"] == pytest.approx(HALF_PI2)
    assert f["paper_c"] == 4.8
    assert f["c_fixed"] == pytest.approx(4.8, rel=0.10)  # the paper's fit, as tests/test_scaling.py
    assert f["c"] == pytest.approx(4.8, rel=0.10)


def test_other_modes_and_panels_match_their_laws(fig3_quick):
    fits = fig3_quick["fits"]
    # channel (diamond distance, ~4x the operator error: 2 pi^2 N/M) and the naive baseline
    # ((pi^2/2) F N^2/M): exact values, same systematic shifts as above.
    ch, nv = fits[("boolean", "channel")], fits[("boolean", "naive-expected")]
    assert ch["alpha"] == pytest.approx(1.0, abs=0.02) and ch["beta"] == pytest.approx(1.0, abs=0.01)
    assert ch["c_fixed"] == pytest.approx(2 * math.pi**2, rel=0.03)
    assert nv["alpha"] == pytest.approx(2.0, abs=0.02) and nv["beta"] == pytest.approx(1.0, abs=0.01)
    assert nv["c_fixed"] == pytest.approx(HALF_PI2, rel=0.03) and nv["scale"] == "F"
    # vector, element, row index: deterministic too; their alpha carries known finite-size drifts
    # (README: the vector state's 1.01, the row index's popcount of columns < N growing a little
    # faster than log2 N / 2), so alpha within 0.05 and beta within 0.01 of 1.
    for key in (("vector", "expected"), ("element", "expected"), ("row-index", "expected-mean")):
        f = fits[key]
        assert f["alpha"] == pytest.approx(1.0, abs=0.05), key
        assert f["beta"] == pytest.approx(1.0, abs=0.01), key
    assert fits[("vector", "expected")]["c_fixed"] == pytest.approx(0.9, rel=0.10)  # paper 0.9
    el = fits[("element", "expected")]
    assert el["c_fixed"] == pytest.approx(math.pi**2 / 8, rel=0.02)  # leading order at max|A| = 1
    assert el["c_fixed"] == pytest.approx(el["paper_c"], rel=0.15)  # paper 1.1
    row = fits[("row-index", "expected-mean")]
    assert row["c_fixed"] == pytest.approx(2.2, rel=0.15)  # paper 2.2 (pi^2/4 = 2.47 leading order)
    assert fits[("row-index", "expected-max")]["c_fixed"] > row["c_fixed"]
    vec = fig3_quick["json"]["panels"]["vector"]["extras"]
    assert vec["unamplified_norm"] == pytest.approx(2 / (5 * math.pi), rel=0.02)


# ----------------------------------------------------------------------------- the library API


def test_reproduce_fig3_api_with_a_progress_bar(capsys):
    res = ex.reproduce_fig3(
        ["element"], quick=True, seeds=2, configs={"element": {"nnzs": [250, 500]}}, progress=True
    )
    err = capsys.readouterr().err
    assert "fig3" in err and "2/2" in err  # one tqdm step per size
    assert list(res.panels) == ["element"]
    panel = res.panels["element"]
    assert panel.config["nnzs"] == [250, 500] and panel.config["seeds"] == 2
    assert set(res.points["seed"].dropna()) == {0, 1}
    assert len(res.points) == 2 * 2 * len(panel.config["ms"])
    assert panel.fit() is panel.fits[0] and panel.fit().mode == "expected"
    table = res.fit_table()
    assert list(table["panel"]) == ["element"] and set(table.columns) == FIT_KEYS
    json.dumps(res.to_dict(), allow_nan=False)  # strict JSON: NaN is written as null
    json.dumps(panel.to_dict(), allow_nan=False)
    assert "element" in res.format_report()
    with pytest.raises(KeyError, match="no fit"):
        panel.fit("counts")
    # same sizes and seed: the same matrices, whatever else is run beside them
    again = ex.fig3_panel("element", config=panel.config)
    np.testing.assert_array_equal(again.points["error"], panel.points["error"])


def test_fig3_steps_match_the_progress_lines():
    cfg = ex.fig3_config("boolean", quick=True)
    lines = []
    cfg.update(
        dims=[16, 32],
        ms=[10**5, 10**6],
        modes=["expected", "naive-expected"],
        grids={"naive-expected": [10**6, 10**7]},
        label_dims={"naive-expected": [32]},
    )
    panel = ex.fig3_panel("boolean", config=cfg, progress=lines.append)
    assert len(lines) == ex.fig3_steps("boolean", cfg) == 3
    assert panel.sweep is not None and set(panel.points["mode"]) == {"expected", "naive-expected"}
    assert ex.fig3_steps("vector", ex.fig3_config("vector")) == 5 * 4 + 1  # + the amplification
    assert ex.fig3_steps("row-index", ex.fig3_config("row-index", quick=True)) == 2


def test_fig3_rejects_bad_input():
    with pytest.raises(ValueError, match="unknown Fig. 3 panel"):
        ex.reproduce_fig3(["boolean", "bogus"])
    with pytest.raises(ValueError, match="at least one"):
        ex.reproduce_fig3([])
    for bad in (0, -1, 2.5, True, "3"):
        with pytest.raises(ValueError, match="seeds"):
            ex.reproduce_fig3(["element"], seeds=bad)
    with pytest.raises(ValueError, match="configs for panels not run"):
        ex.reproduce_fig3(["element"], configs={"vector": {}})
    with pytest.raises(ValueError, match="unknown Fig. 3 panel"):
        ex.fig3_config("fig2")
    with pytest.raises(ValueError, match="dims"):
        ex.vector_error_sweep([1], [1e5])
    with pytest.raises(ValueError, match="totals"):
        ex.vector_error_sweep([8], [])
    with pytest.raises(ValueError, match="seeds"):
        ex.vector_error_sweep([8], [1e5], seeds=0)
    with pytest.raises(ValueError, match="no panels"):
        ex.plot_fig3([], "unused.png")


def test_fig3_configs():
    full, quick = ex.fig3_config("boolean"), ex.fig3_config("boolean", quick=True)
    assert full["modes"] == list(ex.SWEEP_MODES) and full["seeds"] == 16
    assert full["dims"] == [100, 178, 316, 562, 1000] and full["ms"] == ex.log_grid(1e5, 1e8, 4)
    assert quick["quick"] and not full["quick"]
    for panel in ex.FIG3_PANELS:
        assert ex.fig3_config(panel, seeds=3, seed=7)["seeds"] == 3
        assert ex.fig3_config(panel, seed=7)["seed"] == 7


def test_registry_holds_fig3():
    entry = ex.REPRODUCE_EXPERIMENTS["fig3"]
    assert isinstance(entry, ex.ReproduceExperiment)
    assert entry.run is ex.run_fig3_command and entry.help
