"""Accuracy against machine size on real data: the paper's Fig. 2 and real-data figures, simulated.

For each point of a dataset's sweep (the ``min_df`` of a TF-IDF vocabulary, the ``k`` of splice's
k-mers, a category pair of 20 Newsgroups, the gene filter of PBMC3k) the data matrix ``N x D`` has
``nnz`` nonzeros and sparsity ``s``, and three machines can learn from it (the paper's Appendix A,
:func:`qsjax.resources.machine_sizes`):

* the quantum (QOS) machine: ``2⌈log2(N + 2D)⌉ + ⌈log2(s + 1)⌉ + 3`` qubits and one float (LS-SVM),
  ``2⌈log2(N + D)⌉ + ⌈log2 s⌉ + 3 + 1`` (PCA);
* the classical streaming machine: ``D`` floats (it keeps the weight vector);
* the classical sparse / QRAM machine: ``nnz`` floats (it keeps the data).

The paper pairs the *classical* ridge accuracy with the qubit formula. Here every point also carries
the accuracy of the *simulated* QOS pipeline (:class:`qsjax.QOSRidgeClassifier`: sketched block
encoding, QSVT solver, interferometric shadows), with ``pca`` the explained variance of the top
component against the PCA machine's size (classical :class:`sklearn.decomposition.TruncatedSVD`
and the simulated :class:`qsjax.QOSPCA`), and two classical streaming baselines with a fixed
memory of ``k`` floats, from scikit-learn: feature hashing (columns hashed into ``k`` signed
buckets with scikit-learn's MurmurHash3, text re-vectorised by ``HashingVectorizer``) and sparse
random projection to ``k`` components, each followed by the same ridge classifier.
"""

from __future__ import annotations

import dataclasses
import json
import math
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import scipy.sparse as sp  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.decomposition import TruncatedSVD  # noqa: E402
from sklearn.linear_model import RidgeClassifier  # noqa: E402
from sklearn.model_selection import StratifiedKFold, cross_val_score  # noqa: E402
from sklearn.random_projection import SparseRandomProjection  # noqa: E402
from sklearn.utils import murmurhash3_32  # noqa: E402
from tqdm.auto import tqdm  # noqa: E402

from ..data import Dataset, load_dataset  # noqa: E402
from ..learn import QOSPCA, QOSRidgeClassifier  # noqa: E402
from ..resources import machine_sizes  # noqa: E402


@dataclasses.dataclass(frozen=True)
class DatasetSweep:
    """How one dataset is swept: the loader's keyword per point, the ridge ``alpha`` and class weights
    (the paper's settings), the quick (CI) variant, and the parameters of the simulated QOS
    classifier (``qos_params``, given to :class:`qsjax.QOSRidgeClassifier`; see :data:`SWEEPS`)."""

    name: str
    alpha: float
    balanced: bool
    points: tuple[dict, ...]
    quick_points: tuple[dict, ...]
    fixed: dict = dataclasses.field(default_factory=dict)
    quick_fixed: dict = dataclasses.field(default_factory=dict)
    label: Callable[[dict], str] = repr
    qos_params: dict = dataclasses.field(default_factory=dict)
    pca: bool = False


def _kw_label(kw: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in kw.items())


TEXT_QOS_PARAMS = {"fit_intercept": False, "epsilon": 1e-2, "n_snapshots": 2**16}
"""The simulated QOS classifier's settings on the text sets (IMDb, 20 Newsgroups pairs), and why
(the figures are IMDb's full 25,000 x 25,000 split).

* ``fit_intercept=False``: a constant column is dense, which would raise the sparsity ``s`` of the
  embedding from the ~15,300 documents of the commonest word to ``N = 25,000`` and with it the
  condition bound ``kappa = s / sqrt(alpha')`` (``alpha' = 1`` after rescaling) and the degree. The
  two classes are balanced: RidgeClassifier without an intercept scores 0.8753 against 0.8751 with
  one (min_df = 100).
* ``epsilon=1e-2``: at ``kappa = 15,312`` the ``1/x`` polynomial of error ``1e-3`` needs degree
  ``~2.3e5``, above :data:`qsjax.qsp.MAX_POLY_DEGREE`; ``1e-2`` needs 161,555 queries. The error sits
  at the edge ``x ~ 1/kappa`` of the domain, which only the regulariser's directions reach: the
  simulated state's predictions agree with RidgeClassifier's on 99.8% of the test documents (exact
  readout, min_df = 100), and its fidelity with the exact ridge solution is recorded per point.
* ``n_snapshots=2**16``: one snapshot's estimate of ``Re <x|w>`` has variance at most ``6 ||x||^2``
  (measured ``~3``, TF-IDF rows have ``||x|| = 1``) and the median test margin ``|<x|w>|`` is
  ``~0.032``, 15% of the documents below 0.01. A document flips with probability
  ``Phi(-|<x|w>| sqrt(T / var))``; averaged over the test margins the readout costs 2.8 points
  at ``T = 2**14`` (measured: 2.7) and 0.7 at ``T = 2**16`` with the measured variance (1.5 at the
  bound). Full sweep with these settings: within 0.9 points of RidgeClassifier at every min_df."""

