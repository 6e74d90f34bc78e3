"""Interferometric classical shadows (DESIGN.md 1.7, Lemma F.16): a classical model of ``|w>`` whose
predictions of ``Re <x|w>`` keep the sign.

State and observable
--------------------
On ``n + 1`` qubits (the interferometric qubit is the *top* qubit, bit ``n`` of a basis index) ::

    |psi> = (|0>|0^n> + |1>|w>) / sqrt(2),        O_x = |x+><x+| - |x-><x-|,
    |x+-> = (|0, 0^n> +- |1, x>) / sqrt(2),       O_x = |0,0^n><1,x| + |1,x><0,0^n|,

so ``tr O_x = 0``, ``tr O_x^2 = 2 ||x||^2`` and ``tr(O_x psi) = Re <x|w>``. ``w`` is normalised by
:func:`interferometric_state`; ``x`` is used *as given* (the estimates are linear in ``x``: for a
unit ``x`` they estimate the overlap of two unit vectors).

Snapshots and estimators
------------------------
Snapshot ``k`` is a uniformly random Clifford ``C_k`` on ``n + 1`` qubits and an outcome
``b_k ~ |<b|C_k|psi>|^2``; the model stores only these (``O(n^2)`` bits each). With
``phi_k = C_k^dagger |b_k>`` and ``d = 2^{n+1}`` the global-Clifford inverse channel gives the
unbiased single-snapshot estimate ::

    o_k(x) = (d + 1) <phi_k|O_x|phi_k> - tr O_x = 2 (d + 1) Re(conj(alpha_k) beta_k(x)),
    alpha_k = <0, 0^n|phi_k>,  beta_k(x) = <1, x|phi_k> = sum_u conj(x_u) phi_k(1, u),

of variance at most ``3 tr O_x^2 = 6 ||x||^2``. Every amplitude comes from the stored form in closed
form (``qsjax.kernels.clifford_amplitudes``); snapshots with ``alpha_k = 0`` (their support misses
``|0, 0^n>``) contribute nothing and are skipped.

Median of means: the ``T`` snapshots are split, in order, into ``K = ceil(8 ln(1/delta))`` groups of
sizes differing by at most one. If each group has ``m >= 4 sigma^2 / eps^2`` snapshots, Chebyshev
bounds the chance that a group mean misses by ``eps`` by ``1/4`` and Hoeffding the chance that half
the groups miss by ``exp(-2K (1/4)^2) = exp(-K/8) <= delta``; so with probability ``>= 1 - delta``
the median of the group means is within :func:`shadow_error_bound` ``= 2 sigma sqrt(K / T)`` of
``Re <x|w>`` (``sigma^2 = 6 ||x||^2``).

Many test vectors at once (exact). The estimators are linear in ``beta_k``, so per group ``g`` the
vector ``V_g(u) = sum_{k in g} conj(alpha_k) phi_k(1, u)`` is accumulated once over the snapshots,
at the union ``U`` of the test vectors' nonzeros (or at every ``u`` when ``U`` is large: the whole
half-state from the closed form, no Hadamard transform), and then every prediction is one sparse
row times ``V``: ``2 (d+1) / T_g Re sum_u conj(x_u) V_g(u)``.
"""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import scipy.sparse
from jaxtyping import Array, ArrayLike, Complex, Float, UInt32

from .._internal.validate import check_key, integer_arg, is_concrete, real_scalar, sample_count
from ..kernels import clifford_amplitudes, measure_clifford, stabilizer_state
from ..random import Clifford, random_clifford

MAX_SHADOW_QUBITS = 30
"""Largest ``n`` of ``|w>`` (``n + 1`` qubits with the interferometric one, ``2^{n+1}`` amplitudes
per snapshot while sampling)."""

SHADOW_VARIANCE = 6.0
"""The variance bound ``3 tr O_x^2 = 6`` of one snapshot's estimate of ``Re <x|w>`` for a unit ``x``."""


# ----------------------------------------------------------------------------- state


def _vector(w, name: str) -> Array:
    if isinstance(w, str | bytes) or w is None:
        raise TypeError(f"{name} must be an array of numbers, got {type(w).__name__}")
    try:
        arr = jnp.asarray(w)
    except TypeError as exc:
        raise TypeError(f"{name} must be an array of numbers, got {type(w).__name__}") from exc
    if not (jnp.issubdtype(arr.dtype, jnp.number) or arr.dtype == jnp.bool_):
        raise TypeError(f"{name} must be an array of numbers, got dtype {arr.dtype}")
    if not jnp.issubdtype(arr.dtype, jnp.complexfloating):
        real = arr.dtype if jnp.issubdtype(arr.dtype, jnp.floating) else jnp.result_type(float)
        arr = arr.astype(jnp.result_type(real, jnp.complex64))
    return arr


