"""Grover search with sketched oracles and fixed-point amplitude amplification.

Every mode is checked against an independent dense numpy evolution at tiny N (explicit oracle,
diffusion and density matrices), ``channel`` against the mean of ``counts`` trajectories, and the
Theorem D.13 scaling (samples per query ~ N Q at a fixed success drop) by a log-log fit.

``counts`` mode compiles a multinomial sampler (several seconds each time), so the ``counts``
checks share two register sizes (N = 4, and N = 64 with two marked items for the O(K) draw of few
marked cells) and a handful of compiled programs. Modes given as values (``qsjax.Counts(m)``) must
give exactly what the names give, and reuse the same compiled programs for every M.
"""

import itertools
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.stats

import qsjax
from qsjax import (
    amplitude_amplification,
    fixed_point_amplify,
    fixed_point_length,
    fixed_point_phases,
    fixed_point_success,
    grover_ideal_success,
    grover_optimal_iterations,
    grover_state,
    grover_success,
    grover_success_curve,
)
from qsjax.algorithms import diffusion, diffusion_dm

# ----------------------------------------------------------------------------- dense references


def truth_table(n, marked):
    f = np.zeros(n)
    f[list(marked)] = 1.0
    return f


def dense_diffusion(n):
    return 2.0 * np.full((n, n), 1.0 / n) - np.eye(n)


def dense_grover(diagonals, n):
    """``prod_j D diag(d_j)`` applied to ``|+>`` with explicit matrices."""
    psi = np.full(n, 1.0 / math.sqrt(n), dtype=complex)
    d = dense_diffusion(n)
    for diag in diagonals:
        psi = d @ (np.diag(diag) @ psi)
    return psi


def dense_expected_oracle(f, m):
    """``E[V]`` by summing over the Binomial(m, 1/N) count of each cell (no closed form used)."""
    n = f.shape[0]
    k = np.arange(m + 1)
    pmf = scipy.stats.binom.pmf(k, m, 1.0 / n)
    phase = np.exp(1j * np.pi * n * np.outer(f, k) / m)  # (N, m+1)
    return phase @ pmf


def compositions(total, parts):
    """All count vectors of ``parts`` non-negative integers summing to ``total``."""
    for bars in itertools.combinations(range(total + parts - 1), parts - 1):
        edges = (-1, *bars, total + parts - 1)
        yield np.array([edges[i + 1] - edges[i] - 1 for i in range(parts)])


def dense_channel_chi(f, m):
    """``chi = E[v v^dagger]`` by enumerating every multinomial outcome (tiny N and m only)."""
    n = f.shape[0]
    chi = np.zeros((n, n), complex)
    for counts in compositions(m, n):
        prob = math.factorial(m) / np.prod([math.factorial(c) for c in counts]) / n**m
        v = np.exp(1j * np.pi * n * f * counts / m)
        chi += prob * np.outer(v, v.conj())
    return chi


def random_unitary(rng, n):
    z = rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))
    q, r = np.linalg.qr(z)
    return q * (np.diag(r) / np.abs(np.diag(r)))[None, :]


def success(state, f):
    return float(np.sum(f * np.abs(np.asarray(state)) ** 2))


# ----------------------------------------------------------------------------- ideal mode


@pytest.mark.parametrize("n,k", [(4, 1), (16, 3), (256, 5), (1000, 7)])
def test_ideal_matches_closed_form(n, k, rng):
    f = truth_table(n, rng.choice(n, size=k, replace=False))
    q_max = 3 * grover_optimal_iterations(n, k) + 2
    curve = np.asarray(grover_success_curve(f, q_max))
    want = np.asarray(grover_ideal_success(n, k, np.arange(q_max + 1)))
    np.testing.assert_allclose(curve, want, atol=1e-11)
    q = grover_optimal_iterations(n, k)
    assert float(grover_success(f, q)) == pytest.approx(want[q], abs=1e-11)


def test_closed_form_and_optimal_iterations():
    assert float(grover_ideal_success(4, 1, 1)) == pytest.approx(1.0, abs=1e-14)
    assert float(grover_ideal_success(8, 0, 3)) == 0.0
    qs = jnp.arange(6)
    np.testing.assert_allclose(
        grover_ideal_success(64, 2, qs), [float(grover_ideal_success(64, 2, int(q))) for q in qs]
    )
    for n, k in [(16, 1), (64, 1), (1024, 1), (1024, 3), (100, 30), (8, 4), (8, 8)]:
        theta = math.asin(math.sqrt(k / n))
        first_period = np.arange(int(math.pi / (2 * theta)) + 1)
        best = int(np.argmax(np.sin((2 * first_period + 1) * theta) ** 2))
        assert grover_optimal_iterations(n, k) == best, (n, k)
    assert grover_optimal_iterations(2**20, 1) == 804


