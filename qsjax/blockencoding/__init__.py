"""Block encodings and the QSVT circuits run on them, one fresh realisation per query allowed."""

from ._amplification import amplitude_amplification, fixed_point_amplify
from ._circuit import (
    INDEX_KEY_TAG,
    MAX_BLOCK_AMPLITUDES,
    MAX_CIRCUIT_AMPLITUDES,
    CircuitQueries,
    SparseAccessCircuit,
    sparse_access_circuit,
)
from ._index import MAX_INDEX_AMPLITUDES, IndexOracle, index_oracle
from ._operator import OperatorEncoding, qsvt_operator, qsvt_operator_real
from ._sine_lcu import SineLCUEncoding, sine_lcu_signal
from ._sparse import OPERATOR_MODES, SketchedOperator, SparseAccessEncoding, sparse_access_encoding
from ._threshold import ThresholdOracle, qsvt_sketch, threshold_oracle

__all__ = [
    "OPERATOR_MODES",
    "MAX_INDEX_AMPLITUDES",
    "IndexOracle",
    "index_oracle",
    "SketchedOperator",
    "sparse_access_encoding",
    "SparseAccessEncoding",
    "sparse_access_circuit",
    "SparseAccessCircuit",
    "CircuitQueries",
    "INDEX_KEY_TAG",
    "MAX_BLOCK_AMPLITUDES",
    "MAX_CIRCUIT_AMPLITUDES",
    "OperatorEncoding",
    "SineLCUEncoding",
    "amplitude_amplification",
    "fixed_point_amplify",
    "qsvt_operator",
    "qsvt_operator_real",
    "qsvt_sketch",
    "sine_lcu_signal",
    "threshold_oracle",
    "ThresholdOracle",
]
