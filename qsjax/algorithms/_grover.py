"""Queries built from sketches: Grover search and fixed-point amplitude amplification.

Grover search with sketched oracles (DESIGN.md 1.6)
----------------------------------------------------
``K`` marked items among ``N`` (truth table ``f`` with ``K`` ones, uniform ``p``). Each of the ``Q``
Grover iterations is one oracle query followed by the diffusion ``D = 2|+><+| - I``
(``psi -> 2 mean(psi) - psi``: ``O(N)``, no matrix). Every query is a *fresh* sketch (fresh samples):
query ``j`` of a trajectory with key ``key`` draws from ``fold_in(key, j)``. The oracle is viewed in
one of four modes, given by name with ``m`` (``mode="counts"``, as :func:`qsjax.evaluate`) or as a
mode value carrying its own ``m`` (``mode=qsjax.Counts(10**6)``):

========== ====================================================================== ===========
mode       one query                                                              per query
========== ====================================================================== ===========
ideal      the phase oracle ``O_f = diag((-1)^f)``                                ``O(N)``
expected   ``E[V]`` (not unitary: the paper's pessimistic proxy)                  ``O(N)``
counts     one realisation ``V`` (fresh multinomial counts); a trajectory         ``O(N)``
channel    the exact averaged channel ``rho -> chi ⊙ rho``, then ``D rho D``        ``O(N^2)``
========== ====================================================================== ===========

The success probability is the probability (``sum_x f_x |psi_x|^2`` or ``sum_x f_x rho_xx``) of
measuring a marked item. Ideal Grover gives ``sin^2((2Q + 1) theta)``, ``sin^2 theta = K / N``
(:func:`grover_ideal_success`); :func:`grover_success_curve` gives the success after every
iteration from one run. ``Q`` sets a loop length and must be a concrete integer; ``M`` (the
samples per query) may be traced, so a sweep over ``M`` compiles once, and ``expected``/``channel``
are differentiable in ``M``. Inside, the mode value is an argument of the compiled program: its
class (the kind of evolution) is static, its ``m`` a traced leaf, so one compilation serves every
``M``. Each kind of mode has one small evolution (a fixed diagonal per query for ``ideal`` and
``expected``, a fresh one per query for ``counts``, a density matrix for ``channel``), chosen from
the mode's class; ``sampled`` is refused (:class:`qsjax.UnsupportedModeError`): ``counts`` draws
realisations with the same law in ``O(N)`` per query.

In ``counts`` mode with few marked items (``0 < K <= N / 8``) and a concrete truth table, each
query draws only the ``K`` marked counts (``O(K)``, the same law, a different realisation for the
same key than the ``O(N)`` draw). The truth table is not concrete when the call is traced
(``jax.jit`` around it, even over ``M`` alone): the program then draws all ``N`` counts, so the same
key gives a different (equally distributed) trajectory inside and outside ``jit``.

``channel`` mode holds the ``(N, N)`` density matrix and refuses ``N > MAX_DENSE_DIM = 2**13`` before
allocating (average ``counts`` trajectories beyond). For 0/1 data sampled uniformly (``p=None``) the
channel ``chi`` takes four values off the diagonal, so it is formed on the fly inside the loop and the
loop carry is the only ``(N, N)`` buffer (peak ~ one matrix: 256 MiB at N = 2**12 in complex128).
Every ``key`` is checked (``check_key``): a single threefry key; map over batches with ``jax.vmap``.

Fixed-point amplitude amplification (Yoder, Low & Chuang, PRL 113, 210501, 2014)
--------------------------------------------------------------------------------
For ``A|s0> = sqrt(lam)|good> + sqrt(1 - lam)|bad>`` the sequence
``G(alpha_l, beta_l) ... G(alpha_1, beta_1) A|s0>`` with

* ``G(alpha, beta) = -S_s(alpha) S_t(beta)``,
* ``S_t(beta) = I - (1 - e^{i beta}) Pi_good`` (a phase on the good subspace: the oracle),
* ``S_s(alpha) = A S_0(alpha) A^dagger``, ``S_0(alpha) = I - (1 - e^{-i alpha}) |s0><s0|``,

uses ``A``/``A^dagger`` ``L = 2l + 1`` times. With the closed-form phases
``alpha_j = -beta_{l+1-j} = 2 arccot(tan(2 pi j / L) sqrt(1 - gamma^2))``,
``1/gamma = T_{1/L}(1/delta)``, the success probability is exactly
``P_L(lam) = 1 - delta^2 T_L(T_{1/L}(1/delta) sqrt(1 - lam))^2`` (``T`` = Chebyshev polynomials), which
is ``>= 1 - delta^2`` for every ``lam >= w = 1 - gamma^2``: the "fixed point" that standard
amplitude amplification (all phases ``pi``) lacks, since it overshoots when ``lam`` is larger than
planned. No numerical phase finding is needed.
"""

