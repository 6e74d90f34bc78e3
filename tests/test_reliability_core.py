"""Regression tests of issue 6 for the core engine: exact counts at any supported M in either
precision, documented M limits, dense-channel limits, key and support validation, stream inputs.

Tests taking the ``default_precision`` fixture run without x64 (float32 / complex64 / int32), as
most users do; the rest run in float64 (see conftest.py).
"""

import time

import helpers
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import qsjax
from qsjax import MAX_DENSE_DIM, MAX_EXACT_M

KEY = jax.random.key(3)


def _oracle(f, **kw):
    return qsjax.boolean_oracle(qsjax.BooleanData(np.asarray(f)), **kw)


# ----------------------------------------------------------------------------- exact counts


def test_from_stream_counts_past_2_24_without_x64(default_precision):
    # N = 2, cell 0 marked, 2**24 + 2**21 samples in each cell: float32 accumulation used to stop
    # counting cell 0 at 2**24 and returned -0.809+0.588j instead of ~-1.
    o = _oracle([1, 0])
    per_cell = 2**24 + 2**21
    batch = 2**22
    idx = np.concatenate([np.zeros(batch, np.int32), np.ones(batch, np.int32)])
    val = np.concatenate([np.ones(batch, np.float32), np.zeros(batch, np.float32)])
    batches = [(idx, val)] * (per_cell // batch)
    v = np.asarray(o.from_stream(batches))
    assert v.dtype == np.complex64
    # frequency of cell 0 is exactly 1/2: the phase is t/2 = pi
    np.testing.assert_allclose(v, [-1.0, 1.0], atol=1e-6)
    # the flat state's stream path shares the code
    flat = qsjax.flat_state(qsjax.VectorData(np.array([-1.0, 1.0], np.float32)))
    vals = [(i, np.where(i == 0, -1.0, 1.0).astype(np.float32)) for i, _ in batches]
    np.testing.assert_allclose(
        np.asarray(flat.from_stream(vals)), np.array([-1.0, 1.0]) / np.sqrt(2), atol=1e-6
    )


# Explicit streams are counted in int32 partial counts (at most 2**31 - 1 samples each) folded into a
# count held in two uint32 words. Through the public API the fold and the carry between the words
# are only reached by streams of more than 2**31 (fold) and 2**32 (carry) samples in one cell; with a
# one-cell register (N = 1) the index draw is constant, so such a stream costs one in-place
# scatter-add per sample (a few seconds), and every count must come back exact.
BIG_M = 2**32 + 5  # > 2**32 in one cell: crosses two folds and carries from the low to the high word


def test_stream_counts_past_two_folds_and_the_word_carry_are_exact(full_optimization):
    o = _oracle([1])
    n = o.sample_counts(KEY, BIG_M, chunk_size=1 << 20)
    assert n.dtype == jnp.int64
    assert int(n[0]) == BIG_M  # a dropped fold or carry would leave BIG_M - 2**31 or 5
    # the frequency n / M = 1 exactly: the phase is t = pi (one count less would shift it by
    # pi / M = 7e-10, far above the 1e-15 tolerance)
    np.testing.assert_allclose(
        np.asarray(o.sampled(KEY, BIG_M, chunk_size=1 << 20)), [-1.0], rtol=0, atol=1e-15
    )


def test_naive_stream_counts_past_a_fold_are_exact(full_optimization):
    # N = 1: every sample lands in the signed cell (u = 0, +); 2**31 + 3 samples cross one fold
    m = 2**31 + 3
    nv = qsjax.naive_boolean_oracle(qsjax.BooleanData(np.array([1.0])), t=0.75)
    np.testing.assert_allclose(
        np.asarray(nv.sampled(KEY, m, chunk_size=1 << 20)), [np.exp(0.75j)], rtol=0, atol=1e-15
    )


@pytest.mark.parametrize("chunk", [1, 3, 16, 1000])
def test_stream_counts_are_invisible_to_the_chunking(chunk):
    # any chunk size (one loop step per chunk, lanes past m masked) gives numpy's bincount of the
    # same samples, in both sketches
    d = qsjax.BooleanData(np.array([1, 0, 1, 1, 0]))
    m = 1003 if chunk > 1 else 200
    idx, _ = d.sample(KEY, m)
    o = qsjax.boolean_oracle(d)
    np.testing.assert_array_equal(
        np.asarray(o.sample_counts(KEY, m, chunk_size=chunk)), np.bincount(np.asarray(idx), minlength=5)
    )
    naive = qsjax.naive_boolean_oracle(d)
    assert naive.padded_dim == 8
    np.testing.assert_allclose(
        np.asarray(naive.sampled(KEY, m, chunk_size=chunk)),
        helpers.naive_sample_ref(d, KEY, m, float(naive.t)),
        atol=1e-12,
    )


def test_sample_counts_int32_refusal_without_x64(default_precision):
    o = _oracle([1, 0, 0, 1])
    with pytest.raises(ValueError, match="int32"):
        o.sample_counts(KEY, 5 * 10**9)
    with pytest.raises(ValueError, match="int32"):
        qsjax.BooleanData(np.array([1, 0])).counts(KEY, 5 * 10**9)
    c = o.sample_counts(KEY, 2**24 + 17, chunk_size=2**20)  # past 2**24 in total, exact
    assert c.dtype == jnp.int32 and int(np.asarray(c).sum()) == 2**24 + 17


def test_counts_exact_without_x64(default_precision):
    d = qsjax.BooleanData(np.array([1, 0, 0, 1]))
    c = np.asarray(d.counts(KEY, 10**9))
    assert c.dtype == np.int32 and int(c.sum()) == 10**9
    assert (c % 4 != 0).any()  # not rounded to float32's grid (multiples of 4 above 2**24)


def test_counts_same_realisation_in_both_precisions(default_precision):
    f = np.array([1, 0, 0, 1, 1, 0, 1, 0])
    v32 = np.asarray(_oracle(f).counts(KEY, 10**9))
    with jax.enable_x64(True):
        v64 = np.asarray(_oracle(f.astype(np.float64)).counts(KEY, 10**9))
    assert v32.dtype == np.complex64 and v64.dtype == np.complex128
    np.testing.assert_allclose(np.angle(v32 * np.conj(v64)), 0.0, atol=2e-6)


def test_x64_counts_with_float32_data_exact():
    d = qsjax.BooleanData(np.array([1, 0, 0, 1, 0, 0, 0], np.float32))
    c = np.asarray(d.counts(KEY, 10**12))
    assert c.dtype == np.int64 and int(c.sum()) == 10**12


def test_phase_sketch_counts_and_sampled_in_default_precision(default_precision):
    f = np.array([1, 0, 1, 1, 0, 0, 1, 0])
    o = _oracle(f)
    theta, p = 8 * np.pi * f, np.full(8, 1 / 8)
    n = np.asarray(qsjax.random.multinomial_counts(KEY, 10**12, jnp.full(8, 1 / 8, jnp.float32)))
    refs = (
        np.exp(1j * theta * n / 10**12),
        helpers.sampled_ref(o.data, KEY, 10**5, theta),
        helpers.expected_ref(theta, p, 10**6),
    )
    for v, ref in zip((o.counts(KEY, 10**12), o.sampled(KEY, 10**5), o.expected(10**6)), refs, strict=True):
        assert v.dtype == jnp.complex64
        # phases up to 8 pi rounded to float32: |error| <= 8 pi 2**-24 ~ 1.5e-6
        np.testing.assert_allclose(np.asarray(v), ref, atol=1e-5)
    # counts at 1e12 are within float32 rounding of the ideal oracle
    assert float(qsjax.operator_norm_error(o.counts(KEY, 10**12), o.ideal())) < 1e-4


# ----------------------------------------------------------------------------- M limits


@pytest.mark.parametrize("m", [1e38, 1e39, 2**53 + 2, 1e30])
def test_counts_refuse_m_beyond_2_53(default_precision, m):
    o = _oracle([1, 0, 0, 1])
    t0 = time.perf_counter()
    with pytest.raises(ValueError, match="2\\*\\*53"):
        o.counts(KEY, m)
    with pytest.raises(ValueError, match="2\\*\\*53"):
        qsjax.naive_boolean_oracle(qsjax.BooleanData(np.array([1, 0, 0, 1]))).counts(KEY, m)
    with pytest.raises(ValueError, match="2\\*\\*53"):
        qsjax.BooleanData(np.array([1, 0])).counts(KEY, m)
    assert time.perf_counter() - t0 < 5


def test_counts_with_traced_huge_m_is_nan_not_a_hang(default_precision):
    o = _oracle([1, 0, 0, 1])
    out = jax.jit(lambda m: o.counts(KEY, m))(jnp.float32(3e38))
    assert np.isnan(np.asarray(out)).all()


@pytest.mark.parametrize("m", [1e39, float("inf"), 1e31])
def test_expected_and_channel_refuse_huge_m(default_precision, m):
    o = _oracle([1, 0, 0, 1])
    with pytest.raises(ValueError, match="m"):
        o.expected(m)
    with pytest.raises(ValueError, match="m"):
        o.channel(m)


def test_expected_refuses_huge_m_under_x64():
    o = _oracle(np.array([1.0, 0.0, 0.0, 1.0]))
    for m in (1e308, float("inf")):
        with pytest.raises(ValueError, match="m"):
            o.expected(m)
    with pytest.raises(ValueError, match="2\\*\\*53"):
        qsjax.BooleanData(np.array([1, 0])).counts(KEY, 1e30)
    # the largest supported M still gives a finite, correct answer
    v = o.expected(1e30)
    np.testing.assert_allclose(np.asarray(v), np.asarray(o.ideal()), atol=1e-12)


@pytest.mark.parametrize("bad", ["10", b"10", None, True, 1 + 2j])
def test_m_of_wrong_type_is_a_type_error(bad):
    o = _oracle([1, 0, 0, 1])
    with pytest.raises(TypeError):
        o.expected(bad)
    with pytest.raises(TypeError):
        o.counts(KEY, bad)


def test_m_at_the_documented_limit_is_accepted():
    o = _oracle(np.array([1.0, 0.0, 0.0, 1.0]))
    c = qsjax.BooleanData(np.array([1.0, 0.0])).counts(KEY, MAX_EXACT_M)
    assert int(np.asarray(c).sum()) == MAX_EXACT_M
    n = np.asarray(qsjax.random.multinomial_counts(KEY, MAX_EXACT_M, jnp.full(4, 0.25)))
    np.testing.assert_allclose(
        np.asarray(o.counts(KEY, MAX_EXACT_M)),
        np.exp(1j * 4 * np.pi * np.array([1, 0, 0, 1]) * n / MAX_EXACT_M),
        atol=1e-12,
    )


# ----------------------------------------------------------------------------- dense channel limits


def test_channel_refuses_large_registers_instantly(default_precision):
    f = np.zeros(2 * MAX_DENSE_DIM)
    f[0] = 1
    o = _oracle(f)
    t0 = time.perf_counter()
    with pytest.raises(ValueError, match="GiB.*counts"):
        o.channel(10**6)
    with pytest.raises(ValueError, match="GiB"):
        qsjax.naive_boolean_oracle(qsjax.BooleanData(f)).channel(10**6)
    # multi-bit: V = b N counts
    mb = _oracle(np.zeros((MAX_DENSE_DIM // 2, 4)))
    with pytest.raises(ValueError, match="dense"):
        mb.channel(100)
    small = _oracle(np.zeros(MAX_DENSE_DIM // 2 + 1)).channel(100)
    with pytest.raises(ValueError, match="dense"):
        small.controlled()
    assert time.perf_counter() - t0 < 5


def test_channel_matches_entrywise_formula():
    # the fused chi kernel against the closed form, entry by entry (multi-bit register)
    f = np.array([[1, 0], [0, 1], [1, 1]], float)
    p = np.array([0.5, 0.3, 0.2])
    o = qsjax.boolean_oracle(qsjax.BooleanData(f, p), t=2.0)
    m = 37.0
    chi = np.asarray(o.channel(m).chi)
    theta = 2.0 * f.T.reshape(-1)
    owner = np.tile(np.arange(3), 2)
    ref = np.ones((6, 6), complex)
    for v in range(6):
        for w in range(6):
            a, b = theta[v] / m, theta[w] / m
            if owner[v] == owner[w]:
                z = 1 + p[owner[v]] * (np.exp(1j * (a - b)) - 1)
            else:
                z = 1 + p[owner[v]] * (np.exp(1j * a) - 1) + p[owner[w]] * (np.exp(-1j * b) - 1)
            ref[v, w] = z**m
    np.testing.assert_allclose(chi, ref, atol=1e-12)


# ----------------------------------------------------------------------------- keys


@pytest.mark.parametrize(
    "bad, exc",
    [
        (3, TypeError),
        (np.zeros(2, np.float32), TypeError),
        (np.zeros(4, np.uint32), TypeError),
        ("key", TypeError),
        (jax.random.key(0, impl="rbg"), TypeError),
        (jax.random.split(jax.random.key(0), 3), ValueError),
        (jax.vmap(jax.random.PRNGKey)(jnp.arange(3)), ValueError),
    ],
)
def test_bad_keys_are_refused(bad, exc):
    d = qsjax.BooleanData(np.array([1, 0, 0, 1]))
    o = qsjax.boolean_oracle(d)
    n = qsjax.naive_boolean_oracle(d)
    for call in (
        lambda: o.counts(bad, 10),
        lambda: o.sampled(bad, 10),
        lambda: o.sample_counts(bad, 10),
        lambda: n.counts(bad, 10),
        lambda: n.sampled(bad, 10),
        lambda: d.counts(bad, 10),
        lambda: d.sample(bad, 10),
        lambda: next(iter(d.chunks(bad, 10))),
        lambda: qsjax.evaluate(o, "counts", 10, key=bad),
    ):
        with pytest.raises(exc, match="key"):
            call()


def test_legacy_and_typed_keys_agree_and_vmap_works():
    o = _oracle(np.array([1.0, 0.0, 0.0, 1.0]))
    np.testing.assert_array_equal(
        np.asarray(o.counts(jax.random.PRNGKey(5), 1000)), np.asarray(o.counts(jax.random.key(5), 1000))
    )
    keys = jax.random.split(KEY, 4)
    batch = jax.jit(jax.vmap(lambda k: o.counts(k, 1000)))(keys)
    f = np.array([1.0, 0.0, 0.0, 1.0])
    for i, k in enumerate(keys):  # against the public multinomial draw of each key
        n = np.asarray(qsjax.random.multinomial_counts(k, 1000, jnp.full(4, 0.25)))
        np.testing.assert_allclose(np.asarray(batch[i]), np.exp(1j * 4 * np.pi * f * n / 1000), atol=1e-12)


# ----------------------------------------------------------------------------- support


def test_counts_support_is_validated():
    f = np.array([1, 0, 0, 1, 0, 1])
    o = _oracle(f)
    good = np.flatnonzero(f)
    # accepted supports give the realisation of Multinomial(m, (p_support, rest)) on the support
    for sup in (good, np.arange(6)):  # exactly the moving cells, and a superset
        cells = np.concatenate([np.full(sup.size, 1 / 6), [1 - sup.size / 6]])
        n = np.asarray(qsjax.random.multinomial_counts(KEY, 100, jnp.asarray(cells)))[:-1]
        full = np.zeros(6)
        full[sup] = n
        np.testing.assert_allclose(
            np.asarray(o.counts(KEY, 100, support=sup)), np.exp(1j * 6 * np.pi * f * full / 100), atol=1e-12
        )
    with pytest.raises(ValueError, match="misses 1"):
        o.counts(KEY, 100, support=good[:2])
    with pytest.raises(ValueError, match="lie in"):
        o.counts(KEY, 100, support=[0, 3, 6])
    with pytest.raises(ValueError, match="lie in"):
        o.counts(KEY, 100, support=[-1, 0, 3, 5])
    with pytest.raises(ValueError, match="distinct"):
        o.counts(KEY, 100, support=[0, 3, 3, 5])
    with pytest.raises(TypeError, match="integer"):
        o.counts(KEY, 100, support=good.astype(float))
    with pytest.raises(ValueError, match="one-dimensional"):
        o.counts(KEY, 100, support=good[None, :])


# ----------------------------------------------------------------------------- data and streams


def test_data_shapes_and_overflow(default_precision):
    with pytest.raises(ValueError, match="b >= 1"):
        qsjax.BooleanData(np.zeros((4, 0)))
    with pytest.raises(ValueError, match="overflows float32"):
        qsjax.VectorData([1e300, 1.0])
    with pytest.raises(ValueError, match="NaN or inf"):
        qsjax.VectorData([np.inf, 1.0])


@pytest.mark.parametrize("values", [np.array(["a", "b"]), np.array([1 + 1j, 0]), np.array([b"x", b"y"])])
def test_stream_values_must_be_real_numbers(values):
    o = _oracle([1, 0, 0, 1])
    with pytest.raises(TypeError, match="real numbers"):
        o.from_stream([(np.array([0, 1]), values)])


def test_samples_for_error_validates():
    assert qsjax.samples_for_error(0.1, 10) == int(np.ceil(2 * np.pi**2 * 10 / 0.1))
    with pytest.raises(ValueError, match="p_max"):
        qsjax.samples_for_error(0.1, t=3.0, p_max=-1)
    with pytest.raises(ValueError, match="p_max"):
        qsjax.samples_for_error(0.1, t=3.0, p_max=2.0)
    with pytest.raises(TypeError, match="epsilon"):
        qsjax.samples_for_error("0.1", 10)
    with pytest.raises(ValueError, match="t must be"):
        qsjax.samples_for_error(0.1, t=float("nan"), p_max=0.5)


def test_naive_sketch_takes_a_users_stream():
    d = qsjax.BooleanData(np.array([1, 0, 1, 1, 0, 0, 1, 0, 1]))
    n = qsjax.naive_boolean_oracle(d)
    m = 5000
    kx = jax.random.split(KEY)[0]
    x, y = d.sample(kx, m)
    x, y = np.asarray(x), np.asarray(y)
    batches = [(x[:1234], y[:1234]), (x[1234:], y[1234:])]
    # feeding the x samples of sampled(key, m) reproduces it (up to float rounding of the sums)
    np.testing.assert_allclose(
        np.asarray(n.from_stream(batches, KEY)), np.asarray(n.sampled(KEY, m)), atol=1e-12
    )
    via = qsjax.evaluate(n, "sampled", key=KEY, stream=batches)
    np.testing.assert_allclose(np.asarray(via), np.asarray(n.sampled(KEY, m)), atol=1e-12)
    with pytest.raises(ValueError, match="key"):
        qsjax.evaluate(n, "sampled", stream=batches)
    with pytest.raises(ValueError, match="m=10"):
        n.from_stream(batches, KEY, m=10)


# ----------------------------------------------------------------------------- review follow-ups


def test_multinomial_frequencies_are_exact_integers_without_x64(default_precision):
    # float32 counts used to be rounded to multiples of 4 above 2**24; the frequencies now come from
    # exact float64 counts, so m * freq (computed in float64) is an integer for every cell
    import qsjax.random as _random

    m = 10**9
    probs = jnp.full((4,), 0.25, jnp.float32)
    with jax.enable_x64(True):
        n = np.asarray(_random.multinomial_counts(KEY, m, probs))
    assert np.all(n == np.round(n)) and int(n.sum()) == m and (n % 4 != 0).any()
    freq = np.asarray(_random.multinomial_frequencies(KEY, m, probs, jnp.float32))
    assert freq.dtype == np.float32
    np.testing.assert_allclose(freq, n / m, rtol=1e-7)


def test_sketch_diamond_error_finite_where_one_plus_z_vanishes():
    # N = 2, both cells marked, t = 2 pi: chi_01 = (1 + p(e^{ia} - 1) + p(e^{-ia} - 1))^M vanishes
    # at M = 4 (a = pi / 2). Reference: brute-force maximisation of the dense trace norm over the
    # input weights (w, 1 - w), chi from the closed form in numpy. At M = 1e6 that float64 reference
    # loses ~M eps / |z| ~ 1e-5 relative to cancellation in 1 + z, hence the looser rtol there.
    o = qsjax.boolean_oracle(qsjax.BooleanData(np.array([1.0, 1.0])))
    theta, p, u = 2 * np.pi * np.ones(2), np.full(2, 0.5), -np.ones(2)
    for m, rtol in ((4.0000001, 1e-9), (3.9, 1e-9), (4.0, 1e-9), (1e6, 1e-4)):
        v = qsjax.sketch_diamond_error(o, m)
        chi = helpers.orthogonal_chi_ref(theta, p, m)
        best = max(helpers.dense_trace_norm(chi, u, np.array([w, 1 - w])) for w in np.linspace(0, 1, 2001))
        np.testing.assert_allclose(v, best, rtol=rtol)


def test_fixed_point_length_for_tiny_w_is_finite():
    # arccosh(1/sqrt(1 - w)) lost all digits below w ~ 1e-16 (ZeroDivisionError)
    length = qsjax.fixed_point_length(0.1, 1e-20)
    assert length % 2 == 1 and abs(length - np.log(2 / 0.1) / 1e-10) / length < 0.05


def test_amplified_refuses_hopeless_small_m_instead_of_hanging():
    b = np.random.default_rng(0).normal(size=256)
    sk = qsjax.vector_state(qsjax.VectorData(b), KEY)
    t0 = time.perf_counter()
    with pytest.raises(ValueError, match="samples_for_success"):
        sk.amplified("expected", 3)
    assert time.perf_counter() - t0 < 30


def test_amplified_inside_jit_falls_back_with_a_warning():
    b = np.random.default_rng(1).normal(size=64)
    sk = qsjax.vector_state(qsjax.VectorData(b), KEY)
    with pytest.warns(UserWarning, match="pass w"):
        res = jax.jit(lambda s: s.amplified("ideal"))(sk)
    assert float(res.success_probability) > 0.98


def test_default_t_names_the_vector_when_its_norm_overflows(default_precision):
    with pytest.raises(ValueError, match="rescale the vector b"):
        qsjax.vector_state(qsjax.VectorData(np.float32([3e38, 3e38])), KEY)
