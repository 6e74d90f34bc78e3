"""Default precision (x64 off: float32 / complex64 / int32), what most users run: every kernel of
``qsjax.kernels`` and every sketch mode against an independent float64 numpy reference.

Tolerances: a complex64 result carries a relative rounding error of a few float32 ulps
(``2**-24 = 6e-8``) per operation; the references are float64. ``ATOL = 2e-5`` covers the ~10-100
roundings of these small kernels (N <= 32) with a wide margin while still catching any real error
(a wrong sign, qubit or phase is an O(1/sqrt(N)) = O(0.2) difference). Phases ``t n / M`` of size up
to ``pi N`` are rounded to float32 before the exponential: an absolute phase error of
``pi N * 2**-24 ~ 1e-5`` for N = 16, hence ``PHASE_ATOL = 5e-5`` there.
"""

import helpers
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.stats

import qsjax
from qsjax import kernels as K

pytestmark = pytest.mark.usefixtures("default_precision")

ATOL = 2e-5
PHASE_ATOL = 5e-5
N_QUBITS = 5
DIM = 2**N_QUBITS


def c64(a):
    return jnp.asarray(np.asarray(a).astype(np.complex64))


def f32(a):
    return jnp.asarray(np.asarray(a).astype(np.float32))


def check(out, ref, dtype, atol=ATOL):
    assert out.dtype == dtype, (out.dtype, dtype)
    out = np.asarray(out)
    np.testing.assert_allclose(
        out.astype(np.complex128 if np.iscomplexobj(out) else np.float64), ref, atol=atol
    )


@pytest.fixture(scope="module")
def inputs():
    rng = np.random.default_rng(64)
    psi = helpers.rand_state(rng, N_QUBITS).astype(np.complex64)
    phi = helpers.rand_state(rng, N_QUBITS).astype(np.complex64)
    return rng, psi, phi


# ----------------------------------------------------------------------------- statevector kernels


def test_walsh_hadamard_complex64_and_float32(inputs):
    rng, psi, _ = inputs
    full = helpers.dense_on_qubits(N_QUBITS, {w: helpers.HADAMARD for w in range(N_QUBITS)})
    check(K.walsh_hadamard(c64(psi)), full @ psi, jnp.complex64)
    sub = [0, 2, 3]
    dense = helpers.dense_on_qubits(N_QUBITS, {w: helpers.HADAMARD for w in sub})
    check(K.walsh_hadamard(c64(psi), sub), dense @ psi, jnp.complex64)
    x = rng.normal(size=DIM).astype(np.float32)
    out = K.walsh_hadamard(f32(x), normalized=False)
    assert out.dtype == jnp.float32
    np.testing.assert_allclose(np.asarray(out), helpers.walsh_matrix(DIM) @ x, atol=1e-4)  # |y| ~ 6


def test_gates_complex64(inputs):
    rng, psi, _ = inputs
    g = helpers.rand_unitary(rng, 2).astype(np.complex64)
    check(K.apply_1q(c64(psi), c64(g), 3), helpers.dense_on_qubits(N_QUBITS, {3: g}) @ psi, jnp.complex64)
    dense = helpers.controlled_dense(N_QUBITS, g, 1, [0, 4], [1, 0])
    check(K.apply_controlled(c64(psi), c64(g), 1, [0, 4], [1, 0]), dense @ psi, jnp.complex64)
    # a real float32 gate on a complex64 state stays complex64
    check(
        K.apply_1q(c64(psi), f32(helpers.HADAMARD), 0),
        helpers.dense_on_qubits(N_QUBITS, {0: helpers.HADAMARD}) @ psi,
        jnp.complex64,
    )


