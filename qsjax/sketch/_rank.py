"""The rank oracle from row samples and the in-place row oracle (DESIGN.md 1.4, GSLW Lemma 48).

The sparse-access block encoding needs the row oracle *in place*, ``O_r: |i>|r>|0> -> |i>|0>|j(i, r)>``
(``r < s``, ``j(i, r)`` the column of the ``r``-th entry of row ``i``'s padded support, see
:func:`qsjax.row_index_oracle`). The row-index oracle writes ``|i, r, 0> -> |i, r, j(i, r)>``; the
**rank oracle** uncomputes the rank, ``|i, r, y> -> |i, r XOR rank(i, y), y>``, so that the pair gives
``O_r``.

Rank oracle. A row sample ``i`` carries the whole row, so it knows ``rank(i, y)`` for every column
``y`` of the padded support ``{j(i, k) : k < s}``. For every such ``y`` and every bit ``m`` of the rank
register (``w = max(1, ceil(log2 s))`` bits) it applies the phase ``(t/M) pi bit_m(rank(i, y))`` on
``|i>|1>_m|y>``; nothing acts off the support. The subspaces ``|i>|.>|y>`` are orthogonal, so ``M``
samples give the multi-bit Boolean phase sketch of the table
``f(i) = (bit_m(rank(i, y)))_{y, m}`` (0 off the support), with ``t = pi N`` and ideal ``(-1)^f``:
one :class:`PhaseSketch`, so every mode (ideal, expected, counts, sampled, channel) comes with it.
Since ``rank(i, j(i, k)) = k``, the table is stored compactly on the support: output bit ``k w + m``
of row ``i`` is ``bit_m(k)`` and acts on ``|i>|1>_m|j(i, k)>`` (:attr:`RankOracle.columns`); the
entries off the support are exactly ``e^{i 0} = 1`` in every mode, and :meth:`RankOracle.on_register`
spreads a result over the whole column register. Hadamards on each rank qubit before and after turn
the phases into XOR bits, ``H diag(1, (-1)^f) H |r_m> = |r_m XOR f>``.

In-place row oracle (:class:`InPlaceRowOracle`). One query is one realisation of each of the two
sketches, with fresh samples each (key ``fold_in(key, 0)`` for the row-index sketch, ``fold_in(key, 1)``
for the rank sketch). Each XOR oracle is applied as per-bit gates ``G_m = H diag(1, v_m) H =
[[c, d], [d, c]]``, ``c = (1 + v)/2``, ``d = (1 - v)/2``, on one qubit of the target register,
controlled by the other two registers (``O(amplitudes * bits)``).

Expected mode is the exact average of one query, not a product of per-bit averages: all bits of row
``x`` see the same count ``n_x``, so the gates of row ``x`` depend on one phase ``u = e^{i t n_x/M}``
(``v_m = u^{f_m}``) and each matrix entry of the query is a polynomial ``g(u)`` of degree at most the
number ``b`` of target bits. With ``L = b + 1`` roots of unity ``omega^l``,
``E[g(u)] = sum_l w_l g(omega^l)``, ``w_l = (1/L) sum_k omega^{-lk} E[u^k]`` and
``E[u^k] = (1 + p_x (e^{i k t/M} - 1))^M`` (the averaged sketch with ``t -> k t``): ``L`` evaluations of
the gates, combined with per-row weights. The two sketches use independent samples, so
``E[O_r] = E[rank] E[index]``.

Registers of :meth:`InPlaceRowOracle.apply`: rows ``P >= N`` states (rows ``x >= N`` are never sampled:
identity), rank ``S = 2**w`` (ranks ``r >= s``: identity), columns ``Q = 2**b >= max(n_cols, s)``.
When the requested sparsity ``s`` exceeds the row sparsity, the extra ranks take the next smallest
unused columns, continuing the padding rule of :func:`qsjax.row_index_oracle` (columns ``>= n_cols``
are zero columns of ``A``, used only when ``s > n_cols``), so ``k -> j(i, k)`` stays injective.
"""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Complex, Integer