def test_ideal_matches_dense(rng):
    for n, k, q in [(8, 1, 2), (16, 3, 4), (32, 5, 3)]:
        f = truth_table(n, rng.choice(n, size=k, replace=False))
        psi = dense_grover([(-1.0) ** f] * q, n)
        got = np.asarray(grover_state(f, q))
        np.testing.assert_allclose(got, psi, atol=1e-12)


def test_diffusion_kernels(rng):
    n = 16
    d = dense_diffusion(n)
    psi = rng.normal(size=(3, n)) + 1j * rng.normal(size=(3, n))
    np.testing.assert_allclose(diffusion(psi), psi @ d.T, atol=1e-12)
    a = rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))
    rho = a @ a.conj().T
    np.testing.assert_allclose(diffusion_dm(rho), d @ rho @ d, atol=1e-11)


# ----------------------------------------------------------------------------- expected / channel


@pytest.mark.parametrize("n,marked,q,m", [(8, [3], 2, 40), (16, [0, 9], 3, 100), (16, [2, 5, 11], 2, 7)])
def test_expected_matches_dense(n, marked, q, m):
    f = truth_table(n, marked)
    ev = dense_expected_oracle(f, m)
    psi = dense_grover([ev] * q, n)
    np.testing.assert_allclose(np.asarray(grover_state(f, q, m, mode="expected")), psi, atol=1e-11)


@pytest.mark.parametrize("n,marked,q,m", [(4, [1], 3, 6), (4, [0, 2], 2, 5), (8, [5], 2, 4)])
def test_channel_matches_dense_enumeration(n, marked, q, m):
    """Density-matrix evolution against the channel averaged over all multinomial outcomes."""
    f = truth_table(n, marked)
    chi = dense_channel_chi(f, m)
    d = dense_diffusion(n)
    psi0 = np.full(n, 1.0 / math.sqrt(n))
    rho = np.outer(psi0, psi0).astype(complex)
    for _ in range(q):
        rho = d @ (chi * rho) @ d
    got = np.asarray(grover_state(f, q, m, mode="channel"))
    np.testing.assert_allclose(got, rho, atol=1e-11)
    np.testing.assert_allclose(np.trace(got), 1.0, atol=1e-12)


@pytest.mark.parametrize("mode", ["expected", "channel"])
def test_sketched_success_tends_to_ideal(mode):
    n, k = 64, 2
    f = truth_table(n, range(k))
    q = grover_optimal_iterations(n, k)
    ideal = float(grover_ideal_success(n, k, q))
    ms = n * q * jnp.logspace(-0.5, 4, 19)
    curve = np.asarray(jax.vmap(lambda m: grover_success(f, q, m, mode=mode))(ms))
    assert np.all(np.diff(curve) > 0), curve
    assert np.all(curve < ideal + 1e-9)
    assert abs(curve[-1] - ideal) < 1e-3
    assert ideal - curve[0] > 0.2
    # Far from the ideal the drop is first order in N Q / M: one decade in M, one decade in drop.
    drop = ideal - curve
    ratio = drop[-5] / drop[-1]
    assert 7.0 < ratio < 13.0, ratio


def test_expected_is_pessimistic():
    n, k = 64, 1
    f = truth_table(n, [7])
    q = grover_optimal_iterations(n, k)
    for m in [1e3, 1e4, 1e5]:
        assert float(grover_success(f, q, m, mode="expected")) < float(
            grover_success(f, q, m, mode="channel")
        )


# ----------------------------------------------------------------------------- counts (shared programs)

N_C, MARKED_C, Q_C, M_C, R_C = 4, [2], 3, 24, 4000
F_C = truth_table(N_C, MARKED_C)
M_FIRST = [24, 7, 1000]  # the first three trajectories use their own M (vmap over M as well)


@pytest.fixture(scope="module")
def counts_runs():
    """One compiled single-trajectory program, one vmapped over (key, M), one internal average."""
    key = jax.random.key(2026)
    keys = jax.random.split(key, R_C)
    ms = jnp.full((R_C,), float(M_C)).at[:3].set(jnp.asarray(M_FIRST, float))
    single = [np.asarray(grover_state(F_C, Q_C, M_FIRST[i], mode="counts", key=keys[i])) for i in range(3)]
    batch = np.asarray(jax.vmap(lambda k, m: grover_state(F_C, Q_C, m, mode="counts", key=k))(keys, ms))
    averaged = float(grover_success(F_C, Q_C, M_C, mode="counts", key=key, trajectories=R_C))
    return dict(key=key, keys=keys, ms=ms, single=single, batch=batch, averaged=averaged)


