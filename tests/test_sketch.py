"""The QOS engine: every mode against independent references and against the other modes."""

import math

import helpers
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.stats
from helpers import multinomial_outcomes, multinomial_pmf

import qsjax


def exact_average(phases_of_counts, p, m):
    """E[exp(i phi)] and E[exp(i(phi_v - phi_w))] by summing over every multinomial outcome."""
    mean, chi = 0.0, 0.0
    for n in multinomial_outcomes(m, len(p)):
        w = multinomial_pmf(n, p)
        e = np.exp(1j * phases_of_counts(n))
        mean = mean + w * e
        chi = chi + w * np.outer(e, e.conj())
    return mean, chi


# ----------------------------------------------------------------------------- references


def test_ideal_is_the_phase_oracle(rng):
    f = rng.integers(0, 2, 37)
    o = qsjax.boolean_oracle(qsjax.BooleanData(f))
    np.testing.assert_allclose(o.ideal(), (-1.0) ** f, atol=1e-12)
    np.testing.assert_allclose(
        qsjax.boolean_oracle(qsjax.BooleanData(f), inverse=True).ideal(), (-1.0) ** f, atol=1e-12
    )
    p = rng.dirichlet(np.ones(37))
    o = qsjax.boolean_oracle(qsjax.BooleanData(f, p))
    assert np.isclose(float(o.t), 1 / p.max())
    np.testing.assert_allclose(o.ideal(), np.exp(1j * p * f / p.max()), atol=1e-12)
    oi = qsjax.boolean_oracle(qsjax.BooleanData(f, p), inverse=True)
    np.testing.assert_allclose(oi.ideal(), np.exp(-1j * p * f / p.max()), atol=1e-12)


@pytest.mark.parametrize("m", [1, 7, 1000, 10**6, 10**9])
def test_expected_equals_closed_form(m, rng):
    n = 50
    f = rng.integers(0, 2, n)
    p = rng.dirichlet(np.ones(n))
    t = 3.7 / p.max()
    o = qsjax.boolean_oracle(qsjax.BooleanData(f, p), t=t)
    theta = t * f
    # independent evaluation: per-entry binomial sum for small m, numpy power otherwise
    if m <= 7:
        ref = sum(
            math.comb(m, k) * p**k * (1 - p) ** (m - k) * np.exp(1j * theta * k / m) for k in range(m + 1)
        )
    elif m <= 1000:
        ref = (1 + p * (np.exp(1j * theta / m) - 1)) ** m
    else:  # |z| << 1: the Taylor series of log(1 + z), independent of the library's formula
        a = theta / m
        z = p * (-2 * np.sin(a / 2) ** 2 + 1j * np.sin(a))
        log1p = sum((-1) ** (k + 1) * z**k / k for k in range(1, 8))
        ref = np.exp(m * log1p)
    np.testing.assert_allclose(o.expected(m), ref, rtol=1e-9, atol=1e-12)


def test_expected_is_stable_for_tiny_angles():
    # per-sample angle pi N / M = 1e-9: a naive power would lose all digits
    f = np.ones(8)
    o = qsjax.boolean_oracle(qsjax.BooleanData(f))
    m = 8 * 10**9 * 3
    e = o.expected(m)
    # log E = M log1p(p (e^{ia} - 1)), a = pi N / M; expand to second order in a
    a = np.pi * 8 / m
    p = 1 / 8
    log_ref = m * (p * (1j * a - a**2 / 2) - (p * 1j * a) ** 2 / 2)
    np.testing.assert_allclose(e, np.exp(log_ref), rtol=1e-12)
    assert np.all(np.abs(e) < 1)


def test_channel_and_expected_match_exact_enumeration(rng):
    n, m = 3, 5
    f = np.array([1, 0, 1])
    p = np.array([0.5, 0.2, 0.3])
    o = qsjax.boolean_oracle(qsjax.BooleanData(f, p), t=2.3)
    mean, chi = exact_average(lambda c: 2.3 * f * c / m, p, m)
    ch = o.channel(m)
    np.testing.assert_allclose(ch.mean, mean, atol=1e-12)
    np.testing.assert_allclose(o.expected(m), mean, atol=1e-12)
    np.testing.assert_allclose(ch.chi, chi, atol=1e-12)
    # controlled channel against enumeration of controlled phases (index c * N + j)
    mean_c, chi_c = exact_average(lambda c: np.concatenate([np.zeros(n), 2.3 * f * c / m]), p, m)
    cc = ch.controlled()
    np.testing.assert_allclose(cc.chi, chi_c, atol=1e-12)
    np.testing.assert_allclose(cc.mean, mean_c, atol=1e-12)


