"""Reliability of the metrics and kernels (issue 6): accuracy at large M, convergence of the simplex
maximisation, input checks, memory of shot sampling, exact histograms."""

import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.optimize
import scipy.stats

import qsjax
from qsjax.kernels import MAX_SHOTS

# Chi-square goodness-of-fit threshold. Under the null hypothesis (the sampler draws from
# |psi|^2 / ||psi||^2) the p-value is uniform on [0, 1], so a correct sampler fails a check with
# probability 1e-3 for a fresh key: a 99.9% confidence level. The keys below are fixed, so the tests
# are deterministic; a wrong distribution (|psi| instead of |psi|^2, an unnormalised or truncated
# cdf, an off-by-one index) gives p-values far below 1e-20 at these shot numbers.
P_VALUE_MIN = 1e-3


def one_marked_oracle(n):
    f = np.zeros(n)
    f[0] = 1
    return qsjax.boolean_oracle(qsjax.BooleanData(f))


def one_marked_reference(oracle, m):
    """Exact diamond distance for one marked entry, uniform p = 1/N, angle theta.

    Two classes (marked, unmarked). Between them D = chi - u u^dagger equals E[V]_0 - U_0 =: delta
    (an unmarked cell has no phase); inside the unmarked class D = 0. The reduced 2x2 matrix is
    [[0, delta], [conj(delta), 0]] with weights (w, 1 - w): trace norm 2 sqrt(w (1 - w)) |delta|,
    maximal at w = 1/2, so the diamond distance is |delta| = |expm1(E)| with
    E = m log(1 + p (e^{i theta/m} - 1)) - i p theta. Its real part is -p (1 - p) theta^2 / (2m)
    up to a relative O((theta/m)^2), its imaginary part O(p theta^3 / m^2): for theta/m < 1e-4 the
    reference below is exact to ~1e-15 relative.
    """
    p = float(oracle.data.probabilities[0])
    theta = float(oracle.t) * float(oracle.data.values[0])  # t f_0 (public attributes only)
    return -np.expm1(-p * (1 - p) * theta**2 / (2 * m))


def dense_trace_norm(chi, u, q):
    s = np.sqrt(q)
    d = (chi - np.outer(u, u.conj())) * np.outer(s, s)
    return np.abs(np.linalg.eigvalsh(d)).sum()


# ----------------------------------------------------------------------------- sketch_diamond_error


@pytest.mark.parametrize(
    "n,m", [(4, 1e8), (4, 1e10), (4, 1e14), (1000, qsjax.samples_for_error(1e-6, 1000)), (1000, 1e16)]
)
def test_sketch_diamond_error_is_accurate_at_large_m(n, m):
    # was 4.4e-16 (not 1.48e-9) at M = 1e10 and 1.4e-14 (not 2.5e-7) for N = 1000: numpy's complex
    # log1p lost the real part of log(1 + z) near 1e-17
    o = one_marked_oracle(n)
    np.testing.assert_allclose(qsjax.sketch_diamond_error(o, m), one_marked_reference(o, m), rtol=1e-9)


@pytest.mark.parametrize("m", [1e8, 1e10])
def test_sketch_diamond_error_matches_dense_channel(m):
    # the dense x64 channel (chi rounded to ~1e-16 absolute) agrees to its own rounding
    f = np.array([1, 0, 0, 0])
    o = qsjax.boolean_oracle(qsjax.BooleanData(f))
    dense = qsjax.diamond_distance(o.channel(m), o.ideal())
    np.testing.assert_allclose(qsjax.sketch_diamond_error(o, m), dense, rtol=1e-5)
    np.testing.assert_allclose(qsjax.sketch_diamond_error(o, m), 3 * np.pi**2 / (2 * m), rtol=1e-6)


def test_sketch_diamond_error_default_precision(default_precision):
    # float32 oracle data; the class matrix is still evaluated in float64 numpy
    o = one_marked_oracle(4)
    assert o.data.probabilities.dtype == jnp.float32
    for m in (1e6, 1e10, 1e14):
        np.testing.assert_allclose(qsjax.sketch_diamond_error(o, m), one_marked_reference(o, m), rtol=1e-9)


