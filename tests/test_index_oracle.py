"""The index oracle from element samples (DESIGN.md 1.4): counter sketch, sign QSVT, binary search.

References are independent numpy constructions: the counter ``C'(i, l)`` and target columns
``j(i, r)`` from the dense matrix, and, at a tiny size, the whole circuit as dense matrix products
on every register (row, rank, column, the QSP ancilla and the real-part LCU ancilla).
"""

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.linalg
import scipy.sparse as sp

import qsjax
from qsjax.blockencoding import MAX_INDEX_AMPLITUDES, IndexOracle, index_oracle

RNG = np.random.default_rng(20261214)


# ----------------------------------------------------------------------------- numpy references


def ref_counter(a: np.ndarray, s: int, n_bits: int) -> np.ndarray:
    """``C'(i, l) = #{j < l : A_ij != 0} + clip(l - D, 0, s)`` for ``l < 2**b``."""
    n, d = a.shape
    nz = np.concatenate([np.zeros((n, 1), int), np.cumsum(a != 0, axis=1)], axis=1)  # (n, d + 1)
    l = np.arange(2**n_bits)
    return nz[:, np.minimum(l, d)] + np.clip(l - d, 0, s)[None, :]


def ref_columns(a: np.ndarray, s: int, n_bits: int) -> np.ndarray:
    """``j(i, r) = max{l : C'(i, l) < r + 1}``."""
    c = ref_counter(a, s, n_bits)
    r = np.arange(s)
    return np.array([[np.flatnonzero(c[i] < k + 1).max() for k in r] for i in range(a.shape[0])])


def n_bits_of(a, s):
    return math.ceil(math.log2(a.shape[1] + s))


def random_matrix(d, row_nnz, rng):
    """A dense ``len(row_nnz) x d`` matrix whose row ``i`` has ``row_nnz[i]`` nonzeros at random
    columns (0: an empty row, ``d``: a full row), values uniform in ``+-[0.1, 1]``."""
    a = np.zeros((len(row_nnz), d))
    for i, k in enumerate(row_nnz):
        cols = rng.choice(d, size=k, replace=False)
        a[i, cols] = rng.uniform(0.1, 1.0, size=k) * rng.choice([-1.0, 1.0], size=k)
    return a


@functools.cache
def phases_for(s: int, degree: int) -> np.ndarray:
    """Sign-polynomial phases for sparsity ``s`` (found once, shared by the tests)."""
    gap = math.sin(math.pi / (4 * s + 2))
    return np.asarray(qsjax.find_phases(qsjax.sign_polynomial(degree, gap)).phases)


def build(a, s=None, degree=None, **kw):
    """An index oracle with shared phases; default degree ``2 ceil(3 / gap) + 1``."""
    mat = qsjax.sparse_matrix(a)
    s_eff = mat.row_sparsity if s is None else s
    if degree is None:
        degree = 2 * math.ceil(3.0 / math.sin(math.pi / (4 * s_eff + 2))) + 1
    return index_oracle(mat, sparsity=s, qsp_phases=phases_for(s_eff, degree), **kw)


# ----------------------------------------------------------------------------- 1. right columns

SHAPES = [
    # (n_cols, nonzeros per row, sparsity): empty rows, rows with fewer than s nonzeros, full rows
    (7, [2, 0, 4, 1, 3], None),
    (4, [4, 0, 2, 1, 3, 2], None),  # a full row: s = D, so every other row is padded
    (9, [1, 3, 0, 2], 4),  # user sparsity above the row sparsity
    (3, [3, 1, 0, 2, 3, 1, 2, 0], None),
]


