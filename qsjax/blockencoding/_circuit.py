"""The circuit-level sparse-access block encoding (DESIGN.md 1.4, GSLW Lemma 48), statevector-exact.

Registers: ``X`` (row index, ``n_X = 2**q >= max(N, s)``), ``R`` (rank, ``2**w >= s``, ``w =
max(1, ceil(log2 s))``), ``Y`` (column index, ``n_Y = 2**q' >= max(D, s)``) and the element oracle's
one LCU ancilla. The circuit is ``U = V_L^dagger O_A V_R`` with in-place oracles
(:class:`qsjax.sketch.InPlaceRowOracle`):

* ``V_R |0>_X |0>_R |j>_Y = (1/sqrt(s)) sum_{r<s} |c(j, r)>_X |0>_R |j>_Y``: the state preparation
  ``P|0> = (1/sqrt(s)) sum_{r<s} |r>`` on ``R``, then the column oracle in place (the column-index XOR
  ``X ^= c(j, r)``, then the column-rank XOR ``R ^= rank_col(j, x)``). ``s`` need not be a power of two:
  ``P`` is the Householder reflection ``I - 2 |v><v| / <v|v>``, ``v = |0> - |u>``, which maps ``|0>`` to
  the exact uniform state ``|u>`` over ``r < s`` (real, ``P = P^dagger = P^{-1}``; ``P = I`` for
  ``s = 1``);
* ``O_A``: the element oracle's sine LCU on ``(X, Y, anc)``, per cell the ``W``-form block
  ``[[Im v, i Re v], [i Re v, Im v]]`` (:func:`sine_lcu_signal`), ``v = e^{i arcsin A_xy}`` on the
  nonzeros and exactly ``1`` elsewhere (no sample acts there), so ``<0|.|0>_anc = A_xy`` on the
  nonzeros and ``0`` off them;
* ``V_L = O_r P`` with ``O_r |i>|r>|0> = |i>|0>|j(i, r)>`` the row oracle
  in place, so ``V_L |i>_X |0>_R |0>_Y = (1/sqrt(s)) sum_r |i>_X |0>_R |j(i, r)>_Y``.

The padded supports are injective (``r -> j(i, r)`` and ``r -> c(j, r)``; padding entries are zeros
of ``A``), hence ``<i|_X <0|_R <0|_Y <0|_anc U |0>_X |0>_R |j>_Y |0>_anc = A_ij / s`` in ideal mode
(:meth:`SparseAccessCircuit.block`). The input index lives on ``Y`` and the output index on ``X`` (as
a rectangular block encoding's must; for a square matrix a final SWAP of ``X`` and ``Y`` gives GSLW's
same-register form).

The column oracle of ``A`` is the row oracle of ``A^T``, built from ``sparse_matrix(A.to_scipy().T)``
(its samples are whole columns of ``A``); for a symmetric source (``matrix.symmetric``, e.g.
:func:`qsjax.hermitian_embedding`) the row oracle's construction is reused.

Queries and keys. Every oracle query is a distinct realisation. For circuit query ``index``:

* element oracle: ``mode.query_key(key, index) = fold_in(key, index)``, the operator level's key
  (:meth:`qsjax.SparseAccessEncoding.operator`), so with ideal index oracles the block equals the
  operator level's ``operator(mode, m, key, index).todense()`` realisation by realisation;
* index oracles: ``base = fold_in(fold_in(key, INDEX_KEY_TAG), index)``; the column oracle (``V_R``)
  uses ``fold_in(base, 0)``, the row oracle (``V_L``) ``fold_in(base, 1)``; inside each, its row-index
  sketch uses ``fold_in(., 0)`` and its rank sketch ``fold_in(., 1)``. (Query index ``INDEX_KEY_TAG``
  itself is reserved: its element key would be the index oracles' parent.)

The row / column oracles may run in their own mode (``index_mode``, default the element's). In
``expected`` mode each query is replaced by its exact average (the queries are independent, so the
average of the circuit is the circuit of averages); ``channel`` is a density-matrix view and is refused.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Complex

from .._internal.dtypes import complex_dtype
from .._internal.validate import positive_int
from ..data._matrix import AbstractMatrixSource, sparse_matrix
from ..sketch._element import ElementOracle, element_oracle
from ..sketch._modes import AbstractMode, as_mode
from ..sketch._rank import InPlaceRowOracle, RowOracleQuery, in_place_row_oracle, register_bits
from ._sine_lcu import QUERY_MODES, sine_lcu_signal

MAX_CIRCUIT_AMPLITUDES = 2**22
"""Largest statevector (amplitudes of ``X, R, Y`` and the ancilla) per input vector."""

MAX_BLOCK_AMPLITUDES = 2**25
"""Largest total of amplitudes one call holds (``block`` runs all ``D`` basis inputs at once)."""

INDEX_KEY_TAG = 0x7FFFFFFF
"""``fold_in`` tag separating the index oracles' keys from the element oracle's (module doc)."""


class CircuitQueries(eqx.Module):
    """The realisations of one circuit query: the column oracle's (``V_R``), the element oracle's
    sine-LCU signal ``(x, y)`` on the ``(X, Y)`` cells, and the row oracle's (``V_L``)."""

    column: RowOracleQuery
    element_x: Complex[Array, "nX nY"]
    element_y: Complex[Array, "nX nY"]
    row: RowOracleQuery


