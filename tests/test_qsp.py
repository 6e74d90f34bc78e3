"""QSP phase finding, conventions and QSVT, against independent dense numpy 2x2 products."""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from helpers import np_product, np_wx, r_mat, w_mat

from qsjax import (
    ChebPoly,
    QSPConvergenceError,
    QSPPhases,
    arcsin_polynomial,
    find_phases,
    inverse_polynomial,
    linear_amplification_polynomial,
    qsvt_diagonal,
    qsvt_operator,
    sign_polynomial,
    spectral_filter_polynomial,
    threshold_polynomial,
)
from qsjax.blockencoding import qsvt_operator_real
from qsjax.qsp import convert_phases, qsp_response, qsp_unitary, qsvt_diagonal_real

cheb = np.polynomial.chebyshev
X = np.array([[0, 1], [1, 0]], dtype=complex)
Z = np.diag([1.0, -1.0]).astype(complex)
H = np.array([[1, 1], [1, -1]], dtype=complex) / np.sqrt(2)


# ---- independent numpy references (explicit matrices, vectorised over points) -----------------


def random_hermitian_contraction(rng, n, norm=0.95):
    a = rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))
    a = (a + a.conj().T) / 2
    return norm * a / np.linalg.norm(a, 2)


def dilation(a):
    """Hermitian unitary U = [[A, sqrt(I - A^2)], [sqrt(I - A^2), -A]] (ancilla-major blocks)."""
    w, v = np.linalg.eigh(a)
    s = (v * np.sqrt(np.clip(1 - w**2, 0, None))) @ v.conj().T
    return np.block([[a, s], [s, -a]])


# ---- phase finding -----------------------------------------------------------------------------
# Few distinct degrees on purpose: every new degree costs a JIT compilation (the suite must be fast).

POLYS = {
    "sign": lambda: sign_polynomial(21, 0.3, amplitude=0.95),
    "inverse": lambda: inverse_polynomial(3.0, degree=21),
    "arcsin": lambda: arcsin_polynomial(21),
    "linear_amp": lambda: linear_amplification_polynomial(21, 1.5, delta=0.3),
    "threshold_even": lambda: threshold_polynomial(30, 0.5, 0.2, amplitude=0.95),
    "filter_below": lambda: spectral_filter_polynomial(30, 0.5, 0.2, keep="below", amplitude=0.95),
}


@functools.cache
def solved(name):
    poly = POLYS[name]()
    return poly, find_phases(poly)


@pytest.mark.parametrize("name", sorted(POLYS))
def test_phases_reproduce_polynomial(name, rng):
    poly, res = solved(name)
    assert isinstance(res, QSPPhases)
    ph = res.phases
    assert ph.shape == (poly.degree + 1,) and ph.dtype == np.float64
    np.testing.assert_array_equal(ph, ph[::-1])  # symmetric
    x = np.concatenate([np.linspace(-1, 1, 301), rng.uniform(-1, 1, 200)])
    got = np_wx(ph, x)[:, 0, 0].real
    assert np.max(np.abs(got - cheb.chebval(x, poly.coeffs))) <= 1e-9
    assert res.residual <= 1e-12 and res.max_error <= 1e-9


def test_degree_1000(rng):
    poly = sign_polynomial(1001, 0.01, amplitude=0.9)
    res = find_phases(poly)
    x = np.concatenate([np.linspace(-1, 1, 151), rng.uniform(-1, 1, 50)])
    got = np_wx(res.phases, x)[:, 0, 0].real
    assert np.max(np.abs(got - cheb.chebval(x, poly.coeffs))) <= 1e-9


def test_degree_2001_against_explicit_products(rng):
    # find_phases verifies itself on its own grid; here the phases are evaluated independently, by
    # 2001 explicit 2x2 products at random points (not Chebyshev nodes), against numpy's chebval
    poly = sign_polynomial(2001, 0.005, amplitude=0.9)
    res = find_phases(poly)
    assert res.residual <= 1e-12
    x = np.concatenate([rng.uniform(-1, 1, 60), rng.uniform(-0.01, 0.01, 20), [-1.0, 1.0]])
    got = np_wx(res.phases, x)[:, 0, 0].real
    assert np.max(np.abs(got - cheb.chebval(x, poly.coeffs))) <= 1e-8