def test_counts_matches_dense_with_realised_oracles(counts_runs):
    """Each query applies its own realisation drawn from fold_in(key, j)."""
    oracle = qsjax.boolean_oracle(qsjax.BooleanData(F_C))
    keys, ms = counts_runs["keys"][:3], counts_runs["ms"][:3]
    draw = jax.jit(lambda k, m: oracle.counts(k, m))
    diags = np.array([[draw(jax.random.fold_in(keys[i], j), ms[i]) for j in range(Q_C)] for i in range(3)])
    for i in range(3):
        psi = dense_grover(list(diags[i]), N_C)
        np.testing.assert_allclose(counts_runs["single"][i], psi, atol=1e-12)
        np.testing.assert_allclose(np.linalg.norm(psi), 1.0, atol=1e-12)
    # fresh samples per query (and per trajectory): the realised marked phases vary
    assert np.unique(np.round(np.angle(diags[:, :, MARKED_C[0]]), 9)).size > 2


def test_counts_vmap_over_keys_and_m_and_trajectory_average(counts_runs):
    batch, single = counts_runs["batch"], counts_runs["single"]
    for i in range(3):
        np.testing.assert_allclose(batch[i], single[i], atol=1e-12)
    # trajectories=R averages the same R keys split(key, R) (all at M_C)
    keys = counts_runs["keys"]
    per_traj = np.sum(F_C * np.abs(batch) ** 2, axis=-1)
    for i in range(3):  # re-run the first three at M_C (same compiled single-trajectory program)
        per_traj[i] = success(grover_state(F_C, Q_C, M_C, mode="counts", key=keys[i]), F_C)
    assert counts_runs["averaged"] == pytest.approx(per_traj.mean(), abs=1e-12)
    assert np.unique(np.round(per_traj, 12)).size > 10  # genuinely random trajectories


def test_channel_equals_mean_of_counts_trajectories(counts_runs):
    per_traj = np.sum(F_C * np.abs(counts_runs["batch"][3:]) ** 2, axis=-1)  # all at M_C
    mean, sem = per_traj.mean(), per_traj.std(ddof=1) / math.sqrt(per_traj.size)
    chan = float(grover_success(F_C, Q_C, M_C, mode="channel"))
    assert abs(mean - chan) < 4 * sem, (mean, chan, sem)
    # and the channel is measurably different from both the ideal and the expected proxy
    ideal = float(grover_success(F_C, Q_C))
    expected = float(grover_success(F_C, Q_C, M_C, mode="expected"))
    assert abs(ideal - chan) > 10 * sem
    assert abs(expected - chan) > 10 * sem


# ----------------------------------------------------------------------------- counts: few marked cells

# K = 2 marked among N = 64 (K <= N / 8): eager calls on a concrete truth table draw only the K
# marked counts per query (O(K)); any enclosing jax.jit makes the truth table abstract, and the
# program draws all N counts instead. Both are exact in law; for one key they give different
# realisations (the two draws consume the stream differently), so the paths are compared bit for bit
# against their own dense references and with each other in distribution.
N_S, MARKED_S, M_S = 64, [5, 40], 100
F_S = truth_table(N_S, MARKED_S)
Q_S = grover_optimal_iterations(N_S, len(MARKED_S))
R_S = 2000
ALPHA_S = 1e-6  # per comparison: the chance that a correct implementation fails it


@pytest.fixture(scope="module")
def few_marked_references():
    """For one key: the Grover state from the realisations of the O(K) draw and of the O(N) draw
    (``PhaseSketch.counts`` with and without ``support``, dense numpy evolution)."""
    key = jax.random.key(11)
    oracle = qsjax.boolean_oracle(qsjax.BooleanData(F_S))
    few = jax.jit(lambda k, m: oracle.counts(k, m, support=np.flatnonzero(F_S)))
    every = jax.jit(lambda k, m: oracle.counts(k, m))
    keys = [jax.random.fold_in(key, j) for j in range(Q_S)]
    return dict(
        key=key,
        few=dense_grover([np.asarray(few(k, float(M_S))) for k in keys], N_S),
        every=dense_grover([np.asarray(every(k, float(M_S))) for k in keys], N_S),
    )


def test_counts_with_few_marked_cells_draws_only_those_cells(few_marked_references):
    key, few, every = (few_marked_references[k] for k in ("key", "few", "every"))
    eager = np.asarray(grover_state(F_S, Q_S, M_S, mode="counts", key=key))
    np.testing.assert_allclose(eager, few, atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(eager), 1.0, atol=1e-12)
    assert np.max(np.abs(few - every)) > 1e-3  # the two draws are different realisations
    # the mode value takes the same path
    value = np.asarray(grover_state(F_S, Q_S, mode=qsjax.Counts(M_S), key=key))
    np.testing.assert_array_equal(value, eager)


