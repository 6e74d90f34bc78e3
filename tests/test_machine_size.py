"""``qsjax reproduce machine-size``: the three machine sizes, classical and simulated accuracies and the
streaming baselines on a real dataset (splice: small enough for CI; skipped without ../shared/data)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

import qsjax
import qsjax.experiments as ex
from qsjax.cli import main

DATA = Path(os.environ.get("QSJAX_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data"))
needs_splice = pytest.mark.skipif(not (DATA / "splice.csv.gz").exists(), reason="splice.csv.gz not available")


@pytest.fixture(scope="module")
def splice_result():
    est = qsjax.QOSRidgeClassifier(mode="ideal", readout="exact")
    return ex.machine_size_experiment(
        "splice", quick=True, data_home=DATA, cv=3, estimator=est, progress=False
    )


@needs_splice
def test_points_sizes_and_accuracies(splice_result):
    r = splice_result
    assert [p.setting for p in r.points] == ["k=2", "k=4"]
    for p in r.points:
        sizes = qsjax.resources.machine_sizes(p.n_samples, p.n_features, nnz=p.nnz, sparsity=p.sparsity)
        assert (p.qubits, p.streaming_floats, p.sparse_floats) == (
            sizes.qubits,
            p.n_features,
            p.nnz,
        )
        assert p.quantum_size == p.qubits + 1 < p.streaming_floats + 64
        assert 0.6 < p.classical_accuracy <= 1.0 and 0.6 < p.cv_accuracy <= 1.0
        # exact oracles and exact readout: the simulated machine solves the same ridge problem
        # (penalised intercept column instead of centring; balanced vs unweighted on balanced classes)
        assert p.qos_agreement >= 0.95
        assert abs(p.qos_accuracy - p.classical_accuracy) <= 0.03
        assert p.qos_queries > 0 and p.qos_success_probability > 0
    d = [p.n_features for p in r.points]
    assert d == [16, 256]
    methods = {b.method for b in r.baselines}
    assert methods == {"feature hashing", "sparse random projection"}
    assert all(b.floats < 256 and 0.4 < b.accuracy <= 1.0 for b in r.baselines)


@needs_splice
def test_save_writes_png_json_csv(splice_result, tmp_path):
    paths = splice_result.save(tmp_path)
    assert paths["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    payload = json.loads(paths["json"].read_text())
    assert payload["dataset"] == "splice" and len(payload["points"]) == 2
    assert "qubits" in paths["points_csv"].read_text().splitlines()[0]
    frame = splice_result.points_frame()
    assert list(frame["n_features"]) == [16, 256]
    assert "k=4" in splice_result.report()


def test_hash_columns_is_feature_hashing():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5, 40))
    h = ex.hash_columns(x, 8, seed=1)
    assert h.shape == (5, 8)
    one = ex.hash_columns(np.eye(40), 8, seed=1).toarray()
    assert np.all(np.count_nonzero(one, axis=1) == 1) and set(np.unique(np.abs(one))) <= {0.0, 1.0}
    np.testing.assert_allclose(h.toarray(), x @ one)


def test_bad_input(capsys):
    with pytest.raises(ValueError, match="dataset"):
        ex.machine_size_experiment("mnist")
    with pytest.raises(ValueError, match="cv"):
        ex.machine_size_experiment("splice", cv=1)
    with pytest.raises(SystemExit) as exc:
        main(["reproduce", "machine-size", "--dataset", "mnist"])
    assert exc.value.code == 2
