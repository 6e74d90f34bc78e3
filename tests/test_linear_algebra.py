"""QSVT linear algebra on sketched sparse-access block encodings: linear_solve, ridge / LS-SVM and
PCA against numpy / scipy, the sample-budget slope in sketched modes, and bad input."""

import jax
import numpy as np
import pytest
import scipy.sparse as sp

import qsjax
from qsjax.algorithms import linear_solve, pca, ridge

RNG = np.random.default_rng(7)


def _sparsity(a):
    return max(np.count_nonzero(a, 0).max(), np.count_nonzero(a, 1).max())


def _well_conditioned(n, rng):
    a = 0.8 * np.eye(n) + 0.15 * rng.normal(size=(n, n)) * (rng.random((n, n)) < 0.3)
    return a / np.abs(a).max()


def _fidelity(state, ref):
    ref = ref / np.linalg.norm(ref)
    return abs(np.vdot(np.asarray(state), ref)) ** 2


def test_linear_solve_matches_numpy():
    a = _well_conditioned(8, RNG)
    b = RNG.normal(size=8)
    kappa = 1.05 / np.linalg.svd(a / _sparsity(a), compute_uv=False).min()
    res = linear_solve(sp.csr_array(a), b, kappa=kappa, epsilon=1e-6)
    assert _fidelity(res.state, np.linalg.solve(a, b)) >= 1 - 1e-6
    assert res.queries == res.polynomial.degree and float(res.samples) == 0.0
    # post-selection probability = ||P(H) b||^2 for normalised b, with P ~ 1/(2 kappa x)
    x = np.linalg.solve(a / _sparsity(a), b / np.linalg.norm(b)) / (2 * kappa)
    assert float(res.success_probability) == pytest.approx(np.sum(x**2), rel=1e-4)


def test_ridge_matches_numpy_and_sklearn_convention():
    x = sp.random(40, 6, density=0.5, random_state=3).toarray()
    y = np.sign(RNG.normal(size=40))
    lam = 0.5
    res = ridge(x, y, lam, epsilon=1e-6)
    w = np.linalg.solve(x.T @ x + lam * np.eye(6), x.T @ y)
    assert _fidelity(res.state, w) >= 1 - 1e-6
    # rescaling x and lam together leaves the state unchanged
    res2 = ridge(3.0 * x, y, 9.0 * lam, epsilon=1e-6, rescale=True)
    assert _fidelity(res2.state, w) >= 1 - 1e-6


def test_pca_finds_the_top_principal_axis():
    x = sp.random(40, 6, density=0.5, random_state=5).toarray()
    _, sv, vt = np.linalg.svd(x)
    s = _sparsity(x)
    cutoff, gap = (sv[0] + sv[1]) / (2 * s), 0.9 * (sv[0] - sv[1]) / (2 * s)
    guide = np.ones(6)
    res = pca(x, guide, cutoff=cutoff, gap=gap)
    assert _fidelity(res.state, vt[0]) >= 1 - 1e-6
    overlap = (vt[0] @ guide) ** 2 / (guide @ guide)
    assert float(res.success_probability) == pytest.approx(overlap, rel=1e-4)


def test_sketched_error_falls_with_the_sample_budget():
    """Expected mode (every query averaged over M samples, |b> from the vector-state sketch): the
    state infidelity falls as 1/M^2 (the l2 error as 1/M), the leading order of a per-query bias,
    down to the ~4e-6 floor of the degree-19 arcsin polynomial that prepares |b> (reached near
    M = 1e7 here), so the slope is measured on M = 1e3..1e5."""
    a = _well_conditioned(6, RNG)
    b = RNG.normal(size=6)
    kappa = 1.1 / np.linalg.svd(a / _sparsity(a), compute_uv=False).min()
    ref = np.linalg.solve(a, b)
    ms = [1e3, 1e4, 1e5]
    errs = []
    for m in ms:
        res = linear_solve(a, b, kappa=kappa, epsilon=1e-6, mode="expected", m=m)
        errs.append(np.sqrt(max(1 - _fidelity(res.state, ref), 1e-300)))
        assert float(res.samples) >= res.queries * m
    slope = np.polyfit(np.log(ms), np.log(errs), 1)[0]
    assert -1.1 <= slope <= -0.9, (errs, slope)
    # one counts realisation at the largest budget is close too
    res = linear_solve(a, b, kappa=kappa, epsilon=1e-6, mode="counts", m=1e9, key=jax.random.key(0))
    assert _fidelity(res.state, ref) >= 0.99


def test_bad_input():
    a = _well_conditioned(4, RNG)
    with pytest.raises(ValueError, match="kappa"):
        linear_solve(a, np.ones(4), kappa=1.0)
    with pytest.raises(ValueError, match="length 4"):
        linear_solve(a, np.ones(5), kappa=10)
    with pytest.raises(ValueError, match="rescale=True"):
        linear_solve(2 * a, np.ones(4), kappa=10)
    with pytest.raises(ValueError, match="lam"):
        ridge(a, np.ones(4), -1.0)
    with pytest.raises(ValueError, match="lam"):
        ridge(a, np.ones(4), 0.0)
    with pytest.raises(ValueError, match="zero"):
        ridge(a, np.zeros(4), 0.1)
    with pytest.raises(ValueError, match="rescale=True"):
        ridge(a, np.ones(4), 4.0)
    with pytest.raises(ValueError, match="no nonzero"):
        linear_solve(np.zeros((3, 3)), np.ones(3), kappa=2)
    with pytest.raises(ValueError, match="MAX_POLY_DEGREE|degree"):  # refused before building
        linear_solve(a, np.ones(4), kappa=1e8)
    with pytest.raises(ValueError, match="cutoff"):
        pca(a, np.ones(4), cutoff=1.5, gap=0.1)
    assert isinstance(qsjax.algorithms.AlgorithmResult, type)


def test_grad_through_the_operator_level_path_matches_finite_differences():
    """d/dA of the output norm of the operator-level QSVT (expected mode), through the element
    oracle's arcsin, the averaged sketch and the Chebyshev recurrence."""
    import equinox as eqx
    import jax.numpy as jnp

    a = qsjax.sparse_matrix(sp.random(5, 5, density=0.5, random_state=11) * 0.9, dtype=jnp.float64)
    b = jnp.asarray(RNG.normal(size=10))
    coeffs = np.array([0.0, 0.8, 0.0, -0.2])

    def norm2(vals):
        src = qsjax.hermitian_embedding(eqx.tree_at(lambda s: s.vals, a, vals))
        out = qsjax.sparse_access_encoding(src).polynomial(coeffs, b, "expected", 1e4)
        return jnp.sum(out**2)

    vals = a.vals
    g = np.asarray(jax.jit(jax.grad(norm2))(vals))
    h = 1e-6
    fd = [(norm2(vals.at[k].add(h)) - norm2(vals.at[k].add(-h))) / (2 * h) for k in range(vals.shape[0])]
    np.testing.assert_allclose(g, np.asarray(fd), rtol=1e-6, atol=1e-9)