SWEEPS: dict[str, DatasetSweep] = {
    "imdb": DatasetSweep(
        "imdb",
        alpha=10.0,
        balanced=False,
        points=tuple({"min_df": v} for v in (2000, 1000, 500, 200, 100, 50, 20)),
        quick_points=tuple({"min_df": v} for v in (200, 50, 20)),
        quick_fixed={"n_train": 2000, "n_test": 1000},
        label=_kw_label,
        qos_params=TEXT_QOS_PARAMS,
    ),
    "20newsgroups": DatasetSweep(
        "20newsgroups",
        alpha=1.0,
        balanced=False,
        points=tuple(
            {"categories": c}
            for c in (
                ("alt.atheism", "soc.religion.christian"),
                ("comp.graphics", "sci.space"),
                ("rec.autos", "rec.motorcycles"),
                ("sci.med", "sci.electronics"),
                ("comp.sys.ibm.pc.hardware", "comp.sys.mac.hardware"),
                ("talk.politics.guns", "talk.politics.mideast"),
            )
        ),
        quick_points=({"categories": ("comp.graphics", "sci.space")},),
        fixed={"min_df": 5},
        label=lambda kw: " vs ".join(kw["categories"]),
        qos_params=TEXT_QOS_PARAMS,
    ),
    "splice": DatasetSweep(
        "splice",
        alpha=1.0,
        balanced=True,
        points=tuple({"k": k} for k in (1, 2, 3, 4, 5, 6)),
        quick_points=tuple({"k": k} for k in (2, 4)),
        label=_kw_label,
    ),
    "pbmc3k": DatasetSweep(
        "pbmc3k",
        alpha=200.0,
        balanced=True,
        points=tuple({"min_cells": v} for v in (1000, 300, 100, 30, 10, 3)),
        quick_points=tuple({"min_cells": v} for v in (1000, 300)),
        label=_kw_label,
        pca=True,
    ),
}
"""The paper's settings per dataset: IMDb ridge alpha = 10 (5-fold CV over the min_df sweep),
20 Newsgroups alpha = 1 over category pairs, PBMC alpha = 200 balanced, splice alpha = 1 balanced."""


@dataclasses.dataclass
class MachineSizePoint:
    """One sweep point: the data's shape, the three machine sizes and the accuracies."""

    dataset: str
    setting: str
    n_samples: int
    n_features: int
    nnz: int
    sparsity: int
    qubits: int
    quantum_size: int
    streaming_floats: int
    sparse_floats: int
    classical_accuracy: float
    cv_accuracy: float | None
    qos_accuracy: float | None = None
    qos_agreement: float | None = None
    qos_samples: float | None = None
    qos_queries: int | None = None
    qos_snapshots: int | None = None
    qos_success_probability: float | None = None
    qos_state_fidelity: float | None = None
    pca_qubits: int | None = None
    explained_variance_ratio: float | None = None
    qos_explained_variance_ratio: float | None = None
    qos_pca_fidelity: float | None = None
    shadow_memory_bits: int | None = None
    seconds: float = 0.0


@dataclasses.dataclass
class BaselinePoint:
    """A classical streaming baseline with a memory of ``floats`` floats."""

    dataset: str
    method: str
    floats: int
    accuracy: float


