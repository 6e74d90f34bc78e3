"""qsjax.resources: qubit counts, machine sizes and sample counts against worked cases and hand counts."""

from __future__ import annotations

import dataclasses
import doctest
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import qsjax
from qsjax import resources as res

# The paper's worked case: N samples, D features, max(row, column) sparsity s.
N, D, S = 65_877, 16_122, 2**15 - 1

sizes = st.integers(min_value=1, max_value=2**40)
errors = st.floats(min_value=1e-6, max_value=0.99)


# ----------------------------------------------------------------------------- machine sizes


def test_pca_worked_case_is_53():
    assert math.ceil(math.log2(N + D)) == 17 and math.ceil(math.log2(S)) == 15
    assert res.pca_qubits(N, D, S) == 2 * 17 + 15 + 3 == 52
    m = res.machine_sizes(N, D, nnz=10**6, sparsity=S, task="pca")
    assert m.quantum_size == 2 * 17 + 15 + 4 == 53
    assert (m.qubits, m.floats) == (52, 1)


def test_lssvm_worked_case():
    # N + 2D = 98,121 -> 17 qubits per register; s + 1 = 2**15 exactly -> 15
    assert res.ceil_log2(N + 2 * D) == 17 and res.ceil_log2(S + 1) == 15
    assert res.lssvm_qubits(N, D, S) == 2 * 17 + 15 + 3 == 52
    m = res.machine_sizes(N, D, nnz=10**6, sparsity=S)  # task defaults to LS-SVM
    assert m.task == "lssvm" and m.quantum_size == 53


def test_classical_machine_sizes():
    m = res.machine_sizes(N, D, nnz=123_456, sparsity=S, task="LS-SVM")
    assert m.streaming_floats == D == res.streaming_floats(D)
    assert m.sparse_floats == 123_456 == res.sparse_floats(123_456)
    assert m.floats == res.QUANTUM_FLOATS == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.qubits = 0


@pytest.mark.parametrize(
    "n, d, s, pca, lssvm",
    [
        # N + D = 8 exactly: 3 qubits, not 4; s = 4 -> 2; N + 2D = 13 -> 4; s + 1 = 5 -> 3
        (3, 5, 4, 2 * 3 + 2 + 3, 2 * 4 + 3 + 3),
        # N + D = 9 just above 8; N + 2D = 15; s = 1 -> 0 (pca), s + 1 = 2 -> 1 (lssvm)
        (3, 6, 1, 2 * 4 + 0 + 3, 2 * 4 + 1 + 3),
        # N + 2D = 8 exactly; s + 1 = 4 exactly
        (4, 2, 3, 2 * 3 + 2 + 3, 2 * 3 + 2 + 3),
        # one sample, one feature
        (1, 1, 1, 2 * 1 + 0 + 3, 2 * 2 + 1 + 3),
    ],
)
def test_small_cases_by_hand(n, d, s, pca, lssvm):
    assert res.pca_qubits(n, d, s) == pca
    assert res.lssvm_qubits(n, d, s) == lssvm


def test_exact_powers_of_two_beyond_float_precision():
    k = 60
    assert res.pca_qubits(2 ** (k - 1), 2 ** (k - 1), 2**40) == 2 * k + 40 + 3
    assert res.pca_qubits(2 ** (k - 1) + 1, 2 ** (k - 1), 2**40) == 2 * (k + 1) + 40 + 3
    assert res.pca_qubits(2 ** (k - 1), 2 ** (k - 1), 2**40 + 1) == 2 * k + 41 + 3
    # where float log2 cannot tell 2**53 + 1 from 2**53
    assert math.ceil(math.log2(2**53 + 1)) == 53
    assert res.ceil_log2(2**53 + 1) == 54 and res.ceil_log2(2**53) == 53


@given(st.integers(min_value=1, max_value=2**200))
def test_ceil_log2_is_the_smallest_register(n):
    k = res.ceil_log2(n)
    assert 2**k >= n and (k == 0 or 2 ** (k - 1) < n)


