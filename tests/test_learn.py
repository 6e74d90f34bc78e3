"""The scikit-learn estimators of qsjax.learn: QOSRidgeClassifier against RidgeClassifier on breast
cancer and a digits pair, QOSPCA against TruncatedSVD, the shadow readout within its error bound,
scikit-learn's estimator checks, and bad input.

Data: stratified split (test_size=0.25, random_state=0), MaxAbsScaler fitted on the training part,
then centred with the training means (features in [-1, 1]: no rescaling, kappa = s / sqrt(alpha));
the reference RidgeClassifier sees exactly the same arrays."""

import math

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.decomposition import TruncatedSVD
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import RidgeClassifier
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import MaxAbsScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import qsjax
from qsjax.learn import QOSPCA, QOSRidgeClassifier, default_samples_per_query
from qsjax.shadows import median_of_means_groups, shadow_error_bound


def _split(x, y):
    xtr, xte, ytr, yte = train_test_split(x, y, test_size=0.25, stratify=y, random_state=0)
    sc = MaxAbsScaler().fit(xtr)
    mu = sc.transform(xtr).mean(axis=0)
    return sc.transform(xtr) - mu, sc.transform(xte) - mu, ytr, yte


@pytest.fixture(scope="module")
def cancer():
    return _split(*load_breast_cancer(return_X_y=True))


@pytest.fixture(scope="module")
def digits():
    d = load_digits()
    keep = np.isin(d.target, [3, 8])
    return _split(d.data[keep], d.target[keep])


@pytest.fixture(scope="module")
def cancer_default(cancer):
    """The default pipeline (expected mode, default budget, shadows with the default T) on breast cancer."""
    xtr, _, ytr, _ = cancer
    return QOSRidgeClassifier(alpha=1.0).fit(xtr, ytr)


@pytest.mark.parametrize("name", ["cancer", "digits"])
def test_ideal_exact_predictions_equal_ridge_classifier(name, request):
    xtr, xte, ytr, yte = request.getfixturevalue(name)
    ref = RidgeClassifier(alpha=1.0).fit(xtr, ytr)
    clf = QOSRidgeClassifier(alpha=1.0, mode="ideal", readout="exact").fit(xtr, ytr)
    assert np.mean(clf.predict(xte) == ref.predict(xte)) >= 0.99
    assert clf.score(xte, yte) == pytest.approx(ref.score(xte, yte), abs=0.01)
    # on centred features the weights are RidgeClassifier's and the (penalised) intercept is
    # N ybar / (N + alpha): the state is that vector, normalised, up to the polynomial's error
    # epsilon = 1e-3 on the unnormalised output of norm sqrt(success probability)
    labels = np.where(ytr == clf.classes_[1], 1.0, -1.0)
    n = xtr.shape[0]
    want = np.concatenate([np.ravel(ref.coef_), [n * labels.mean() / (n + 1.0)]])
    got = np.concatenate([clf.coef_, clf.intercept_])
    assert clf.coef_.shape == np.shape(ref.coef_) and clf.intercept_.shape == (1,)
    err = 1e-3 / math.sqrt(clf.success_probability_)  # l2 error bound of the normalised state
    assert abs(got @ want) / (np.linalg.norm(got) * np.linalg.norm(want)) >= 1 - err**2 / 2
    assert clf.method_ == "spectral" and clf.samples_ == 0.0 and clf.success_probability_ > 0
    assert clf.shadow_model_ is None and clf.n_snapshots_ == 0
    nnz, s = int(np.count_nonzero(xtr)) + n, n  # dense, plus the intercept column
    assert clf.kappa_ == pytest.approx(s + 1)  # s / sqrt(alpha), column sparsity + 1
    assert clf.n_qubits_ == qsjax.resources.lssvm_qubits(n, xtr.shape[1] + 1, s)
    assert clf.machine_sizes_ == qsjax.resources.machine_sizes(n, xtr.shape[1] + 1, nnz=nnz, sparsity=s)