def test_counts_under_jit_draws_every_cell(few_marked_references):
    """Under jax.jit the truth table is abstract (even when only m is an argument), so the
    O(K) draw is not available and the program draws all N counts: the same key then gives the
    realisation of the O(N) draw, not the eager one."""
    key, few, every = (few_marked_references[k] for k in ("key", "few", "every"))
    over_m = np.asarray(jax.jit(lambda m: grover_state(F_S, Q_S, m, mode="counts", key=key))(M_S))
    over_data = np.asarray(
        jax.jit(lambda tt: grover_state(tt, Q_S, M_S, mode="counts", key=key))(jnp.asarray(F_S))
    )
    np.testing.assert_allclose(over_m, every, atol=1e-12)
    np.testing.assert_array_equal(over_data, over_m)
    assert np.max(np.abs(over_m - few)) > 1e-3


def test_counts_few_cells_and_every_cell_agree_in_distribution():
    """R trajectories by each path: both means match the exact channel-mode success (the mean of
    counts trajectories) and the two samples pass a two-sample Kolmogorov-Smirnov test, each
    comparison at level ALPHA_S (all three: false failure below 3e-6)."""
    key = jax.random.key(12)
    keys = jax.random.split(key, R_S)
    few = np.asarray(jax.vmap(lambda k: grover_success(F_S, Q_S, M_S, mode="counts", key=k))(keys))
    every = np.asarray(
        jax.jit(
            jax.vmap(lambda k, tt: grover_success(tt, Q_S, M_S, mode="counts", key=k), in_axes=(0, None))
        )(keys, jnp.asarray(F_S))
    )
    assert not np.allclose(few, every)  # different streams, not a shared realisation
    # trajectories=R is the same O(K) path: the mean of the vmapped single trajectories
    averaged = float(grover_success(F_S, Q_S, M_S, mode="counts", key=key, trajectories=R_S))
    assert averaged == pytest.approx(few.mean(), abs=1e-12)
    channel = float(grover_success(F_S, Q_S, M_S, mode="channel"))
    z = scipy.stats.norm.isf(ALPHA_S / 2)
    for sample in (few, every):
        sem = sample.std(ddof=1) / math.sqrt(R_S)
        assert abs(sample.mean() - channel) < z * sem, (sample.mean(), channel, z * sem)
    assert scipy.stats.ks_2samp(few, every).pvalue > ALPHA_S
    # the tolerance resolves the sketching error: ideal and expected lie far outside it
    sem = few.std(ddof=1) / math.sqrt(R_S)
    assert float(grover_success(F_S, Q_S)) - channel > 10 * z * sem
    assert channel - float(grover_success(F_S, Q_S, M_S, mode="expected")) > 10 * z * sem


# ----------------------------------------------------------------------------- modes as values


@pytest.mark.parametrize(
    "name,value",
    [
        ("ideal", qsjax.Ideal()),
        ("expected", qsjax.Expected(M_C)),
        ("counts", qsjax.Counts(M_C)),
        ("channel", qsjax.Channel(M_C)),
    ],
)
def test_mode_values_equal_mode_names(name, value, counts_runs):
    m = None if name == "ideal" else M_C
    key = counts_runs["keys"][5]
    for fn in (grover_success, grover_success_curve, grover_state):
        by_name = np.asarray(fn(F_C, Q_C, m, mode=name, key=key))
        by_value = np.asarray(fn(F_C, Q_C, mode=value, key=key))
        np.testing.assert_array_equal(by_value, by_name)
    if name == "counts":
        np.testing.assert_array_equal(
            grover_success(F_C, Q_C, mode=value, key=counts_runs["key"], trajectories=R_C),
            grover_success(F_C, Q_C, M_C, mode=name, key=counts_runs["key"], trajectories=R_C),
        )
    if name in ("expected", "channel"):  # traced m inside the value: vmap and grad pass through
        ms = jnp.array([10.0, 300.0])
        cls = type(value)
        np.testing.assert_array_equal(
            jax.vmap(lambda mm: grover_success(F_C, Q_C, mode=cls(mm)))(ms),
            jax.vmap(lambda mm: grover_success(F_C, Q_C, mm, mode=name))(ms),
        )
        np.testing.assert_array_equal(
            jax.grad(lambda lm: grover_success(F_C, Q_C, mode=cls(jnp.exp(lm))))(3.0),
            jax.grad(lambda lm: grover_success(F_C, Q_C, jnp.exp(lm), mode=name))(3.0),
        )