def test_random_coefficients_even_and_odd(rng):
    for d in (21, 30):
        c = np.zeros(d + 1)
        m = len(c[d % 2 :: 2])
        c[d % 2 :: 2] = rng.normal(size=m) / np.arange(1, m + 1)
        c *= 0.8 / np.abs(cheb.chebval(np.cos(np.linspace(0, np.pi, 4001)), c)).max()
        res = find_phases(c)
        x = rng.uniform(-1, 1, 100)
        np.testing.assert_allclose(np_wx(res.phases, x)[:, 0, 0].real, cheb.chebval(x, c), atol=1e-10)


def test_deterministic_bitwise():
    poly, a = solved("threshold_even")
    b = find_phases(poly)
    assert np.array_equal(a.phases, b.phases)
    # Newton from the origin finds the same (unique near-origin) solution as the fixed point.
    c = find_phases(poly, method="newton")
    np.testing.assert_allclose(c.phases, a.phases, atol=1e-10)


def test_norm_one_target_via_newton(rng):
    poly = sign_polynomial(21, 0.3)  # |P| touches 1 (to 1e-13): FPI stalls, Newton works
    assert poly.max_abs > 1 - 1e-12
    res = find_phases(poly)
    assert "newton" in res.method
    x = rng.uniform(-1, 1, 200)
    np.testing.assert_allclose(np_wx(res.phases, x)[:, 0, 0].real, cheb.chebval(x, poly.coeffs), atol=1e-9)
    assert np.array_equal(find_phases(poly).phases, res.phases)
    with pytest.raises(QSPConvergenceError, match="fpi"):
        find_phases(poly, method="fpi", maxiter=200)


def test_raises_on_bad_targets():
    with pytest.raises(ValueError, match="> 1"):
        find_phases(np.array([0.0, 1.2]))
    with pytest.raises(ValueError, match="parity"):
        find_phases(np.array([0.1, 0.5, 0.0, 0.2]))  # degree 3 with a T_0 term
    with pytest.raises(ValueError, match="mixed parity"):
        find_phases(ChebPoly.from_coeffs([0.1, 0.5]))
    bad = ChebPoly(
        coeffs=np.array([0.0, 0.5, 0.0]),
        degree=2,
        parity=1,
        approx_error=None,
        target="x/2 declared with degree 2",
        domain=((-1.0, 1.0),),
        max_abs=0.5,
    )
    with pytest.raises(ValueError, match="parity"):
        find_phases(bad)
    with pytest.raises(ValueError, match="method"):
        find_phases(np.array([0.0, 0.5]), method="magic")


def test_raises_on_non_convergence_and_failed_verification():
    poly, _ = solved("sign")
    with pytest.raises(QSPConvergenceError, match="residual"):
        find_phases(poly, method="fpi", maxiter=3)
    with pytest.raises(QSPConvergenceError, match="verification"):
        find_phases(poly, atol=1e-30)


def test_degree_zero_and_one():
    r0 = find_phases(np.array([0.3]))
    assert abs(np.cos(r0.phases[0]) - 0.3) < 1e-15
    r1 = find_phases(np.array([0.0, -0.7]))
    x = np.linspace(-1, 1, 11)
    np.testing.assert_allclose(np_wx(r1.phases, x)[:, 0, 0].real, -0.7 * x, atol=1e-13)


def test_no_global_x64_leak():
    # The suite runs with x64 on; switch it off around the call and check the solver's local
    # float64 context neither fails without it nor leaves it switched on.
    poly, ref = solved("sign")
    with jax.enable_x64(False):
        res = find_phases(poly)
        assert not jax.config.jax_enable_x64
        assert jnp.zeros(1).dtype == jnp.float32
    assert res.phases.dtype == np.float64
    assert np.array_equal(res.phases, ref.phases)