def _register(dim: int, name: str) -> int:
    if dim < 1 or dim & (dim - 1):
        raise ValueError(f"{name} must have a power-of-two length 2**n (zero-pad it), got length {dim}")
    n = dim.bit_length() - 1
    if n > MAX_SHADOW_QUBITS:
        raise ValueError(f"{name} has 2**{n} entries; the limit is 2**{MAX_SHADOW_QUBITS}")
    return n


def interferometric_state(w: Complex[ArrayLike, "... D"]) -> Complex[Array, "... 2D"]:
    """``(|0>|0^n> + |1>|w>) / sqrt(2)`` with ``w`` normalised (leading axes: a batch of ``w``).

    The interferometric qubit is the top one: entry ``0`` is ``1/sqrt(2)``, entries ``D + u`` are
    ``w_u / (sqrt(2) ||w||)``. ``w`` must have a power-of-two length ``D = 2^n``, finite entries and
    non-zero norm (``ValueError`` otherwise, when concrete).
    """
    w = _vector(w, "w")
    if w.ndim < 1:
        raise ValueError(f"w must be a vector (or a batch of vectors), got shape {w.shape}")
    _register(w.shape[-1], "w")
    if is_concrete(w):
        vals = np.asarray(w)
        if not np.isfinite(vals).all():
            raise ValueError("w contains NaN or inf")
        norms = np.linalg.norm(vals.reshape(-1, vals.shape[-1]), axis=-1)
        if not (norms > 0).all():
            raise ValueError(f"w has zero norm (cannot be normalised): norms {norms[:5].tolist()}")
    norm = jnp.linalg.norm(w, axis=-1, keepdims=True)
    r = jnp.asarray(2.0**-0.5, w.real.dtype)
    top = jnp.zeros_like(w).at[..., 0].set(r)
    return jnp.concatenate([top, w * (r / norm)], axis=-1)


# ----------------------------------------------------------------------------- model


class ShadowModel(eqx.Module):
    """``T`` interferometric snapshots of ``|w>``: the Cliffords (compact Bruhat form, a batched
    :class:`qsjax.random.Clifford` on ``n + 1`` qubits) and the outcomes ``b_k`` (basis indices)."""

    cliffords: Clifford
    outcomes: UInt32[Array, " T"]
    n_qubits: int = eqx.field(static=True)  # n of w; the snapshots act on n + 1 qubits

    @property
    def num_snapshots(self) -> int:
        return int(self.outcomes.shape[0])

    @property
    def dimension(self) -> int:
        """``D = 2^n``, the length of ``w`` (test vectors may be shorter: zero-padded)."""
        return 1 << self.n_qubits

    @property
    def memory_bits(self) -> int:
        """Classical memory of the model, packed: ``T (bits per Clifford + n + 1)``, ``O(T n^2)``."""
        return self.num_snapshots * (_clifford_bits(self.n_qubits + 1) + self.n_qubits + 1)

    @property
    def nbytes(self) -> int:
        """Bytes of the stored arrays as held (bit masks in ``uint32`` words)."""
        return self.cliffords.nbytes + int(self.outcomes.size) * self.outcomes.dtype.itemsize


def _clifford_bits(n: int) -> int:
    perm_bits = n * math.ceil(math.log2(n)) if n > 1 else 0
    return 2 * (n * n + 2 * n) + n + perm_bits


def _draw(key: Array, psi: Array, n_total: int):
    kc, kb = jax.random.split(key)
    c = random_clifford(kc, n_total)
    return c, measure_clifford(kb, psi, c)


def interferometric_shadows(
    key: Array, w: Complex[ArrayLike, " D"], num_snapshots: int, *, batch_size: int = 256
) -> ShadowModel:
    """Draw ``T = num_snapshots`` interferometric shadow snapshots of ``|w>``.

    Each snapshot: a uniformly random Clifford on ``n + 1`` qubits (``qsjax.random.random_clifford``)
    and one outcome from the exact output distribution ``|<b|C|psi>|^2`` (``measure_clifford``),
    snapshot ``k`` from ``jax.random.split(key, T)[k]`` (the result does not depend on
    ``batch_size``). ``jax.lax.map(..., batch_size=batch_size)`` bounds the memory to
    ``batch_size`` statevectors of ``2^{n+1}`` amplitudes.
    """
    key = check_key(key)
    t = sample_count(num_snapshots, "num_snapshots", allow_traced=False, max_value=2**31 - 1)
    bs = integer_arg(batch_size, "batch_size", "a positive integer")
    if bs < 1:
        raise ValueError(f"batch_size must be a positive integer, got {bs}")
    psi = interferometric_state(w)
    if psi.ndim != 1:
        raise ValueError(f"w must be one vector, got shape {jnp.shape(w)} (vmap for a batch)")
    n = psi.shape[-1].bit_length() - 2
    keys = jax.random.split(key, t)
    cliffords, outcomes = _draw_all(keys, psi, n + 1, min(bs, t))
    return ShadowModel(cliffords=cliffords, outcomes=outcomes, n_qubits=n)