@dataclasses.dataclass
class MachineSizeResult:
    """Points and baselines of one dataset's machine-size experiment."""

    dataset: str
    settings: dict
    points: list[MachineSizePoint]
    baselines: list[BaselinePoint]
    seconds: float

    def points_frame(self) -> pd.DataFrame:
        """The sweep points as a tidy table (one row per point)."""
        return pd.DataFrame([dataclasses.asdict(p) for p in self.points])

    def baselines_frame(self) -> pd.DataFrame:
        """The baselines as a tidy table (one row per method and memory)."""
        return pd.DataFrame([dataclasses.asdict(b) for b in self.baselines])

    def to_dict(self) -> dict:
        return {
            "dataset": self.dataset,
            "settings": self.settings,
            "seconds": self.seconds,
            "points": [dataclasses.asdict(p) for p in self.points],
            "baselines": [dataclasses.asdict(b) for b in self.baselines],
        }

    def save(self, out: str | Path) -> dict[str, Path]:
        """Write ``machine_size_<dataset>.png``, ``.json`` and two CSV tables into ``out``."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        stem = f"machine_size_{self.dataset}"
        paths = {
            "json": out / f"{stem}.json",
            "png": out / f"{stem}.png",
            "points_csv": out / f"{stem}_points.csv",
            "baselines_csv": out / f"{stem}_baselines.csv",
        }
        paths["json"].write_text(json.dumps(self.to_dict(), indent=2, default=_json_default))
        self.points_frame().to_csv(paths["points_csv"], index=False)
        self.baselines_frame().to_csv(paths["baselines_csv"], index=False)
        fig = plot_machine_size(self)
        fig.savefig(paths["png"], dpi=130, bbox_inches="tight")
        plt.close(fig)
        return paths

    def report(self) -> str:
        """A short text table of the points: data shape, the three machine sizes (quantum: qubits
        and one float; classical streaming: ``D`` floats; classical sparse / QRAM: ``nnz`` floats)
        and the accuracies."""
        lines = [
            f"{'setting':<24}{'N':>7}{'D':>7}{'s':>7}{'quantum':>12}{'streaming':>11}{'sparse':>10}"
            f"{'ridge':>7}{'QOS':>7}{'fidelity':>9}{'queries':>9}{'samples':>9}{'T':>7}",
            f"{'':<38}{'(qubits+1)':>12}{'(floats)':>11}{'(floats)':>10}",
        ]
        for p in self.points:
            qos = "-" if p.qos_accuracy is None else f"{p.qos_accuracy:.3f}"
            fid = "-" if p.qos_state_fidelity is None else f"{p.qos_state_fidelity:.4f}"
            q = "-" if p.qos_queries is None else str(p.qos_queries)
            smp = "-" if p.qos_samples is None else f"{p.qos_samples:.1e}"
            t = "-" if p.qos_snapshots is None else str(p.qos_snapshots)
            lines.append(
                f"{p.setting[:23]:<24}{p.n_samples:>7}{p.n_features:>7}{p.sparsity:>7}"
                f"{f'{p.qubits}+1':>12}{p.streaming_floats:>11}{p.sparse_floats:>10}"
                f"{p.classical_accuracy:>7.3f}{qos:>7}{fid:>9}{q:>9}{smp:>9}{t:>7}"
            )
        pca = [p for p in self.points if p.explained_variance_ratio is not None]
        if pca:
            lines.append(f"{'setting':<24}{'PCA qubits':>12}{'EV (SVD)':>10}{'EV (QOS)':>10}{'fidelity':>10}")
            for p in pca:
                qev = (
                    "-" if p.qos_explained_variance_ratio is None else f"{p.qos_explained_variance_ratio:.4f}"
                )
                fid = "-" if p.qos_pca_fidelity is None else f"{p.qos_pca_fidelity:.4f}"
                lines.append(
                    f"{p.setting[:23]:<24}{f'{p.pca_qubits}+1':>12}{p.explained_variance_ratio:>10.4f}"
                    f"{qev:>10}{fid:>10}"
                )
        return "\n".join(lines)


def _json_default(o):
    if isinstance(o, np.integer | np.floating):
        return o.item()
    if isinstance(o, tuple | set):
        return list(o)
    raise TypeError(f"not JSON-serialisable: {type(o).__name__}")


def _ridge(alpha: float, balanced: bool, fit_intercept: bool = True) -> RidgeClassifier:
    return RidgeClassifier(
        alpha=alpha, fit_intercept=fit_intercept, class_weight="balanced" if balanced else None
    )


def _qos_estimator(sweep: DatasetSweep, estimator, random_state: int) -> QOSRidgeClassifier:
    """The simulated classifier of a sweep: a clone of the caller's (its alpha and class weights set
    to the dataset's) or ``QOSRidgeClassifier(**sweep.qos_params)``."""
    est = QOSRidgeClassifier(**sweep.qos_params) if estimator is None else clone(estimator)
    return est.set_params(
        alpha=sweep.alpha,
        class_weight="balanced" if sweep.balanced else None,
        random_state=random_state,
    )


