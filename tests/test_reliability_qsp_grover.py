"""Reliability of the polynomial, QSP and Grover entry points (issue 6).

Bad input must raise ``ValueError`` / ``TypeError`` naming the argument, the value and what was
expected -- at once, before anything large is built -- never a silent NaN, wrong result, hang or huge
allocation. Each test here failed on the code before the fix.
"""

import math
import time

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import qsjax
from qsjax import (
    MAX_DENSE_DIM,
    MAX_POLY_DEGREE,
    QSPConvergenceError,
    amplitude_amplification,
    arcsin_polynomial,
    find_phases,
    fixed_point_length,
    fixed_point_phases,
    fixed_point_success,
    grover_ideal_success,
    grover_state,
    grover_success,
    grover_success_curve,
    inverse_polynomial,
    linear_amplification_polynomial,
    qsvt_diagonal,
    qsvt_operator,
    sign_polynomial,
    spectral_filter_polynomial,
    threshold_polynomial,
)
from qsjax.algorithms import diffusion_dm
from qsjax.qsp import convert_phases, qsp_response, qsp_unitary, qsvt_diagonal_real


def instantly(call, exc, match, limit_s=1.0):
    """``call()`` raises ``exc`` matching ``match`` within ``limit_s`` seconds."""
    t0 = time.perf_counter()
    with pytest.raises(exc, match=match):
        call()
    elapsed = time.perf_counter() - t0
    assert elapsed < limit_s, f"refusal took {elapsed:.3f}s"


def truth_table(n, marked):
    f = np.zeros(n)
    f[list(marked)] = 1.0
    return f


# ----------------------------------------------------------------------------- 1. polynomial degree


@pytest.mark.parametrize("kappa", [1e6, 1e4])
def test_inverse_polynomial_refuses_an_infeasible_degree_up_front(kappa):
    # Before: kappa=1e6 built a degree-1.15e7 series (MemoryError at 5.4 GB after 27 s) and
    # kappa=1e4 spent 68 s building before saying no.
    instantly(
        lambda: inverse_polynomial(kappa),
        ValueError,
        r"kappa=.*epsilon=0\.0001.*needs degree.*MAX_POLY_DEGREE=200000",
        limit_s=0.5,
    )
    instantly(lambda: inverse_polynomial(kappa / 100, 1e-300), ValueError, "epsilon", limit_s=0.5)


def test_polynomial_degree_cap_is_checked_before_building():
    big = 10 * MAX_POLY_DEGREE + 1
    instantly(lambda: sign_polynomial(big, 0.1), ValueError, "degree cap", limit_s=0.5)
    instantly(lambda: threshold_polynomial(big, 0.5, 0.1), ValueError, "degree cap", limit_s=0.5)
    instantly(lambda: spectral_filter_polynomial(big + 1, 0.5, 0.1), ValueError, "degree cap", limit_s=0.5)
    instantly(lambda: inverse_polynomial(4.0, degree=big), ValueError, "degree cap", limit_s=0.5)
    instantly(lambda: linear_amplification_polynomial(big, 3.0), ValueError, "degree cap", limit_s=0.5)
    # arcsin's least-squares matrix grows like degree^2: a smaller cap (float64 rounding at ~61).
    instantly(lambda: arcsin_polynomial(20001), ValueError, "degree cap 1001", limit_s=0.5)


@pytest.mark.parametrize("gap", [1e-8, 5e-324])
def test_gaps_no_allowed_degree_can_resolve_are_refused(gap):
    # Before: an approximation error of ~1 silently (1e-8), or "coeffs contains NaN" (5e-324).
    instantly(lambda: sign_polynomial(11, gap), ValueError, "gap=.*too narrow.*MAX_POLY_DEGREE")
    instantly(lambda: threshold_polynomial(12, 0.5, gap), ValueError, "gap=.*too narrow")
    instantly(lambda: spectral_filter_polynomial(12, 0.5, gap), ValueError, "gap=.*too narrow")
    instantly(lambda: linear_amplification_polynomial(11, 3.0, delta=gap), ValueError, "too narrow")


def test_polynomial_arguments_must_be_real_numbers():
    with pytest.raises(TypeError, match="kappa"):
        inverse_polynomial("10")
    with pytest.raises(TypeError, match="gap"):
        sign_polynomial(11, "0.1")
    with pytest.raises(TypeError, match="amplitude"):
        sign_polynomial(11, 0.1, amplitude=0.5 + 0j)
    with pytest.raises(ValueError, match="epsilon=1e-15 is below"):
        inverse_polynomial(2.0, 1e-15)
    # what still works is unchanged: smallest degree meeting epsilon
    p = inverse_polynomial(4.0, 1e-2)
    assert p.approx_error <= 1e-2 and p.degree % 2 == 1