@eqx.filter_jit
def _draw_all(keys, psi, n_total: int, batch_size: int):
    return jax.lax.map(lambda k: _draw(k, psi, n_total), keys, batch_size=batch_size)


# ----------------------------------------------------------------------------- estimators


def median_of_means_groups(delta: float) -> int:
    """``K = ceil(8 ln(1/delta))`` groups for failure probability ``delta`` in ``(0, 1)``."""
    d = real_scalar(delta, "delta")
    if not 0 < d < 1:
        raise ValueError(f"delta must be in (0, 1), got {delta!r}")
    return max(1, math.ceil(8 * math.log(1 / d)))


def shadow_error_bound(num_snapshots: int, delta: float, variance: float = SHADOW_VARIANCE) -> float:
    """``eps = 2 sqrt(variance K / T)``: with probability ``>= 1 - delta`` the median of ``K`` group
    means (``K`` = :func:`median_of_means_groups`) is within ``eps`` of the target."""
    t = sample_count(num_snapshots, "num_snapshots", allow_traced=False)
    v = real_scalar(variance, "variance")
    if not v >= 0:
        raise ValueError(f"variance must be non-negative, got {variance!r}")
    return 2.0 * math.sqrt(v * median_of_means_groups(delta) / t)


class ShadowPrediction(eqx.Module):
    """Predictions for ``m`` test vectors: ``mean`` (all snapshots), ``median_of_means`` (median of
    the ``groups`` group means) and the group means themselves (``(m, K)``)."""

    mean: Float[Array, " m"]
    median_of_means: Float[Array, " m"]
    group_means: Float[Array, "m K"]
    groups: int = eqx.field(static=True)


def _test_vectors(x, dim: int) -> tuple[scipy.sparse.csr_matrix, bool]:
    """Test vectors as CSR rows of length ``dim`` (zero-padded), and whether a single vector."""
    single = False
    if scipy.sparse.issparse(x):
        mat = scipy.sparse.csr_matrix(x)
    else:
        if isinstance(x, str | bytes) or x is None:
            raise TypeError(f"x must be an array or a scipy.sparse matrix of test vectors, got {x!r}")
        try:
            arr = np.asarray(x)
        except Exception as exc:  # noqa: BLE001
            raise TypeError(f"x must be an array of numbers, got {type(x).__name__}") from exc
        if arr.dtype.kind not in "biufc":
            raise TypeError(f"x must be an array of numbers, got dtype {arr.dtype}")
        if arr.ndim == 1:
            single, arr = True, arr[None, :]
        if arr.ndim != 2:
            raise ValueError(f"x must be one test vector or a 2-D array of rows, got shape {arr.shape}")
        mat = scipy.sparse.csr_matrix(arr)
    if mat.shape[1] > dim:
        raise ValueError(
            f"x has dimension {mat.shape[1]} but the model's w has dimension {dim} (shorter test vectors "
            "are zero-padded; longer ones are refused)"
        )
    if mat.dtype.kind not in "biufc":
        raise TypeError(f"x must hold numbers, got dtype {mat.dtype}")
    if not np.isfinite(mat.data).all():
        raise ValueError("x contains NaN or inf")
    mat = scipy.sparse.csr_matrix(mat, dtype=np.complex128)
    mat.resize((mat.shape[0], dim))
    mat.sum_duplicates()
    return mat, single


def _alphas(model: ShadowModel, batch_size: int) -> Array:
    def one(args):
        c, b = args
        return clifford_amplitudes(c, b, jnp.uint32(0))

    return jax.lax.map(one, (model.cliffords, model.outcomes), batch_size=batch_size)


@eqx.filter_jit
def _alphas_jit(model, batch_size: int):
    return _alphas(model, batch_size)