from __future__ import annotations

import math
import numbers
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Complex, Float

from .._internal.dtypes import complex_dtype
from .._internal.numerics import orthogonal_chi, real_times
from .._internal.validate import check_dense_dim, check_key, is_concrete, positive_int
from ..data._sources import BooleanData
from ..kernels._density import apply_schur_channel, density_matrix
from ..kernels._statevector import plus_state
from ..sketch._modes import (
    MODES,
    AbstractMode,
    Channel,
    Counts,
    Expected,
    Ideal,
    Sampled,
    UnsupportedModeError,
    as_mode,
)
from ..sketch._phase import PhaseSketch, boolean_oracle

# ----------------------------------------------------------------------------- validation helpers


def _iterations(iterations, name: str = "iterations") -> int:
    """A concrete non-negative integer number of Grover iterations (it sets a loop length)."""
    if isinstance(iterations, jax.core.Tracer):
        raise TypeError(f"{name} must be a concrete integer (it sets the loop length), got a traced value")
    if isinstance(iterations, bool) or not isinstance(iterations, numbers.Integral | np.integer):
        if isinstance(iterations, numbers.Real) and float(iterations) == math.floor(float(iterations)):
            iterations = int(iterations)
        else:
            raise ValueError(
                f"{name} must be a non-negative integer number of iterations, got {iterations!r}"
            )
    iterations = int(iterations)
    if iterations < 0:
        raise ValueError(f"{name} must be a non-negative integer number of iterations, got {iterations}")
    return iterations


def _grover_data(data) -> BooleanData:
    """``data`` as single-bit, uniformly sampled :class:`BooleanData`."""
    if not isinstance(data, BooleanData):
        try:
            data = BooleanData(data)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"data must be a 0/1 truth table of shape (N,) or a BooleanData: {exc}") from exc
    if data.n_bits is not None:
        raise ValueError(
            f"data must be a single-bit truth table of shape (N,), got shape {data.values.shape}"
        )
    if data.dim < 2:
        raise ValueError(f"data must have at least 2 entries (N >= 2), got N = {data.dim}")
    if data.p is not None and is_concrete(data.p):
        p = np.asarray(data.p, dtype=np.float64)
        if np.ptp(p) > 1e-6 / data.dim:
            raise ValueError(
                "data must be sampled uniformly (p=None): Grover's oracle O_f = diag((-1)^f) is the "
                "t = pi N sketch of uniformly sampled data"
            )
    return data


def _grover_oracle(data: BooleanData) -> PhaseSketch:
    # t = pi N explicitly: with uniform p this targets O_f whether or not p was given as an array.
    return boolean_oracle(data, t=jnp.pi * data.dim)


# ----------------------------------------------------------------------------- diffusion


def diffusion(state: Complex[Array, "... N"]) -> Complex[Array, "... N"]:
    """The Grover diffusion ``(2|+><+| - I) psi = 2 mean(psi) - psi`` over the last axis, ``O(N)``."""
    state = jnp.asarray(state)
    if state.ndim < 1:
        raise ValueError(f"state must have shape (..., N), got a scalar of shape {state.shape}")
    return 2.0 * jnp.mean(state, axis=-1, keepdims=True) - state


def diffusion_dm(rho: Complex[Array, "... N N"]) -> Complex[Array, "... N N"]:
    """``D rho D`` for ``D = 2|+><+| - I`` by rank-one updates, ``O(N^2)``, no matrix product.

    With ``P = |+><+|``: ``D rho D = rho - 2 P rho - 2 rho P + 4 P rho P``, and ``P rho`` repeats the
    column means, ``rho P`` the row means, ``P rho P`` the mean of all entries.
    """
    rho = jnp.asarray(rho)
    if rho.ndim < 2 or rho.shape[-1] != rho.shape[-2]:
        raise ValueError(f"rho must have shape (..., N, N), got {rho.shape}")
    rows = jnp.mean(rho, axis=-1, keepdims=True)
    cols = jnp.mean(rho, axis=-2, keepdims=True)
    total = jnp.mean(rows, axis=-2, keepdims=True)
    return rho - 2.0 * rows - 2.0 * cols + 4.0 * total


