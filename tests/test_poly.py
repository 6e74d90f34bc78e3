"""Polynomial approximations: bounds, measured errors, parity, argument checks (float64)."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from qsjax import (
    ChebPoly,
    arcsin_polynomial,
    inverse_polynomial,
    linear_amplification_polynomial,
    sign_polynomial,
    spectral_filter_polynomial,
    threshold_polynomial,
)
from qsjax.qsp import chebyshev_eval, sup_norm

cheb = np.polynomial.chebyshev

# the polynomial constructors are clean under strict dtype promotion: keep them so (conftest.py)
pytestmark = pytest.mark.strict_promotion


def dense_grid(degree, rng):
    """Independent check grid: uniform, Chebyshev-angle and random points (not the library's)."""
    n = 40 * (degree + 1)
    return np.concatenate(
        [
            np.linspace(-1.0, 1.0, n + 1),
            np.cos(np.linspace(0.0, np.pi, n + 3)),
            rng.uniform(-1.0, 1.0, 4 * n),
        ]
    )


def in_domain(x, domain):
    m = np.zeros(x.shape, dtype=bool)
    for lo, hi in domain:
        m |= (x >= lo) & (x <= hi)
    return m


CASES = {
    "sign": (lambda: sign_polynomial(61, 0.1), lambda x: np.sign(x), 2e-2),
    "sign_amp": (lambda: sign_polynomial(151, 0.05, amplitude=0.9), lambda x: 0.9 * np.sign(x), 2e-2),
    "threshold_even": (
        lambda: threshold_polynomial(80, 0.5, 0.1),
        lambda x: (np.abs(x) >= 0.5).astype(float),
        1e-2,
    ),
    "threshold_odd": (
        lambda: threshold_polynomial(81, 0.5, 0.1),
        lambda x: np.sign(x) * (np.abs(x) >= 0.5),
        1e-2,
    ),
    "filter_above": (
        lambda: spectral_filter_polynomial(80, 0.6, 0.1),
        lambda x: (np.abs(x) >= 0.6).astype(float),
        1e-2,
    ),
    "filter_below": (
        lambda: spectral_filter_polynomial(80, 0.6, 0.1, keep="below"),
        lambda x: (np.abs(x) <= 0.6).astype(float),
        1e-2,
    ),
    "inverse": (lambda: inverse_polynomial(5.0, 1e-3), lambda x: 1.0 / (10.0 * x), 1e-3),
    "inverse_deg": (lambda: inverse_polynomial(8.0, degree=61), lambda x: 1.0 / (16.0 * x), 5e-2),
    "arcsin": (lambda: arcsin_polynomial(), lambda x: np.arcsin(x) / np.arcsin(1.0), 1e-5),
    "linear_amp": (lambda: linear_amplification_polynomial(101, 2.5, delta=0.2), lambda x: 2.5 * x, 1e-3),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bounded_and_within_stated_error(name, rng):
    make, ideal, expected = CASES[name]
    p = make()
    assert isinstance(p, ChebPoly)
    assert p.coeffs.shape == (p.degree + 1,) and p.coeffs.dtype == np.float64
    x = dense_grid(p.degree, rng)
    vals = cheb.chebval(x, p.coeffs)
    # |P| <= 1 on [-1, 1] and the recorded max_abs is the sup (to rounding).
    assert np.max(np.abs(vals)) <= 1.0
    assert np.max(np.abs(vals)) <= p.max_abs + 1e-12
    # Within the stated (measured) error on the domain of interest, and that error is good.
    m = in_domain(x, p.domain)
    err = np.max(np.abs(vals[m] - ideal(x[m])))
    assert err <= p.approx_error * (1 + 1e-6) + 1e-12
    assert p.approx_error <= expected
    # Parity: the wrong-parity coefficients are exactly zero and parity matches the degree.
    assert p.parity == p.degree % 2
    assert np.all(p.coeffs[1 - p.parity :: 2] == 0.0)


def test_constructors_deterministic():
    a = sign_polynomial(101, 0.05)
    b = sign_polynomial(101, 0.05)
    assert np.array_equal(a.coeffs, b.coeffs)
    c1 = inverse_polynomial(4.0, 1e-3)
    c2 = inverse_polynomial(4.0, 1e-3)
    assert np.array_equal(c1.coeffs, c2.coeffs) and c1.degree == c2.degree


def test_safety_factor_applied_when_overshooting():
    # erf-based sign approximants overshoot 1 by their ripple: the safety factor brings them back.
    p = sign_polynomial(101, 0.1)
    assert p.safety_factor < 1.0
    assert p.max_abs <= 1.0
    assert 1.0 - p.max_abs < 1e-9  # only a hair below 1 (no needless shrinking)


def test_inverse_epsilon_meets_request_and_scales():
    p = inverse_polynomial(6.0, 1e-4)
    assert p.approx_error <= 1e-4
    q = inverse_polynomial(6.0, 1e-2)
    assert q.degree < p.degree
    assert p.parity == 1 and p.degree % 2 == 1


def test_linear_amplification_trivial_and_saturating(rng):
    p = linear_amplification_polynomial(7, 0.5)  # no saturation needed: exactly 0.5 x
    assert np.allclose(p.coeffs, [0, 0.5, 0, 0, 0, 0, 0, 0])
    q = linear_amplification_polynomial(151, 4.0, delta=0.1)
    x = np.linspace(-1, 1, 20001)
    v = cheb.chebval(x, q.coeffs)
    assert np.max(np.abs(v)) <= 1.0
    # Beyond the linear region it saturates near 1 - delta / 2.
    assert abs(cheb.chebval(0.9, q.coeffs) - 0.95) < 0.02


def test_sup_norm_accuracy(rng):
    # 0.7 T_50 has sup exactly 0.7 (reached at the extreme points).
    c = np.zeros(51)
    c[50] = 0.7
    assert abs(sup_norm(c) - 0.7) < 1e-14
    # Random series: exact reference from the real roots of P' (plus the end points).
    for d in (5, 40, 120):
        c = rng.normal(size=d + 1) / np.arange(1, d + 2)
        roots = cheb.chebroots(cheb.chebder(c))
        crit = roots.real[(np.abs(roots.imag) < 1e-9) & (np.abs(roots.real) <= 1.0)]
        ref = np.max(np.abs(cheb.chebval(np.concatenate([crit, [-1.0, 1.0]]), c)))
        assert abs(sup_norm(c) - ref) <= 1e-12 * ref


def test_call_matches_numpy_and_transforms(rng):
    p = threshold_polynomial(40, 0.4, 0.1)
    x = rng.uniform(-1, 1, 257)
    # A ChebPoly is a pytree: it can be passed through jit as an argument.
    jitted = jax.jit(lambda q, t: q(t))(p, x)
    np.testing.assert_allclose(np.asarray(jitted), cheb.chebval(x, p.coeffs), atol=1e-13)
    xb = rng.uniform(-1, 1, (3, 11))
    np.testing.assert_allclose(np.asarray(jax.jit(jax.vmap(p))(xb)), cheb.chebval(xb, p.coeffs), atol=1e-13)
    der = cheb.chebder(p.coeffs)
    g = jax.jit(jax.vmap(jax.grad(lambda t: p(t))))(jnp.asarray(x))
    np.testing.assert_allclose(np.asarray(g), cheb.chebval(x, der), atol=1e-10)
    # Gradient with respect to the coefficients (ChebPoly is a pytree with coeffs as the leaf).
    gc = jax.jit(jax.grad(lambda q: q(0.3)))(p)
    np.testing.assert_allclose(np.asarray(gc.coeffs), np.cos(np.arange(41) * np.arccos(0.3)), atol=1e-12)


def test_chebyshev_eval_float32_and_degree0():
    v = chebyshev_eval(np.array([0.25]), jnp.ones(3, jnp.float32))
    assert v.dtype == jnp.float32
    np.testing.assert_allclose(np.asarray(v), 0.25)


def test_from_coeffs_parity():
    assert ChebPoly.from_coeffs([0.0, 0.5, 0.0, 0.2]).parity == 1
    assert ChebPoly.from_coeffs([0.1, 0.0, 0.3]).parity == 0
    mixed = ChebPoly.from_coeffs([0.1, 0.2])
    assert mixed.parity is None
    assert abs(mixed.max_abs - 0.3) < 1e-14


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: sign_polynomial(10, 0.1), "degree must be odd"),
        (lambda: sign_polynomial(11, 0.0), "gap"),
        (lambda: sign_polynomial(11, 1.5), "gap"),
        (lambda: sign_polynomial(0, 0.1), "degree must be >= 1"),
        (lambda: sign_polynomial(11, 0.1, amplitude=1.2), "amplitude"),
        (lambda: threshold_polynomial(20, 0.2, 0.3), "too wide"),
        (lambda: threshold_polynomial(20, 1.2, 0.1), "threshold"),
        (lambda: spectral_filter_polynomial(21, 0.5, 0.1), "degree must be even"),
        (lambda: spectral_filter_polynomial(20, 0.5, 0.1, keep="sideways"), "keep"),
        (lambda: inverse_polynomial(1.0, 1e-3), "kappa must be > 1"),
        (lambda: inverse_polynomial(0.5), "kappa"),
        (lambda: inverse_polynomial(4.0, degree=20), "degree must be odd"),
        (lambda: inverse_polynomial(4.0, epsilon=2.0), "epsilon"),
        (lambda: inverse_polynomial(4.0, 1e-3, degree=21), "not both"),
        (lambda: arcsin_polynomial(20), "degree must be odd"),
        (lambda: linear_amplification_polynomial(21, -1.0), "scale"),
        (lambda: linear_amplification_polynomial(21, 2.0, delta=0.0), "delta"),
    ],
)
def test_bad_arguments_raise(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_degree_type_error():
    with pytest.raises(TypeError, match="degree"):
        sign_polynomial(11.0, 0.1)


def test_arcsin_domain_default():
    p = arcsin_polynomial()
    assert p.degree == 21
    assert p.domain == ((-math.sin(1.0), math.sin(1.0)),)