def test_one_compilation_serves_every_m(counts_runs, caplog):
    """m is a traced leaf of the mode value (its class is static): new values of M, by name or as a
    value, reuse the compiled programs."""
    key = counts_runs["keys"][0]
    for cls in (qsjax.Expected, qsjax.Channel):
        grover_success_curve(F_C, Q_C, mode=cls(3.0))
        grover_success_curve(F_C, Q_C, 3.0, mode=cls.name)
    with jax.log_compiles(), caplog.at_level("WARNING"):
        for cls in (qsjax.Expected, qsjax.Channel):
            grover_success_curve(F_C, Q_C, mode=cls(77.0))
            grover_success_curve(F_C, Q_C, 1e4, mode=cls.name)
        grover_state(F_C, Q_C, mode=qsjax.Counts(99), key=key)  # counts_runs compiled this program
        grover_state(F_C, Q_C, 5, mode="counts", key=key)
    compiled = [r.getMessage() for r in caplog.records if "Compiling" in r.getMessage()]
    assert compiled == []
    # a new number of iterations is a new program: the log does show compilations
    with jax.log_compiles(), caplog.at_level("WARNING"):
        grover_success_curve(F_C, Q_C + 1, mode=qsjax.Expected(77.0))
    assert any("Compiling" in r.getMessage() for r in caplog.records)


def test_unsupported_and_ambiguous_modes():
    f = truth_table(8, [1])
    key = jax.random.key(0)
    for fn in (grover_success, grover_success_curve, grover_state):
        for args, kwargs in [
            ((100,), dict(mode="sampled")),
            ((), dict(mode="sampled")),
            ((), dict(mode=qsjax.Sampled(100))),
        ]:
            with pytest.raises(qsjax.UnsupportedModeError, match=r"Grover.*'sampled'.*'counts'"):
                fn(f, 1, *args, key=key, **kwargs)
        with pytest.raises(ValueError, match="carries its own m"):
            fn(f, 1, 100, mode=qsjax.Counts(100), key=key)
        with pytest.raises(ValueError, match="carries its own m"):
            fn(f, 1, 100, mode=qsjax.Ideal())
        with pytest.raises(ValueError, match="mode must be one of"):
            fn(f, 1, 100, mode="sketch")
        with pytest.raises(TypeError, match="mode must be"):
            fn(f, 1, 100, mode=3)
    assert issubclass(qsjax.UnsupportedModeError, ValueError)
    assert qsjax.GROVER_MODES == ("ideal", "expected", "counts", "channel")
    # the mode value's own checks and the Grover ones still apply
    with pytest.raises(ValueError, match="key"):
        grover_success(f, 1, mode=qsjax.Counts(100))
    with pytest.raises(ValueError, match="trajectories"):
        grover_success(f, 1, mode=qsjax.Channel(100), trajectories=3)
    with pytest.raises(ValueError, match="m must"):
        grover_success(f, 1, mode=qsjax.Expected(0))


# ----------------------------------------------------------------------------- Theorem D.13 scaling


def samples_for_drop(n, k, mode="expected", drop=0.05, steps=36):
    """Bisection in log M for the samples per query at which success = ideal - drop."""
    f = truth_table(n, range(k))
    q = grover_optimal_iterations(n, k)
    ideal = float(grover_ideal_success(n, k, q))
    gap = jax.jit(lambda log_m: ideal - grover_success(f, q, jnp.exp(log_m), mode=mode) - drop)
    lo, hi = math.log(n * q / 100.0), math.log(n * q * 1e4)
    assert gap(lo) > 0 > gap(hi)
    for _ in range(steps):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if gap(mid) > 0 else (lo, mid)
    return n * q, math.exp(0.5 * (lo + hi))


def test_theorem_d13_samples_per_query_scale_as_n_times_q():
    configs = [(64, 1), (64, 4), (256, 1), (256, 4), (1024, 1), (1024, 4), (4096, 1), (4096, 4)]
    nq, mstar = np.array([samples_for_drop(n, k) for n, k in configs]).T
    slope, intercept = np.polyfit(np.log(nq), np.log(mstar), 1)
    assert abs(slope - 1.0) < 0.1, slope
    # the curves collapse: M* / (N Q) is nearly constant (about pi^2 / (2 * 0.05))
    ratio = mstar / nq
    assert ratio.max() / ratio.min() < 1.35, ratio
    assert 60 < np.median(ratio) < 130


# ----------------------------------------------------------------------------- transformations


def test_jit_and_vmap_over_m():
    f = truth_table(32, [3, 17])
    q = grover_optimal_iterations(32, 2)
    ms = jnp.array([50.0, 400.0, 3000.0, 1e5])
    looped = [float(grover_success(f, q, float(m), mode="expected")) for m in ms]
    jitted = jax.jit(lambda m: grover_success(f, q, m, mode="expected"))
    np.testing.assert_allclose([float(jitted(m)) for m in ms], looped, rtol=1e-12)
    np.testing.assert_allclose(jax.vmap(jitted)(ms), looped, rtol=1e-12)
    # the truth table may be traced too
    g = jax.jit(lambda tt: grover_success(tt, q, 500.0, mode="expected"))
    assert float(g(jnp.asarray(f))) == pytest.approx(float(grover_success(f, q, 500.0, mode="expected")))