# ----------------------------------------------------------------------------- Grover core


def _table_step(oracle: PhaseSketch, m, dtype):
    """One channel-mode Grover step ``rho -> D (chi ⊙ rho) D`` for binary, uniformly sampled data,
    without materialising ``chi`` or ``chi ⊙ rho``.

    The same formula as :meth:`PhaseSketch.channel` (``chi_xy = (1 + p e1(a_x) + p e1(-a_y))^m`` for
    ``x != y``, ``chi_xx = 1``, ``e1(a) = e^{ia} - 1``) takes only four values, ``T[f_x, f_y]``, off
    the diagonal. The row and column sums that the diffusion needs are then plain sums of ``rho``
    and sums over the marked entries (plus a diagonal correction), and the update is one elementwise
    pass over ``rho`` that forms ``chi`` on the fly: the loop carry is the only (N, N) buffer.
    """
    values = oracle.data.values
    theta = oracle.t.astype(values.dtype)
    mm = jnp.asarray(m, theta.dtype)
    p = jnp.asarray(1.0 / oracle.dim, theta.dtype)
    th = jnp.stack([jnp.zeros((), theta.dtype), theta])  # the angle t f of f = 0, 1
    table = orthogonal_chi(p, th[:, None], p, th[None, :], mm).astype(dtype)
    dim = oracle.dim
    inv_n = 1.0 / dim

    def step(rho):
        # The barrier makes chi (and the diagonal mask) depend on the carry, so XLA cannot hoist
        # them out of the loop as extra, loop-invariant (N, N) buffers.
        rho, vals, ids = jax.lax.optimization_barrier((rho, values, jnp.arange(dim)))
        marked = vals > 0.5
        fc = marked.astype(dtype)
        t_row0 = jnp.where(marked, table[1, 0], table[0, 0])  # T[f_x, 0]
        t_row1 = jnp.where(marked, table[1, 1], table[0, 1])  # T[f_x, 1]
        t_col0 = jnp.where(marked, table[0, 1], table[0, 0])  # T[0, f_y]
        t_col1 = jnp.where(marked, table[1, 1], table[1, 0])  # T[1, f_y]
        t_same = jnp.where(marked, table[1, 1], table[0, 0])  # T[f_x, f_x]
        diag = jnp.diagonal(rho)
        diag_fix = (1.0 - t_same) * diag  # chi_xx = 1, not T[f_x, f_x]
        # Plain sums are reductions over the carry itself (accurate, nothing materialised); the
        # sums over marked entries are matrix-vector products whose zero terms add no rounding.
        row_all, col_all = jnp.sum(rho, axis=1), jnp.sum(rho, axis=0)
        row_m, col_m = rho @ fc, fc @ rho
        rows = (t_row0 * row_all + (t_row1 - t_row0) * row_m + diag_fix) * inv_n
        cols = (t_col0 * col_all + (t_col1 - t_col0) * col_m + diag_fix) * inv_n
        total = jnp.sum(rows) * inv_n
        # chi_xy = T[f_x, f_y], written arithmetically (exact for f_y in {0, 1}): selects between
        # complex operands vectorise poorly on CPU (3-4x slower per step).
        fy = marked.astype(vals.dtype)[None, :]
        chi = real_times(1.0 - fy, t_row0[:, None]) + real_times(fy, t_row1[:, None])
        schur = jnp.where(ids[:, None] == ids[None, :], rho, chi * rho)
        return schur - 2.0 * rows[:, None] - 2.0 * cols[None, :] + 4.0 * total

    return step


# ----------------------------------------------------------------------------- one evolution per kind of mode


