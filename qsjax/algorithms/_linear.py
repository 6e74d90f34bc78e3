"""QSVT linear algebra on sketched sparse-access block encodings (DESIGN.md 1.8).

All three algorithms run a real Chebyshev polynomial of the Hermitian embedding
``H = [[0, A], [A^T, 0]] / s`` (operator level, :class:`qsjax.SparseAccessEncoding`), one sketched
realisation per query:

* :func:`linear_solve` — odd ``P(x) ~ 1/(2 kappa x)`` on ``[1/kappa, 1]`` applied to ``(b; 0)``:
  for ``A / s = U S V^T`` the lower block of ``P(H) (b; 0)`` is ``V P(S) U^T b ~ (A/s)^+ b / (2 kappa)``,
  so the output state is ``|A^+ b>`` (``A^{-1} b`` for square invertible ``A``);
* :func:`ridge` — the same on the augmented ``[X; sqrt(lam) I]`` with right-hand side ``(y; 0)``:
  ``[X; sqrt(lam) I]^+ (y; 0) = (X^T X + lam I)^{-1} X^T y``, the ridge / LS-SVM weights. Every
  singular value of the augmented matrix is at least ``sqrt(lam)``, so ``kappa = s / sqrt(lam)``
  is a guaranteed bound (the default);
* :func:`pca` — even spectral filter ``P(x) ~ 1[|x| >= cutoff]`` applied to ``(0; g)`` for a guiding
  vector ``g``: the lower block is ``V P(S) V^T g``, the part of ``g`` on the right singular vectors
  of ``X`` with ``sigma / s >= cutoff`` (the top principal components).

Each returns an :class:`AlgorithmResult`: the normalised output state, the success probability of
the post-selection (``||P(H) b||^2`` for a normalised input, times the input preparation's success
in sketched modes), the number of block-encoding queries and the element samples consumed. In
sketched modes the right-hand side ``|b>`` is itself prepared by the vector-state sketch
(:func:`qsjax.vector_state`) in the same mode. The row and column oracles are exact at operator
level (their sample cost is in :mod:`qsjax.resources`).

``method`` (every function): how the polynomial is applied, see
:meth:`qsjax.SparseAccessEncoding.polynomial`. ``"auto"`` (default) uses the spectral path (the SVD
of the embedded block, float64) in the ideal and expected modes, whose queries all see one fixed
operator, and the per-query Chebyshev recurrence in the counts and sampled modes.

Polynomial construction. Constructions are cached (the same ``kappa``/``epsilon`` or filter
arguments give the same :class:`qsjax.ChebPoly` object within a process). Beyond the Remez range of
:func:`qsjax.inverse_polynomial` (``kappa ln(1/(2 epsilon)) > 0.9 REMEZ_MAX_DEGREE``: ``kappa >~ 2900``
at ``epsilon = 1e-3``, ``~2100`` at ``1e-4``) its smooth fallback searches the degree with ~18
builds (~12 minutes at degree ~9e4, ``kappa ~ 4500``); here the degree is instead set directly to
``1.35 x`` its closed-form estimate ``kappa max(0.9 L, 3 L - 6)`` (``L = ln(1/epsilon)``; measured
degrees are 1.05-1.35 x the estimate) and grown by 10% until the measured error meets ``epsilon``:
normally one build (~40 s at degree 9e4), a degree at most ~30% above the searched one (2% at
``kappa ~ 4500``, ``epsilon = 1e-3``).
"""

from __future__ import annotations

import functools
import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import scipy.sparse
from jaxtyping import Array, Float

from .._internal.validate import check_key, positive_int
from ..blockencoding._sparse import SparseAccessEncoding, sparse_access_encoding
from ..data._matrix import (
    AbstractMatrixSource,
    hermitian_embedding,
    ridge_augmentation,
    sparse_matrix,
)
from ..data._sources import VectorData
from ..qsp._poly import MAX_POLY_DEGREE, ChebPoly, inverse_polynomial, spectral_filter_polynomial
from ..qsp._remez import REMEZ_MAX_DEGREE
from ..sketch._modes import AbstractMode, Ideal, as_mode
from ..states._vector import vector_state


