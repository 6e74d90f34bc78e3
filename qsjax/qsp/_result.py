"""The result of phase finding (:class:`QSPPhases`) and its failure (:class:`QSPConvergenceError`)."""

from __future__ import annotations

import equinox as eqx
import numpy as np


class QSPConvergenceError(RuntimeError):
    """Phase finding did not reach the requested tolerance (or failed its grid verification)."""


class QSPPhases(eqx.Module):
    """Result of :func:`find_phases`: an ``equinox.Module`` (a pytree), so it passes through
    ``jit``/``vmap`` as an argument. ``phases`` and ``reduced`` are the leaves (float64 numpy arrays
    as returned; traced inside a transformation); the rest is static metadata.

    Attributes
    ----------
    phases : numpy.ndarray, shape (d + 1,), float64
        Symmetric phases in the ``"wx"`` convention: ``Re <0|U_phi(x)|0> = P(x)``.
    reduced : numpy.ndarray, shape (ceil((d + 1) / 2),), float64
        The independent phases ``psi`` (``psi[0]`` is the middle one; ``phi_0 = pi/4 + psi[-1]``).
    degree : int
    parity : int
    method : str
        ``"fpi"``, ``"fpi+newton"``, ``"newton"`` or ``"nlft"`` (Weiss complementary polynomial and
        fast inverse nonlinear Fourier transform, the default from degree 500 where its grid is
        feasible; see :func:`qsjax.find_phases`).
    iterations : int
        Fixed-point plus Newton iterations used; for ``"nlft"``, the inverse-NLFT passes.
    residual : float
        Max-abs Chebyshev-coefficient residual at the returned phases.
    max_error : float
        Max ``|Re <0|U_phi(x)|0> - P(x)|`` on the verification grid.
    """

    phases: np.ndarray
    reduced: np.ndarray
    degree: int = eqx.field(static=True)
    parity: int = eqx.field(static=True)
    method: str = eqx.field(static=True)
    iterations: int = eqx.field(static=True)
    residual: float = eqx.field(static=True)
    max_error: float = eqx.field(static=True)
    convention: str = eqx.field(static=True, default="wx")

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self.phases, dtype=dtype)