def test_weighted_predictions_equal_weighted_ridge_classifier(cancer):
    # class_weight="balanced" and sample weights solve RidgeClassifier's weighted problem (breast
    # cancer: 212 / 357, unbalanced; 200 training tumours)
    xtr, xte, ytr, _ = cancer
    xtr, ytr = xtr[:200], ytr[:200]  # a smaller s, kappa and polynomial: the test's cost
    w = np.random.default_rng(5).uniform(0.2, 3.0, size=ytr.shape[0])
    # one kappa above every problem's bound s / sqrt(alpha') (checked below): one polynomial for all
    opts = dict(alpha=1.0, fit_intercept=False, mode="ideal", readout="exact", epsilon=1e-3, kappa=400.0)
    ref = RidgeClassifier(alpha=1.0, fit_intercept=False, class_weight="balanced").fit(xtr, ytr, w)
    clf = QOSRidgeClassifier(**opts, class_weight="balanced").fit(xtr, ytr, sample_weight=w)
    assert np.mean(clf.predict(xte) == ref.predict(xte)) >= 0.98  # 2 of 143 lie within the error
    # the state is the weighted ridge solution (normalised), to the polynomial's accuracy
    coef = ref.coef_.ravel() / np.linalg.norm(ref.coef_)
    assert abs(coef @ clf.coef_) / np.linalg.norm(clf.coef_) > 0.999
    # weights change the solution (not vacuous), and integer weights equal repeated rows
    plain = QOSRidgeClassifier(**opts).fit(xtr, ytr)
    assert abs(coef @ plain.coef_) / np.linalg.norm(plain.coef_) < 0.99  # measured 0.96
    k = np.arange(ytr.shape[0]) % 3
    rep = QOSRidgeClassifier(**opts).fit(np.repeat(xtr, k, axis=0), np.repeat(ytr, k))
    wtd = QOSRidgeClassifier(**opts).fit(xtr, ytr, sample_weight=k)
    ref_k = RidgeClassifier(alpha=1.0, fit_intercept=False).fit(xtr, ytr, k).coef_.ravel()
    for est in (rep, wtd):  # each to its polynomial's accuracy (their kappa bounds differ: s does)
        assert abs(ref_k @ est.coef_) / np.linalg.norm(ref_k) / np.linalg.norm(est.coef_) > 0.999
    assert abs(rep.coef_ @ wtd.coef_) / np.linalg.norm(rep.coef_) / np.linalg.norm(wtd.coef_) > 0.999
    # the shared kappa bounds each problem's condition number (rows and labels scaled by sqrt(w))
    bal = w * (ytr.shape[0] / (2.0 * np.bincount(ytr)))[ytr]
    for x_w in (xtr * np.sqrt(bal)[:, None], np.repeat(xtr, k, axis=0), xtr * np.sqrt(k)[:, None]):
        assert qsjax.algorithms.ridge_kappa(x_w, 1.0, rescale=True) <= 400.0


def test_default_precision(digits, default_precision):
    """float32 / complex64 (no x64): the same predictions as RidgeClassifier; the state in float32."""
    xtr, xte, ytr, _ = digits
    ref = RidgeClassifier(alpha=1.0).fit(xtr, ytr)
    clf = QOSRidgeClassifier(alpha=1.0, mode="ideal", readout="exact").fit(xtr, ytr)
    assert clf.state_.dtype == np.float32 and clf.method_ == "spectral"
    assert np.mean(clf.predict(xte) == ref.predict(xte)) >= 0.99


def test_default_pipeline_accuracy_and_bookkeeping(cancer, cancer_default):
    """Expected mode at the default sample budget, shadow readout with the default T = 2**14: the
    accuracy is within 2 points of RidgeClassifier's. The margins make this safe: one snapshot's
    variance is at most 6 ||x||^2, so the mean's standard deviation is at most 0.019 ||x||, while
    97% of the test margins exceed 0.04 ||x||."""
    xtr, xte, ytr, yte = cancer
    clf = cancer_default
    ref = RidgeClassifier(alpha=1.0).fit(xtr, ytr)
    assert abs(clf.score(xte, yte) - ref.score(xte, yte)) <= 0.02
    n, d = xtr.shape[0], xtr.shape[1] + 1
    nnz_embedding = 2 * (n * d + d)
    m = default_samples_per_query(nnz_embedding, clf.queries_, 1e-3)
    assert m == qsjax.resources.element_oracle_samples(nnz_embedding, 1e-3 / clf.queries_)
    assert clf.samples_per_query_ == m and clf.mode_ == qsjax.Expected(m)
    assert clf.samples_ >= clf.queries_ * m
    assert clf.n_snapshots_ == qsjax.learn.DEFAULT_N_SNAPSHOTS == clf.shadow_model_.num_snapshots
    assert clf.shadow_memory_bits_ == clf.shadow_model_.memory_bits > 0
    assert clf.shadow_model_.n_qubits == math.ceil(math.log2(d))
    assert 0 < clf.success_probability_ < 1