# ----------------------------------------------------------------------------- 2. QSP signals / phases


def test_signals_outside_unit_interval_are_refused():
    phi = np.array([0.3, -0.2, 0.5, 0.1])
    # Before: |output| = 16 for x = 2, no error.
    with pytest.raises(ValueError, match=r"signal must lie in \[-1, 1\].*max \|signal\| = 2\.0"):
        qsvt_diagonal(phi, np.array([0.1, 2.0]))
    with pytest.raises(ValueError, match="signal must lie in"):
        qsvt_diagonal(phi, np.full((3, 4), -1.5))  # per-query signal
    with pytest.raises(ValueError, match="signal must lie in"):
        qsvt_diagonal_real(phi, np.array([1.01]), convention="wx")
    with pytest.raises(ValueError, match=r"x must lie in \[-1, 1\]"):
        qsp_unitary(phi, np.array([0.5, -3.0]))
    with pytest.raises(ValueError, match=r"x must lie in \[-1, 1\]"):
        qsp_response(phi, np.array([[1.2]]))
    with pytest.raises(ValueError, match="NaN or inf"):
        qsvt_diagonal(phi, np.array([0.1, np.nan]))
    # rounding just outside [-1, 1] is tolerated and behaves like +-1
    out = qsvt_diagonal(phi, np.array([1.0 + 1e-9, -1.0 - 1e-9]))
    np.testing.assert_allclose(np.abs(np.asarray(out)), 1.0, atol=1e-8)


def test_complex_signals_are_refused_not_truncated():
    phi = np.array([0.3, -0.2, 0.5])
    z = np.array([0.1 + 0.5j, 0.2 + 0j])
    with pytest.raises(TypeError, match="signal must be real.*complex128.*convention='unitary'"):
        qsvt_diagonal(phi, z)
    with pytest.raises(TypeError, match="x must be real"):
        qsp_unitary(phi, z)
    with pytest.raises(TypeError, match="x must be real"):
        qsp_response(phi, z)
    # the dtype is known under jit too, so the refusal holds for traced signals
    with pytest.raises(TypeError, match="signal must be real"):
        jax.jit(lambda s: qsvt_diagonal(phi, s))(jnp.asarray(z))


def test_explicit_blocks_must_be_contractions():
    phi = np.array([0.3, -0.2, 0.5])
    blocks = np.tile(2.0 * np.eye(2), (4, 1, 1))
    with pytest.raises(ValueError, match="spectral norm 2"):
        qsvt_diagonal(phi, blocks, convention="unitary")
    with pytest.raises(ValueError, match="NaN or inf"):
        qsvt_diagonal(phi, np.full((4, 2, 2), np.nan), convention="unitary")
    # a contraction that is not unitary (e.g. an averaged block) is still allowed
    qsvt_diagonal(phi, np.tile(0.5 * np.eye(2), (4, 1, 1)), convention="unitary")


def test_traced_signals_pass_unchecked():
    phi = jnp.array([0.3, -0.2, 0.5])
    x = jnp.array([0.2, -0.7])
    got = jax.jit(lambda p, s: qsvt_diagonal(p, s))(phi, x)
    # reference: explicit 2x2 products in the reflection convention R(x) = [[x, s], [s, -x]]
    ph_r, g = convert_phases(np.asarray(phi), target="reflection")
    want = []
    for xi in np.asarray(x):
        s = np.sqrt(1 - xi**2)
        u = np.diag(np.exp([1j * ph_r[0], -1j * ph_r[0]]))
        for p in ph_r[1:]:
            u = u @ np.array([[xi, s], [s, -xi]]) @ np.diag(np.exp([1j * p, -1j * p]))
        want.append(g * u[0, 0])
    np.testing.assert_allclose(np.asarray(got), want, atol=1e-13)
    # a concrete array closed over by a jitted function is still checked
    bad = jnp.array([3.0])
    with pytest.raises(ValueError, match="signal must lie in"):
        jax.jit(lambda p: qsvt_diagonal(p, bad))(phi)


