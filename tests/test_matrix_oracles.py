"""Sparse matrix sources, the matrix-element oracle (Lemma D.19) and the operator-level sparse-access
block encoding, against explicit dense constructions (numpy/scipy) on fresh random inputs."""

import helpers
import jax
import jax.numpy as jnp
import lineax as lx
import numpy as np
import pytest
import scipy.sparse as sp
import scipy.stats

import qsjax
from qsjax.blockencoding import SineLCUEncoding, sine_lcu_signal

RNG = np.random.default_rng(20261202)


def _random_sparse(n, d, density, rng, fmt="csr"):
    a = sp.random(n, d, density=density, random_state=rng, format=fmt)
    a.data = rng.uniform(-1.0, 1.0, size=a.data.shape)
    if a.nnz == 0:  # at least one nonzero
        a = sp.lil_array((n, d))
        a[0, 0] = 0.5
        a = a.asformat(fmt)
    return a


A = _random_sparse(6, 9, 0.3, RNG)
AD = A.toarray()


# ----------------------------------------------------------------------------- sources


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo", "dense"])
def test_sparse_matrix_from_every_format_equals_the_input(fmt):
    src = AD if fmt == "dense" else A.asformat(fmt)
    m = qsjax.sparse_matrix(src)
    assert m.shape == AD.shape and m.nnz == np.count_nonzero(AD)
    np.testing.assert_array_equal(m.todense(), AD)
    assert m.row_sparsity == np.count_nonzero(AD, axis=1).max()
    assert m.col_sparsity == np.count_nonzero(AD, axis=0).max()


def test_duplicates_are_summed_and_explicit_zeros_dropped():
    coo = sp.coo_array(([0.25, 0.5, 0.0, -0.5], ([0, 0, 1, 2], [1, 1, 0, 2])), shape=(3, 3))
    m = qsjax.sparse_matrix(coo)
    assert m.nnz == 2  # (0, 1) = 0.75, (2, 2) = -0.5; the explicit zero is gone
    np.testing.assert_allclose(m.todense(), coo.toarray())


def _views():
    m = qsjax.sparse_matrix(A)
    lam = 0.37
    herm = np.block([[np.zeros((6, 6)), AD], [AD.T, np.zeros((9, 9))]])
    ridge = np.vstack([AD, np.sqrt(lam) * np.eye(9)])
    return [
        ("matrix", m, AD),
        ("embedding", qsjax.hermitian_embedding(m), herm),
        ("ridge", qsjax.ridge_augmentation(m, lam), ridge),
        ("embedded ridge", qsjax.hermitian_embedding(qsjax.ridge_augmentation(m, lam)), None),
    ]


@pytest.mark.parametrize("name, src, dense", _views(), ids=[v[0] for v in _views()])
def test_views_entries_rows_columns_and_products(name, src, dense):
    if dense is None:  # the classification matrix: embedding of [X; sqrt(lam) I]
        r = np.vstack([AD, np.sqrt(0.37) * np.eye(9)])
        dense = np.block([[np.zeros((15, 15)), r], [r.T, np.zeros((9, 9))]])
        assert src.shape == (6 + 2 * 9, 6 + 2 * 9)  # N + 2D, as in the LS-SVM machine size
    np.testing.assert_allclose(src.todense(), dense, atol=1e-6)
    assert src.nnz == np.count_nonzero(dense)
    rows, cols, _ = (np.asarray(a) for a in src.elements())
    for r in range(dense.shape[0]):
        k, mask = (np.asarray(a) for a in src.row_entries(r))
        assert k.shape == (src.row_sparsity,)
        assert (rows[k[mask]] == r).all() and list(cols[k[mask]]) == list(np.flatnonzero(dense[r]))
    for c in range(dense.shape[1]):
        k, mask = (np.asarray(a) for a in src.col_entries(c))
        assert (cols[k[mask]] == c).all() and list(rows[k[mask]]) == list(np.flatnonzero(dense[:, c]))
    x = RNG.normal(size=dense.shape[1])
    y = RNG.normal(size=dense.shape[0])
    np.testing.assert_allclose(src.matvec(x), dense @ x, atol=1e-10)
    np.testing.assert_allclose(src.rmatvec(y), dense.T @ y, atol=1e-10)
    assert src.symmetric == (name in ("embedding", "embedded ridge"))


