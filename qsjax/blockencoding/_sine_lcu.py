"""blockencoding/_sine_lcu."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
from jaxtyping import Array, Complex, Float

from .._internal.validate import check_finite, float_array, positive_int
from ..sketch._modes import DEFAULT_CHUNK, AbstractMode, Counts, Expected, Ideal, Sampled, as_mode

# ----------------------------------------------------------------------------- shared argument check

QUERY_MODES = tuple(cls.name for cls in (Ideal, Expected, Counts, Sampled))


def query_mode(mode, m=None, key=None, chunk_size: int = DEFAULT_CHUNK) -> AbstractMode:
    """The mode value of a circuit that queries a sketch once per QSVT step: one of
    ``QUERY_MODES`` given by name (with ``m``) or as a value; the key is checked when it draws."""
    mode = as_mode(mode, m, chunk_size=positive_int(chunk_size, "chunk_size"), allowed=QUERY_MODES)
    mode.check_key(key)
    return mode


def check_query_args(mode: str, m, key):
    """Validate ``(mode, m, key)`` for circuits that query a sketch once per QSVT step.

    ``expected`` accepts a positive real ``m`` (differentiable), ``counts`` an integer (traced ok),
    ``sampled`` a concrete integer (it sets loop lengths); ``counts`` and ``sampled`` need a single
    ``jax.random`` key (:func:`qsjax._validate.check_key`). Returns the checked ``m``.
    """
    if not isinstance(mode, str) or mode not in QUERY_MODES:
        raise ValueError(f"mode must be one of {sorted(QUERY_MODES)}, got {mode!r}")
    return query_mode(mode, m, key).samples if mode != "ideal" else m


def check_qsp_phases(qsp_phases, dtype, *, length: int | None = None) -> Float[Array, " d1"]:
    """QSP phases as a 1-D real, finite array of ``dtype`` with at least one entry (``length``
    entries when given): anything else raises ``TypeError`` (not real numbers) or ``ValueError``."""
    ph = float_array(qsp_phases, "qsp_phases")
    if ph.ndim != 1 or ph.shape[0] < 1:
        raise ValueError(
            "qsp_phases must be a 1-D array of phases phi_0..phi_d (at least one entry), got shape "
            f"{ph.shape}"
        )
    if length is not None and ph.shape != (length,):
        raise ValueError(
            f"qsp_phases must have shape ({length},) (degree + 1 phases), got {ph.shape}"
        )
    with jax.ensure_compile_time_eval():  # concrete phases are checked even while jit traces
        check_finite(ph, "qsp_phases")
    return ph.astype(dtype)


def sine_lcu_signal(v: Complex[Array, " N"]):
    """W-form per-entry signal ``(x, y)`` of the sine LCU from one realisation (or the average)
    ``v = E[e^{i phi}]`` of a diagonal phase oracle: ``x = Im v`` (``sin phi``), ``y = i Re v``."""
    return jnp.imag(v).astype(v.dtype), 1j * jnp.real(v)


def _rot_z(v, phase):
    """``e^{i phase Z}`` on the QSVT ancilla (last axis) of ``v`` (N, 2[lcu], 2[qsvt]).

    ``phase`` has shape (2,): one per LCU branch (+φ for branch 0, -φ for branch 1).
    """
    e = jnp.exp(1j * phase.astype(v.dtype))[None, :, None]
    return jnp.concatenate([v[..., :1] * e, v[..., 1:] * jnp.conj(e)], axis=-1)


def _apply_signal(v, x, y):
    """Per-entry ``[[x, y], [y, x]]`` on the QSVT ancilla."""
    a, b = v[..., 0], v[..., 1]
    x = x[:, None]
    y = y[:, None]
    return jnp.stack([x * a + y * b, y * a + x * b], axis=-1)


def _hadamard_lcu(v):
    a, b = v[:, 0], v[:, 1]
    return jnp.stack([a + b, a - b], axis=1) * math.sqrt(0.5)  # a Python float: keeps v's dtype


def apply_lcu_qsp(phases, signal, anc, *, adjoint: bool):
    """``H_lcu · (U_φ ⊕ U_{-φ}) · H_lcu`` per entry; ``U_φ = e^{iφ_0 Z} Π_{k=1..d} W_k e^{iφ_k Z}``.

    ``signal(q)`` returns the W-form signal of query ``q`` (q = 1..d, a fresh realisation each).
    The adjoint reverses the order, conjugates the signal and negates the phases.
    """
    d = phases.shape[0] - 1
    sgn = jnp.array([1.0, -1.0], dtype=jnp.real(anc).dtype)
    v = _hadamard_lcu(anc)
    if not adjoint:
        def body(v, k):
            q = d - k  # apply the rightmost factor first: k = 0 -> query d
            v = _rot_z(v, sgn * phases[q])
            x, y = signal(q)
            return _apply_signal(v, x, y), None

        v, _ = jax.lax.scan(body, v, jnp.arange(d))
        v = _rot_z(v, sgn * phases[0])
    else:
        v = _rot_z(v, -sgn * phases[0])

        def body(v, k):
            q = k + 1
            x, y = signal(q)
            v = _apply_signal(v, jnp.conj(x), jnp.conj(y))
            return _rot_z(v, -sgn * phases[q]), None

        v, _ = jax.lax.scan(body, v, jnp.arange(d))
    return _hadamard_lcu(v)
