"""Regression tests of issue 6 for the core engine: exact counts at any supported M in either
precision, documented M limits, dense-channel limits, key and support validation, stream inputs.

Tests taking the ``default_precision`` fixture run without x64 (float32 / complex64 / int32), as
most users do; the rest run in float64 (see conftest.py).
"""

import time

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import qsjax
from qsjax.sketch import _naive, _streams  # TODO(public)
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
    np.testing.assert_allclose(np.asarray(flat.from_stream(vals)), np.array([-1.0, 1.0]) / np.sqrt(2),
                               atol=1e-6)


def test_two_word_accumulator_carries_exactly():
    lo = jnp.asarray([2**32 - 5, 7, 2**32 - 1], jnp.uint32)
    hi = jnp.asarray([0, 3, 1], jnp.uint32)
    part = jnp.asarray([10, 2**31 - 1, 1], jnp.int32)
    h, low = _streams.add_to_words(hi, lo, part)
    total = np.asarray(h).astype(np.uint64) * 2**32 + np.asarray(low).astype(np.uint64)
    expect = np.asarray(hi).astype(np.uint64) * 2**32 + np.asarray(lo).astype(np.uint64) + np.asarray(
        part).astype(np.uint64)
    np.testing.assert_array_equal(total, expect)
    # and the counts / frequencies read back exactly
    np.testing.assert_array_equal(np.asarray(_streams.words_to_counts(h, low, 2**40)), expect.astype(np.int64))
    f = np.asarray(_streams.words_to_frequencies(h, low, 2**40, jnp.float64))
    np.testing.assert_allclose(f, expect.astype(np.float64) / 2**40, rtol=1e-15)


@pytest.mark.parametrize("fold", [1, 3, 1000])
def test_stream_fold_is_invisible(fold):
    # Folding the int32 partial counts into the two words (every fold // chunk chunks) must not
    # change any count: compare a tiny fold against numpy's bincount of the same samples.
    d = qsjax.BooleanData(np.array([1, 0, 1, 1, 0]))
    m, chunk = 1003, 16
    idx, _ = d.sample(KEY, m)
    n_chunks = -(-m // chunk)
    hi, lo = _streams.ingest_iid(KEY, None, 5, chunk, n_chunks, m - (n_chunks - 1) * chunk, fold * chunk)
    assert not np.asarray(hi).any()
    np.testing.assert_array_equal(np.asarray(lo), np.bincount(np.asarray(idx), minlength=5))
    naive = qsjax.naive_boolean_oracle(d)
    a = _naive._ingest_naive(KEY, None, d.values, 8, chunk, n_chunks, m - (n_chunks - 1) * chunk,
                              fold * chunk)
    b = _naive._ingest_naive(KEY, None, d.values, 8, chunk, n_chunks, m - (n_chunks - 1) * chunk)
    np.testing.assert_array_equal(np.asarray(a[1]), np.asarray(b[1]))
    assert naive.padded_dim == 8


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
    for v in (o.counts(KEY, 10**12), o.sampled(KEY, 10**5), o.expected(10**6)):
        assert v.dtype == jnp.complex64
        assert np.isfinite(np.asarray(v)).all()
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
    assert np.isfinite(np.asarray(o.counts(KEY, MAX_EXACT_M))).all()


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
    for call in (lambda: o.counts(bad, 10), lambda: o.sampled(bad, 10), lambda: o.sample_counts(bad, 10),
                 lambda: n.counts(bad, 10), lambda: n.sampled(bad, 10), lambda: d.counts(bad, 10),
                 lambda: d.sample(bad, 10), lambda: next(iter(d.chunks(bad, 10))),
                 lambda: qsjax.evaluate(o, "counts", 10, key=bad)):
        with pytest.raises(exc, match="key"):
            call()


def test_legacy_and_typed_keys_agree_and_vmap_works():
    o = _oracle(np.array([1.0, 0.0, 0.0, 1.0]))
    np.testing.assert_array_equal(np.asarray(o.counts(jax.random.PRNGKey(5), 1000)),
                                  np.asarray(o.counts(jax.random.key(5), 1000)))
    keys = jax.random.split(KEY, 4)
    batch = jax.jit(jax.vmap(lambda k: o.counts(k, 1000)))(keys)
    np.testing.assert_array_equal(np.asarray(batch[2]), np.asarray(o.counts(keys[2], 1000)))


# ----------------------------------------------------------------------------- support


def test_counts_support_is_validated():
    f = np.array([1, 0, 0, 1, 0, 1])
    o = _oracle(f)
    good = np.flatnonzero(f)
    assert np.isfinite(np.asarray(o.counts(KEY, 100, support=good))).all()
    assert np.isfinite(np.asarray(o.counts(KEY, 100, support=np.arange(6)))).all()  # a superset is fine
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
    np.testing.assert_allclose(np.asarray(n.from_stream(batches, KEY)), np.asarray(n.sampled(KEY, m)),
                               atol=1e-12)
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
    o = qsjax.boolean_oracle(qsjax.BooleanData(np.array([1.0, 1.0])))
    for m in (4.0000001, 3.9, 4.0, 1e6):
        v = qsjax.sketch_diamond_error(o, m)
        assert np.isfinite(v) and 0.0 <= v <= 2.0 + 1e-12


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