def test_element_samples_are_uniform_over_the_nonzeros():
    m = qsjax.sparse_matrix(A)
    counts = np.asarray(m.element_counts(jax.random.key(1), 200_000))
    assert counts.sum() == 200_000
    pval = scipy.stats.chisquare(counts).pvalue
    assert pval > helpers.P_MIN
    # explicit samples: chunked stream equals the one-shot draw, whatever the chunk size
    i, j, v = (np.asarray(a) for a in m.element_samples(jax.random.key(2), 1000))
    for chunk in (7, 1000, 4096):
        parts = list(m.element_chunks(jax.random.key(2), 1000, chunk))
        np.testing.assert_array_equal(np.concatenate([np.asarray(p[0]) for p in parts]), i)
    np.testing.assert_array_equal(AD[i, j], v)
    rows, k, mask = (np.asarray(a) for a in m.row_samples(jax.random.key(3), 50))
    assert rows.min() >= 0 and rows.max() < 6 and (mask.sum(1) == np.count_nonzero(AD[rows], axis=1)).all()
    assert int(m.row_counts(jax.random.key(4), 10_000).sum()) == 10_000


def test_huge_sparse_matrix_is_never_densified():
    n = 2**22  # the dense form would hold 2**44 entries (128 TiB in float64)
    rows = RNG.integers(0, n, 300)
    cols = RNG.integers(0, n, 300)
    big = sp.coo_array((RNG.uniform(-1, 1, 300), (rows, cols)), shape=(n, n))
    m = qsjax.sparse_matrix(big)
    enc = qsjax.sparse_access_encoding(qsjax.hermitian_embedding(m))
    x = jnp.zeros(2 * n).at[n + cols[0]].set(1.0)
    y = enc.operator().mv(x)
    assert y.shape == (2 * n,)
    ref = sp.csc_array(big)
    ref.sum_duplicates()
    col = ref[:, [cols[0]]].toarray().ravel() / enc.sparsity
    np.testing.assert_allclose(np.asarray(y[:n])[rows], col[rows], atol=1e-12)
    with pytest.raises(ValueError, match="todense"):
        m.todense()


@pytest.mark.parametrize(
    "bad, exc, match",
    [
        (np.zeros((3, 4)), ValueError, "no nonzero"),
        (np.zeros((0, 4)), ValueError, "at least one row"),
        (np.ones(4), ValueError, "2-D"),
        (np.array([[1.0, np.nan]]), ValueError, "NaN"),
        (np.array([[1j, 0]]), TypeError, "real"),
        ("matrix", TypeError, "scipy.sparse"),
    ],
)
def test_bad_matrices_are_refused(bad, exc, match):
    with pytest.raises(exc, match=match):
        qsjax.sparse_matrix(bad)


def test_bad_view_arguments_are_refused():
    m = qsjax.sparse_matrix(A)
    with pytest.raises(ValueError, match="lam"):
        qsjax.ridge_augmentation(m, -1.0)
    with pytest.raises(TypeError, match="matrix source"):
        qsjax.hermitian_embedding(AD)
    with pytest.raises(ValueError, match="shape"):
        m.matvec(np.ones(5))


# ----------------------------------------------------------------------------- the element oracle


def _dense_sine_lcu(v_full):
    """``(iX ⊗ I)(H ⊗ I)(|0><0| ⊗ V^dagger + |1><1| ⊗ V)(H ⊗ I)`` from gates (ancilla first)."""
    n = v_full.shape[0]
    eye = np.eye(n)
    hh = np.kron(helpers.HADAMARD, eye)
    ctrl = np.block([[np.diag(np.conj(v_full)), np.zeros((n, n))], [np.zeros((n, n)), np.diag(v_full)]])
    ix = np.kron(1j * np.array([[0, 1], [1, 0]]), eye)
    return ix @ hh @ ctrl @ hh


def test_element_oracle_equals_the_dense_circuit_on_all_registers():
    a = _random_sparse(4, 5, 0.4, RNG)
    m = qsjax.sparse_matrix(a, dtype=jnp.float64)
    oracle = qsjax.element_oracle(m)
    ideal = np.asarray(oracle.ideal())
    np.testing.assert_allclose(ideal, np.exp(1j * np.arcsin(np.asarray(m.values))), atol=1e-12)
    v_full = np.asarray(oracle.on_register(oracle.ideal()))  # |i, j> register, identity off the nonzeros
    dense = _dense_sine_lcu(v_full)
    # the library's query on every basis state of (ancilla, |i, j>)
    r = sine_lcu_signal(jnp.asarray(v_full))
    basis = jnp.eye(2 * v_full.shape[0], dtype=jnp.complex128).reshape(-1, 2, v_full.shape[0])
    enc = SineLCUEncoding(oracle, qsjax.Ideal(), None)
    lib = np.asarray(enc.apply_realisation(r, basis, adjoint=False)).reshape(len(basis), -1).T
    np.testing.assert_allclose(lib, dense, atol=1e-10)
    # the top-left block is diag(A_ij) over the whole register (0 off the nonzeros)
    np.testing.assert_allclose(
        np.diag(dense[: v_full.shape[0], : v_full.shape[0]]), a.toarray().ravel(), atol=1e-10
    )


