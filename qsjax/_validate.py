"""Input checks shared by the public API.

Checks run only on concrete (non-traced) values: inside ``jit``/``vmap`` the caller's arrays are
abstract and the checks are skipped, so validated constructors stay transformable.
"""

from __future__ import annotations

import numbers

import jax
import jax.numpy as jnp
import numpy as np


def is_concrete(x) -> bool:
    """True when ``x`` holds actual values (not a tracer inside jit/vmap/grad)."""
    return not isinstance(x, jax.core.Tracer)


def float_array(x, name: str) -> jax.Array:
    """``x`` as a real floating array (bool/int promoted to the default float dtype)."""
    if isinstance(x, str) or x is None:
        raise TypeError(f"{name} must be an array of numbers, got {type(x).__name__}")
    try:
        arr = jnp.asarray(x)
    except TypeError as exc:
        raise TypeError(f"{name} must be an array of numbers, got {type(x).__name__}") from exc
    if jnp.issubdtype(arr.dtype, jnp.complexfloating):
        raise TypeError(f"{name} must be real, got dtype {arr.dtype}")
    if not jnp.issubdtype(arr.dtype, jnp.floating):
        arr = arr.astype(jnp.result_type(float))
    return arr


def check_finite(arr, name: str) -> None:
    if is_concrete(arr) and not bool(jnp.all(jnp.isfinite(arr))):
        bad = np.flatnonzero(~np.isfinite(np.asarray(arr)).ravel())[:5]
        raise ValueError(f"{name} contains NaN or inf (first flat positions {bad.tolist()})")


def check_binary(arr, name: str) -> None:
    if is_concrete(arr):
        a = np.asarray(arr)
        ok = (a == 0) | (a == 1)
        if not ok.all():
            pos = np.flatnonzero(~ok.ravel())[:5]
            raise ValueError(
                f"{name} must contain only 0 and 1, got {a.ravel()[pos].tolist()} at flat positions "
                f"{pos.tolist()}"
            )


def check_probabilities(p, dim: int, name: str = "p") -> jax.Array:
    """A probability vector over ``dim`` cells: non-negative, finite, summing to 1 (tol 1e-6)."""
    p = float_array(p, name)
    if p.shape != (dim,):
        raise ValueError(f"{name} must have shape ({dim},) to match the data, got {p.shape}")
    check_finite(p, name)
    if is_concrete(p):
        a = np.asarray(p, dtype=np.float64)
        if (a < 0).any():
            raise ValueError(f"{name} must be non-negative, got min {a.min()!r}")
        tol = 1e-6 if p.dtype == jnp.float32 else 1e-10
        if abs(a.sum() - 1.0) > tol * max(1.0, dim**0.5):
            raise ValueError(f"{name} must sum to 1, got sum {a.sum()!r}")
    return p


def sample_count(m, name: str = "m", *, allow_traced: bool = True):
    """A positive integer number of samples.

    Accepts Python ints, integral floats such as ``1e12`` and integer/float scalar arrays. Inside a
    transformation (``allow_traced``) a traced scalar is passed through unchecked.
    """
    if isinstance(m, bool) or m is None:
        raise TypeError(f"{name} must be a positive integer number of samples, got {m!r}")
    if isinstance(m, jax.core.Tracer):
        if not allow_traced:
            raise TypeError(
                f"{name} must be a concrete integer here (it sets loop lengths), got a traced value"
            )
        return m
    if isinstance(m, numbers.Integral):
        value = int(m)
    elif isinstance(m, numbers.Real) or (hasattr(m, "shape") and np.shape(m) == ()):
        f = float(np.asarray(m))
        if not np.isfinite(f) or f != np.floor(f):
            raise ValueError(f"{name} must be a positive integer number of samples, got {m!r}")
        value = int(f)
    else:
        raise TypeError(f"{name} must be a positive integer number of samples, got {type(m).__name__}")
    if value <= 0:
        raise ValueError(f"{name} must be a positive integer number of samples, got {value}")
    return value


def positive_real(m, name: str = "m"):
    """A positive real sample count (the ``expected``/``channel`` formulas extend to real M, which
    makes them differentiable in M). Traced values pass through unchecked."""
    if isinstance(m, bool) or m is None:
        raise TypeError(f"{name} must be a positive number of samples, got {m!r}")
    if isinstance(m, jax.core.Tracer):
        return m
    try:
        f = float(np.asarray(m))
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a positive number of samples, got {type(m).__name__}") from exc
    if not np.isfinite(f) or f <= 0:
        raise ValueError(f"{name} must be a positive, finite number of samples, got {m!r}")
    return m


def positive_int(k, name: str) -> int:
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or int(k) <= 0:
        raise ValueError(f"{name} must be a positive integer, got {k!r}")
    return int(k)


def check_mode(mode: str, allowed) -> str:
    if mode not in allowed:
        raise ValueError(f"mode must be one of {sorted(allowed)}, got {mode!r}")
    return mode
