"""Classical machine sizes the paper compares against (Appendix A, DESIGN.md 1.8)."""

from __future__ import annotations

from ._checks import count_arg


def streaming_floats(n_features: int) -> int:
    """Memory of the classical streaming machine: ``D`` floats (the paper's Appendix A).

    A classical learner that sees each sample once keeps one ``D``-vector (``D`` = features).
    """
    return count_arg(n_features, "n_features")


def sparse_floats(nnz: int) -> int:
    """Memory of the classical sparse-storage / QRAM machine: ``nnz`` floats (the paper's Appendix A).

    A machine that stores the data matrix (a classical sparse format, or a QRAM holding it for a
    quantum algorithm) keeps its ``nnz`` nonzero entries.
    """
    return count_arg(nnz, "nnz")
