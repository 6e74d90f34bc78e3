"""Pieces the scikit-learn estimators share: argument checks made at ``fit`` (never in ``__init__``),
the default sample budget, keys from ``random_state``, the shadow readout and machine sizes."""

from __future__ import annotations

import math
import numbers

import jax
import numpy as np
import scipy.sparse
from sklearn.utils import check_random_state

from ..blockencoding import OPERATOR_MODES
from ..resources import element_oracle_samples, machine_sizes
from ..shadows import interferometric_shadows, median_of_means_groups, predict_overlaps
from ..sketch import AbstractMode, Counts, Expected, Ideal, Sampled, as_mode

ESTIMATOR_MODES = OPERATOR_MODES  # the operator-level encoding's modes: the estimators run there
"""Modes the estimators run in (names, or the mode values ``qsjax.Ideal()``, ``qsjax.Expected(m)``,
``qsjax.Counts(m)``, ``qsjax.Sampled(m)``)."""

READOUTS = ("shadows", "exact")
"""``"shadows"``: predictions from an interferometric classical-shadow model of the output state
(the paper's readout); ``"exact"``: the exact overlaps with the simulated state (diagnostics)."""

DEFAULT_N_SNAPSHOTS = 16384
"""Default number of shadow snapshots ``T = 2**14``.

One snapshot's estimate of ``Re <x|w>`` has variance at most ``6 ||x||^2`` (Lemma F.16, see
:mod:`qsjax.shadows`), so the mean of ``T`` snapshots errs by at most
``sqrt(6 / T) ||x|| ~ 0.019 ||x||`` (one standard deviation); the median of means with ``K`` groups
(``delta``) by :func:`qsjax.shadows.shadow_error_bound` ``= 2 sqrt(6 K / T) ||x||`` with probability
``1 - delta`` (``0.15 ||x||`` at ``delta = 0.05``). On the breast-cancer and digits benchmarks the
median test margin ``|<x|w>|`` is ``~0.2 ||x||`` and under 3% of test points lie within two
standard deviations of the boundary."""

MAX_SAMPLES_PER_QUERY = 2**53
"""Cap of the default samples per query in the ideal-free modes (exact integer counts: ``2**53``)."""

MAX_SAMPLED_SAMPLES_PER_QUERY = 2**16
"""Cap of the default samples per query in the ``sampled`` mode, which draws every sample
explicitly (``queries x M`` draws in all): pass ``samples_per_query`` for more."""


def default_samples_per_query(
    nnz: int, queries: int, epsilon: float, *, cap: int = MAX_SAMPLES_PER_QUERY
) -> int:
    """The default element samples per block-encoding query: ``M = element_oracle_samples(nnz, eps / Q)``.

    The total sketching error ``epsilon`` is split evenly over the ``Q`` queries of the QSVT
    (Theorem D.13: errors of unitary queries add up), and one query of the element oracle of a
    matrix with ``nnz`` nonzeros is ``eps/Q``-accurate with ``M = C nnz Q / eps`` samples
    (:func:`qsjax.resources.element_oracle_samples`, fitted ``C = 1.1``); capped at ``cap``.

    Parameters
    ----------
    nnz : int
        Nonzeros of the block-encoded (Hermitian) matrix.
    queries : int
        Polynomial degree ``Q``.
    epsilon : float in (0, 1)
        Total error budget.
    cap : int
        Upper limit.

    Returns
    -------
    int
    """
    return min(int(cap), element_oracle_samples(nnz, epsilon / max(int(queries), 1)))


def check_choice(value, name: str, choices) -> str:
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}, got {value!r}")
    return value