class SparseAccessCircuit(eqx.Module):
    """The sparse-access block encoding of ``A / s`` as an exact statevector circuit.

    Build with :func:`sparse_access_circuit`. :meth:`block` gives ``<0|U|0>`` (shape ``(N, D)``),
    :meth:`apply` the full output statevector of an input column-register vector.
    """

    matrix: AbstractMatrixSource
    element: ElementOracle
    row: InPlaceRowOracle  # on (X, R, Y)
    column: InPlaceRowOracle  # the row oracle of A^T, on (Y, R, X)
    sparsity: int = eqx.field(static=True)

    @property
    def shape(self) -> tuple[int, int]:
        return self.matrix.shape

    @property
    def registers(self) -> tuple[int, int, int, int]:
        """``(n_X, n_R, n_Y, 2)``: the statevector's shape."""
        nx, nr, ny = self.row.registers
        return (nx, nr, ny, 2)

    @property
    def num_qubits(self) -> int:
        return sum(register_bits(n) for n in self.registers)

    @property
    def amplitudes(self) -> int:
        """Amplitudes of one statevector, ``n_X n_R n_Y 2``."""
        return int(np.prod(self.registers))

    # -- queries
    def _modes(self, mode, m, key, index_mode) -> tuple[AbstractMode, AbstractMode]:
        mode = as_mode(mode, m, allowed=QUERY_MODES)
        if index_mode is None:
            imode = mode
        elif isinstance(index_mode, AbstractMode):
            imode = as_mode(index_mode, allowed=QUERY_MODES)
        else:
            im = m if m is not None else getattr(mode, "m", None)
            imode = as_mode(index_mode, None if index_mode == "ideal" else im, allowed=QUERY_MODES)
        for md, what in ((mode, "mode"), (imode, "index_mode")):
            if md.needs_key and key is None:
                raise ValueError(f"{what} {md.name!r} needs a jax.random key (key=...)")
            md.check_key(key)
        return mode, imode

    def queries(self, mode="ideal", m=None, key=None, *, index=0, index_mode=None) -> CircuitQueries:
        """The realisations of circuit query ``index`` (keys as in the module doc)."""
        mode, imode = self._modes(mode, m, key, index_mode)
        return _queries(self, mode, imode, key, jnp.asarray(index))

    def _check_size(self, batch: int, what: str) -> None:
        amps = self.amplitudes
        if amps > MAX_CIRCUIT_AMPLITUDES:
            raise ValueError(
                f"{what}: the statevector of registers {self.registers} has {amps} amplitudes per input, "
                f"above MAX_CIRCUIT_AMPLITUDES = 2**22 (use the operator level, "
                "qsjax.sparse_access_encoding, for larger matrices)"
            )
        if batch * amps > MAX_BLOCK_AMPLITUDES:
            raise ValueError(
                f"{what}: {batch} inputs x {amps} amplitudes = {batch * amps}, above "
                "MAX_BLOCK_AMPLITUDES = 2**25 (apply fewer vectors at once)"
            )

    def block(self, mode="ideal", m=None, key=None, *, index=0, index_mode=None) -> Complex[Array, "N D"]:
        """``B_ij = <i|_X <0|_R <0|_Y <0|_anc U |0>_X |0>_R |j>_Y |0>_anc`` for every ``i < N``,
        ``j < D``: ``A / s`` in ideal mode. Runs the circuit on all ``D`` basis inputs at once."""
        n, d = self.shape
        self._check_size(d, "block")
        mode, imode = self._modes(mode, m, key, index_mode)
        return _block(self, mode, imode, key, jnp.asarray(index))

    def apply(
        self, vector, mode="ideal", m=None, key=None, *, index=0, index_mode=None
    ) -> Complex[Array, "... nX nR nY 2"]:
        """The output statevector ``U |0>_X |0>_R |vector>_Y |0>_anc`` on all registers, shape
        ``(..., n_X, n_R, n_Y, 2)`` for ``vector`` of shape ``(..., D)`` (not normalised by us)."""
        d = self.shape[1]
        vector = jnp.asarray(vector)
        if vector.ndim < 1 or vector.shape[-1] != d:
            raise ValueError(f"vector must have shape (..., {d}), got {vector.shape}")
        self._check_size(int(np.prod(vector.shape[:-1], dtype=np.int64)), "apply")
        mode, imode = self._modes(mode, m, key, index_mode)
        return _apply(self, mode, imode, key, jnp.asarray(index), vector)