def _state_fidelity(est: QOSRidgeClassifier, ds: Dataset, sweep: DatasetSweep) -> float | None:
    """``|<w_ridge|w>|`` of the simulated state's feature part with the exact solution of the problem
    the machine solves (RidgeClassifier without an intercept, same alpha and weights); None with an
    intercept (the machine's is penalised, RidgeClassifier's is not)."""
    if est.fit_intercept:
        return None
    ref = _ridge(sweep.alpha, sweep.balanced, fit_intercept=False).fit(ds.x_train, ds.y_train)
    w_ref = np.ravel(ref.coef_)
    w = np.asarray(est.state_)[: w_ref.shape[0]]
    den = np.linalg.norm(w_ref) * np.linalg.norm(w)
    return float(abs(np.vdot(w_ref, w)) / den) if den > 0 else None


def _pca_point(point: MachineSizePoint, ds: Dataset, estimator, simulate: bool, random_state: int) -> None:
    """The explained variance ratio of the top component (TruncatedSVD, and QOSPCA when simulating)
    and the PCA machine's qubits, into ``point``."""
    sizes = machine_sizes(ds.n_samples, ds.n_features, nnz=ds.nnz, sparsity=ds.sparsity, task="pca")
    point.pca_qubits = sizes.qubits
    svd = TruncatedSVD(1, algorithm="arpack", random_state=random_state).fit(ds.x_train)
    point.explained_variance_ratio = float(svd.explained_variance_ratio_[0])
    if simulate:
        est = QOSPCA() if estimator is None else clone(estimator)
        est = est.set_params(random_state=random_state).fit(ds.x_train)
        point.qos_explained_variance_ratio = float(est.explained_variance_ratio_[0])
        point.qos_pca_fidelity = float(abs(np.ravel(svd.components_) @ np.ravel(est.components_)))


def hash_columns(x, k: int, *, seed: int = 0) -> sp.csr_matrix:
    """Feature hashing of a matrix's columns into ``k`` signed buckets (scikit-learn's MurmurHash3):
    column ``j`` adds ``sign(j) x_j`` to bucket ``h(j) mod k``. The streaming machine then keeps ``k``
    floats."""
    x = sp.csr_matrix(x)
    d = x.shape[1]
    h = np.array([murmurhash3_32(int(j), seed=seed, positive=False) for j in range(d)], np.int64)
    buckets = np.abs(h) % k
    signs = np.where(h >= 0, 1.0, -1.0)
    proj = sp.csr_matrix((signs, (np.arange(d), buckets)), shape=(d, k))
    return (x @ proj).tocsr()


def _baselines(
    ds: Dataset, ks: Sequence[int], alpha: float, balanced: bool, seed: int
) -> list[BaselinePoint]:
    out = []
    for k in ks:
        if k >= ds.n_features:
            continue
        xtr, xte = hash_columns(ds.x_train, k, seed=seed), hash_columns(ds.x_test, k, seed=seed)
        acc = _ridge(alpha, balanced).fit(xtr, ds.y_train).score(xte, ds.y_test)
        out.append(BaselinePoint(ds.name, "feature hashing", int(k), float(acc)))
        srp = SparseRandomProjection(n_components=int(k), random_state=seed).fit(ds.x_train)
        acc = (
            _ridge(alpha, balanced)
            .fit(srp.transform(ds.x_train), ds.y_train)
            .score(srp.transform(ds.x_test), ds.y_test)
        )
        out.append(BaselinePoint(ds.name, "sparse random projection", int(k), float(acc)))
    return out


