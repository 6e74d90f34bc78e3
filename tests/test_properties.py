"""Property-based tests (hypothesis) over data sources, sketch modes and kernels.

Valid random inputs must give finite, norm-preserving results equal to an independent dense numpy
reference; invalid ones must raise ValueError / TypeError (never NaN, a wrong shape or a hang).
Register sizes are drawn from a few powers of two so that compilation (not compute) stays bounded.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import qsjax

SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])

sizes = st.sampled_from([1, 2, 3, 8, 13, 32])
qubit_counts = st.integers(min_value=1, max_value=5)
seeds = st.integers(min_value=0, max_value=2**31 - 1)
sample_counts = st.integers(min_value=1, max_value=10**12)


@st.composite
def truth_tables(draw):
    n = draw(sizes)
    bits = np.asarray(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)), float)
    uniform = draw(st.booleans())
    if uniform:
        return bits, None
    w = np.asarray(draw(st.lists(st.floats(0.05, 1.0), min_size=n, max_size=n)))
    return bits, w / w.sum()


@st.composite
def states(draw, n_qubits=None):
    n = draw(qubit_counts) if n_qubits is None else n_qubits
    rng = np.random.default_rng(draw(seeds))
    psi = rng.normal(size=1 << n) + 1j * rng.normal(size=1 << n)
    return psi / np.linalg.norm(psi)


def _expected_reference(f, p, t, m):
    """E[V]_x = (1 + p_x (e^{i t f_x / m} - 1))^m, straight from the definition (numpy, float64)."""
    return (1 + p * (np.exp(1j * t * f / m) - 1)) ** m


# ----------------------------------------------------------------------------- sketch modes


@SETTINGS
@given(tt=truth_tables(), m=st.integers(1, 10**6), seed=seeds)
def test_boolean_sketch_modes_are_finite_unitary_and_match_the_definition(tt, m, seed):
    f, p = tt
    data = qsjax.BooleanData(f, p)
    o = qsjax.boolean_oracle(data)
    probs = np.full(f.shape, 1 / f.size) if p is None else p
    t = float(o.t)
    key = jax.random.key(seed)
    ideal = np.asarray(o.ideal())
    np.testing.assert_allclose(ideal, np.exp(1j * t * probs * f), atol=1e-12)
    ms = (600, 1000, 3000)[m % 3]  # few distinct lengths: each explicit-sample length compiles anew
    for v in (o.counts(key, m), o.sampled(key, ms, chunk_size=512)):
        v = np.asarray(v)
        assert v.shape == f.shape and np.isfinite(v).all()
        np.testing.assert_allclose(np.abs(v), 1.0, atol=1e-12)  # a diagonal unitary
    # sampled against its definition: the product of the per-sample rotations of the same stream
    idx, _ = data.sample(key, ms)
    n = np.bincount(np.asarray(idx), minlength=f.size)
    np.testing.assert_allclose(
        np.asarray(o.sampled(key, ms, chunk_size=512)), np.exp(1j * t * f * n / ms), atol=1e-9
    )
    e = np.asarray(o.expected(m))
    np.testing.assert_allclose(e, _expected_reference(f, probs, t, m), atol=1e-9)
    assert np.all(np.abs(e) <= 1 + 1e-12)


@SETTINGS
@given(tt=truth_tables(), m=sample_counts, seed=seeds)
def test_counts_are_exact_multinomial_totals(tt, m, seed):
    f, p = tt
    c = np.asarray(qsjax.BooleanData(f, p).counts(jax.random.key(seed), m))
    assert c.dtype == np.int64 and int(c.sum()) == m and (c >= 0).all()
    if p is not None:
        assert np.all(c[p == 0] == 0)


@SETTINGS
@given(tt=truth_tables(), m=st.integers(1, 10**4))
def test_channel_is_a_valid_schur_multiplier(tt, m):
    f, p = tt
    o = qsjax.boolean_oracle(qsjax.BooleanData(f, p))
    ch = o.channel(m)
    chi = np.asarray(ch.chi)
    assert chi.shape == (f.size, f.size) and np.isfinite(chi).all()
    np.testing.assert_allclose(np.diag(chi), 1.0, atol=1e-12)  # trace preserving
    np.testing.assert_allclose(chi, chi.conj().T, atol=1e-12)  # Hermitian
    assert np.linalg.eigvalsh(chi).min() > -1e-9  # completely positive: chi is PSD
    np.testing.assert_allclose(np.asarray(ch.mean), np.asarray(o.expected(m)), atol=1e-12)


# ----------------------------------------------------------------------------- kernels


def _dense_hadamard(n):
    h = np.array([[1.0]])
    for _ in range(n):
        h = np.kron(np.array([[1, 1], [1, -1]]) / np.sqrt(2), h)
    return h


@SETTINGS
@given(psi=states())
def test_walsh_hadamard_matches_the_dense_matrix(psi):
    n = int(np.log2(psi.size))
    out = np.asarray(qsjax.kernels.walsh_hadamard(jnp.asarray(psi)))
    np.testing.assert_allclose(out, _dense_hadamard(n) @ psi, atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(out), 1.0, atol=1e-12)


@SETTINGS
@given(psi=states(), seed=seeds, data=st.data())
def test_one_qubit_gate_matches_kron(psi, seed, data):
    n = int(np.log2(psi.size))
    q = data.draw(st.integers(0, n - 1))
    rng = np.random.default_rng(seed)
    g, _ = np.linalg.qr(rng.normal(size=(2, 2)) + 1j * rng.normal(size=(2, 2)))
    dense = np.kron(np.kron(np.eye(1 << (n - 1 - q)), g), np.eye(1 << q))
    out = np.asarray(qsjax.kernels.apply_1q(jnp.asarray(psi), jnp.asarray(g), q))
    np.testing.assert_allclose(out, dense @ psi, atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(out), 1.0, atol=1e-12)


@SETTINGS
@given(psi=states(), seed=seeds)
def test_permute_basis_matches_the_permutation_matrix(psi, seed):
    perm = np.random.default_rng(seed).permutation(psi.size)
    dense = np.zeros((psi.size, psi.size))
    dense[perm, np.arange(psi.size)] = 1.0  # |x> -> |perm[x]>
    out = np.asarray(qsjax.kernels.permute_basis(jnp.asarray(psi), jnp.asarray(perm)))
    np.testing.assert_allclose(out, dense @ psi, atol=1e-12)


@SETTINGS
@given(psi=states(), seed=seeds)
def test_diagonal_phase_is_norm_preserving(psi, seed):
    phases = np.random.default_rng(seed).uniform(-10, 10, psi.size)
    out = np.asarray(qsjax.kernels.apply_phases(jnp.asarray(psi), jnp.asarray(phases)))
    np.testing.assert_allclose(out, np.exp(1j * phases) * psi, atol=1e-12)


# ----------------------------------------------------------------------------- invalid inputs


@SETTINGS
@given(n=sizes, bad=st.sampled_from([2.0, -1.0, 0.5, np.nan, np.inf]), pos=st.integers(0, 31))
def test_invalid_truth_tables_raise(n, bad, pos):
    f = np.zeros(n)
    f[pos % n] = bad
    with pytest.raises(ValueError):
        qsjax.BooleanData(f)


@SETTINGS
@given(n=st.integers(2, 32), kind=st.sampled_from(["negative", "sum", "nan", "shape"]), seed=seeds)
def test_invalid_probabilities_raise(n, kind, seed):
    p = np.random.default_rng(seed).dirichlet(np.ones(n))
    if kind == "negative":
        p[0], p[1] = -0.1, p[1] + 0.1 + p[0]
    elif kind == "sum":
        p = p * 1.5
    elif kind == "nan":
        p[0] = np.nan
    else:
        p = p[:-1]
    with pytest.raises(ValueError):
        qsjax.BooleanData(np.zeros(n), p)


@SETTINGS
@given(
    m=st.one_of(
        st.integers(max_value=0), st.sampled_from([0.5, 1.5, np.nan, np.inf, -3.0, 2**53 + 2.0, 1e40])
    )
)
def test_invalid_sample_counts_raise(m):
    o = qsjax.boolean_oracle(qsjax.BooleanData(np.array([1.0, 0.0])))
    with pytest.raises(ValueError):
        o.counts(jax.random.key(0), m)
    with pytest.raises(ValueError):
        qsjax.BooleanData(np.array([1.0, 0.0])).counts(jax.random.key(0), m)


@SETTINGS
@given(m=st.sampled_from([0, -1.0, np.nan, np.inf, 1e31]))
def test_invalid_real_sample_counts_raise(m):
    o = qsjax.boolean_oracle(qsjax.BooleanData(np.array([1.0, 0.0])))
    with pytest.raises(ValueError):
        o.expected(m)
    with pytest.raises(ValueError):
        o.channel(m)
    with pytest.raises(ValueError):
        qsjax.sketch_diamond_error(o, m)


@SETTINGS
@given(dim=st.sampled_from([3, 5, 6, 12, 100]))
def test_non_power_of_two_registers_raise(dim):
    with pytest.raises(ValueError):
        qsjax.kernels.walsh_hadamard(jnp.ones(dim))
    with pytest.raises(ValueError):
        qsjax.kernels.apply_1q(jnp.ones(dim), jnp.eye(2), 0)
