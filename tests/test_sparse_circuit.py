"""The rank oracle, the in-place row oracle and the circuit-level sparse-access block encoding
(GSLW Lemma 48), against independent numpy references on fresh random inputs, and cross-validated
with the operator level (``qsjax.sparse_access_encoding``): equal realisation by realisation when the
index oracles are ideal, convergent in distribution when everything is sketched."""

import helpers
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.sparse as sp

import qsjax
from qsjax.blockencoding import MAX_BLOCK_AMPLITUDES, sparse_access_circuit
from qsjax.sketch import RowOracleQuery, in_place_row_oracle

RNG = np.random.default_rng(20261207)


def _random_sparse(n, d, density, rng):
    a = rng.uniform(-1.0, 1.0, (n, d)) * (rng.random((n, d)) < density)
    a[rng.integers(n), rng.integers(d)] = 0.5  # at least one nonzero
    return a


def _support_ref(a, s):
    """``j(i, k)`` for ``k < s``: the row's nonzero columns in increasing order, then the smallest
    unused columns (numpy, from the definition)."""
    out = []
    for row in a:
        cols = list(np.flatnonzero(row))
        free = (c for c in range(10 * s + a.shape[1]) if c not in cols)
        while len(cols) < s:
            cols.append(next(free))
        out.append(cols)
    return np.array(out)


def _bits(n):
    return max(1, int(np.ceil(np.log2(n))))


# One small Hermitian circuit shared by the sketched tests, and one jitted vmap of its counts blocks
# over keys (m traced): a single compilation for every M and test.
SRC = qsjax.hermitian_embedding(qsjax.sparse_matrix(_random_sparse(3, 4, 0.5, RNG)))
CIRC = sparse_access_circuit(SRC)
TARGET = SRC.todense() / CIRC.sparsity
REPS = 256  # draws per statistical check (deterministic keys)
_counts_blocks = jax.jit(jax.vmap(lambda c, k, mm: c.block("counts", mm, k), in_axes=(None, 0, None)))


# ----------------------------------------------------------------------------- the rank oracle


@pytest.mark.parametrize("extra", [0, 2])
def test_rank_oracle_ideal_table_and_xor_amplitudes(extra):
    a = _random_sparse(5, 7, 0.4, RNG)
    m = qsjax.sparse_matrix(a)
    s = m.row_sparsity + extra
    oracle = qsjax.rank_oracle(m, sparsity=s)
    sup = _support_ref(a, s)
    w = _bits(s)
    np.testing.assert_array_equal(oracle.columns, sup)
    assert oracle.n_bits == w and oracle.ideal().shape == (s * w, 5)
    q = oracle.n_cols
    ref = np.ones((5, q, w))
    for i in range(5):
        for k, y in enumerate(sup[i]):
            ref[i, y] = 1 - 2 * ((k >> np.arange(w)) & 1)  # (-1)^{bit_m(rank(i, y))}
    np.testing.assert_allclose(oracle.on_register(oracle.ideal()), ref, atol=1e-12)
    amp = np.asarray(oracle.xor_amplitudes(oracle.ideal()))
    np.testing.assert_allclose(amp[..., 1], (1 - ref) / 2, atol=1e-12)  # |1> iff the rank bit is set
    # the modes are those of the multi-bit Boolean sketch: t = pi N, ideal (-1)^f
    assert float(oracle.t) == pytest.approx(np.pi * 5)
    # averaged mode: E[e^{i theta n / M}] = (1 + p (e^{i theta / M} - 1))^M, theta = pi N f, p = 1/N
    f = ((np.arange(s)[:, None] >> np.arange(w)) & 1).reshape(-1, 1)
    mm = 300.0
    ref = (1 + (np.exp(1j * np.pi * 5 * f / mm) - 1) / 5) ** mm
    np.testing.assert_allclose(oracle.expected(mm), np.broadcast_to(ref, (s * w, 5)), atol=1e-10)