from .._internal.numerics import expected_phase
from .._internal.validate import positive_int
from ..data._matrix import AbstractMatrixSource
from ..data._sources import BooleanData
from ._modes import AbstractMode, Counts, Expected, Ideal, Sampled, as_mode
from ._phase import PhaseSketch, as_t
from ._row_index import RowIndexOracle, RowSampledSketch, row_index_oracle

QUERY_MODES = tuple(cls.name for cls in (Ideal, Expected, Counts, Sampled))
"""Modes of one in-place query (``channel`` is a density-matrix view, not a statevector)."""


def register_bits(n: int) -> int:
    """Qubits of a register holding ``n`` basis states: ``max(1, ceil(log2 n))``."""
    return max(1, (int(n) - 1).bit_length())


def _check_matrix(matrix) -> None:
    if not isinstance(matrix, AbstractMatrixSource):
        raise TypeError(
            f"matrix must be a qsjax matrix source (see qsjax.sparse_matrix), got {type(matrix).__name__}"
        )


def _support(matrix: AbstractMatrixSource, sparsity: int | None) -> tuple[np.ndarray, int]:
    """The padded support ``j(i, k)``, ``k < s`` (numpy ``(N, s)``): the row-index oracle's columns,
    extended by the next smallest unused columns when ``s`` exceeds the row sparsity."""
    base = np.asarray(row_index_oracle(matrix).columns)
    s_row = base.shape[1]
    s = s_row if sparsity is None else positive_int(sparsity, "sparsity")
    if s < s_row:
        raise ValueError(f"sparsity must be at least the matrix's row sparsity {s_row}, got {s}")
    if s == s_row:
        return base, s
    cand = np.arange(2 * s)  # a row uses s_row <= s columns: its first s unused ones lie below 2s
    used = (cand[None, :, None] == base[:, None, :]).any(-1)
    free = np.sort(np.where(used, 2 * s + cand[None, :], cand[None, :]), axis=1)[:, : s - s_row]
    return np.concatenate([base, free], axis=1).astype(np.int32), s


class RankOracle(RowSampledSketch):
    """The sketched rank oracle ``|i, r, y> -> |i, r XOR rank(i, y), y>`` from row samples.

    Build with :func:`rank_oracle`. Mode results are the per-bit phase diagonals of shape
    ``(s * w, N)`` (ancilla-major: output bit ``k * w + m`` acts on ``|i>|1>_m|j(i, k)>``), exactly
    those of the multi-bit Boolean phase sketch of ``bit_m(k)`` on the support.
    """

    columns: Integer[Array, "N s"]  # the padded support j(i, k): rank(i, j(i, k)) = k
    n_bits: int = eqx.field(static=True)  # w, the rank register's qubits
    n_cols: int = eqx.field(static=True)  # size of the column register the support is spread over

    @property
    def sparsity(self) -> int:
        return self.columns.shape[1]

    # -- the XOR form
    def bit_phases(self, diag: Complex[Array, "sw N"]) -> Complex[Array, "N s w"]:
        """A mode result per row, support rank and bit: ``v[i, k, m]`` (acting at ``y = j(i, k)``)."""
        n, s, w = self.dim, self.sparsity, self.n_bits
        return jnp.moveaxis(jnp.asarray(diag).reshape(*jnp.shape(diag)[:-2], s, w, n), -1, -3)

    def on_register(self, diag: Complex[Array, "sw N"]) -> Complex[Array, "N Q w"]:
        """The phases over the whole column register: ``v[i, y, m]`` for ``y < n_cols``, exactly 1
        off the support (no sample acts there)."""
        v = self.bit_phases(diag)
        n = self.dim
        full = jnp.ones((*v.shape[:-3], n, self.n_cols, self.n_bits), v.dtype)
        rows = jnp.broadcast_to(jnp.arange(n)[:, None], self.columns.shape)
        return full.at[..., rows, self.columns, :].set(v)

    def xor_amplitudes(self, diag: Complex[Array, "sw N"]) -> Complex[Array, "N Q w 2"]:
        """``H diag(1, v) H |0> = ((1 + v)/2, (1 - v)/2)`` per row, column and rank bit: the amplitudes
        of ``|0>`` and ``|1>`` of each rank bit on input ``|i, 0, y>`` (``|1>`` carries
        ``bit_m(rank(i, y))`` in the ideal oracle)."""
        v = self.on_register(diag)
        return jnp.stack([(1.0 + v) / 2.0, (1.0 - v) / 2.0], axis=-1)