def test_sketch_diamond_error_decreases_as_one_over_m():
    f = np.random.default_rng(3).integers(0, 2, 16)
    o = qsjax.boolean_oracle(qsjax.BooleanData(f))
    vals = np.array([qsjax.sketch_diamond_error(o, m) * m for m in (1e8, 1e10, 1e12, 1e14)])
    np.testing.assert_allclose(vals, vals[-1], rtol=1e-6)


@pytest.mark.parametrize(
    "bad,exc",
    [
        (0, ValueError),
        (-1, ValueError),
        (np.nan, ValueError),
        (np.inf, ValueError),
        (1e31, ValueError),
        ("10", TypeError),
        (True, TypeError),
        (None, TypeError),
        (1 + 2j, TypeError),
    ],
)
def test_sketch_diamond_error_checks_m(bad, exc, default_precision):
    o = qsjax.boolean_oracle(qsjax.BooleanData([1, 0]))
    with pytest.raises(exc, match="m"):
        qsjax.sketch_diamond_error(o, bad)


def test_sketch_diamond_error_checks_oracle(default_precision):
    naive = qsjax.naive_boolean_oracle(qsjax.BooleanData([1, 0, 0, 1]))
    with pytest.raises(TypeError, match="PhaseSketch"):
        qsjax.sketch_diamond_error(naive, 100)
    o = qsjax.boolean_oracle(qsjax.BooleanData([1, 0]))
    with pytest.raises(TypeError, match="PhaseSketch"):
        qsjax.sketch_diamond_error(o.channel(10), 100)
    # the accepted call gives the right value (float32 data): one marked cell of two, closed form
    # |E[V]_0 - U_0| (float64 reference; the class matrix is evaluated in float64)
    e = (1 + 0.5 * (np.exp(2j * np.pi / 10) - 1)) ** 10
    np.testing.assert_allclose(qsjax.sketch_diamond_error(o, 10), abs(e + 1), rtol=1e-6)


# ----------------------------------------------------------------------------- simplex maximisation


@pytest.mark.filterwarnings("error")  # the old code handed Nelder-Mead options to Powell: a warning
@pytest.mark.parametrize("f", [[1, 0, 0, 0, 0], [1, 0, 1, 1, 0, 1, 0, 1]])
@pytest.mark.parametrize("m", [30, 3000])
def test_many_classes_converge_to_the_exact_value(f, m):
    # classes=None maximises numerically over the V-simplex (V = 5, 8 classes); the truth-table
    # classes give the exact two-class answer (grid + bounded refinement): they must agree
    f = np.array(f)
    o = qsjax.boolean_oracle(qsjax.BooleanData(f))
    ch, u = o.channel(m), o.ideal()
    exact = qsjax.diamond_distance(ch, u, classes=f)
    np.testing.assert_allclose(qsjax.diamond_distance(ch, u), exact, rtol=1e-10)


def pairwise_ascent(fun, q, rounds=20):
    """Maximise ``fun`` over the simplex by exact line searches moving mass between two coordinates
    (an independent method: it reaches faces of the simplex, where such optima often sit)."""
    q = np.array(q, dtype=float)
    best = fun(q)
    for _ in range(rounds):
        for i in range(q.size):
            for j in range(i + 1, q.size):
                tot = q[i] + q[j]

                def on_line(x, i=i, j=j, tot=tot, q=q):
                    r = q.copy()
                    r[i], r[j] = x * tot, (1 - x) * tot
                    return fun(r), r

                res = scipy.optimize.minimize_scalar(
                    lambda x: -on_line(x)[0], bounds=(0, 1), method="bounded", options={"xatol": 1e-12}
                )
                for x in (0.0, 1.0, res.x):
                    v, r = on_line(x)
                    if v > best:
                        best, q = v, r
    return best


@pytest.mark.filterwarnings("error")
def test_many_classes_match_an_independent_maximisation(rng):
    # non-uniform p: six distinct (p, f) classes and no closed form; the optimum sits on a face of
    # the simplex (the two unmarked cells get no weight)
    f = np.array([1, 0, 1, 1, 0, 1])
    p = rng.dirichlet(np.ones(6))
    o = qsjax.boolean_oracle(qsjax.BooleanData(f, p), t=4.0)
    ch, u = o.channel(40), np.asarray(o.ideal())
    value = qsjax.diamond_distance(ch, u)
    np.testing.assert_allclose(qsjax.sketch_diamond_error(o, 40), value, rtol=1e-9)
    chi = np.asarray(ch.chi)
    best = pairwise_ascent(lambda q: dense_trace_norm(chi, u, q), np.ones(6) / 6)
    assert best <= value * (1 + 1e-12)  # the returned value is attained by an input ...
    assert best >= value * (1 - 1e-9)  # ... and nothing found independently beats it
    trials = [rng.dirichlet(np.ones(6) * a) for a in (0.3, 1.0, 5.0) for _ in range(200)]
    assert max(dense_trace_norm(chi, u, q) for q in trials) <= value * (1 + 1e-12)


