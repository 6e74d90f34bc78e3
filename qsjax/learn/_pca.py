"""QOSPCA: the paper's top principal component by a sketched QSVT spectral filter (DESIGN.md 1.8)."""

from __future__ import annotations

import math
import numbers

import jax
import numpy as np
import scipy.sparse
import scipy.sparse.linalg
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from .._internal.validate import check_key
from ..algorithms import filter_polynomial, pca, pca_degree
from ..resources import pca_qubits
from ._common import (
    DEFAULT_N_SNAPSHOTS,
    READOUTS,
    check_choice,
    check_count,
    check_method,
    check_mode,
    check_real,
    check_snapshots,
    machine,
    read_mean,
    read_overlaps,
    resolve_mode,
    set_run_attributes,
    sparsity_of,
)

MAX_DEFAULT_DEGREE = 20_000
"""The default filter window is never narrower than the one :func:`qsjax.algorithms.pca_degree`
resolves at this degree (``gap >= 2 ln(1e6) / 20000 ~ 1.4e-3`` in units of ``sigma / s``); a nearer
second singular value is then partly kept (the top component is not resolved from it)."""

GUIDES = ("column_norms", "random")


def _top_two_singular_values(x) -> tuple[float, float]:
    """The two largest singular values of ``x`` (dense SVD when small, ``svds`` otherwise)."""
    n, d = x.shape
    if min(n, d) == 1:
        return float(scipy.sparse.linalg.norm(x) if scipy.sparse.issparse(x) else np.linalg.norm(x)), 0.0
    if n * d <= 2**22 or min(n, d) <= 3:
        dense = x.toarray() if scipy.sparse.issparse(x) else np.asarray(x)
        sv = np.linalg.svd(dense, compute_uv=False)
    else:
        sv = scipy.sparse.linalg.svds(
            scipy.sparse.csr_array(x), k=2, return_singular_vectors=False, random_state=0
        )
    sv = np.sort(np.asarray(sv, np.float64))[::-1]
    return float(sv[0]), float(sv[1])


def _window(u1: float, u2: float) -> tuple[float, float]:
    """Default ``(cutoff, gap)`` between ``u1 = sigma_1 / s`` and ``u2 = sigma_2 / s``."""
    cutoff = 0.5 * (u1 + u2)
    gap = max(0.45 * (u1 - u2), 2.0 * math.log(1e6) / MAX_DEFAULT_DEGREE)
    gap = min(gap, 0.95 * cutoff, 0.95 * (1.0 - cutoff))
    return cutoff, gap


def _column_variance_sum(x) -> float:
    if scipy.sparse.issparse(x):
        mean = np.asarray(x.mean(axis=0)).ravel()
        sq = np.asarray(x.multiply(x).mean(axis=0)).ravel()
        return float(np.sum(np.maximum(sq - mean**2, 0.0)))
    return float(np.var(np.asarray(x), axis=0).sum())