def test_default_pipeline_accuracy_on_digits(digits):
    """The same on the digits pair (3 against 8): default budget, expected mode, T = 2**14 shadows."""
    xtr, xte, ytr, yte = digits
    clf = QOSRidgeClassifier(alpha=1.0).fit(xtr, ytr)
    ref = RidgeClassifier(alpha=1.0).fit(xtr, ytr)
    assert clf.mode_.name == "expected" and clf.n_snapshots_ == qsjax.learn.DEFAULT_N_SNAPSHOTS
    assert abs(clf.score(xte, yte) - ref.score(xte, yte)) <= 0.02


def test_shadow_readout_within_its_error_bound(cancer, cancer_default):
    """Median of means with K = ceil(8 ln 20) = 24 groups: each estimate is within
    shadow_error_bound(T, 0.05) ||x|| of Re<x|w> with probability >= 0.95, independently of the other
    test vectors' failures only in expectation; 143 vectors give at most ~7 failures on average, and
    more than 25 has probability < 1e-6 even if they were independent Bernoulli(0.05)."""
    _, xte, _, _ = cancer
    clf = cancer_default
    pred = clf.overlaps(xte)
    z = np.hstack([xte, np.ones((xte.shape[0], 1))])
    exact = z @ np.real(clf.state_)
    bound = shadow_error_bound(clf.n_snapshots_, 0.05) * np.linalg.norm(z, axis=1)
    assert pred.groups == median_of_means_groups(0.05)
    assert np.sum(np.abs(np.asarray(pred.median_of_means) - exact) > bound) <= 25
    # the mean (what decision_function returns): Chebyshev at 1/sqrt(0.01) = 10 sigma
    sigma = np.sqrt(6.0 / clf.n_snapshots_) * np.linalg.norm(z, axis=1)
    assert np.sum(np.abs(clf.decision_function(xte) - exact) > 10 * sigma) <= 5


def test_counts_mode_and_sparse_input():
    """Counts mode (one multinomial realisation per query, the recurrence) on sparse CSR input."""
    rng = np.random.default_rng(3)
    x = sp.random(60, 6, density=0.6, random_state=4, format="csr")
    x.data = 2 * x.data - 1
    y = (x @ rng.normal(size=6) > 0).astype(int)
    kw = dict(readout="exact", epsilon=1e-2, random_state=1)
    ideal = QOSRidgeClassifier(mode="ideal", **kw).fit(x, y)
    counts = QOSRidgeClassifier(mode="counts", **kw).fit(x, y)
    assert counts.method_ == "recurrence" and counts.samples_per_query_ > 0
    assert np.mean(counts.predict(x) == ideal.predict(x)) >= 0.95
    assert ideal.predict(x.toarray()).tolist() == ideal.predict(x).tolist()


def test_pca_matches_the_top_singular_vector(cancer, digits):
    """Uncentred data (the TruncatedSVD reference): the component to |cos| > 0.999 (ideal, exact
    readout); the sign is fixed (largest entry positive); projections by shadows within bounds."""
    for xtr in (cancer[0] + 0.5, load_digits().data[np.isin(load_digits().target, [3, 8])]):
        ref = TruncatedSVD(1, algorithm="arpack", random_state=0).fit(xtr)
        pca = QOSPCA(mode="ideal", readout="exact").fit(xtr)
        comp = pca.components_[0]
        assert abs(comp @ ref.components_[0]) > 0.999
        assert comp[np.argmax(np.abs(comp))] > 0
        np.testing.assert_allclose(pca.transform(xtr)[:, 0], xtr @ comp, atol=1e-12)
        assert pca.explained_variance_ratio_[0] == pytest.approx(ref.explained_variance_ratio_[0], rel=1e-4)
        n, d = xtr.shape
        s = max(np.count_nonzero(xtr, 0).max(), np.count_nonzero(xtr, 1).max())
        assert pca.n_qubits_ == qsjax.resources.pca_qubits(n, d, s)
        assert pca.queries_ == qsjax.algorithms.pca_degree(pca.gap_)
        assert 0 < pca.success_probability_ <= 1
    # shadows (and the default expected mode) of the digits component
    shad = QOSPCA(n_snapshots=4096).fit(xtr)
    assert abs(shad.components_[0] @ comp) > 0.999
    z = shad.transform(xtr)[:, 0]
    exact = xtr @ np.real(shad.state_)
    sigma = np.sqrt(6.0 / 4096) * np.linalg.norm(xtr, axis=1)
    assert z.shape == (n,) or shad.transform(xtr).shape == (n, 1)
    assert np.sum(np.abs(z - exact) > 10 * sigma) <= 0.01 * n + 1  # Chebyshev: P <= 1%
    assert shad.shadow_memory_bits_ == shad.shadow_model_.memory_bits
    assert shad.get_feature_names_out().tolist() == ["qospca0"]