def _queries(circ: SparseAccessCircuit, mode, imode, key, index) -> CircuitQueries:
    n, d = circ.shape
    nx, _, ny, _ = circ.registers
    ke = mode.query_key(key, index)
    if imode.needs_key:
        base = jax.random.fold_in(jax.random.fold_in(key, INDEX_KEY_TAG), index)
        kc, kr = jax.random.fold_in(base, 0), jax.random.fold_in(base, 1)
    else:
        kc = kr = None
    v = circ.element.on_register(mode.evaluate(circ.element, ke)).reshape(n, d)
    v = jnp.pad(v, ((0, nx - n), (0, ny - d)), constant_values=1.0)  # never sampled: the identity
    x, y = sine_lcu_signal(v)
    return CircuitQueries(
        column=circ.column.query(imode, key=kc), element_x=x, element_y=y, row=circ.row.query(imode, key=kr)
    )


def _prepare(psi, s: int):
    """The Householder preparation ``P = I - 2 |v><v| / <v|v>`` on the rank axis (1) of
    ``psi (..., n_R, ...)``, ``v = |0> - |u>`` with ``|u>`` uniform over ``r < s``."""
    if s == 1:
        return psi
    nr = psi.shape[2]
    u = (jnp.arange(nr) < s) / jnp.sqrt(jnp.asarray(s, jnp.real(psi).dtype))
    v = (jnp.arange(nr) == 0) - u
    v = (v / jnp.linalg.norm(v)).astype(psi.dtype)
    proj = jnp.einsum("r,abrcd->abcd", v, psi)
    return psi - 2.0 * v[None, None, :, None, None] * proj[:, :, None]


def _run(circ: SparseAccessCircuit, q: CircuitQueries, psi):
    """``V_L^dagger O_A V_R`` on ``psi`` of shape ``(B, n_X, n_R, n_Y, 2)``."""
    s = circ.sparsity
    psi = _prepare(psi, s)
    # column oracle in place: registers (Y, R, X), the ancilla a spectator
    t = jnp.transpose(psi, (4, 0, 3, 2, 1))  # (2, B, nY, nR, nX)
    t = circ.column.apply(t, q.column)
    psi = jnp.transpose(t, (1, 4, 3, 2, 0))
    # the element oracle's sine LCU on the ancilla, per (x, y) cell
    x, y = (a.astype(psi.dtype)[None, :, None, :] for a in (q.element_x, q.element_y))
    a0, a1 = psi[..., 0], psi[..., 1]
    psi = jnp.stack([x * a0 + y * a1, y * a0 + x * a1], axis=-1)
    # V_L^dagger = P^dagger O_r^dagger, registers (X, R, Y)
    t = jnp.moveaxis(psi, -1, 0)
    t = circ.row.apply(t, q.row, adjoint=True)
    psi = jnp.moveaxis(t, 0, -1)
    return _prepare(psi, s)