class AlgorithmResult(eqx.Module):
    """Output of a QSVT linear-algebra run.

    ``state``: the normalised output state (real up to rounding in ideal mode); ``success_probability``:
    probability of the post-selection that prepares it; ``queries``: block-encoding queries
    (polynomial degree); ``samples``: element samples consumed (``queries x M``, plus the samples of
    the input-state sketch in sketched modes); ``polynomial``: the polynomial applied; ``method``:
    how it was applied (``"spectral"`` or ``"recurrence"``, see
    :meth:`qsjax.SparseAccessEncoding.polynomial`).
    """

    state: Array
    success_probability: Float[Array, ""]
    queries: int = eqx.field(static=True)
    samples: Float[Array, ""]
    polynomial: ChebPoly
    method: str = eqx.field(static=True, default="recurrence")


def _as_source(a, name: str, rescale: bool) -> tuple[AbstractMatrixSource, float]:
    if isinstance(a, AbstractMatrixSource):
        src = a
        big = src.max_abs()
    else:
        src = sparse_matrix(a)
        # from the host copy of the values (an eager device reduction would compile per shape)
        big = float(np.max(np.abs(np.asarray(src.vals))))
    if big > 1.0 and not rescale:
        raise ValueError(
            f"{name} has entries up to |{name}_ij| = {big:.6g} but the element oracle needs "
            f"|{name}_ij| <= 1: "
            f"pass rescale=True (the output state does not depend on the scale of {name}) or divide "
            f"{name} by its largest entry"
        )
    return src, (1.0 / big if big > 1.0 else 1.0)


def _check_rhs(b, n: int, name: str) -> np.ndarray:
    if scipy.sparse.issparse(b):
        b = b.toarray()
    arr = np.asarray(b, dtype=np.float64).reshape(-1) if np.ndim(b) else None
    if arr is None or np.ndim(b) != 1 or arr.shape[0] != n:
        raise ValueError(f"{name} must be a vector of length {n}, got shape {np.shape(b)}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or inf")
    if not arr.any():
        raise ValueError(f"{name} is zero: there is no state to prepare")
    return arr


def _input_state(vec: np.ndarray, mode: AbstractMode, key, dtype):
    """``|vec>`` exactly (ideal) or prepared by the vector-state sketch in ``mode``: (state, success,
    samples)."""
    if isinstance(mode, Ideal):
        v = jnp.asarray(vec / np.linalg.norm(vec), dtype)
        return v, jnp.asarray(1.0, dtype), jnp.asarray(0.0, dtype)
    k_signs, k_run = jax.random.split(key)
    sk = vector_state(VectorData(jnp.asarray(vec, dtype)), k_signs)
    res = sk.run(mode, key=k_run)
    state = res.normalized_state[: vec.shape[0]]
    state = state / jnp.linalg.norm(state)
    return state, res.success_probability, res.samples


def _run(
    enc: SparseAccessEncoding, poly: ChebPoly, rhs, mode, key, *, at: int, read: slice, method: str
) -> AlgorithmResult:
    """``P(H)`` on the input state ``|rhs>`` placed at rows ``at:`` of the embedding; the output is
    the ``read`` block, normalised, with its post-selection probability."""
    dtype = enc.oracle.t.dtype
    method = enc.resolve_method(method, mode)  # refuse a bad method before any work
    key_b = mode_key = None
    if mode.needs_key:
        key_b, mode_key = jax.random.split(check_key(key))
    elif not isinstance(mode, Ideal):  # deterministic sketched mode: the |b> sketch's signs only
        key_b = jax.random.key(0) if key is None else check_key(key)
    inp, p_in, s_in = _input_state(rhs, mode, key_b, dtype)
    vec = _place(inp, enc.shape[0], at)
    out = enc.polynomial(poly, vec, mode, key=mode_key, method=method)
    state, prob = _normalise(out, p_in, read.start, read.stop if read.stop is not None else out.shape[-1])
    return AlgorithmResult(
        state=state,
        success_probability=prob.astype(dtype),
        queries=poly.degree,
        samples=jnp.asarray(poly.degree * float(mode.samples), dtype) + s_in,
        polynomial=poly,
        method=method,
    )


