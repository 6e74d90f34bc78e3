"""Sample counts: per oracle query (Theorem D.12, fitted laws), over many queries (Theorem D.13)
and per algorithm.

Every count is ``M = ⌈C · size / ε⌉`` for one query with error ``ε``. Where the paper proves the
prefactor ``C`` (the Boolean oracle's ``2π²``) it is the default; elsewhere the default is the value
fitted to the paper's Fig. 3 (DESIGN.md §4), marked as fitted below, and every function takes
``constant=`` for another value (e.g. your own fit). Counts are Python ints, exact at any size.
"""

from __future__ import annotations

import math
import types
from collections.abc import Callable
from fractions import Fraction

from .._internal.validate import integer_arg
from ..algorithms import grover_optimal_iterations
from ._checks import count_arg, error_arg, positive_constant

BOOLEAN_BOUND_CONSTANT = 2.0 * math.pi**2
"""``2π² ≈ 19.74``: the proven prefactor of the Boolean oracle, ``M = ⌈2 p_max t² / ε⌉ = ⌈2π² N / ε⌉``
for uniform data and ``t = πN`` (Theorem D.12)."""

FITTED_CONSTANTS = types.MappingProxyType({"boolean": 4.8, "vector": 0.9, "element": 1.1, "row_index": 2.2})
"""Prefactors ``C`` fitted to the paper's Fig. 3 (DESIGN.md §4), not theorems: Boolean
``M ≈ 4.8 N/ε``, vector state ``≈ 0.9 N/ε``, element ``≈ 1.1 nnz/ε``, row index ``≈ 2.2 N log2 N/ε``."""


def _ceil_samples(constant: float, size: float, epsilon: float) -> int:
    """``max(1, ⌈constant · size / ε⌉)``: at least one sample per query.

    Evaluated in exact rational arithmetic, with ``constant`` and ``epsilon`` read as the shortest
    decimals that print as them, so ``1.1 · 100 / 0.01`` is exactly 11000 (float arithmetic gives 11001).
    """
    exact = Fraction(repr(constant)) * Fraction(size) / Fraction(repr(epsilon))
    return max(1, math.ceil(exact))


def boolean_oracle_samples(
    n: int, epsilon: float, *, constant: float = BOOLEAN_BOUND_CONSTANT, repetition: int = 1
) -> int:
    """Samples for one ε-accurate query of the Boolean phase oracle on ``N`` items:
    ``M = ⌈R · C · N / ε⌉`` (Theorem D.12; DESIGN.md 1.1).

    ``constant``: ``C = 2π²`` by default, the theorem's ``2 p_max t² / ε`` with ``p_max = 1/N``,
    ``t = πN`` (``BOOLEAN_BOUND_CONSTANT``; ``qsjax.samples_for_error`` computes the same bound). The
    bound is pessimistic: the paper's Fig. 3 fits ``C ≈ 4.8`` (``FITTED_CONSTANTS["boolean"]``).
    ``repetition``: the repetition number ``R`` of a correlated (non-IID) stream, which multiplies
    the cost (Theorem D.16); 1 for IID samples.
    """
    n = count_arg(n, "n")
    epsilon = error_arg(epsilon)
    constant = positive_constant(constant)
    repetition = count_arg(repetition, "repetition")
    return _ceil_samples(repetition * constant, n, epsilon)


def vector_state_samples(n: int, epsilon: float, *, constant: float = FITTED_CONSTANTS["vector"]) -> int:
    """Samples per sketched query of the vector state ``|b>``, ``b ∈ R^N``: ``M = ⌈C · N / ε⌉``
    (Theorem D.24 proves ``O(N/ε)``; DESIGN.md 1.3).

    ``constant``: FITTED, ``C ≈ 0.9`` from the paper's Fig. 3 (DESIGN.md §4), with the default
    degree-19 arcsin polynomial of ``qsjax.states``; each of its ``d`` queries takes fresh samples.
    """
    n = count_arg(n, "n")
    epsilon = error_arg(epsilon)
    constant = positive_constant(constant)
    return _ceil_samples(constant, n, epsilon)