@settings(max_examples=200)
@given(sizes, sizes, st.integers(min_value=1, max_value=2**40))
def test_qubit_counts_are_sparse_access_layouts_and_monotone(n, d, s):
    s = min(s, max(n, d))
    assert res.pca_qubits(n, d, s) == res.sparse_access_registers(n + d, s).qubits
    assert res.lssvm_qubits(n, d, s) == res.sparse_access_registers(n + 2 * d, s + 1).qubits
    for f in (res.pca_qubits, res.lssvm_qubits):
        q = f(n, d, s)
        assert f(n + 1, d, s) >= q and f(n, d + 1, s) >= q
        if s < max(n, d):
            assert f(n, d, s + 1) >= q
        assert f(2 * n, 2 * d, s) in (q + 2, q + 1, q)  # doubling adds at most one qubit per register
    assert res.lssvm_qubits(n, d, s) >= res.pca_qubits(n, d, s)


# ----------------------------------------------------------------------------- registers


def test_register_layouts_by_hand():
    b = res.boolean_oracle_registers(8)
    assert b.as_dict() == {"system": 3, "output": 0, "control": 0} and b.qubits == 3
    b = res.boolean_oracle_registers(9, n_bits=3, controlled=True)
    assert b.as_dict() == {"system": 4, "output": 2, "control": 1} and b.qubits == 7
    v = res.vector_state_registers(1000)
    assert v.as_dict() == {"system": 10, "lcu": 1, "qsvt": 1} and v.qubits == 12
    e = res.element_oracle_registers(5, 8)
    assert e.as_dict() == {"row": 3, "column": 3, "lcu": 1} and e.qubits == 7
    r = res.row_index_oracle_registers(6, 4, 3)
    assert r.as_dict() == {"row": 3, "rank": 2, "column": 2} and r.qubits == 7
    i = res.index_oracle_registers(6, 4, 3)
    assert i.as_dict() == {"row": 3, "rank": 2, "column": 2, "lcu": 1, "qsvt": 1} and i.qubits == 9
    a = res.sparse_access_registers(N + D, S)
    assert a.as_dict() == {"row": 17, "column": 17, "rank": 15, "ancilla": 3} and a.qubits == 52
    assert a["rank"] == 15
    with pytest.raises(KeyError, match="no register 'lcu'"):
        a["lcu"]


def test_one_state_registers_are_empty():
    assert res.element_oracle_registers(1, 1).qubits == 1  # only the LCU ancilla
    assert res.row_index_oracle_registers(1, 1, 1).qubits == 0


# ----------------------------------------------------------------------------- sample counts


def test_boolean_samples_theorem_d12():
    assert res.BOOLEAN_BOUND_CONSTANT == pytest.approx(2 * math.pi**2)
    for n in (1, 2, 7, 1000, 2**20):
        for eps in (0.5, 0.1, 0.3, 1e-3):
            m = res.boolean_oracle_samples(n, eps)
            assert m == math.ceil(2 * math.pi**2 * n / eps)
            assert m == qsjax.samples_for_error(eps, n)  # the sketch layer's own bound
    # the fitted constant, as typed: 4.8 * 1000 / 0.1 is 48000 exactly
    assert res.boolean_oracle_samples(1000, 0.1, constant=res.FITTED_CONSTANTS["boolean"]) == 48_000
    assert res.boolean_oracle_samples(1000, 0.1, constant=4.8, repetition=3) == 144_000  # Theorem D.16


def test_fitted_laws_by_hand():
    assert dict(res.FITTED_CONSTANTS) == {"boolean": 4.8, "vector": 0.9, "element": 1.1, "row_index": 2.2}
    assert res.vector_state_samples(2**10, 0.1) == 9216  # 0.9 * 1024 / 0.1
    assert res.element_oracle_samples(1000, 0.25) == 4400  # 1.1 * 1000 / 0.25
    assert res.row_index_oracle_samples(1024, 0.5) == math.ceil(2.2 * 1024 * 10 / 0.5) == 45_056
    assert res.row_index_oracle_samples(1024, 0.5, constant=2) == 40_960
    assert res.row_index_oracle_samples(1, 0.5) == 1  # log2 1 = 0, but the one row is still needed
    assert res.vector_state_samples(10, 0.5, constant=1) == 20
    # exact ceilings where float arithmetic rounds up past the integer (1.1 * 100 / 0.01 = 11000.000000000002)
    assert math.ceil(1.1 * 100 / 0.01) == 11_001
    assert res.element_oracle_samples(100, 0.01) == 11_000
    assert res.vector_state_samples(3, 0.3) == 9