def test_diagonal_phases_and_permutation_complex64(inputs):
    rng, psi, _ = inputs
    d = (np.exp(1j * rng.uniform(0, 2 * np.pi, DIM)) * rng.uniform(0.5, 1, DIM)).astype(np.complex64)
    check(K.apply_diagonal(c64(psi), c64(d)), d * psi, jnp.complex64)
    ph = rng.normal(size=DIM).astype(np.float32)
    check(K.apply_phases(c64(psi), f32(ph)), np.exp(1j * ph.astype(float)) * psi, jnp.complex64)
    perm = rng.permutation(DIM).astype(np.int32)
    pmat = np.zeros((DIM, DIM))
    pmat[perm, np.arange(DIM)] = 1.0
    check(K.permute_basis(c64(psi), jnp.asarray(perm)), pmat @ psi, jnp.complex64)


def test_measurement_helpers_float32(inputs):
    rng, psi, phi = inputs
    check(K.probabilities(c64(psi)), np.abs(psi.astype(complex)) ** 2, jnp.float32, atol=1e-7)
    obs = rng.normal(size=DIM).astype(np.float32)
    check(K.expectation_diagonal(c64(psi), f32(obs)), np.vdot(psi, obs * psi).real, jnp.float32, atol=1e-6)
    dense_obs = rng.normal(size=(DIM, DIM)).astype(np.float32)
    check(K.expectation(c64(psi), f32(dense_obs)), np.vdot(psi, dense_obs @ psi), jnp.complex64, atol=1e-5)
    check(K.inner(c64(psi), c64(phi)), np.vdot(psi, phi), jnp.complex64, atol=1e-6)
    check(K.fidelity(c64(psi), c64(phi)), abs(np.vdot(psi, phi)) ** 2, jnp.float32, atol=1e-6)
    check(K.normalize(c64(3 * psi)), psi, jnp.complex64, atol=1e-6)
    check(K.plus_state(N_QUBITS), np.full(DIM, DIM**-0.5), jnp.complex64, atol=1e-7)
    check(K.basis_state(5, DIM), np.eye(DIM)[5], jnp.complex64, atol=0)
    assert K.num_qubits(DIM) == N_QUBITS


@pytest.mark.strict_promotion  # these kernels are clean under strict dtype promotion (conftest.py)
def test_density_kernels_complex64(inputs):
    rng, psi, _ = inputs
    rho = np.outer(psi, psi.conj())
    check(K.density_matrix(c64(psi)), rho, jnp.complex64, atol=1e-7)
    d = np.exp(1j * rng.uniform(0, 2 * np.pi, DIM)).astype(np.complex64)
    check(
        K.apply_diagonal_dm(c64(rho), c64(d)),
        np.diag(d) @ rho @ np.diag(d).conj().T,
        jnp.complex64,
        atol=1e-6,
    )
    chi = (rng.normal(size=rho.shape) + 1j * rng.normal(size=rho.shape)).astype(np.complex64)
    check(K.apply_schur_channel(c64(rho), c64(chi)), chi * rho, jnp.complex64, atol=1e-6)


@pytest.mark.strict_promotion
def test_structured_registers_complex64():
    rng = np.random.default_rng(5)
    big_a, big_n = 4, 8
    state = helpers.rand_state(rng, 5).reshape(big_a, big_n).astype(np.complex64)
    g = helpers.rand_unitary(rng, big_a).astype(np.complex64)
    out = K.apply_ancilla_gate(c64(state), c64(g))
    check(out.reshape(-1), np.kron(g, np.eye(big_n)) @ state.reshape(-1), jnp.complex64)
    blocks = np.stack([helpers.rand_unitary(rng, big_a) for _ in range(big_n)]).astype(np.complex64)
    out = K.apply_blockwise(c64(state), c64(blocks))
    check(out.reshape(-1), helpers.blockwise_dense(blocks) @ state.reshape(-1), jnp.complex64)


def test_sampling_kernels_follow_born_rule_in_default_precision():
    psi = helpers.rand_state(np.random.default_rng(9), 3).astype(np.complex64)
    probs = np.abs(psi.astype(complex)) ** 2
    probs /= probs.sum()
    shots = K.sample_shots(jax.random.key(2), c64(psi), 20000)
    assert shots.dtype == jnp.int32 and shots.shape == (20000,)
    hist = K.sample_histogram(jax.random.key(3), c64(psi), 20000)
    assert hist.dtype == jnp.int32 and int(hist.sum()) == 20000
    for counts in (np.bincount(np.asarray(shots), minlength=8), np.asarray(hist)):
        # chi-square goodness of fit against the Born rule, accepted at level helpers.ALPHA
        assert scipy.stats.chisquare(counts, 20000 * probs).pvalue > helpers.P_MIN