def test_element_oracle_modes_against_their_definitions():
    a = _random_sparse(5, 5, 0.4, RNG)
    m = qsjax.sparse_matrix(a, dtype=jnp.float64)
    oracle = qsjax.element_oracle(m)
    k = m.nnz
    theta = k * np.arcsin(np.asarray(m.values))
    np.testing.assert_allclose(
        oracle.expected(1e4), helpers.expected_ref(theta, np.full(k, 1 / k), 1e4), atol=1e-12
    )
    key = jax.random.key(5)
    n = np.asarray(qsjax.random.multinomial_counts(key, 3000, jnp.full(k, 1 / k)))
    np.testing.assert_allclose(oracle.counts(key, 3000), np.exp(1j * theta * n / 3000), atol=1e-12)
    np.testing.assert_allclose(
        oracle.sampled(key, 3000), helpers.sampled_ref(oracle.phases.data, key, 3000, theta), atol=1e-12
    )
    chi = np.asarray(oracle.channel(50.0).chi)
    np.testing.assert_allclose(chi, helpers.orthogonal_chi_ref(theta, np.full(k, 1 / k), 50.0), atol=1e-12)


@pytest.mark.usefixtures("default_precision")
def test_element_oracle_default_precision_and_refusals():
    a = _random_sparse(5, 5, 0.4, RNG)
    m = qsjax.sparse_matrix(a)
    oracle = qsjax.element_oracle(m)
    assert m.values.dtype == jnp.float32 and oracle.ideal().dtype == jnp.complex64
    np.testing.assert_allclose(oracle.encoded_values(oracle.ideal()), np.asarray(m.values), atol=1e-6)
    big = qsjax.sparse_matrix(3.0 * a)
    with pytest.raises(ValueError, match=r"\|A_ij\| <= 1.*scaled"):
        qsjax.element_oracle(big)
    ok = qsjax.element_oracle(big.scaled(1.0 / big.max_abs()))
    assert float(jnp.max(jnp.abs(ok.encoded_values(ok.ideal())))) == pytest.approx(1.0, abs=1e-6)


# ----------------------------------------------------------------------------- operator level


def _hermitian_problem(rng, n=5, d=7):
    a = _random_sparse(n, d, 0.5, rng)
    m = qsjax.sparse_matrix(a, dtype=jnp.float64)
    h = qsjax.hermitian_embedding(m)
    enc = qsjax.sparse_access_encoding(h)
    dense = h.todense() / enc.sparsity
    return enc, dense


def test_operator_matches_the_dense_matrix_and_lineax():
    enc, dense = _hermitian_problem(RNG)
    op = enc.operator()
    np.testing.assert_allclose(op.todense(), dense, atol=1e-12)
    x = RNG.normal(size=dense.shape[0])
    np.testing.assert_allclose(op.mv(x), dense @ x, atol=1e-12)
    np.testing.assert_allclose(op.rmv(x), dense.T @ x, atol=1e-12)
    lin = op.as_lineax()
    assert isinstance(lin, lx.AbstractLinearOperator) and lx.is_symmetric(lin)
    np.testing.assert_allclose(lin.as_matrix(), dense, atol=1e-12)
    b = dense @ x  # a consistent right-hand side: lineax's classical least-squares solve recovers it
    sol = lx.linear_solve(lin, jnp.asarray(b), solver=lx.SVD()).value
    np.testing.assert_allclose(dense @ np.asarray(sol), b, atol=1e-9)


def test_polynomial_of_the_encoding_equals_the_dense_matrix_function():
    enc, dense = _hermitian_problem(RNG)
    coeffs = RNG.normal(size=8)
    b = RNG.normal(size=(3, dense.shape[0]))
    lam, vec = np.linalg.eigh(dense)
    ref = (vec @ np.diag(np.polynomial.chebyshev.chebval(lam, coeffs)) @ vec.T @ b.T).T
    np.testing.assert_allclose(enc.polynomial(coeffs, b), ref, atol=1e-10)
    poly = qsjax.sign_polynomial(9, 0.2)
    ref = vec @ np.diag(np.polynomial.chebyshev.chebval(lam, poly.coeffs)) @ vec.T @ b[0]
    np.testing.assert_allclose(enc.polynomial(poly, b[0]), ref, atol=1e-10)


