"""The end-to-end QOS pipeline on a real dataset that ships with scikit-learn (``qsjax demo``).

Breast cancer (569 tumours, 30 features; scikit-learn's copy of the UCI Wisconsin diagnostic set),
a stratified 75/25 split, features max-abs scaled and centred on the training means. The simulated
quantum machine streams the training matrix as element samples into a sketched sparse-access block
encoding of ``[X; sqrt(alpha) I]``, solves ridge / LS-SVM by QSVT ``1/x``, and reads the weight
state out into an interferometric classical-shadow model that classifies the test tumours
(:class:`qsjax.QOSRidgeClassifier`). Beside it: scikit-learn's ``RidgeClassifier`` on the same split,
the classifier's exact simulated state (no shadow noise), and the three machine sizes.
"""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.linear_model import RidgeClassifier  # noqa: E402

from ..data import load_sklearn  # noqa: E402
from ..learn import QOSRidgeClassifier  # noqa: E402


@dataclasses.dataclass
class PipelineResult:
    """What ``qsjax demo`` reports: accuracies, agreement with RidgeClassifier, resources."""

    dataset: str
    n_train: int
    n_test: int
    n_features: int
    alpha: float
    mode: str
    samples_per_query: float
    queries: int
    samples: float
    success_probability: float
    kappa: float
    n_snapshots: int
    shadow_memory_bits: int
    qubits: int
    quantum_size: int
    streaming_floats: int
    sparse_floats: int
    ridge_accuracy: float
    exact_state_accuracy: float
    qos_accuracy: float
    agreement_with_ridge: float
    seconds: float
    decisions_exact: list = dataclasses.field(repr=False)
    decisions_shadow: list = dataclasses.field(repr=False)
    decisions_ridge: list = dataclasses.field(repr=False)
    y_test: list = dataclasses.field(repr=False)

    def report(self) -> str:
        """A short printed report."""
        return "\n".join(
            [
                f"qsjax demo: end-to-end quantum oracle sketching on {self.dataset}",
                f"  data       {self.n_train} training / {self.n_test} test samples, "
                f"{self.n_features} features, ridge alpha = {self.alpha:g}",
                f"  sketch     mode {self.mode}, M = {self.samples_per_query:.3g} element samples per query,"
                f" {self.queries} QSVT queries (kappa {self.kappa:.4g}), {self.samples:.3g} samples in all",
                f"  solver     post-selection success probability {self.success_probability:.3g}",
                f"  readout    {self.n_snapshots} interferometric shadow snapshots,"
                f" model {self.shadow_memory_bits / 8e6:.2f} MB",
                f"  accuracy   scikit-learn RidgeClassifier   {self.ridge_accuracy:.4f}",
                f"             QOS, exact simulated state      {self.exact_state_accuracy:.4f}",
                f"             QOS, shadow readout             {self.qos_accuracy:.4f}"
                f"   (agrees with RidgeClassifier on {100 * self.agreement_with_ridge:.1f}% of test points)",
                f"  machines   quantum {self.qubits} qubits + 1 float = {self.quantum_size};"
                f" classical streaming {self.streaming_floats} floats; classical sparse/QRAM"
                f" {self.sparse_floats} floats",
                f"  time       {self.seconds:.1f} s",
            ]
        )

    def save(self, out: str | Path) -> dict[str, Path]:
        """Write ``demo.json`` and ``demo.png`` into ``out``."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        paths = {"json": out / "demo.json", "png": out / "demo.png"}
        paths["json"].write_text(json.dumps(dataclasses.asdict(self), indent=2))
        fig = plot_pipeline(self)
        fig.savefig(paths["png"], dpi=130, bbox_inches="tight")
        plt.close(fig)
        return paths


def plot_pipeline(result: PipelineResult):
    """Two panels: the shadow estimate of every test point's decision against the exact overlap
    ``Re <x|w>``, and the accuracies beside the machine sizes."""
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(10.5, 4.0))
    ex, sh, y = (np.asarray(v) for v in (result.decisions_exact, result.decisions_shadow, result.y_test))
    for cls, color in ((0, "C0"), (1, "C3")):
        sel = y == cls
        ax.plot(ex[sel], sh[sel], ".", color=color, label=f"test class {cls}")
    lim = float(np.max(np.abs(np.concatenate([ex, sh])))) * 1.05
    ax.plot([-lim, lim], [-lim, lim], "k-", lw=0.6)
    ax.axhline(0, color="0.6", lw=0.6)
    ax.axvline(0, color="0.6", lw=0.6)
    ax.set_xlabel("exact Re <x|w> of the simulated state")
    ax.set_ylabel(f"shadow estimate (T = {result.n_snapshots})")
    ax.set_title("shadow readout of the QSVT ridge state")
    ax.legend(fontsize=8)
    names = ["RidgeClassifier", "QOS exact state", "QOS shadows"]
    accs = [result.ridge_accuracy, result.exact_state_accuracy, result.qos_accuracy]
    bx.bar(names, accs, color=["0.5", "C1", "C3"])
    for i, a in enumerate(accs):
        bx.text(i, a + 0.005, f"{a:.3f}", ha="center", fontsize=9)
    bx.set_ylim(max(0.0, min(accs) - 0.1), 1.0)
    bx.set_ylabel("test accuracy")
    bx.set_title(
        f"machines: {result.quantum_size} (quantum), {result.streaming_floats} (streaming), "
        f"{result.sparse_floats} (sparse)",
        fontsize=9,
    )
    fig.tight_layout()
    return fig


def breast_cancer_pipeline(
    *,
    alpha: float = 1.0,
    mode: str = "expected",
    samples_per_query=None,
    n_snapshots: int | None = None,
    random_state: int = 0,
    quick: bool = False,
) -> PipelineResult:
    """Run the end-to-end QOS pipeline on scikit-learn's breast-cancer data (see the module docstring).

    ``quick`` uses fewer shadow snapshots (a smoke run); ``n_snapshots`` overrides either default.
    """
    t0 = time.perf_counter()
    ds = load_sklearn("breast_cancer", scale="maxabs", random_state=random_state)
    mean = ds.x_train.mean(axis=0)
    xtr, xte = ds.x_train - mean, ds.x_test - mean
    ridge = RidgeClassifier(alpha=alpha).fit(xtr, ds.y_train)
    kw = {} if n_snapshots is None else {"n_snapshots": n_snapshots}
    if n_snapshots is None and quick:
        kw["n_snapshots"] = 2048
    clf = QOSRidgeClassifier(
        alpha=alpha, mode=mode, samples_per_query=samples_per_query, random_state=random_state, **kw
    ).fit(xtr, ds.y_train)
    shadow = clf.decision_function(xte)
    exact = np.asarray(xte @ clf.coef_.ravel() + clf.intercept_[0])  # Re <x|w> of the state itself
    pred_exact = clf.classes_[(np.asarray(exact) > 0).astype(int)]
    pred = clf.predict(xte)
    sizes = clf.machine_sizes_
    return PipelineResult(
        dataset="breast cancer (scikit-learn)",
        n_train=ds.n_samples,
        n_test=ds.n_test,
        n_features=ds.n_features,
        alpha=float(alpha),
        mode=type(clf.mode_).__name__.lower(),
        samples_per_query=float(clf.samples_per_query_),
        queries=int(clf.queries_),
        samples=float(clf.samples_),
        success_probability=float(clf.success_probability_),
        kappa=float(clf.kappa_),
        n_snapshots=int(clf.n_snapshots_),
        shadow_memory_bits=int(clf.shadow_memory_bits_),
        qubits=int(sizes.qubits),
        quantum_size=int(sizes.quantum_size),
        streaming_floats=int(sizes.streaming_floats),
        sparse_floats=int(sizes.sparse_floats),
        ridge_accuracy=float(ridge.score(xte, ds.y_test)),
        exact_state_accuracy=float(np.mean(pred_exact == ds.y_test)),
        qos_accuracy=float(np.mean(pred == ds.y_test)),
        agreement_with_ridge=float(np.mean(pred == ridge.predict(xte))),
        seconds=time.perf_counter() - t0,
        decisions_exact=np.asarray(exact, float).tolist(),
        decisions_shadow=np.asarray(shadow, float).tolist(),
        decisions_ridge=np.asarray(ridge.decision_function(xte), float).tolist(),
        y_test=ds.y_test.tolist(),
    )