# ----------------------------------------------------------------------------- sketch modes


F = np.array([1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0, 1, 0, 0, 0, 1])
P = np.random.default_rng(3).dirichlet(np.ones(16))
KEY = jax.random.key(12)
M = 3000


@pytest.fixture(scope="module", params=["uniform", "nonuniform"])
def sketch(request):
    p = None if request.param == "uniform" else P.astype(np.float32)
    with jax.enable_x64(False):
        data = qsjax.BooleanData(F.astype(np.float32), p)
        o = qsjax.boolean_oracle(data)
    return data, o


def test_phase_sketch_modes_complex64(sketch):
    data, o = sketch
    p = np.asarray(data.probabilities, np.float64)
    t = float(o.t)
    theta = t * F
    check(o.ideal(), np.exp(1j * theta * p), jnp.complex64)
    check(o.expected(M), helpers.expected_ref(theta, p, M), jnp.complex64, atol=PHASE_ATOL)
    # counts: the public multinomial draw of the same key and probabilities, phases in float64
    n = np.asarray(qsjax.random.multinomial_counts(KEY, M, data.probabilities))
    check(o.counts(KEY, M), np.exp(1j * theta * n / M), jnp.complex64, atol=PHASE_ATOL)
    # sampled: the same explicit samples, counted by numpy
    check(
        o.sampled(KEY, M, chunk_size=512),
        helpers.sampled_ref(data, KEY, M, theta),
        jnp.complex64,
        atol=PHASE_ATOL,
    )
    counts = o.sample_counts(KEY, M, chunk_size=512)
    assert counts.dtype == jnp.int32
    np.testing.assert_array_equal(
        np.asarray(counts), np.bincount(np.asarray(data.sample(KEY, M)[0]), minlength=16)
    )
    ch = o.channel(M)
    assert ch.chi.dtype == ch.mean.dtype == jnp.complex64
    np.testing.assert_allclose(np.asarray(ch.chi), helpers.orthogonal_chi_ref(theta, p, M), atol=PHASE_ATOL)
    np.testing.assert_allclose(np.asarray(ch.mean), helpers.expected_ref(theta, p, M), atol=PHASE_ATOL)
    # the controlled channel: identity block, E[V] off the diagonal blocks, chi in the corner
    cc = ch.controlled()
    e = helpers.expected_ref(theta, p, M)
    ref = np.block(
        [
            [np.ones((16, 16)), np.broadcast_to(e.conj()[None, :], (16, 16))],
            [np.broadcast_to(e[:, None], (16, 16)), helpers.orthogonal_chi_ref(theta, p, M)],
        ]
    )
    assert cc.chi.dtype == jnp.complex64
    np.testing.assert_allclose(np.asarray(cc.chi), ref, atol=PHASE_ATOL)
    # a user's stream of the same samples
    batches = [(np.asarray(i), np.asarray(v)) for i, v in data.chunks(KEY, M, chunk_size=1000)]
    check(o.from_stream(batches), helpers.sampled_ref(data, KEY, M, theta), jnp.complex64, atol=PHASE_ATOL)
    # the inverse oracle conjugates every mode
    inv = qsjax.boolean_oracle(data, inverse=True)
    check(inv.expected(M), np.conj(helpers.expected_ref(theta, p, M)), jnp.complex64, atol=PHASE_ATOL)
    check(inv.counts(KEY, M), np.exp(-1j * theta * n / M), jnp.complex64, atol=PHASE_ATOL)