def test_matches_pyqsp_if_available():
    pytest.importorskip("pyqsp")
    from pyqsp.angle_sequence import QuantumSignalProcessingPhases

    poly = sign_polynomial(21, 0.2, amplitude=0.8)
    ours = find_phases(poly).phases
    theirs = np.asarray(
        QuantumSignalProcessingPhases(
            poly.coeffs, signal_operator="Wx", method="sym_qsp", chebyshev_basis=True
        )[0]
    )
    # pyqsp's sym_qsp targets Im<0|U|0> (no pi/4 ends); negating its phases and adding pi/4 at the
    # ends maps that to our Re<0|U|0> convention, and the two solvers agree on the solution.
    mapped = -theirs
    mapped[0] += np.pi / 4
    mapped[-1] += np.pi / 4
    np.testing.assert_allclose(ours, mapped, atol=1e-9)
    x = np.linspace(-1, 1, 101)
    np.testing.assert_allclose(np_wx(theirs, x)[:, 0, 0].imag, cheb.chebval(x, poly.coeffs), atol=1e-9)


# ---- conventions --------------------------------------------------------------------------------


@pytest.mark.parametrize("d", [1, 4, 7])
def test_convert_to_reflection_and_projector(d, rng):
    phi = rng.uniform(-np.pi, np.pi, d + 1)
    x = rng.uniform(-1, 1, 9)
    u_wx = np_wx(phi, x)
    for conv in ("reflection", "projector"):
        ph_r, g = convert_phases(phi, source="wx", target=conv)
        u_r = np_product(ph_r, np.broadcast_to(r_mat(x), (d,) + x.shape + (2, 2)))
        np.testing.assert_allclose(u_wx, g * u_r, atol=1e-13)
        back, g2 = convert_phases(ph_r, source=conv, target="wx")
        np.testing.assert_allclose(back, phi, atol=1e-15)
        np.testing.assert_allclose(g * g2, 1.0)
    # The projector-controlled circuit exp(i phi (2 Pi - I)) U ... with Pi = |0><0| on one ancilla.
    ph_p, g = convert_phases(phi, target="projector")
    refl = 2 * np.diag([1.0, 0.0]) - np.eye(2)
    for xi in x[:3]:
        u = np.eye(2, dtype=complex)
        for k, p in enumerate(ph_p):
            if k:
                u = u @ r_mat(np.array(xi))
            u = u @ (np.cos(p) * np.eye(2) + 1j * np.sin(p) * refl)
        np.testing.assert_allclose(g * u, np_wx(phi, np.array([xi]))[0], atol=1e-13)


def test_convert_wz(rng):
    d = 5
    phi = rng.uniform(-np.pi, np.pi, d + 1)
    ph_z, g = convert_phases(phi, target="wz")
    assert g == 1 and np.array_equal(ph_z, phi)
    for xi in rng.uniform(-1, 1, 4):
        th = np.arccos(xi)
        sig = np.diag([np.exp(1j * th), np.exp(-1j * th)])
        u = np.cos(ph_z[0]) * np.eye(2) + 1j * np.sin(ph_z[0]) * X
        for p in ph_z[1:]:
            u = u @ sig @ (np.cos(p) * np.eye(2) + 1j * np.sin(p) * X)
        np.testing.assert_allclose(u, H @ np_wx(phi, np.array([xi]))[0] @ H, atol=1e-13)
        plus = np.array([1, 1]) / np.sqrt(2)
        np.testing.assert_allclose(plus @ u @ plus, np_wx(phi, np.array([xi]))[0, 0, 0], atol=1e-13)


