"""Quantum algorithms on sketched oracles: Grover search in every mode; QSVT linear solve, ridge /
LS-SVM and PCA on sketched sparse-access block encodings."""

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
from ._linear import AlgorithmResult, linear_solve, pca, ridge

__all__ = [
    "AlgorithmResult",
    "linear_solve",
    "pca",
    "ridge",
    "diffusion",
    "diffusion_dm",
    "grover_ideal_success",
    "GROVER_MODES",
    "grover_optimal_iterations",
    "grover_state",
    "grover_success",
    "grover_success_curve",
]