def test_multibit_sketch_complex64():
    f = np.stack([F, 1 - F, F[::-1]], axis=1).astype(np.float32)  # (N, b = 3)
    data = qsjax.BooleanData(f)
    o = qsjax.boolean_oracle(data)
    theta = float(o.t) * f.T.astype(float)  # (b, N)
    p = np.full(16, 1 / 16)
    check(o.ideal(), np.exp(1j * theta * p), jnp.complex64)
    check(o.expected(M), helpers.expected_ref(theta, p, M), jnp.complex64, atol=PHASE_ATOL)
    n = np.asarray(qsjax.random.multinomial_counts(KEY, M, data.probabilities))
    check(o.counts(KEY, M), np.exp(1j * theta * n / M), jnp.complex64, atol=PHASE_ATOL)
    idx = np.asarray(data.sample(KEY, M)[0])
    check(
        o.sampled(KEY, M),
        np.exp(1j * theta * np.bincount(idx, minlength=16) / M),
        jnp.complex64,
        atol=PHASE_ATOL,
    )


def test_naive_sketch_modes_complex64():
    data = qsjax.BooleanData(F.astype(np.float32))
    nv = qsjax.naive_boolean_oracle(data)
    t = float(nv.t)
    p = np.full(16, 1 / 16)
    check(nv.ideal(), np.exp(1j * t * p * F), jnp.complex64)
    check(nv.expected(M), helpers.naive_expected_ref(F, p, t, M), jnp.complex64, atol=PHASE_ATOL)
    ref = helpers.naive_sample_ref(data, KEY, M, t)
    check(nv.sampled(KEY, M, chunk_size=512), ref, jnp.complex64, atol=PHASE_ATOL)
    kx = jax.random.split(KEY)[0]
    batches = [(np.asarray(i), np.asarray(v)) for i, v in data.chunks(kx, M, chunk_size=1000)]
    check(nv.from_stream(batches, KEY), ref, jnp.complex64, atol=PHASE_ATOL)
    ch = nv.channel(M)
    assert ch.chi.dtype == jnp.complex64
    np.testing.assert_allclose(np.asarray(ch.mean), helpers.naive_expected_ref(F, p, t, M), atol=PHASE_ATOL)
    v = nv.counts(KEY, M)  # distribution checked in test_naive_sketch.py; here: dtype and unitarity
    assert v.dtype == jnp.complex64
    np.testing.assert_allclose(np.abs(np.asarray(v)), 1.0, atol=1e-6)


def test_flat_state_modes_complex64():
    b = np.where(F == 1, -0.5, 0.5).astype(np.float32)
    vd = qsjax.VectorData(b)
    sk = qsjax.flat_state(vd)
    plus = np.full(16, 0.25)
    theta = np.pi * 16 * F
    p = np.full(16, 1 / 16)
    check(sk.ideal(), b / np.linalg.norm(b), jnp.complex64)
    check(sk.expected(M), plus * helpers.expected_ref(theta, p, M), jnp.complex64, atol=PHASE_ATOL)
    n = np.asarray(qsjax.random.multinomial_counts(KEY, M, jnp.full(16, 1 / 16, jnp.float32)))
    check(sk.counts(KEY, M), plus * np.exp(1j * theta * n / M), jnp.complex64, atol=PHASE_ATOL)
    idx = np.asarray(vd.sample(KEY, M)[0])
    check(
        sk.sampled(KEY, M),
        plus * np.exp(1j * theta * np.bincount(idx, minlength=16) / M),
        jnp.complex64,
        atol=PHASE_ATOL,
    )
    rho = sk.channel(M)
    assert rho.dtype == jnp.complex64
    np.testing.assert_allclose(
        np.asarray(rho), helpers.orthogonal_chi_ref(theta, p, M) * np.outer(plus, plus), atol=PHASE_ATOL
    )


def test_evaluate_with_mode_values_complex64(sketch):
    data, o = sketch
    p = np.asarray(data.probabilities, np.float64)
    theta = float(o.t) * F
    check(o.evaluate(qsjax.Expected(M)), helpers.expected_ref(theta, p, M), jnp.complex64, atol=PHASE_ATOL)
    check(
        qsjax.evaluate(o, "sampled", M, key=KEY, chunk_size=512),
        helpers.sampled_ref(data, KEY, M, theta),
        jnp.complex64,
        atol=PHASE_ATOL,
    )
