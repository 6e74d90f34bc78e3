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
from ._linear import (
    FILTER_REMEZ_MAX_DEGREE,
    AlgorithmResult,
    filter_polynomial,
    linear_solve,
    pca,
    pca_degree,
    ridge,
    ridge_kappa,
    solver_polynomial,
)

__all__ = [
    "AlgorithmResult",
    "FILTER_REMEZ_MAX_DEGREE",
    "filter_polynomial",
    "linear_solve",
    "pca",
    "pca_degree",
    "ridge",
    "ridge_kappa",
    "solver_polynomial",
    "diffusion",
    "diffusion_dm",
    "grover_ideal_success",
    "GROVER_MODES",
    "grover_optimal_iterations",
    "grover_state",
    "grover_success",
    "grover_success_curve",
]