@eqx.filter_jit
def _accumulate(cliffs, outcomes, weights, gids, points, *, groups: int, n: int, dense: bool, chunk: int):
    """``V[g, :] = sum_{k in g} weights_k phi_k(1, points)`` (or the whole ``|1, .>`` half when dense)."""
    dtype = weights.dtype
    size = (1 << n) if dense else points.shape[0]
    top = jnp.uint32(1 << n)

    def contrib(c, b):
        if dense:
            return stabilizer_state(c, b, block_qubits=n, block=1, dtype=dtype)
        return clifford_amplitudes(c, b, points | top, dtype=dtype)

    num = outcomes.shape[0] // chunk
    resh = jax.tree_util.tree_map(
        lambda a: a.reshape(num, chunk, *a.shape[1:]), (cliffs, outcomes, weights, gids)
    )

    def body(acc, xs):
        c, b, wt, g = xs
        phis = jax.vmap(contrib)(c, b) * wt[:, None]
        return acc.at[g].add(phis), None

    acc0 = jnp.zeros((groups, size), dtype)
    acc, _ = jax.lax.scan(body, acc0, resh)
    return acc


def _group_ids(t: int, groups: int) -> np.ndarray:
    return (np.arange(t, dtype=np.int64) * groups) // t


def _check_groups(model: ShadowModel, delta, groups) -> int:
    if groups is None:
        k = median_of_means_groups(0.01 if delta is None else delta)
    else:
        k = integer_arg(groups, "groups", "a positive integer")
        if k < 1:
            raise ValueError(f"groups must be a positive integer, got {k}")
    if k > model.num_snapshots:
        raise ValueError(
            f"median of means with {k} groups needs at least {k} snapshots, the model has "
            f"{model.num_snapshots}; lower groups or raise delta"
        )
    return k


def _check_model(model) -> ShadowModel:
    if not isinstance(model, ShadowModel):
        raise TypeError(f"model must be a qsjax.shadows.ShadowModel, got {type(model).__name__}")
    return model


def predict_overlaps(
    model: ShadowModel,
    x,
    *,
    delta: float | None = None,
    groups: int | None = None,
    chunk: int = 256,
    dense_threshold: float = 0.125,
) -> ShadowPrediction:
    """Estimates of ``Re <x|w>`` for test vectors ``x`` (rows), mean and median of means at once.

    Parameters
    ----------
    model : a :class:`ShadowModel`.
    x : one vector ``(D',)``, an array of rows ``(m, D')`` or a ``scipy.sparse`` matrix of rows, with
        ``D' <= D`` (zero-padded); used as given (not normalised), the estimates are linear in ``x``.
    delta : failure probability of the median of means (default 0.01): ``K = ceil(8 ln(1/delta))``
        groups; or give ``groups`` directly.
    chunk : snapshots per step of the accumulation (memory ``chunk x |U|`` amplitudes).
    dense_threshold : use the whole ``|1, .>`` half-state per snapshot (closed form) when the union
        of nonzeros ``U`` covers more than this fraction of ``D``; else amplitudes at ``U`` only.

    Exact in both schemes (see the module docstring): time ``O(T_alpha min(|U| n, D))`` for the
    ``T_alpha`` snapshots with ``alpha_k != 0``, plus one sparse product per group.
    """
    model = _check_model(model)
    k = _check_groups(model, delta, groups)
    mat, single = _test_vectors(x, model.dimension)
    n, t = model.n_qubits, model.num_snapshots
    dtype = jnp.result_type(1j)  # the default complex dtype: the model itself holds only bits
    alphas = np.asarray(_alphas_jit(model, min(1024, t)))
    keep = np.flatnonzero(alphas != 0)
    gid_all = _group_ids(t, k)
    sizes = np.bincount(gid_all, minlength=k)
    union = np.unique(mat.indices)
    dense = union.size > dense_threshold * model.dimension
    cs = max(1, min(int(chunk), max(keep.size, 1)))
    pad = (-keep.size) % cs if keep.size else cs
    sel = np.concatenate([keep, np.zeros(pad, np.int64)]).astype(np.int64)
    weights = np.concatenate([np.conj(alphas[keep]), np.zeros(pad, alphas.dtype)]).astype(dtype)
    gids = np.concatenate([gid_all[keep], np.zeros(pad, np.int64)]).astype(np.int32)
    sel_j = jnp.asarray(sel)
    cliffs = jax.tree_util.tree_map(lambda a: a[sel_j], model.cliffords)
    points = jnp.asarray(np.arange(1) if dense else union, jnp.uint32)
    acc = _accumulate(
        cliffs,
        model.outcomes[sel_j],
        jnp.asarray(weights),
        jnp.asarray(gids),
        points,
        groups=k,
        n=n,
        dense=bool(dense),
        chunk=cs,
    )
    acc = np.asarray(acc)
    cols = mat if dense else mat[:, union]
    d = 2.0 ** (n + 1)
    sums = np.real(cols.conj() @ acc.T)  # (m, K): Re sum_u conj(x_u) V_g(u)
    real = np.zeros((), dtype).real.dtype
    group_means = (2 * (d + 1)) * sums / sizes[None, :]
    mean = (2 * (d + 1)) * sums.sum(axis=1) / t
    mom = np.median(group_means, axis=1)
    out = ShadowPrediction(
        mean=jnp.asarray(mean, real),
        median_of_means=jnp.asarray(mom, real),
        group_means=jnp.asarray(group_means, real),
        groups=k,
    )
    if single:
        out = jax.tree_util.tree_map(lambda a: a[0], out)
    return out