class _Evolution:
    """How a Grover run evolves in one kind of mode: the start state, one iteration, the success.

    One subclass per kind of mode, chosen from the mode value's class by :func:`_evolution` (the
    only place where kinds of mode are told apart). The static methods run before tracing, on
    concrete inputs; an instance is built inside the compiled program, where ``mode.m`` is traced.
    """

    def __init__(
        self, oracle: PhaseSketch, mode: AbstractMode, key, dtype, support=None, table: bool = False
    ):
        self.oracle, self.mode, self.key, self.dtype = oracle, mode, key, dtype
        self.support, self.table = support, table

    @staticmethod
    def check(data: BooleanData) -> None:
        """Refuse inputs this kind cannot run, before anything large exists."""

    @staticmethod
    def support_of(oracle: PhaseSketch):
        """The cells each query must draw, when fewer than all (None: all ``N``)."""
        return None

    @staticmethod
    def uses_table(data: BooleanData) -> bool:
        """Whether the step is formed on the fly from a small table (static: it sets the program)."""
        return False

    def init(self, psi0):
        return psi0

    def step(self, state, j):
        raise NotImplementedError

    def success(self, state, marked):
        return jnp.sum(marked * jnp.real(state * jnp.conj(state)))


class _FixedDiagonal(_Evolution):
    """``ideal`` / ``expected``: every query applies the same diagonal, the mode's view of the
    sketch (the target, or ``E[V]``), then the diffusion."""

    def __init__(self, oracle, mode, key, dtype, support=None, table=False):
        super().__init__(oracle, mode, key, dtype, support, table)
        self.diag = mode.evaluate(oracle).astype(dtype)

    def step(self, psi, j):
        return diffusion(self.diag * psi)


class _FreshDiagonal(_Evolution):
    """``counts``: query ``j`` applies its own realisation, drawn from ``mode.query_key(key, j)``
    (``fold_in(key, j)``), then the diffusion."""

    @staticmethod
    def support_of(oracle: PhaseSketch):
        """Marked cells, when few: the counts sampler then draws O(K) cells per query, not O(N)
        (exact in distribution: unmarked cells carry no phase). None when traced or dense."""
        values = oracle.data.values
        if not is_concrete(values):
            return None
        marked = np.flatnonzero(np.asarray(values))
        return jnp.asarray(marked, jnp.int32) if 0 < marked.size <= oracle.dim // 8 else None

    def step(self, psi, j):
        v = self.oracle.counts(self.mode.query_key(self.key, j), self.mode.m, support=self.support)
        return diffusion(v.astype(self.dtype) * psi)


class _DensityChannel(_Evolution):
    """``channel``: the ``(N, N)`` density matrix, ``rho -> D (chi ⊙ rho) D`` per query, with ``chi``
    formed on the fly from a 2x2 table for binary uniform data (:func:`_table_step`)."""

    @staticmethod
    def check(data: BooleanData) -> None:
        # Refuse before anything of size (N, N) exists (the register's complex dtype sets the bytes).
        check_dense_dim(data.dim, complex_dtype(data.values), "Grover in 'channel' mode")

    @staticmethod
    def uses_table(data: BooleanData) -> bool:
        return _binary_uniform(data)

    def __init__(self, oracle, mode, key, dtype, support=None, table=False):
        super().__init__(oracle, mode, key, dtype, support, table)
        if table:
            self._step = _table_step(oracle, mode.m, dtype)
        else:
            chi = mode.evaluate(oracle).chi.astype(dtype)
            self._step = lambda rho: diffusion_dm(apply_schur_channel(rho, chi))

    def init(self, psi0):
        return density_matrix(psi0)

    def step(self, rho, j):
        return self._step(rho)

    def success(self, rho, marked):
        return jnp.sum(marked * jnp.real(jnp.diagonal(rho)))


_EVOLUTIONS = (
    (Ideal, _FixedDiagonal),
    (Expected, _FixedDiagonal),
    (Counts, _FreshDiagonal),
    (Channel, _DensityChannel),
)

GROVER_MODES = tuple(cls.name for cls, _ in _EVOLUTIONS)
"""The modes Grover search runs in: ``("ideal", "expected", "counts", "channel")``."""


def _unsupported(name) -> UnsupportedModeError:
    hint = (
        f"; '{Counts.name}' draws realisations with the same law in O(N) per query"
        if name == Sampled.name
        else ""
    )
    return UnsupportedModeError(
        f"Grover search does not support mode {name!r}: it runs in modes {list(GROVER_MODES)}{hint}"
    )


def _evolution(mode: AbstractMode) -> type[_Evolution]:
    for cls, evolution in _EVOLUTIONS:
        if isinstance(mode, cls):
            return evolution
    raise _unsupported(getattr(mode, "name", type(mode).__name__))