@pytest.mark.parametrize("conv", ["wx", "reflection", "wz"])
def test_qsp_unitary_matches_numpy(conv, rng):
    phi = rng.uniform(-np.pi, np.pi, 6)
    x = rng.uniform(-1, 1, 7)
    got = np.asarray(qsp_unitary(phi, x, convention=conv))
    if conv == "wx":
        want = np_wx(phi, x)
    elif conv == "reflection":
        want = np_product(phi, np.broadcast_to(r_mat(x), (5,) + x.shape + (2, 2)))
    else:
        want = np.stack([H @ m @ H for m in np_wx(phi, x)])
    np.testing.assert_allclose(got, want, atol=1e-13)
    with pytest.raises(ValueError, match="convention"):
        qsp_unitary(phi, x, convention="wy")


# ---- QSVT on diagonal block encodings ------------------------------------------------------------


def test_qsvt_diagonal_per_query_reflection(rng):
    d, n = 9, 64
    phi = rng.uniform(-np.pi, np.pi, d + 1)
    a = rng.uniform(-1, 1, (d, n))
    got = np.asarray(qsvt_diagonal(phi, a))
    ph_r, g = convert_phases(phi, target="reflection")
    want = g * np_product(ph_r, r_mat(a))[:, 0, 0]
    np.testing.assert_allclose(got, want, atol=1e-10)
    # Per-query wx convention, and the full blocks.
    got_w = np.asarray(qsvt_diagonal(phi, a, convention="wx", return_block=True))
    np.testing.assert_allclose(got_w, np_product(phi, w_mat(a)), atol=1e-10)
    got_b = np.asarray(qsvt_diagonal(phi, a, return_block=True))
    np.testing.assert_allclose(got_b, g * np_product(ph_r, r_mat(a)), atol=1e-10)
    assert got.dtype == np.complex128


def test_qsvt_diagonal_shared_signal_equals_polynomial(rng):
    poly, res = solved("sign")
    phi = res.phases
    a = rng.uniform(-1, 1, 500)
    np.testing.assert_array_equal(
        np.asarray(qsvt_diagonal(res, a)), np.asarray(qsvt_diagonal(phi, a))
    )  # QSPPhases accepted
    for conv in ("reflection", "wx"):
        out = np.asarray(qsvt_diagonal(phi, a, convention=conv))
        np.testing.assert_allclose(out, np_wx(phi, a)[:, 0, 0], atol=1e-12)
        np.testing.assert_allclose(out.real, cheb.chebval(a, poly.coeffs), atol=1e-10)
    real = np.asarray(qsvt_diagonal_real(phi, rng.uniform(-1, 1, (poly.degree, 40))))
    assert np.max(np.abs(real.imag)) < 1e-13
    np.testing.assert_allclose(
        np.asarray(qsvt_diagonal_real(phi, a)).real, cheb.chebval(a, poly.coeffs), atol=1e-10
    )
    np.testing.assert_allclose(
        np.asarray(qsp_response(phi, a.reshape(20, 25))), np_wx(phi, a)[:, 0, 0].reshape(20, 25), atol=1e-12
    )


def test_qsvt_diagonal_explicit_unitaries(rng):
    d, n = 6, 16
    phi = rng.uniform(-np.pi, np.pi, d + 1)
    ph_r, g = convert_phases(phi, target="reflection")
    # Hermitian blocks with complex off-diagonal phase: same top-left as R(a).
    a = rng.uniform(-1, 1, n)
    chi = rng.uniform(0, 2 * np.pi, n)
    s = np.sqrt(1 - a**2)
    herm = np.stack([np.stack([a, s * np.exp(1j * chi)], -1), np.stack([s * np.exp(-1j * chi), -a], -1)], -2)
    out = np.asarray(qsvt_diagonal(phi, herm, convention="unitary"))
    np.testing.assert_allclose(out, np_wx(phi, a)[:, 0, 0], atol=1e-12)
    # Random non-Hermitian per-query unitaries: the circuit alternates U (first applied) and U^dag.
    q, _ = np.linalg.qr(rng.normal(size=(d, n, 2, 2)) + 1j * rng.normal(size=(d, n, 2, 2)))
    blocks = np.array(
        [q[k] if (d - (k + 1)) % 2 == 0 else np.conj(np.swapaxes(q[k], -1, -2)) for k in range(d)]
    )
    want = g * np_product(ph_r, blocks)
    got = np.asarray(qsvt_diagonal(phi, q, convention="unitary", return_block=True))
    np.testing.assert_allclose(got, want, atol=1e-10)
    real = np.asarray(qsvt_diagonal_real(phi, q, convention="unitary"))
    ph_rm, gm = convert_phases(-phi, target="reflection")
    minus = gm * np_product(ph_rm, blocks)
    np.testing.assert_allclose(real, 0.5 * (want[:, 0, 0] + minus[:, 0, 0]), atol=1e-10)