def rank_oracle(
    matrix: AbstractMatrixSource, *, sparsity: int | None = None, n_cols: int | None = None, t=None
) -> RankOracle:
    """The rank oracle of a sparse matrix from row samples (the inverse of the row-index map).

    Parameters
    ----------
    matrix : a matrix source; only the positions of its nonzeros matter.
    sparsity : ``s``, the number of ranks (default the row sparsity; larger values pad each row's
        support with the next smallest unused columns).
    n_cols : size of the column register (default ``max(n_cols(A), s)``, which holds every support).
    t : evolution time (default ``pi N``: the ideal oracle is then the XOR oracle).
    """
    _check_matrix(matrix)
    cols, s = _support(matrix, sparsity)
    n, d = matrix.shape
    q = max(d, s) if n_cols is None else positive_int(n_cols, "n_cols")
    if cols.max() >= q:
        raise ValueError(f"n_cols={q} is too small for the padded support (largest column {cols.max()})")
    w = register_bits(s)
    bits = (np.arange(s)[:, None] >> np.arange(w)) & 1  # (s, w): bit_m(k)
    table = np.broadcast_to(bits.reshape(1, -1), (n, s * w))
    dtype = matrix.dtype
    data = BooleanData(jnp.asarray(table, dtype))
    t = as_t(math.pi * n if t is None else t, dtype)
    return RankOracle(
        matrix=matrix, phases=PhaseSketch(data=data, t=t), columns=jnp.asarray(cols), n_bits=w, n_cols=q
    )


# ----------------------------------------------------------------------------- the in-place row oracle


class RowOracleQuery(eqx.Module):
    """One query of an :class:`InPlaceRowOracle`, as weighted gate sets.

    ``index_phases[l, x, r, m]`` are the per-bit phases of the row-index XOR (target: column
    register), ``rank_phases[l, x, y, m]`` those of the rank XOR (target: rank register);
    ``*_weights[l, x]`` combine the ``L`` evaluations per row: ``L = 1`` with weight 1 for one
    realisation (ideal, counts, sampled), ``L = bits + 1`` for the exact average (expected mode).
    """

    index_weights: Complex[Array, "L P"]
    index_phases: Complex[Array, "L P S b"]
    rank_weights: Complex[Array, "L2 P"]
    rank_phases: Complex[Array, "L2 P Q w"]