@pytest.mark.parametrize(
    "bad, exc, match",
    [
        (np.array([0.1 + 1j, 0.2]), TypeError, "phases must be real"),
        (np.zeros((2, 3)), ValueError, r"phases must be a 1-D array"),
        (np.array([0.1, np.nan]), ValueError, "phases contains NaN or inf"),
        (np.array([np.inf, 0.0]), ValueError, "phases contains NaN or inf"),
    ],
)
def test_phases_must_be_one_dimensional_real_and_finite(bad, exc, match):
    x = np.array([0.2, 0.4])
    with pytest.raises(exc, match=match):
        qsvt_diagonal(bad, x)
    with pytest.raises(exc, match=match):
        qsp_unitary(bad, x)
    with pytest.raises(exc, match=match):
        convert_phases(bad)
    with pytest.raises(exc, match=match):
        qsvt_operator(bad, np.ones((2, 2), complex) / 2, lambda s: s)


def test_qsvt_operator_checks_state_and_callables():
    phi = np.array([0.3, -0.2, 0.5])
    with pytest.raises(ValueError, match="state contains NaN"):
        qsvt_operator(phi, np.full((2, 3), np.nan), lambda s: s)
    with pytest.raises(TypeError, match="apply_U must be a callable"):
        qsvt_operator(phi, np.ones((2, 3)), np.eye(6))
    with pytest.raises(TypeError, match="apply_U_dagger must be a callable"):
        qsvt_operator(phi, np.ones((2, 3)), lambda s: s, 3)


# ----------------------------------------------------------------------------- 3. find_phases options


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"atol": float("nan")}, ValueError, "atol must be a positive finite number, got nan"),
        ({"atol": 0.0}, ValueError, "atol must be a positive"),
        ({"atol": -1e-9}, ValueError, "atol must be a positive"),
        ({"atol": float("inf")}, ValueError, "atol must be a positive"),
        ({"atol": "1e-9"}, TypeError, "atol"),
        ({"tol": float("nan")}, ValueError, "tol must be a positive"),
        ({"tol": float("inf")}, ValueError, "tol must be a positive"),
        ({"tol": 0}, ValueError, "tol must be a positive"),
        ({"tol": None}, TypeError, "tol"),
        ({"maxiter": -1}, ValueError, "maxiter must be a positive integer, got -1"),
        ({"maxiter": 0}, ValueError, "maxiter must be a positive integer"),
        ({"maxiter": 2.5}, ValueError, "maxiter must be a positive integer"),
        ({"maxiter": True}, ValueError, "maxiter must be a positive integer"),
        ({"maxiter": 2**40}, ValueError, "maxiter must be at most"),
    ],
)
def test_find_phases_validates_its_numeric_options(kwargs, exc, match):
    # Before: atol=nan raised QSPConvergenceError after a full solve, maxiter=-1 was accepted.
    with pytest.raises(exc, match=match) as info:
        find_phases(np.array([0.0, 0.5, 0.0, 0.2]), **kwargs)
    assert not isinstance(info.value, QSPConvergenceError)


# ----------------------------------------------------------------------------- 4. amplitude amplification


def test_amplitude_amplification_needs_a_normalised_start():
    good = jnp.array([0, 1, 0, 0])
    alpha = beta = jnp.full((2,), jnp.pi)
    ident = lambda v: v  # noqa: E731
    # Before: success probability 1.4e31 from an unnormalised start.
    with pytest.raises(ValueError, match=r"start must be a normalised state .* got sum \|start\|\^2 = 4"):
        amplitude_amplification(ident, ident, good, alpha, beta, start=jnp.ones(4))
    with pytest.raises(ValueError, match="start contains NaN"):
        amplitude_amplification(ident, ident, good, alpha, beta, start=jnp.array([np.nan, 0, 0, 0]))
    # prepare / unprepare must keep the state's shape
    with pytest.raises(ValueError, match=r"prepare must return a state of the input shape \(4,\)"):
        amplitude_amplification(lambda v: v[:2], ident, good, alpha, beta)
    with pytest.raises(ValueError, match="unprepare must return"):
        amplitude_amplification(ident, lambda v: jnp.concatenate([v, v]), good, alpha, beta)
    with pytest.raises(ValueError, match="good must contain only 0 and 1"):
        amplitude_amplification(ident, ident, jnp.array([0, 2, 0, 0]), alpha, beta)
    with pytest.raises(TypeError, match="alpha must be real"):
        amplitude_amplification(ident, ident, good, alpha + 1j, beta)
    with pytest.raises(ValueError, match="beta contains NaN"):
        amplitude_amplification(ident, ident, good, alpha, beta.at[0].set(jnp.nan))
    with pytest.raises(TypeError, match="callables"):
        amplitude_amplification(np.eye(4), ident, good, alpha, beta)
    # a normalised start (in either precision of rounding) is fine
    start = jnp.ones(4) / 2.0
    out = amplitude_amplification(ident, ident, good, alpha, beta, start=start)
    assert out.shape == (4,) and abs(float(jnp.sum(jnp.abs(out) ** 2)) - 1) < 1e-12


