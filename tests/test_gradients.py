"""Gradients through the sketches: with respect to the sampling distribution ``p``, the number of
samples ``m``, ``t`` and the data, in ``expected``, ``channel`` and ``counts`` mode.

Every ``jax.grad`` is compared with a central finite difference of an *independent* float64 numpy
evaluation of the same scalar (closed forms from the definitions in helpers.py), so a wrong value
and a wrong derivative are both caught. Central differences with step ``h = 1e-6`` have truncation
error ``O(h^2 f''') ~ 1e-12`` and rounding error ``~ eps |f| / h ~ 1e-10`` for ``|f| ~ 1``: the
tolerance ``rtol = 1e-6, atol = 1e-8`` covers both.
"""

import helpers
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import qsjax

H = 1e-6
RTOL, ATOL = 1e-6, 1e-8

F = np.array([1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0])
P = np.random.default_rng(7).dirichlet(np.ones(8) * 2.0)
W = np.random.default_rng(8).normal(size=(8, 8)) + 1j * np.random.default_rng(9).normal(size=(8, 8))
TARGET = np.exp(1j * np.pi * F)


def fd_grad(fun, x, h=H):
    """Central finite-difference gradient of a numpy scalar function (coordinate by coordinate)."""
    x = np.asarray(x, float)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (fun(x + e) - fun(x - e)) / (2 * h)
    return g


def check_grad(jax_fun, np_fun, x, *, simplex=False):
    """Value and gradient of ``jax_fun`` at ``x`` against ``np_fun`` and its finite differences.

    ``simplex=True`` for a probability vector: a formula may use ``sum(p) = 1`` (e.g. write
    ``1 - F`` for ``sum_x p_x [f_x = 0]``), so only the gradient along the simplex (its component
    orthogonal to ``(1, ..., 1)``) is defined; both gradients are projected onto it."""
    np.testing.assert_allclose(
        float(jax.jit(jax_fun)(jnp.asarray(x))), np_fun(np.asarray(x)), rtol=1e-10, atol=1e-12
    )
    g = np.asarray(jax.jit(jax.grad(jax_fun))(jnp.asarray(x)))
    fd = fd_grad(np_fun, x)
    if simplex:
        g, fd = g - g.mean(), fd - fd.mean()
    np.testing.assert_allclose(g, fd, rtol=RTOL, atol=ATOL)
    assert np.abs(g).max() > 1e-3  # not vacuous


# ----------------------------------------------------------------------------- expected mode


def test_grad_of_expected_wrt_p_fixed_t():
    t, m = 5.0, 300.0

    def loss(p):
        o = qsjax.boolean_oracle(qsjax.BooleanData(F, p), t=t)
        return jnp.sum(jnp.abs(o.expected(m) - TARGET) ** 2)

    def ref(p):
        return np.sum(np.abs(helpers.expected_ref(t * F, p, m) - TARGET) ** 2)

    check_grad(loss, ref, P, simplex=True)


def test_grad_of_expected_wrt_p_through_the_default_t():
    # default t = 1 / p_max: the gradient also flows through max(p) (one coordinate)
    m = 500.0

    def loss(p):
        o = qsjax.boolean_oracle(qsjax.BooleanData(F, p))
        return jnp.sum(jnp.real(o.expected(m) * jnp.conj(o.ideal())))

    def ref(p):
        t = 1 / p.max()
        return np.sum(np.real(helpers.expected_ref(t * F, p, m) * np.conj(np.exp(1j * t * p * F))))

    check_grad(loss, ref, P, simplex=True)


def test_grad_of_expected_wrt_m_and_values():
    # d/dm at fixed p and a relaxed (real-valued) truth table
    p = P

    def loss_m(m):
        o = qsjax.boolean_oracle(qsjax.BooleanData(F, p), t=4.0)
        return jnp.sum(jnp.abs(o.expected(m) - o.ideal()) ** 2)

    def ref_m(m):
        return np.sum(np.abs(helpers.expected_ref(4.0 * F, p, float(m)) - np.exp(4j * p * F)) ** 2)

    x = np.array(80.0)
    g = float(jax.grad(loss_m)(jnp.asarray(x)))
    np.testing.assert_allclose(g, fd_grad(ref_m, x, h=1e-4), rtol=1e-6)

    def loss_v(v):
        o = qsjax.boolean_oracle(qsjax.BooleanData(v, p, binary=False), t=4.0)
        return jnp.sum(jnp.imag(o.expected(80.0)))

    def ref_v(v):
        return np.sum(np.imag(helpers.expected_ref(4.0 * v, p, 80.0)))

    check_grad(loss_v, ref_v, F * 0.9 + 0.05)


