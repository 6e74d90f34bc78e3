"""Uniformly random Cliffords (qsjax.random) and their statevector layers / amplitudes
(qsjax.kernels), against dense matrices, stim and exact group counts."""

import itertools

import helpers
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.stats
import stim

import qsjax
from qsjax.kernels import (
    apply_clifford,
    apply_hadamards,
    apply_linear_map,
    apply_quadratic_phase,
    clifford_amplitudes,
    clifford_unitary,
    stabilizer_state,
)
from qsjax.random import Clifford, random_clifford

PAULI = {
    (0, 0): np.eye(2),
    (1, 0): np.array([[0, 1], [1, 0]]),
    (0, 1): np.diag([1.0, -1.0]),
    (1, 1): np.array([[0, -1j], [1j, 0]]),
}


def _pauli(xbits, zbits):
    """Dense ``prod_j P_j`` with qubit ``j`` = bit ``j`` (little-endian: qubit 0 is the last kron)."""
    out = np.eye(1)
    for x, z in zip(xbits, zbits, strict=True):
        out = np.kron(PAULI[(int(x), int(z))], out)
    return out


_unitary = jax.jit(clifford_unitary)
_tableau = jax.jit(lambda c: c.tableau())


def _draws(n, count, seed=0):
    keys = jax.random.split(jax.random.key(seed), count)
    return jax.jit(jax.vmap(lambda k: random_clifford(k, n)))(keys)


def _one(batch, i):
    return jax.tree_util.tree_map(lambda a: a[i], batch)


def _stim(c):
    m, s = (np.asarray(a).astype(bool) for a in _tableau(c))
    n = c.n_qubits
    return stim.Tableau.from_numpy(
        x2x=m[:n, :n], x2z=m[:n, n:], z2x=m[n:, :n], z2z=m[n:, n:], x_signs=s[:n], z_signs=s[n:]
    )


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_conjugation_maps_paulis_to_the_tableau_rows(n):
    batch = _draws(n, 6, seed=n)
    for i in range(6):
        c = _one(batch, i)
        u = np.asarray(_unitary(c))
        np.testing.assert_allclose(u.conj().T @ u, np.eye(2**n), atol=1e-12)
        m, s = (np.asarray(a) for a in _tableau(c))
        for r in range(2 * n):
            gen = np.zeros((2, n), int)
            gen[0 if r < n else 1, r % n] = 1
            image = u @ _pauli(gen[0], gen[1]) @ u.conj().T
            expect = (-1) ** int(s[r]) * _pauli(m[r, :n], m[r, n:])
            np.testing.assert_allclose(image, expect, atol=1e-12)


@pytest.mark.parametrize("n", [1, 2, 3, 5, 6])
def test_dense_unitary_agrees_with_stim_and_adjoint(n, rng):
    batch = _draws(n, 4, seed=10 + n)
    for i in range(4):
        c = _one(batch, i)
        u = np.asarray(_unitary(c))
        v = _stim(c).to_unitary_matrix(endian="little")
        phase = np.vdot(v.ravel(), u.ravel())
        phase /= abs(phase)
        np.testing.assert_allclose(u, phase * v, atol=1e-10)
        psi = helpers.rand_state(rng, n, batch=(3,))
        np.testing.assert_allclose(_apply(psi, c), psi @ u.T, atol=1e-10)
        np.testing.assert_allclose(_apply_adj(psi, c), psi @ u.conj(), atol=1e-10)
    # vmapped over operators and states
    psis = helpers.rand_state(rng, n, batch=(4,))
    out = jax.jit(jax.vmap(apply_clifford))(psis, batch)
    for i in range(4):
        np.testing.assert_allclose(out[i], np.asarray(_unitary(_one(batch, i))) @ psis[i], atol=1e-10)


_apply = jax.jit(apply_clifford)
_apply_adj = jax.jit(lambda s, c: apply_clifford(s, c, adjoint=True))


def _group_keys(n, count, seed):
    m, s = jax.jit(jax.vmap(lambda k: random_clifford(k, n).tableau()))(
        jax.random.split(jax.random.key(seed), count)
    )
    bits = np.concatenate([np.asarray(m).reshape(count, -1), np.asarray(s)], axis=1).astype(np.int64)
    return bits @ (1 << np.arange(bits.shape[1], dtype=np.int64)), np.asarray(m)


@pytest.mark.parametrize("n,size", [(1, 24), (2, 11520)])
def test_uniform_over_the_group_chi_square(n, size):
    """Frequencies of the tableaux (with signs: the group modulo phase) pass a chi-square test at
    p > helpers.P_MIN = 1e-5, with 10 expected draws per element (unseen elements count as 0)."""
    count = size * (10 if n == 2 else 400)
    keys, m = _group_keys(n, count, seed=7 * n)
    # every draw is a valid symplectic tableau
    omega = np.block([[np.zeros((n, n)), np.eye(n)], [np.eye(n), np.zeros((n, n))]]).astype(int)
    prods = np.einsum("tij,jk,tlk->til", m.astype(int), omega, m.astype(int)) % 2
    assert (prods == omega).all()
    _, counts = np.unique(keys, return_counts=True)
    assert counts.size <= size
    e = count / size
    chi2 = ((counts - e) ** 2 / e).sum() + (size - counts.size) * e
    p = scipy.stats.chi2.sf(chi2, size - 1)
    assert p > helpers.P_MIN, (chi2, p)
    if n == 1:
        assert counts.size == 24


