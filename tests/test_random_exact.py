"""Statistical exactness of the binomial / multinomial samplers in ``qsjax.random``.

Every draw must be exact in distribution (no normal approximation anywhere), so the checks compare
against the exact binomial pmf (chi-square), the exact moments, and numpy's sampler. Seeds are
fixed: the suite is deterministic. Every test is at the level helpers.ALPHA (see helpers.py).
"""

import helpers
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import stats

import qsjax.random as qrandom

# qsjax.random is clean under strict dtype promotion: keep it so (conftest.py, --strict-promotion)
pytestmark = pytest.mark.strict_promotion

LANES = 4096  # one compiled shape for the per-(n, p) checks (the in-place retry path)
KEYS = 8


@pytest.fixture(scope="module")
def binomial():
    return jax.jit(qrandom.binomial)


def _draws(binomial, n, p, dtype=jnp.float64, keys=KEYS, seed=0):
    out = [
        np.asarray(
            binomial(jax.random.key(seed * 1000 + i), jnp.full(LANES, n, dtype), jnp.full(LANES, p, dtype))
        )
        for i in range(keys)
    ]
    return np.concatenate(out).astype(np.float64)


def _chi2_pvalue(k, n, p):
    """Chi-square of the sample ``k`` against the exact Binomial(n, p) pmf (tails merged)."""
    s = k.size
    lo, hi = stats.binom.ppf([1e-4, 1 - 1e-4], n, p)
    edges = np.unique(np.round(np.linspace(lo, hi + 1, 40)))
    cdf = stats.binom.cdf(edges - 1, n, p)
    expected = s * np.diff(np.concatenate([[0.0], cdf, [1.0]]))
    observed = np.histogram(k, bins=np.concatenate([[-np.inf], edges - 0.5, [np.inf]]))[0]
    # merge bins until each expects at least 5
    obs_m, exp_m, o, e = [], [], 0.0, 0.0
    for oo, ee in zip(observed, expected, strict=True):
        o, e = o + oo, e + ee
        if e >= 5:
            obs_m.append(o)
            exp_m.append(e)
            o, e = 0.0, 0.0
    if e > 0 and exp_m:
        obs_m[-1] += o
        exp_m[-1] += e
    obs_m, exp_m = np.array(obs_m), np.array(exp_m)
    if len(exp_m) < 2:
        return 1.0
    chi = np.sum((obs_m - exp_m) ** 2 / exp_m)
    return stats.chi2.sf(chi, len(exp_m) - 1)


CASES = [
    (10, 0.5),  # popcount path
    (64, 0.5),
    (65, 0.5),  # BTRS, smallest n with p = 1/2
    (40, 0.25),  # BTRS at n p = 10
    (39, 0.25),  # inversion just below
    (1000, 1e-3),  # inversion, tiny mean
    (1e6, 0.3),
    (1e6, 0.9999),  # p near 1 (symmetry)
    (1e9, 1e-8),
    (2e7, 0.5),
    (1e12, 0.5),
    (1e12, 1e-11),  # huge n, tiny p
    (1e12, 1 - 1e-6),
]


@pytest.mark.parametrize("n, p", CASES)
def test_binomial_matches_exact_pmf(binomial, n, p):
    k = _draws(binomial, n, p, seed=int(abs(np.log(n * p + 2)) * 7))
    assert np.all(k == np.floor(k)) and k.min() >= 0 and k.max() <= n
    mean, var = n * p, n * p * (1 - p)
    s = k.size
    z_mean = (k.mean() - mean) / np.sqrt(var / s)
    # variance of the sample variance ~ (mu4 - var^2) / s; for the binomial mu4 ~ 3 var^2 (+ small)
    z_var = (k.var() - var) / (var * np.sqrt(2.0 / s) * np.sqrt(1 + 1 / max(var, 1e-300)))
    # two z-tests at family-wise level helpers.ALPHA (|z| < 4.57) and the chi-square at helpers.ALPHA
    assert abs(z_mean) < helpers.z_bound(2), (n, p, z_mean)
    assert abs(z_var) < helpers.z_bound(2), (n, p, z_var)
    assert _chi2_pvalue(k, n, p) > helpers.P_MIN


def test_binomial_edge_cases(binomial):
    key = jax.random.key(3)
    n = jnp.asarray([0.0, 0.0, 5.0, 5.0, 7.0, 1e12, 1e12, 3.0])
    p = jnp.asarray([0.0, 0.7, 0.0, 1.0, 1.0, 0.0, 1.0, 0.5])
    k = np.asarray(jax.jit(qrandom.binomial)(key, n, p))
    np.testing.assert_array_equal(k, [0, 0, 0, 5, 7, 0, 1e12, k[-1]])
    assert 0 <= k[-1] <= 3


