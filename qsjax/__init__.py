"""qsjax: a JAX-native, differentiable simulator of quantum oracle sketching (QOS).

Public API re-exported from private implementation modules. Nothing here changes global JAX
configuration: work happens in the dtype of your inputs (complex64 by default, complex128 when you
enable x64).
"""

from ._data import BooleanData, Stream, VectorData, from_numpy
from ._kernels import (
    apply_1q,
    apply_ancilla_gate,
    apply_blockwise,
    apply_controlled,
    apply_diagonal,
    apply_diagonal_dm,
    apply_phases,
    apply_schur_channel,
    basis_state,
    density_matrix,
    expectation,
    expectation_diagonal,
    fidelity,
    inner,
    normalize,
    num_qubits,
    permute_basis,
    plus_state,
    probabilities,
    sample_shots,
    walsh_hadamard,
)
from ._metrics import (
    diamond_distance,
    infidelity,
    operator_norm_error,
    sketch_diamond_error,
    state_error,
    trace_distance_output,
)
from ._poly import (
    ChebPoly,
    arcsin_polynomial,
    chebyshev_eval,
    inverse_polynomial,
    linear_amplification_polynomial,
    sign_polynomial,
    spectral_filter_polynomial,
    sup_norm,
    threshold_polynomial,
)
from ._qsp import (
    QSPConvergenceError,
    QSPPhases,
    convert_phases,
    find_phases,
    qsp_response,
    qsp_unitary,
    qsvt_diagonal,
    qsvt_diagonal_real,
    qsvt_operator,
    qsvt_operator_real,
)
from ._sketch import (
    MODES,
    DiagonalChannel,
    NaivePhaseSketch,
    PhaseSketch,
    boolean_oracle,
    controlled,
    naive_boolean_oracle,
    samples_for_error,
    sketch,
)
from ._sketch_qsvt import ThresholdOracle, qsvt_sketch, threshold_oracle
from ._states import FlatStateSketch, flat_state
from ._vector_state import (
    VectorStateResult,
    VectorStateSketch,
    arcsin_phases,
    kwise_signs,
    random_signs,
    vector_state,
)

__version__ = "0.1.0"

_QSP_NAMES = [
    "ChebPoly", "arcsin_polynomial", "chebyshev_eval", "inverse_polynomial",
    "linear_amplification_polynomial", "sign_polynomial", "spectral_filter_polynomial", "sup_norm",
    "threshold_polynomial", "QSPConvergenceError", "QSPPhases", "convert_phases", "find_phases",
    "qsp_response", "qsp_unitary", "qsvt_diagonal", "qsvt_diagonal_real", "qsvt_operator",
    "qsvt_operator_real",
]

__all__ = [
    "BooleanData", "Stream", "VectorData", "from_numpy",
    "apply_1q", "apply_ancilla_gate", "apply_blockwise", "apply_controlled", "apply_diagonal",
    "apply_diagonal_dm", "apply_phases", "apply_schur_channel", "basis_state", "density_matrix",
    "expectation", "expectation_diagonal", "fidelity", "inner", "normalize", "num_qubits",
    "permute_basis", "plus_state", "probabilities", "sample_shots", "walsh_hadamard",
    "diamond_distance", "infidelity", "operator_norm_error", "sketch_diamond_error", "state_error",
    "trace_distance_output",
    "MODES", "DiagonalChannel", "NaivePhaseSketch", "PhaseSketch", "boolean_oracle", "controlled",
    "naive_boolean_oracle", "samples_for_error", "sketch",
    "FlatStateSketch", "flat_state", "ThresholdOracle", "qsvt_sketch", "threshold_oracle",
    "VectorStateResult", "VectorStateSketch", "arcsin_phases", "kwise_signs", "random_signs", "vector_state",
]
__all__ += _QSP_NAMES