def test_group_order_count_and_layer_kernels(rng):
    n = 3
    psi = helpers.rand_state(rng, n)
    # Hadamard layer: concrete and traced masks
    mask = np.array([1, 0, 1])
    h = np.array([[1, 1], [1, -1]]) / np.sqrt(2)
    dense = helpers.dense_on_qubits(n, {0: h, 2: h})
    np.testing.assert_allclose(apply_hadamards(psi, mask), dense @ psi, atol=1e-12)
    np.testing.assert_allclose(jax.jit(apply_hadamards)(psi, mask), dense @ psi, atol=1e-12)
    # linear map x -> A x xor c
    a = np.array([[1, 0, 0], [1, 1, 0], [0, 1, 1]])
    c = 5
    ref = np.zeros_like(psi)
    for x in range(8):
        bits = np.array([(x >> j) & 1 for j in range(n)])
        y = int(((a @ bits) % 2) @ (1 << np.arange(n))) ^ c
        ref[y] = psi[x]
    np.testing.assert_allclose(apply_linear_map(psi, a, c), ref, atol=1e-12)
    with pytest.raises(ValueError, match="singular"):
        apply_linear_map(psi, np.ones((3, 3), int))
    # quadratic phase i^{x^T G x} (-1)^{l.x}
    g = np.array([[1, 1, 0], [1, 0, 1], [0, 1, 1]])
    lin = np.array([0, 1, 1])
    xs = np.array([[(x >> j) & 1 for j in range(n)] for x in range(8)])
    ph = 1j ** (np.einsum("xi,ij,xj->x", xs, g, xs) % 4) * (-1.0) ** (xs @ lin)
    np.testing.assert_allclose(apply_quadratic_phase(psi, g, lin), ph * psi, atol=1e-12)
    with pytest.raises(ValueError, match="symmetric"):
        apply_quadratic_phase(psi, np.triu(np.ones((3, 3), int)))


_state = jax.jit(stabilizer_state)
_half = jax.jit(lambda c, b: stabilizer_state(c, b, block_qubits=c.n_qubits - 1, block=1))


@pytest.mark.parametrize("n", [2, 4, 6])
def test_stabilizer_amplitudes_equal_dense_adjoint_columns(n, rng):
    batch = _draws(n, 5, seed=30 + n)
    bs = rng.integers(0, 2**n, size=5)
    us = rng.integers(0, 2**n, size=(5, 16))
    amps = jax.jit(jax.vmap(clifford_amplitudes))(batch, jnp.asarray(bs), jnp.asarray(us))
    for i in range(5):
        c = _one(batch, i)
        phi = np.asarray(_apply_adj(jnp.eye(2**n, dtype=complex)[bs[i]], c))
        np.testing.assert_allclose(amps[i], phi[us[i]], atol=1e-12)
        np.testing.assert_allclose(_state(c, int(bs[i])), phi, atol=1e-12)
        half = _half(c, int(bs[i]))
        np.testing.assert_allclose(half, phi[2 ** (n - 1) :], atol=1e-12)
        # a stabilizer state: support of size 2^|h|, all nonzero amplitudes of modulus 2^{-|h|/2}
        nz = np.abs(phi) > 1e-9
        k = int(np.asarray(c.matrices()["hadamard"]).sum())
        assert nz.sum() == 2**k
        np.testing.assert_allclose(np.abs(phi[nz]), 2 ** (-k / 2), atol=1e-12)


def test_default_precision_path(default_precision, rng):
    n = 4
    c = random_clifford(jax.random.key(3), n)
    psi = jnp.asarray(helpers.rand_state(rng, n), jnp.complex64)
    out = _apply(psi, c)
    assert out.dtype == jnp.complex64
    back = _apply_adj(out, c)
    np.testing.assert_allclose(back, psi, atol=1e-5)
    amp = clifford_amplitudes(c, 3, jnp.arange(16))
    assert amp.dtype == jnp.complex64
    np.testing.assert_allclose(amp, _apply_adj(jnp.eye(16, dtype=jnp.complex64)[3], c), atol=1e-6)


def test_bad_input():
    with pytest.raises(TypeError, match="key"):
        random_clifford(0, 2)
    with pytest.raises(ValueError, match="n_qubits"):
        random_clifford(jax.random.key(0), 0)
    with pytest.raises(ValueError, match="n_qubits"):
        random_clifford(jax.random.key(0), 33)
    with pytest.raises(TypeError, match="n_qubits"):
        random_clifford(jax.random.key(0), 2.0)
    c = random_clifford(jax.random.key(0), 2)
    with pytest.raises(ValueError, match="acts on 2 qubits"):
        apply_clifford(np.ones(8), c)
    with pytest.raises(TypeError, match="Clifford"):
        apply_clifford(np.ones(4), "H")
    with pytest.raises(ValueError, match="single operator"):
        apply_clifford(np.ones(4), _draws(2, 2))
    assert isinstance(c, Clifford) and c.num_bits == 2 * 8 + 2 + 2
    assert qsjax.random.MAX_CLIFFORD_QUBITS == 32
    assert list(itertools.islice(iter(c.batch_shape), 1)) == []