@functools.partial(jax.jit, static_argnums=(1, 2))
def _place(inp, size: int, at: int):
    return jnp.zeros((size,), inp.dtype).at[at : at + inp.shape[0]].set(inp)


@functools.partial(jax.jit, static_argnums=(2, 3))
def _normalise(out, p_in, start: int, stop: int):
    out = out[start:stop]
    norm2 = jnp.sum(jnp.abs(out) ** 2)
    return out / jnp.sqrt(norm2), norm2 * p_in


def _check_kappa(kappa) -> float:
    if isinstance(kappa, bool) or not isinstance(kappa, int | float | np.floating | np.integer):
        raise TypeError(f"kappa must be a real number > 1, got {kappa!r}")
    kappa = float(kappa)
    if not math.isfinite(kappa) or kappa <= 1.0:
        raise ValueError(f"kappa must be a finite number > 1 (a condition-number bound), got {kappa!r}")
    return kappa


def _check_epsilon(epsilon) -> float:
    if isinstance(epsilon, bool) or not isinstance(epsilon, int | float | np.floating | np.integer):
        raise TypeError(f"epsilon must be a real number in (0, 1), got {epsilon!r}")
    eps = float(epsilon)
    if not 0.0 < eps < 1.0:
        raise ValueError(f"epsilon must be in (0, 1) (the polynomial's error), got {epsilon!r}")
    return eps


@functools.lru_cache(maxsize=64)
def _inverse_poly(kappa: float, epsilon: float) -> ChebPoly:
    """:func:`inverse_polynomial` (cached), with a direct degree choice beyond the Remez range."""
    remez_start = math.log(max(0.5, epsilon) / epsilon) / math.atanh(1.0 / kappa)
    if epsilon >= 1e-10 and remez_start <= 0.9 * REMEZ_MAX_DEGREE:
        return inverse_polynomial(kappa, epsilon)  # near-minimax: qsjax.qsp chooses the degree
    log_inv = math.log(1.0 / epsilon)
    estimate = kappa * max(0.9 * log_inv, 3.0 * log_inv - 6.0)
    cap = MAX_POLY_DEGREE if MAX_POLY_DEGREE % 2 else MAX_POLY_DEGREE - 1
    degree = min(cap, int(1.35 * estimate) | 1)
    while estimate <= cap:
        poly = inverse_polynomial(kappa, degree=degree, method="smooth")
        if poly.approx_error <= epsilon:
            return poly
        if degree >= cap:
            break
        degree = min(cap, int(1.1 * degree) | 1)
    return inverse_polynomial(kappa, epsilon)  # refuses with the library's message (degree cap)


FILTER_REMEZ_MAX_DEGREE = 1024
"""Largest degree at which :func:`pca`'s filter is the Remez (minimax) polynomial; above it the
erf-based construction (``method="smooth"`` of :func:`qsjax.spectral_filter_polynomial`). The
exchange costs ``O(degree^2)`` per iteration: at the default degree of a narrow window
(:func:`pca_degree`, ~2e4) it took ~7 minutes here, the smooth construction 3.3 s, with error
3.8e-8 against the 1e-6 the degree rule aims at (Remez: 6e-12, 19 s at degree 2764)."""


def _build_filter(degree: int, cutoff, gap) -> ChebPoly:
    method = "remez" if degree <= FILTER_REMEZ_MAX_DEGREE else "smooth"
    return spectral_filter_polynomial(degree, cutoff, gap, method=method)


