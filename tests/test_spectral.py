"""The spectral fast path of SparseAccessEncoding.polynomial (method="spectral"): the same P(H) x as
the per-query Chebyshev recurrence in the modes whose queries share one operator (ideal, expected),
for polynomials of every parity, inputs in both blocks, tall / wide / rank-deficient blocks, ridge
augmentations, both decompositions (dense SVD, Gram eigh), default precision; and its refusals."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.sparse as sp

import qsjax
from qsjax import SparseAccessEncoding, hermitian_embedding, ridge_augmentation, sparse_access_encoding


def _poly(degree, parity, rng):
    """Random bounded-ish Chebyshev coefficients of a parity (None: mixed), decaying."""
    c = rng.normal(size=degree + 1) / (1.0 + np.arange(degree + 1))
    if parity is not None:
        c[1 - parity :: 2] = 0.0
    return c / np.abs(c).sum()


def _block(n, d, density, seed, dtype=jnp.float64):
    a = sp.random(n, d, density=density, random_state=seed, format="csr")
    a.data = 2.0 * a.data - 1.0
    return qsjax.sparse_matrix(a, dtype=dtype)


def _both(enc, c, b, mode, m=None):
    rec = enc.polynomial(c, b, mode, m, method="recurrence")
    spec = enc.polynomial(c, b, mode, m, method="spectral")
    return np.asarray(rec), np.asarray(spec)


@pytest.mark.parametrize("shape", [(30, 7), (6, 25)], ids=["tall", "wide"])
@pytest.mark.parametrize("parity", [1, 0, None], ids=["odd", "even", "mixed"])
@pytest.mark.parametrize("mode,m", [("ideal", None), ("expected", 300.0)])
def test_spectral_matches_the_recurrence(shape, parity, mode, m, rng):
    n, d = shape
    enc = sparse_access_encoding(hermitian_embedding(_block(n, d, 0.4, 1)))
    c = _poly(41 if parity != 0 else 40, parity, rng)
    b = rng.normal(size=n + d)  # both blocks populated
    rec, spec = _both(enc, c, jnp.asarray(b), mode, m)
    np.testing.assert_allclose(spec, rec, atol=1e-10, rtol=0)
    assert np.abs(rec).max() > 1e-3  # a non-trivial output


def test_ridge_augmentation_and_the_algorithms(rng):
    x = _block(25, 5, 0.5, 2)
    enc = sparse_access_encoding(hermitian_embedding(ridge_augmentation(x, 0.3)))
    b = jnp.asarray(rng.normal(size=enc.shape[0]))
    for parity in (0, 1):
        for mode, m in (("ideal", None), ("expected", 1e3)):
            rec, spec = _both(enc, _poly(60 + parity, parity, rng), b, mode, m)
            np.testing.assert_allclose(spec, rec, atol=1e-10, rtol=0)
    xd = x.todense()
    y = np.sign(rng.normal(size=25))
    res = {meth: qsjax.ridge(xd, y, 0.3, epsilon=1e-6, method=meth) for meth in ("recurrence", "spectral")}
    assert res["spectral"].method == "spectral" and res["recurrence"].method == "recurrence"
    assert qsjax.ridge(xd, y, 0.3, epsilon=1e-6).method == "spectral"  # auto, ideal mode
    np.testing.assert_allclose(
        np.asarray(res["spectral"].state), np.asarray(res["recurrence"].state), atol=1e-10
    )
    w = np.linalg.solve(xd.T @ xd + 0.3 * np.eye(5), xd.T @ y)
    assert abs(np.vdot(np.asarray(res["spectral"].state), w / np.linalg.norm(w))) ** 2 > 1 - 1e-6
    # expected mode: both methods see the same fixed operator and the same |y> sketch
    exp = [
        qsjax.ridge(xd, y, 0.3, mode="expected", m=1e5, method=meth) for meth in ("recurrence", "spectral")
    ]
    np.testing.assert_allclose(np.asarray(exp[1].state), np.asarray(exp[0].state), atol=1e-10)
    assert float(exp[1].success_probability) == pytest.approx(float(exp[0].success_probability), rel=1e-9)
    # linear_solve and pca agree too
    a = _block(12, 12, 0.3, 3).todense() + 0.8 * np.eye(12)
    a /= np.abs(a).max()
    rhs = rng.normal(size=12)
    ls = [qsjax.linear_solve(a, rhs, kappa=60, method=meth) for meth in ("recurrence", "spectral")]
    g = np.ones(5)
    sv = np.linalg.svd(xd, compute_uv=False) / max(
        np.count_nonzero(xd, 0).max(), np.count_nonzero(xd, 1).max()
    )
    kw = dict(cutoff=(sv[0] + sv[1]) / 2, gap=0.4 * (sv[0] - sv[1]))
    pc = [qsjax.pca(xd, g, **kw, method=meth) for meth in ("recurrence", "spectral")]
    for r, s_ in (ls, pc):
        np.testing.assert_allclose(np.asarray(s_.state), np.asarray(r.state), atol=1e-9)


def test_rank_deficient_block_uses_the_limits_at_zero(rng):
    """A block with empty columns and duplicate columns: exact zero singular values (o and g take
    their limits P'(0), P_e''(0)/2), on both sides of the embedding."""
    a = sp.random(20, 6, density=0.5, random_state=4, format="lil")
    a[:, 2] = 0.0
    a[:, 4] = a[:, 1]
    for mat in (sp.csr_array(a), sp.csr_array(a.T)):
        enc = sparse_access_encoding(hermitian_embedding(qsjax.sparse_matrix(mat, dtype=jnp.float64)))
        b = jnp.asarray(rng.normal(size=enc.shape[0]))
        for parity in (0, 1, None):
            rec, spec = _both(enc, _poly(31, parity, rng), b, "ideal")
            np.testing.assert_allclose(spec, rec, atol=1e-10, rtol=0)


def test_gram_path_batches_and_complex_inputs(rng):
    """A block with more than 2**22 entries goes through the Gram's eigh; a batch of complex inputs."""
    x = _block(4700, 900, 0.0015, 5)
    enc = sparse_access_encoding(hermitian_embedding(x))
    b = rng.normal(size=(2, enc.shape[0])) + 1j * rng.normal(size=(2, enc.shape[0]))
    for parity in (0, 1):
        rec, spec = _both(enc, _poly(16 + parity, parity, rng), jnp.asarray(b), "ideal")
        assert spec.shape == b.shape and np.iscomplexobj(spec)
        np.testing.assert_allclose(spec, rec, atol=1e-10, rtol=0)


def test_default_precision_agreement(default_precision, rng):
    x = _block(40, 6, 0.5, 6, dtype=None)
    enc = sparse_access_encoding(hermitian_embedding(ridge_augmentation(x, 0.5)))
    b = jnp.asarray(rng.normal(size=enc.shape[0]) + 1j * rng.normal(size=enc.shape[0]), jnp.complex64)
    for mode, m in (("ideal", None), ("expected", 1e4)):
        rec, spec = _both(enc, _poly(51, 1, rng), b, mode, m)
        assert spec.dtype == np.complex64
        np.testing.assert_allclose(spec, rec, atol=1e-5, rtol=0)
    res = qsjax.ridge(x.todense(), rng.normal(size=40), 0.5)
    assert res.method == "spectral" and res.state.dtype == jnp.float32


def test_auto_choice_and_refusals(rng, monkeypatch):
    enc = sparse_access_encoding(hermitian_embedding(_block(10, 4, 0.5, 7)))
    b = jnp.asarray(rng.normal(size=14))
    c = _poly(9, 1, rng)
    assert enc.resolve_method("auto", "ideal") == "spectral"
    assert enc.resolve_method("auto", "expected", 100.0) == "spectral"
    assert enc.resolve_method("auto", "counts", 100) == "recurrence"
    assert enc.resolve_method("recurrence", "ideal") == "recurrence"
    assert SparseAccessEncoding.polynomial_methods == ("auto", "recurrence", "spectral")
    with pytest.raises(ValueError, match="method must be one of"):
        enc.polynomial(c, b, method="eigen")
    with pytest.raises(TypeError, match="method must be one of"):
        enc.polynomial(c, b, method=None)
    for mode in ("counts", "sampled"):
        with pytest.raises(ValueError, match="fresh realisation per query"):
            enc.polynomial(c, b, mode, 100, key=jax.random.key(0), method="spectral")
    with pytest.raises(ValueError, match="fresh realisation per query"):  # refused before any work
        qsjax.ridge(
            np.eye(4), np.ones(4), 0.5, mode="counts", m=100, key=jax.random.key(0), method="spectral"
        )
    with pytest.raises(ValueError, match="method must be one of"):
        qsjax.pca(np.eye(4), np.ones(4), cutoff=0.5, gap=0.1, method="svd")
    # counts mode with auto runs the recurrence
    out = enc.polynomial(c, b, "counts", 10**6, key=jax.random.key(1))
    assert out.shape == b.shape
    # traced inputs: auto falls back to the recurrence (gradients), spectral refuses
    grad = jax.grad(lambda v: jnp.sum(enc.polynomial(c, v, "ideal") ** 2))(b)
    assert grad.shape == b.shape
    with pytest.raises(ValueError, match="traced"):
        jax.jit(lambda v: enc.polynomial(c, v, "ideal", method="spectral"))(b)
    # above the size limit: spectral refuses, auto uses the recurrence
    monkeypatch.setattr(SparseAccessEncoding, "spectral_max_dim", 3)
    with pytest.raises(ValueError, match="spectral_max_dim=3"):
        enc.polynomial(c, b, method="spectral")
    assert enc.resolve_method("auto", "ideal") == "recurrence"