# ----------------------------------------------------------------------------- diamond_distance classes


def test_diamond_distance_refuses_classes_with_a_non_constant_target():
    f = np.array([1, 0, 1, 1, 0, 1, 0, 1])
    o = qsjax.boolean_oracle(qsjax.BooleanData(f))
    labels = f.copy()
    labels[-1] = 0  # a marked entry (u = -1) in the unmarked class (u = 1)
    with pytest.raises(ValueError, match="target is not constant within class"):
        qsjax.diamond_distance(o.channel(100), o.ideal(), classes=labels)


def test_diamond_distance_refuses_classes_with_a_non_invariant_channel():
    # t = 10 pi: the targets exp(i t p f) of p = 0.1 and p = 0.3 coincide (3 pi = pi mod 2 pi) but the
    # channel rows differ, so labelling them alike is wrong even though u is constant on the class
    o = qsjax.boolean_oracle(qsjax.BooleanData([1, 1, 0], [0.1, 0.3, 0.6]), t=10 * np.pi)
    ch, u = o.channel(50), o.ideal()
    with pytest.raises(ValueError, match="channel is not invariant"):
        qsjax.diamond_distance(ch, u, classes=[0, 0, 1])
    # the right labels are accepted and agree with the label-free computation
    np.testing.assert_allclose(
        qsjax.diamond_distance(ch, u, classes=[0, 1, 2]), qsjax.diamond_distance(ch, u), rtol=1e-12
    )


def test_diamond_distance_accepts_legitimate_coarser_classes():
    # unmarked cells carry no phase: their chi rows are identical whatever their p, so grouping
    # them (here with four different p) is valid and agrees with every state its own class
    f = np.array([1, 0, 0, 0])
    p = np.array([0.25, 0.1, 0.3, 0.35])
    o = qsjax.boolean_oracle(qsjax.BooleanData(f, p), t=4.0)
    ch, u = o.channel(20), o.ideal()
    coarse = qsjax.diamond_distance(ch, u, classes=f)
    np.testing.assert_allclose(qsjax.diamond_distance(ch, u), coarse, rtol=1e-9)
    np.testing.assert_allclose(qsjax.sketch_diamond_error(o, 20), coarse, rtol=1e-9)


def test_diamond_distance_checks_channel_and_target():
    o = qsjax.boolean_oracle(qsjax.BooleanData([0, 1]))
    ch, u = o.channel(10), np.asarray(o.ideal())
    with pytest.raises(ValueError, match="diagonal unitary"):
        qsjax.diamond_distance(ch, 2 * u)
    with pytest.raises(ValueError, match="finite"):
        qsjax.diamond_distance(ch, np.array([np.nan, 1.0]))
    with pytest.raises(ValueError, match="trace-preserving"):
        qsjax.diamond_distance(qsjax.DiagonalChannel(chi=0.5 * ch.chi, mean=ch.mean), u)
    with pytest.raises(TypeError, match="DiagonalChannel"):
        qsjax.diamond_distance(np.asarray(ch.chi), u)


# ----------------------------------------------------------------------------- sample_shots / histogram


def rand_state(rng, n_cells, zeros=()):
    v = rng.normal(size=n_cells) + 1j * rng.normal(size=n_cells)
    v[list(zeros)] = 0
    return 3.7 * v / np.linalg.norm(v)  # deliberately not normalised


def check_born_rule(counts, psi):
    probs = np.abs(psi) ** 2 / np.sum(np.abs(psi) ** 2)
    support = probs > 0
    assert np.all(counts[~support] == 0)  # zero-probability outcomes never occur
    expected = counts.sum() * probs[support]
    _, pval = scipy.stats.chisquare(counts[support].astype(float), expected)
    assert pval > P_VALUE_MIN, (counts, expected)


