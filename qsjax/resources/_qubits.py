"""Qubit counts of the paper's applications (Appendix A machine sizes, DESIGN.md 1.8).

``N`` = rows (samples), ``D`` = features, ``s`` = max(row, column) sparsity of the ``N × D`` data
matrix ``X``. Both counts are ``2⌈log2 dim⌉ + ⌈log2 s'⌉ + 3`` for the sparse-access block encoding
(:func:`sparse_access_registers`) of the Hermitian matrix each algorithm works with.
"""

from __future__ import annotations

from ._checks import count_arg
from ._registers import ceil_log2


def check_data_shape(n_samples, n_features, sparsity) -> tuple[int, int, int]:
    """``(N, D, s)`` as positive ints, with ``s <= max(N, D)`` (the largest row or column sparsity)."""
    n_samples = count_arg(n_samples, "n_samples")
    n_features = count_arg(n_features, "n_features")
    sparsity = count_arg(sparsity, "sparsity")
    if sparsity > max(n_samples, n_features):
        raise ValueError(
            f"sparsity={sparsity} exceeds max(n_samples, n_features)={max(n_samples, n_features)}, the "
            f"largest row or column sparsity of a {n_samples} x {n_features} matrix"
        )
    return n_samples, n_features, sparsity


def lssvm_qubits(n_samples: int, n_features: int, sparsity: int) -> int:
    """Qubits of the LS-SVM / ridge classifier: ``2⌈log2(N + 2D)⌉ + ⌈log2(s + 1)⌉ + 3``
    (the paper's Appendix A; the machine also holds 1 float, see :func:`machine_sizes`).

    The solver block-encodes the Hermitian embedding of ``[X; √λ I]``, a matrix of size ``N + 2D``
    and sparsity ``s + 1`` (DESIGN.md 1.4, 1.8).

    >>> lssvm_qubits(65_877, 16_122, 2**15 - 1)  # 2·17 + 15 + 3
    52
    """
    n, d, s = check_data_shape(n_samples, n_features, sparsity)
    return 2 * ceil_log2(n + 2 * d) + ceil_log2(s + 1) + 3


def pca_qubits(n_samples: int, n_features: int, sparsity: int) -> int:
    """Qubits of PCA (top principal component): ``2⌈log2(N + D)⌉ + ⌈log2 s⌉ + 3``
    (the paper's Appendix A; the machine also holds 1 float, see :func:`machine_sizes`).

    The spectral filter block-encodes the Hermitian embedding of ``X``, a matrix of size ``N + D`` and
    sparsity ``s`` (DESIGN.md 1.8).

    >>> pca_qubits(65_877, 16_122, 2**15 - 1)  # 2·17 + 15 + 3
    52
    """
    n, d, s = check_data_shape(n_samples, n_features, sparsity)
    return 2 * ceil_log2(n + d) + ceil_log2(s) + 3