_cached_filter = functools.lru_cache(maxsize=64)(_build_filter)


def _filter_poly(degree: int, cutoff, gap) -> ChebPoly:
    try:
        return _cached_filter(degree, cutoff, gap)
    except TypeError as exc:  # unhashable arguments (e.g. arrays): build without the cache
        if "unhashable" not in str(exc):
            raise
        return _build_filter(degree, cutoff, gap)


def _check_lam(lam) -> float:
    if isinstance(lam, bool) or not isinstance(lam, int | float | np.floating | np.integer):
        raise TypeError(f"lam must be a real number > 0, got {lam!r}")
    lam = float(lam)
    if not math.isfinite(lam) or lam <= 0.0:
        raise ValueError(f"lam must be a finite number > 0 (the ridge regulariser), got {lam!r}")
    return lam


def _ridge_scaling(scale: float, lam: float, rescale: bool) -> tuple[float, float]:
    """The factor ``c`` that :func:`ridge` multiplies ``X`` by (``scale`` brings the entries into
    ``[-1, 1]``) and the regulariser ``c^2 lam`` it then encodes (at most 1)."""
    lam = lam * scale**2
    if lam > 1.0:
        if not rescale:
            raise ValueError(
                f"lam = {lam:.6g} puts sqrt(lam) > 1 on the augmented matrix's diagonal, beyond what the "
                "element oracle encodes: pass rescale=True (w is unchanged) or rescale x and lam"
            )
        return scale / math.sqrt(lam), 1.0
    return scale, lam


def _ridge_problem(x, lam, rescale: bool) -> tuple[AbstractMatrixSource, float]:
    """``(X, lam)`` as :func:`ridge` encodes them: entries in ``[-1, 1]``, ``lam <= 1``."""
    src, scale = _as_source(x, "x", rescale)
    lam = _check_lam(lam)
    factor, lam = _ridge_scaling(scale, lam, rescale)
    if factor != 1.0:
        src = src.scaled(factor)
    return src, lam


def _default_ridge_kappa(sparsity: int, lam: float) -> float:
    return max(sparsity / math.sqrt(lam), 1.0 + 1e-9)


def ridge_kappa(x, lam: float, *, rescale: bool = False) -> float:
    """The condition-number bound :func:`ridge` uses by default: ``s / sqrt(lam)``.

    ``s`` is the sparsity of the Hermitian embedding of ``[X; sqrt(lam) I]`` (``max`` of the row
    sparsity of ``X`` and its column sparsity plus one) and ``lam`` the regulariser after the
    rescaling :func:`ridge` applies (``rescale=True``: ``X`` brought into ``[-1, 1]``, then ``X`` and
    ``lam`` scaled together until ``lam <= 1``). Computed on the host from a scipy.sparse or dense
    ``x`` (no encoding is built).

    Parameters
    ----------
    x : scipy.sparse matrix, dense array or matrix source, shape (N, D).
    lam : float > 0.
    rescale : as in :func:`ridge`.

    Returns
    -------
    float
    """
    if isinstance(x, AbstractMatrixSource):
        src, lam = _ridge_problem(x, lam, rescale)
        return _default_ridge_kappa(ridge_augmentation(src, lam).sparsity, lam)
    lam = _check_lam(lam)
    mat = scipy.sparse.csr_array(x if scipy.sparse.issparse(x) else np.asarray(x, np.float64))
    mat.eliminate_zeros()
    if mat.ndim != 2 or mat.nnz == 0:
        return ridge_kappa(sparse_matrix(x), lam, rescale=rescale)  # the library's errors
    big = float(np.max(np.abs(mat.data)))
    if big > 1.0 and not rescale:
        _as_source(x, "x", rescale)  # raises the library's message
    _, lam = _ridge_scaling(1.0 / big if big > 1.0 else 1.0, lam, rescale)
    rows = int(np.diff(mat.indptr).max())
    cols = int(np.bincount(mat.indices, minlength=mat.shape[1]).max())
    return _default_ridge_kappa(max(rows, 1, cols + 1), lam)