@pytest.mark.parametrize("precision", ["x64", "default"])
def test_sample_shots_and_histogram_follow_born_rule(precision, rng, request):
    if precision == "default":
        request.getfixturevalue("default_precision")
    psi = rand_state(rng, 16, zeros=(3, 10))
    state = jnp.asarray(psi)  # complex64 without x64
    shots = qsjax.kernels.sample_shots(jax.random.key(11), state, 40000)
    assert shots.shape == (40000,)
    assert shots.dtype == (jnp.int64 if precision == "x64" else jnp.int32)
    check_born_rule(np.bincount(np.asarray(shots), minlength=16), psi)
    hist = qsjax.kernels.sample_histogram(jax.random.key(12), state, 40000)
    assert hist.shape == (16,) and hist.dtype == shots.dtype
    assert int(hist.sum()) == 40000
    check_born_rule(np.asarray(hist), psi)


def test_sample_histogram_is_exact_at_huge_shot_numbers(rng):
    psi = rand_state(rng, 16, zeros=(0,))
    shots = 10**15
    hist = qsjax.kernels.sample_histogram(jax.random.key(5), psi, shots)
    assert hist.dtype == jnp.int64
    assert int(np.asarray(hist).sum()) == shots  # exact integers, no float rounding
    check_born_rule(np.asarray(hist), psi)  # counts ~1e14: the chi-square test is sensitive to 1e-7
    # integral floats are accepted; 2**53 is the limit
    assert int(qsjax.kernels.sample_histogram(jax.random.key(5), psi, 1e12).sum()) == 10**12
    with pytest.raises(ValueError, match="2\\*\\*53"):
        qsjax.kernels.sample_histogram(jax.random.key(5), psi, 2**53 + 2)


def test_sample_histogram_default_precision_limits(default_precision, rng):
    psi = rand_state(rng, 16)
    hist = qsjax.kernels.sample_histogram(jax.random.key(1), psi, 2**31 - 1)
    assert hist.dtype == jnp.int32 and int(np.asarray(hist, np.int64).sum()) == 2**31 - 1
    with pytest.raises(ValueError, match="int32"):
        qsjax.kernels.sample_histogram(jax.random.key(1), psi, 2**31)


def test_sample_shots_memory_is_linear():
    # compile only: the old categorical sampler materialised a (shots, N) array (1.6 GB here)
    def temp_bytes(shots):
        f = jax.jit(lambda k, s: qsjax.kernels.sample_shots(k, s, shots))
        analysis = f.lower(jax.random.key(0), jnp.ones(2**10, jnp.complex128)).compile().memory_analysis()
        if analysis is None:
            pytest.skip("this backend gives no memory analysis")
        return analysis.temp_size_in_bytes

    assert temp_bytes(10**5) < 64 * 10**5  # O(shots + N): about 24 bytes per shot, not 8 N
    with pytest.raises(ValueError, match="sample_histogram"):
        qsjax.kernels.sample_shots(jax.random.key(0), jnp.ones(16), MAX_SHOTS + 1)
    with pytest.raises(ValueError, match="sample_histogram"):
        qsjax.kernels.sample_shots(jax.random.key(0), jnp.ones(16), 1e10)


@pytest.mark.parametrize("fn", [qsjax.kernels.sample_shots, qsjax.kernels.sample_histogram])
def test_sampling_input_checks(fn, default_precision):
    key = jax.random.key(0)
    psi = jnp.ones(16)
    for bad in (2.7, -1, np.nan, np.inf, -0.5):
        with pytest.raises(ValueError, match="shots must be a non-negative integer"):
            fn(key, psi, bad)
    for bad in (True, np.True_, "3", None, 1j):
        with pytest.raises(TypeError, match="shots"):
            fn(key, psi, bad)
    with pytest.raises(ValueError, match="zero norm"):
        fn(key, jnp.zeros(16), 10)
    for bad in (np.nan, np.inf):
        with pytest.raises(ValueError, match="NaN or inf"):
            fn(key, psi.at[1].set(bad), 10)
    with pytest.raises(ValueError, match="one-dimensional"):
        fn(key, jnp.ones((2, 16)), 10)
    with pytest.raises(TypeError, match="key"):
        fn(3, psi, 10)
    with pytest.raises(TypeError, match="key"):
        fn(None, psi, 10)
    with pytest.raises(ValueError, match="single key"):
        fn(jax.random.split(key, 3), psi, 10)
    # accepted: numpy integers, integral floats, zero shots, legacy keys
    shots_like = fn is qsjax.kernels.sample_shots
    assert fn(key, psi, np.int64(5)).shape == ((5,) if shots_like else (16,))
    out = np.asarray(fn(jax.random.PRNGKey(1), psi, 6.0))
    assert out.shape == ((6,) if shots_like else (16,)) and (out.size == 6 or out.sum() == 6)
    zero = fn(key, psi, 0)
    assert zero.shape == ((0,) if shots_like else (16,)) and not np.any(zero)