def test_multibit_oracle_matches_enumeration_and_single_bits(rng):
    n, b, m = 2, 3, 4
    f = np.array([[1, 0, 1], [1, 1, 0]])
    p = np.array([0.35, 0.65])
    o = qsjax.boolean_oracle(qsjax.BooleanData(f, p), t=1.9)
    assert o.ideal().shape == (b, n)
    # layout (b, N): flattened v = j * N + x
    mean, chi = exact_average(lambda c: (1.9 * f.T * c[None, :] / m).reshape(-1), p, m)
    np.testing.assert_allclose(o.expected(m).reshape(-1), mean, atol=1e-12)
    np.testing.assert_allclose(o.channel(m).chi, chi, atol=1e-12)
    for j in range(b):
        single = qsjax.boolean_oracle(qsjax.BooleanData(f[:, j], p), t=1.9)
        np.testing.assert_allclose(o.expected(m)[j], single.expected(m), atol=1e-13)


def test_naive_baseline_matches_enumeration():
    # cells = (x, u): x ~ p, u uniform over N' = 4; exact average over all outcomes
    f = np.array([1, 0, 1, 1])
    p = np.array([0.1, 0.2, 0.3, 0.4])
    m, t = 3, 2.1
    nv = qsjax.naive_boolean_oracle(qsjax.BooleanData(f, p), t=t)
    cells_p = np.repeat(p, 4) / 4
    xs, us = np.repeat(np.arange(4), 4), np.tile(np.arange(4), 4)
    idx = np.arange(4)
    zmat = 1.0 - 2.0 * (np.bitwise_count(us[:, None] & idx[None, :]) & 1)  # (-1)^{u·v}
    sgn = 1.0 - 2.0 * (np.bitwise_count(xs & us) & 1)
    coef = t / m * f[xs] * sgn  # per-cell coefficient

    def phases(c):
        return (c * coef) @ zmat

    mean, chi = exact_average(phases, cells_p, m)
    np.testing.assert_allclose(nv.expected(m), mean, atol=1e-12)
    ch = nv.channel(m)
    np.testing.assert_allclose(ch.chi, chi, atol=1e-12)
    np.testing.assert_allclose(nv.ideal(), np.exp(1j * t * p * f), atol=1e-12)


# ----------------------------------------------------------------------------- modes vs each other


def test_sampled_mean_converges_to_expected():
    f = np.array([1, 0, 1, 1, 0, 1, 0, 0])
    o = qsjax.boolean_oracle(qsjax.BooleanData(f))
    m, reps = 40, 3000
    keys = jax.random.split(jax.random.key(11), reps)
    real = np.asarray(jax.vmap(lambda k: o.sampled(k, m, chunk_size=16))(keys))
    # z-test per entry (real and imaginary parts, Bonferroni over the 16): level helpers.ALPHA;
    # unmarked entries are exactly 1 in every realisation (zero variance, must match to rounding)
    helpers.assert_mean_matches(real, np.asarray(o.expected(m)), floor=1e-12, what="sampled mean")
    # power: E[V] is 0.58 away from the ideal oracle on marked entries, the standard error <= 0.02
    assert np.max(np.abs(np.asarray(o.expected(m)) - np.asarray(o.ideal()))) > 0.5