def test_qsvt_diagonal_float32_and_errors(rng):
    phi = rng.uniform(-1, 1, 5)
    a32 = rng.uniform(-1, 1, 8).astype(np.float32)
    out = qsvt_diagonal(phi, jnp.asarray(a32))
    assert out.dtype == jnp.complex64
    # value: the reflection-convention product of explicit 2x2 matrices (float64), to float32 rounding
    ph_r, g = convert_phases(phi, target="reflection")
    want = g * np_product(ph_r, np.broadcast_to(r_mat(a32.astype(float)), (4, 8, 2, 2)))[:, 0, 0]
    np.testing.assert_allclose(np.asarray(out), want, atol=2e-6)
    with pytest.raises(ValueError, match="leading axis"):
        qsvt_diagonal(phi, rng.uniform(-1, 1, (3, 8)))
    with pytest.raises(ValueError, match="convention"):
        qsvt_diagonal(phi, rng.uniform(-1, 1, 8), convention="nope")


def test_qsvt_diagonal_jit_vmap_grad(rng):
    d, n = 7, 12
    phi = jnp.asarray(rng.uniform(-np.pi, np.pi, d + 1))
    a = jnp.asarray(rng.uniform(-1, 1, (d, n)))
    # references: explicit 2x2 products in the reflection convention (what qsvt_diagonal applies)
    ph_r, g0 = convert_phases(np.asarray(phi), target="reflection")

    def ref(sig):
        sig = np.broadcast_to(np.asarray(sig), (d, n))
        return g0 * np_product(ph_r, r_mat(sig))[:, 0, 0]

    f = jax.jit(qsvt_diagonal, static_argnames=("convention", "return_block"))
    np.testing.assert_allclose(np.asarray(f(phi, a)), ref(a), atol=1e-12)
    batch = jnp.asarray(rng.uniform(-1, 1, (4, n)))
    vm = jax.vmap(lambda s: qsvt_diagonal(phi, s))(batch)
    np.testing.assert_allclose(np.asarray(vm), np.stack([ref(s) for s in np.asarray(batch)]), atol=1e-12)

    def loss(p):
        return jnp.sum(jnp.real(qsvt_diagonal(p, a)) ** 2)

    g = np.asarray(jax.jit(jax.grad(loss))(phi))
    lj = jax.jit(loss)
    eps = 1e-6
    fd = np.array([(lj(phi.at[k].add(eps)) - lj(phi.at[k].add(-eps))) / (2 * eps) for k in range(d + 1)])
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-8)


# ---- QSVT on operator block encodings ------------------------------------------------------------


def np_operator_circuit(phi, blocks, state):
    """Dense reference: i^d e^{i phi'_0 (2Pi-I)} U_1 ... U_d e^{i phi'_d (2Pi-I)} |state>."""
    ph_p, g = convert_phases(phi, target="projector")
    n = blocks[0].shape[0] // 2
    refl = np.diag(np.r_[np.ones(n), -np.ones(n)])

    def ph_op(p):
        return np.cos(p) * np.eye(2 * n) + 1j * np.sin(p) * refl

    u = ph_op(ph_p[0])
    for k in range(1, len(phi)):
        u = u @ blocks[k - 1] @ ph_op(ph_p[k])
    return g * (u @ state.reshape(-1)).reshape(2, n)


