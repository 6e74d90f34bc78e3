"""General vector state sketch: fast path vs the dense O(N^2) formula, statistics, scaling."""

import functools

import helpers
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import qsjax
from qsjax import arcsin_phases, kwise_signs, vector_state


@functools.cache
def phases(degree):
    return arcsin_phases(degree)


def zmat(n):
    idx = np.arange(n)
    return 1.0 - 2.0 * (np.bitwise_count(idx[:, None] & idx[None, :]) & 1)  # (-1)^{u·j}


def dense_state(sk, signal_per_query):
    """Independent dense evaluation: explicit per-entry 2x2 products and an explicit H matrix.

    ``signal_per_query[q]`` is the per-entry 2x2 block (reflection form) of query q = 1..d.
    """
    ph = np.asarray(sk.qsp_phases)
    d, n = len(ph) - 1, sk.dim
    dmat = np.diag([1.0, -1j])  # R(x) = D W(x) D  =>  W = D^{-1} R D^{-1}
    dinv = np.linalg.inv(dmat)

    def rz(a):
        return np.diag([np.exp(1j * a), np.exp(-1j * a)])

    tops = []
    for sgn in (1, -1):  # the two branches of the real-part LCU, batched over entries u
        mat = np.broadcast_to(rz(sgn * ph[0]), (n, 2, 2))
        for q in range(1, d + 1):
            mat = mat @ (dinv @ signal_per_query[q] @ dinv) @ rz(sgn * ph[q])
        tops.append(mat[:, 0, 0])
    good = 0.5 * (tops[0] + tops[1]) / np.sqrt(n)
    hmat = zmat(n) / np.sqrt(n)
    return np.asarray(sk.signs) * (hmat @ good)


def dense_expected_state(sk, m):
    """The expected-mode state of ``sk`` from the dense double sum (uniform p over sk.dim)."""
    n = sk.dim
    z = zmat(n)
    sb = np.asarray(sk.signs) * np.asarray(sk.values)
    e = (np.exp(1j * (float(sk.t) / m) * sb[None, :] * z) @ np.full(n, 1 / n)) ** m
    d = len(np.asarray(sk.qsp_phases)) - 1
    return dense_state(sk, {q: reflection(e, expected=True) for q in range(1, d + 1)})


def reflection(x_or_e, expected=False):
    if expected:  # E[[[sin, cos], [cos, -sin]]] from E[e^{i phi}]
        s, c = np.imag(x_or_e), np.real(x_or_e)
    else:
        s, c = np.sin(x_or_e), np.cos(x_or_e)
    return np.stack([np.stack([s, c], -1), np.stack([c, -s], -1)], -2)


@pytest.mark.parametrize("n", [4, 1024])  # (one compile each: the smallest and a large register)
def test_fast_path_equals_dense_formula(n, rng):
    b = rng.normal(size=n - 1)  # padded to n
    d = 5
    sk = vector_state(qsjax.VectorData(b), jax.random.key(1), degree=d, qsp_phases=phases(d))
    z = zmat(n)
    p = np.where(np.arange(n) < n - 1, 1.0 / (n - 1), 0.0)
    sb = np.asarray(sk.signs) * np.asarray(sk.values)
    t = float(sk.t)
    # ideal: phi = t * sum_j p_j s_j b_j (-1)^{u·j}
    phi = t * z @ (p * sb)
    ref = dense_state(sk, {q: reflection(phi) for q in range(1, d + 1)})
    np.testing.assert_allclose(sk.run("ideal").state, ref, atol=1e-10)
    # expected: E[e^{i phi_u}] = (sum_j p_j exp(i (t/M) s_j b_j (-1)^{u·j}))^M, dense double sum
    m = 5000
    e = (np.exp(1j * (t / m) * sb[None, :] * z) @ p) ** m
    ref = dense_state(sk, {q: reflection(e, expected=True) for q in range(1, d + 1)})
    np.testing.assert_allclose(sk.run("expected", m).state, ref, atol=1e-10)
    # counts: fresh multinomial counts per query, each mapped through the dense Z matrix
    key = jax.random.key(7)
    sig = {}
    for q in range(1, d + 1):
        cnt = np.asarray(qsjax.random.multinomial_counts(jax.random.fold_in(key, q), m, jnp.asarray(p)))
        sig[q] = reflection((t / m) * z @ (sb * cnt))
    np.testing.assert_allclose(sk.run("counts", m, key).state, dense_state(sk, sig), atol=1e-10)


