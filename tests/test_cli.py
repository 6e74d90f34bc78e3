"""The ``qsjax`` command line: its commands, the ``reproduce`` registry and argument errors.

The run of ``qsjax reproduce fig3 --quick`` and its outputs are checked in tests/test_reproduce.py;
``qsjax demo --quick`` in tests/test_scaling.py (today the same Boolean demo as ``qsjax boolean``).
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
    assert demo.func is boolean.func  # one implementation until demo becomes the pipeline
    assert (demo.stem, demo.out, demo.quick, demo.seed) == ("demo", "./qsjax-demo", False, 0)
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