@pytest.mark.parametrize("d, row_nnz, s", SHAPES)
def test_ideal_index_oracle_writes_the_right_column(d, row_nnz, s):
    a = random_matrix(d, row_nnz, RNG)
    n = a.shape[0]
    o = build(a, s)
    s = o.sparsity
    b = n_bits_of(a, s)
    assert o.n_bits == b and o.output_shape == (n, s, 2**b)
    cols = ref_columns(a, s, b)
    np.testing.assert_array_equal(np.asarray(o.columns), cols)
    for i in range(n):  # injective in the rank, for every row
        assert len(set(cols[i])) == s
    amp = o.ideal()
    assert amp.shape == (n, s, 2**b)
    np.testing.assert_array_equal(np.argmax(np.abs(np.asarray(amp)), axis=-1), cols)
    fid = np.asarray(o.column_fidelity(amp))
    bound = float(o.fidelity_bound())
    assert bound > 0.9
    assert fid.min() >= bound - 1e-12
    # the bound is b * delta in the 2-norm: every output is that close to the one-hot target
    err = np.linalg.norm(np.asarray(amp) - np.asarray(o.target()), axis=-1)
    assert err.max() <= b * float(o.sign_error()) + 1e-12


def test_default_degree_meets_epsilon():
    a = random_matrix(6, [3, 0, 2, 1], RNG)
    o = index_oracle(qsjax.sparse_matrix(a), epsilon=1e-2)
    assert o.degree % 2 == 1
    assert o.n_bits * float(o.sign_error()) <= 1e-2 * (1 + 1e-6)
    amp = np.asarray(o.ideal())
    assert np.linalg.norm(amp - np.asarray(o.target()), axis=-1).max() <= 1e-2 * (1 + 1e-6)
    assert o.samples_per_call(1000) == o.n_bits * o.degree * 1000 == o.n_queries * 1000


# ----------------------------------------------------------------------------- 2. dense circuit

H = np.array([[1, 1], [1, -1]]) / np.sqrt(2)
XG = np.array([[0, 1], [1, 0]])
P0, P1 = np.diag([1.0, 0.0]), np.diag([0.0, 1.0])


def on_bit(gate, m, b):
    """``gate`` on bit ``m`` (value ``2**m``) of a ``b``-bit register (kron order: MSB first)."""
    return np.kron(np.kron(np.eye(2 ** (b - 1 - m)), gate), np.eye(2**m))


def dense_step_unitary(theta: np.ndarray, phases: np.ndarray) -> np.ndarray:
    """The sign oracle on ``column (x) qsp ancilla (x) LCU ancilla`` for counter angles ``theta(l)``:
    sine LCU of ``V = diag(e^{i theta})`` (H, controlled V^dagger / V, H, then iX), the QSP sequence
    ``R(phi_0) W R(phi_1) ... W R(phi_d)`` and the real-part LCU over ``+-phi``."""
    n_l = theta.size
    v = np.diag(np.exp(1j * theta))
    eye = np.eye(n_l)
    ctrl = np.kron(v.conj(), P0) + np.kron(v, P1)
    w = np.kron(eye, 1j * XG) @ np.kron(eye, H) @ ctrl @ np.kron(eye, H)
    # W is the signal [[sin, i cos], [i cos, sin]] per column value
    np.testing.assert_allclose(w.reshape(n_l, 2, n_l, 2)[:, 0, :, 0], np.diag(np.sin(theta)), atol=1e-14)

    def qsp(ph):
        u = np.kron(eye, np.diag(np.exp([1j * ph[0], -1j * ph[0]])))
        for p in ph[1:]:
            u = u @ w @ np.kron(eye, np.diag(np.exp([1j * p, -1j * p])))
        return u

    sel = np.kron(qsp(phases), P0) + np.kron(qsp(-phases), P1)
    hl = np.kron(np.eye(2 * n_l), H)
    return hl @ sel @ hl