def element_oracle_samples(nnz: int, epsilon: float, *, constant: float = FITTED_CONSTANTS["element"]) -> int:
    """Samples for one ε-accurate query of the element oracle of a matrix with ``nnz`` nonzeros:
    ``M = ⌈C · nnz / ε⌉`` (Lemmas D.19–D.23: the Boolean analysis with ``N -> nnz``; DESIGN.md 1.4).

    ``constant``: FITTED, ``C ≈ 1.1`` from the paper's Fig. 3 (DESIGN.md §4).
    """
    nnz = count_arg(nnz, "nnz")
    epsilon = error_arg(epsilon)
    constant = positive_constant(constant)
    return _ceil_samples(constant, nnz, epsilon)


def row_index_oracle_samples(
    n_rows: int, epsilon: float, *, constant: float = FITTED_CONSTANTS["row_index"]
) -> int:
    """Samples (whole rows) for one ε-accurate query of the row-index oracle of an ``N``-row matrix:
    ``M = max(1, ⌈C · N log2 N / ε⌉)`` (Lemmas D.19–D.23; DESIGN.md 1.4).

    ``constant``: FITTED, ``C ≈ 2.2`` from the paper's Fig. 3 (DESIGN.md §4). A one-row matrix
    (``log2 1 = 0``) still needs its one row: the count is at least 1.
    """
    n_rows = count_arg(n_rows, "n_rows")
    epsilon = error_arg(epsilon)
    constant = positive_constant(constant)
    return _ceil_samples(constant, n_rows * math.log2(n_rows), epsilon)


def multi_query_samples(queries: int, epsilon: float, samples_per_query: Callable[[float], int]) -> int:
    """Samples for ``Q`` queries with total error ``ε``: ``Q · M(ε / Q)`` (Theorem D.13; DESIGN.md 3.1).

    Every query takes fresh samples and, by the triangle inequality, may err by ``ε / Q``, so an
    algorithm's count is its number of queries times the samples of one query at ``ε / Q``. For
    ``M(ε) = C · size / ε`` this is ``≈ C · size · Q² / ε``: the ``Q²`` law (optimal, Theorem D.14).
    ``samples_per_query`` maps a per-query error in ``(0, 1)`` to a sample count, e.g.
    ``lambda e: boolean_oracle_samples(n, e)``. ``Q = 0`` needs no samples.
    """
    queries = count_arg(queries, "queries", minimum=0)
    epsilon = error_arg(epsilon)
    if not callable(samples_per_query):
        raise TypeError(
            "samples_per_query must be a function of the per-query error, e.g. "
            f"lambda e: boolean_oracle_samples(n, e), got {type(samples_per_query).__name__}"
        )
    if queries == 0:
        return 0
    per_query = integer_arg(samples_per_query(epsilon / queries), "samples_per_query(epsilon / queries)")
    if per_query < 0:
        raise ValueError(f"samples_per_query(epsilon / queries) must be a count >= 0, got {per_query}")
    return queries * per_query


def boolean_multi_query_samples(
    n: int, queries: int, epsilon: float, *, constant: float = BOOLEAN_BOUND_CONSTANT, repetition: int = 1
) -> int:
    """Samples for ``Q`` Boolean oracle queries with total error ``ε``: ``Q · ⌈R · C · N Q / ε⌉``
    ``≈ 2π² N Q² / ε`` (Theorem D.13; :func:`multi_query_samples` of :func:`boolean_oracle_samples`).
    """
    n = count_arg(n, "n")
    constant = positive_constant(constant)
    repetition = count_arg(repetition, "repetition")
    return multi_query_samples(
        queries, epsilon, lambda e: boolean_oracle_samples(n, e, constant=constant, repetition=repetition)
    )


