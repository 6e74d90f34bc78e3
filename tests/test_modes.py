"""Modes as values: one definition, strings converted once, and a user's own oracle written as one
class running through every mode it implements, a QSVT sequence with a fresh realisation per query,
and jit / vmap / grad."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import qsjax


def _expi(x):
    """``exp(i x)`` for real ``x`` without implicit promotion (strict-promotion runs)."""
    return jnp.exp(jax.lax.complex(jnp.zeros_like(x), x))


class ToyOracle(qsjax.AbstractSketch):
    """A diagonal phase oracle ``diag(exp(i theta_x / N))`` from uniform samples ``x`` (one class:
    its mathematics only). Sample ``l`` applies ``exp(i (theta_x / m) |x><x|)``."""

    theta: jax.Array

    def ideal(self):
        return _expi(self.theta / self.theta.shape[0])

    def expected(self, m):
        n = self.theta.shape[0]
        return (1 + (_expi(self.theta / m) - 1) / n) ** m

    def sampled(self, key, m, *, chunk_size=1 << 16):
        n = self.theta.shape[0]
        x = jax.random.randint(key, (m,), 0, n)
        counts = jnp.zeros(n).at[x].add(1.0)
        return _expi(self.theta * counts / m)


THETA = jnp.asarray(np.random.default_rng(5).uniform(0, 3, 8))
TOY = ToyOracle(THETA)
KEY = jax.random.key(11)


def test_mode_names_are_defined_once():
    assert qsjax.MODES == ("sampled", "counts", "expected", "channel", "ideal")
    assert [qsjax.as_mode(name, 10).name for name in ("expected", "counts", "sampled", "channel")] == [
        "expected",
        "counts",
        "sampled",
        "channel",
    ]
    assert isinstance(qsjax.as_mode("ideal"), qsjax.Ideal)
    assert qsjax.as_mode(qsjax.Counts(5)) == qsjax.Counts(5)
    with pytest.raises(ValueError, match="mode must be one of"):
        qsjax.as_mode("exact", 10)
    with pytest.raises(ValueError, match="needs the number of samples"):
        qsjax.as_mode("counts")
    with pytest.raises(ValueError, match="carries its own m"):
        qsjax.as_mode(qsjax.Counts(5), 7)
    with pytest.raises(TypeError):
        qsjax.as_mode(3, 10)
    with pytest.raises(ValueError):  # validated once, where the mode is made
        qsjax.Counts(0)
    with pytest.raises(ValueError):
        qsjax.Sampled(10, chunk_size=0)


def test_custom_oracle_in_every_mode_it_implements():
    n = THETA.shape[0]
    np.testing.assert_allclose(np.asarray(qsjax.evaluate(TOY, "ideal")), np.exp(1j * np.asarray(THETA) / n))
    m = 1000.0
    ref = (1 + (np.exp(1j * np.asarray(THETA) / m) - 1) / n) ** m
    np.testing.assert_allclose(np.asarray(TOY.evaluate(qsjax.Expected(m))), ref, rtol=1e-12)
    v = np.asarray(TOY.evaluate("sampled", 500, key=KEY))
    x = np.asarray(jax.random.randint(KEY, (500,), 0, n))
    np.testing.assert_allclose(
        v, np.exp(1j * np.asarray(THETA) * np.bincount(x, minlength=n) / 500), atol=1e-12
    )
    # a mode it lacks raises one clear error naming both
    for mode in ("counts", "channel"):
        with pytest.raises(qsjax.UnsupportedModeError, match=f"ToyOracle.*{mode}"):
            qsjax.evaluate(TOY, mode, 10, key=KEY)
    with pytest.raises(ValueError, match="needs a jax.random key"):
        TOY.evaluate("sampled", 10)


def test_custom_oracle_in_a_qsvt_sequence_with_fresh_queries():
    phases = qsjax.arcsin_phases(5)
    ideal = np.asarray(qsjax.qsvt_sketch(TOY, phases, "ideal"))
    # ideal: Re P(sin phi) per entry, P the QSP polynomial of the phases
    x = np.sin(np.asarray(THETA) / THETA.shape[0])
    np.testing.assert_allclose(ideal.real, np.real(np.asarray(qsjax.qsp.qsp_response(phases, x))), atol=1e-12)
    # sampled: query q uses fold_in(key, q); rebuild the same circuit from those realisations
    mode = qsjax.Sampled(300)
    out = np.asarray(qsjax.qsvt_sketch(TOY, phases, mode, key=KEY))
    realised = [np.asarray(TOY.sampled(jax.random.fold_in(KEY, q), 300)) for q in range(1, 6)]
    assert not np.allclose(realised[0], realised[1])  # fresh samples per query
    sig = [np.imag(v) for v in realised]  # sin(phi) of each realisation
    ref = []
    for e in range(THETA.shape[0]):
        z = np.array([[np.exp(1j * phases[0]), 0], [0, np.exp(-1j * phases[0])]])
        for q in range(1, 6):
            s = sig[q - 1][e]
            w = np.array([[s, 1j * np.sqrt(1 - s * s)], [1j * np.sqrt(1 - s * s), s]])
            z = z @ w @ np.diag([np.exp(1j * phases[q]), np.exp(-1j * phases[q])])
        ref.append(z[0, 0])
    np.testing.assert_allclose(out.real, np.real(ref), atol=1e-9)


def test_custom_oracle_under_jit_vmap_grad():
    keys = jax.random.split(KEY, 3)
    batch = jax.jit(jax.vmap(lambda k: TOY.evaluate(qsjax.Sampled(200), key=k)))(keys)
    np.testing.assert_allclose(np.asarray(batch[1]), np.asarray(TOY.sampled(keys[1], 200)), atol=1e-12)

    def err(theta, m):
        return jnp.max(jnp.abs(ToyOracle(theta).evaluate(qsjax.Expected(m)) - ToyOracle(theta).ideal()))

    g = jax.jit(jax.grad(err, argnums=(0, 1)))(THETA, 1e4)
    assert np.isfinite(np.asarray(g[0])).all() and float(g[1]) < 0  # the error falls with m