def test_in_place_row_oracle_is_the_in_place_permutation_in_ideal_mode():
    a = _random_sparse(6, 5, 0.45, RNG)
    m = qsjax.sparse_matrix(a)
    s = m.row_sparsity + 1
    o = in_place_row_oracle(m, sparsity=s)
    p, big_s, q = o.registers
    sup = _support_ref(a, s)
    state = np.zeros((6, s, p, big_s, q))
    ref = np.zeros_like(state)
    for i in range(6):
        for r in range(s):
            state[i, r, i, r, 0] = 1.0
            ref[i, r, i, 0, sup[i, r]] = 1.0  # |i, r, 0> -> |i, 0, j(i, r)>
    query = o.query()
    out = np.asarray(o.apply(jnp.asarray(state, jnp.complex128), query))
    np.testing.assert_allclose(out, ref, atol=1e-12)
    back = o.apply(jnp.asarray(out), query, adjoint=True)
    np.testing.assert_allclose(back, state, atol=1e-12)


def test_expected_row_oracle_is_the_mean_of_counts_realisations():
    a = _random_sparse(4, 4, 0.5, RNG)
    m = qsjax.sparse_matrix(a)
    o = in_place_row_oracle(m)
    p, big_s, q = o.registers
    s = o.sparsity
    state = np.zeros((4 * s, p, big_s, q), complex)
    for i in range(4):
        for r in range(s):
            state[i * s + r, i, r, 0] = 1.0
    state = jnp.asarray(state)
    mm = 40 * 4  # few samples: visible sampling error, so the test has power
    exp = np.asarray(o.apply(state, o.query("expected", mm)))
    draws = jax.jit(jax.vmap(lambda k: o.apply(state, o.query("counts", mm, k))))
    reps = np.asarray(draws(jax.random.split(jax.random.key(7), 1000)))
    helpers.assert_mean_matches(reps, exp, floor=1e-12, what="E[O_r] vs counts")
    # the product of per-bit averages is not the average of the query (bits share a row's samples)
    iv = jax.vmap(o.index.bit_phases)(o.index.expected(mm)[None])
    rv = jax.vmap(o.rank.on_register)(o.rank.expected(mm)[None])
    naive = RowOracleQuery(
        index_weights=jnp.ones((1, p), complex),
        index_phases=jnp.pad(iv, ((0, 0), (0, p - 4), (0, big_s - s), (0, 0)), constant_values=1.0),
        rank_weights=jnp.ones((1, p), complex),
        rank_phases=jnp.pad(rv, ((0, 0), (0, p - 4), (0, 0), (0, 0)), constant_values=1.0),
    )
    se = reps.std(0) / np.sqrt(reps.shape[0])
    gap = np.abs(np.asarray(o.apply(state, naive)) - reps.mean(0))
    assert (gap > 10 * se + 1e-9).any()


# ----------------------------------------------------------------------------- the circuit, ideal


def _cases():
    sq = _random_sparse(6, 6, 0.35, RNG)
    base = SRC.base  # 3 x 4: the shared circuit's matrix
    return [
        ("square", qsjax.sparse_matrix(sq)),
        ("rectangular", base),
        ("embedding", SRC),
        ("embedded ridge", qsjax.hermitian_embedding(qsjax.ridge_augmentation(base, 0.3))),
    ]


@pytest.mark.parametrize("name, src", _cases(), ids=[c[0] for c in _cases()])
def test_ideal_block_is_a_over_s(name, src):
    circ = sparse_access_circuit(src)
    s = src.sparsity
    assert circ.sparsity == s
    block = np.asarray(circ.block())
    assert block.shape == src.shape and block.dtype == np.complex128
    np.testing.assert_allclose(block, src.todense() / s, atol=1e-10)
    # apply() on the basis inputs holds the block in its |i, 0, 0, 0> amplitudes
    d = src.shape[1]
    j = RNG.integers(d)
    out = np.asarray(circ.apply(np.eye(d)[j]))
    np.testing.assert_allclose(out[: src.shape[0], 0, 0, 0], block[:, j], atol=1e-12)
    assert np.linalg.norm(out) == pytest.approx(1.0, abs=1e-12)


def test_block_with_a_larger_sparsity():
    a = _random_sparse(5, 6, 0.3, RNG)
    src = qsjax.sparse_matrix(a)
    s = src.sparsity + 2  # not a power of two, padding beyond every row's support
    circ = sparse_access_circuit(src, sparsity=s)
    np.testing.assert_allclose(circ.block(), a / s, atol=1e-10)


