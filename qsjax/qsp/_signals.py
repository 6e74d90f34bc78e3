"""Validation of QSP phases and of block-encoded signals (real values in [-1, 1], or explicit
contractive 2x2 blocks), shared by the engine, the diagonal encoding and the QSP products."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
from jaxtyping import Array

from .._internal.validate import check_finite, float_array, is_concrete
from ._result import QSPPhases


def safe_sqrt_1m(x):
    """sqrt(1 - x^2) clipped at 0, with a finite gradient at |x| = 1."""
    u = 1.0 - x * x
    pos = u > 0
    return jnp.where(pos, jnp.sqrt(jnp.where(pos, u, 1.0)), 0.0)


# ----------------------------------------------------------------------------------------------
# QSVT on diagonal block encodings
# ----------------------------------------------------------------------------------------------


def phase_array(phases, name: str = "phases") -> Array:
    """Phases as a 1-D real, finite array (a :class:`QSPPhases` result is accepted directly).

    Complex phases raise ``TypeError`` (their imaginary part would otherwise be dropped), a wrong
    shape or (when concrete) NaN/inf raise ``ValueError``.
    """
    if isinstance(phases, QSPPhases):
        phases = phases.phases
    phases = float_array(phases, name)
    if phases.ndim != 1 or phases.shape[0] < 1:
        raise ValueError(f"{name} must be a 1-D array of shape (d + 1,), got shape {phases.shape}")
    with jax.ensure_compile_time_eval():
        check_finite(phases, name)
    return phases


def _signal_tol(dtype) -> float:
    """How far a block-encoded value may stray outside [-1, 1] by rounding: 1e-6 (or 8 ulp)."""
    return max(1e-6, 8.0 * float(jnp.finfo(dtype).eps))


def real_signal(x, name: str) -> Array:
    """A real signal of block-encoded values in ``[-1, 1]`` (range and finiteness checked when
    concrete; complex dtypes are refused always, since the dtype is known even under ``jit``)."""
    if isinstance(x, str | bytes) or x is None:
        raise TypeError(f"{name} must be an array of real values in [-1, 1], got {type(x).__name__}")
    try:
        x = jnp.asarray(x)
    except TypeError as exc:
        raise TypeError(f"{name} must be an array of real values in [-1, 1], got {type(x).__name__}") from exc
    if jnp.issubdtype(x.dtype, jnp.complexfloating):
        raise TypeError(
            f"{name} must be real (block-encoded values in [-1, 1]), got dtype {x.dtype}; pass "
            f"jnp.real({name}) if its imaginary part is zero, or explicit 2x2 blocks (convention='unitary')"
        )
    if not jnp.issubdtype(x.dtype, jnp.floating):
        x = x.astype(jnp.result_type(float))
    if is_concrete(x) and x.size:
        with jax.ensure_compile_time_eval():  # a concrete constant closed over by a jit stays concrete
            amax = float(jnp.max(jnp.abs(x)))
            if not math.isfinite(amax):
                check_finite(x, name)
        tol = _signal_tol(x.dtype)
        if amax > 1.0 + tol:
            raise ValueError(
                f"{name} must lie in [-1, 1] (block-encoded values; tolerance {tol:g}), got max |{name}| = "
                f"{amax!r}: rescale it (e.g. divide by its largest magnitude)"
            )
    return x


def block_signal(blocks, name: str) -> Array:
    """Explicit per-entry 2x2 blocks: finite contractions (spectral norm <= 1 within tolerance)."""
    if isinstance(blocks, str | bytes) or blocks is None:
        raise TypeError(f"{name} must be an array of 2x2 blocks, got {type(blocks).__name__}")
    blocks = jnp.asarray(blocks)
    if not jnp.issubdtype(blocks.dtype, jnp.inexact):
        blocks = blocks.astype(jnp.result_type(float))
    if is_concrete(blocks) and blocks.size and blocks.shape[-2:] == (2, 2):
        with jax.ensure_compile_time_eval():
            check_finite(blocks, name)
            b = blocks
            fro2 = jnp.sum(jnp.abs(b) ** 2, axis=(-2, -1))
            det = b[..., 0, 0] * b[..., 1, 1] - b[..., 0, 1] * b[..., 1, 0]
            disc = jnp.maximum(fro2 * fro2 - 4.0 * jnp.abs(det) ** 2, 0.0)
            smax = float(jnp.sqrt(jnp.max(0.5 * (fro2 + jnp.sqrt(disc)))))
        tol = 10.0 * _signal_tol(jnp.finfo(blocks.dtype).dtype)
        if smax > 1.0 + tol:
            raise ValueError(
                f"{name} for convention='unitary' must hold unitary (at least contractive) 2x2 blocks, got a "
                f"block of spectral norm {smax!r} > 1 (tolerance {tol:g})"
            )
    return blocks
