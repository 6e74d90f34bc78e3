"""The ``qsjax`` command line: its commands, the ``reproduce`` registry and argument errors.

The run of ``qsjax reproduce fig3 --quick`` and its outputs are checked in tests/test_reproduce.py;
``qsjax demo --quick`` (the breast-cancer pipeline) and ``qsjax boolean --quick`` here.
"""

from __future__ import annotations

import json
from pathlib import Path

import jax
import pytest

import qsjax.experiments as ex
from qsjax.cli import build_parser, main


def test_boolean_quick_writes_report(tmp_path, capsys):
    flag = jax.config.read("jax_disable_most_optimizations")
    assert main(["boolean", "--quick", "--out", str(tmp_path)]) == 0
    assert jax.config.read("jax_disable_most_optimizations") == flag  # --quick's setting is scoped
    out = capsys.readouterr().out
    png, js = tmp_path / "boolean.png", tmp_path / "boolean.json"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    payload = json.loads(js.read_text())
    labels = {r["label"] for r in payload["records"]}
    assert labels == set(ex.SWEEP_MODES)
    assert {f["label"] for f in payload["fits"]} == labels
    assert out.startswith("qsjax boolean (quick)")
    for word in ("expected", "naive-expected", "slope in M", "alpha", "Orthogonal QOS", "Naive"):
        assert word in out
    fits = {f["label"]: f for f in payload["fits"]}
    assert fits["expected"]["slope_m"]["slope"] == pytest.approx(-1.0, abs=0.03)
    assert fits["naive-expected"]["slope_n"]["slope"] == pytest.approx(2.0, abs=0.05)


def test_commands_and_their_defaults():
    parser = build_parser()
    demo, boolean = parser.parse_args(["demo"]), parser.parse_args(["boolean", "--quick", "--seed", "3"])
    assert demo.func is not boolean.func  # demo is the end-to-end pipeline
    assert (demo.out, demo.quick, demo.seed, demo.mode, demo.alpha, demo.snapshots) == (
        "./qsjax-demo",
        False,
        0,
        "expected",
        1.0,
        None,
    )
    assert (boolean.stem, boolean.out, boolean.quick, boolean.seed) == ("boolean", "./qsjax-boolean", True, 3)
    rep = parser.parse_args(["reproduce", "fig3"])
    assert rep.func is ex.REPRODUCE_EXPERIMENTS["fig3"]
    assert (rep.out, rep.quick, rep.seeds, rep.seed, rep.no_progress) == (
        Path("qsjax-reproduce/fig3"),
        False,
        None,
        0,
        False,
    )
    assert rep.panels == list(ex.FIG3_PANELS)
    rep = parser.parse_args(
        ["reproduce", "fig3", "--quick", "--seeds", "3", "--panels", "element", "vector", "--no-progress"]
    )
    assert (rep.quick, rep.seeds, rep.panels, rep.no_progress) == (True, 3, ["element", "vector"], True)


def test_reproduce_experiments_come_from_the_registry(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["reproduce", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for name, entry in ex.REPRODUCE_EXPERIMENTS.items():
        assert name in out
        assert build_parser().parse_args(["reproduce", name]).func is entry


def test_reproduce_rejects_an_unknown_experiment(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["reproduce", "fig9"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice" in err and "fig3" in err


def test_reproduce_needs_an_experiment(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["reproduce"])
    assert exc.value.code == 2
    assert "EXPERIMENT" in capsys.readouterr().err


@pytest.mark.parametrize("seeds", ["0", "-2", "two", "1.5", ""])
def test_reproduce_rejects_bad_seeds(seeds, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["reproduce", "fig3", "--quick", "--seeds", seeds])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "--seeds" in err and "positive integer" in err


def test_reproduce_rejects_bad_panels_and_options(capsys):
    for argv in (
        ["reproduce", "fig3", "--panels", "bogus"],
        ["reproduce", "fig3", "--panels"],
        ["reproduce", "fig3", "--seed", "x"],
        ["reproduce", "fig3", "--dataset", "imdb"],
    ):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2, argv
    assert "invalid choice: 'bogus'" in capsys.readouterr().err


def test_rejects_unknown_command_and_lists_the_commands(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["bogus"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice" in err
    for name in ("demo", "boolean", "reproduce"):
        assert name in err


def test_demo_quick_runs_the_pipeline(tmp_path, capsys):
    """The main job: breast cancer through sketch, QSVT ridge and shadows, beside RidgeClassifier."""
    assert main(["demo", "--quick", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert (tmp_path / "demo.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    payload = json.loads((tmp_path / "demo.json").read_text())
    for word in ("RidgeClassifier", "shadow readout", "qubits", "streaming", "sparse/QRAM"):
        assert word in out
    assert payload["n_test"] == len(payload["y_test"]) == len(payload["decisions_shadow"])
    assert payload["n_snapshots"] == 2048 and payload["queries"] > 100
    # the exact simulated state classifies as RidgeClassifier does (expected mode, default budget)
    assert abs(payload["exact_state_accuracy"] - payload["ridge_accuracy"]) <= 0.02
    # the shadow estimates track the exact overlaps: a 99.9%-confidence band of the mean estimator
    # (single-snapshot variance <= 6, so |error| <= 3.3 sqrt(6 / T) per point) on nearly all points
    import numpy as np

    err = np.abs(np.asarray(payload["decisions_shadow"]) - np.asarray(payload["decisions_exact"]))
    assert np.mean(err <= 3.3 * np.sqrt(6.0 / payload["n_snapshots"])) >= 0.97
    assert payload["quantum_size"] < payload["sparse_floats"]


@pytest.mark.parametrize(
    "argv", [["demo", "--alpha", "0"], ["demo", "--snapshots", "-3"], ["demo", "--mode", "x"]]
)
def test_demo_rejects_bad_options(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
