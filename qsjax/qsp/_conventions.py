"""Phase conventions of QSP, in one place: the ``"wx"`` <-> reflection / projector shift (used by
:func:`convert_phases` for users and by the QSVT engine via :func:`circuit_phases`)."""

from __future__ import annotations

from typing import Literal

import jax.numpy as jnp
import numpy as np
from jaxtyping import ArrayLike

from ._result import QSPPhases

Convention = Literal["wx", "reflection", "projector", "wz"]


# ----------------------------------------------------------------------------------------------
# Conventions
# ----------------------------------------------------------------------------------------------


def convert_phases(
    phases: ArrayLike, *, source: Convention = "wx", target: Convention = "reflection"
) -> tuple[np.ndarray, complex]:
    """Convert phases between QSP conventions; exact for the full 2x2 matrix.

    Returns ``(new_phases, global_phase)`` such that
    ``U^source_phases(x) = global_phase * U^target_new_phases(x)`` for every ``x`` (with the
    ``"wz"`` products compared after the Hadamard conjugation ``U^wz = H U^wx H``, i.e. ``"wz"``
    shares the phases of ``"wx"`` and the polynomial moves to ``<+|U|+>``).

    * wx -> reflection / projector: ``phi_0 - pi/4, phi_1 - pi/2, ..., phi_{d-1} - pi/2,
      phi_d - pi/4`` with global phase ``i^d`` (for ``d = 0`` nothing changes).
    * reflection <-> projector: identical (one ancilla qubit: ``2 Pi - I = Z``).

    Parameters
    ----------
    phases : array, shape (d + 1,), real
    source, target : {"wx", "reflection", "projector", "wz"}

    Returns
    -------
    (numpy.ndarray of shape (d + 1,), complex)
    """
    valid = ("wx", "reflection", "projector", "wz")
    for name, val in (("source", source), ("target", target)):
        if val not in valid:
            raise ValueError(f"{name} must be one of {valid}, got {val!r}")
    if isinstance(phases, QSPPhases):
        phases = phases.phases
    if isinstance(phases, str | bytes) or phases is None:
        raise TypeError(f"phases must be a 1-D array of real phases, got {type(phases).__name__}")
    ph = np.asarray(phases)
    if np.iscomplexobj(ph):
        raise TypeError(f"phases must be real, got dtype {ph.dtype}")
    try:
        ph = np.array(ph, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"phases must be a 1-D array of real phases, got dtype {ph.dtype}") from exc
    if ph.ndim != 1 or ph.size == 0:
        raise ValueError(f"phases must be a 1-D array of shape (d + 1,), d >= 0, got shape {ph.shape}")
    if not np.all(np.isfinite(ph)):
        raise ValueError("phases contains NaN or inf")
    d = ph.size - 1

    def family(conv):
        return "wx" if conv in ("wx", "wz") else "reflection"

    src, dst = family(source), family(target)
    if src == dst:
        return ph, complex(1.0)
    shift, gphase = _reflection_shift(d), complex(1j ** (d % 4))
    if src == "wx":  # U^wx_phi = i^d U^R_{phi - shift}
        return ph - shift, gphase
    return ph + shift, complex(np.conj(gphase))  # U^R_phi' = (-i)^d U^wx_{phi' + shift}


def _reflection_shift(d: int) -> np.ndarray:
    """``phi^wx - phi^R``: ``pi/4`` at both ends, ``pi/2`` inside (nothing for ``d = 0``)."""
    shift = np.full(d + 1, np.pi / 2)
    shift[0] = shift[-1] = np.pi / 4
    return shift if d else np.zeros(1)


def reflection_phases(phases):
    """wx phases -> reflection phases (traceable), and the global phase exponent d mod 4."""
    d = phases.shape[0] - 1
    return phases - jnp.asarray(_reflection_shift(d), phases.dtype), d % 4


def circuit_phases(phases, signal_convention: str):
    """The phases a circuit applies for ``"wx"`` phases, and the exponent ``e`` of its global phase
    ``i^e``: unchanged for ``"wx"`` signal operators, the reflection shift for ``"projector"``."""
    if signal_convention == "wx":
        return phases, 0
    if signal_convention == "projector":
        return reflection_phases(phases)
    raise ValueError(f"signal_convention must be 'wx' or 'projector', got {signal_convention!r}")


def i_power(k: int, dtype):
    """``i^k`` as a scalar of ``dtype``."""
    return jnp.asarray((1.0, 1j, -1.0, -1j)[k % 4], dtype=dtype)
