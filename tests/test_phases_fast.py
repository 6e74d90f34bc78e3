"""The fast (nonlinear Fourier transform) phase-finding path of find_phases, against the iterative
solver and against an independent numpy evaluator (explicit 2x2 products at random points)."""

import functools
import time

import numpy as np
import pytest
from helpers import np_wx

from qsjax import (
    MAX_POLY_DEGREE,
    ChebPoly,
    QSPConvergenceError,
    find_phases,
    sign_polynomial,
    spectral_filter_polynomial,
)

cheb = np.polynomial.chebyshev


def np_response(phases, x, chunk=1024):
    """``Re <0|U_phi(x)|0>`` by explicit 2x2 products, numpy, batched over points.

    The row vector ``<0| exp(i phi_0 Z)`` is multiplied by ``W(x) exp(i phi_k Z)`` for k = 1 .. d
    (``W = [[x, i s], [i s, x]]``, ``s = sqrt(1 - x^2)``): one 2x2 product per phase and point.
    """
    phases = np.asarray(phases, dtype=np.float64)
    e = np.exp(1j * phases)
    out = []
    for xs in np.array_split(np.asarray(x, float), max(1, -(-len(x) // chunk))):
        s = np.sqrt(1.0 - xs * xs)
        v0 = np.full(xs.shape, e[0])
        v1 = np.zeros(xs.shape, complex)
        for ek in e[1:]:
            w0 = xs * v0 + 1j * s * v1
            w1 = 1j * s * v0 + xs * v1
            v0, v1 = w0 * ek, w1 * np.conj(ek)
        out.append(v0.real)
    return np.concatenate(out)


def scaled_to(poly, top):
    """Coefficients of ``poly`` rescaled to ``max |P| = top``."""
    return np.asarray(poly.coeffs) * (top / poly.max_abs)


# ---- agreement with the iterative solver at moderate degree -------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda: sign_polynomial(201, 0.1, amplitude=0.9),
        lambda: spectral_filter_polynomial(200, 0.5, 0.1, amplitude=0.9),
        lambda: sign_polynomial(1001, 0.02, amplitude=0.9),
    ],
    ids=["sign201", "filter200_even", "sign1001"],
)
def test_nlft_matches_iterative_solver(make, rng):
    poly = make()
    fast = find_phases(poly, method="nlft")
    slow = find_phases(poly, method="fpi")
    assert fast.method == "nlft" and fast.residual <= 1e-12
    assert fast.phases.shape == slow.phases.shape == (poly.degree + 1,)
    np.testing.assert_array_equal(fast.phases, fast.phases[::-1])
    # the same solution (the one connected to psi = 0), to the FPI's own accuracy (tol 1e-12)
    np.testing.assert_allclose(fast.phases, slow.phases, rtol=0, atol=1e-10)
    np.testing.assert_allclose(fast.reduced, slow.reduced, rtol=0, atol=1e-10)
    x = rng.uniform(-1, 1, 400)
    want = cheb.chebval(x, poly.coeffs)
    assert np.max(np.abs(np_response(fast.phases, x) - want)) <= 1e-12


def test_auto_uses_nlft_from_degree_500_and_agrees_with_newton_near_norm_one(rng):
    poly = sign_polynomial(1001, 0.01)
    c = scaled_to(poly, 1 - 1e-6)
    fast = find_phases(c)
    assert fast.method == "nlft"
    newton = find_phases(c, method="newton")
    x = rng.uniform(-1, 1, 300)
    want = cheb.chebval(x, c)
    assert np.max(np.abs(np_response(fast.phases, x) - want)) <= 1e-12
    assert np.max(np.abs(np_response(newton.phases, x) - want)) <= 1e-10
    # phases are ill-conditioned at 1 - 1e-6 (~1/sqrt(margin)); the solutions still coincide
    np.testing.assert_allclose(fast.phases, newton.phases, rtol=0, atol=1e-8)
    assert find_phases(sign_polynomial(201, 0.1, amplitude=0.9)).method == "fpi"


@pytest.mark.parametrize("coeffs", [[0.0, -0.7], [0.2, 0.0, 0.5], [0.0, 0.3, 0.0, -0.4]])
def test_nlft_small_degrees(coeffs):
    c = np.array(coeffs)
    res = find_phases(c, method="nlft")
    x = np.linspace(-1, 1, 41)
    np.testing.assert_allclose(np_wx(res.phases, x)[:, 0, 0].real, cheb.chebval(x, c), atol=1e-14)
    np.testing.assert_allclose(res.phases, find_phases(c, method="fpi").phases, atol=1e-12)


# ---- degree 10^4 at max |P| = 1 - 1e-6 ------------------------------------------------------------


@functools.cache
def degree_10k():
    poly = sign_polynomial(10001, 0.001)  # error ~1e-3 off (-gap, gap); max |P| = 1 - 1e-13
    c = scaled_to(poly, 1 - 1e-6)
    t0 = time.perf_counter()
    res = find_phases(c)
    return c, res, time.perf_counter() - t0


def test_degree_10k_sign_near_norm_one_on_independent_grid(rng):
    c, res, seconds = degree_10k()
    assert 1 - 1.1e-6 < ChebPoly.from_coeffs(c).max_abs < 1 - 0.9e-6
    assert res.method == "nlft" and res.degree == 10001
    assert res.residual <= 1e-12
    # 2000 random points (not any grid the solver used), explicit products: 2e7 2x2 products
    x = np.concatenate([rng.uniform(-1, 1, 1950), rng.uniform(-0.002, 0.002, 48), [-1.0, 1.0]])
    err = np.max(np.abs(np_response(res.phases, x) - cheb.chebval(x, c)))
    assert err < 1e-8, err
    # O(d log^2 d): seconds, where the iterative solver needs ~30-40 s here (generous bound: shared CPU)
    assert seconds < 60, seconds


def test_nlft_is_deterministic():
    c, res, _ = degree_10k()
    again = find_phases(c)
    assert np.array_equal(again.phases, res.phases)
    assert again.residual == res.residual and again.max_error == res.max_error


# ---- fallbacks and bad inputs ------------------------------------------------------------------


def test_auto_falls_back_when_max_abs_touches_one(rng):
    poly = sign_polynomial(501, 0.05)  # max |P| = 1 - 1e-13: no Weiss grid resolves it
    res = find_phases(poly)
    assert "newton" in res.method
    x = rng.uniform(-1, 1, 200)
    assert np.max(np.abs(np_response(res.phases, x) - cheb.chebval(x, poly.coeffs))) <= 1e-9


def test_auto_prefers_newton_when_the_margin_needs_a_huge_weiss_grid(rng):
    # 1 - max|P| = 1e-11 at degree 1001: the Weiss grid would be 2^25 points (~7 s) against ~2 s of
    # Newton, so "auto" runs the iteration first (as for arcsin_polynomial(1001), margin 6e-12)
    poly = sign_polynomial(1001, 0.01)
    c = scaled_to(poly, 1 - 1e-11)
    res = find_phases(c)
    assert "newton" in res.method
    x = rng.uniform(-1, 1, 200)
    assert np.max(np.abs(np_response(res.phases, x) - cheb.chebval(x, c))) <= 1e-9


def test_nlft_refuses_norm_one_targets():
    with pytest.raises(QSPConvergenceError, match=r"needs max \|P\| < 1 strictly"):
        find_phases(np.array([0.0, 1.0]), method="nlft")  # P(x) = x: |P(+-1)| = 1
    # while the iteration handles it
    res = find_phases(np.array([0.0, 1.0]))
    np.testing.assert_allclose(np_wx(res.phases, np.linspace(-1, 1, 5))[:, 0, 0].real, np.linspace(-1, 1, 5))


def test_bad_methods_and_degrees_are_refused_before_work():
    with pytest.raises(ValueError, match="method must be one of 'auto', 'nlft', 'fpi', 'newton'"):
        find_phases(np.array([0.0, 0.5]), method="magic")
    with pytest.raises(ValueError, match="method"):
        find_phases(np.array([0.0, 0.5]), method="NLFT")
    huge = np.zeros(MAX_POLY_DEGREE + 2)
    huge[-1] = 0.5
    t0 = time.perf_counter()
    with pytest.raises(ValueError, match="degree cap"):
        find_phases(huge)
    c = np.zeros(20004)
    c[1] = 0.5
    with pytest.raises(ValueError, match="newton.*20001"):
        find_phases(c, method="newton")
    assert time.perf_counter() - t0 < 2.0  # refused before the sup-norm grid / Jacobian
    with pytest.raises(ValueError, match="parity"):
        find_phases(np.array([0.1, 0.5, 0.0, 0.2]), method="nlft")
    with pytest.raises(ValueError, match="> 1"):
        find_phases(np.array([0.0, 1.2]), method="nlft")
    with pytest.raises(ValueError, match="tol"):
        find_phases(np.array([0.0, 0.5]), method="nlft", tol=0.0)
