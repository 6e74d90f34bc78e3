"""Quantum algorithms on sketched oracles: Grover search in every mode."""

from ._grover import (
    GROVER_MODES,
    diffusion,
    diffusion_dm,
    grover_ideal_success,
    grover_optimal_iterations,
    grover_state,
    grover_success,
    grover_success_curve,
)

__all__ = [
    "diffusion",
    "diffusion_dm",
    "grover_ideal_success",
    "GROVER_MODES",
    "grover_optimal_iterations",
    "grover_state",
    "grover_success",
    "grover_success_curve",
]