def _xor_perm(dims, fn):
    """The permutation matrix ``|x, r, y, a> -> |fn(x, r, y), a>`` on registers ``dims``."""
    size = int(np.prod(dims))
    perm = np.zeros((size, size))
    for idx in range(size):
        x, r, y, a = np.unravel_index(idx, dims)
        perm[np.ravel_multi_index((*fn(x, r, y), a), dims), idx] = 1.0
    return perm


def test_full_circuit_equals_the_dense_gate_construction():
    a = _random_sparse(3, 3, 0.6, RNG)
    s = 3  # above the matrix's sparsity when it is 2: padding, and a non-power-of-two preparation
    src = qsjax.sparse_matrix(a)
    circ = sparse_access_circuit(src, sparsity=s)
    nx, nr, ny = 2 ** _bits(max(3, s)), 2 ** _bits(s), 2 ** _bits(max(3, s))
    dims = (nx, nr, ny, 2)
    assert circ.registers == dims
    rows, cols = _support_ref(a, s), _support_ref(a.T, s)
    rank_row = {(i, y): k for i in range(3) for k, y in enumerate(rows[i])}
    rank_col = {(j, x): k for j in range(3) for k, x in enumerate(cols[j])}
    u = (np.arange(nr) < s) / np.sqrt(s)
    v = np.eye(nr)[0] - u
    prep_r = np.eye(nr) - 2 * np.outer(v, v) / (v @ v)  # Householder: |0> -> uniform over r < s
    assert np.allclose(prep_r[:, 0], u)
    prep = np.kron(np.kron(np.eye(nx), prep_r), np.eye(2 * ny))
    col_index = _xor_perm(dims, lambda x, r, y: (x ^ cols[y, r], r, y) if y < 3 and r < s else (x, r, y))
    col_rank = _xor_perm(dims, lambda x, r, y: (x, r ^ rank_col.get((y, x), 0), y) if y < 3 else (x, r, y))
    row_rank = _xor_perm(dims, lambda x, r, y: (x, r ^ rank_row.get((x, y), 0), y) if x < 3 else (x, r, y))
    row_index = _xor_perm(dims, lambda x, r, y: (x, r, y ^ rows[x, r]) if x < 3 and r < s else (x, r, y))
    # the sine LCU: iX H (|0><0| V^dagger + |1><1| V) H on the ancilla, per (x, y) cell
    ix = 1j * np.array([[0, 1], [1, 0]])
    lcu = np.zeros((nx * nr * ny * 2,) * 2, complex)
    for x in range(nx):
        for y in range(ny):
            ph = np.exp(1j * np.arcsin(a[x, y])) if x < 3 and y < 3 and a[x, y] != 0 else 1.0
            cell = ix @ helpers.HADAMARD @ np.diag([np.conj(ph), ph]) @ helpers.HADAMARD
            for r in range(nr):
                sl = np.ravel_multi_index((x, r, y, 0), dims)
                lcu[sl : sl + 2, sl : sl + 2] = cell
    u_dense = prep @ row_index @ row_rank @ lcu @ col_rank @ col_index @ prep  # V_L^dag O_A V_R
    vec = RNG.normal(size=(4, 3))
    vec[0] = [1.0, 0.0, 0.0]
    inp = np.zeros((4, *dims))
    inp[:, 0, 0, :3, 0] = vec
    ref = (u_dense @ inp.reshape(4, -1).T).T
    np.testing.assert_allclose(np.asarray(circ.apply(vec)).reshape(4, -1), ref, atol=1e-10)
    np.testing.assert_allclose(u_dense.conj().T @ u_dense, np.eye(len(u_dense)), atol=1e-12)


# ----------------------------------------------------------------------------- cross-validation