# ----------------------------------------------------------------------------- channel mode


def test_grad_through_channel_wrt_m():
    def loss(m):
        o = qsjax.boolean_oracle(qsjax.BooleanData(F, P), t=3.0)
        return jnp.real(jnp.sum(o.channel(m).chi * W))

    def ref(m):
        return np.real(np.sum(helpers.orthogonal_chi_ref(3.0 * F, P, float(m)) * W))

    x = np.array(25.0)
    np.testing.assert_allclose(float(loss(x)), ref(x), rtol=1e-10)
    g = float(jax.jit(jax.grad(loss))(jnp.asarray(x)))
    np.testing.assert_allclose(g, fd_grad(ref, x, h=1e-4), rtol=1e-6)
    assert abs(g) > 1e-4


def test_grad_through_channel_wrt_p():
    def loss(p):
        o = qsjax.boolean_oracle(qsjax.BooleanData(F, p), t=3.0)
        return jnp.real(jnp.sum(o.channel(25.0).chi * W))

    def ref(p):
        return np.real(np.sum(helpers.orthogonal_chi_ref(3.0 * F, p, 25.0) * W))

    check_grad(loss, ref, P, simplex=True)


def test_grad_through_the_naive_channel_wrt_p_and_m():
    f = F[:6]
    p6 = P[:6] / P[:6].sum()

    def naive_chi_ref(p, m, t=2.0):
        # E[V_v conj V_w] from one sample's average over its (x, u) cells, raised to the m-th power
        npad = 8
        z = helpers.walsh_matrix(npad)[:, :6]
        sx = helpers.walsh_matrix(npad)[:6, :]
        one = np.zeros((6, 6), complex)
        for x in range(6):
            ph = (t / m) * f[x] * sx[x][:, None] * z  # (u, v)
            one += p[x] / npad * np.einsum("uv,uw->vw", np.exp(1j * ph), np.exp(-1j * ph))
        chi = one**m
        np.fill_diagonal(chi, 1.0)
        return chi

    w6 = W[:6, :6]

    def loss_p(p):
        nv = qsjax.naive_boolean_oracle(qsjax.BooleanData(f, p), t=2.0)
        return jnp.real(jnp.sum(nv.channel(30.0).chi * w6))

    check_grad(loss_p, lambda p: np.real(np.sum(naive_chi_ref(p, 30.0) * w6)), p6, simplex=True)

    def loss_m(m):
        nv = qsjax.naive_boolean_oracle(qsjax.BooleanData(f, p6), t=2.0)
        return jnp.real(jnp.sum(nv.channel(m).chi * w6))

    x = np.array(30.0)
    g = float(jax.grad(loss_m)(jnp.asarray(x)))
    np.testing.assert_allclose(
        g, fd_grad(lambda m: np.real(np.sum(naive_chi_ref(p6, float(m)) * w6)), x, h=1e-4), rtol=1e-6
    )


def test_grad_of_channel_output_fidelity_wrt_p():
    # a physically meaningful scalar: <U psi| E[V rho V^dagger] |U psi> for a fixed input state
    psi = np.exp(1j * np.arange(8)) / np.sqrt(8)

    def loss(p):
        o = qsjax.boolean_oracle(qsjax.BooleanData(F, p), t=3.0)
        target = o.ideal() * psi
        rho = o.channel(40.0).apply_to_state(psi)
        return jnp.real(jnp.vdot(target, rho @ target))

    def ref(p):
        target = np.exp(3j * p * F) * psi
        rho = helpers.orthogonal_chi_ref(3.0 * F, p, 40.0) * np.outer(psi, psi.conj())
        return np.real(np.vdot(target, rho @ target))

    check_grad(loss, ref, P, simplex=True)


# ----------------------------------------------------------------------------- counts mode


@pytest.mark.parametrize("mode", ["counts", "sampled"])
def test_grad_of_a_realisation_wrt_t(mode):
    # a realisation is exp(i t f n / m) for counts n that do not depend on t
    key, m = jax.random.key(3), 700
    data = qsjax.BooleanData(F, P)
    if mode == "counts":
        n = np.asarray(qsjax.random.multinomial_counts(key, m, jnp.asarray(P)))
    else:
        n = np.bincount(np.asarray(data.sample(key, m)[0]), minlength=8)

    def loss(t):
        o = qsjax.boolean_oracle(data, t=t)
        v = o.counts(key, m) if mode == "counts" else o.sampled(key, m)
        return jnp.real(jnp.sum(v * jnp.asarray(W[0])))

    def ref(t):
        return np.real(np.sum(np.exp(1j * float(t) * F * n / m) * W[0]))

    check_grad(loss, ref, np.array(2.5))
