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
    # one kappa above both points' bounds s / sqrt(alpha') (1148 and 600): one polynomial
    est = qsjax.QOSRidgeClassifier(mode="ideal", readout="exact", kappa=1200.0, epsilon=1e-2)
    pca = qsjax.QOSPCA(mode="ideal", readout="exact")
    return ex.machine_size_experiment(
        "splice", quick=True, data_home=DATA, cv=3, estimator=est, pca=True, pca_estimator=pca, progress=False
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
        # (penalised intercept column instead of centring; both balanced)
        assert p.qos_agreement >= 0.95
        assert abs(p.qos_accuracy - p.classical_accuracy) <= 0.03
        assert p.qos_queries > 0 and p.qos_success_probability > 0
        assert p.n_samples + 1 <= 1200  # the intercept column's sparsity N + 1 bounds kappa here
        # explained variance of the top component: the simulated filter finds TruncatedSVD's axis
        pca_sizes = qsjax.resources.machine_sizes(
            p.n_samples, p.n_features, nnz=p.nnz, sparsity=p.sparsity, task="pca"
        )
        assert p.pca_qubits == pca_sizes.qubits
        assert 0.0 < p.explained_variance_ratio < 1.0
        assert p.qos_pca_fidelity > 0.999
        assert p.qos_explained_variance_ratio == pytest.approx(p.explained_variance_ratio, rel=1e-2)
    assert r.settings["pca"] is True and r.settings["balanced"] is True
    assert "balanced" in r.settings["estimator"]["class_weight"]
    d = [p.n_features for p in r.points]
    assert d == [16, 256]
    methods = {b.method for b in r.baselines}
    assert methods == {"feature hashing", "sparse random projection"}
    assert all(b.floats < 256 and 0.4 < b.accuracy <= 1.0 for b in r.baselines)


@needs_splice
def test_without_pca_the_classifier_still_runs(splice_result):
    # the same estimator (its polynomial is cached): classifier fields filled, PCA fields empty
    est = qsjax.QOSRidgeClassifier(mode="ideal", readout="exact", kappa=1200.0, epsilon=1e-2)
    r = ex.machine_size_experiment(
        "splice", quick=True, data_home=DATA, cv=None, estimator=est, progress=False
    )
    assert r.settings["pca"] is False
    for p, q in zip(r.points, splice_result.points, strict=True):
        assert p.qos_accuracy == q.qos_accuracy and p.qos_queries == q.qos_queries
        assert p.explained_variance_ratio is None and p.pca_qubits is None
    assert "EV (QOS)" not in r.report()


@needs_splice
def test_save_writes_png_json_csv(splice_result, tmp_path):
    paths = splice_result.save(tmp_path)
    assert paths["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    payload = json.loads(paths["json"].read_text())
    assert payload["dataset"] == "splice" and len(payload["points"]) == 2
    assert "qubits" in paths["points_csv"].read_text().splitlines()[0]
    frame = splice_result.points_frame()
    assert list(frame["n_features"]) == [16, 256]
    assert "k=4" in splice_result.report() and "EV (QOS)" in splice_result.report()


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
    with pytest.raises(TypeError, match="pca"):
        ex.machine_size_experiment("splice", pca="yes")
    with pytest.raises(SystemExit) as exc:
        main(["reproduce", "machine-size", "--dataset", "mnist"])
    assert exc.value.code == 2