def test_ideal_amplitudes_equal_the_dense_circuit():
    a = np.array([[0.0, 0.7, 0.0, -0.2, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0], [0.3, 0.0, 0.0, 0.0, 0.9]])
    s, degree = 2, 15
    o = build(a, s, degree)
    b = n_bits_of(a, s)  # D + s = 7 -> 3 bits
    n_l = 2**b
    phases = np.asarray(o.qsp_phases)
    c = ref_counter(a, s, b)
    # one step's unitary on (row, rank, column, qsp, lcu): block-diagonal in the controls (row, rank)
    blocks = []
    for i in range(a.shape[0]):
        for r in range(s):
            theta = np.pi * (c[i] - (r + 1) + 0.5) / (2 * s + 1)
            blocks.append(dense_step_unitary(theta, phases))
    u = scipy.linalg.block_diag(*blocks)
    np.testing.assert_allclose(u.conj().T @ u, np.eye(u.shape[0]), atol=1e-12)
    n_ctrl = a.shape[0] * s
    # the branch where the sign oracle's ancillas (fresh per step) return to |00>
    block = u.reshape(n_ctrl, n_l, 4, n_ctrl, n_l, 4)[:, :, 0, :, :, 0].reshape(n_ctrl * n_l, n_ctrl * n_l)
    # exactly sign-like: block ~ diag((-1)^[C' < r + 1])
    signs = np.concatenate([np.where(c[i] < r + 1, -1.0, 1.0) for i in range(a.shape[0]) for r in range(s)])
    assert np.abs(np.diag(block).real - signs).max() < 0.1
    psi = np.zeros(n_ctrl * n_l, complex)
    psi[::n_l] = 1.0  # every |i, r, 0> (the controls never mix)
    for m in reversed(range(b)):
        hm = np.kron(np.eye(n_ctrl), on_bit(H, m, b))
        xm = np.kron(np.eye(n_ctrl), on_bit(XG, m, b))
        psi = -(xm @ hm @ block @ hm @ psi)
    ref = psi.reshape(a.shape[0], s, n_l)
    np.testing.assert_allclose(np.asarray(o.ideal()), ref, atol=1e-10)
    # and the exact-sign circuit lands on j(i, r)
    np.testing.assert_array_equal(np.argmax(np.abs(ref), -1), ref_columns(a, s, b))


def test_counter_sketch_ideal_diagonal_is_the_counter():
    a = random_matrix(6, [2, 6, 0, 1, 3], RNG)
    mat = qsjax.sparse_matrix(a)
    cs = qsjax.index_counter_sketch(mat)
    s, b = cs.sparsity, cs.n_bits
    c = ref_counter(a, s, b)
    np.testing.assert_array_equal(np.asarray(cs.counter()), c)
    diag = np.asarray(cs.on_register(cs.ideal()))  # (N, s, 2**b)
    r = np.arange(s)[None, :, None]
    want = np.exp(1j * np.pi * (c[:, None, :] - (r + 1) + 0.5) / (2 * s + 1))
    np.testing.assert_allclose(diag, want, atol=1e-13)
    theta = np.angle(want)
    assert (np.sin(theta) < 0).sum() == (c[:, None, :] < r + 1).sum()
    assert np.abs(np.sin(theta)).min() >= math.sin(math.pi / (4 * s + 2)) - 1e-12


# ----------------------------------------------------------------------------- 3. counter sketch modes

A3 = random_matrix(8, [2, 3, 0, 1, 3, 2], np.random.default_rng(7))


def _ref_cells(a, s, freq):
    """Cell phases from per-nonzero frequencies (nonzeros in row-major order), in numpy."""
    n, d = a.shape
    k = np.count_nonzero(a)
    t = np.pi * k / (2 * s + 1)
    nnz = np.count_nonzero(a, axis=1)
    starts = np.concatenate([[0], np.cumsum(nnz)])
    cc = np.arange(2 * s + 1)
    r = np.arange(s)
    out = np.zeros((n, 2 * s + 1, s), complex)
    for i in range(n):
        pref = np.concatenate([[0.0], np.cumsum(freq[starts[i] : starts[i + 1]])])
        f = pref[np.minimum(cc, nnz[i])]
        exact = np.pi * (np.maximum(cc - nnz[i], 0)[:, None] - r[None, :] - 0.5) / (2 * s + 1)
        out[i] = np.exp(1j * (t * f[:, None] + exact))
    return out