def test_unamplified_success_and_target(rng):
    b = rng.normal(size=300)
    sk = vector_state(qsjax.VectorData(b), jax.random.key(0))
    r = sk.run("ideal")
    assert abs(float(jnp.sqrt(r.success_probability)) - 2 / (5 * np.pi)) < 1e-3  # ≈ 0.127
    target = np.zeros(512)
    target[:300] = b / np.linalg.norm(b)
    np.testing.assert_allclose(sk.target(), target, atol=1e-12)
    assert float(qsjax.infidelity(r.state, target)) < 1e-8
    assert int(r.queries) == 19 and float(r.samples) == 0
    e = sk.run("expected", 10**6)
    assert int(e.queries) == 19 and float(e.samples) == 19 * 10**6


def test_expected_mode_takes_integer_m_above_int32(rng):
    # a Python / NumPy integer M > 2**31 used to overflow int32 entering the jitted run (no x64)
    b = rng.normal(size=40)
    sk = vector_state(qsjax.VectorData(b), jax.random.key(1))
    big = 59_199_916_938_800  # the IMDb ridge budget that exposed it
    assert isinstance(qsjax.Expected(big).m, float)
    assert qsjax.Expected(np.int64(big)).m == float(big)
    r_int = sk.run("expected", big)
    r_float = sk.run("expected", float(big))
    np.testing.assert_array_equal(np.asarray(r_int.state), np.asarray(r_float.state))
    assert float(r_int.samples) == pytest.approx(19 * big, rel=1e-6)
    # at this M the state is the ideal one to working precision
    assert float(qsjax.infidelity(r_int.state, sk.run("ideal").state)) < 1e-5


def test_counts_and_sampled_average_to_expected(rng):
    b = rng.normal(size=16)
    sk = vector_state(qsjax.VectorData(b), jax.random.key(2), degree=5, qsp_phases=phases(5))
    m, reps = 10, 3000
    keys = jax.random.split(jax.random.key(3), reps)
    states = np.asarray(jax.vmap(lambda k: sk.run("counts", m, k).state)(keys))
    exp = np.asarray(sk.run("expected", m).state)
    # z-tests per entry and part, Bonferroni over the 32 (level helpers.ALPHA)
    helpers.assert_mean_matches(states, exp, floor=1e-12, what="counts state mean")
    # not vacuous: the sampling bias (expected vs ideal) at its largest entry exceeds the test's
    # Bonferroni bound, so a sampler that ignored the damping would fail
    se = states.real.std(0) / np.sqrt(reps)
    dev = np.abs(exp - np.asarray(sk.run("ideal").state))
    i = int(np.argmax(dev))
    assert dev[i] > helpers.z_bound(2 * exp.size) * se[i], (dev[i], se[i])
    # sampled: fresh explicit samples per query (fold_in(key, q)), mapped through the dense formula
    key4, ms = jax.random.key(4), 20_000
    s = sk.run("sampled", ms, key4, chunk_size=8192)
    n16 = 16
    z = zmat(n16)
    sb = np.asarray(sk.signs) * np.asarray(sk.values)
    data = qsjax.VectorData(np.asarray(sk.values))
    sig = {}
    for q in range(1, 6):
        cnt = np.bincount(np.asarray(data.sample(jax.random.fold_in(key4, q), ms)[0]), minlength=n16)
        sig[q] = reflection((float(sk.t) / ms) * z @ (sb * cnt))
    np.testing.assert_allclose(s.state, dense_state(sk, sig), atol=1e-10)
    # same key and any chunk size: identical
    s2 = sk.run("sampled", ms, key4, chunk_size=1000)
    np.testing.assert_array_equal(s.state, s2.state)


