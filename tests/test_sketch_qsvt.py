"""QSVT on sketched block encodings with a fresh realisation per query; Lemma D.18 oracle."""

import helpers
import jax
import numpy as np
import pytest

import qsjax
from qsjax import qsvt_sketch, threshold_oracle


def dense_re_p(phases, xs_per_query):
    """Re <0| e^{iφ0 Z} Π_q W(x_q) e^{iφ_q Z} |0> per entry, with explicit 2x2 matrices."""
    out = []
    for u in range(xs_per_query.shape[1]):
        mat = np.diag([np.exp(1j * phases[0]), np.exp(-1j * phases[0])])
        for q in range(1, len(phases)):
            x = xs_per_query[q - 1, u]
            s = np.sqrt(1 - x * x)
            mat = (
                mat
                @ np.array([[x, 1j * s], [1j * s, x]])
                @ np.diag([np.exp(1j * phases[q]), np.exp(-1j * phases[q])])
            )
        out.append(mat[0, 0].real)
    return np.array(out)


def test_qsvt_sketch_matches_dense_products(rng):
    f = rng.integers(0, 2, 16)
    p = rng.dirichlet(np.ones(16))
    o = qsjax.boolean_oracle(qsjax.BooleanData(f, p), t=0.9 / p.max())
    phases = rng.normal(size=4) * 0.4
    x_ideal = np.sin(0.9 * p / p.max() * f)
    np.testing.assert_allclose(
        qsvt_sketch(o, phases, "ideal"), dense_re_p(phases, np.tile(x_ideal, (3, 1))), atol=1e-12
    )
    key, m = jax.random.key(3), 500
    xs = np.stack([np.imag(o.counts(jax.random.fold_in(key, q), m)) for q in (1, 2, 3)])
    np.testing.assert_allclose(qsvt_sketch(o, phases, "counts", m, key), dense_re_p(phases, xs), atol=1e-12)
    xs = np.stack([np.imag(o.sampled(jax.random.fold_in(key, q), m)) for q in (1, 2, 3)])
    np.testing.assert_allclose(qsvt_sketch(o, phases, "sampled", m, key), dense_re_p(phases, xs), atol=1e-12)
    # expected mode = the mean of many independent counts runs (queries are independent)
    # 2000 runs: |Re P| <= 1, so the standard error of each entry's mean is <= 0.022
    runs = jax.vmap(lambda k: qsvt_sketch(o, phases, "counts", 60, k))(jax.random.split(key, 2000))
    exp = np.asarray(qsvt_sketch(o, phases, "expected", 60))
    # z-tests per entry and part (Bonferroni, level helpers.ALPHA); unmarked entries are exact
    helpers.assert_mean_matches(np.asarray(runs), exp, floor=1e-12, what="counts QSVT vs expected")


def test_threshold_oracle_for_nonuniform_p(rng):
    f = rng.integers(0, 2, 64)
    p = rng.uniform(0.5, 1.5, 64)
    p /= p.sum()
    o = threshold_oracle(qsjax.BooleanData(f, p))
    target = np.asarray(o.target())
    ideal_err = np.abs(np.asarray(o.evaluate("ideal")) - target).max()
    assert ideal_err < 0.02
    errs = [np.abs(np.asarray(o.evaluate("expected", m)) - target).max() for m in (1e3, 1e4, 1e6)]
    assert errs[0] > errs[1] > errs[2] and errs[2] < ideal_err + 1e-3
    c = np.asarray(o.evaluate("counts", 10**6, jax.random.key(0)))
    assert np.abs(c - target).max() < ideal_err + 0.02


def test_errors():
    o = qsjax.boolean_oracle(qsjax.BooleanData([0, 1, 1, 0]))
    with pytest.raises(ValueError, match="mode must be one of"):
        qsvt_sketch(o, np.zeros(3), "channel", 10)
    with pytest.raises(ValueError, match="needs a jax.random key"):
        qsvt_sketch(o, np.zeros(3), "counts", 10)
    with pytest.raises(ValueError, match="no marked entries"):
        threshold_oracle(qsjax.BooleanData([0, 0]))
    with pytest.raises(ValueError, match="degree must be even"):
        threshold_oracle(qsjax.BooleanData([0, 1], p=[0.3, 0.7]), degree=5)
