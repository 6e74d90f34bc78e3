"""Flat-vector state sketch."""

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
    for state in (sk.counts(key, m), sk.sampled(key, m)):
        assert qsjax.infidelity(state, target) < 0.05
    rho = sk.channel(10**4)
    np.testing.assert_allclose(np.trace(rho), 1.0, atol=1e-12)
    fid = np.real(np.vdot(target, rho @ target))
    assert 0.9 < fid < 1.0
    # infidelity of the averaged channel output decreases like 1/M
    f2 = np.real(np.vdot(target, sk.channel(10**5) @ target))
    np.testing.assert_allclose((1 - fid) / (1 - f2), 10, rtol=0.02)
    # a user's stream of (j, b_j) gives the same state as the IID stream with the same samples
    batches = list(qsjax.VectorData(b).chunks(key, 5000, chunk_size=1000))
    np.testing.assert_allclose(sk.from_stream(batches), sk.sampled(key, 5000), atol=1e-12)


def test_flat_state_errors():
    with pytest.raises(ValueError, match="equal"):
        qsjax.flat_state(qsjax.VectorData([1.0, -2.0]))
    with pytest.raises(ValueError, match="uniformly"):
        qsjax.flat_state(qsjax.VectorData([1.0, -1.0], p=[0.3, 0.7]))
    with pytest.raises(TypeError, match="VectorData"):
        qsjax.flat_state(np.ones(4))