def test_q_squared_law_theorem_d13():
    n, eps = 4096, 0.01
    for q in (1, 2, 10, 100):
        total = res.boolean_multi_query_samples(n, q, eps)
        assert total == q * res.boolean_oracle_samples(n, eps / q)
        assert total == pytest.approx(2 * math.pi**2 * n * q**2 / eps, rel=1e-6)
    assert res.boolean_multi_query_samples(n, 0, eps) == 0
    ratio = res.boolean_multi_query_samples(n, 20, eps) / res.boolean_multi_query_samples(n, 10, eps)
    assert ratio == pytest.approx(4.0, rel=1e-6)


def test_multi_query_samples_of_any_oracle():
    seen = []

    def per_query(e):
        seen.append(e)
        return 7

    assert res.multi_query_samples(5, 0.5, per_query) == 35
    assert seen == [pytest.approx(0.1)]
    assert res.multi_query_samples(0, 0.5, per_query) == 0
    assert res.multi_query_samples(3, 0.3, lambda e: np.int64(4)) == 12


def test_grover_samples_scale_as_n_squared_over_k():
    q = qsjax.grover_optimal_iterations(1024, 1)
    assert q == 25
    assert res.grover_samples(1024, 1, 0.1) == res.boolean_multi_query_samples(1024, q, 0.1)
    n, k, eps = 2**24, 4, 0.1
    assert res.grover_samples(n, k, eps) == pytest.approx(math.pi**4 / 8 * n**2 / (k * eps), rel=1e-3)
    assert res.grover_samples(4, 4, 0.1) == 0  # everything marked: no iteration


def test_block_encoding_and_qsvt_samples():
    dim, nnz, eps = 256, 1000, 0.3
    one = res.sparse_block_encoding_samples(dim, nnz, eps)
    assert one == 2 * res.row_index_oracle_samples(dim, eps / 3) + res.element_oracle_samples(nnz, eps / 3)
    custom = res.sparse_block_encoding_samples(dim, nnz, eps, row_constant=1, element_constant=1)
    assert custom == 2 * res.row_index_oracle_samples(dim, eps / 3, constant=1) + res.element_oracle_samples(
        nnz, eps / 3, constant=1
    )
    for d in (1, 3, 19):
        assert res.sparse_qsvt_samples(d, dim, nnz, eps) == d * res.sparse_block_encoding_samples(
            dim, nnz, eps / d
        )


@settings(max_examples=100)
@given(st.integers(min_value=1, max_value=2**30), errors, st.integers(min_value=1, max_value=50))
def test_sample_counts_grow_with_size_queries_and_accuracy(n, eps, q):
    for f in (
        res.boolean_oracle_samples,
        res.vector_state_samples,
        res.element_oracle_samples,
        res.row_index_oracle_samples,
    ):
        m = f(n, eps)
        assert isinstance(m, int) and m >= 1
        assert f(n + 1, eps) >= m and f(n, eps / 2) >= m
        assert f(n, eps, constant=2.0) >= f(n, eps, constant=1.0)
    total = res.boolean_multi_query_samples(n, q, eps)
    assert total >= q * res.boolean_oracle_samples(n, eps)
    assert res.boolean_multi_query_samples(n, q + 1, eps) > total


# ----------------------------------------------------------------------------- bad inputs


@pytest.mark.parametrize("bad", [1.5, 1e6, True, "10", None, 3 + 0j])
def test_sizes_must_be_integers(bad):
    with pytest.raises(TypeError, match="n_samples"):
        res.pca_qubits(bad, D, S)
    with pytest.raises(TypeError, match="n_features"):
        res.lssvm_qubits(N, bad, S)
    with pytest.raises(TypeError, match="nnz"):
        res.element_oracle_samples(bad, 0.1)


@pytest.mark.parametrize("bad", [0, -1])
def test_sizes_must_be_positive(bad):
    with pytest.raises(ValueError, match=f"sparsity must be a positive integer, got {bad}"):
        res.pca_qubits(N, D, bad)
    with pytest.raises(ValueError, match="n must be a positive integer"):
        res.ceil_log2(bad)
    with pytest.raises(ValueError, match="queries must be an integer >= 0"):
        res.multi_query_samples(-1, 0.1, lambda e: 1)


def test_numpy_integers_are_accepted():
    assert res.pca_qubits(np.int64(N), np.int32(D), np.int64(S)) == 52