def _dtype(circ):
    return complex_dtype(circ.matrix.dtype)


@eqx.filter_jit
def _block(circ: SparseAccessCircuit, mode, imode, key, index):
    n, d = circ.shape
    nx, nr, ny, _ = circ.registers
    q = _queries(circ, mode, imode, key, index)
    j = jnp.arange(d)
    psi = jnp.zeros((d, nx, nr, ny, 2), _dtype(circ)).at[j, 0, 0, j, 0].set(1.0)
    out = _run(circ, q, psi)
    return out[:, :n, 0, 0, 0].T


@eqx.filter_jit
def _apply(circ: SparseAccessCircuit, mode, imode, key, index, vector):
    d = circ.shape[1]
    nx, nr, ny, _ = circ.registers
    lead = vector.shape[:-1]
    vec = vector.reshape(-1, d).astype(_dtype(circ))
    psi = jnp.zeros((vec.shape[0], nx, nr, ny, 2), vec.dtype).at[:, 0, 0, :d, 0].set(vec)
    q = _queries(circ, mode, imode, key, index)
    return _run(circ, q, psi).reshape(*lead, nx, nr, ny, 2)


def sparse_access_circuit(
    matrix: AbstractMatrixSource, *, sparsity: int | None = None
) -> SparseAccessCircuit:
    """The circuit-level sparse-access block encoding of ``A / s`` (GSLW Lemma 48), statevector-exact.

    Parameters
    ----------
    matrix : a matrix source with entries in ``[-1, 1]`` (square or rectangular; see
        :func:`qsjax.sparse_matrix`, :func:`qsjax.hermitian_embedding`).
    sparsity : ``s`` (default the matrix's own, ``max(row, column sparsity)``), as in
        :func:`qsjax.sparse_access_encoding`.

    Raises ``TypeError`` for a non-matrix, ``ValueError`` for a sparsity below the matrix's and for
    registers above :data:`MAX_CIRCUIT_AMPLITUDES` (checked before anything is allocated).
    """
    if not isinstance(matrix, AbstractMatrixSource):
        raise TypeError(
            f"matrix must be a qsjax matrix source (see qsjax.sparse_matrix), got {type(matrix).__name__}"
        )
    s = matrix.sparsity if sparsity is None else positive_int(sparsity, "sparsity")
    if s < matrix.sparsity:
        raise ValueError(f"sparsity must be at least the matrix's sparsity {matrix.sparsity}, got {sparsity}")
    n, d = matrix.shape
    nx, ny = 2 ** register_bits(max(n, s)), 2 ** register_bits(max(d, s))
    amps = nx * ny * 2 ** register_bits(s) * 2
    if amps > MAX_CIRCUIT_AMPLITUDES:
        raise ValueError(
            f"the circuit of a {n} x {d} matrix with sparsity {s} has {amps} amplitudes per input, above "
            "MAX_CIRCUIT_AMPLITUDES = 2**22 (use the operator level, qsjax.sparse_access_encoding)"
        )
    element = element_oracle(matrix)
    row = in_place_row_oracle(matrix, sparsity=s, n_rows=nx, n_cols=ny)
    if matrix.symmetric:
        column = row
    else:
        transpose = sparse_matrix(matrix.to_scipy().T, dtype=matrix.dtype)
        column = in_place_row_oracle(transpose, sparsity=s, n_rows=ny, n_cols=nx)
    return SparseAccessCircuit(matrix=matrix, element=element, row=row, column=column, sparsity=s)
