"""Cancellation-free complex numerics of the sketches: ``e^{ia} - 1``, ``log(1 + z)``, ``(1 + z)^m``
and the averaged-channel exponent of the orthogonal sketch, written once for the sketch modes (in the
inputs' dtype) and the exact diamond-norm metric (which runs them in float64)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jaxtyping import Array, Complex, Float

from .dtypes import real_dtype

# Below this modulus the power series are used: their truncation error is below float64 rounding.
_SERIES_RADIUS = 1e-2

# ----------------------------------------------------------------------------- stable complex helpers


def sin_minus_id(a: Float[Array, "..."]) -> Float[Array, "..."]:
    """``sin(a) - a`` without cancellation (series for ``|a| < 1e-2``)."""
    a = jnp.asarray(a)
    a2 = a * a
    series = -a * a2 / 6.0 * (1.0 - a2 / 20.0 * (1.0 - a2 / 42.0 * (1.0 - a2 / 72.0)))
    return jnp.where(jnp.abs(a) < _SERIES_RADIUS, series, jnp.sin(a) - a)


def stable_expm1i(a: Float[Array, "..."]) -> Complex[Array, "..."]:
    """``exp(i a) - 1`` without cancellation for tiny ``a`` (the per-sample angle can be 1e-9)."""
    a = jnp.asarray(a)
    s = jnp.sin(0.5 * a)
    return jax.lax.complex(-2.0 * s * s, jnp.sin(a))


def real_times(r, z: Complex[Array, "..."]) -> Complex[Array, "..."]:
    """``r * z`` for real ``r`` and complex ``z`` of the same precision (broadcasting), as two real
    products: no implicit real-to-complex promotion (valid under strict dtype promotion) and no
    complex multiply by a zero imaginary part. A complex ``r`` is a plain product."""
    r = jnp.asarray(r)
    if jnp.issubdtype(r.dtype, jnp.complexfloating):
        return r * z
    re, im = jnp.real(z), jnp.imag(z)
    return jax.lax.complex(r * re, r * im)


def expm1i_minus_linear(a: Float[Array, "..."]) -> Complex[Array, "..."]:
    """``exp(i a) - 1 - i a`` without cancellation (the part of ``e^{ia} - 1`` beyond first order)."""
    a = jnp.asarray(a)
    s = jnp.sin(0.5 * a)
    return jax.lax.complex(-2.0 * s * s, sin_minus_id(a))


def stable_log1p(z: Complex[Array, "..."]) -> Complex[Array, "..."]:
    """``log(1 + z)`` for complex ``z`` (principal branch), accurate when ``|z|`` is tiny.

    The real part is ``log1p(2x + x^2 + y^2) / 2`` for ``|z| < 1/2`` and ``log |1 + z|`` (via
    ``hypot``) beyond, where ``2x + x^2 + y^2`` could round below -1 as ``1 + z`` approaches 0.
    """
    x, y = jnp.real(z), jnp.imag(z)
    near = jnp.abs(z) < 0.5
    re = jnp.where(near, 0.5 * jnp.log1p(2.0 * x + x * x + y * y), jnp.log(jnp.hypot(1.0 + x, y)))
    return jax.lax.complex(re, jnp.arctan2(y, 1.0 + x))


def log1p_minus_id(z: Complex[Array, "..."]) -> Complex[Array, "..."]:
    """``log(1 + z) - z`` for complex ``z`` without cancellation (series for ``|z| < 1e-2``)."""
    z = jnp.asarray(z)
    # -z^2/2 + z^3/3 - ... + z^9/9 (Horner); truncation |z|^8 / 5 < 2e-17 relative at |z| < 1e-2
    acc = jnp.zeros_like(z)
    for n in range(9, 1, -1):
        acc = (1.0 if n % 2 else -1.0) / n + z * acc
    return jnp.where(jnp.abs(z) < _SERIES_RADIUS, z * z * acc, stable_log1p(z) - z)


def expm1_complex(e: Complex[Array, "..."]) -> Complex[Array, "..."]:
    """``exp(e) - 1`` for complex ``e`` without cancellation."""
    x, y = jnp.real(e), jnp.imag(e)
    s = jnp.sin(0.5 * y)
    return jax.lax.complex(jnp.expm1(x) * jnp.cos(y) - 2.0 * s * s, jnp.exp(x) * jnp.sin(y))


def power_m(z: Complex[Array, "..."], m) -> Complex[Array, "..."]:
    """``(1 + z)**m`` as ``exp(m log1p(z))``: stable for tiny ``z`` and huge ``m``.

    One compiled kernel (an eager call is one fused pass, not a dozen full-size temporaries);
    inlined into an enclosing ``jit``. ``m`` is cast to ``z``'s real dtype before the boundary and
    traced, so one compilation serves every ``m``.
    """
    z = jnp.asarray(z)
    return _power_m(z, jnp.asarray(m, real_dtype(z)))


def _polar_power(lz, m):
    """``exp(m lz)`` from real parts: ``|1+z| <= 1`` in every sketch, so the overflow guard of the
    complex ``exp`` is never needed (one real ``exp``, one ``cos``, one ``sin``)."""
    mag = jnp.exp(m * jnp.real(lz))
    ph = m * jnp.imag(lz)
    return jax.lax.complex(mag * jnp.cos(ph), mag * jnp.sin(ph))


@jax.jit
def _power_m(z, m):
    return _polar_power(stable_log1p(z), m)


def expected_phase(p, theta, m) -> Complex[Array, "..."]:
    """``E[exp(i theta n / m)]`` for ``n ~ Binomial(m, p)``: ``(1 + p (e^{i theta/m} - 1))^m``, the
    averaged orthogonal sketch (DESIGN.md 1.2), as one fused kernel, stable for tiny angles and huge
    ``m``. ``m`` is traced (one compilation for every ``m``) and differentiable."""
    theta = jnp.asarray(theta)
    return _expected_phase(jnp.asarray(p), theta, jnp.asarray(m, real_dtype(theta)))


@jax.jit
def _expected_phase(p, theta, m):
    return _polar_power(stable_log1p(real_times(p, stable_expm1i(theta / m))), m)


# ----------------------------------------------------------------------------- the orthogonal channel


def chi_exponent(p_j, theta_j, p_k, theta_k, m) -> tuple[Array, Array]:
    """``(phase, rest)`` with ``chi_jk = exp(i phase + rest)`` for two *different* cells ``j, k``.

    The averaged channel of the orthogonal sketch is ``chi_jk = (1 + z_jk)^m`` with
    ``z_jk = p_j (e^{i a_j} - 1) + p_k (e^{-i a_k} - 1)``, ``a = theta / m`` (DESIGN.md 1.2). Writing
    ``e^{ia} - 1 = ia + g(a)``, ``m log(1 + z) = i phase + rest`` with ``phase = p_j theta_j -
    p_k theta_k`` (exactly the ideal ``u_j conj(u_k)``) and ``rest = m (log1p(z) - z) + m (p_j g(a_j)
    + p_k conj g(a_k))``, both free of cancellation, so ``chi - u u^dagger = e^{i phase}
    expm1(rest)`` is accurate to a few ulps relative at any ``m``. Arguments broadcast: the per-cell
    pieces are computed on the arguments' own shapes (pass ``x[:, None]`` and ``x[None, :]`` for a
    matrix). A cell paired with nothing (``p_k = 0``) gives ``E[V]_j``'s exponent.
    """
    m = jnp.asarray(m, jnp.result_type(theta_j, theta_k))
    a_j, a_k = theta_j / m, theta_k / m
    z = real_times(p_j, stable_expm1i(a_j)) + real_times(p_k, jnp.conj(stable_expm1i(a_k)))
    zg = real_times(p_j, expm1i_minus_linear(a_j)) + real_times(p_k, jnp.conj(expm1i_minus_linear(a_k)))
    rest = real_times(m, log1p_minus_id(z) + zg)
    return p_j * theta_j - p_k * theta_k, rest


def orthogonal_chi(p_j, theta_j, p_k, theta_k, m) -> Complex[Array, "..."]:
    """``chi_jk = (1 + p_j (e^{i a_j} - 1) + p_k (e^{-i a_k} - 1))^m`` (see :func:`chi_exponent`)."""
    phase, rest = jnp.broadcast_arrays(*chi_exponent(p_j, theta_j, p_k, theta_k, m))
    return jnp.exp(jax.lax.complex(jnp.real(rest), jnp.imag(rest) + phase))


def orthogonal_chi_minus_target(p_j, theta_j, p_k, theta_k, m) -> Complex[Array, "..."]:
    """``chi_jk - u_j conj(u_k)`` with ``u = exp(i p theta)``, without cancellation."""
    phase, rest = jnp.broadcast_arrays(*chi_exponent(p_j, theta_j, p_k, theta_k, m))
    return jax.lax.complex(jnp.cos(phase), jnp.sin(phase)) * expm1_complex(rest)