def test_counts_and_sampled_have_the_same_distribution():
    p = np.array([0.1, 0.4, 0.2, 0.3])
    d = qsjax.BooleanData(np.array([1, 0, 1, 0]), p)
    o = qsjax.boolean_oracle(d)
    m, reps = 25, 2500
    keys = jax.random.split(jax.random.key(5), reps)
    via_counts = np.asarray(jax.vmap(lambda k: d.counts(k, m))(keys))
    via_samples = np.asarray(
        jax.vmap(lambda k: o.sample_counts(k, m, chunk_size=8))(jax.random.split(jax.random.key(6), reps))
    )
    cov_ref = m * (np.diag(p) - np.outer(p, p))
    iu = np.triu_indices(4)
    for c in (via_counts, via_samples):
        assert np.all(c.sum(axis=1) == m)
        # exact multinomial moments: mean m p (exact standard error), covariance m (diag p - p p^T)
        # (standard error of each sample covariance from the sample of centred products); z-tests
        # at family-wise level helpers.ALPHA over the 4 means and the 10 covariances
        assert np.all(np.abs(c.mean(0) - m * p) < helpers.z_bound(4) * np.sqrt(m * p * (1 - p) / reps))
        centred = c - m * p
        prods = centred[:, iu[0]] * centred[:, iu[1]]
        helpers.assert_mean_matches(prods, cov_ref[iu], what="multinomial covariance")
    # two-sample chi-square on the histogram of the count of cell 1
    bins = np.arange(m + 2)
    h1, _ = np.histogram(via_counts[:, 1], bins)
    h2, _ = np.histogram(via_samples[:, 1], bins)
    keep = (h1 + h2) > 0
    _, pval, _, _ = scipy.stats.chi2_contingency(np.stack([h1[keep], h2[keep]]))
    assert pval > helpers.P_MIN


def test_observable_average_over_counts_matches_channel():
    rng = np.random.default_rng(1)
    f = rng.integers(0, 2, 16)
    o = qsjax.boolean_oracle(qsjax.BooleanData(f))
    m, reps = 300, 4000
    psi = np.exp(1j * rng.uniform(0, 2 * np.pi, 16)) / 4
    target = o.ideal() * psi
    fid = jax.vmap(lambda k: qsjax.kernels.fidelity(target, o.counts(k, m) * psi))(
        jax.random.split(jax.random.key(2), reps)
    )
    rho = o.channel(m).apply_to_state(psi)
    fid_channel = float(np.real(np.vdot(target, rho @ target)))
    se = float(np.std(fid)) / np.sqrt(reps)
    # z-test at level helpers.ALPHA (|z| < 4.42)
    assert abs(float(np.mean(fid)) - fid_channel) < helpers.Z * se, (np.mean(fid), fid_channel, se)
    assert fid_channel < 0.999  # the check is not vacuous: the channel is visibly noisy