def solver_polynomial(kappa: float, epsilon: float = 1e-4) -> ChebPoly:
    """The odd ``1/x`` polynomial :func:`linear_solve` and :func:`ridge` apply for ``kappa`` and
    ``epsilon`` (cached; see the module docstring for the degree choice beyond the Remez range).

    Parameters
    ----------
    kappa : float > 1.
    epsilon : float in (0, 1).

    Returns
    -------
    ChebPoly
        The same object :func:`ridge` uses for these arguments (so ``.degree`` is its query count).
    """
    return _inverse_poly(_check_kappa(kappa), _check_epsilon(epsilon))


def filter_polynomial(degree: int, cutoff: float, gap: float) -> ChebPoly:
    """The even filter :func:`pca` applies (:func:`qsjax.spectral_filter_polynomial`, cached): the
    Remez polynomial up to degree :data:`FILTER_REMEZ_MAX_DEGREE`, the smooth construction above.

    Parameters
    ----------
    degree : even int.
    cutoff, gap : float, as in :func:`pca`.

    Returns
    -------
    ChebPoly
    """
    return _filter_poly(positive_int(degree, "degree"), cutoff, gap)


def pca_degree(gap: float) -> int:
    """The default degree of :func:`pca`: ``2 ceil(ln(1e6) / gap)``, even (the filter construction's
    measured rate for error 1e-6).

    Parameters
    ----------
    gap : float > 0.

    Returns
    -------
    int
    """
    return 2 * math.ceil(math.log(1e6) / max(float(gap), 1e-12))


def linear_solve(
    a,
    b,
    *,
    kappa: float,
    epsilon: float = 1e-4,
    mode: str | AbstractMode = "ideal",
    m=None,
    key=None,
    rescale: bool = False,
    method: str = "auto",
) -> AlgorithmResult:
    """Prepare ``|x> ∝ A^+ b`` by QSVT (``1/x``) on the sketched block encoding of ``A`` (DESIGN.md 1.8).

    Parameters
    ----------
    a : scipy.sparse matrix, dense array or matrix source, shape (n, d), entries in ``[-1, 1]``
        (or ``rescale=True``).
    b : array (n,), real, nonzero.
    kappa : bound with every nonzero singular value of ``A / s`` in ``[1/kappa, 1]`` (``s`` = the
        sparsity of the Hermitian embedding, ``max`` of row and column sparsity of ``A``).
    epsilon : accuracy of the ``1/x`` polynomial on ``[1/kappa, 1]`` (relative to its peak 1/2).
    mode, m, key : simulation mode of every element-oracle query (and of the ``|b>`` sketch);
        ``key`` draws the samples and the ``|b>`` sketch's random signs (``expected`` mode takes
        the signs from ``key``, default ``jax.random.key(0)``).
    rescale : divide ``A`` by ``max |A_ij|`` when it exceeds 1 (the state is unchanged).
    method : {"auto", "recurrence", "spectral"}: how the polynomial is applied (module docstring).

    Returns
    -------
    AlgorithmResult
    """
    src, scale = _as_source(a, "a", rescale)
    if scale != 1.0:
        src = src.scaled(scale)
    rhs = _check_rhs(b, src.shape[0], "b")
    kappa = _check_kappa(kappa)
    mode = as_mode(mode, m)
    enc = sparse_access_encoding(hermitian_embedding(src))
    enc.resolve_method(method, mode)
    poly = _inverse_poly(kappa, _check_epsilon(epsilon))
    return _run(enc, poly, rhs, mode, key, at=0, read=slice(src.shape[0], None), method=method)