def test_counts_and_sampled_are_prefix_sums_of_the_element_counts():
    mat = qsjax.sparse_matrix(A3)
    cs = qsjax.index_counter_sketch(mat)
    s = cs.sparsity
    key, m = jax.random.key(3), 1234
    counts = np.asarray(mat.element_counts(key, m))
    np.testing.assert_allclose(np.asarray(cs.counts(key, m)), _ref_cells(A3, s, counts / m), atol=1e-12)
    # sampled: the explicit stream of element samples, counted per nonzero in numpy
    chunks = list(mat.element_chunks(key, m, chunk_size=100))
    idx = np.concatenate([mat.nonzero_index(np.asarray(i), np.asarray(j)) for i, j, _ in chunks])
    stream = np.bincount(idx, minlength=mat.nnz)
    assert stream.sum() == m
    got = np.asarray(cs.sampled(key, m, chunk_size=100))
    np.testing.assert_allclose(got, _ref_cells(A3, s, stream / m), atol=1e-12)
    np.testing.assert_array_equal(got, np.asarray(cs.sampled(key, m, chunk_size=37)))


def test_expected_is_the_mean_of_counts_realisations():
    cs = qsjax.index_counter_sketch(qsjax.sparse_matrix(A3))
    m, reps = 15, 4000
    keys = jax.random.split(jax.random.key(11), reps)
    draws = np.asarray(jax.jit(jax.vmap(lambda k: cs.counts(k, m)))(keys))
    mean = draws.mean(0)
    want = np.asarray(cs.expected(m))
    z = 6.0  # confidence: 6 sigma per component (~2e-9 two-sided each)
    for part in (np.real, np.imag):
        sigma = part(draws).std(0, ddof=1) / np.sqrt(reps)
        assert np.all(np.abs(part(mean) - part(want)) <= z * sigma + 1e-12)
    assert np.abs(want - np.asarray(cs.ideal())).max() > 0.05  # m = 15 is visibly not ideal


# ----------------------------------------------------------------------------- 4. sketched oracle

A4 = random_matrix(7, [2, 3, 1, 0, 3, 2], np.random.default_rng(5))


@functools.cache
def oracle4():
    return build(A4)


def test_sketched_fidelity_approaches_the_ideal_one():
    o = oracle4()
    ideal = float(o.column_fidelity(o.ideal()).mean())
    keys = jax.random.split(jax.random.key(2), 10)
    grid = [10, 100, 10**4, 10**6]

    @jax.jit
    def fidelities(m):
        return jax.vmap(lambda k: o.column_fidelity(o.counts(k, m)).mean())(keys)

    fids = [fidelities(m) for m in grid]  # jit + vmap over keys, traced m: one compilation
    eager = o.column_fidelity(o.counts(keys[1], grid[2])).mean()
    np.testing.assert_allclose(fids[2][1], eager, rtol=1e-12)  # grid[2] = 10**4
    stats = [(float(f.mean()), float(f.std(ddof=1)) / np.sqrt(keys.shape[0])) for f in fids]
    for (f0, e0), (f1, e1) in zip(stats, stats[1:], strict=False):
        assert f1 >= f0 - 4.0 * (e0 + e1)
    assert abs(stats[-1][0] - ideal) < 5e-3
    assert stats[0][0] < ideal - 0.3
    # the averaged circuit agrees at large M
    assert abs(float(o.column_fidelity(o.expected(10**6)).mean()) - ideal) < 5e-3


# ----------------------------------------------------------------------------- 5. default precision


def test_default_precision_writes_the_right_columns(default_precision):
    a = random_matrix(6, [0, 2, 3, 1, 3], np.random.default_rng(9))
    mat = qsjax.sparse_matrix(a)
    o = index_oracle(mat, qsp_phases=phases_for(mat.row_sparsity, 25).astype(np.float32))
    amp = o.ideal()
    assert amp.dtype == jnp.complex64
    cols = ref_columns(a, o.sparsity, o.n_bits)
    np.testing.assert_array_equal(np.argmax(np.abs(np.asarray(amp)), -1), cols)
    assert float(o.column_fidelity(amp).min()) > 0.95


# ----------------------------------------------------------------------------- 6. errors, jit, vmap