def _grover_mode(mode, m) -> AbstractMode:
    """``mode`` (a name with ``m``, or a mode value without) as a Grover mode value, once."""
    if isinstance(mode, AbstractMode):
        _evolution(mode)
    elif isinstance(mode, str) and mode in MODES:
        if mode not in GROVER_MODES:
            raise _unsupported(mode)
        if m is None and mode != Ideal.name:
            raise ValueError(f"mode {mode!r} needs m, the number of samples per query")
    return as_mode(mode, m, allowed=GROVER_MODES)


def _run_single(
    oracle: PhaseSketch,
    mode: AbstractMode,
    key,
    iterations: int,
    curve: bool = False,
    support=None,
    table: bool = False,
):
    """One Grover run: the final state (density matrix in ``channel`` mode), the success
    probability after each of the ``iterations + 1`` prefixes (0, 1, .., ``iterations``) if
    ``curve``, and the evolution (its ``success`` reads the final state)."""
    dim = oracle.dim
    dtype = complex_dtype(oracle.data.values)
    marked = oracle.data.values
    run = _evolution(mode)(oracle, mode, key, dtype, support=support, table=table)
    init = run.init(plus_state(dim, dtype, dim=True))

    def body(state, j):
        state = run.step(state, j)
        return state, (run.success(state, marked) if curve else None)

    final, successes = jax.lax.scan(body, init, jnp.arange(iterations))
    if curve:
        successes = jnp.concatenate([run.success(init, marked)[None], successes])
    return final, successes, run


# The mode value is a pytree argument: its class is part of the (static) tree structure, its m a
# traced leaf, so one compilation serves every M.
@partial(jax.jit, static_argnames=("iterations", "table"))
def _state_core(oracle, mode, key, support, *, iterations, table=False):
    return _run_single(oracle, mode, key, iterations, support=support, table=table)[0]


@partial(jax.jit, static_argnames=("iterations", "trajectories", "curve", "table"))
def _success_core(oracle, mode, key, support, *, iterations, trajectories, curve, table=False):
    marked = oracle.data.values

    def one(k):
        final, successes, run = _run_single(oracle, mode, k, iterations, curve, support, table)
        return successes if curve else run.success(final, marked)

    if trajectories == 1:
        return one(key)
    return jnp.mean(jax.vmap(one)(jax.random.split(key, trajectories)), axis=0)


def _trajectories(trajectories: int, mode: AbstractMode) -> int:
    if trajectories > 1 and not mode.needs_key:
        raise ValueError(f"trajectories > 1 only makes sense in mode {Counts.name!r}, got mode {mode.name!r}")
    return trajectories


def _prepare(data, iterations, m, mode, key):
    mode = _grover_mode(mode, m)
    evolution = _evolution(mode)
    iterations = _iterations(iterations)
    data = _grover_data(data)
    evolution.check(data)
    if mode.needs_key:
        if key is None:
            raise ValueError(f"mode {mode.name!r} needs a jax.random key (key=...): one per trajectory")
        key = check_key(key, "key")
    else:
        if key is not None:
            check_key(key, "key")  # unused by this mode, but a malformed key is still an error
        key = None
    oracle = _grover_oracle(data)
    # m in the oracle's real dtype (what the sketches compute in): one program per dtype, any M.
    mode = jax.tree_util.tree_map(lambda x: jnp.asarray(x, oracle.t.dtype), mode)
    return oracle, iterations, mode, key, evolution.support_of(oracle), evolution.uses_table(data)


def _binary_uniform(data: BooleanData) -> bool:
    """Whether the channel factorises into a 2x2 table: concrete 0/1 values and ``p=None``.

    Then ``chi_xy`` (``x != y``) depends only on ``(f_x, f_y)`` and ``chi_xx = 1``, so channel mode
    computes ``chi ⊙ rho`` on the fly inside the loop instead of storing a second (N, N) matrix.
    """
    values = data.values
    if data.p is not None or not is_concrete(values):
        return False
    v = np.asarray(values)
    return bool(np.all((v == 0) | (v == 1)))


# ----------------------------------------------------------------------------- public API