def ridge(
    x,
    y,
    lam: float,
    *,
    kappa: float | None = None,
    epsilon: float = 1e-4,
    mode: str | AbstractMode = "ideal",
    m=None,
    key=None,
    rescale: bool = False,
    method: str = "auto",
) -> AlgorithmResult:
    """Prepare the ridge / LS-SVM weights ``|w> ∝ (X^T X + lam I)^{-1} X^T y`` (DESIGN.md 1.8).

    QSVT ``1/x`` on the Hermitian embedding of ``[X; sqrt(lam) I]`` (size ``N + 2D``, sparsity
    ``s + 1``), generated from ``X``'s samples on the fly. ``lam > 0``. The default ``kappa`` is
    ``s / sqrt(lam)``: every singular value of the augmented matrix is at least ``sqrt(lam)`` and at
    most ``s``, so it always holds (a smaller valid bound, e.g. from the data's spectrum, gives a
    lower degree). With ``rescale=True``, ``X`` and ``lam`` are rescaled together (``X -> c X``,
    ``lam -> c^2 lam``), which leaves ``w`` unchanged up to its norm. ``epsilon``, ``mode``, ``m``,
    ``key`` and ``method`` as in :func:`linear_solve`.

    Returns
    -------
    AlgorithmResult
        ``state`` is ``|w>`` (length ``D``).
    """
    src, lam = _ridge_problem(x, lam, rescale)
    rhs = _check_rhs(y, src.shape[0], "y")
    aug = ridge_augmentation(src, lam)
    enc = sparse_access_encoding(hermitian_embedding(aug))
    if kappa is None:
        kappa = _default_ridge_kappa(enc.sparsity, lam)
    kappa = _check_kappa(kappa)
    mode = as_mode(mode, m)
    enc.resolve_method(method, mode)
    poly = _inverse_poly(kappa, _check_epsilon(epsilon))
    n, d = src.shape
    full_rhs = np.concatenate([rhs, np.zeros(d)])  # (y; 0_D) on the rows of [X; sqrt(lam) I]
    return _run(enc, poly, full_rhs, mode, key, at=0, read=slice(n + d, None), method=method)


def pca(
    x,
    guide,
    *,
    cutoff: float,
    gap: float,
    degree: int | None = None,
    mode: str | AbstractMode = "ideal",
    m=None,
    key=None,
    rescale: bool = False,
    method: str = "auto",
) -> AlgorithmResult:
    """Filter a guiding vector onto the top principal components of ``X`` (DESIGN.md 1.8).

    An even spectral filter ``P(x) ~ 1[|x| >= cutoff]`` (transition half-width ``gap``) of the
    embedding of ``X / s`` applied to ``(0; g)``: the output is ``∝ sum_{sigma_i / s >= cutoff}
    v_i <v_i|g>``, the top right singular vectors (principal axes of the uncentred data). Put
    ``cutoff`` between ``sigma_1 / s`` and ``sigma_2 / s``, ``gap`` below half their distance.
    ``degree`` (even) defaults to the smallest even degree with filter error below 1e-6 by the
    construction's measured rate ``~ (2 / gap) ln(1/1e-6)``. The success probability is the squared
    overlap of ``g / ||g||`` with the kept subspace. ``mode``, ``m``, ``key`` and ``method`` as in
    :func:`linear_solve`.

    Returns
    -------
    AlgorithmResult
        ``state`` is the filtered guide (length ``D``).
    """
    src, scale = _as_source(x, "x", rescale)
    if scale != 1.0:
        src = src.scaled(scale)
    n, d = src.shape
    g = _check_rhs(guide, d, "guide")
    mode = as_mode(mode, m)
    if degree is None:
        degree = pca_degree(gap)
    degree = positive_int(degree, "degree")
    enc = sparse_access_encoding(hermitian_embedding(src))
    enc.resolve_method(method, mode)
    poly = _filter_poly(degree, cutoff, gap)
    # the guide sits on the column block: run on (0; g), read the column block back
    return _run(enc, poly, g, mode, key, at=n, read=slice(n, None), method=method)