def test_binomial_float32(binomial):
    """float32 path (probs in single precision): exact integers, right law, below 2**24."""
    for n, p, seed in [(1e5, 0.3, 11), (1e7, 0.5, 12), (30, 0.1, 13)]:
        k = _draws(binomial, n, p, dtype=jnp.float32, keys=4, seed=seed)
        assert np.all(k == np.floor(k)) and k.min() >= 0 and k.max() <= n
        assert _chi2_pvalue(k, n, p) > helpers.P_MIN


def test_binomial_compaction_path():
    """Arrays above the in-place threshold take the row-compaction path; mixed lane kinds."""
    size = 1 << 15
    rng = np.random.default_rng(5)
    kinds = rng.integers(0, 4, size)
    n = np.choose(kinds, [1e5, 50.0, 2e3, 0.0])
    p = np.choose(kinds, [0.3, 0.5, 2e-3, 0.4])
    k = np.asarray(jax.jit(qrandom.binomial)(jax.random.key(9), jnp.asarray(n), jnp.asarray(p)))
    assert np.all(k[kinds == 3] == 0)
    for kind, (nn, pp) in enumerate([(1e5, 0.3), (50, 0.5), (2e3, 2e-3)]):
        assert _chi2_pvalue(k[kinds == kind], nn, pp) > helpers.P_MIN


def test_binomial_same_key_same_result(binomial):
    a, b, c = (_draws(binomial, 1e6, 0.4, keys=1, seed=s) for s in (1, 1, 2))
    np.testing.assert_array_equal(a, b)
    assert np.any(np.asarray(a) != np.asarray(c))


def test_multinomial_sum_and_marginals():
    rng = np.random.default_rng(0)
    big_n = 1000  # not a power of two: padded leaves must stay empty
    p = rng.dirichlet(np.full(big_n, 0.5))
    p[rng.integers(0, big_n, 50)] = 0.0
    p = p / p.sum()
    m = 10**12
    draw = jax.jit(qrandom.multinomial_counts)
    zs = []
    for i in range(4):
        c = np.asarray(draw(jax.random.key(i), m, jnp.asarray(p)))
        assert c.dtype == np.float64 and np.all(c == np.floor(c)) and c.min() >= 0
        assert c.sum() == m  # exact: every split is n_left + (n - n_left)
        assert np.all(c[p == 0] == 0)
        live = p * m > 1e4
        zs.append((c[live] - m * p[live]) / np.sqrt(m * p[live] * (1 - p[live])))
    z = np.concatenate(zs)
    assert stats.kstest(z, "norm").pvalue > helpers.P_MIN  # KS test at level helpers.ALPHA


def test_multinomial_small_m_joint_law():
    """Small m, skewed p: the joint law of the counts equals numpy's multinomial sampler."""
    p = np.array([0.5, 0.2, 0.15, 0.1, 0.05, 0.0])
    m = 7
    keys = jax.random.split(jax.random.key(42), 20000)
    c = np.asarray(jax.jit(jax.vmap(lambda k: qrandom.multinomial_counts(k, m, jnp.asarray(p))))(keys))
    assert np.all(c.sum(axis=1) == m) and np.all(c[:, -1] == 0)
    ref = np.random.default_rng(1).multinomial(m, p, size=20000)

    # compare the joint distribution of (c0, c1) by a two-sample chi-square on the cell table
    def table(x):
        return np.bincount((x[:, 0] * (m + 1) + x[:, 1]).astype(int), minlength=(m + 1) ** 2)

    t1, t2 = table(c), table(ref)
    keep = (t1 + t2) >= 10
    res = stats.chi2_contingency(np.stack([t1[keep], t2[keep]]))
    assert res.pvalue > helpers.P_MIN
    for j in range(5):  # marginals against the exact binomial
        assert _chi2_pvalue(c[:, j].astype(float), m, p[j]) > helpers.P_MIN


def test_multinomial_vmap_over_m_and_float32():
    probs = jnp.full((64,), 1 / 64, jnp.float32)
    ms = jnp.asarray([0, 1, 1000, 10**6], jnp.float32)
    draw = jax.jit(lambda m: qrandom.multinomial_counts(jax.random.key(7), m, probs))
    out = jax.jit(jax.vmap(draw))(ms)
    assert out.dtype == jnp.float64  # counts are drawn (exactly) in float64 whatever the input dtype
    np.testing.assert_array_equal(np.asarray(out).sum(axis=1), [0, 1, 1000, 10**6])
    np.testing.assert_array_equal(out[2], draw(ms[2]))