@pytest.mark.parametrize("mode", ["expected", "counts", "sampled"])
def test_ideal_index_oracles_give_the_operator_level_realisation(mode):
    enc = qsjax.sparse_access_encoding(SRC)
    key = jax.random.key(11)
    for index in (0, 3):
        block = np.asarray(CIRC.block(mode, 600, key, index=index, index_mode="ideal"))
        op = enc.operator(mode, 600, key, index=index).todense()
        np.testing.assert_allclose(block, op, atol=1e-10)
        if mode != "expected":  # a realisation, not the target
            assert np.abs(block - TARGET).max() > 1e-4


def test_everything_sketched_converges_to_a_over_s():
    means, ses = [], []
    for mm in (10**3, 10**4, 10**5):
        keys = jax.random.split(jax.random.key(mm), REPS)
        err = np.linalg.norm(np.asarray(_counts_blocks(CIRC, keys, mm)) - TARGET, ord=2, axis=(1, 2))
        means.append(err.mean())
        ses.append(err.std(ddof=1) / np.sqrt(REPS))
    for k in range(2):  # a strict decrease at the one-test level Z = 4.4 standard errors
        assert means[k] - means[k + 1] > helpers.Z * np.hypot(ses[k], ses[k + 1]), (means, ses)
    assert means[-1] < 0.05


def test_expected_block_is_the_mean_of_counts_blocks():
    mm = 4000
    exp = np.asarray(CIRC.block("expected", mm))
    reps = np.asarray(_counts_blocks(CIRC, jax.random.split(jax.random.key(3), REPS), mm))
    helpers.assert_mean_matches(reps, exp, floor=1e-12, what="E[block] vs counts")
    assert np.abs(exp - TARGET).max() > 1e-3  # the average is biased at this m


def test_jit_and_vmap_over_keys_match_single_calls():
    keys = jax.random.split(jax.random.key(5), REPS)
    batched = _counts_blocks(CIRC, keys, 2000)
    np.testing.assert_allclose(batched[7], CIRC.block(qsjax.Counts(2000), key=keys[7]), atol=1e-12)
    assert np.abs(np.asarray(batched[0] - batched[1])).max() > 1e-6  # fresh samples per key


@pytest.mark.usefixtures("default_precision")
def test_default_precision_ideal_block():
    a = _random_sparse(5, 5, 0.4, RNG)
    src = qsjax.hermitian_embedding(qsjax.sparse_matrix(a))
    circ = sparse_access_circuit(src)
    block = circ.block()
    assert block.dtype == jnp.complex64
    np.testing.assert_allclose(np.asarray(block), src.todense() / circ.sparsity, atol=1e-5)


# ----------------------------------------------------------------------------- refusals


def test_bad_inputs_are_refused():
    a = _random_sparse(4, 4, 0.5, RNG)
    src = qsjax.sparse_matrix(a)
    for build in (sparse_access_circuit, qsjax.rank_oracle, in_place_row_oracle):
        with pytest.raises(TypeError, match="matrix source"):
            build(a)
    with pytest.raises(ValueError, match="at least the matrix's sparsity"):
        sparse_access_circuit(src, sparsity=1)
    with pytest.raises(ValueError, match="row sparsity"):
        qsjax.rank_oracle(qsjax.sparse_matrix(np.ones((3, 3)) / 2), sparsity=2)
    big = sp.random(3000, 3000, density=1e-4, random_state=1, format="csr")
    with pytest.raises(ValueError, match="MAX_CIRCUIT_AMPLITUDES"):
        sparse_access_circuit(qsjax.sparse_matrix(big))
    wide = sparse_access_circuit(qsjax.sparse_matrix(0.5 * np.eye(512)))  # 2**20 amplitudes per input
    with pytest.raises(ValueError, match="MAX_BLOCK_AMPLITUDES"):
        wide.block()
    assert 512 * wide.amplitudes > MAX_BLOCK_AMPLITUDES
    circ = sparse_access_circuit(src)
    with pytest.raises(ValueError, match="shape"):
        circ.apply(np.ones(5))
    with pytest.raises(qsjax.UnsupportedModeError):
        circ.block("channel", 100)
    with pytest.raises(ValueError, match="mode 'counts' needs a jax.random key"):
        circ.block("counts", 100)
    with pytest.raises(ValueError, match="index_mode 'counts' needs a jax.random key"):
        circ.block("ideal", index_mode=qsjax.Counts(100))