@pytest.mark.parametrize("mode", ["expected", "channel"])
def test_grad_in_log_m_matches_finite_differences(mode):
    f = truth_table(8, [4])
    q = grover_optimal_iterations(8, 1)

    def s(log_m):
        return grover_success(f, q, jnp.exp(log_m), mode=mode)

    for log_m in [math.log(200.0), math.log(3000.0)]:
        g = float(jax.grad(s)(log_m))
        h = 1e-5
        fd = (float(s(log_m + h)) - float(s(log_m - h))) / (2 * h)
        assert g == pytest.approx(fd, rel=1e-6, abs=1e-10)
        assert g > 0


def test_float32_inputs_stay_single_precision():
    f = jnp.asarray(truth_table(16, [2]), jnp.float32)
    state = grover_state(f, 3, 1000.0, mode="expected")
    assert state.dtype == jnp.complex64
    assert float(grover_success(f, 3)) == pytest.approx(float(grover_ideal_success(16, 1, 3)), abs=1e-5)


# ----------------------------------------------------------------------------- bad input


def test_bad_input_raises():
    f = truth_table(8, [1])
    with pytest.raises(ValueError, match="iterations must"):
        grover_success(f, -1)
    with pytest.raises(ValueError, match="iterations must"):
        grover_success(f, 1.5)
    with pytest.raises(ValueError, match="k must"):
        grover_ideal_success(8, 9, 1)
    with pytest.raises(ValueError, match="k must"):
        grover_optimal_iterations(8, 9)
    with pytest.raises(ValueError, match="iterations must"):
        grover_ideal_success(8, 1, -2)
    with pytest.raises(ValueError, match="data must"):
        grover_success(np.array([0, 1, 2, 0.0]), 1)
    with pytest.raises(ValueError, match="data must"):
        grover_success(np.zeros((4, 2)), 1)
    with pytest.raises(ValueError, match="data must"):
        grover_success(qsjax.BooleanData(np.array([0, 1, 0, 0]), p=[0.1, 0.2, 0.3, 0.4]), 1)
    for mode in ["expected", "channel", "counts"]:
        for bad_m in [0, -3]:
            with pytest.raises(ValueError, match="m must"):
                grover_success(f, 1, bad_m, mode=mode, key=jax.random.key(0))
        with pytest.raises(ValueError, match="needs m"):
            grover_success(f, 1, mode=mode, key=jax.random.key(0))
    with pytest.raises(ValueError, match="key"):
        grover_success(f, 1, 100, mode="counts")
    with pytest.raises(qsjax.UnsupportedModeError, match="Grover search does not support mode 'sampled'"):
        grover_success(f, 1, 100, mode="sampled")
    with pytest.raises(ValueError, match="trajectories"):
        grover_success(f, 1, 100, mode="expected", trajectories=5)


# ----------------------------------------------------------------------------- fixed-point AA


def dense_aa(u, good, alpha, beta, start):
    """YLC's G(alpha, beta) = -S_s(alpha) S_t(beta) with explicit matrices."""
    n = u.shape[0]
    s = u @ start
    pt = np.diag(good.astype(float))
    psi = s.copy()
    for a, b in zip(alpha, beta, strict=True):
        s_t = np.eye(n) - (1 - np.exp(1j * b)) * pt
        s_s = np.eye(n) - (1 - np.exp(-1j * a)) * np.outer(s, s.conj())
        psi = -s_s @ (s_t @ psi)
    return psi


def test_amplitude_amplification_matches_dense(rng):
    n = 8
    u = random_unitary(rng, n)
    good = np.zeros(n)
    good[[1, 6]] = 1
    alpha, beta = rng.uniform(-np.pi, np.pi, size=(2, 5))
    start = np.zeros(n, complex)
    start[0] = 1
    want = dense_aa(u, good, alpha, beta, start)
    uj = jnp.asarray(u)
    got = amplitude_amplification(lambda v: uj @ v, lambda v: uj.conj().T @ v, good, alpha, beta)
    np.testing.assert_allclose(np.asarray(got), want, atol=1e-12)
    # a custom start state
    start2 = rng.normal(size=n) + 1j * rng.normal(size=n)
    start2 /= np.linalg.norm(start2)
    got2 = amplitude_amplification(
        lambda v: uj @ v, lambda v: uj.conj().T @ v, good, alpha, beta, start=jnp.asarray(start2)
    )
    np.testing.assert_allclose(np.asarray(got2), dense_aa(u, good, alpha, beta, start2), atol=1e-12)


