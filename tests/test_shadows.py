"""Interferometric classical shadows: unbiasedness, the variance bound, median-of-means failure
rates, the exact accumulation schemes, bad input and default precision."""

import helpers
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.sparse
import scipy.stats

import qsjax
from qsjax.shadows import (
    SHADOW_VARIANCE,
    interferometric_shadows,
    interferometric_state,
    median_of_means_groups,
    predict_fidelities,
    predict_overlaps,
    shadow_error_bound,
    single_snapshot_estimates,
)


def _unit(v):
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


@pytest.fixture(scope="module")
def problem():
    rng = np.random.default_rng(5)
    n = 3
    w = _unit(rng.normal(size=2**n) + 1j * rng.normal(size=2**n))
    model = interferometric_shadows(jax.random.key(11), w, 20000)
    xs = _unit(rng.normal(size=(4, 2**n)) + 1j * rng.normal(size=(4, 2**n)))
    onehot = np.eye(2**n)[[0, int(np.argmax(np.abs(w)))]]
    sparse = np.zeros((1, 2**n))
    sparse[0, [1, 6]] = [1 / np.sqrt(2), -1 / np.sqrt(2)]
    x = np.concatenate([xs, onehot, sparse])
    return n, w, model, x


def test_state_builder():
    w = np.array([3.0, 4.0])
    psi = np.asarray(interferometric_state(w))
    np.testing.assert_allclose(psi, [2**-0.5, 0, 0.6 * 2**-0.5, 0.8 * 2**-0.5], atol=1e-12)
    batch = np.asarray(interferometric_state(np.stack([w, w[::-1]])))
    assert batch.shape == (2, 4)
    np.testing.assert_allclose(np.linalg.norm(batch, axis=1), 1.0, atol=1e-12)


def test_mean_within_confidence_interval_and_variance_bound(problem):
    n, w, model, x = problem
    exact = (x.conj() @ w).real
    per = np.asarray(single_snapshot_estimates(model, x))
    t = per.shape[0]
    z = helpers.z_bound(x.shape[0])
    se = per.std(axis=0, ddof=1) / np.sqrt(t)
    assert (np.abs(per.mean(axis=0) - exact) < z * se).all(), (per.mean(0), exact, se)
    # variance below 3 tr O^2 = 6: one-sided test of the sample variance against the bound
    var = per.var(axis=0, ddof=1)
    kurt_se = np.sqrt((np.mean((per - per.mean(0)) ** 4, axis=0) - var**2) / t)
    assert (var < SHADOW_VARIANCE + z * kurt_se).all(), (var, kurt_se)
    # the batched accumulation equals the per-snapshot mean (both exact), both schemes
    pred = predict_overlaps(model, x, delta=0.05)
    np.testing.assert_allclose(pred.mean, per.mean(axis=0), atol=1e-10)
    dense = predict_overlaps(model, x, delta=0.05, dense_threshold=0.0)
    np.testing.assert_allclose(dense.group_means, pred.group_means, atol=1e-10)
    k = median_of_means_groups(0.05)
    assert pred.group_means.shape == (x.shape[0], k)
    np.testing.assert_allclose(pred.median_of_means, np.median(pred.group_means, axis=1), atol=1e-12)
    # scipy.sparse rows and a shorter (zero-padded) vector give the same numbers
    sp = predict_overlaps(model, scipy.sparse.csr_matrix(x), delta=0.05)
    np.testing.assert_allclose(sp.mean, pred.mean, atol=1e-12)
    short = predict_overlaps(model, x[4, :1], delta=0.05)
    np.testing.assert_allclose(short.mean, pred.mean[4], atol=1e-12)


def test_sign_blind_fidelity_estimate(problem):
    n, w, model, x = problem
    est = predict_fidelities(model, x[:3], groups=10)
    exact = np.abs(x[:3].conj() @ w) ** 2
    # o = 2((d+1)|beta|^2 - 1): bounded by 2(d+1)|beta|^2 with |beta|^2 <= 1; use a crude bound
    d = 2 ** (n + 1)
    per_bound = 2 * (d + 1)
    assert (np.abs(np.asarray(est.mean) - exact) < helpers.Z * per_bound / np.sqrt(model.num_snapshots)).all()