def test_sketched_operator_modes_converge_and_transform():
    enc, dense = _hermitian_problem(RNG)
    x = jnp.asarray(RNG.normal(size=dense.shape[0]))
    k = enc.oracle.dim
    # expected mode: entries Im E[V] = Im (1 + (e^{i K arcsin a / M} - 1) / K)^M, from the definition
    theta = k * np.arcsin(np.asarray(enc.matrix.values))
    exp_vals = np.imag(helpers.expected_ref(theta, np.full(k, 1 / k), 1e5))
    np.testing.assert_allclose(enc.operator("expected", 1e5).values, exp_vals, atol=1e-12)

    @jax.jit
    def errs(keys, m):
        ops = jax.vmap(lambda kk: enc.operator(qsjax.Counts(m), key=kk).mv(x))(keys)
        return jnp.linalg.norm(ops - dense @ x, axis=-1)

    keys = jax.random.split(jax.random.key(9), 64)
    small, large = np.asarray(errs(keys, 1e4)), np.asarray(errs(keys, 1e6))
    # single-realisation error ~ (K / M)^{1/2}: 100x the samples, 10x smaller (the mean ratio is
    # compared with a 3x margin, far outside the spread of 64-sample means)
    assert small.mean() / large.mean() > 10 / 3
    # grad through the operator-level QSVT with respect to the vector, in expected mode
    g = jax.grad(lambda v: jnp.sum(enc.polynomial(np.array([0.0, 1.0, 0.0, -0.5]), v, "expected", 1e5) ** 2))(
        x
    )
    assert np.all(np.isfinite(np.asarray(g))) and float(jnp.linalg.norm(g)) > 0
    with pytest.raises(qsjax.UnsupportedModeError, match="channel"):
        enc.operator("channel", 100)
    with pytest.raises(ValueError, match="Hermitian"):
        qsjax.sparse_access_encoding(enc.matrix.base).polynomial([1.0], np.ones(5))
    with pytest.raises(ValueError, match="sparsity"):
        qsjax.sparse_access_encoding(enc.matrix, sparsity=0)


# ----------------------------------------------------------------------------- Fig. 3, element panel


def test_element_fit_matches_the_paper():
    """``M = C nnz^alpha / eps^beta`` over 100 x 100 matrices, nnz 250..2000, M 1e5..1e8 (expected
    mode, the paper's Fig. 3 element panel): C within 15% of the paper's 1.1, exponents 1 ± 0.03."""
    ms = qsjax.experiments.log_grid(1e5, 1e8, 2)
    rows = [
        r
        for r in qsjax.experiments.element_error_sweep([250, 500, 1000, 2000], ms, seeds=2)
        if r["error"] <= 0.05
    ]
    fit = qsjax.fit_sample_complexity(*([r[k] for r in rows] for k in ("nnz", "m", "error")))
    assert abs(fit.alpha - 1.0) <= 0.03 and abs(fit.beta - 1.0) <= 0.03, fit
    assert abs(fit.c / 1.1 - 1.0) <= 0.15, fit


# ----------------------------------------------------------------------------- the row-index oracle


def test_row_index_oracle_columns_and_dense_xor_circuit():
    a = _random_sparse(6, 10, 0.3, RNG)
    m = qsjax.sparse_matrix(a, dtype=jnp.float64)
    oracle = qsjax.row_index_oracle(m)
    cols = np.asarray(oracle.columns)
    dense = a.toarray()
    for i in range(6):  # ranks list the row's nonzero columns first, then unused ones; injective
        nz = list(np.flatnonzero(dense[i]))
        assert list(cols[i, : len(nz)]) == nz and len(set(cols[i])) == cols.shape[1]
    b = oracle.n_bits
    assert b == 4
    # dense XOR oracle on |k>|y> for every row from gates: H^{⊗b} diag((-1)^{y.j}) H^{⊗b} = X^j
    v = np.asarray(oracle.bit_phases(oracle.ideal()))  # (N, s, b)
    hb = helpers.dense_on_qubits(b, {q: helpers.HADAMARD for q in range(b)})
    for i in range(6):
        for k in range(cols.shape[1]):
            # bit m of the column is qubit m counted from the least significant end
            phase = np.array([np.prod([v[i, k, q] for q in range(b) if (y >> q) & 1]) for y in range(2**b)])
            u = hb @ np.diag(phase) @ hb
            ref = np.zeros((2**b, 2**b))
            ref[np.arange(2**b) ^ cols[i, k], np.arange(2**b)] = 1.0
            np.testing.assert_allclose(u, ref, atol=1e-10)
    np.testing.assert_allclose(oracle.column_fidelity(oracle.ideal()), 1.0, atol=1e-12)
    np.testing.assert_allclose(oracle.operator_errors(oracle.ideal()), 0.0, atol=1e-12)