class QOSPCA(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Top principal axis of ``X`` by quantum oracle sketching and a QSVT spectral filter.

    ``fit`` streams ``X`` as element samples into the sketched sparse-access block encoding of the
    Hermitian embedding of ``X / s`` and applies an even spectral filter ``P(x) ~ 1[|x| >= cutoff]``
    to a guiding vector ``(0; g)`` (:func:`qsjax.pca`), which prepares ``|v> ∝ v_1 <v_1|g>``, the top
    right singular vector of ``X``; an interferometric classical-shadow model of ``|v>`` then gives
    the projections ``Re <x|v>`` (:meth:`transform`).

    Like :class:`sklearn.decomposition.TruncatedSVD` the data are *not* centred (centring would
    densify a sparse stream): ``components_`` is the top right singular vector of ``X`` as given,
    the top principal axis when the columns of ``X`` have mean 0 (centre first, e.g. with
    ``StandardScaler``, for principal components in the statistical sense).

    The filter window. The paper assumes a known spectral gap; here, unless ``cutoff`` and ``gap``
    are given, the two largest singular values ``sigma_1 >= sigma_2`` of ``X`` (after the rescaling
    into ``[-1, 1]``) are computed classically, *only* to place the filter: ``cutoff`` halfway
    between ``sigma_1 / s`` and ``sigma_2 / s`` and ``gap = 0.45 (sigma_1 - sigma_2) / s`` (at least
    what degree 20000 resolves, :data:`MAX_DEFAULT_DEGREE`). Nothing else of the classical SVD is
    used. The component's sign is arbitrary; it is fixed so that its largest-magnitude entry is
    positive (the shadow model is taken of the sign-fixed state).

    Parameters
    ----------
    n_components : int, default 1
        Only 1 is supported.
    mode : {"expected", "ideal", "counts", "sampled"} or a qsjax mode value, default "expected"
        As in :class:`QOSRidgeClassifier`.
    samples_per_query : int or float, optional
        ``M``; default :func:`qsjax.learn.default_samples_per_query` ``(2 nnz(X), degree, epsilon)``.
    readout : {"shadows", "exact"}, default "shadows"
    n_snapshots : int, default 16384
    delta : float in (0, 1), default 0.05
        Failure probability of the median of means.
    epsilon : float in (0, 1), default 1e-3
        Total sketching error budget (sets the default ``samples_per_query``).
    cutoff, gap : float in (0, 1), optional
        The filter window in units of ``sigma / s`` of the rescaled ``X`` (see above).
    degree : even int, optional
        Filter degree; default :func:`qsjax.algorithms.pca_degree` ``(gap)``.
    guide : {"column_norms", "random"} or array (n_features,), default "column_norms"
        The guiding vector ``g``: the column norms of ``X`` (a vector a stream gives for free; for
        non-negative data the top singular vector is non-negative too, so the overlap is large), a
        standard normal vector from ``random_state`` (overlap ``~1 / n_features``), or your own.
        The success probability is ``|<v_1|g>|^2 / ||g||^2``.
    random_state : int, RandomState or None, default 0
        Seeds the sketches, the random guide and the shadows.
    method : {"auto", "recurrence", "spectral"}, default "auto"

    Attributes
    ----------
    components_ : ndarray (1, n_features_in_)
        The (sign-fixed, normalised) real part of the prepared state.
    state_ : ndarray (n_features_in_,)
        The prepared state itself (sign-fixed; complex in the sketched modes).
    explained_variance_ : ndarray (1,)
        Variance of the training projections (from the readout; with shadows, less the estimated
        variance of the readout noise, ``var(group means) / K`` averaged over the points, which
        would otherwise bias it upwards by ``~3 |x|^2 / T``).
    explained_variance_ratio_ : ndarray (1,)
        ``explained_variance_`` over the total variance of the columns of ``X`` (as TruncatedSVD).
    singular_values_ : ndarray (2,)
        ``sigma_1, sigma_2`` of the rescaled ``X``, computed classically to set the window (zeros when
        both ``cutoff`` and ``gap`` were given).
    cutoff_, gap_ : float
        The filter window used.
    polynomial_ : qsjax.ChebPoly
    queries_ : int
        Block-encoding queries (the filter degree).
    mode_, samples_per_query_, samples_, success_probability_, method_
        As in :class:`QOSRidgeClassifier`.
    n_qubits_ : int
        :func:`qsjax.resources.pca_qubits` ``(N, D, s)``.
    machine_sizes_ : qsjax.resources.MachineSizes
    shadow_model_ : qsjax.ShadowModel or None
    n_snapshots_ : int
    shadow_memory_bits_ : int
    n_features_in_ : int
    feature_names_in_ : ndarray of str
    """

    def __init__(
        self,
        n_components=1,
        *,
        mode="expected",
        samples_per_query=None,
        readout="shadows",
        n_snapshots=DEFAULT_N_SNAPSHOTS,
        delta=0.05,
        epsilon=1e-3,
        cutoff=None,
        gap=None,
        degree=None,
        guide="column_norms",
        random_state=0,
        method="auto",
    ):
        self.n_components = n_components
        self.mode = mode
        self.samples_per_query = samples_per_query
        self.readout = readout
        self.n_snapshots = n_snapshots
        self.delta = delta
        self.epsilon = epsilon
        self.cutoff = cutoff
        self.gap = gap
        self.degree = degree
        self.guide = guide
        self.random_state = random_state
        self.method = method

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    @property
    def _n_features_out(self):
        return self.components_.shape[0]

    def _guide(self, x, rs) -> np.ndarray:
        g = self.guide
        if isinstance(g, str):
            check_choice(g, "guide", GUIDES)
            if g == "column_norms":
                sq = x.multiply(x).sum(axis=0) if scipy.sparse.issparse(x) else np.sum(x * x, axis=0)
                return np.sqrt(np.asarray(sq, np.float64).ravel())
            return rs.standard_normal(x.shape[1])
        arr = np.asarray(g, dtype=np.float64)
        if arr.shape != (x.shape[1],):
            raise ValueError(
                f"guide must be 'column_norms', 'random' or a vector of length {x.shape[1]}, got shape "
                f"{arr.shape}"
            )
        return arr

    def fit(self, X, y=None):
        """Fit the top component: sketch, filter the guide, take the shadow model.

        Parameters
        ----------
        X : array-like or scipy.sparse matrix, shape (n_samples, n_features)
        y : ignored

        Returns
        -------
        self
        """
        X = validate_data(self, X, accept_sparse="csr", dtype=np.float64)
        if isinstance(self.n_components, bool) or not isinstance(self.n_components, numbers.Integral):
            raise TypeError(f"n_components must be the integer 1, got {self.n_components!r}")
        if self.n_components != 1:
            raise ValueError(
                f"n_components={self.n_components!r}: only n_components=1 (the top principal component) is "
                "supported"
            )
        epsilon = check_real(self.epsilon, "epsilon", low=0.0, high=1.0, what="a number in (0, 1)")
        readout = check_choice(self.readout, "readout", READOUTS)
        if readout == "shadows":
            n_snapshots, delta = check_snapshots(self.n_snapshots, self.delta)
        check_method(self.method, check_mode(self.mode, self.samples_per_query))
        rs = check_random_state(self.random_state)
        key = jax.random.key(int(rs.randint(0, 2**31 - 1)))
        guide = self._guide(X, rs)
        nnz, s = sparsity_of(X)
        if nnz == 0:
            raise ValueError("X has no nonzero entries: there is no principal component to find")
        big = float(abs(X).max())
        scale = 1.0 / big if big > 1.0 else 1.0
        if self.cutoff is None or self.gap is None:
            sv = np.array(_top_two_singular_values(X * scale if scale != 1.0 else X))
            cutoff, gap = _window(sv[0] / s, sv[1] / s)
        else:
            sv = np.zeros(2)
            cutoff, gap = None, None
        if self.cutoff is not None:
            cutoff = check_real(self.cutoff, "cutoff", low=0.0, high=1.0, what="a number in (0, 1)")
        if self.gap is not None:
            gap = check_real(self.gap, "gap", low=0.0, high=1.0, what="a number in (0, 1)")
        degree = pca_degree(gap) if self.degree is None else check_count(self.degree, "degree", minimum=2)
        poly = filter_polynomial(degree, cutoff, gap)
        mode = resolve_mode(
            self.mode, self.samples_per_query, nnz=2 * nnz, queries=poly.degree, epsilon=epsilon
        )
        key_solve, key_shadow = jax.random.split(check_key(key))
        res = pca(
            X,
            guide,
            cutoff=cutoff,
            gap=gap,
            degree=degree,
            mode=mode,
            key=key_solve,
            rescale=True,
            method=self.method,
        )
        state = np.asarray(res.state)
        if not (np.isfinite(state).all() and float(res.success_probability) > 0):
            raise ValueError(
                f"the spectral filter (cutoff={cutoff:g}, gap={gap:g}) left nothing of the guide: its "
                "overlap with the kept singular vectors is 0; change guide, cutoff or gap"
            )
        v = np.real(state).astype(np.float64)
        sign = 1.0 if v[int(np.argmax(np.abs(v)))] >= 0 else -1.0
        state = sign * state
        self.state_ = state
        comp = sign * v
        self.components_ = (comp / np.linalg.norm(comp)).reshape(1, -1)
        self.singular_values_ = sv
        self.cutoff_, self.gap_ = float(cutoff), float(gap)
        n, d = X.shape
        self.n_qubits_ = pca_qubits(n, d, max(s, 1))
        set_run_attributes(
            self,
            res,
            mode,
            readout=readout,
            key=key_shadow,
            n_snapshots=n_snapshots if readout == "shadows" else 0,
            machine_sizes=machine(n, d, nnz, s, "pca"),
        )
        out = read_overlaps(self, X)
        proj = read_mean(out)
        total = _column_variance_sum(X)
        variance = float(np.var(proj))
        if not isinstance(out, np.ndarray):
            # the shadow estimates carry readout noise of variance ~ var(group means) / K per point,
            # which adds to the variance of the projections: subtract its estimate (unbiased)
            gm = np.asarray(out.group_means, np.float64)
            if gm.shape[1] > 1:
                variance = max(variance - float(np.mean(np.var(gm, axis=1, ddof=1))) / gm.shape[1], 0.0)
        self.explained_variance_ = np.array([variance])
        self.explained_variance_ratio_ = self.explained_variance_ / total if total > 0 else np.zeros(1)
        return self

    def overlaps(self, X):
        """The readout's estimates of ``Re <x|v>`` for the rows of ``X``.

        Parameters
        ----------
        X : array-like or scipy.sparse matrix, shape (n_samples, n_features_in_)

        Returns
        -------
        qsjax.shadows.ShadowPrediction or ndarray
            Mean, median of means and group means of the shadow estimates, or (``readout="exact"``)
            the exact projections.
        """
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse="csr", dtype=np.float64, reset=False)
        return read_overlaps(self, X)

    def transform(self, X):
        """Projections ``Re <x|v>`` on the component: the shadow model's mean estimate or exact.

        Parameters
        ----------
        X : array-like or scipy.sparse matrix, shape (n_samples, n_features_in_)

        Returns
        -------
        ndarray (n_samples, 1)
        """
        return read_mean(self.overlaps(X)).reshape(-1, 1)