class InPlaceRowOracle(eqx.Module):
    """``O_r: |i>|r>|0> -> |i>|0>|j(i, r)>``: the row-index XOR, then the rank XOR.

    Build with :func:`in_place_row_oracle`. :meth:`query` draws one query in a mode,
    :meth:`apply` runs it (or its adjoint) on a statevector of shape ``(..., P, S, Q)``.
    """

    index: RowIndexOracle  # padded to s ranks, n_bits = the column register's qubits
    rank: RankOracle
    n_rows: int = eqx.field(static=True)  # P, the row register's size (>= N)

    @property
    def matrix(self) -> AbstractMatrixSource:
        return self.index.matrix

    @property
    def sparsity(self) -> int:
        return self.index.sparsity

    @property
    def columns(self) -> Integer[Array, "N s"]:
        """``j(i, r)`` for ``r < s`` (the padded support)."""
        return self.index.columns

    @property
    def registers(self) -> tuple[int, int, int]:
        """``(P, S, Q)``: row, rank and column register sizes."""
        return (self.n_rows, 2**self.rank.n_bits, 2**self.index.n_bits)

    def query(self, mode: AbstractMode | str = "ideal", m=None, key=None) -> RowOracleQuery:
        """One query in ``mode`` (one of :data:`QUERY_MODES`): key ``fold_in(key, 0)`` for the row-index
        sketch and ``fold_in(key, 1)`` for the rank sketch (independent samples)."""
        mode = as_mode(mode, m, allowed=QUERY_MODES)
        return _query(self, mode, mode.check_key(key))

    def _query(self, mode: AbstractMode, key) -> RowOracleQuery:
        k_index = jax.random.fold_in(key, 0) if mode.needs_key else None
        k_rank = jax.random.fold_in(key, 1) if mode.needs_key else None
        iw, iv = self._gates(self.index.phases, mode, k_index, self.index.n_bits)
        rw, rv = self._gates(self.rank.phases, mode, k_rank, self.rank.n_bits)
        return RowOracleQuery(
            index_weights=iw,
            index_phases=self._index_register(jax.vmap(self.index.bit_phases)(iv)),
            rank_weights=rw,
            rank_phases=self._rank_register(jax.vmap(self.rank.on_register)(rv)),
        )

    def _gates(self, sketch: PhaseSketch, mode: AbstractMode, key, n_target: int):
        """``(weights (L, P), diagonals (L, bits, N))`` of one query of ``sketch`` (module doc)."""
        n = sketch.dim
        if not isinstance(mode, Expected):
            diag = mode.evaluate(sketch, key)[None]
            return jnp.ones((1, self.n_rows), diag.dtype), diag
        big_l = n_target + 1
        k = jnp.arange(big_l)
        p = sketch.data.probabilities
        moments = expected_phase(p[None, :], k[:, None].astype(p.dtype) * sketch.t, mode.m)  # E[u^k]
        lk = jnp.outer(k, k).astype(p.dtype)
        dft = jnp.exp(-2j * jnp.pi * lk.astype(moments.dtype) / big_l) / big_l
        weights = dft @ moments  # (L, N)
        weights = jnp.concatenate(  # never-sampled rows: the identity, weight delta_{l0}
            [weights, jnp.broadcast_to((k == 0)[:, None], (big_l, self.n_rows - n)).astype(weights.dtype)],
            axis=1,
        )
        roots = jnp.exp(2j * jnp.pi * k.astype(moments.dtype) / big_l)
        diag = jnp.where(sketch.data.values.T[None] > 0.5, roots[:, None, None], jnp.ones((), roots.dtype))
        return weights, diag

    def _index_register(self, v):  # (L, N, s, b) -> (L, P, S, b), identity elsewhere
        n, s = v.shape[1], v.shape[2]
        p, big_s, _ = self.registers
        return jnp.pad(v, ((0, 0), (0, p - n), (0, big_s - s), (0, 0)), constant_values=1.0)

    def _rank_register(self, v):  # (L, N, Q', w) -> (L, P, Q, w)
        n, q0 = v.shape[1], v.shape[2]
        p, _, q = self.registers
        return jnp.pad(v, ((0, 0), (0, p - n), (0, q - q0), (0, 0)), constant_values=1.0)

    def apply(self, state: Array, query: RowOracleQuery, *, adjoint: bool = False) -> Array:
        """``O_r`` (rank XOR after row-index XOR) or ``O_r^dagger`` on ``state`` of shape
        ``(..., P, S, Q)`` (rows, rank, columns). The adjoint conjugates phases and weights and runs
        the two XORs in reverse order."""
        state = jnp.asarray(state)
        regs = self.registers
        if state.shape[-3:] != regs:
            raise ValueError(
                f"state must have shape (..., {regs[0]}, {regs[1]}, {regs[2]}), got {state.shape}"
            )
        return _apply_query(self, state, query, adjoint)


@eqx.filter_jit
def _query(oracle: InPlaceRowOracle, mode: AbstractMode, key) -> RowOracleQuery:
    """:meth:`InPlaceRowOracle.query`, compiled once per register shape and mode."""
    return oracle._query(mode, key)


@eqx.filter_jit
def _apply_query(oracle: InPlaceRowOracle, state, query: RowOracleQuery, adjoint: bool):
    """:meth:`InPlaceRowOracle.apply`, compiled once per register shape."""
    regs = oracle.registers
    lead = state.shape[:-3]
    psi = state.reshape(-1, *regs)
    iw, iv, rw, rv = query.index_weights, query.index_phases, query.rank_weights, query.rank_phases
    if adjoint:
        iw, iv, rw, rv = jnp.conj(iw), jnp.conj(iv), jnp.conj(rw), jnp.conj(rv)
    b, w = oracle.index.n_bits, oracle.rank.n_bits
    steps = [(iw, iv, _index_xor, b), (rw, rv, _rank_xor, w)]
    for weights, phases, gate, bits in steps[::-1] if adjoint else steps:
        psi = _combine(psi, weights, phases, gate, bits)
    return psi.reshape(*lead, *regs)