def machine_size_experiment(
    dataset: str = "imdb",
    *,
    quick: bool = False,
    simulate: bool = True,
    data_home=None,
    cv: int | None = 5,
    baseline_sizes: Sequence[int] | None = None,
    estimator: QOSRidgeClassifier | None = None,
    pca: bool | None = None,
    pca_estimator: QOSPCA | None = None,
    progress: bool = True,
    random_state: int = 0,
) -> MachineSizeResult:
    """Accuracy against machine size for one dataset (see the module docstring).

    Parameters
    ----------
    dataset : a key of :data:`SWEEPS` (``"imdb"``, ``"20newsgroups"``, ``"splice"``, ``"pbmc3k"``).
    quick : the small CI sweep (fewer points, subsampled IMDb).
    simulate : also fit the simulated QOS classifier at every point (the slow part).
    data_home : where the dataset files are (see :func:`qsjax.data.data_home`).
    cv : folds of the cross-validated classical accuracy on the training set (the paper's 5-fold CV
        for IMDb); ``None`` skips it.
    baseline_sizes : memories ``k`` (floats) of the hashing and random-projection baselines
        (default powers of 2 from 16 up to the largest ``D`` of the sweep).
    estimator : the QOS classifier to fit (default ``QOSRidgeClassifier(**sweep.qos_params)``); its
        ``alpha`` and class weights are set to the dataset's.
    pca : also the explained variance ratio of the top component at every point: TruncatedSVD's
        and (with ``simulate``) the simulated :class:`qsjax.QOSPCA`'s, against the PCA machine's
        qubits. Default: the sweep's (PBMC3k only).
    pca_estimator : the QOSPCA to fit (default ``QOSPCA()``).
    progress : show a tqdm progress bar.
    """
    if dataset not in SWEEPS:
        raise ValueError(f"dataset must be one of {sorted(SWEEPS)}, got {dataset!r}")
    if cv is not None and (isinstance(cv, bool) or not isinstance(cv, int) or cv < 2):
        raise ValueError(f"cv must be None or an integer >= 2, got {cv!r}")
    sweep = SWEEPS[dataset]
    if pca is None:
        pca = sweep.pca
    if not isinstance(pca, bool | np.bool_):
        raise TypeError(f"pca must be a bool or None, got {pca!r}")
    kws = sweep.quick_points if quick else sweep.points
    fixed = {**sweep.fixed, **(sweep.quick_fixed if quick else {})}
    t0 = time.perf_counter()
    points: list[MachineSizePoint] = []
    largest: Dataset | None = None
    bar = tqdm(kws, desc=f"machine-size {dataset}", disable=not progress, unit="point")
    for kw in bar:
        bar.set_postfix_str(sweep.label(kw))
        tp = time.perf_counter()
        ds = load_dataset(dataset, data_home=data_home, random_state=random_state, **fixed, **kw)
        if largest is None or ds.n_features > largest.n_features:
            largest = ds
        sizes = machine_sizes(ds.n_samples, ds.n_features, nnz=ds.nnz, sparsity=ds.sparsity, task="lssvm")
        ridge = _ridge(sweep.alpha, sweep.balanced).fit(ds.x_train, ds.y_train)
        classical_pred = ridge.predict(ds.x_test)
        cv_acc = None
        if cv is not None:
            folds = StratifiedKFold(cv, shuffle=True, random_state=random_state)
            cv_acc = float(
                np.mean(
                    cross_val_score(_ridge(sweep.alpha, sweep.balanced), ds.x_train, ds.y_train, cv=folds)
                )
            )
        point = MachineSizePoint(
            dataset=dataset,
            setting=sweep.label(kw),
            n_samples=ds.n_samples,
            n_features=ds.n_features,
            nnz=ds.nnz,
            sparsity=ds.sparsity,
            qubits=sizes.qubits,
            quantum_size=sizes.quantum_size,
            streaming_floats=sizes.streaming_floats,
            sparse_floats=sizes.sparse_floats,
            classical_accuracy=float(np.mean(classical_pred == ds.y_test)),
            cv_accuracy=cv_acc,
        )
        if simulate and len(np.unique(ds.y_train)) == 2:
            est = _qos_estimator(sweep, estimator, random_state)
            est.fit(ds.x_train, ds.y_train)
            pred = est.predict(ds.x_test)
            point.qos_accuracy = float(np.mean(pred == ds.y_test))
            point.qos_agreement = float(np.mean(pred == classical_pred))
            point.qos_samples = float(est.samples_)
            point.qos_queries = int(est.queries_)
            point.qos_snapshots = int(est.n_snapshots_)
            point.qos_success_probability = float(est.success_probability_)
            point.shadow_memory_bits = int(est.shadow_memory_bits_)
            point.qos_state_fidelity = _state_fidelity(est, ds, sweep)
        if pca:
            _pca_point(point, ds, pca_estimator, simulate, random_state)
        point.seconds = time.perf_counter() - tp
        points.append(point)
    if baseline_sizes is None:
        top = max(p.n_features for p in points)
        baseline_sizes = [2**e for e in range(4, max(5, math.ceil(math.log2(top))))]
    baselines = _baselines(largest, baseline_sizes, sweep.alpha, sweep.balanced, random_state)
    settings = {
        "alpha": sweep.alpha,
        "balanced": sweep.balanced,
        "quick": quick,
        "fixed": fixed,
        "cv": cv,
        "pca": bool(pca),
        "baseline_source": largest.description if largest is not None else None,
    }
    if simulate:
        est = _qos_estimator(sweep, estimator, random_state)
        settings["estimator"] = {k: repr(v) for k, v in est.get_params().items()}
    return MachineSizeResult(dataset, settings, points, baselines, time.perf_counter() - t0)