def test_amplitude_amplification_on_structured_register(rng):
    """A acting on an (ancilla, system) register of shape (2, 4), good = ancilla in |0>."""
    a_dim, n = 2, 4
    u = random_unitary(rng, a_dim * n)
    good = np.zeros((a_dim, n))
    good[0] = 1
    alpha, beta = fixed_point_phases(0.2, 0.1)
    uj = jnp.asarray(u)

    def prepare(psi):
        return (uj @ psi.reshape(-1)).reshape(a_dim, n)

    def unprepare(psi):
        return (uj.conj().T @ psi.reshape(-1)).reshape(a_dim, n)

    got = amplitude_amplification(prepare, unprepare, good, alpha, beta)
    start = np.zeros(a_dim * n, complex)
    start[0] = 1
    want = dense_aa(u, good.reshape(-1), np.asarray(alpha), np.asarray(beta), start).reshape(a_dim, n)
    assert got.shape == (a_dim, n)
    np.testing.assert_allclose(np.asarray(got), want, atol=1e-12)


def test_indexed_calls_get_their_call_number(rng):
    """With indexed=True call i can be a different unitary (a fresh sketch per query)."""
    n, ell = 4, 3
    us = [random_unitary(rng, n) for _ in range(2 * ell + 1)]
    stack = jnp.asarray(np.stack(us))
    good = np.array([0, 1, 0, 0])
    alpha, beta = rng.uniform(-np.pi, np.pi, size=(2, ell))
    got = amplitude_amplification(
        lambda v, i: stack[i] @ v, lambda v, i: stack[i].conj().T @ v, good, alpha, beta, indexed=True
    )
    psi = us[0][:, 0]
    s0 = np.eye(n)[0]
    for j in range(ell):
        psi = np.where(good == 1, np.exp(1j * beta[j]), 1.0) * psi
        phi = us[2 * j + 1].conj().T @ psi
        phi = phi - (1 - np.exp(-1j * alpha[j])) * (s0 @ phi) * s0
        psi = -us[2 * j + 2] @ phi
    np.testing.assert_allclose(np.asarray(got), psi, atol=1e-12)


def test_pi_phases_reproduce_grover():
    n, marked = 64, [3, 40]
    f = truth_table(n, marked)
    q = grover_optimal_iterations(n, 2)
    pi = jnp.full((q,), jnp.pi)

    def hadamard(v):
        return qsjax.kernels.walsh_hadamard(v)

    got = amplitude_amplification(hadamard, hadamard, f, pi, pi)
    np.testing.assert_allclose(np.asarray(got), np.asarray(grover_state(f, q)), atol=1e-12)


class TwoLevelFamily:
    """``A(lam) = U R(lam)`` on n basis states with ``A(lam)|0> = sqrt(1 - lam)|bad> + sqrt(lam)|good>``.

    ``U`` is a fixed random unitary whose first two columns are a bad and a good unit vector
    (good = span{|1>, |5>}); ``R(lam)`` rotates in the (|0>, |1>) plane. One compiled program serves
    every ``lam`` (vmap).
    """

    def __init__(self, rng, n=16):
        self.good = np.zeros(n)
        self.good[[1, 5]] = 1
        bad = np.zeros(n, complex)
        bad[2], bad[9] = math.sqrt(0.5), -math.sqrt(0.5)
        gvec = np.zeros(n, complex)
        gvec[1], gvec[5] = math.sqrt(0.3), 1j * math.sqrt(0.7)
        z = rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))
        z[:, 0], z[:, 1] = bad, gvec
        q, r = np.linalg.qr(z)
        self.u = jnp.asarray(q * (np.diag(r) / np.abs(np.diag(r)))[None, :])
        self.n = n

    def unitary(self, lam):
        c, s = (v.astype(self.u.dtype) for v in (jnp.sqrt(1.0 - lam), jnp.sqrt(lam)))
        rot = jnp.eye(self.n, dtype=self.u.dtype)
        rot = rot.at[0, 0].set(c).at[1, 0].set(s).at[0, 1].set(-s).at[1, 1].set(c)
        return self.u @ rot

    def success(self, run, lams):
        """``run(prepare, unprepare, good)`` -> final state, evaluated for every ``lam``."""

        def one(lam):
            a = self.unitary(lam)
            psi = run(lambda v: a @ v, lambda v: a.conj().T @ v, self.good)
            return jnp.sum(self.good * jnp.abs(psi) ** 2), jnp.linalg.norm(psi)

        return [np.asarray(x) for x in jax.jit(jax.vmap(one))(jnp.asarray(lams))]


