"""Flat-vector state sketch."""

import helpers
import jax
import numpy as np
import pytest

import qsjax


def test_flat_state_modes(rng):
    n = 32
    b = rng.choice([-0.7, 0.7], n)
    sk = qsjax.flat_state(qsjax.VectorData(b))
    target = b / np.linalg.norm(b)
    np.testing.assert_allclose(sk.ideal(), target, atol=1e-12)
    m = 10**6
    # E[V]|+>: entries (1 + (e^{i pi N f/M} - 1)/N)^M / sqrt(N), independent closed form
    f = (b < 0).astype(float)
    ref = (1 + (np.exp(1j * np.pi * n * f / m) - 1) / n) ** m / np.sqrt(n)
    np.testing.assert_allclose(sk.expected(m), ref, rtol=1e-8)
    key = jax.random.key(0)
    # one realisation each, rebuilt from the same counts (public multinomial draw) or samples
    cnt = np.asarray(qsjax.random.multinomial_counts(key, m, jax.numpy.full(n, 1 / n)))
    np.testing.assert_allclose(
        sk.counts(key, m), np.exp(1j * np.pi * n * f * cnt / m) / np.sqrt(n), atol=1e-12
    )
    idx = np.asarray(qsjax.VectorData(b).sample(key, m)[0])
    np.testing.assert_allclose(
        sk.sampled(key, m),
        np.exp(1j * np.pi * n * f * np.bincount(idx, minlength=n) / m) / np.sqrt(n),
        atol=1e-12,
    )
    # the averaged channel: chi (closed form, numpy) times |+><+|, and its exact output fidelity
    rho = sk.channel(10**4)
    plus = np.full(n, 1 / np.sqrt(n))
    np.testing.assert_allclose(
        rho,
        helpers.orthogonal_chi_ref(np.pi * n * f, np.full(n, 1 / n), 10**4) * np.outer(plus, plus),
        atol=1e-12,
    )
    np.testing.assert_allclose(np.trace(rho), 1.0, atol=1e-12)
    fid = np.real(np.vdot(target, np.asarray(rho) @ np.asarray(target)))
    assert fid < 0.999  # visibly noisy at M = 1e4
    # infidelity of the averaged channel output decreases like 1/M
    f2 = np.real(np.vdot(target, sk.channel(10**5) @ target))
    np.testing.assert_allclose((1 - fid) / (1 - f2), 10, rtol=0.02)
    # a user's stream of (j, b_j) gives the same state as the IID stream with the same samples
    batches = list(qsjax.VectorData(b).chunks(key, 5000, chunk_size=1000))
    np.testing.assert_allclose(sk.from_stream(batches), sk.sampled(key, 5000), atol=1e-12)


def test_flat_state_counts_fidelity_averages_to_the_channel():
    # E[|<target|V|+>|^2] over counts realisations is exactly <target| E[V rho V^dagger] |target>:
    # a z-test at level helpers.ALPHA on 2000 realisations (the infidelity is 0.013 with spread
    # 0.005, so the standard error 1.1e-4 resolves it to ~1 %)
    b = np.where(np.random.default_rng(5).integers(0, 2, 32) == 1, -1.0, 1.0)
    sk = qsjax.flat_state(qsjax.VectorData(b))
    target = b / np.linalg.norm(b)
    m, reps = 10**4, 2000
    fids = np.asarray(
        jax.jit(jax.vmap(lambda k: qsjax.kernels.fidelity(target, sk.counts(k, m))))(
            jax.random.split(jax.random.key(6), reps)
        )
    )
    rho = np.asarray(sk.channel(m))
    exact = np.real(np.vdot(target, rho @ target))
    se = fids.std(ddof=1) / np.sqrt(reps)
    assert abs(fids.mean() - exact) < helpers.Z * se, (fids.mean(), exact, se)
    assert 1 - exact > 20 * se  # the test resolves the infidelity itself


def test_flat_state_errors():
    with pytest.raises(ValueError, match="equal"):
        qsjax.flat_state(qsjax.VectorData([1.0, -2.0]))
    with pytest.raises(ValueError, match="uniformly"):
        qsjax.flat_state(qsjax.VectorData([1.0, -1.0], p=[0.3, 0.7]))
    with pytest.raises(TypeError, match="VectorData"):
        qsjax.flat_state(np.ones(4))