def plot_machine_size(result: MachineSizeResult):
    """Accuracy against machine size (log scale): the three machines at every sweep point (the
    classical ridge accuracy, as in the paper), the simulated QOS accuracy on the quantum machine's
    size, and the fixed-memory streaming baselines."""
    pts = sorted(result.points, key=lambda p: p.n_features)
    with_pca = any(p.explained_variance_ratio is not None for p in pts)
    if with_pca:
        fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12.5, 4.4))
        _plot_explained_variance(ax2, result.dataset, pts)
    else:
        fig, ax = plt.subplots(figsize=(7.0, 4.4))
    acc = [p.classical_accuracy for p in pts]
    ax.plot(
        [p.quantum_size for p in pts],
        acc,
        "o-",
        color="C3",
        label="quantum (qubits + 1 float), ridge accuracy",
    )
    ax.plot([p.streaming_floats for p in pts], acc, "s-", color="C0", label="classical streaming (D floats)")
    ax.plot(
        [p.sparse_floats for p in pts], acc, "^-", color="C2", label="classical sparse / QRAM (nnz floats)"
    )
    sim = [(p.quantum_size, p.qos_accuracy) for p in pts if p.qos_accuracy is not None]
    if sim:
        ax.plot(*zip(*sim, strict=True), "*", color="k", ms=11, label="quantum, simulated QOS accuracy")
    for method, marker in (("feature hashing", "x--"), ("sparse random projection", "d:")):
        b = sorted((q.floats, q.accuracy) for q in result.baselines if q.method == method)
        if b:
            ax.plot(*zip(*b, strict=True), marker, color="0.45", label=f"streaming, {method} (k floats)")
    ax.set_xscale("log")
    ax.set_xlabel("machine size (qubits + floats, or floats)")
    ax.set_ylabel("test accuracy")
    ax.set_title(f"{result.dataset}: accuracy against machine size")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=7, loc="lower right")
    return fig


def _plot_explained_variance(ax, dataset: str, pts) -> None:
    """Explained variance ratio of the top component against the PCA machines' sizes."""
    pts = [p for p in pts if p.explained_variance_ratio is not None]
    ev = [p.explained_variance_ratio for p in pts]
    ax.plot(
        [p.pca_qubits + 1 for p in pts], ev, "o-", color="C3", label="quantum PCA (qubits + 1 float), SVD"
    )
    ax.plot([p.streaming_floats for p in pts], ev, "s-", color="C0", label="classical streaming (D floats)")
    ax.plot(
        [p.sparse_floats for p in pts], ev, "^-", color="C2", label="classical sparse / QRAM (nnz floats)"
    )
    sim = [
        (p.pca_qubits + 1, p.qos_explained_variance_ratio)
        for p in pts
        if p.qos_explained_variance_ratio is not None
    ]
    if sim:
        ax.plot(*zip(*sim, strict=True), "*", color="k", ms=11, label="quantum, simulated QOSPCA")
    ax.set_xscale("log")
    ax.set_xlabel("machine size (qubits + floats, or floats)")
    ax.set_ylabel("explained variance ratio, top component")
    ax.set_title(f"{dataset}: explained variance against machine size")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=7, loc="lower right")
