"""QOSRidgeClassifier: the paper's LS-SVM / ridge classifier end to end (DESIGN.md 1.8)."""

from __future__ import annotations

import numbers

import jax
import numpy as np
import scipy.sparse
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data

from .._internal.validate import check_key
from ..algorithms import ridge, ridge_kappa, solver_polynomial
from ..resources import lssvm_qubits
from ._common import (
    DEFAULT_N_SNAPSHOTS,
    READOUTS,
    check_choice,
    check_method,
    check_mode,
    check_real,
    check_snapshots,
    jax_key,
    machine,
    read_mean,
    read_overlaps,
    resolve_mode,
    set_run_attributes,
    sparsity_of,
)


class QOSRidgeClassifier(ClassifierMixin, BaseEstimator):
    """Binary ridge / LS-SVM classifier run as the paper's quantum-oracle-sketching pipeline.

    ``fit`` streams the training data ``X`` as element samples into a sketched sparse-access block
    encoding of ``[X; sqrt(alpha) I]`` (Hermitian embedding), applies the QSVT ``1/x`` solver
    (:func:`qsjax.ridge`) to the state ``|y>`` (itself prepared by the vector-state sketch in the
    sketched modes), which prepares ``|w> ∝ (X^T X + alpha I)^{-1} X^T y`` with labels ``y = ±1``,
    and keeps an interferometric classical-shadow model of ``|w>`` (:func:`qsjax.interferometric_shadows`).
    ``predict`` gives ``sign Re <x|w>`` from the shadow model (:func:`qsjax.predict_overlaps`): the
    sign needs neither ``||w||`` nor the scale of ``X`` (the data are rescaled into ``[-1, 1]``, with
    ``alpha`` scaled alike, which leaves ``|w>`` unchanged).

    Intercept. With ``fit_intercept=True`` a constant column of value ``intercept_scaling`` is
    appended to ``X`` and its weight is penalised like the others (the quantum machine solves one
    ridge problem). On centred features (every column of mean 0) that column is orthogonal to the
    others, so the feature weights equal those of :class:`sklearn.linear_model.RidgeClassifier`
    (same ``alpha``) and the intercept is ``c N ybar / (N c^2 + alpha)`` for ``c = intercept_scaling``
    (``~ ybar / c``, RidgeClassifier's unpenalised intercept, when ``N c^2 >> alpha``). On uncentred
    data the two differ: centre the features first (e.g. ``StandardScaler`` or centring after
    ``MaxAbsScaler``) to reproduce RidgeClassifier.

    Weights. ``class_weight`` and ``fit``'s ``sample_weight`` give the weighted ridge problem
    ``min sum_i w_i (y_i - x_i . b)^2 + alpha |b|^2`` (as RidgeClassifier's): row ``i`` of the data
    and its label enter the pipeline multiplied by ``sqrt(w_i)`` (same sparsity; rows of weight 0 are
    left out), so the machine solves one plain ridge problem on the reweighted rows.

    Parameters
    ----------
    alpha : float > 0, default 1.0
        Ridge regulariser (``lambda``).
    fit_intercept : bool, default True
        Append a constant feature (penalised intercept, see above).
    intercept_scaling : float > 0, default 1.0
        Value of the constant feature.
    class_weight : dict, "balanced" or None, default None
        Weights of the classes (scikit-learn's convention: ``"balanced"`` weighs class ``c`` by
        ``n_samples / (2 n_c)``), multiplied into ``sample_weight``.
    mode : {"expected", "ideal", "counts", "sampled"} or a qsjax mode value, default "expected"
        Simulation mode of every oracle query (DESIGN.md 1.2). ``ideal``: exact oracles;
        ``expected``: every query averaged over its ``M`` samples; ``counts`` / ``sampled``: one
        random realisation per query. A mode value (``qsjax.Counts(1e9)``) carries its own ``M``.
    samples_per_query : int or float, optional
        ``M``, element samples per block-encoding query (and per query of the ``|y>`` sketch). Default
        (None): :func:`qsjax.learn.default_samples_per_query` ``(nnz, Q, epsilon)``: the error budget
        ``epsilon`` split over the ``Q`` queries, ``M = 1.1 nnz Q / epsilon`` with ``nnz`` the
        nonzeros of the embedding (capped at ``2**53``; ``2**16`` in the sampled mode).
    readout : {"shadows", "exact"}, default "shadows"
        ``"shadows"``: decisions from the shadow model; ``"exact"``: ``Re <x|w>`` of the simulated
        state itself (diagnostics).
    n_snapshots : int, default 16384
        Shadow snapshots ``T`` (see :data:`qsjax.learn.DEFAULT_N_SNAPSHOTS` for the error it gives).
    delta : float in (0, 1), default 0.05
        Failure probability of the median-of-means estimate (``ceil(8 ln(1/delta))`` groups).
    epsilon : float in (0, 1), default 1e-3
        Accuracy of the ``1/x`` polynomial and the total sketching error budget.
    kappa : float > 1, optional
        Condition-number bound of the block-encoded matrix; default ``s / sqrt(alpha)`` after
        rescaling (:func:`qsjax.algorithms.ridge_kappa`), which always holds. A smaller value gives
        a lower degree; singular values below ``1 / kappa`` are then damped, not inverted.
    method : {"auto", "recurrence", "spectral"}, default "auto"
        How the polynomial is applied (:meth:`qsjax.SparseAccessEncoding.polynomial`).
    random_state : int, RandomState or None, default 0
        Seeds the sketches (counts / sampled modes, the ``|y>`` sketch's signs) and the shadows.

    Attributes
    ----------
    classes_ : ndarray (2,)
        The labels; ``classes_[1]`` is the positive class (``y = +1``).
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when ``X`` had string column names.
    state_ : ndarray (n_features_in_ + fit_intercept,)
        The simulated output state ``|w>`` (normalised; complex in the sketched modes).
    coef_ : ndarray (n_features_in_,)
        Real part of the feature entries of ``|w>`` (proportional to RidgeClassifier's ``coef_`` on
        centred data; the same shapes as RidgeClassifier's for binary targets).
    intercept_ : ndarray (1,)
        ``intercept_scaling x`` the intercept entry of ``Re |w>`` (0 without an intercept); the exact
        decision is ``X @ coef_ + intercept_``.
    kappa_ : float
        The condition-number bound used.
    polynomial_ : qsjax.ChebPoly
        The ``1/x`` polynomial.
    queries_ : int
        Block-encoding queries (its degree).
    mode_ : qsjax mode value
        The mode run, with its ``m``.
    samples_per_query_ : int or float
        ``M`` (0 in the ideal mode).
    samples_ : float
        Element samples consumed: ``queries_ x M`` plus those of the ``|y>`` sketch.
    success_probability_ : float
        Probability of the post-selections that prepare ``|w>``.
    method_ : str
        ``"spectral"`` or ``"recurrence"``.
    n_qubits_ : int
        Qubits of the LS-SVM machine, :func:`qsjax.resources.lssvm_qubits` ``(N, D, s)`` of the data
        matrix (with the intercept column).
    machine_sizes_ : qsjax.resources.MachineSizes
        Quantum and classical machine sizes of the task.
    shadow_model_ : qsjax.ShadowModel or None
        The classical shadow model (None for ``readout="exact"``).
    n_snapshots_ : int
        Its number of snapshots (0 without one).
    shadow_memory_bits_ : int
        Its classical memory (0 without one).

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> X, y = make_classification(60, 4, random_state=0)
    >>> clf = QOSRidgeClassifier(mode="ideal", readout="exact").fit(X - X.mean(0), y)
    >>> clf.score(X - X.mean(0), y) > 0.8
    True
    """

    def __init__(
        self,
        alpha=1.0,
        *,
        fit_intercept=True,
        intercept_scaling=1.0,
        class_weight=None,
        mode="expected",
        samples_per_query=None,
        readout="shadows",
        n_snapshots=DEFAULT_N_SNAPSHOTS,
        delta=0.05,
        epsilon=1e-3,
        kappa=None,
        method="auto",
        random_state=0,
    ):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.intercept_scaling = intercept_scaling
        self.class_weight = class_weight
        self.mode = mode
        self.samples_per_query = samples_per_query
        self.readout = readout
        self.n_snapshots = n_snapshots
        self.delta = delta
        self.epsilon = epsilon
        self.kappa = kappa
        self.method = method
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        tags.input_tags.sparse = True
        return tags

    def _more_tags(self):  # scikit-learn < 1.6
        return {"binary_only": True}

    def _augment(self, x):
        if not self.fit_intercept:
            return x
        col = np.full((x.shape[0], 1), float(self.intercept_scaling))
        if scipy.sparse.issparse(x):
            return scipy.sparse.hstack([x, scipy.sparse.csr_matrix(col)], format="csr")
        return np.hstack([x, col])

    def fit(self, X, y, sample_weight=None):
        """Fit the classifier: sketch, solve and take the shadow model of ``|w>``.

        Parameters
        ----------
        X : array-like or scipy.sparse matrix, shape (n_samples, n_features)
        y : array-like, shape (n_samples,)
            Two classes.
        sample_weight : array-like of shape (n_samples,) or float, optional
            Non-negative weights of the samples (see "Weights" above); a float weighs all alike.

        Returns
        -------
        self
        """
        X, y = validate_data(self, X, y, accept_sparse="csr", dtype=np.float64)
        check_classification_targets(y)
        classes = np.unique(y)
        if classes.size != 2:
            kind = type_of_target(y)
            raise ValueError(
                f"Only binary classification is supported. The type of the target is {kind}: "
                f"QOSRidgeClassifier got non-binary labels, {classes.size} class(es) {classes[:10].tolist()}"
            )
        alpha = check_real(self.alpha, "alpha", low=0.0, what="a finite number > 0")
        if self.fit_intercept:
            check_real(self.intercept_scaling, "intercept_scaling", low=0.0, what="a finite number > 0")
        epsilon = check_real(self.epsilon, "epsilon", low=0.0, high=1.0, what="a number in (0, 1)")
        readout = check_choice(self.readout, "readout", READOUTS)
        if readout == "shadows":
            n_snapshots, delta = check_snapshots(self.n_snapshots, self.delta)
        check_method(self.method, check_mode(self.mode, self.samples_per_query))
        weights = self._weights(sample_weight, y)

        z = self._augment(X)
        labels = np.where(y == classes[1], 1.0, -1.0)
        if weights is not None:
            keep = weights > 0
            root = np.sqrt(weights[keep])
            z = z[keep]
            z = (
                scipy.sparse.csr_matrix(z).multiply(root[:, None]).tocsr()
                if scipy.sparse.issparse(z)
                else z * root[:, None]
            )
            labels = labels[keep] * root
        n, d = z.shape
        kappa = ridge_kappa(z, alpha, rescale=True) if self.kappa is None else self.kappa
        poly = solver_polynomial(kappa, epsilon)
        nnz, s = sparsity_of(z)
        mode = resolve_mode(
            self.mode, self.samples_per_query, nnz=2 * (nnz + d), queries=poly.degree, epsilon=epsilon
        )
        key = jax_key(self.random_state)
        key_solve, key_shadow = jax.random.split(check_key(key))
        res = ridge(
            z,
            labels,
            alpha,
            kappa=kappa,
            epsilon=epsilon,
            mode=mode,
            key=key_solve,
            rescale=True,
            method=self.method,
        )
        state = np.asarray(res.state)
        self.classes_ = classes
        self.state_ = state
        w = np.real(state).astype(np.float64)
        self.coef_ = w[: X.shape[1]].copy()
        self.intercept_ = (
            np.array([w[-1] * float(self.intercept_scaling)]) if self.fit_intercept else np.zeros(1)
        )
        self.kappa_ = float(kappa)
        self.n_qubits_ = lssvm_qubits(n, d, max(s, 1))
        set_run_attributes(
            self,
            res,
            mode,
            readout=readout,
            key=key_shadow,
            n_snapshots=n_snapshots if readout == "shadows" else 0,
            machine_sizes=machine(n, d, nnz, s, "lssvm"),
        )
        return self

    def _weights(self, sample_weight, y) -> np.ndarray | None:
        """The combined sample and class weights (None when all are 1), validated."""
        n = y.shape[0]
        w = None
        if sample_weight is not None:
            if isinstance(sample_weight, numbers.Real) and not isinstance(sample_weight, bool):
                w = np.full(n, float(sample_weight))
            else:
                w = np.asarray(sample_weight)
                if w.dtype.kind not in "biuf" or w.dtype.kind == "b":
                    raise TypeError(f"sample_weight must be an array of real numbers, got dtype {w.dtype}")
                w = w.astype(np.float64)
                if w.shape != (n,):
                    raise ValueError(
                        f"sample_weight must have shape ({n},) (one weight per sample), got {w.shape}"
                    )
            if not np.all(np.isfinite(w)) or np.any(w < 0):
                raise ValueError("sample_weight must be finite and non-negative (got NaN, inf or a negative)")
            if not np.any(w > 0):
                raise ValueError("sample_weight must have at least one positive weight, got all zeros")
        if self.class_weight is not None:
            cw = compute_sample_weight(self.class_weight, y)
            w = cw if w is None else w * cw
        if w is not None and np.all(w == 1.0):
            return None
        return w

    def overlaps(self, X):
        """The readout's estimates of ``Re <x|w>`` for the rows of ``X`` (with the intercept column).

        Parameters
        ----------
        X : array-like or scipy.sparse matrix, shape (n_samples, n_features_in_)

        Returns
        -------
        qsjax.shadows.ShadowPrediction or ndarray
            With ``readout="shadows"`` the mean, median of means and group means of the shadow
            estimates; with ``readout="exact"`` the exact overlaps (ndarray (n_samples,)).
        """
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse="csr", dtype=np.float64, reset=False)
        return read_overlaps(self, self._augment(X))

    def decision_function(self, X):
        """``Re <x|w>``: the shadow model's mean estimate (``readout="shadows"``) or the exact value.

        Proportional to the ridge decision ``w . x + b`` (``|w>`` is normalised): its sign decides.

        Parameters
        ----------
        X : array-like or scipy.sparse matrix, shape (n_samples, n_features_in_)

        Returns
        -------
        ndarray (n_samples,)
        """
        return read_mean(self.overlaps(X))

    def predict(self, X):
        """Class labels: ``classes_[1]`` where :meth:`decision_function` is positive.

        Parameters
        ----------
        X : array-like or scipy.sparse matrix, shape (n_samples, n_features_in_)

        Returns
        -------
        ndarray (n_samples,)
        """
        decision = self.decision_function(X)
        return self.classes_[(decision > 0).astype(int)]