def test_counts_at_a_million_cells_and_1e12_samples():
    big_n, m = 2**20, 10**12
    d = qsjax.BooleanData(np.zeros(big_n))
    n = np.asarray(d.counts(jax.random.key(0), m))
    assert n.dtype == np.int64
    assert int(n.sum()) == m  # exact: the mean of the cells is fixed, so it tests nothing else
    # Three statistics that a wrong sampler moves, each at level ALPHA / 3 (family-wise ALPHA):
    # 1. Pearson's chi-square over the 2^20 cells, ~ chi2(N - 1) for Multinomial(m, uniform): a
    #    spread off by 0.6 % (float32 rounding, a normal approximation with the wrong variance) or
    #    too-regular counts fail the two-sided test.
    e = m / big_n
    stat = float(np.sum((n - e) ** 2) / e)
    tail = min(scipy.stats.chi2.sf(stat, big_n - 1), scipy.stats.chi2.cdf(stat, big_n - 1))
    assert 2 * tail > helpers.ALPHA / 3, (stat, big_n - 1)
    # 2. one weighted cell: the total of a fixed random half of the cells ~ Binomial(m, K / N)
    cells = np.random.default_rng(0).permutation(big_n)[: big_n // 2]
    helpers.assert_binomial_z(n[cells].sum(), m, cells.size / big_n, k=3, what="random half")
    # 3. a linear trend over the index (a position-dependent bias of the binary splitting):
    #    T = sum_x w_x n_x with w_x = x / N; E[T] = m mean(w), Var[T] = m var(w)
    w = np.arange(big_n) / big_n
    z = (float(np.dot(w, n)) - m * w.mean()) / math.sqrt(m * w.var())
    assert abs(z) < helpers.z_bound(3), z


def test_same_key_same_result_whatever_the_chunk_size():
    f = np.random.default_rng(3).integers(0, 2, 100)
    o = qsjax.boolean_oracle(qsjax.BooleanData(f))
    key = jax.random.key(9)
    ref = o.sampled(key, 100_003, chunk_size=1 << 16)
    for cs in (977, 4096, 100_003, 10**6):
        np.testing.assert_array_equal(o.sampled(key, 100_003, chunk_size=cs), ref)
    # one-sample chunks (one loop step per sample) on a short stream
    np.testing.assert_array_equal(o.sampled(key, 300, chunk_size=1), o.sampled(key, 300, chunk_size=64))
    d = qsjax.BooleanData(f)
    idx = np.concatenate([np.asarray(i) for i, _ in d.chunks(key, 5000, chunk_size=333)])
    np.testing.assert_array_equal(idx, d.sample(key, 5000)[0])
    assert not np.array_equal(o.sampled(jax.random.key(10), 100_003), ref)


def test_user_stream_equals_sampled_with_the_same_samples():
    rng = np.random.default_rng(4)
    f = rng.integers(0, 2, (64, 2))
    d = qsjax.BooleanData(f)
    o = qsjax.boolean_oracle(d)
    key = jax.random.key(1)
    m = 20_000
    batches = [(np.asarray(i), np.asarray(v)) for i, v in d.chunks(key, m, chunk_size=3000)]
    via_stream = qsjax.evaluate(o, "sampled", stream=batches)
    via_iid = qsjax.evaluate(o, "sampled", m, key=key, chunk_size=4096)
    np.testing.assert_allclose(via_stream, via_iid, atol=1e-12)
    # a generator function can be walked twice; m is checked against the count
    stream = qsjax.Stream(lambda: iter(batches), 64)
    np.testing.assert_allclose(o.from_stream(stream, m), via_stream, atol=1e-14)
    with pytest.raises(ValueError, match="yielded 20000"):
        o.from_stream(stream, m + 1)


def test_vector_and_counts_sources(rng):
    v = rng.normal(size=10)
    d = qsjax.VectorData(v)
    idx, vals = d.sample(jax.random.key(0), 1000)
    np.testing.assert_allclose(vals, v[np.asarray(idx)])
    assert isinstance(qsjax.from_numpy(np.array([0, 1, 1]), "boolean"), qsjax.BooleanData)
    assert isinstance(qsjax.from_numpy(v, "vector"), qsjax.VectorData)
    # the kind is explicit: 0/1 values are not guessed to be a truth table
    assert isinstance(qsjax.from_numpy(np.array([1.0, 0.0, 1.0]), kind="vector"), qsjax.VectorData)
    with pytest.raises(TypeError, match="kind"):
        qsjax.from_numpy(v)
    with pytest.raises(ValueError, match="kind"):
        qsjax.from_numpy(v, "table")
    # non-uniform sampling of explicit indices follows p
    p = rng.dirichlet(np.ones(10))
    idx, _ = qsjax.VectorData(v, p).sample(jax.random.key(1), 50_000)
    _, pval = scipy.stats.chisquare(np.bincount(np.asarray(idx), minlength=10), 50_000 * p)
    assert pval > helpers.P_MIN


# ----------------------------------------------------------------------------- transformations


def test_jit_vmap_over_seeds_and_truth_tables(rng):
    tables = jnp.asarray(rng.integers(0, 2, (5, 32)))

    @jax.jit
    def err(table, key, m):
        o = qsjax.boolean_oracle(qsjax.BooleanData(table))
        return qsjax.operator_norm_error(o.counts(key, m), o.ideal())

    keys = jax.random.split(jax.random.key(0), 7)
    grid = jax.vmap(lambda t: jax.vmap(lambda k: err(t, k, 10**5))(keys))(tables)
    assert grid.shape == (5, 7)
    # reference: the public multinomial draw of the same key, phases and error in numpy
    p = jnp.full(32, 1 / 32)
    for i, j in ((0, 3), (4, 6), (2, 0)):
        n = np.asarray(qsjax.random.multinomial_counts(keys[j], 10**5, p))
        f = np.asarray(tables[i], float)
        ref = np.max(np.abs(np.exp(1j * np.pi * 32 * f * n / 10**5) - (-1.0) ** f))
        np.testing.assert_allclose(grid[i, j], ref, rtol=1e-10)
    # vmap over sample sizes in expected mode, against the closed form
    o = qsjax.boolean_oracle(qsjax.BooleanData(tables[0]))
    ms = jnp.array([1e3, 1e4, 1e5])
    errs = jax.vmap(lambda m: qsjax.operator_norm_error(o.expected(m), o.ideal()))(ms)
    f = np.asarray(tables[0], float)
    ref = [
        np.max(np.abs(helpers.expected_ref(np.pi * 32 * f, np.full(32, 1 / 32), m) - (-1.0) ** f))
        for m in (1e3, 1e4, 1e5)
    ]
    # (numpy's (1 + z)^m carries a relative error ~ m eps = 2e-11 in E[V], i.e. ~1e-8 relative in
    # an error of 1.5e-3 at m = 1e5: rtol 1e-7)
    np.testing.assert_allclose(errs, ref, rtol=1e-7)


def test_grad_of_expected_error(rng):
    f = rng.integers(0, 2, 16).astype(float)
    f[0] = 1

    def err_sq(t, values, m):
        o = qsjax.boolean_oracle(qsjax.BooleanData(values, binary=False), t=t)
        u = jnp.asarray(np.exp(1j * np.pi * f))
        return jnp.sum(jnp.abs(o.expected(m) - u) ** 2)

    t0, m0 = 16 * np.pi * 1.01, 2000.0
    g_t, g_v = jax.grad(err_sq, argnums=(0, 1))(t0, jnp.asarray(f), m0)
    h = 1e-6
    fd_t = (err_sq(t0 + h, f, m0) - err_sq(t0 - h, f, m0)) / (2 * h)
    np.testing.assert_allclose(g_t, fd_t, rtol=1e-5)
    e = np.zeros(16)
    e[3] = h
    fd_v = (err_sq(t0, f + e, m0) - err_sq(t0, f - e, m0)) / (2 * h)
    np.testing.assert_allclose(g_v[3], fd_v, rtol=1e-5, atol=1e-10)

    # local scaling exponent d log(error) / d log M -> -1 for the expected mode
    def log_err(log_m):
        o = qsjax.boolean_oracle(qsjax.BooleanData(f))
        return jnp.log(qsjax.operator_norm_error(o.expected(jnp.exp(log_m)), o.ideal()))

    slope = jax.grad(log_err)(jnp.log(1e7))
    assert abs(float(slope) + 1) < 1e-3


def test_complex64_default_dtype(default_precision):
    # (every mode against its reference in complex64: tests/test_default_precision.py)
    f = np.array([0, 1, 1, 0])
    d = qsjax.BooleanData(f.astype(np.float32))
    o = qsjax.boolean_oracle(d)
    key, theta, p = jax.random.key(0), 4 * np.pi * f, np.full(4, 0.25)
    n = np.asarray(qsjax.random.multinomial_counts(key, 1000, d.probabilities))
    for v, ref in (
        (o.ideal(), (-1.0) ** f),
        (o.expected(1000), helpers.expected_ref(theta, p, 1000)),
        (o.counts(key, 1000), np.exp(1j * theta * n / 1000)),
        (o.sampled(key, 1000), helpers.sampled_ref(d, key, 1000, theta)),
        (o.expected(10**6), helpers.expected_ref(theta, p, 1e6)),
    ):
        assert v.dtype == jnp.complex64
        np.testing.assert_allclose(np.asarray(v), ref, atol=2e-5)


# ----------------------------------------------------------------------------- bad input


def test_bad_input_raises_clear_errors():
    with pytest.raises(ValueError, match="truth_table must contain only 0 and 1"):
        qsjax.BooleanData([0, 1, 2])
    with pytest.raises(ValueError, match="truth_table contains NaN"):
        qsjax.BooleanData([0, np.nan])
    with pytest.raises(ValueError, match="p must be non-negative"):
        qsjax.BooleanData([0, 1], p=[1.5, -0.5])
    with pytest.raises(ValueError, match="p must sum to 1"):
        qsjax.BooleanData([0, 1], p=[0.5, 0.6])
    with pytest.raises(ValueError, match=r"p must have shape \(2,\)"):
        qsjax.BooleanData([0, 1], p=[0.2, 0.3, 0.5])
    with pytest.raises(ValueError, match="vector contains NaN"):
        qsjax.VectorData([1.0, np.inf])
    with pytest.raises(TypeError, match="truth_table must be real"):
        qsjax.BooleanData(np.array([1j, 0]))
    o = qsjax.boolean_oracle(qsjax.BooleanData([0, 1, 1, 0]))
    key = jax.random.key(0)
    for bad in (0, -5):
        with pytest.raises(ValueError, match="m must be a positive"):
            o.counts(key, bad)
        with pytest.raises(ValueError, match="m must be a positive"):
            o.expected(bad)
    with pytest.raises(ValueError, match="m must be a positive integer"):
        o.counts(key, 10.5)
    with pytest.raises(ValueError, match="m must be a positive integer"):
        o.sampled(key, 1e3 + 0.5)
    with pytest.raises(ValueError, match="m must be a positive, finite"):
        o.expected(np.nan)
    with pytest.raises(ValueError, match="mode must be one of"):
        qsjax.evaluate(o, "exact", 100)
    with pytest.raises(ValueError, match="needs a jax.random key"):
        qsjax.evaluate(o, "counts", 100)
    with pytest.raises(ValueError, match="needs the number of samples"):
        qsjax.evaluate(o, "expected")
    with pytest.raises(ValueError, match="t must be a scalar"):
        qsjax.boolean_oracle(qsjax.BooleanData([0, 1]), t=[1.0, 2.0])
    with pytest.raises(TypeError, match="data must be a qsjax.BooleanData"):
        qsjax.boolean_oracle(np.array([0, 1]))
    with pytest.raises(ValueError, match="indices must lie in"):
        o.from_stream([(np.array([0, 4]), np.array([1.0, 0.0]))])
    with pytest.raises(ValueError, match="values has"):
        o.from_stream([(np.array([0, 1]), np.array([1.0]))])
    with pytest.raises(ValueError, match="chunk_size must be a positive integer"):
        o.sampled(key, 100, chunk_size=0)
    with pytest.raises(ValueError, match="explicit samples would materialise"):
        qsjax.BooleanData([0, 1]).sample(key, 2**40)
    with pytest.raises(ValueError, match="power of two"):
        qsjax.kernels.num_qubits(12)


def test_samples_for_error_formula():
    assert qsjax.samples_for_error(0.01, 100) == math.ceil(2 * np.pi**2 * 100 / 0.01)
    with pytest.raises(ValueError, match="epsilon must be in"):
        qsjax.samples_for_error(0, 100)


def test_counts_on_a_support_has_the_same_distribution():
    f = np.zeros(64)
    f[[3, 17, 40]] = 1
    p = np.random.default_rng(2).dirichlet(np.ones(64))
    o = qsjax.boolean_oracle(qsjax.BooleanData(f, p), t=2.0)
    keys = jax.random.split(jax.random.key(8), 3000)
    m = 200
    dense = jax.vmap(lambda k: o.counts(k, m))(keys)
    sparse = jax.vmap(lambda k: o.counts(k, m, support=np.array([3, 17, 40])))(keys)
    np.testing.assert_array_equal(sparse[:, 0], 1.0)  # unmarked cells carry no phase
    # two-sample z-tests of the first and second moments (Bonferroni over entries and parts, level
    # helpers.ALPHA each), and the one-sample z-test of the mean against E[V]
    for mom in (lambda v: v, lambda v: v * v):
        a, b = mom(np.asarray(dense[:, [3, 17, 40]])), mom(np.asarray(sparse[:, [3, 17, 40]]))
        helpers.assert_same_mean(a, b, what="support vs dense counts")
    helpers.assert_mean_matches(
        np.asarray(sparse), np.asarray(o.expected(m)), floor=1e-12, what="support counts vs E[V]"
    )