def test_bad_inputs_raise():
    a = random_matrix(6, [3, 1, 2, 0, 3], RNG)
    mat = qsjax.sparse_matrix(a)
    s0 = mat.row_sparsity
    with pytest.raises(TypeError, match="matrix"):
        index_oracle(a)
    with pytest.raises(TypeError, match="matrix"):
        qsjax.index_counter_sketch("A")
    with pytest.raises(ValueError, match="sparsity"):
        index_oracle(mat, sparsity=s0 - 1)
    with pytest.raises(ValueError, match="sparsity"):
        index_oracle(mat, sparsity=0)
    with pytest.raises(TypeError, match="sparsity"):
        index_oracle(mat, sparsity=2.5)
    with pytest.raises(ValueError, match="degree"):
        index_oracle(mat, degree=4)
    with pytest.raises(ValueError, match="degree"):
        index_oracle(mat, degree=-1)
    with pytest.raises(TypeError, match="degree"):
        index_oracle(mat, degree=3.0)
    with pytest.raises(ValueError, match="epsilon"):
        index_oracle(mat, epsilon=2.0)
    with pytest.raises(ValueError, match="rows"):
        index_oracle(mat, rows=[0, 5], degree=3)
    with pytest.raises(ValueError, match="rows"):
        index_oracle(mat, rows=[[0]], degree=3)
    with pytest.raises(TypeError, match="rows"):
        index_oracle(mat, rows=[0.5], degree=3)
    with pytest.raises(ValueError, match="qsp_phases"):
        index_oracle(mat, qsp_phases=np.zeros(3))  # degree 2: not odd
    with pytest.raises(ValueError, match="qsp_phases"):
        index_oracle(mat, qsp_phases=np.zeros(4), degree=5)
    o = build(a)
    with pytest.raises(qsjax.UnsupportedModeError):
        o.evaluate("channel", 10)
    with pytest.raises(qsjax.UnsupportedModeError):
        o.counter.evaluate("channel", 10)
    with pytest.raises(ValueError, match="key"):
        o.evaluate("counts", 10)
    with pytest.raises(ValueError, match="amplitudes"):
        o.column_fidelity(jnp.zeros((2, 2, 2)))


def test_too_large_state_is_refused_before_allocating():
    n, d = 2**12, 2**14  # one nonzero per row: s = 1, b = 15, 2**27 amplitudes
    a = sp.csr_array((np.ones(n), (np.arange(n), np.arange(n) * 3 % d)), shape=(n, d))
    mat = qsjax.sparse_matrix(a)
    with pytest.raises(ValueError, match="rows=") as err:
        index_oracle(mat, degree=3)
    assert str(MAX_INDEX_AMPLITUDES.bit_length() - 1) in str(err.value)
    o = index_oracle(mat, qsp_phases=np.zeros(4), rows=np.arange(8))  # any odd-degree phases
    assert o.output_shape == (8, 1, 2**15)
    with pytest.raises(ValueError, match="rows="):
        o.with_rows(np.arange(n))


def test_jit_vmap_and_row_subsets():
    a = A4
    o = oracle4()
    key, m = jax.random.key(4), 200
    eager = o.counts(key, m)  # (jit and vmap over keys with a traced m: see the sketched-fidelity test)
    # a row subset sees the same realisation
    sub = o.with_rows([4, 0])
    assert isinstance(sub, IndexOracle)
    np.testing.assert_allclose(sub.counts(key, m), np.asarray(eager)[[4, 0]], atol=1e-13)
    np.testing.assert_array_equal(sub.columns, np.asarray(o.columns)[[4, 0]])
    # built while jit traces (phase finding runs eagerly)
    mat = qsjax.sparse_matrix(a)
    traced = jax.jit(lambda: index_oracle(mat, degree=o.degree).ideal())()
    np.testing.assert_allclose(traced, o.ideal(), atol=1e-9)
    # the modes by name and the sampled mode run through evaluate
    np.testing.assert_allclose(o.evaluate("counts", m, key), eager, atol=1e-13)
    samp = o.evaluate(qsjax.Sampled(300, chunk_size=64), key=key)
    np.testing.assert_array_equal(samp, o.sampled(key, 300, chunk_size=64))
    assert float(o.column_fidelity(samp).mean()) > 0.2