def _betas(model: ShadowModel, mat: scipy.sparse.csr_matrix, chunk: int):
    """``alpha_k`` and ``beta_k(x)`` for every snapshot and test vector: ``(T,)``, ``(T, m)``."""
    n = model.n_qubits
    dtype = jnp.result_type(1j)  # the default complex dtype: the model itself holds only bits
    union = np.unique(mat.indices)
    if union.size == 0:
        union = np.zeros(1, np.int64)
    xc = jnp.asarray(mat[:, union].conj().toarray().T, dtype)  # (|U|, m)
    points = jnp.asarray(union, jnp.uint32) | jnp.uint32(1 << n)
    return _betas_jit(model, points, xc, min(chunk, model.num_snapshots))


@eqx.filter_jit
def _betas_jit(model, points, xc, chunk: int):
    dtype = xc.dtype

    def one(args):
        c, b = args
        alpha = clifford_amplitudes(c, b, jnp.uint32(0), dtype=dtype)
        phi = clifford_amplitudes(c, b, points, dtype=dtype)
        return alpha, phi @ xc

    return jax.lax.map(one, (model.cliffords, model.outcomes), batch_size=chunk)


def single_snapshot_estimates(model: ShadowModel, x, *, chunk: int = 256) -> Float[Array, "T ..."]:
    """Every snapshot's estimate ``o_k(x) = 2 (d + 1) Re(conj(alpha_k) beta_k(x))``: shape ``(T,)`` for
    one vector, ``(T, m)`` for rows. ``O(T |U| n)`` (amplitudes at the union ``U`` of nonzeros)."""
    model = _check_model(model)
    mat, single = _test_vectors(x, model.dimension)
    alpha, beta = _betas(model, mat, chunk)
    d = 2.0 ** (model.n_qubits + 1)
    est = 2 * (d + 1) * jnp.real(jnp.conj(alpha)[:, None] * beta)
    return est[:, 0] if single else est


def _summarise(per: Array, k: int) -> ShadowPrediction:
    t = per.shape[0]
    gid = jnp.asarray(_group_ids(t, k))
    sizes = jnp.asarray(np.bincount(_group_ids(t, k), minlength=k), per.dtype)
    sums = jax.ops.segment_sum(per, gid, num_segments=k)  # (K, m)
    group_means = (sums / sizes[:, None]).T
    return ShadowPrediction(
        mean=jnp.mean(per, axis=0),
        median_of_means=jnp.median(group_means, axis=1),
        group_means=group_means,
        groups=k,
    )


def predict_fidelities(
    model: ShadowModel, x, *, delta: float | None = None, groups: int | None = None, chunk: int = 256
) -> ShadowPrediction:
    """The plain global-Clifford shadow estimate of ``|<x|w>|^2`` (sign-blind), for comparison.

    With ``O = |1, x><1, x|`` (``tr O = ||x||^2``, ``tr(O psi) = |<x|w>|^2 / 2``) one snapshot gives
    ``2 ((d + 1) |beta_k(x)|^2 - ||x||^2)``; not linear in ``beta``, so each test vector costs
    ``O(T nnz(x) n)``: meant for a moderate number of test vectors.
    """
    model = _check_model(model)
    k = _check_groups(model, delta, groups)
    mat, single = _test_vectors(x, model.dimension)
    _, beta = _betas(model, mat, chunk)
    d = 2.0 ** (model.n_qubits + 1)
    norms = jnp.asarray(np.asarray(abs(mat).power(2).sum(axis=1)).ravel(), jnp.real(beta).dtype)
    per = 2 * ((d + 1) * jnp.abs(beta) ** 2 - norms[None, :])
    out = _summarise(per, k)
    if single:
        out = jax.tree_util.tree_map(lambda a: a[0], out)
    return out