def test_fixed_point_helpers_check_their_ranges():
    # Before: fixed_point_success(lam=-1) returned -156.
    with pytest.raises(ValueError, match=r"lam must be a success probability in \[0, 1\].*-1\.0"):
        fixed_point_success(-1.0, 0.1, 5)
    with pytest.raises(ValueError, match="lam must be"):
        fixed_point_success(np.array([0.5, 1.5]), 0.1, 5)
    with pytest.raises(ValueError, match="lam contains NaN"):
        fixed_point_success(np.nan, 0.1, 5)
    with pytest.raises(ValueError, match="delta must be in"):
        fixed_point_success(0.5, 1.5, 5)
    with pytest.raises(ValueError, match="delta must be in"):
        fixed_point_phases(0.0, length=5)
    with pytest.raises(ValueError, match="delta must be in"):
        fixed_point_length(float("nan"), 0.1)
    with pytest.raises(ValueError, match="w must be in"):
        fixed_point_length(0.1, 1.5)
    with pytest.raises(TypeError, match="delta must be a real number"):
        fixed_point_length("0.1", 0.1)
    with pytest.raises(TypeError, match="w must be a real number"):
        fixed_point_length(0.1, None)
    with pytest.raises(ValueError, match="either w or length"):
        fixed_point_phases(0.1, 0.05, length=5)
    with pytest.raises(ValueError, match=r"rho must have shape \(\.\.\., N, N\)"):
        diffusion_dm(jnp.ones((3, 4)))
    # rounding just above 1 is allowed, and traced values pass unchecked
    assert float(fixed_point_success(1.0 + 1e-16, 0.1, 5)) == pytest.approx(1.0)
    jax.jit(lambda lam: fixed_point_success(lam, 0.1, 5))(0.3)


# ----------------------------------------------------------------------------- 5. dense channel size


@pytest.mark.parametrize("fn", [grover_success, grover_success_curve, grover_state])
def test_channel_mode_refuses_a_huge_density_matrix_at_once(fn):
    n = 2 * MAX_DENSE_DIM  # 2**14: a 4 GiB complex128 matrix (2**15 asked for 25.8 GB before)
    f = truth_table(n, [1])
    instantly(
        lambda: fn(f, 3, 1e4, mode="channel"),
        ValueError,
        r"Grover in 'channel' mode builds a dense \(16384, 16384\) complex128 matrix \(4\.0 GiB\)"
        r".*limit is dimension 8192.*'counts'",
    )
    instantly(lambda: fn(f, 3, mode=qsjax.Channel(1e4)), ValueError, r"Grover in 'channel' mode builds")


def test_channel_mode_without_the_dense_chi_matches_the_dense_formula():
    """Binary uniform data use the 2x2 chi table inside the loop; a traced truth table takes the
    general path through ``PhaseSketch.channel`` (a dense chi): both must agree."""
    n, marked, q, m = 16, [2, 9, 11], 3, 40.0
    f = truth_table(n, marked)
    fast = grover_success_curve(f, q, m, mode="channel")
    dense = jax.jit(lambda tt: grover_success_curve(tt, q, m, mode="channel"))(jnp.asarray(f))
    np.testing.assert_allclose(np.asarray(fast), np.asarray(dense), atol=1e-13)
    rho = np.asarray(grover_state(f, q, m, mode="channel"))
    assert rho.shape == (n, n)
    np.testing.assert_allclose(rho, rho.conj().T, atol=1e-14)
    assert np.trace(rho).real == pytest.approx(1.0, abs=1e-12)


# ----------------------------------------------------------------------------- 6. keys