def grover_success(
    data, iterations, m=None, *, mode: str | AbstractMode = "ideal", key=None, trajectories: int = 1
):
    """Success probability of ``iterations`` Grover iterations whose oracle queries are sketches.

    Parameters
    ----------
    data : :class:`qsjax.BooleanData` (single-bit, uniform ``p``) or a 0/1 truth table of shape
        (N,): the marked items are the ones.
    iterations : number of Grover iterations = oracle queries (concrete integer ``>= 0``).
    m : samples per query, with a mode name (ignored in ``ideal`` mode). May be traced (jit/vmap
        over ``m``); real values are allowed in ``expected``/``channel`` mode, which are
        differentiable in ``m``.
    mode : ``"ideal"``, ``"expected"``, ``"counts"`` or ``"channel"`` with ``m`` (see the module
        docstring), or a mode value carrying its own ``m`` (``qsjax.Ideal()``, ``qsjax.Expected(m)``,
        ``qsjax.Counts(m)``, ``qsjax.Channel(m)``; then ``m`` must be omitted). Other modes raise
        :class:`qsjax.UnsupportedModeError`.
    key : ``jax.random`` key, required in ``counts`` mode; query ``j`` uses ``fold_in(key, j)``.
    trajectories : ``counts`` mode only: average over ``R`` independent trajectories (keys
        ``split(key, R)``, vmapped). Equals the mean of ``grover_success(..., key=k)`` over those keys.

    Returns
    -------
    Scalar: the probability of measuring a marked item after the last iteration (in ``expected``
    mode the state is not normalised: this is the paper's pessimistic proxy).
    """
    trajectories = positive_int(trajectories, "trajectories")
    oracle, iterations, mode, key, support, table = _prepare(data, iterations, m, mode, key)
    trajectories = _trajectories(trajectories, mode)
    return _success_core(
        oracle, mode, key, support, iterations=iterations, trajectories=trajectories, curve=False, table=table
    )


def grover_success_curve(
    data, iterations, m=None, *, mode: str | AbstractMode = "ideal", key=None, trajectories: int = 1
):
    """Success probability after ``0, 1, ..., iterations`` iterations, shape (iterations + 1,), from one run.

    Same arguments as :func:`grover_success` (whose value is the last entry); one compiled program
    gives the whole curve. In ``counts`` mode the prefixes share one trajectory's realisations.
    """
    trajectories = positive_int(trajectories, "trajectories")
    oracle, iterations, mode, key, support, table = _prepare(data, iterations, m, mode, key)
    trajectories = _trajectories(trajectories, mode)
    return _success_core(
        oracle, mode, key, support, iterations=iterations, trajectories=trajectories, curve=True, table=table
    )


def grover_state(data, iterations, m=None, *, mode: str | AbstractMode = "ideal", key=None):
    """The register after ``iterations`` sketched Grover iterations from ``|+>``.

    Same arguments as :func:`grover_success` (one trajectory in ``counts`` mode). Returns the state
    vector, shape (N,), or in ``channel`` mode the density matrix, shape (N, N).
    """
    oracle, iterations, mode, key, support, table = _prepare(data, iterations, m, mode, key)
    return _state_core(oracle, mode, key, support, iterations=iterations, table=table)


def grover_ideal_success(n, k, iterations) -> Float[Array, "..."]:
    """Closed form ``sin^2((2q + 1) theta)``, ``sin^2 theta = k / n`` (broadcasts over arrays)."""
    n_, k_, q_ = (jnp.asarray(v) for v in (n, k, iterations))
    if is_concrete(n_) and np.any(np.asarray(n_) < 1):
        raise ValueError(f"n must be a positive number of items, got {n}")
    if is_concrete(k_) and (np.any(np.asarray(k_) < 0) or np.any(np.asarray(k_) > np.asarray(n))):
        raise ValueError(f"k must be a number of marked items in [0, n], got k={k} for n={n}")
    if is_concrete(q_) and np.any(np.asarray(q_) < 0):
        raise ValueError(f"iterations must be a non-negative number of iterations, got {iterations}")
    dtype = jnp.result_type(float)
    theta = jnp.arcsin(jnp.sqrt(k_.astype(dtype) / n_.astype(dtype)))
    return jnp.sin((2.0 * q_.astype(dtype) + 1.0) * theta) ** 2


def grover_optimal_iterations(n: int, k: int) -> int:
    """The number of iterations ``q`` maximising ``sin^2((2q + 1) theta)``: ``floor(pi / (4 theta))``
    (``~ (pi/4) sqrt(n/k)``)."""
    n = positive_int(n, "n")
    k = positive_int(k, "k")
    if k > n:
        raise ValueError(f"k must be at most n, got k={k} for n={n}")
    # round(pi/(4 theta) - 1/2) == floor(pi/(4 theta)) away from ties.
    return int(math.floor(math.pi / (4.0 * math.asin(math.sqrt(k / n)))))
