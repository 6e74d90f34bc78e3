"""Resource formulas: qubit counts, classical machine sizes and sample counts of QOS constructions.

Plain functions of plain Python numbers (no arrays, nothing traced); every docstring cites its
formula and source in the paper (Zhao et al., arXiv:2604.07639 v1) or DESIGN.md.

* machine sizes (Appendix A): :func:`lssvm_qubits`, :func:`pca_qubits`, :func:`streaming_floats`,
  :func:`sparse_floats`, :func:`machine_sizes`;
* oracle registers (Lemmas D.19–D.23, Theorems D.12, D.24): :func:`ceil_log2` and the
  ``*_registers`` functions, each returning a :class:`RegisterLayout`;
* sample counts: per query (:func:`boolean_oracle_samples`, Theorem D.12; the fitted laws of
  :func:`vector_state_samples`, :func:`element_oracle_samples`, :func:`row_index_oracle_samples`),
  per block-encoding query (:func:`sparse_block_encoding_samples`) and over ``Q`` queries
  (:func:`multi_query_samples`, Theorem D.13's ``Q²`` law; :func:`boolean_multi_query_samples`,
  :func:`grover_samples`, :func:`sparse_qsvt_samples`).
"""

from ._classical import sparse_floats, streaming_floats
from ._machine import QUANTUM_FLOATS, MachineSizes, machine_sizes
from ._qubits import lssvm_qubits, pca_qubits
from ._registers import (
    RegisterLayout,
    boolean_oracle_registers,
    ceil_log2,
    element_oracle_registers,
    index_oracle_registers,
    row_index_oracle_registers,
    sparse_access_registers,
    vector_state_registers,
)
from ._samples import (
    BOOLEAN_BOUND_CONSTANT,
    FITTED_CONSTANTS,
    boolean_multi_query_samples,
    boolean_oracle_samples,
    element_oracle_samples,
    grover_samples,
    multi_query_samples,
    row_index_oracle_samples,
    sparse_block_encoding_samples,
    sparse_qsvt_samples,
    vector_state_samples,
)

__all__ = [
    "BOOLEAN_BOUND_CONSTANT",
    "boolean_multi_query_samples",
    "boolean_oracle_registers",
    "boolean_oracle_samples",
    "ceil_log2",
    "element_oracle_registers",
    "element_oracle_samples",
    "FITTED_CONSTANTS",
    "grover_samples",
    "index_oracle_registers",
    "lssvm_qubits",
    "machine_sizes",
    "MachineSizes",
    "multi_query_samples",
    "pca_qubits",
    "QUANTUM_FLOATS",
    "RegisterLayout",
    "row_index_oracle_registers",
    "row_index_oracle_samples",
    "sparse_access_registers",
    "sparse_block_encoding_samples",
    "sparse_floats",
    "sparse_qsvt_samples",
    "streaming_floats",
    "vector_state_registers",
    "vector_state_samples",
]