def test_inconsistent_shapes_are_refused():
    with pytest.raises(ValueError, match=r"sparsity=100 exceeds max\(n_samples, n_features\)=10"):
        res.lssvm_qubits(10, 5, 100)
    with pytest.raises(ValueError, match=r"nnz=5 is inconsistent with sparsity=10"):
        res.machine_sizes(10, 10, nnz=5, sparsity=10)
    with pytest.raises(ValueError, match=r"\[3, 30\]"):
        res.machine_sizes(10, 20, nnz=31, sparsity=3)
    with pytest.raises(ValueError, match="sparsity=5 exceeds n_cols=4"):
        res.row_index_oracle_registers(8, 4, 5)
    with pytest.raises(ValueError, match="sparsity=9 exceeds dim=8"):
        res.sparse_access_registers(8, 9)
    with pytest.raises(ValueError, match=r"nnz=65 exceeds dim\*\*2=64"):
        res.sparse_block_encoding_samples(8, 65, 0.1)
    with pytest.raises(ValueError, match="n_marked must be at most n"):
        res.grover_samples(4, 5, 0.1)


@pytest.mark.parametrize("bad", [0, 0.0, 1, 1.0, 1.5, -0.1, float("nan"), float("inf")])
def test_epsilon_must_be_in_the_open_unit_interval(bad):
    with pytest.raises(ValueError, match=r"epsilon must be a target error in the open interval \(0, 1\)"):
        res.boolean_oracle_samples(100, bad)
    with pytest.raises(ValueError, match="epsilon"):
        res.sparse_qsvt_samples(3, 8, 8, bad)


@pytest.mark.parametrize("bad", ["0.1", None, True, [0.1], 0.1j])
def test_epsilon_must_be_a_real_number(bad):
    with pytest.raises(TypeError, match="epsilon"):
        res.vector_state_samples(100, bad)


@pytest.mark.parametrize("bad", [0, -1.0, float("inf"), float("nan")])
def test_constants_must_be_finite_and_positive(bad):
    with pytest.raises(ValueError, match="constant must be a finite positive number"):
        res.boolean_oracle_samples(100, 0.1, constant=bad)
    with pytest.raises(ValueError, match="row_constant"):
        res.sparse_block_encoding_samples(8, 8, 0.1, row_constant=bad)
    with pytest.raises(ValueError, match="element_constant"):
        res.sparse_qsvt_samples(2, 8, 8, 0.1, element_constant=bad)


def test_bad_options():
    with pytest.raises(ValueError, match=r"task must be one of \['lssvm', 'pca'\], got 'svm'"):
        res.machine_sizes(N, D, nnz=10**6, sparsity=S, task="svm")
    with pytest.raises(TypeError, match="task must be a string"):
        res.machine_sizes(N, D, nnz=10**6, sparsity=S, task=1)
    with pytest.raises(TypeError, match="controlled must be a bool"):
        res.boolean_oracle_registers(8, controlled=1)
    with pytest.raises(TypeError, match="repetition"):
        res.boolean_oracle_samples(8, 0.1, repetition=2.0)
    with pytest.raises(TypeError, match="samples_per_query must be a function"):
        res.multi_query_samples(2, 0.1, 5)
    with pytest.raises(TypeError, match=r"samples_per_query\(epsilon / queries\)"):
        res.multi_query_samples(2, 0.1, lambda e: 2.5)
    with pytest.raises(ValueError, match="must be a count >= 0"):
        res.multi_query_samples(2, 0.1, lambda e: -1)


# ----------------------------------------------------------------------------- the namespace


def test_public_namespace_and_docstrings():
    assert qsjax.resources is res and "resources" in qsjax.__all__
    sources = ("Appendix A", "Theorem", "Lemma", "GSLW", "DESIGN.md", "Fig. 3")
    for name in res.__all__:
        obj = getattr(res, name)
        if callable(obj) and not isinstance(obj, type):
            doc = obj.__doc__ or ""
            assert any(s in doc for s in sources), f"{name} cites no source"


def test_docstring_examples_run():
    finder, runner = doctest.DocTestFinder(), doctest.DocTestRunner()
    ran = 0
    for name in res.__all__:
        for test in finder.find(getattr(res, name), name, globs=vars(res)):
            ran += len(test.examples)
            runner.run(test)
    assert ran >= 3 and runner.failures == 0