def grover_samples(n: int, n_marked: int, epsilon: float, *, constant: float = BOOLEAN_BOUND_CONSTANT) -> int:
    """Samples of Grover search for ``K`` marked items among ``N`` with total oracle error ``ε``:
    ``Q · ⌈C N Q / ε⌉`` with ``Q = ⌊π / (4 arcsin √(K/N))⌋ ≈ (π/4)√(N/K)`` iterations
    (``qsjax.grover_optimal_iterations``), each a fresh Boolean sketch (Theorem D.13; DESIGN.md 1.6).

    ``≈ 2π² N Q² / ε ≈ (π⁴/8) N² / (K ε)``: more samples than the ``N`` items, search gains no
    space advantage. ``constant`` as in :func:`boolean_oracle_samples`.
    """
    n = count_arg(n, "n")
    n_marked = count_arg(n_marked, "n_marked")
    if n_marked > n:
        raise ValueError(f"n_marked must be at most n, got n_marked={n_marked} for n={n}")
    queries = grover_optimal_iterations(n, n_marked)
    return boolean_multi_query_samples(n, queries, epsilon, constant=constant)


def sparse_block_encoding_samples(
    dim: int,
    nnz: int,
    epsilon: float,
    *,
    row_constant: float = FITTED_CONSTANTS["row_index"],
    element_constant: float = FITTED_CONSTANTS["element"],
) -> int:
    """Samples for one ε-accurate query of the sparse-access block encoding of a Hermitian
    ``dim × dim`` matrix with ``nnz`` nonzeros (GSLW Lemma 48; DESIGN.md 1.4):
    ``2 · M_row(dim, ε/3) + M_ele(nnz, ε/3)``.

    The block encoding queries ``O_row``, ``O_col`` and ``O_ele`` once each (for a Hermitian matrix
    ``O_col`` is the row-index oracle with its registers swapped); each gets a third of the error.
    ``M_row`` is :func:`row_index_oracle_samples` (``row_constant``, FITTED ``2.2``) and ``M_ele``
    :func:`element_oracle_samples` (``element_constant``, FITTED ``1.1``).
    """
    dim = count_arg(dim, "dim")
    nnz = count_arg(nnz, "nnz")
    epsilon = error_arg(epsilon)
    row_constant = positive_constant(row_constant, "row_constant")
    element_constant = positive_constant(element_constant, "element_constant")
    if nnz > dim * dim:
        raise ValueError(f"nnz={nnz} exceeds dim**2={dim * dim}, the entries of a {dim} x {dim} matrix")
    third = epsilon / 3.0
    return 2 * row_index_oracle_samples(dim, third, constant=row_constant) + element_oracle_samples(
        nnz, third, constant=element_constant
    )


def sparse_qsvt_samples(
    degree: int,
    dim: int,
    nnz: int,
    epsilon: float,
    *,
    row_constant: float = FITTED_CONSTANTS["row_index"],
    element_constant: float = FITTED_CONSTANTS["element"],
) -> int:
    """Samples of a degree-``d`` QSVT on the sparse-access block encoding, total error ``ε``:
    ``d · S(ε / d)`` with ``S`` = :func:`sparse_block_encoding_samples` (Theorem D.13's ``Q²`` law
    with ``Q = d``; DESIGN.md 1.5, 3.1).

    The algorithm-level count of the matrix applications: linear systems (``1/x``), LS-SVM
    (Hermitian embedding of ``[X; √λ I]``: ``dim = N + 2D``, ``nnz = 2(nnz(X) + D)``) and PCA (spectral
    filter on the embedding of ``X``: ``dim = N + D``, ``nnz = 2 nnz(X)``). The samples of the input
    state (:func:`vector_state_samples`) come on top.
    """
    degree = count_arg(degree, "degree")
    dim = count_arg(dim, "dim")
    nnz = count_arg(nnz, "nnz")
    row_constant = positive_constant(row_constant, "row_constant")
    element_constant = positive_constant(element_constant, "element_constant")
    return multi_query_samples(
        degree,
        epsilon,
        lambda e: sparse_block_encoding_samples(
            dim, nnz, e, row_constant=row_constant, element_constant=element_constant
        ),
    )
