"""The naive (non-orthogonal, qDrift-like) baseline's random modes against their definitions.

``sampled`` is rebuilt sample by sample from the public random streams (exact, bit for bit in the
counts); ``counts`` is checked statistically: its exact law at one sample, and its first and second
moments against ``expected`` (``E[V]``) and ``channel`` (``E[V V^dagger] = chi``) at many samples.
Tolerances follow ``helpers.ALPHA`` (see helpers.py).
"""

import helpers
import jax
import numpy as np
import pytest
import scipy.stats

import qsjax

F6 = np.array([1, 0, 1, 1, 0, 1])  # N = 6 is padded to N' = 8: the restriction to N states matters
P6 = np.array([0.25, 0.1, 0.2, 0.15, 0.05, 0.25])
REPS = 2000  # realisations per moment check (see the power statement in test_counts_moments)


def _naive(p=None, t=None):
    return qsjax.naive_boolean_oracle(qsjax.BooleanData(F6, p), t=t)


@pytest.mark.parametrize("p", [None, P6], ids=["uniform", "nonuniform"])
def test_sampled_equals_its_definition(p):
    nv = _naive(p, t=2.3)
    key = jax.random.key(21)
    m = 2000
    ref = helpers.naive_sample_ref(nv.data, key, m, 2.3)
    out = np.asarray(nv.sampled(key, m))
    np.testing.assert_allclose(out, ref, atol=1e-12)
    # the same samples whatever the chunk size (exact integer counts: bit-identical); each chunk
    # size is one compilation, so two besides the default (one chunk of 2048 here)
    for cs in (7, 512):
        np.testing.assert_array_equal(np.asarray(nv.sampled(key, m, chunk_size=cs)), out)
    # a user's stream of the x samples of split(key)[0] reproduces it bit for bit (float64 sums of
    # +-1 and the two-word integer counts are the same exact integers)
    kx = jax.random.split(key)[0]
    batches = [(np.asarray(i), np.asarray(v)) for i, v in nv.data.chunks(kx, m, chunk_size=1000)]
    np.testing.assert_array_equal(np.asarray(nv.from_stream(batches, key)), out)


def test_sampled_with_one_sample_chunks():
    # chunk_size=1 (one loop iteration per sample) on a short stream, against the definition
    nv = _naive(t=1.1)
    key = jax.random.key(4)
    ref = helpers.naive_sample_ref(nv.data, key, 300, 1.1)
    np.testing.assert_allclose(np.asarray(nv.sampled(key, 300, chunk_size=1)), ref, atol=1e-12)


def test_counts_exact_law_at_one_sample():
    """m = 1: one sample rotates by exp(i t s (-1)^{u.v}) for a cell (u, s) of probability
    P(u, s) = sum_x p_x f_x [(-1)^{x.u} = s] / N', or does nothing (probability 1 - F)."""
    t, npad, reps = 0.7, 8, 20000
    nv = _naive(P6, t=t)
    keys = jax.random.split(jax.random.key(8), reps)
    v = np.asarray(jax.jit(jax.vmap(lambda k: nv.counts(k, 1)))(keys))
    w = np.round(np.angle(v) / t).astype(int)  # s (-1)^{u.v}, or 0 when nothing rotated
    assert np.all(np.isin(w, (-1, 0, 1)))
    np.testing.assert_allclose(np.angle(v), t * w, atol=1e-12)
    walsh = helpers.walsh_matrix(npad)[:, :6]
    table = np.concatenate([walsh, -walsh, np.zeros((1, 6))])  # outcome rows: (u, +), (u, -), rest
    outcome = np.argmax(np.all(w[:, None, :] == table[None, :, :], axis=-1), axis=1)
    assert np.all(np.all(w == table[outcome], axis=1))  # every realisation is one of the outcomes
    sgn = helpers.walsh_matrix(npad)[:6, :]  # (x, u) -> (-1)^{x.u}
    plus = (P6 * F6) @ (sgn > 0) / npad
    minus = (P6 * F6) @ (sgn < 0) / npad
    probs = np.concatenate([plus, minus, [1 - np.sum(P6 * F6)]])
    observed = np.bincount(outcome, minlength=probs.size)
    live = probs > 0
    assert np.all(observed[~live] == 0)
    # chi-square goodness of fit, accepted at level helpers.ALPHA
    assert scipy.stats.chisquare(observed[live], reps * probs[live]).pvalue > helpers.P_MIN


def _realisations(mode, p, m, reps, seed):
    nv = _naive(p, t=2.0)
    keys = jax.random.split(jax.random.key(seed), reps)
    if mode == "counts":
        return nv, np.asarray(jax.jit(jax.vmap(lambda k: nv.counts(k, m)))(keys))
    return nv, np.asarray(jax.vmap(lambda k: nv.sampled(k, m, chunk_size=64))(keys))


@pytest.mark.parametrize("mode", ["counts", "sampled"])
def test_counts_and_sampled_moments_match_expected_and_channel(mode):
    """Power: at m = 10, t = 2 the naive average is 0.146-0.157 away from the ideal oracle (the
    overlap bias F t^2 / 2m that a sampler with the wrong law, e.g. the orthogonal scheme's, lacks),
    while the standard error of each part over 2000 realisations is <= 1 / sqrt(2000) = 0.022: a
    bias of that size is > 5 standard errors, beyond the Bonferroni bound z_bound(12) = 4.9."""
    m = 10
    nv, v = _realisations(mode, P6, m, REPS, seed=31 if mode == "counts" else 32)
    np.testing.assert_allclose(np.abs(v), 1.0, atol=1e-12)
    helpers.assert_mean_matches(v, np.asarray(nv.expected(m)), what=f"naive {mode} E[V]")
    outer = v[:, :, None] * np.conj(v)[:, None, :]
    iu = np.triu_indices(6, 1)
    helpers.assert_mean_matches(
        outer[:, iu[0], iu[1]], np.asarray(nv.channel(m).chi)[iu], what=f"naive {mode} E[V V^dagger]"
    )
    # not vacuous: the average is visibly far from the ideal oracle
    assert np.min(np.abs(np.asarray(nv.expected(m)) - np.asarray(nv.ideal()))) > 0.11