def _expected_failures(estimator):
    if isinstance(estimator, QOSRidgeClassifier):
        repeats = (
            "integer weights and repeated rows give the same ridge problem but not the same block "
            "encoding: repeating rows raises the column sparsity s, which rescales the encoded "
            "singular values, and the QSVT polynomial (kappa=30, epsilon=1e-2 here) is 1/x only "
            "to its accuracy; test_weighted_predictions_equal_weighted_ridge_classifier checks "
            "both against the exact weighted solution instead"
        )
        return {
            "check_sample_weight_equivalence_on_dense_data": repeats,
            "check_sample_weight_equivalence_on_sparse_data": repeats,
            "check_class_weight_classifiers": (
                "the intercept is a penalised constant column (documented): on the check's uncentred "
                "blobs (features ~50) a column of 1 cannot carry the weight-1000 class; with "
                "intercept_scaling=50 every test point goes to it, as the check wants"
            ),
        }
    return {}


@parametrize_with_checks(
    [
        QOSRidgeClassifier(mode="ideal", readout="exact", kappa=30.0, epsilon=1e-2),
        QOSPCA(mode="ideal", readout="exact", degree=40),
    ],
    expected_failed_checks=_expected_failures,
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def test_bad_input():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, size=(30, 3))
    y = (x[:, 0] > 0).astype(int)
    small = dict(mode="ideal", readout="exact", kappa=10.0, epsilon=1e-2)
    with pytest.raises(ValueError, match="non-binary labels"):
        QOSRidgeClassifier(**small).fit(x, np.arange(30) % 3)
    bad = x.copy()
    bad[2, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        QOSRidgeClassifier(**small).fit(bad, y)
    with pytest.raises(NotFittedError):
        QOSRidgeClassifier(**small).predict(x)
    with pytest.raises(NotFittedError):
        QOSPCA().transform(x)
    clf = QOSRidgeClassifier(**small).fit(x, y)
    with pytest.raises(ValueError, match="features"):
        clf.predict(x[:, :2])
    for n_snapshots in (0, -5):
        with pytest.raises(ValueError, match="n_snapshots"):
            QOSRidgeClassifier(mode="ideal", n_snapshots=n_snapshots).fit(x, y)
    with pytest.raises(ValueError, match="n_snapshots=10 is below"):
        QOSRidgeClassifier(mode="ideal", n_snapshots=10).fit(x, y)
    with pytest.raises(ValueError, match="mode must be one of"):
        QOSRidgeClassifier(mode="quantum").fit(x, y)
    with pytest.raises(ValueError, match="mode must be one of"):
        QOSPCA(mode="channel").fit(x)
    with pytest.raises(ValueError, match="carries its own m"):
        QOSRidgeClassifier(mode=qsjax.Counts(10**6), samples_per_query=10).fit(x, y)
    with pytest.raises(ValueError, match="alpha"):
        QOSRidgeClassifier(alpha=0.0, **small).fit(x, y)
    with pytest.raises(ValueError, match="readout"):
        QOSRidgeClassifier(mode="ideal", readout="tomography").fit(x, y)
    with pytest.raises(ValueError, match="method must be one of"):
        QOSRidgeClassifier(**{**small, "method": "eigen"}).fit(x, y)
    with pytest.raises(ValueError, match="fresh realisation"):
        QOSRidgeClassifier(**{**small, "mode": "counts", "method": "spectral"}).fit(x, y)
    for bad_w, exc, msg in (
        (np.ones(29), ValueError, "shape"),
        (-np.ones(30), ValueError, "non-negative"),
        (np.full(30, np.nan), ValueError, "non-negative"),
        (np.zeros(30), ValueError, "at least one positive"),
        (np.array(["a"] * 30), TypeError, "real numbers"),
    ):
        with pytest.raises(exc, match=msg):
            QOSRidgeClassifier(**small).fit(x, y, sample_weight=bad_w)
    with pytest.raises(ValueError, match="class_weight"):
        QOSRidgeClassifier(**small, class_weight="even").fit(x, y)
    with pytest.raises(ValueError, match="only n_components=1"):
        QOSPCA(n_components=2).fit(x)
    with pytest.raises(ValueError, match="guide"):
        QOSPCA(guide=np.ones(5)).fit(x)
    # parameters are stored unchanged and clone
    est = QOSRidgeClassifier(alpha=0.3, mode=qsjax.Expected(1e6), n_snapshots=100)
    assert clone(est).get_params() == est.get_params()
    assert qsjax.QOSRidgeClassifier is QOSRidgeClassifier and qsjax.QOSPCA is QOSPCA