@pytest.mark.parametrize(
    "key, exc, match",
    [
        (5, TypeError, "key must be a jax.random key.*int 5"),
        (jnp.zeros(2, jnp.float32), TypeError, "dtype float32"),
        (jnp.zeros(4, jnp.uint32), TypeError, r"shape \(4,\)"),
        ("seed", TypeError, "key must be a jax.random key"),
    ],
)
def test_malformed_keys_are_refused(key, exc, match):
    f = truth_table(4, [1])
    # Before: an int gave an AttributeError deep inside; float arrays / uint32[4] were used silently.
    with pytest.raises(exc, match=match):
        grover_success(f, 1, 10, mode="counts", key=key)
    with pytest.raises(exc, match=match):
        grover_state(f, 1, 10, mode="counts", key=key)
    with pytest.raises(exc, match=match):
        grover_success_curve(f, 1, mode="ideal", key=key)  # unused in 'ideal', still checked
    with pytest.raises(exc, match=match):  # the same checks for mode values
        grover_success(f, 1, mode=qsjax.Counts(10), key=key)
    with pytest.raises(exc, match=match):
        grover_state(f, 1, mode=qsjax.Channel(10.0), key=key)


def test_a_batch_of_keys_outside_vmap_is_an_error():
    f = truth_table(4, [1])
    # Before: one result silently mixed across the lanes of the batch.
    with pytest.raises(ValueError, match=r"single key, got a batch of keys with shape \(3,\)"):
        grover_success(f, 1, 10, mode="counts", key=jax.random.split(jax.random.key(0), 3))
    with pytest.raises(ValueError, match=r"batch of raw keys with shape \(3, 2\)"):
        grover_success(f, 1, 10, mode="counts", key=jax.random.split(jax.random.PRNGKey(0), 3))


# ----------------------------------------------------------------------------- default precision


@pytest.mark.usefixtures("default_precision")
def test_refusals_in_default_precision():
    assert not jax.config.read("jax_enable_x64")
    f32 = jnp.float32
    n = 2 * MAX_DENSE_DIM
    instantly(
        lambda: grover_success(np.zeros(n, np.float32), 2, 1e4, mode="channel"),
        ValueError,
        r"complex64 matrix \(2\.0 GiB\)",
    )
    instantly(lambda: inverse_polynomial(1e6), ValueError, "MAX_POLY_DEGREE", limit_s=0.5)
    phi = jnp.asarray([0.3, -0.2, 0.5], f32)
    with pytest.raises(ValueError, match="signal must lie in"):
        qsvt_diagonal(phi, jnp.asarray([0.5, 1.001], f32))
    out = qsvt_diagonal(phi, jnp.asarray([1.0000001, -1.0], f32))  # float32 rounding of 1
    assert out.dtype == jnp.complex64
    with pytest.raises(TypeError, match="signal must be real"):
        qsvt_diagonal(phi, jnp.asarray([0.5 + 0.1j], jnp.complex64))
    with pytest.raises(ValueError, match="start must be a normalised"):
        amplitude_amplification(
            lambda v: v,
            lambda v: v,
            jnp.array([0, 1]),
            jnp.zeros(1),
            jnp.zeros(1),
            start=jnp.asarray([0.8, 0.8], f32),
        )
    with pytest.raises(ValueError, match="lam must be"):
        fixed_point_success(jnp.asarray(-0.5, f32), 0.1, 5)
    with pytest.raises(TypeError, match="key must be"):
        grover_success(np.array([0, 1, 0, 0.0]), 1, 10, mode="counts", key=3)
    with pytest.raises(ValueError, match="atol"):
        find_phases(np.array([0.0, 0.5]), atol=float("nan"))


@pytest.mark.usefixtures("default_precision")
def test_small_grover_runs_in_default_precision():
    n, marked = 64, [5, 40]
    f = truth_table(n, marked).astype(np.float32)
    q = qsjax.grover_optimal_iterations(n, 2)
    ideal = grover_success(f, q)
    assert ideal.dtype == jnp.float32
    assert float(ideal) == pytest.approx(float(grover_ideal_success(n, 2, q)), abs=1e-5)
    expected = grover_success_curve(f, q, 1e6, mode="expected")
    channel = grover_success_curve(f, q, 1e6, mode="channel")
    assert expected.shape == channel.shape == (q + 1,)
    assert channel.dtype == jnp.float32
    # expected mode is the pessimistic proxy; both approach ideal Grover at large M
    assert np.all(np.asarray(expected) <= np.asarray(channel) + 1e-5)
    assert float(channel[-1]) == pytest.approx(float(ideal), abs=5e-3)
    # a normalised float32 start passes the normalisation check
    start = jnp.full((4,), 0.5, jnp.float32)
    out = amplitude_amplification(
        lambda v: v,
        lambda v: v,
        jnp.array([0, 1, 0, 0]),
        jnp.full((1,), math.pi),
        jnp.full((1,), math.pi),
        start=start,
    )
    assert out.dtype == jnp.complex64
