"""Scaling laws of the Boolean phase-oracle sketch as statistics (DESIGN.md 1.1, 1.2, 4).

Every number comes from the library's own sweep and fitting code (``qsjax.experiments``) with
fixed seeds in float64. The deterministic views (``expected``, ``channel``, ``naive-expected``) are
exact formulas, so their tolerances only cover finite-N and finite-eps corrections; the tolerance
of each single-realisation statistic is derived from the number of seeds in its comment.
"""

import math

import helpers
import numpy as np
import pytest
import scipy.stats

import qsjax.experiments as ex
from qsjax.cli import main

PAPER_C_BOOLEAN = 4.8  # Fig. 3 of the paper: Boolean oracle, M ≈ 4.8 N / eps
HALF_PI2 = math.pi**2 / 2

DIMS = (64, 128, 256, 512, 1024)
COUNT_DIMS = (16, 32, 64, 128)  # width 128: the same compiled counts program as `demo --quick`
COUNT_SEEDS = 32


@pytest.fixture(scope="module")
def exact_sweep():
    """expected (M 1e6..1e9), naive-expected (M 1e8..1e11) and the diamond error, no seeds."""
    return ex.boolean_error_sweep(
        DIMS,
        ex.log_grid(1e6, 1e9, 2),
        modes=("expected", "channel", "naive-expected"),
        grids={"naive-expected": ex.log_grid(1e8, 1e11, 2), "channel": ex.log_grid(1e5, 1e8, 1)},
        label_dims={"channel": (128, 1024)},
    )


@pytest.fixture(scope="module")
def counts_sweep():
    """Single realisations (counts mode), 32 seeds per (N, M), M 1e5..1e9."""
    return ex.boolean_error_sweep(COUNT_DIMS, ex.log_grid(1e5, 1e9, 1), seeds=COUNT_SEEDS, modes=("counts",))


def _by(result, label, key):
    """Seed-mean points of ``label`` grouped by ``key`` ('n' or 'm')."""
    out = {}
    for r in result.summary():
        if r["label"] == label:
            out.setdefault(r[key], []).append(r)
    return out


# ----------------------------------------------------------------------------- expected (Fig. 3)


def test_expected_error_is_linear_in_n_over_m(exact_sweep):
    # Exact closed form: slopes differ from -1 / +1 only by O(eps) and O(1/N) (N-1 over N).
    for n, rows in _by(exact_sweep, "expected", "n").items():
        fit = ex.fit_power_law([r["m"] for r in rows], [r["mean"] for r in rows])
        assert fit.slope == pytest.approx(-1.0, abs=0.03), n
    for m, rows in _by(exact_sweep, "expected", "m").items():
        fit = ex.fit_power_law([r["n"] for r in rows], [r["mean"] for r in rows])
        assert fit.slope == pytest.approx(1.0, abs=0.03), m
    (f,) = ex.analyse_sweep(exact_sweep, labels=["expected"])
    assert f.slope_m.slope == pytest.approx(-1.0, abs=0.03)
    assert f.slope_n.slope == pytest.approx(1.0, abs=0.03)


def test_expected_sample_complexity_fit(exact_sweep):
    (f,) = ex.analyse_sweep(exact_sweep, labels=["expected"])
    assert f.n_points == len(DIMS) * len(exact_sweep.meta["ms"])
    assert f.complexity.alpha == pytest.approx(1.0, abs=0.03)
    assert f.complexity.beta == pytest.approx(1.0, abs=0.03)
    # M = C N / eps: the paper's fit gives C = 4.8; the closed form gives (pi^2/2)(1 - 1/N).
    assert f.prefactor.c == pytest.approx(PAPER_C_BOOLEAN, rel=0.10)
    assert f.complexity.c == pytest.approx(PAPER_C_BOOLEAN, rel=0.10)
    assert f.prefactor.c == pytest.approx(HALF_PI2, rel=0.02)
    n, m, e, _ = exact_sweep.points("expected")
    np.testing.assert_allclose(m * e / (n - 1), HALF_PI2, rtol=0.01)


# ----------------------------------------------------------------------------- channel


def test_channel_diamond_error_slope_and_factor_four(exact_sweep):
    for n, rows in _by(exact_sweep, "channel", "n").items():
        fit = ex.fit_power_law([r["m"] for r in rows], [r["mean"] for r in rows])
        assert fit.slope == pytest.approx(-1.0, abs=0.02), n
    # The averaged channel is about 4x the operator error of E[V] away from O_f (DESIGN.md 1.1).
    expected = {(r["n"], r["m"]): r["mean"] for r in exact_sweep.summary() if r["label"] == "expected"}
    ratios = [
        r["mean"] / expected[(r["n"], r["m"])]
        for r in exact_sweep.summary()
        if r["label"] == "channel" and (r["n"], r["m"]) in expected
    ]
    assert ratios
    np.testing.assert_allclose(ratios, 4.0, rtol=0.05)


# ----------------------------------------------------------------------------- single realisations