def test_vector_panel_fit(rng):
    """The paper's Fig. 3 vector panel: M = C N^alpha / eps^beta with C ≈ 0.9, alpha = beta = 1.

    eps = l2 error of the sub-normalised output state (expected mode vs the ideal oracle through the
    same polynomial), M = total samples (19 fresh sketches per preparation).
    """
    ns = [100, 316, 1000]  # the same span of ln N (one compile per padded size); expected mode is exact
    ms_per_query = np.logspace(5, 8, 4) / 19
    rows = []
    for n in ns:
        for seed in range(2):
            b = rng.normal(size=n)
            sk = vector_state(qsjax.VectorData(b), jax.random.key(seed), qsp_phases=phases(19))
            ideal = sk.run("ideal").state
            for m in ms_per_query:
                res = sk.run("expected", m)
                rows.append((n, float(res.samples), float(qsjax.state_error(res.state, ideal))))
    n_, m_, e_ = (np.log(np.array(c)) for c in zip(*rows, strict=True))
    design = np.stack([np.ones_like(n_), n_, -e_], axis=1)
    (ln_c, alpha, beta), *_ = np.linalg.lstsq(design, m_, rcond=None)
    assert abs(alpha - 1) < 0.03 and abs(beta - 1) < 0.03, (alpha, beta)
    assert abs(np.exp(ln_c) / 0.9 - 1) < 0.15, np.exp(ln_c)