def _combine(psi, weights, phases, gate, bits):
    """``sum_l weights[l, x] * gate(psi, phases[l])`` (one term, weight 1, for a realisation)."""
    if phases.shape[0] == 1:
        return gate(psi, phases[0], bits)

    def body(acc, wv):
        w, v = wv
        return acc + w[None, :, None, None] * gate(psi, v, bits), None

    acc, _ = jax.lax.scan(body, jnp.zeros_like(psi), (weights.astype(psi.dtype), phases))
    return acc


def _bit_gate(psi, v, axis):
    """``G = [[c, d], [d, c]]`` on the qubit ``axis``, ``c = (1 + v)/2``, ``d = (1 - v)/2``."""
    v = v.astype(psi.dtype)
    return (1.0 + v) / 2.0 * psi + (1.0 - v) / 2.0 * jnp.flip(psi, axis)


def _index_xor(psi, v, bits):
    """Row-index XOR on ``psi (B, P, S, Q)``: target the column register's bits, controls ``(x, r)``,
    ``v (P, S, b)``. Bit ``m`` of ``y`` is axis ``3 + (b - 1 - m)`` of the ``(2,) * b`` reshape."""
    bsz, p, s, q = psi.shape
    psi = psi.reshape(bsz, p, s, *(2,) * bits)
    for m in range(bits):
        psi = _bit_gate(psi, v[..., m].reshape(1, p, s, *(1,) * bits), 3 + bits - 1 - m)
    return psi.reshape(bsz, p, s, q)


def _rank_xor(psi, v, bits):
    """Rank XOR on ``psi (B, P, S, Q)``: target the rank register's bits, controls ``(x, y)``,
    ``v (P, Q, w)``."""
    bsz, p, s, q = psi.shape
    psi = psi.reshape(bsz, p, *(2,) * bits, q)
    for m in range(bits):
        psi = _bit_gate(psi, v[..., m].reshape(1, p, *(1,) * bits, q), 2 + bits - 1 - m)
    return psi.reshape(bsz, p, s, q)


def in_place_row_oracle(
    matrix: AbstractMatrixSource,
    *,
    sparsity: int | None = None,
    n_rows: int | None = None,
    n_cols: int | None = None,
) -> InPlaceRowOracle:
    """The in-place row oracle ``O_r`` of a sparse matrix from row samples (GSLW Lemma 48).

    Parameters
    ----------
    matrix : a matrix source; only the positions of its nonzeros matter.
    sparsity : ``s`` (default the row sparsity): ranks ``r < s``, rank register ``2**w`` states.
    n_rows : row register size ``P`` (default ``2**ceil(log2 N)``; at least ``N``).
    n_cols : column register size ``Q``, a power of two (default ``2**ceil(log2 max(n_cols(A), s)))``).
    """
    _check_matrix(matrix)
    cols, s = _support(matrix, sparsity)
    n, d = matrix.shape
    p = 2 ** register_bits(n) if n_rows is None else positive_int(n_rows, "n_rows")
    q = 2 ** register_bits(max(d, s)) if n_cols is None else positive_int(n_cols, "n_cols")
    if p < n:
        raise ValueError(f"n_rows={p} is smaller than the matrix's {n} rows")
    if q & (q - 1) or q < max(d, s):
        raise ValueError(f"n_cols must be a power of two >= max(n_cols, sparsity) = {max(d, s)}, got {q}")
    b = register_bits(q)
    table = ((cols[..., None] >> np.arange(b)) & 1).reshape(n, -1)  # bit k*b + m of j(i, k)
    dtype = matrix.dtype
    index = RowIndexOracle(
        matrix=matrix,
        phases=PhaseSketch(data=BooleanData(jnp.asarray(table, dtype)), t=as_t(math.pi * n, dtype)),
        columns=jnp.asarray(cols),
        n_bits=b,
    )
    rank = rank_oracle(matrix, sparsity=s, n_cols=q)
    return InPlaceRowOracle(index=index, rank=rank, n_rows=p)