def test_sample_shots_under_jit_and_vmap_and_precisions():
    psi = jnp.zeros(16).at[jnp.array([0, 1, 3, 5, 7, 12])].set(jnp.array([1.0, 2.0, 3.0, 1.0, 0.5, 2.0]))
    key = jax.random.key(4)
    eager = qsjax.kernels.sample_shots(key, psi, 64)
    np.testing.assert_array_equal(jax.jit(lambda k, s: qsjax.kernels.sample_shots(k, s, 64))(key, psi), eager)
    # float64 cdf and uniforms in either precision: the same key gives the same outcomes, also
    # under jit and vmap of a caller running without x64 (the x64 scope nests in its trace)
    with jax.enable_x64(False):
        psi32 = psi.astype(jnp.float32)
        single = qsjax.kernels.sample_shots(key, psi32, 64)
        single_jit = jax.jit(lambda k: qsjax.kernels.sample_shots(k, psi32, 64))(key)
        single_vmap = jax.vmap(lambda k, s: qsjax.kernels.sample_shots(k, s, 64))(key[None], psi32[None])
        assert single.dtype == jnp.int32
    np.testing.assert_array_equal(single, eager)
    np.testing.assert_array_equal(single_jit, eager)
    np.testing.assert_array_equal(single_vmap[0], eager)
    assert np.all(np.isin(np.asarray(eager), [0, 1, 3, 5, 7, 12]))
    # and the jitted sampler follows the Born rule (not only itself): 8192 shots, chi-square
    many = jax.jit(lambda k, s: qsjax.kernels.sample_shots(k, s, 8192))(jax.random.key(5), psi)
    check_born_rule(np.bincount(np.asarray(many), minlength=16), np.asarray(psi))


def test_sample_histogram_under_vmap_with_traced_shots():
    psi = jnp.zeros(16).at[jnp.array([0, 1, 3, 5, 7, 12])].set(jnp.array([1.0, 2.0, 3.0, 1.0, 0.5, 2.0]))
    # batched keys and a traced shot number (passed unchecked to the multinomial draw)
    keys = jax.random.split(jax.random.key(4), 3)
    hists = jax.vmap(lambda k, n: qsjax.kernels.sample_histogram(k, psi, n))(
        keys, jnp.array([10.0, 1000.0, 7.0])
    )
    assert hists.shape == (3, 16)
    np.testing.assert_array_equal(np.asarray(hists).sum(axis=1), [10, 1000, 7])
    assert np.all(np.asarray(hists)[:, psi == 0] == 0)
    check_born_rule(np.asarray(hists[1]), np.asarray(psi))  # the 1000-shot lane against the Born rule


# ----------------------------------------------------------------------------- integer arguments


def test_permute_basis_refuses_non_permutations():
    psi = jnp.arange(4.0)
    with pytest.raises(ValueError, match="repeat"):
        qsjax.kernels.permute_basis(psi, jnp.array([0, 1, 1, 3]))
    with pytest.raises(ValueError, match="out of range"):
        qsjax.kernels.permute_basis(psi, jnp.array([0, 1, 2, 4]))
    with pytest.raises(ValueError, match="out of range"):
        qsjax.kernels.permute_basis(psi, np.array([-1, 0, 1, 2]))
    with pytest.raises(TypeError, match="integer"):
        qsjax.kernels.permute_basis(psi, jnp.array([0.0, 1.0, 2.0, 3.0]))
    with pytest.raises(TypeError, match="integer"):
        qsjax.kernels.permute_basis(psi, np.array([True, False, True, False]))
    np.testing.assert_array_equal(
        qsjax.kernels.permute_basis(psi, np.array([1, 0, 3, 2])), [1.0, 0.0, 3.0, 2.0]
    )
    # traced permutations are not checked (and still work)
    f = jax.jit(qsjax.kernels.permute_basis)
    np.testing.assert_array_equal(f(psi, jnp.array([3, 2, 1, 0])), [3.0, 2.0, 1.0, 0.0])