def check_real(value, name: str, *, low: float, high: float | None = None, what: str) -> float:
    """A real number in ``(low, high)`` (open bounds; ``high=None``: unbounded)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be {what}, got {value!r}")
    v = float(value)
    if not math.isfinite(v) or v <= low or (high is not None and v >= high):
        raise ValueError(f"{name} must be {what}, got {value!r}")
    return v


def check_count(value, name: str, *, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer >= {minimum}, got {value!r}")
    if int(value) < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def check_mode(mode, samples_per_query) -> AbstractMode | str:
    """Validate an estimator's ``mode`` and ``samples_per_query`` (before any work): a mode value is
    returned as is, a name after checking it (:func:`resolve_mode` then sets ``m``)."""
    if isinstance(mode, AbstractMode):
        if not isinstance(mode, Ideal | Expected | Counts | Sampled):
            raise ValueError(f"mode must be one of {list(ESTIMATOR_MODES)}, got mode {mode.name!r}")
        if samples_per_query is not None:
            raise ValueError(
                f"samples_per_query={samples_per_query!r} given with the mode value {mode!r}, which carries "
                "its own m: give one of them"
            )
        return mode
    check_choice(mode, "mode", ESTIMATOR_MODES)
    if samples_per_query is not None:
        if isinstance(samples_per_query, bool) or not isinstance(samples_per_query, numbers.Real):
            raise TypeError(f"samples_per_query must be a positive number or None, got {samples_per_query!r}")
        if not (math.isfinite(float(samples_per_query)) and float(samples_per_query) > 0):
            raise ValueError(
                f"samples_per_query must be a positive number or None, got {samples_per_query!r}"
            )
        if mode != "ideal":
            as_mode(mode, samples_per_query)  # the mode's own checks of m (e.g. integral counts)
    return mode


def resolve_mode(mode, samples_per_query, *, nnz: int, queries: int, epsilon: float) -> AbstractMode:
    """The mode value of an estimator: a name (``samples_per_query`` or the default budget
    :func:`default_samples_per_query`) or a mode value (which carries its own ``m``)."""
    mode = check_mode(mode, samples_per_query)
    if isinstance(mode, AbstractMode):
        return mode
    if mode == "ideal":
        return as_mode("ideal")
    if samples_per_query is None:
        cap = MAX_SAMPLED_SAMPLES_PER_QUERY if mode == "sampled" else MAX_SAMPLES_PER_QUERY
        return as_mode(mode, default_samples_per_query(nnz, queries, epsilon, cap=cap))
    return as_mode(mode, samples_per_query)


METHODS = ("auto", "recurrence", "spectral")


def check_method(method, mode) -> str:
    """``method`` one of :data:`METHODS`; ``"spectral"`` refused for the counts and sampled modes
    (fresh realisations per query), before any work."""
    if not isinstance(method, str) or method not in METHODS:
        raise ValueError(f"method must be one of {list(METHODS)}, got {method!r}")
    name = mode.name if isinstance(mode, AbstractMode) else mode
    if method == "spectral" and name in ("counts", "sampled"):
        raise ValueError(
            f"method='spectral' cannot run in mode {name!r}: it draws a fresh realisation per query, so "
            "the queries do not share one operator (only 'ideal' and 'expected' do); use 'recurrence' or "
            "'auto'"
        )
    return method


def jax_key(random_state) -> jax.Array:
    """A ``jax.random`` key from a scikit-learn ``random_state`` (int, RandomState or None)."""
    rs = check_random_state(random_state)
    return jax.random.key(int(rs.randint(0, 2**31 - 1)))


def sparsity_of(x) -> tuple[int, int]:
    """``(nnz, s)`` of a dense array or scipy CSR matrix: nonzeros and ``max`` row/column sparsity."""
    if scipy.sparse.issparse(x):
        csr = scipy.sparse.csr_array(x)
        csr.eliminate_zeros()
        rows = np.diff(csr.indptr)
        cols = np.bincount(csr.indices, minlength=csr.shape[1])
        return int(csr.nnz), int(max(rows.max(initial=0), cols.max(initial=0)))
    nz = np.asarray(x) != 0
    return int(nz.sum()), int(max(nz.sum(axis=0).max(initial=0), nz.sum(axis=1).max(initial=0)))


def machine(n: int, d: int, nnz: int, s: int, task: str):
    """:func:`qsjax.resources.machine_sizes` of the data matrix (``s >= 1``, ``nnz >= s``)."""
    s = max(int(s), 1)
    return machine_sizes(n, d, nnz=max(int(nnz), s), sparsity=s, task=task)


def padded_state(state) -> np.ndarray:
    """The state zero-padded to a power-of-two length (the register of the shadow model)."""
    vec = np.asarray(state)
    size = 1 << max(0, (vec.shape[0] - 1).bit_length())
    return np.concatenate([vec, np.zeros(size - vec.shape[0], vec.dtype)])


def check_snapshots(n_snapshots, delta) -> tuple[int, float]:
    t = check_count(n_snapshots, "n_snapshots")
    d = check_real(delta, "delta", low=0.0, high=1.0, what="a failure probability in (0, 1)")
    k = median_of_means_groups(d)
    if t < k:
        raise ValueError(
            f"n_snapshots={t} is below the {k} median-of-means groups that delta={d:g} needs; "
            "raise n_snapshots or delta"
        )
    return t, d


def shadow_model(key, state, n_snapshots: int):
    """``T`` interferometric shadow snapshots of the (padded) state."""
    return interferometric_shadows(key, padded_state(state), n_snapshots)


def shadow_predictions(model, x, delta: float):
    """:func:`qsjax.predict_overlaps` of the rows of ``x`` (dense or CSR): mean and median of means."""
    return predict_overlaps(model, x, delta=delta)


def overlaps_exact(state, x) -> np.ndarray:
    """``Re <x|w>`` exactly, for the rows of ``x`` (dense or CSR), float64."""
    w = np.real(np.asarray(state)).astype(np.float64)
    out = x @ w
    return np.asarray(out, np.float64).reshape(-1)


def samples_count(mode: AbstractMode) -> int | float:
    """``m`` of a mode as a plain number (an int when integral; 0 for ideal)."""
    m = float(mode.samples)
    return int(m) if m.is_integer() and m <= 2**63 else m


def set_run_attributes(
    est, res, mode: AbstractMode, *, readout: str, key, n_snapshots, machine_sizes
) -> None:
    """The fitted attributes both estimators share: the polynomial and its queries, the mode and
    samples, the success probability, the method, the machine sizes and the shadow model of
    ``est.state_`` (``readout="shadows"``; None, 0 and 0 otherwise)."""
    est.polynomial_ = res.polynomial
    est.queries_ = int(res.queries)
    est.mode_ = mode
    est.samples_per_query_ = samples_count(mode)
    est.samples_ = float(res.samples)
    est.success_probability_ = float(res.success_probability)
    est.method_ = res.method
    est.machine_sizes_ = machine_sizes
    if readout == "shadows":
        est.shadow_model_ = shadow_model(key, est.state_, n_snapshots)
        est.n_snapshots_ = int(n_snapshots)
        est.shadow_memory_bits_ = int(est.shadow_model_.memory_bits)
    else:
        est.shadow_model_ = None
        est.n_snapshots_ = 0
        est.shadow_memory_bits_ = 0


def read_overlaps(est, x):
    """The fitted estimator's readout of ``Re <x|state>`` for the rows of ``x``: the shadow model's
    :class:`qsjax.shadows.ShadowPrediction`, or the exact overlaps (ndarray) without one."""
    if est.shadow_model_ is None:
        return overlaps_exact(est.state_, x)
    return shadow_predictions(est.shadow_model_, x, float(est.delta))


def read_mean(out) -> np.ndarray:
    """The point estimate of a :func:`read_overlaps`: the exact values, or the shadow model's mean."""
    return out if isinstance(out, np.ndarray) else np.asarray(out.mean, np.float64)
