"""Statevector and density-matrix kernels on registers whose last axis has length ``N = 2**n``."""

from .._internal.validate import num_qubits
from ._clifford import (
    apply_clifford,
    apply_hadamards,
    apply_linear_map,
    apply_quadratic_phase,
    clifford_amplitudes,
    clifford_unitary,
    measure_clifford,
    stabilizer_state,
)
from ._density import apply_diagonal_dm, apply_schur_channel, density_matrix
from ._sampling import MAX_SHOTS, sample_histogram, sample_shots
from ._statevector import (
    apply_1q,
    apply_ancilla_gate,
    apply_blockwise,
    apply_controlled,
    apply_diagonal,
    apply_phases,
    basis_state,
    expectation,
    expectation_diagonal,
    fidelity,
    inner,
    normalize,
    permute_basis,
    plus_state,
    probabilities,
)
from ._wht import walsh_hadamard

__all__ = [
    "apply_1q",
    "apply_clifford",
    "apply_hadamards",
    "apply_linear_map",
    "apply_quadratic_phase",
    "clifford_amplitudes",
    "clifford_unitary",
    "measure_clifford",
    "stabilizer_state",
    "apply_ancilla_gate",
    "apply_blockwise",
    "apply_controlled",
    "apply_diagonal",
    "apply_diagonal_dm",
    "apply_phases",
    "apply_schur_channel",
    "basis_state",
    "density_matrix",
    "expectation",
    "expectation_diagonal",
    "fidelity",
    "inner",
    "MAX_SHOTS",
    "normalize",
    "num_qubits",
    "permute_basis",
    "plus_state",
    "probabilities",
    "sample_histogram",
    "sample_shots",
    "walsh_hadamard",
]