@pytest.mark.parametrize("delta,w", [(0.1, 0.05), (0.3, 0.01), (0.05, 0.2), (0.5, 0.5)])
def test_fixed_point_property(delta, w, rng):
    length = fixed_point_length(delta, w)
    assert length % 2 == 1
    # minimality and the window edge, from the exact success formula
    assert float(fixed_point_success(w, delta, length)) >= 1 - delta**2 - 1e-12
    if length > 1:
        assert float(fixed_point_success(w, delta, length - 2)) < 1 - delta**2
    lams = np.concatenate([np.linspace(w, 1.0, 40), [w * 1.001, 0.9999]])
    family = TwoLevelFamily(rng)
    p, norms = family.success(lambda a, ad, good: fixed_point_amplify(a, ad, good, delta, w), lams)
    assert np.all(p >= 1 - delta**2 - 1e-9), (lams[p < 1 - delta**2], p.min())
    np.testing.assert_allclose(p, fixed_point_success(lams, delta, length), atol=1e-10)
    np.testing.assert_allclose(norms, 1.0, atol=1e-12)
    # below the window the guarantee is (eventually) lost: the bound is not vacuous
    lam_low = np.array([w / 20])
    assert (
        family.success(lambda a, ad, good: fixed_point_amplify(a, ad, good, delta, w), lam_low)[0][0]
        < 1 - delta**2
    )


def test_standard_amplification_overshoots_where_ylc_does_not(rng):
    delta, w = 0.1, 0.02
    ell = grover_optimal_iterations(10**6, int(w * 10**6))  # standard AA tuned for lam = w
    pi = jnp.full((ell,), jnp.pi)
    lams = np.array([w, 0.05, 0.1, 0.25, 0.5, 0.8, 1.0])
    family = TwoLevelFamily(rng)
    p_std, _ = family.success(lambda a, ad, good: amplitude_amplification(a, ad, good, pi, pi), lams)
    p_ylc, _ = family.success(lambda a, ad, good: fixed_point_amplify(a, ad, good, delta, w), lams)
    want_std = np.sin((2 * ell + 1) * np.arcsin(np.sqrt(lams))) ** 2
    np.testing.assert_allclose(p_std, want_std, atol=1e-10)
    assert p_std[0] > 0.99  # perfect where it was tuned ...
    assert p_std.min() < 0.5  # ... but it overshoots for larger initial success
    assert p_ylc.min() >= 1 - delta**2 - 1e-9


def test_fixed_point_phases_structure_and_transformations():
    alpha, beta = fixed_point_phases(0.1, 0.05)
    length = fixed_point_length(0.1, 0.05)
    assert alpha.shape == beta.shape == ((length - 1) // 2,)
    np.testing.assert_allclose(beta, -alpha[::-1])
    # length grows like log(2/delta)/sqrt(w)
    for delta, w in [(0.1, 0.01), (0.01, 1e-4)]:
        assert fixed_point_length(delta, w) <= math.log(2 / delta) / math.sqrt(w) + 2
    assert fixed_point_length(0.1, 1.0) == 1
    a1, b1 = fixed_point_phases(0.1, 1.0)
    assert a1.shape == (0,)
    # jit + vmap over the initial amplitude of a two-level rotation A = R_y(2 asin sqrt(lam))
    alpha, beta = fixed_point_phases(0.2, length=9)

    def run(lam):
        c, s = jnp.sqrt(1 - lam), jnp.sqrt(lam)
        rot = jnp.array([[c, -s], [s, c]]).astype(jnp.complex128)
        psi = amplitude_amplification(lambda v: rot @ v, lambda v: rot.T @ v, jnp.array([0, 1]), alpha, beta)
        return jnp.abs(psi[1]) ** 2

    lams = jnp.linspace(0.05, 1.0, 7)
    np.testing.assert_allclose(jax.jit(jax.vmap(run))(lams), fixed_point_success(lams, 0.2, 9), atol=1e-12)


def test_fixed_point_bad_input():
    with pytest.raises(ValueError, match="delta"):
        fixed_point_length(0.0, 0.1)
    with pytest.raises(ValueError, match="delta"):
        fixed_point_length(1.5, 0.1)
    with pytest.raises(ValueError, match="w must"):
        fixed_point_length(0.1, 0.0)
    with pytest.raises(ValueError, match="length"):
        fixed_point_phases(0.1, length=4)
    with pytest.raises(ValueError, match="w"):
        fixed_point_phases(0.1)
    with pytest.raises(ValueError, match="alpha and beta"):
        amplitude_amplification(lambda v: v, lambda v: v, jnp.array([0, 1]), jnp.zeros(2), jnp.zeros(3))
    with pytest.raises(ValueError, match="good"):
        amplitude_amplification(
            lambda v: v, lambda v: v, jnp.ones(3), jnp.zeros(1), jnp.zeros(1), start=jnp.ones(4)
        )