def test_counts_error_scales_as_sqrt_n_over_m(counts_sweep):
    # Predicted-error cut at 0.2 keeps 2 sin(x/2) within 0.2 % of x (no saturation).
    fits = ex.analyse_sweep(counts_sweep, eps_max=0.2)
    (f,) = fits
    # Each point is a mean of 32 maxima of K = N/2 half-normal entry errors; such a maximum has a
    # relative spread of about 0.15 (K = 64) to 0.32 (K = 8), so a point's mean has a relative SE
    # of 0.025-0.06 and the slope pooled over four decades of M an SE of about 0.003-0.005 (the
    # fit's own SE is checked): +-0.02 is at least 0.02 / 0.0045 = 4.4 standard errors, the
    # two-sided normal bound at level helpers.ALPHA = 1e-5 (helpers.Z = 4.42).
    assert f.slope_m.slope_se < 0.02 / helpers.Z
    assert f.slope_m.slope == pytest.approx(-0.5, abs=0.02)

    # N dependence: eps = pi sqrt((N - 1)/M) E[max_K |Z|] with K = number of ones (the
    # extreme-value factor grows like sqrt(2 ln K), so the raw slope in N sits above 1/2).
    n, m, e, sem = counts_sweep.points("counts", eps_max=0.2, cut_on="predicted")
    ones = np.array([counts_sweep.n_ones(v) for v in n])
    pred = ex.predicted_error("counts", n, m, n_ones=ones)
    ratio = e / pred
    # Per point: a mean over COUNT_SEEDS seeds with its standard error `sem` from the same seeds;
    # Student t (COUNT_SEEDS - 1 degrees of freedom), Bonferroni over the points: family-wise level
    # helpers.ALPHA; plus the 0.2 % small-angle model error of the prediction (see above).
    tq = scipy.stats.t.isf(helpers.ALPHA / (2 * e.size), COUNT_SEEDS - 1)
    assert np.all(np.abs(e - pred) <= tq * sem + 0.002 * pred), (e / pred, sem / pred, tq)
    # Pooled over ~19 points the mean ratio has an SE of ~0.01 (<= 0.06 / sqrt(19)), so 0.044 is
    # helpers.Z = 4.4 SE.
    assert np.mean(ratio) == pytest.approx(1.0, abs=0.044)
    emax = np.array([ex.mean_max_abs_normal(k) for k in ones])
    pooled = ex.fit_pooled_slope(m, n, e / emax)
    # ln N spans 2.1 (16..128): slope SE ~ 0.011 (fit), checked, so helpers.Z SE <= 0.05; the
    # (N - 1) factor adds a bias of about +0.01 on top.
    assert pooled.slope_se < 0.0115
    assert pooled.slope == pytest.approx(0.5, abs=helpers.Z * pooled.slope_se + 0.01)


# ----------------------------------------------------------------------------- naive baseline


def test_naive_expected_error_is_quadratic_in_n(exact_sweep):
    for m, rows in _by(exact_sweep, "naive-expected", "m").items():
        fit = ex.fit_power_law([r["n"] for r in rows], [r["mean"] for r in rows])
        assert fit.slope == pytest.approx(2.0, abs=0.05), m
    (f,) = ex.analyse_sweep(exact_sweep, labels=["naive-expected"])
    assert f.slope_n.slope == pytest.approx(2.0, abs=0.05)
    assert f.slope_m.slope == pytest.approx(-1.0, abs=0.03)
    assert f.complexity.alpha == pytest.approx(2.0, abs=0.05)
    # eps ≈ (pi^2/2) F N^2 / M: the prefactor per unit F.
    assert f.prefactor.c == pytest.approx(HALF_PI2, rel=0.03)
    n, m, e, _ = exact_sweep.points("naive-expected", eps_max=0.1, cut_on="predicted")
    frac = np.array([exact_sweep.n_ones(v) / v for v in n])
    np.testing.assert_allclose(e, HALF_PI2 * frac * n**2 / m, rtol=0.05)


def test_naive_needs_n_times_more_samples(exact_sweep):
    # At the same M, naive / orthogonal error = F N^2 / (N - 1): the N-versus-N^2 gap.
    summ = {(r["label"], r["n"], r["m"]): r["mean"] for r in exact_sweep.summary()}
    for (label, n, m), e in summ.items():
        if label == "naive-expected" and ("expected", n, m) in summ:
            ratio = e / summ[("expected", n, m)]
            frac = exact_sweep.n_ones(n) / n
            assert ratio == pytest.approx(frac * n**2 / (n - 1), rel=0.05)


# ----------------------------------------------------------------------------- fitting helpers


def test_fits_recover_synthetic_laws():
    rng = np.random.default_rng(3)
    n = np.repeat([100.0, 300.0, 1000.0], 6)
    eps = np.tile(np.geomspace(1e-3, 1e-1, 6), 3)
    m = 4.8 * n**1.1 / eps**0.9 * np.exp(0.01 * rng.standard_normal(n.size))
    fit = ex.fit_sample_complexity(n, m, eps)
    assert fit.alpha == pytest.approx(1.1, abs=4 * fit.alpha_se + 1e-3)
    assert fit.beta == pytest.approx(0.9, abs=4 * fit.beta_se + 1e-3)
    assert fit.c == pytest.approx(4.8, rel=0.1)
    pf = ex.fit_prefactor(n, 4.8 * n / eps, eps)
    assert pf.c == pytest.approx(4.8, rel=1e-12)
    assert ex.fit_pooled_slope(n, eps, 3.0 * n * eps**-0.5).slope == pytest.approx(-0.5, abs=1e-12)
    assert ex.mean_max_abs_normal(1) == pytest.approx(math.sqrt(2 / math.pi), rel=1e-8)


# ----------------------------------------------------------------------------- CLI


def test_cli_rejects_unknown_subcommand(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["bogus"])
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_cli_version_and_missing_command(capsys):
    from qsjax import __version__

    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert __version__ in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:
        main([])
    assert exc.value.code == 2
