"""The QSVT engine (qsjax.qsvt) against explicit dense circuits, for custom block encodings.

A new block encoding is one class (its mathematics only); the engine gives it the phase convention,
the U / U^dagger alternation, fresh realisations per query, adjoints, the real-part LCU and
jit / vmap / grad. References are explicit numpy matrices of the whole circuit.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.linalg

import qsjax
from qsjax.qsp import convert_phases

N = 4
D = 5  # queries


def _hermitian_contraction(rng, n, norm=0.9):
    a = rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))
    a = a + a.conj().T
    return norm * a / np.linalg.norm(a, 2)


def _dilation(a, twist):
    """A unitary with top-left block ``a``: the Hermitian dilation, times a phase on ancilla 1
    (``twist != 0`` makes it non-Hermitian, so the circuit must alternate U and U^dagger)."""
    s = scipy.linalg.sqrtm(np.eye(len(a)) - a @ a)
    u = np.block([[a, s], [s, -a]])
    return u @ np.diag(np.r_[np.ones(len(a)), np.full(len(a), np.exp(1j * twist))])


class DenseEncoding(qsjax.AbstractBlockEncoding):
    """One dense unitary per query (a fresh realisation each): ``unitaries[k - 1]`` is query k."""

    unitaries: jax.Array  # (d, 2N, 2N), ancilla-major rows

    @property
    def num_ancillas(self):
        return 1

    def realisation(self, k):
        return self.unitaries[k - 1]

    def apply_realisation(self, r, state, *, adjoint):
        u = jnp.conj(r.T) if adjoint else r
        flat = state.reshape(*state.shape[:-2], -1)
        return (flat @ u.T).reshape(state.shape)


def _circuit(phases, unitaries, *, hermitian):
    """Explicit projector-convention QSVT matrix i^d R(ph'_0) U_1 R(ph'_1) ... U_d R(ph'_d)."""
    ph, g = convert_phases(np.asarray(phases), source="wx", target="projector")
    d = len(ph) - 1
    n = unitaries.shape[-1] // 2

    def rot(p):
        return np.diag(np.r_[np.full(n, np.exp(1j * p)), np.full(n, np.exp(-1j * p))])

    c = rot(ph[0])
    for k in range(1, d + 1):
        u = unitaries[k - 1]
        if not hermitian and (d - k) % 2 == 1:
            u = u.conj().T
        c = c @ u @ rot(ph[k])
    return g * c


@pytest.fixture(scope="module")
def problem():
    rng = np.random.default_rng(7)
    blocks = [_hermitian_contraction(rng, N) for _ in range(D)]
    phases = rng.uniform(-np.pi, np.pi, D + 1)
    state = rng.normal(size=(2, N)) + 1j * rng.normal(size=(2, N))
    return blocks, phases, state / np.linalg.norm(state)


@pytest.mark.parametrize("twist", [0.0, 0.7], ids=["hermitian", "alternating"])
def test_engine_equals_the_dense_circuit_with_fresh_realisations(problem, twist):
    blocks, phases, state = problem
    us = np.stack([_dilation(a, twist) for a in blocks])
    out = qsjax.qsvt(phases, DenseEncoding(jnp.asarray(us)), state)
    # a Hermitian dilation is its own adjoint, so both forms of the reference agree for twist = 0
    ref = _circuit(phases, us, hermitian=False) @ state.reshape(-1)
    np.testing.assert_allclose(np.asarray(out).reshape(-1), ref, atol=1e-12)
    assert not np.allclose(us[0], us[1])  # every query really is a different operator


def test_adjoint_is_the_adjoint_circuit(problem):
    blocks, phases, state = problem
    us = jnp.asarray(np.stack([_dilation(a, 0.3) for a in blocks]))
    enc = DenseEncoding(us)
    other = np.random.default_rng(8).normal(size=(2, N)).astype(complex)
    lhs = np.vdot(other, np.asarray(qsjax.qsvt(phases, enc, state)))
    rhs = np.vdot(np.asarray(qsjax.qsvt(phases, enc, other, adjoint=True)), state)
    np.testing.assert_allclose(lhs, rhs, atol=1e-12)
    round_trip = qsjax.qsvt(phases, enc, qsjax.qsvt(phases, enc, state), adjoint=True)
    np.testing.assert_allclose(np.asarray(round_trip), state, atol=1e-12)


def test_real_part_lcu(problem):
    blocks, phases, state = problem
    enc = DenseEncoding(jnp.asarray(np.stack([_dilation(a, 0.0) for a in blocks])))
    half = 0.5 * (qsjax.qsvt(phases, enc, state) + qsjax.qsvt(-phases, enc, state))
    np.testing.assert_allclose(
        np.asarray(qsjax.qsp.qsvt_real(phases, enc, state)), np.asarray(half), atol=1e-12
    )
    full = qsjax.qsp.qsvt_lcu(phases, enc, np.stack([state, np.zeros_like(state)]))
    np.testing.assert_allclose(np.asarray(full[0]), np.asarray(half), atol=1e-12)
    minus = 0.5 * (qsjax.qsvt(phases, enc, state) - qsjax.qsvt(-phases, enc, state))
    np.testing.assert_allclose(np.asarray(full[1]), np.asarray(minus), atol=1e-12)
    back = qsjax.qsp.qsvt_lcu(phases, enc, full, adjoint=True)  # unitary: the adjoint undoes it
    np.testing.assert_allclose(np.asarray(back[0]), state, atol=1e-12)
    np.testing.assert_allclose(np.asarray(back[1]), 0, atol=1e-12)


def test_the_polynomial_appears_in_the_top_left_block():
    # same Hermitian A every query: the ancilla-0 block of the output is P(A) + i Q(A)
    rng = np.random.default_rng(9)
    a = _hermitian_contraction(rng, N)
    phases = qsjax.find_phases(qsjax.sign_polynomial(11, 0.3, amplitude=0.8)).phases
    enc = DenseEncoding(jnp.asarray(np.stack([_dilation(a, 0.0)] * 11)))
    vec = rng.normal(size=N)
    out = qsjax.qsp.qsvt_real(phases, enc, np.stack([vec, np.zeros(N)]))[0]
    lam, vecs = np.linalg.eigh(a)
    p_of_a = vecs @ np.diag(np.real(np.asarray(qsjax.qsp.qsp_response(phases, lam)))) @ vecs.conj().T
    np.testing.assert_allclose(np.asarray(out), p_of_a @ vec, atol=1e-10)


def test_jit_vmap_grad_through_the_engine(problem):
    blocks, phases, state = problem
    enc = DenseEncoding(jnp.asarray(np.stack([_dilation(a, 0.2) for a in blocks])))
    run = jax.jit(lambda ph, e, s: qsjax.qsvt(ph, e, s))
    np.testing.assert_allclose(
        np.asarray(run(phases, enc, state)),
        _circuit(phases, np.asarray(enc.unitaries), hermitian=False).dot(state.reshape(-1)).reshape(2, N),
        atol=1e-12,
    )
    batch = np.stack([state, np.roll(state, 1, axis=-1)])
    out = jax.vmap(lambda s: qsjax.qsvt(phases, enc, s))(batch)
    np.testing.assert_allclose(np.asarray(out[1]), np.asarray(qsjax.qsvt(phases, enc, batch[1])), atol=1e-12)

    def amp(ph):
        return jnp.abs(qsjax.qsvt(ph, enc, state)[0, 0]) ** 2

    g = np.asarray(jax.grad(amp)(jnp.asarray(phases)))
    h = 1e-6
    fd = [(amp(phases + h * e) - amp(phases - h * e)) / (2 * h) for e in np.eye(D + 1)]
    np.testing.assert_allclose(g, np.asarray(fd), atol=1e-7)


def test_default_precision_stays_complex64(default_precision):
    rng = np.random.default_rng(10)
    us = np.stack([_dilation(_hermitian_contraction(rng, N), 0.4) for _ in range(D)])
    phases = rng.uniform(-np.pi, np.pi, D + 1)
    state = (rng.normal(size=(2, N)) + 0j).astype(np.complex64)
    out = qsjax.qsvt(phases, DenseEncoding(jnp.asarray(us, jnp.complex64)), state)
    assert out.dtype == jnp.complex64
    ref = _circuit(phases, us, hermitian=False) @ state.reshape(-1).astype(complex)
    np.testing.assert_allclose(np.asarray(out).reshape(-1), ref, atol=2e-5)


def test_diagonal_and_operator_encodings_agree_with_each_other():
    # the same per-query reflections, once as a diagonal encoding and once as operator callables
    rng = np.random.default_rng(11)
    signal = rng.uniform(-1, 1, (D, 8))
    phases = rng.uniform(-np.pi, np.pi, D + 1)
    diag = qsjax.qsvt_diagonal(phases, signal)

    def apply_u(st, q):
        a = jnp.asarray(signal)[q]
        a, s = a.astype(st.dtype), jnp.sqrt(1 - a * a).astype(st.dtype)
        return jnp.stack([a * st[0] + s * st[1], s * st[0] - a * st[1]])

    state = jnp.zeros((2, 8), complex).at[0].set(1.0)
    op = qsjax.qsvt_operator(phases, state, apply_u, indexed=True)
    np.testing.assert_allclose(np.asarray(op[0]), np.asarray(diag), atol=1e-12)


def test_bad_arguments_are_named():
    enc = DenseEncoding(jnp.eye(2 * N)[None].repeat(2, 0))
    with pytest.raises(TypeError, match="AbstractBlockEncoding"):
        qsjax.qsvt(np.zeros(3), lambda s: s, np.zeros((2, N)))
    with pytest.raises(ValueError, match="ancilla axis"):
        qsjax.qsvt(np.zeros(3), enc, np.zeros((4, N)))
    with pytest.raises(ValueError, match="ancilla-major"):
        qsjax.qsvt(np.zeros(3), enc, np.zeros(N))
    with pytest.raises(ValueError, match="NaN or inf"):
        qsjax.qsvt(np.array([0.0, np.nan, 0.0]), enc, np.zeros((2, N)))
    with pytest.raises(ValueError, match="LCU qubit"):
        qsjax.qsp.qsvt_lcu(np.zeros(3), enc, np.zeros((3, 2, N)))
