"""Amplitude amplification with the QSVT phases of Yoder, Low and Chuang (fixed point): a preparation
and its inverse given as callables, one fresh realisation per application allowed."""

from __future__ import annotations

import math
from collections.abc import Callable

import jax
import jax.numpy as jnp
from jaxtyping import Array, Complex, Float

from .._internal.dtypes import complex_dtype
from .._internal.validate import check_binary, check_finite, float_array, is_concrete
from ..qsp._fixed_point import fixed_point_phases


def _check_normalised(state, name: str) -> None:
    """A concrete state must have unit norm (tolerance scaled to its precision and size)."""
    if not is_concrete(state):
        return
    with jax.ensure_compile_time_eval():  # a concrete constant closed over by a jit stays concrete
        check_finite(state, name)
        norm2 = float(jnp.sum(jnp.abs(state) ** 2))
    single = jnp.issubdtype(state.dtype, jnp.inexact) and jnp.finfo(state.dtype).bits <= 32
    tol = (1e-6 if single else 1e-10) * max(1.0, math.sqrt(state.size))
    if abs(norm2 - 1.0) > tol:
        raise ValueError(
            f"{name} must be a normalised state (sum |{name}|^2 = 1 within {tol:.1e}), got sum |{name}|^2 = "
            f"{norm2!r}; divide it by its norm"
        )


def _same_shape(out, shape, name: str):
    out = jnp.asarray(out)
    if out.shape != tuple(shape):
        raise ValueError(f"{name} must return a state of the input shape {tuple(shape)}, got {out.shape}")
    return out


def amplitude_amplification(
    prepare: Callable,
    unprepare: Callable,
    good: Array,
    alpha: Float[Array, " l"],
    beta: Float[Array, " l"],
    *,
    start: Complex[Array, "..."] | None = None,
    indexed: bool = False,
) -> Complex[Array, "..."]:
    """Generalised amplitude amplification: ``G(alpha_l, beta_l) ... G(alpha_1, beta_1) A|s0>``.

    Each step applies ``S_t(beta_j)`` (phase ``e^{i beta_j}`` on the good subspace), then ``A^dagger``,
    ``S_0(alpha_j) = I - (1 - e^{-i alpha_j}) |s0><s0|``, ``A`` and a global sign ``-1`` (YLC's
    ``G = -S_s S_t``). All phases ``pi`` give standard amplitude amplification (Grover). A ``lax.scan``
    over the phase list; ``A`` is called ``2l + 1`` times.

    Parameters
    ----------
    prepare, unprepare : callables ``A`` and ``A^dagger`` mapping a state to a state of the same shape
        (a plain state (N,) or a structured register (A, N), ancilla-major). With ``indexed=True``
        they are called as ``prepare(state, i)`` with the call number ``i`` (0 for the first ``A``,
        then ``2j + 1`` for the ``A^dagger`` and ``2j + 2`` for the ``A`` of step ``j``), so a
        sketched ``A`` can draw fresh samples per call (``fold_in(key, i)``).
    good : 0/1 mask of the good subspace, broadcastable to the state's shape.
    alpha, beta : phase lists of equal length ``l`` (e.g. :func:`fixed_point_phases`).
    start : the initial state ``|s0>`` (default: basis state 0 with ``good``'s shape); must be
        normalised (checked when concrete; ``good`` must broadcast to its shape and ``prepare`` /
        ``unprepare`` must return states of that shape).

    Returns the final state; its success probability is ``sum(good * |state|^2)``.
    """
    if not callable(prepare) or not callable(unprepare):
        raise TypeError(
            f"prepare and unprepare must be callables (A and A^dagger), got {type(prepare).__name__} "
            f"and {type(unprepare).__name__}"
        )
    good = jnp.asarray(good)
    if jnp.issubdtype(good.dtype, jnp.complexfloating):
        raise TypeError(f"good must be a real 0/1 mask, got dtype {good.dtype}")
    if good.dtype != bool:
        check_binary(good, "good")
    if start is None:
        dtype = complex_dtype(good)
        start = jnp.zeros(good.shape, dtype).reshape(-1).at[0].set(1.0).reshape(good.shape)
    start = jnp.asarray(start)
    if start.ndim < 1 or start.size == 0:
        raise ValueError(f"start must be a non-empty state array, got shape {start.shape}")
    try:
        compatible = jnp.broadcast_shapes(good.shape, start.shape) == start.shape
    except ValueError:
        compatible = False
    if not compatible:
        raise ValueError(f"good has shape {good.shape}, not broadcastable to the state shape {start.shape}")
    _check_normalised(start, "start")
    if good.dtype != bool:
        good = good != 0
    alpha = float_array(alpha, "alpha")
    beta = float_array(beta, "beta")
    if alpha.ndim != 1 or alpha.shape != beta.shape:
        raise ValueError(f"alpha and beta must be 1-D of equal length, got {alpha.shape} and {beta.shape}")
    with jax.ensure_compile_time_eval():
        check_finite(alpha, "alpha")
        check_finite(beta, "beta")

    def a(psi, i):
        return prepare(psi, i) if indexed else prepare(psi)

    def a_dag(psi, i):
        return unprepare(psi, i) if indexed else unprepare(psi)

    psi = _same_shape(a(start, 0), start.shape, "prepare")
    cdtype = complex_dtype(psi, start)
    psi = psi.astype(cdtype)
    s0 = start.astype(cdtype)
    axes = tuple(range(s0.ndim))

    def step(psi, xs):
        al, be, j = xs
        psi = jnp.where(good, jax.lax.complex(jnp.cos(be), jnp.sin(be)).astype(cdtype) * psi, psi)
        phi = _same_shape(a_dag(psi, 2 * j + 1), s0.shape, "unprepare").astype(cdtype)
        overlap = jnp.sum(jnp.conj(s0) * phi, axis=axes)
        phi = phi - (1.0 - jax.lax.complex(jnp.cos(al), -jnp.sin(al))).astype(cdtype) * overlap * s0
        return -_same_shape(a(phi, 2 * j + 2), s0.shape, "prepare").astype(cdtype), None

    steps = jnp.arange(alpha.shape[0])
    psi, _ = jax.lax.scan(step, psi, (alpha, beta, steps))
    return psi


def fixed_point_amplify(
    prepare: Callable,
    unprepare: Callable,
    good: Array,
    delta: float,
    w: float,
    *,
    start: Complex[Array, "..."] | None = None,
    indexed: bool = False,
) -> Complex[Array, "..."]:
    """YLC fixed-point amplification: success ``>= 1 - delta^2`` whenever the initial one is ``>= w``.

    Uses ``L = fixed_point_length(delta, w)`` applications of ``A``/``A^dagger``; see
    :func:`amplitude_amplification` for the arguments.
    """
    alpha, beta = fixed_point_phases(delta, w)
    return amplitude_amplification(prepare, unprepare, good, alpha, beta, start=start, indexed=indexed)
