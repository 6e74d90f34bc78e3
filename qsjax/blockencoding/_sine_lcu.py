"""The sine LCU of a phase sketch as a block encoding (:class:`SineLCUEncoding`), and the argument
checks shared by the circuits that query a sketch once per QSVT step."""

from __future__ import annotations

from typing import ClassVar

import jax
import jax.numpy as jnp
from jaxtyping import Array, Complex, Float

from .._internal.validate import check_finite, float_array, positive_int
from ..qsp._qsvt import AbstractBlockEncoding
from ..sketch._modes import (
    DEFAULT_CHUNK,
    AbstractMode,
    AbstractSketch,
    Counts,
    Expected,
    Ideal,
    Sampled,
    as_mode,
)

# ----------------------------------------------------------------------------- shared argument check

QUERY_MODES = tuple(cls.name for cls in (Ideal, Expected, Counts, Sampled))


def query_mode(mode, m=None, key=None, chunk_size: int = DEFAULT_CHUNK) -> AbstractMode:
    """The mode value of a circuit that queries a sketch once per QSVT step: one of
    ``QUERY_MODES`` given by name (with ``m``) or as a value; the key is checked when it draws."""
    mode = as_mode(mode, m, chunk_size=positive_int(chunk_size, "chunk_size"), allowed=QUERY_MODES)
    mode.check_key(key)
    return mode


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
        raise ValueError(f"qsp_phases must have shape ({length},) (degree + 1 phases), got {ph.shape}")
    with jax.ensure_compile_time_eval():  # concrete phases are checked even while jit traces
        check_finite(ph, "qsp_phases")
    return ph.astype(dtype)


def sine_lcu_signal(v: Complex[Array, " N"]):
    """W-form per-entry signal ``(x, y)`` of the sine LCU from one realisation (or the average)
    ``v = E[e^{i phi}]`` of a diagonal phase oracle: ``x = Im v`` (``sin phi``), ``y = i Re v``."""
    re = jnp.real(v)
    return jnp.imag(v).astype(v.dtype), jax.lax.complex(jnp.zeros_like(re), re)


class SineLCUEncoding(AbstractBlockEncoding):
    """The sine LCU of a diagonal phase sketch ``V = diag(e^{i phi})`` in a mode.

    ``V`` and ``V^dagger``, combined by one LCU ancilla, block-encode ``sin(phi)``: per entry the
    ``W``-form block ``[[sin phi, i cos phi], [i cos phi, sin phi]]`` (on average, in ``expected``
    mode: ``[[Im v, i Re v], [i Re v, Im v]]`` with ``v = E[e^{i phi}]``). Query ``k`` evaluates the
    sketch with ``mode.query_key(key, k)``: a fresh realisation per query in the random modes.
    """

    sketch: AbstractSketch
    mode: AbstractMode
    key: Array | None

    signal_convention: ClassVar[str] = "wx"

    @property
    def num_ancillas(self) -> int:
        return 1

    def realisation(self, k):
        return sine_lcu_signal(self.mode.evaluate(self.sketch, self.mode.query_key(self.key, k)))

    def apply_realisation(self, r, state, *, adjoint: bool):
        x, y = r
        if adjoint:  # [[x, y], [y, x]]^dagger = [[x*, y*], [y*, x*]]
            x, y = jnp.conj(x), jnp.conj(y)
        a, b = state[..., 0, :], state[..., 1, :]
        return jnp.stack([x * a + y * b, y * a + x * b], axis=-2)
