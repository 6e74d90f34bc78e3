"""Machine sizes of one application, quantum beside classical (the paper's Appendix A)."""

from __future__ import annotations

import dataclasses

from ._checks import choice_arg, count_arg
from ._classical import sparse_floats, streaming_floats
from ._qubits import check_data_shape, lssvm_qubits, pca_qubits

QUANTUM_FLOATS = 1
"""Classical floats the quantum (QOS) machine holds beside its qubits: 1 (the paper's Appendix A)."""

_TASKS = {"lssvm": "lssvm", "ls-svm": "lssvm", "ls_svm": "lssvm", "pca": "pca"}


@dataclasses.dataclass(frozen=True)
class MachineSizes:
    """The sizes of the machines that can run one task on an ``N × D`` data matrix.

    ``qubits`` and ``floats`` make up the quantum (QOS) machine, ``quantum_size = qubits + floats``
    the single number the paper reports for it; ``streaming_floats`` (``D``) is the classical
    streaming machine and ``sparse_floats`` (``nnz``) the classical sparse-storage / QRAM machine.
    """

    task: str
    qubits: int
    floats: int
    streaming_floats: int
    sparse_floats: int

    @property
    def quantum_size(self) -> int:
        """Qubits plus classical floats of the quantum machine (e.g. ``2·17 + 15 + 3 + 1 = 53``)."""
        return self.qubits + self.floats


def machine_sizes(
    n_samples: int, n_features: int, *, nnz: int, sparsity: int, task: str = "lssvm"
) -> MachineSizes:
    """Quantum and classical machine sizes of ``task`` (``"lssvm"`` or ``"pca"``), the paper's Appendix A.

    * quantum: :func:`lssvm_qubits` ``2⌈log2(N + 2D)⌉ + ⌈log2(s + 1)⌉ + 3`` or :func:`pca_qubits`
      ``2⌈log2(N + D)⌉ + ⌈log2 s⌉ + 3`` qubits, plus 1 float;
    * classical streaming: ``D`` floats (:func:`streaming_floats`);
    * classical sparse / QRAM: ``nnz`` floats (:func:`sparse_floats`).

    ``N`` = samples (rows), ``D`` = features, ``s`` = max(row, column) sparsity, ``nnz`` = nonzeros of
    the data matrix. They must be consistent: ``s <= max(N, D)`` and ``s <= nnz <= s · min(N, D)``
    (the densest row or column holds ``s`` nonzeros, and every row and column at most ``s``).

    >>> machine_sizes(65_877, 16_122, nnz=10**6, sparsity=2**15 - 1, task="pca").quantum_size
    53
    """
    task = choice_arg(task, "task", _TASKS)
    n, d, s = check_data_shape(n_samples, n_features, sparsity)
    nnz = count_arg(nnz, "nnz")
    if not s <= nnz <= s * min(n, d):
        raise ValueError(
            f"nnz={nnz} is inconsistent with sparsity={s} for a {n} x {d} matrix: it must lie in "
            f"[sparsity, sparsity * min(n_samples, n_features)] = [{s}, {s * min(n, d)}]"
        )
    qubits = lssvm_qubits(n, d, s) if task == "lssvm" else pca_qubits(n, d, s)
    return MachineSizes(
        task=task,
        qubits=qubits,
        floats=QUANTUM_FLOATS,
        streaming_floats=streaming_floats(d),
        sparse_floats=sparse_floats(nnz),
    )