def test_qsvt_operator_hermitian_dilation(rng):
    n = 6
    a = random_hermitian_contraction(rng, n)
    u = dilation(a)
    poly, res = solved("threshold_even")
    phi = res.phases
    d = len(phi) - 1
    state = rng.normal(size=(2, n)) + 1j * rng.normal(size=(2, n))

    def apply_u(st):
        return (jnp.asarray(u) @ st.reshape(-1)).reshape(st.shape)

    got = np.asarray(qsvt_operator(phi, state, apply_u))
    np.testing.assert_allclose(got, np_operator_circuit(phi, [u] * d, state), atol=1e-10)
    # Ancilla-0 block: <0|U^wx(A)|0> applied to the ancilla-0 input, and the real-part LCU gives P(A).
    psi = rng.normal(size=n) + 1j * rng.normal(size=n)
    st0 = np.stack([psi, np.zeros(n)])
    w, v = np.linalg.eigh(a)
    resp = np_wx(phi, w)[:, 0, 0]
    np.testing.assert_allclose(
        np.asarray(qsvt_operator(phi, st0, apply_u))[0], v @ (resp * (v.conj().T @ psi)), atol=1e-10
    )
    real = np.asarray(qsvt_operator_real(phi, st0, apply_u))[0]
    np.testing.assert_allclose(real, v @ (cheb.chebval(w, poly.coeffs) * (v.conj().T @ psi)), atol=1e-10)


def test_qsvt_operator_indexed_and_non_hermitian(rng):
    n, d = 4, 5
    phi = rng.uniform(-np.pi, np.pi, d + 1)
    us = np.stack([dilation(random_hermitian_contraction(rng, n)) for _ in range(d)])
    state = rng.normal(size=(2, n)) + 1j * rng.normal(size=(2, n))
    us_j = jnp.asarray(us)

    def apply_q(st, q):
        return (us_j[q] @ st.reshape(-1)).reshape(st.shape)

    got = np.asarray(qsvt_operator(phi, state, apply_q, indexed=True))
    np.testing.assert_allclose(got, np_operator_circuit(phi, list(us), state), atol=1e-10)
    # A generic (non-Hermitian) unitary: U on the first-applied query, U^dagger on the next, ...
    q, _ = np.linalg.qr(rng.normal(size=(2 * n, 2 * n)) + 1j * rng.normal(size=(2 * n, 2 * n)))
    qj = jnp.asarray(q)
    blocks = [q if (d - k) % 2 == 0 else q.conj().T for k in range(1, d + 1)]
    got = np.asarray(
        qsvt_operator(
            phi,
            state,
            lambda st: (qj @ st.reshape(-1)).reshape(st.shape),
            lambda st: (qj.conj().T @ st.reshape(-1)).reshape(st.shape),
        )
    )
    np.testing.assert_allclose(got, np_operator_circuit(phi, blocks, state), atol=1e-10)


def test_qsvt_operator_jit_grad(rng):
    n, d = 3, 4
    u = jnp.asarray(dilation(random_hermitian_contraction(rng, n)))
    state = jnp.asarray(rng.normal(size=(2, n)) + 0j)
    phi = jnp.asarray(rng.uniform(-1, 1, d + 1))

    def apply_u(st):
        return (u @ st.reshape(-1)).reshape(st.shape)

    def loss(p):
        return jnp.real(jnp.vdot(state, qsvt_operator(p, state, apply_u)))

    st = np.asarray(state)
    ref = np.real(np.vdot(st, np_operator_circuit(np.asarray(phi), [np.asarray(u)] * d, st)))
    np.testing.assert_allclose(jax.jit(loss)(phi), ref, atol=1e-12)
    g = np.asarray(jax.jit(jax.grad(loss))(phi))
    lj = jax.jit(loss)
    eps = 1e-6
    fd = np.array([(lj(phi.at[k].add(eps)) - lj(phi.at[k].add(-eps))) / (2 * eps) for k in range(d + 1)])
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-8)