def test_num_qubits_needs_an_integer():
    for bad in (8.5, 8.0, True, "8", None):
        with pytest.raises(TypeError, match="dimension"):
            qsjax.kernels.num_qubits(bad)
    with pytest.raises(ValueError, match="power of two"):
        qsjax.kernels.num_qubits(6)
    with pytest.raises(ValueError, match="power of two"):
        qsjax.kernels.num_qubits(0)
    assert qsjax.kernels.num_qubits(8) == 3
    assert qsjax.kernels.num_qubits(np.int64(8)) == 3
    assert qsjax.kernels.num_qubits(np.uint32(1)) == 0


def test_qubit_indices_are_not_truncated():
    psi = jnp.ones(8, jnp.complex128) / np.sqrt(8)
    x = jnp.array([[0, 1], [1, 0]])
    with pytest.raises(TypeError, match="qubit"):
        qsjax.kernels.apply_1q(psi, x, 1.7)
    with pytest.raises(TypeError, match="qubit"):
        qsjax.kernels.apply_1q(psi, x, True)
    with pytest.raises(TypeError, match="target"):
        qsjax.kernels.apply_controlled(psi, x, 0.0, [1])
    with pytest.raises(TypeError, match="controls"):
        qsjax.kernels.apply_controlled(psi, x, 0, [1.5])
    with pytest.raises(TypeError, match="control_values"):
        qsjax.kernels.apply_controlled(psi, x, 0, [1], [0.5])
    with pytest.raises(ValueError, match="control_values"):
        qsjax.kernels.apply_controlled(psi, x, 0, [1], [2])
    with pytest.raises(TypeError, match="qubits"):
        qsjax.kernels.walsh_hadamard(psi, [0, 1.5])
    # numpy integers (and bools as control values) are fine
    ref = qsjax.kernels.apply_1q(psi, x, 1)
    np.testing.assert_array_equal(qsjax.kernels.apply_1q(psi, x, np.int64(1)), ref)
    np.testing.assert_array_equal(
        qsjax.kernels.apply_controlled(psi, x, np.int32(0), [np.int64(2)], [True]),
        qsjax.kernels.apply_controlled(psi, x, 0, [2], [1]),
    )
    np.testing.assert_array_equal(
        qsjax.kernels.walsh_hadamard(psi, np.array([0, 2])), qsjax.kernels.walsh_hadamard(psi, [0, 2])
    )


def test_basis_and_plus_state_need_integers():
    with pytest.raises(TypeError, match="index"):
        qsjax.kernels.basis_state(1.5, 4)
    with pytest.raises(TypeError, match="index"):
        qsjax.kernels.basis_state(True, 4)
    with pytest.raises(TypeError, match="dim"):
        qsjax.kernels.basis_state(1, 4.0)
    with pytest.raises(ValueError, match="index"):
        qsjax.kernels.basis_state(4, 4)
    with pytest.raises(ValueError, match="dim"):
        qsjax.kernels.basis_state(0, 0)
    with pytest.raises(TypeError, match="n"):
        qsjax.kernels.plus_state(2.5)
    with pytest.raises(TypeError, match="dim"):
        qsjax.kernels.plus_state(4.0, dim=True)
    with pytest.raises(ValueError, match="qubits"):
        qsjax.kernels.plus_state(-1)
    np.testing.assert_array_equal(qsjax.kernels.basis_state(np.int64(2), np.int32(4)), [0, 0, 1, 0])
    assert qsjax.kernels.plus_state(np.int64(3)).shape == (8,)
    assert qsjax.kernels.plus_state(6, dim=True).shape == (6,)


def test_no_scipy_warnings_in_sketch_diamond_error():
    f = np.array([1, 0, 1, 0, 0, 1, 1, 0])
    p = np.arange(1, 9) / 36.0  # eight distinct classes
    o = qsjax.boolean_oracle(qsjax.BooleanData(f, p), t=5.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = qsjax.sketch_diamond_error(o, 100)
    np.testing.assert_allclose(value, qsjax.diamond_distance(o.channel(100), o.ideal()), rtol=1e-9)
