"""Kernels against dense numpy references (explicit matrices, explicit gate products)."""

import helpers
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.stats
from helpers import dense_on_qubits, rand_state, rand_unitary

import qsjax

H = np.array([[1, 1], [1, -1]]) / np.sqrt(2)
# register sizes: every remainder of the WHT's 4-qubit fusion (n mod 4) and both ends (each size is
# a compilation of every kernel, so not all of 1..10)
NS = [1, 2, 3, 4, 5, 7, 10]


@pytest.mark.parametrize("n", NS)
def test_walsh_hadamard_all_and_subsets(n, rng):
    psi = rand_state(rng, n, batch=(2,))
    full = dense_on_qubits(n, {w: H for w in range(n)})
    np.testing.assert_allclose(qsjax.kernels.walsh_hadamard(psi), psi @ full.T, atol=1e-12)
    sub = sorted(rng.choice(n, size=max(1, n // 2), replace=False).tolist())
    dense = dense_on_qubits(n, {w: H for w in sub})
    np.testing.assert_allclose(qsjax.kernels.walsh_hadamard(psi, sub), psi @ dense.T, atol=1e-12)
    # unnormalised, real input: y_u = sum_v (-1)^{popcount(u & v)} x_v
    x = rng.normal(size=2**n)
    idx = np.arange(2**n)
    signs = 1.0 - 2.0 * (np.bitwise_count(idx[:, None] & idx[None, :]) & 1)
    np.testing.assert_allclose(qsjax.kernels.walsh_hadamard(x, normalized=False), signs @ x, atol=1e-9)


@pytest.mark.parametrize("n", NS)
def test_one_qubit_and_controlled_gates(n, rng):
    psi = rand_state(rng, n)
    g = rand_unitary(rng, 2)
    q = int(rng.integers(n))
    np.testing.assert_allclose(
        qsjax.kernels.apply_1q(psi, g, q), dense_on_qubits(n, {q: g}) @ psi, atol=1e-12
    )
    if n >= 2:
        others = [w for w in range(n) if w != q]
        controls = sorted(rng.choice(others, size=min(2, len(others)), replace=False).tolist())
        values = rng.integers(0, 2, size=len(controls)).tolist()
        # explicit projector sum: P_ctrl ⊗ g + (1 - P_ctrl) ⊗ 1
        proj = np.diag(
            [
                1.0 if all(((x >> c) & 1) == v for c, v in zip(controls, values, strict=True)) else 0.0
                for x in range(2**n)
            ]
        )
        dense = proj @ dense_on_qubits(n, {q: g}) + (np.eye(2**n) - proj)
        out = qsjax.kernels.apply_controlled(psi, g, q, controls, values)
        np.testing.assert_allclose(out, dense @ psi, atol=1e-12)


@pytest.mark.parametrize("n", NS)
def test_diagonal_permutation_and_measurement_helpers(n, rng):
    psi = rand_state(rng, n)
    phi = rand_state(rng, n)
    d = np.exp(1j * rng.uniform(0, 2 * np.pi, 2**n)) * rng.uniform(0.5, 1, 2**n)
    np.testing.assert_allclose(qsjax.kernels.apply_diagonal(psi, d), np.diag(d) @ psi, atol=1e-13)
    ph = rng.normal(size=2**n)
    np.testing.assert_allclose(
        qsjax.kernels.apply_phases(psi, ph), np.diag(np.exp(1j * ph)) @ psi, atol=1e-13
    )
    perm = rng.permutation(2**n)
    pmat = np.zeros((2**n, 2**n))
    pmat[perm, np.arange(2**n)] = 1.0  # |x> -> |perm[x]>
    np.testing.assert_allclose(qsjax.kernels.permute_basis(psi, perm), pmat @ psi, atol=1e-13)
    obs = rng.normal(size=2**n)
    np.testing.assert_allclose(
        qsjax.kernels.expectation_diagonal(psi, obs), np.vdot(psi, obs * psi).real, atol=1e-12
    )
    dense_obs = rng.normal(size=(2**n, 2**n))
    np.testing.assert_allclose(
        qsjax.kernels.expectation(psi, dense_obs), np.vdot(psi, dense_obs @ psi), atol=1e-10
    )
    np.testing.assert_allclose(qsjax.kernels.inner(psi, phi), np.vdot(psi, phi), atol=1e-12)
    np.testing.assert_allclose(qsjax.kernels.fidelity(psi, phi), abs(np.vdot(psi, phi)) ** 2, atol=1e-12)
    np.testing.assert_allclose(qsjax.kernels.probabilities(psi), np.abs(psi) ** 2, atol=1e-14)
    rho = np.outer(psi, psi.conj())
    np.testing.assert_allclose(qsjax.kernels.density_matrix(psi), rho, atol=1e-14)
    np.testing.assert_allclose(
        qsjax.kernels.apply_diagonal_dm(rho, d), np.diag(d) @ rho @ np.diag(d).conj().T, atol=1e-13
    )
    chi = rng.normal(size=rho.shape) + 1j * rng.normal(size=rho.shape)
    np.testing.assert_allclose(qsjax.kernels.apply_schur_channel(rho, chi), chi * rho, atol=1e-14)


@pytest.mark.parametrize("a,n", [(1, 1), (1, 4), (2, 3), (3, 5), (2, 8)])
def test_structured_registers(a, n, rng):
    big_a, big_n = 2**a, 2**n
    state = rand_state(rng, a + n).reshape(big_a, big_n)  # ancilla-major
    g = rand_unitary(rng, big_a)
    dense = np.kron(g, np.eye(big_n))
    np.testing.assert_allclose(
        qsjax.kernels.apply_ancilla_gate(state, g).reshape(-1), dense @ state.reshape(-1), atol=1e-12
    )
    blocks = np.stack([rand_unitary(rng, big_a) for _ in range(big_n)])
    dense = np.zeros((big_a * big_n,) * 2, complex)
    for j in range(big_n):
        for r in range(big_a):
            for c in range(big_a):
                dense[r * big_n + j, c * big_n + j] = blocks[j, r, c]
    np.testing.assert_allclose(
        qsjax.kernels.apply_blockwise(state, blocks).reshape(-1), dense @ state.reshape(-1), atol=1e-12
    )


def test_complex64_runs_at_float32_accuracy(rng):
    n = 8
    psi = rand_state(rng, n).astype(np.complex64)
    out = qsjax.kernels.walsh_hadamard(jnp.asarray(psi))
    assert out.dtype == jnp.complex64
    ref = psi.astype(np.complex128) @ dense_on_qubits(n, {w: H for w in range(n)}).T
    np.testing.assert_allclose(out, ref, atol=2e-6)
    g = rand_unitary(rng, 2).astype(np.complex64)
    out = qsjax.kernels.apply_1q(jnp.asarray(psi), jnp.asarray(g), 3)
    assert out.dtype == jnp.complex64
    np.testing.assert_allclose(out, dense_on_qubits(n, {3: g.astype(complex)}) @ psi, atol=2e-6)
    ph = rng.normal(size=2**n).astype(np.float32)
    out = qsjax.kernels.apply_phases(jnp.asarray(psi), jnp.asarray(ph))
    assert out.dtype == jnp.complex64
    np.testing.assert_allclose(out, np.exp(1j * ph.astype(float)) * psi, atol=2e-6)


def test_sample_shots_follow_born_rule(rng):
    psi = rand_state(rng, 3)
    shots = qsjax.kernels.sample_shots(jax.random.key(3), psi, 20000)
    counts = np.bincount(np.asarray(shots), minlength=8)
    expected = 20000 * np.abs(psi) ** 2
    stat, pval = scipy.stats.chisquare(counts, expected)
    assert pval > helpers.P_MIN, (counts, expected)  # goodness of fit at level helpers.ALPHA


def test_kernels_jit_vmap_grad(rng):
    psi = jnp.asarray(rand_state(rng, 5, batch=(3,)))
    f = jax.jit(lambda s: qsjax.kernels.walsh_hadamard(s, [0, 2, 3]))
    dense = dense_on_qubits(5, {w: H for w in (0, 2, 3)})
    ref = np.asarray(psi) @ dense.T
    np.testing.assert_allclose(f(psi), ref, atol=1e-12)  # batch axis handled by the kernel
    np.testing.assert_allclose(jax.vmap(f)(psi), ref, atol=1e-12)  # ... and by vmap
    # grad of a fidelity through phases, checked against finite differences
    ph0 = jnp.asarray(rng.normal(size=32))
    target = jnp.asarray(rand_state(rng, 5))

    def loss(ph):
        return qsjax.kernels.fidelity(
            target, qsjax.kernels.walsh_hadamard(qsjax.kernels.apply_phases(psi[0], ph))
        )

    full = dense_on_qubits(5, {w: H for w in range(5)})
    psi0, tgt = np.asarray(psi[0]), np.asarray(target)

    def loss_ref(ph):
        out = full @ (np.exp(1j * ph) * psi0)
        return abs(np.vdot(tgt, out)) ** 2 / (np.vdot(tgt, tgt).real * np.vdot(out, out).real)

    np.testing.assert_allclose(loss(ph0), loss_ref(np.asarray(ph0)), rtol=1e-12)
    g = jax.grad(loss)(ph0)
    e = np.zeros(32)
    e[7] = 1e-6
    fd = (loss_ref(np.asarray(ph0) + e) - loss_ref(np.asarray(ph0) - e)) / 2e-6
    np.testing.assert_allclose(g[7], fd, rtol=1e-5, atol=1e-9)


def test_kernel_errors():
    with pytest.raises(ValueError, match="power of two"):
        qsjax.kernels.walsh_hadamard(jnp.ones(6))
    with pytest.raises(ValueError, match="qubit"):
        qsjax.kernels.apply_1q(jnp.ones(8), jnp.eye(2), 3)
    with pytest.raises(ValueError, match="gate must have shape"):
        qsjax.kernels.apply_1q(jnp.ones(8), jnp.eye(3), 0)
    with pytest.raises(ValueError, match="target qubit"):
        qsjax.kernels.apply_controlled(jnp.ones(8), jnp.eye(2), 1, [1])
    with pytest.raises(ValueError, match="diagonal has last-axis length"):
        qsjax.kernels.apply_diagonal(jnp.ones(8), jnp.ones(4))
    with pytest.raises(ValueError, match="perm must have shape"):
        qsjax.kernels.permute_basis(jnp.ones(8), jnp.arange(4))
    with pytest.raises(ValueError, match="blocks must have shape"):
        qsjax.kernels.apply_blockwise(jnp.ones((2, 4)), jnp.ones((4, 3, 3)))
