"""Fixed-point amplitude amplification (Yoder-Low-Chuang): the sequence length for a target success
``1 - delta^2``, its phases, and the success it reaches as a function of the initial overlap."""

from __future__ import annotations

import math
import numbers

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from .._internal.validate import check_finite, float_array, is_concrete

# ----------------------------------------------------------------------------- fixed-point AA


def _real_scalar(value, name: str, expected: str) -> float:
    """A concrete real scalar (Python/NumPy number or 0-d array); TypeError for anything else."""
    if isinstance(value, bool | str | bytes) or value is None:
        raise TypeError(f"{name} must be a real number {expected}, got {value!r}")
    if isinstance(value, jax.core.Tracer):
        raise TypeError(f"{name} must be a concrete real number {expected} here, got a traced value")
    arr = np.asarray(value)
    if arr.shape != ():
        raise ValueError(f"{name} must be a scalar {expected}, got shape {arr.shape}")
    if not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
        raise TypeError(f"{name} must be a real number {expected}, got {value!r} (dtype {arr.dtype})")
    return float(arr)


def _delta(delta) -> float:
    d = _real_scalar(delta, "delta", "in (0, 1)")
    if not 0.0 < d < 1.0:
        raise ValueError(f"delta must be in (0, 1) (target success 1 - delta^2), got {delta}")
    return d


def _check_delta_array(delta) -> None:
    """``delta`` in (0, 1) when concrete (it may be traced where the length is given)."""
    if isinstance(delta, jax.core.Tracer):
        return
    if isinstance(delta, bool | str | bytes) or delta is None:
        raise TypeError(f"delta must be a real number in (0, 1), got {delta!r}")
    d = np.asarray(delta)
    if not (np.issubdtype(d.dtype, np.floating) or np.issubdtype(d.dtype, np.integer)):
        raise TypeError(f"delta must be a real number in (0, 1), got {delta!r}")
    if not np.all((d > 0.0) & (d < 1.0)):
        raise ValueError(f"delta must be in (0, 1) (target success 1 - delta^2), got {delta}")


def fixed_point_length(delta: float, w: float) -> int:
    """Smallest odd ``L = 2l + 1`` with success ``>= 1 - delta^2`` for every initial ``lam >= w``.

    From ``1 - gamma^2 <= w``: ``L >= arccosh(1/delta) / arccosh(1/sqrt(1 - w))`` (about
    ``log(2/delta) / sqrt(w)`` for small ``w``).
    """
    d = _delta(delta)
    w = _real_scalar(w, "w", "in (0, 1]")
    if not 0.0 < w <= 1.0:
        raise ValueError(f"w must be in (0, 1] (a lower bound on the initial success), got {w}")
    if w == 1.0:
        return 1
    # arccosh(1/sqrt(1 - w)) = arcsinh(sqrt(w / (1 - w))): no cancellation for tiny w
    need = math.acosh(1.0 / d) / math.asinh(math.sqrt(w / (1.0 - w)))
    length = max(1, math.ceil(need - 1e-12))
    return length if length % 2 else length + 1


def _length(length) -> int:
    if (
        isinstance(length, bool)
        or not isinstance(length, numbers.Integral | np.integer)
        or length < 1
        or length % 2 == 0
    ):
        raise ValueError(f"length must be an odd positive integer L = 2l + 1, got {length!r}")
    return int(length)


def fixed_point_phases(delta, w=None, *, length=None) -> tuple[Float[Array, " l"], Float[Array, " l"]]:
    """The YLC phases ``(alpha, beta)``, each of length ``l = (L - 1) / 2``.

    ``beta_j`` is the oracle phase (on the good subspace) and ``alpha_j`` the phase of the reflection
    about ``A|s0>`` in step ``j`` (see :func:`amplitude_amplification`). Give ``w`` (``L`` from
    :func:`fixed_point_length`) or ``length`` directly. Closed form:
    ``alpha_j = -beta_{l+1-j} = 2 arccot(tan(2 pi j / L) sqrt(1 - gamma^2))``,
    ``1/gamma = cosh(arccosh(1/delta) / L)``. ``delta`` may be traced when ``length`` is given.
    """
    if length is None:
        if w is None:
            raise ValueError("give w (the lower bound on the initial success) or length")
        length = fixed_point_length(delta, w)
    else:
        if w is not None:
            raise ValueError("give either w or length, not both (length fixes the sequence)")
        length = _length(length)
        _check_delta_array(delta)
    ell = (length - 1) // 2
    dtype = jnp.result_type(float)
    d = jnp.asarray(delta, dtype)
    inv_gamma = jnp.cosh(jnp.arccosh(1.0 / d) / length)
    s = jnp.sqrt(1.0 - 1.0 / inv_gamma**2)
    j = jnp.arange(1, ell + 1, dtype=dtype)
    # 2 arccot(x) = pi - 2 arctan(x); the arccot branch only shifts alpha by 2 pi.
    alpha = jnp.pi - 2.0 * jnp.arctan(jnp.tan(2.0 * jnp.pi * j / length) * s)
    beta = -alpha[::-1]
    return alpha, beta


def _chebyshev(order, x):
    """``T_order(x)`` for real ``x >= 0`` (any real order): cos branch on [0, 1], cosh above."""
    # each branch sees only inputs where its derivative is finite (the other lanes get a harmless
    # stand-in), so where() never multiplies an infinite derivative by zero; T(1) = 1 exactly
    below, above = x < 1.0, x > 1.0
    xc = jnp.where(below, jnp.clip(x, 0.0, 1.0), 0.5)
    xo = jnp.where(above, x, 2.0)
    inner = jnp.cos(order * jnp.arccos(xc))
    outer = jnp.cosh(order * jnp.arccosh(xo))
    return jnp.where(below, inner, jnp.where(above, outer, jnp.ones_like(inner)))


def fixed_point_success(lam, delta, length) -> Float[Array, "..."]:
    """Exact YLC success ``1 - delta^2 T_L(T_{1/L}(1/delta) sqrt(1 - lam))^2`` for initial ``lam``.

    ``lam`` (the initial success probability, any shape) must lie in ``[0, 1]`` and ``delta`` in
    ``(0, 1)``; both are checked when concrete (they may be traced).
    """
    length = _length(length)
    _check_delta_array(delta)
    dtype = jnp.result_type(float)
    lam = float_array(lam, "lam")
    if is_concrete(lam) and lam.size:
        with jax.ensure_compile_time_eval():
            check_finite(lam, "lam")
            lo, hi = float(jnp.min(lam)), float(jnp.max(lam))
        tol = 8 * float(jnp.finfo(lam.dtype).eps)  # rounding of a computed probability
        if lo < -tol or hi > 1.0 + tol:
            raise ValueError(f"lam must be a success probability in [0, 1], got values in [{lo!r}, {hi!r}]")
    lam = lam.astype(dtype)
    d = jnp.asarray(delta, dtype)
    inv_gamma = _chebyshev(1.0 / length, 1.0 / d)
    return 1.0 - d**2 * _chebyshev(length, inv_gamma * jnp.sqrt(jnp.clip(1.0 - lam, 0.0))) ** 2