def test_fixed_point_amplification_reaches_098(rng):
    b = rng.normal(size=64)  # the success does not depend on N (rms phase 1/5); N = 64 compiles fast
    sk = vector_state(qsjax.VectorData(b), jax.random.key(5), degree=9, qsp_phases=phases(9))
    base = float(sk.run("ideal").success_probability)
    assert 0.01 < base < 0.03
    cases = (("ideal", None, None), ("expected", 1e8, None), ("counts", 10**8, jax.random.key(2)))
    for mode, m, key in cases:
        r = sk.amplified(mode, m, key)
        assert float(r.success_probability) >= 0.98, (mode, float(r.success_probability))
        assert float(qsjax.infidelity(r.state, sk.target())) < 1e-3
    # the fixed-point property: a different initial success (other t) is lifted as well
    sk2 = vector_state(
        qsjax.VectorData(b), jax.random.key(5), degree=9, qsp_phases=phases(9), t=1.3 * float(sk.t)
    )
    assert float(sk2.amplified("ideal").success_probability) >= 0.98
    assert int(r.queries) == 9 * (2 * ((int(r.queries) // 9 - 1) // 2) + 1)  # odd number of A calls


def test_kwise_signs(rng):
    s = np.asarray(kwise_signs(jax.random.key(0), 1 << 16, k=4))
    assert set(np.unique(s)) == {-1.0, 1.0}
    # z-tests of three means of +-1 variables (sd 1), family-wise level helpers.ALPHA
    z3 = helpers.z_bound(3)
    assert abs(s.mean()) < z3 / np.sqrt(len(s))
    assert abs(np.mean(s[:-1] * s[1:])) < z3 / np.sqrt(len(s))  # neighbours uncorrelated
    np.testing.assert_array_equal(s, kwise_signs(jax.random.key(0), 1 << 16, k=4))
    # pairwise independence across keys: for a fixed pair (i, j), s_i s_j is ±1 with mean ~0
    many = jax.vmap(lambda kk: kwise_signs(kk, 64, k=2))(jax.random.split(jax.random.key(1), 400))
    pairs = np.asarray(many[:, 5] * many[:, 40])
    assert abs(pairs.mean()) < z3 / np.sqrt(400)
    b = rng.normal(size=64)
    sk = vector_state(qsjax.VectorData(b), jax.random.key(0), signs="kwise", degree=5, qsp_phases=phases(5))
    assert float(qsjax.infidelity(sk.run("ideal").state, sk.target())) < 1e-4


def test_jit_vmap_grad(rng):
    d = 5
    ph = jnp.asarray(phases(d))
    vecs = jnp.asarray(rng.normal(size=(3, 32)))

    @jax.jit
    def success(v, m, key):
        sk = vector_state(qsjax.VectorData(v), key, degree=d, qsp_phases=ph)
        return sk.run("expected", m).success_probability

    key = jax.random.key(0)

    def ref(v, m, k):  # ||state||^2 from the dense O(N^2) formula of the eagerly built sketch
        sk = vector_state(qsjax.VectorData(np.asarray(v)), k, degree=d, qsp_phases=ph)
        return np.linalg.norm(dense_expected_state(sk, m)) ** 2

    over_vecs = jax.vmap(lambda v: success(v, 1e5, key))(vecs)
    np.testing.assert_allclose(over_vecs, [ref(v, 1e5, key) for v in vecs], rtol=1e-9)
    over_m = jax.vmap(lambda m: success(vecs[0], m, key))(jnp.array([1e2, 1e5]))
    np.testing.assert_allclose(over_m, [ref(vecs[0], m, key) for m in (1e2, 1e5)], rtol=1e-9)
    seeds = jax.random.split(key, 4)
    over_seeds = jax.vmap(lambda k: success(vecs[0], 1e5, k))(seeds)
    np.testing.assert_allclose(over_seeds, [ref(vecs[0], 1e5, k) for k in seeds], rtol=1e-9)

    def loss(v, qsp):
        sk = vector_state(qsjax.VectorData(v), key, degree=d, qsp_phases=qsp)
        state = sk.run("expected", 1e4).state
        return jnp.real(jnp.vdot(sk.target().astype(state.dtype), state))

    gv, gp = jax.grad(loss, argnums=(0, 1))(vecs[0], ph)
    h = 1e-6
    v0 = vecs[0]
    e = jnp.zeros(32).at[3].set(h)
    fd = (loss(v0 + e, ph) - loss(v0 - e, ph)) / (2 * h)
    np.testing.assert_allclose(gv[3], fd, rtol=1e-5, atol=1e-9)
    e = jnp.zeros(d + 1).at[2].set(h)
    fd = (loss(v0, ph + e) - loss(v0, ph - e)) / (2 * h)
    np.testing.assert_allclose(gp[2], fd, rtol=1e-5, atol=1e-9)


def test_vector_state_errors():
    key = jax.random.key(0)
    with pytest.raises(ValueError, match="NaN"):
        qsjax.VectorData([1.0, np.nan])
    with pytest.raises(ValueError, match="all zeros"):
        qsjax.VectorData(np.zeros(4))
    with pytest.raises(ValueError, match="degree must be odd"):
        vector_state(qsjax.VectorData([1.0, 2.0]), key, degree=4)
    with pytest.raises(ValueError, match="signs must be"):
        vector_state(qsjax.VectorData([1.0, 2.0]), key, signs="hash", qsp_phases=phases(19))
    with pytest.raises(ValueError, match="qsp_phases must have shape"):
        vector_state(qsjax.VectorData([1.0, 2.0]), key, degree=5, qsp_phases=np.zeros(3))
    sk = vector_state(qsjax.VectorData([1.0, 2.0]), key, degree=5, qsp_phases=phases(5))
    with pytest.raises(ValueError, match="mode must be one of"):
        sk.run("channel", 10)
    with pytest.raises(ValueError, match="needs the number of samples"):
        sk.run("expected")
    with pytest.raises(ValueError, match="needs a jax.random key"):
        sk.run("counts", 100)
    with pytest.raises(ValueError, match="m must be a positive"):
        sk.run("expected", -3)


def test_sketch_holds_its_data_not_copies(rng):
    """The sketch is a pytree of its inputs: the VectorData itself (unpadded), signs, t, phases."""
    b = rng.normal(size=11)
    p = rng.dirichlet(np.ones(11))
    data = qsjax.VectorData(b, p)
    sk = qsjax.vector_state(data, jax.random.key(0), degree=5)
    assert sk.data is data and sk.length == 11 and sk.dim == 16
    leaves = jax.tree_util.tree_leaves(sk)
    assert sum(leaf.size for leaf in leaves) == 11 + 11 + 16 + 1 + 6  # b, p, signs, t, phases
    np.testing.assert_array_equal(np.asarray(sk.values)[:11], b)
    np.testing.assert_array_equal(np.asarray(sk.values)[11:], 0.0)
    np.testing.assert_allclose(np.asarray(sk.probabilities)[:11], p)