def test_groups_formula_and_bound():
    assert median_of_means_groups(0.01) == int(np.ceil(8 * np.log(100)))
    assert median_of_means_groups(0.5) == int(np.ceil(8 * np.log(2)))
    assert shadow_error_bound(1000, 0.1) == pytest.approx(2 * np.sqrt(6 * 19 / 1000))
    for bad in (0, 1, -0.1, 1.5):
        with pytest.raises(ValueError, match="delta"):
            median_of_means_groups(bad)


def test_median_of_means_failure_rate():
    """Over R independent models, the median of means misses Re<x|w> by more than the bound's eps
    in at most a fraction delta of them (binomial tolerance at helpers.ALPHA)."""
    rng = np.random.default_rng(9)
    n, delta, reps = 2, 0.2, 60
    k = median_of_means_groups(delta)
    t = k * 8
    w = _unit(rng.normal(size=2**n))
    x = _unit(rng.normal(size=2**n))
    exact = float(x @ w)
    eps = shadow_error_bound(t, delta)
    psi = interferometric_state(w)
    keys = jax.random.split(jax.random.key(2), reps)
    models = [interferometric_shadows(kk, w, t) for kk in keys]
    fails = sum(abs(float(predict_overlaps(m, x, delta=delta).median_of_means) - exact) > eps for m in models)
    limit = scipy.stats.binom.isf(helpers.ALPHA, reps, delta)
    assert fails <= limit, (fails, limit)
    assert psi.shape == (2 ** (n + 1),)


def test_bad_input(problem):
    n, w, model, x = problem
    key = jax.random.key(0)
    with pytest.raises(ValueError, match="dimension 16"):
        predict_overlaps(model, np.ones(16))
    with pytest.raises(ValueError, match="num_snapshots"):
        interferometric_shadows(key, w, 0)
    with pytest.raises(ValueError, match="num_snapshots"):
        interferometric_shadows(key, w, -5)
    with pytest.raises(ValueError, match="zero norm"):
        interferometric_shadows(key, np.zeros(8), 10)
    with pytest.raises(ValueError, match="NaN"):
        interferometric_shadows(key, np.array([1.0, np.nan]), 10)
    with pytest.raises(ValueError, match="NaN"):
        predict_overlaps(model, np.array([1.0, np.nan]))
    with pytest.raises(ValueError, match="power-of-two"):
        interferometric_shadows(key, np.ones(3), 10)
    with pytest.raises(TypeError, match="key"):
        interferometric_shadows(0, w, 10)
    with pytest.raises(TypeError, match="key"):
        interferometric_shadows(np.zeros(3), w, 10)
    with pytest.raises(TypeError, match="x must"):
        predict_overlaps(model, "x")
    with pytest.raises(TypeError, match="model"):
        predict_overlaps(w, x)
    with pytest.raises(ValueError, match="groups"):
        predict_overlaps(interferometric_shadows(key, w, 5), x, groups=10)


def test_default_precision_whole_path(default_precision):
    rng = np.random.default_rng(1)
    n = 3
    w = _unit(rng.normal(size=2**n)).astype(np.float32)
    model = interferometric_shadows(jax.random.key(4), w, 4000)
    x = np.eye(2**n, dtype=np.float32)[:3]
    pred = predict_overlaps(model, x)
    assert pred.mean.dtype == jnp.float32
    per = np.asarray(single_snapshot_estimates(model, x))
    se = per.std(axis=0) / np.sqrt(per.shape[0])
    assert (np.abs(np.asarray(pred.mean) - x @ w) < helpers.z_bound(3) * se).all()
    assert model.memory_bits == 4000 * (2 * (16 + 8) + 4 + 8 + 4)
    assert qsjax.shadows.ShadowModel is type(model)