def test_row_index_oracle_modes_and_error_law():
    a = _random_sparse(8, 8, 0.4, RNG)
    oracle = qsjax.row_index_oracle(qsjax.sparse_matrix(a, dtype=jnp.float64))
    n = 8
    m = 1e6
    err = np.asarray(oracle.operator_errors(oracle.expected(m)))
    pop = np.vectorize(lambda j: bin(int(j)).count("1"))(np.asarray(oracle.columns))
    # leading order: popcount(j) * pi^2 (N - 1) / (2M), to O((N/M)^2)
    np.testing.assert_allclose(err, pop * np.pi**2 * (n - 1) / (2 * m), rtol=1e-3, atol=1e-12)
    key = jax.random.key(3)
    counts = qsjax.random.multinomial_counts(key, 5000, jnp.full(n, 1 / n))
    bits = np.asarray(oracle.phases.data.values).T  # (s*b, N)
    np.testing.assert_allclose(
        oracle.counts(key, 5000), np.exp(1j * np.pi * n * bits * counts / 5000), atol=1e-12
    )
    assert oracle.sampled(key, 5000).shape == bits.shape


def test_row_index_fit_matches_the_paper():
    """``M = C (N log2 N)^alpha / eps^beta``, N x N matrices with row sparsity 8, N = 50..500,
    expected mode, mean operator-norm error over rows and ranks: C within 15% of the paper's 2.2,
    exponents within 0.03 of 1."""
    ms = qsjax.experiments.log_grid(1e5, 1e8, 2)
    rows = [
        r
        for r in qsjax.experiments.row_index_error_sweep([50, 100, 200, 500], ms, seeds=1)
        if r["error_mean"] <= 0.05
    ]
    size = [r["n"] * np.log2(r["n"]) for r in rows]
    fit = qsjax.fit_sample_complexity(size, [r["m"] for r in rows], [r["error_mean"] for r in rows])
    assert abs(fit.alpha - 1.0) <= 0.03 and abs(fit.beta - 1.0) <= 0.03, fit
    assert abs(fit.c / 2.2 - 1.0) <= 0.15, fit


def test_user_streams_of_element_and_row_samples():
    """A user's stream of explicit samples gives the same realisation as the library's own stream
    of the same samples (exp of the per-cell sums), batches of any size."""
    a = _random_sparse(6, 6, 0.4, RNG)
    m = qsjax.sparse_matrix(a, dtype=jnp.float64)
    oracle = qsjax.element_oracle(m)
    i, j, v = (np.asarray(x) for x in m.element_samples(jax.random.key(4), 999))
    batches = [(i[s : s + 100], j[s : s + 100], v[s : s + 100]) for s in range(0, 999, 100)]
    k = m.nonzero_index(i, j)
    ref = np.exp(1j * m.nnz * np.bincount(k, weights=np.arcsin(v), minlength=m.nnz) / 999)
    np.testing.assert_allclose(oracle.from_stream(batches), ref, atol=1e-12)
    with pytest.raises(ValueError, match="not nonzeros"):
        zero = np.argwhere(a.toarray() == 0)[0]
        oracle.from_stream([(np.array([zero[0]]), np.array([zero[1]]), np.array([0.5]))])
    ri = qsjax.row_index_oracle(m)
    rows = np.asarray(qsjax.random.sample_indices(jax.random.key(5), None, 6, 0, 1, 500))
    counts = np.bincount(rows, minlength=6)
    bits = np.asarray(ri.phases.data.values).T
    ref = np.exp(1j * np.pi * 6 * bits * counts / 500)
    np.testing.assert_allclose(ri.from_stream([rows[:123], rows[123:]]), ref, atol=1e-12)
    with pytest.raises(ValueError, match="row indices"):
        ri.from_stream([np.array([7])])
