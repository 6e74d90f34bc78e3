"""Clifford layers on statevectors and stabilizer amplitudes, never a ``2^n x 2^n`` matrix.

A :class:`qsjax.random.Clifford` ``C = F1 · H_h · P_pi · F2`` acts on a statevector as three passes:

* a *monomial layer* for ``F2`` and ``P_pi`` together: ``out(t) = i^{e(t)} state[idx(t)]`` where
  ``idx`` is an affine GF(2) map (a gather) and ``e`` a quadratic form mod 4 (the diagonal phase);
* Hadamards on the qubits of ``h`` (butterflies; the subset may be traced, e.g. under ``vmap``);
* a monomial layer for ``F1``.

The adjoint runs the inverse layers in the opposite order. Phase tables and gather indices are built
from two half-size tables (the low and the high half of the index bits): an affine map splits as
``A t = A t_lo xor A t_hi`` and a mod-4 quadratic form as ``q(x xor y) = q(x) + q(y) + 2 x^T Gamma y``,
so the full ``2^n`` tables cost a few elementwise integer operations per amplitude.

Amplitudes. For ``phi = C^dagger |b>`` (a stabilizer state) every amplitude has the closed form ::

    <u|phi> = conj(<b|C|u>),  <b|C|u> = theta1(b) theta2(u) 2^{-|h|/2} [(s_b xor t) & ~h = 0]
                                        (-1)^{|s_b & t & h|},

with ``t = pi(Delta2 u xor a2)``, ``s_b = Delta1^{-1}(b xor a1)``, ``theta2(u) = i^{q2(Delta2 u) +
2 b2.Delta2 u}`` and ``theta1(b) = i^{q1(b xor a1) + 2 b1.(b xor a1)}``: ``O(n)`` word operations per
amplitude after ``O(n^3)`` per operator. The support is an affine subspace of dimension ``|h|``. The
global phase is exactly the one of :func:`apply_clifford` (both evaluate the same product of layers).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Complex, Integer

from .._internal.validate import check_key, is_concrete, num_qubits
from ..random._clifford import Clifford, bits_mask, mask_bits, unitriangular_inverse
from ._wht import walsh_hadamard

_U1 = np.uint32(1)


# ----------------------------------------------------------------------------- bit helpers


def _popcount(x: Array) -> Array:
    return jax.lax.population_count(x).astype(jnp.int32)


def _parity(x: Array) -> Array:
    return (jax.lax.population_count(x) & jnp.uint32(1)).astype(jnp.int32)


def _shifts(n: int) -> Array:
    return jnp.arange(n, dtype=jnp.uint32)


def _apply_cols(cols: Array, t: Array) -> Array:
    """``A t`` over GF(2): ``xor_j t_j cols[j]`` for column masks ``cols (k,)`` and masks ``t``."""
    k = cols.shape[-1]
    if k == 0:
        return jnp.zeros(jnp.shape(t), jnp.uint32)
    bits = (t[..., None] >> _shifts(k)) & _U1
    vals = jnp.where(bits == 1, cols, jnp.uint32(0))
    return jax.lax.reduce(vals, np.uint32(0), jax.lax.bitwise_xor, (vals.ndim - 1,))


def _apply_rows(rows: Array, v: Array) -> Array:
    """``A v`` over GF(2) for row masks ``rows (n,)``."""
    n = rows.shape[-1]
    bits = _parity(rows & v[..., None]).astype(jnp.uint32)
    return jnp.sum(bits << _shifts(n), axis=-1, dtype=jnp.uint32)


def _qform(gamma_rows: Array, z: Array) -> Array:
    """``z^T Gamma z mod 4`` over the integers: ``sum_i z_i |z & row_i|``."""
    n = gamma_rows.shape[-1]
    bits = ((z[..., None] >> _shifts(n)) & _U1).astype(jnp.int32)
    return jnp.sum(bits * _popcount(z[..., None] & gamma_rows), axis=-1) & 3


def _rows_to_cols(rows: Array, n: int) -> Array:
    return bits_mask(jnp.swapaxes(mask_bits(rows, n), -1, -2))


def _permute_mask(v: Array, perm: Array, n: int) -> Array:
    """The mask with bit ``perm[j]`` equal to bit ``j`` of ``v`` (``P_pi`` on a basis index)."""
    bits = (v[..., None] >> _shifts(n)) & _U1
    return jnp.sum(bits << perm.astype(jnp.uint32), axis=-1, dtype=jnp.uint32)


def _inverse_cols(delta_rows: Array, n: int) -> Array:
    """Column masks of ``Delta^{-1}`` for a unitriangular ``Delta`` given by row masks."""
    return bits_mask(unitriangular_inverse(mask_bits(delta_rows, n)).T)


# ----------------------------------------------------------------------------- tables


def _split_tables(k: int, zcols, zc, gamma, sign: int, lin, gcols, gc):
    """Tables over ``t in [0, 2^k)`` (split as ``t = t_hi 2^klo + t_lo``) of

    * ``e(t) = sign q_Gamma(z) + 2 lin.z mod 4`` with ``z = A t xor zc`` (``zcols``: ``k`` columns);
    * ``g(t) = G t xor gc`` (``gcols``), returned as its two halves ``(g_lo, g_hi)`` to be xor-ed.

    Returns ``e`` of shape ``(2^khi, 2^klo)`` and ``g_lo (2^klo,)``, ``g_hi (2^khi,)``.
    """
    klo = k // 2
    tlo = jnp.arange(1 << klo, dtype=jnp.uint32)
    thi = jnp.arange(1 << (k - klo), dtype=jnp.uint32)
    zlo = _apply_cols(zcols[:klo], tlo) ^ zc
    zhi = _apply_cols(zcols[klo:], thi)
    elo = sign * _qform(gamma, zlo) + 2 * _parity(lin & zlo)
    ehi = sign * _qform(gamma, zhi) + 2 * _parity(lin & zhi)
    cross = _popcount(_apply_rows(gamma, zlo)[None, :] & zhi[:, None])
    e = (elo[None, :] + ehi[:, None] + 2 * cross) & 3
    glo = _apply_cols(gcols[:klo], tlo) ^ gc
    ghi = _apply_cols(gcols[klo:], thi)
    return e, glo, ghi


def _phase_table(dtype) -> Array:
    return jnp.asarray(np.array([1, 1j, -1, -1j]), dtype)


def _monomial(state: Array, n: int, zcols, zc, gamma, sign: int, lin, gcols, gc) -> Array:
    """``out(t) = i^{e(t)} state[g(t)]`` over the last axis (see :func:`_split_tables`)."""
    e, glo, ghi = _split_tables(n, zcols, zc, gamma, sign, lin, gcols, gc)
    idx = (glo[None, :] ^ ghi[:, None]).reshape(-1).astype(jnp.int32)
    phase = _phase_table(state.dtype)[e.reshape(-1)]
    return jnp.take(state, idx, axis=-1, mode="clip") * phase


def _complex_state(state) -> Array:
    state = jnp.asarray(state)
    if not jnp.issubdtype(state.dtype, jnp.complexfloating):
        if not (jnp.issubdtype(state.dtype, jnp.number) or state.dtype == jnp.bool_):
            raise TypeError(f"state must be an array of numbers, got dtype {state.dtype}")
        state = state.astype(jnp.result_type(1j))
    return state


def _check_clifford(clifford, n: int, name: str = "clifford") -> Clifford:
    if not isinstance(clifford, Clifford):
        raise TypeError(f"{name} must be a qsjax.random.Clifford, got {type(clifford).__name__}")
    if clifford.n_qubits != n:
        raise ValueError(
            f"{name} acts on {clifford.n_qubits} qubits but the state has {n} (last axis length {1 << n})"
        )
    if clifford.batch_shape:
        raise ValueError(
            f"{name} must be a single operator, got a batch of shape {clifford.batch_shape}; map over a "
            "batch with jax.vmap"
        )
    return clifford


# ----------------------------------------------------------------------------- public layers


def apply_hadamards(state: Complex[ArrayLike, "... N"], mask) -> Complex[Array, "... N"]:
    """Hadamards on the qubits set in ``mask`` (a 0/1 array of length ``n`` or a ``uint32`` bit mask).

    A concrete mask is a partial Walsh–Hadamard transform (:func:`walsh_hadamard` on those qubits); a
    traced mask (one per snapshot under ``vmap``) runs one conditional butterfly per qubit.
    """
    state = _complex_state(state)
    n = num_qubits(state.shape[-1], name="last axis length of state")
    mask = jnp.asarray(mask)
    if mask.ndim == 1:
        if mask.shape != (n,):
            raise ValueError(f"mask must have length {n} (one entry per qubit), got shape {mask.shape}")
        mask = bits_mask(mask.astype(jnp.uint32))
    mask = mask.astype(jnp.uint32)
    if is_concrete(mask) and mask.ndim == 0:
        m = int(mask)
        qubits = [j for j in range(n) if (m >> j) & 1]
        return walsh_hadamard(state, qubits) if qubits else state
    r = 2.0**-0.5
    lead = state.shape[:-1]
    real = jnp.zeros((), state.dtype).real.dtype
    for j in range(n):
        on = ((mask >> j) & _U1) == 1
        c = jnp.where(on, r, 1.0).astype(real)
        d = jnp.where(on, r, 0.0).astype(real)
        f = jnp.where(on, -r, 1.0).astype(real)
        y = state.reshape(*lead, 1 << (n - 1 - j), 2, 1 << j)
        a, b = y[..., 0, :], y[..., 1, :]
        state = jnp.stack([c * a + d * b, d * a + f * b], axis=-2).reshape(*lead, 1 << n)
    return state


def _gf2_inverse(matrix: Array) -> tuple[Array, Array]:
    """Inverse of a 0/1 matrix over GF(2) by Gauss–Jordan elimination, and whether it exists."""
    n = matrix.shape[-1]
    aug = jnp.concatenate([matrix.astype(jnp.uint8), jnp.eye(n, dtype=jnp.uint8)], axis=1)

    def step(col, state):
        aug, ok = state
        rows = jnp.arange(n)
        cand = (aug[:, col] == 1) & (rows >= col)
        piv = jnp.argmax(cand)
        ok = ok & cand.any()
        swapped = aug.at[col].set(aug[piv]).at[piv].set(aug[col])
        pivot_row = swapped[col]
        elim = (swapped[:, col] == 1) & (rows != col)
        aug = jnp.where(elim[:, None], swapped ^ pivot_row[None, :], swapped)
        return aug, ok

    aug, ok = jax.lax.fori_loop(0, n, step, (aug, jnp.bool_(True)))
    return aug[:, n:], ok


def apply_linear_map(
    state: Complex[ArrayLike, "... N"], matrix: Integer[ArrayLike, "n n"], shift=0
) -> Complex[Array, "... N"]:
    """The basis permutation ``|x> -> |A x xor c>`` for an invertible ``A`` over GF(2) (a gather).

    ``matrix`` is the 0/1 ``(n, n)`` matrix ``A`` acting on the bit vector of ``x`` (bit ``j`` =
    qubit ``j``); ``shift`` the integer ``c``. A singular ``A`` raises ``ValueError`` (when concrete).
    """
    state = _complex_state(state)
    n = num_qubits(state.shape[-1], name="last axis length of state")
    a = jnp.asarray(matrix)
    if a.shape != (n, n):
        raise ValueError(f"matrix must have shape ({n}, {n}) for a {n}-qubit state, got {a.shape}")
    inv, ok = _gf2_inverse(a & 1)
    if is_concrete(ok) and not bool(ok):
        raise ValueError("matrix is singular over GF(2): x -> A x is not a permutation of basis states")
    icols = bits_mask(inv.T)
    c = jnp.asarray(shift, jnp.uint32)
    zero = jnp.uint32(0)
    eye_cols = jnp.left_shift(jnp.uint32(1), _shifts(n))
    # out(t) = state[A^{-1} (t xor c)]
    return _monomial(
        state, n, eye_cols, zero, jnp.zeros(n, jnp.uint32), 0, zero, icols, _apply_cols(icols, c)
    )


def apply_quadratic_phase(
    state: Complex[ArrayLike, "... N"], gamma: Integer[ArrayLike, "n n"], linear=None
) -> Complex[Array, "... N"]:
    """The diagonal ``|x> -> i^{x^T Gamma x} (-1)^{l.x} |x>`` (``S`` / ``CZ`` / ``Z`` layer).

    ``gamma`` is a symmetric 0/1 ``(n, n)`` matrix (its quadratic form is evaluated over the integers
    mod 4: ``Gamma_ii`` gives ``S`` on qubit ``i``, ``Gamma_ij = Gamma_ji`` a ``CZ``); ``linear`` an
    optional 0/1 vector ``l`` of length ``n`` (``Z`` gates).
    """
    state = _complex_state(state)
    n = num_qubits(state.shape[-1], name="last axis length of state")
    g = jnp.asarray(gamma)
    if g.shape != (n, n):
        raise ValueError(f"gamma must have shape ({n}, {n}) for a {n}-qubit state, got {g.shape}")
    if is_concrete(g) and not np.array_equal(np.asarray(g) & 1, np.asarray(g).T & 1):
        raise ValueError("gamma must be symmetric")
    lin = jnp.uint32(0) if linear is None else bits_mask(jnp.asarray(linear) & 1)
    eye_cols = jnp.left_shift(jnp.uint32(1), _shifts(n))
    zero = jnp.uint32(0)
    return _monomial(state, n, eye_cols, zero, bits_mask(g & 1), 1, lin, eye_cols, zero)


# ----------------------------------------------------------------------------- Clifford layers


def _forward_first(c: Clifford, n: int, state: Array) -> Array:
    """``P_pi F2`` as one monomial layer: ``z = pi^{-1} t xor a2``, ``out = i^{q2(z) + 2 b2.z}
    state[Delta2^{-1} z]``."""
    sigma = jnp.argsort(c.perm.astype(jnp.int32))  # pi^{-1}
    zcols = jnp.left_shift(jnp.uint32(1), sigma.astype(jnp.uint32))
    inv = _inverse_cols(c.delta2, n)
    gcols = inv[sigma]
    return _monomial(state, n, zcols, c.x2, c.gamma2, 1, c.z2, gcols, _apply_cols(inv, c.x2))


def _forward_last(c: Clifford, n: int, state: Array) -> Array:
    """``F1``: ``z = t xor a1``, ``out = i^{q1(z) + 2 b1.z} state[Delta1^{-1} z]``."""
    eye_cols = jnp.left_shift(jnp.uint32(1), _shifts(n))
    inv = _inverse_cols(c.delta1, n)
    return _monomial(state, n, eye_cols, c.x1, c.gamma1, 1, c.z1, inv, _apply_cols(inv, c.x1))


def apply_clifford(
    state: Complex[ArrayLike, "... N"], clifford: Clifford, *, adjoint: bool = False
) -> Complex[Array, "... N"]:
    """``C |state>`` (or ``C^dagger |state>``) for a single :class:`qsjax.random.Clifford` ``C``.

    Leading axes of ``state`` are a batch of states; for a batch of operators ``vmap`` over both.
    Three passes over the state (see the module docstring): ``O(N n)`` time, ``O(N)`` memory.
    """
    state = _complex_state(state)
    n = num_qubits(state.shape[-1], name="last axis length of state")
    c = _check_clifford(clifford, n)
    if not adjoint:
        state = _forward_first(c, n, state)
        state = apply_hadamards(state, c.hadamard)
        return _forward_last(c, n, state)
    # F1^dagger: out(y) = i^{-q1(z) + 2 b1.z} state[z xor a1], z = Delta1 y
    d1 = _rows_to_cols(c.delta1, n)
    state = _monomial(state, n, d1, jnp.uint32(0), c.gamma1, -1, c.z1, d1, c.x1)
    state = apply_hadamards(state, c.hadamard)
    # (F2^dagger P^dagger) : out(y) = i^{-q2(z) + 2 b2.z} state[pi(z xor a2)], z = Delta2 y
    d2 = _rows_to_cols(c.delta2, n)
    gcols = _permute_mask(d2, c.perm, n)
    return _monomial(state, n, d2, jnp.uint32(0), c.gamma2, -1, c.z2, gcols, _permute_mask(c.x2, c.perm, n))


def measure_clifford(key: Array, state: Complex[ArrayLike, " N"], clifford: Clifford) -> Array:
    """One computational-basis outcome ``b ~ |<b|C|state>|^2 / ||state||^2`` (a uint32 basis index).

    The last layer ``F1`` maps basis states to basis states, so only ``H_h P_pi F2`` is applied: an
    outcome ``y`` of that state is drawn by a two-level inverse CDF (blocks, then within the block:
    rounding error ``O(sqrt(N) eps)`` instead of ``O(N eps)``) and mapped to ``b = Delta1 y xor a1``.
    """
    key = check_key(key)
    state = _complex_state(state)
    if state.ndim != 1:
        raise ValueError(f"state must be one-dimensional (use vmap for batches), got shape {state.shape}")
    n = num_qubits(state.shape[-1], name="length of state")
    c = _check_clifford(clifford, n)
    s = apply_hadamards(_forward_first(c, n, state), c.hadamard)
    y = _inverse_cdf_two_level(key, jnp.real(s * jnp.conj(s)), n)
    return _apply_rows(c.delta1, y) ^ c.x1


def _inverse_cdf_two_level(key: Array, p: Array, n: int) -> Array:
    lo = n // 2
    blocks = p.reshape(1 << (n - lo), 1 << lo)
    sums = jnp.sum(blocks, axis=1)
    k1, k2 = jax.random.split(key)
    cdf = jnp.cumsum(sums)
    u = jax.random.uniform(k1, (), p.dtype) * cdf[-1]
    row = jnp.minimum(jnp.searchsorted(cdf, u, side="right"), (1 << (n - lo)) - 1)
    # never land in an empty block through rounding: step back to the last non-empty one at or before
    nonempty = sums > 0
    row = jnp.where(
        nonempty[row],
        row,
        jnp.max(jnp.where(nonempty & (jnp.arange(sums.size) <= row), jnp.arange(sums.size), 0)),
    )
    inner = jnp.cumsum(blocks[row])
    v = jax.random.uniform(k2, (), p.dtype) * inner[-1]
    col = jnp.minimum(jnp.searchsorted(inner, v, side="right"), (1 << lo) - 1)
    return (row.astype(jnp.uint32) << lo) | col.astype(jnp.uint32)


# ----------------------------------------------------------------------------- amplitudes


def _amp_setup(c: Clifford, n: int, b: Array):
    """Per-operator constants of the amplitude formula: ``s_b``, the exponent of ``theta1(b)``, the
    ``|h|`` scale."""
    b = jnp.asarray(b).astype(jnp.uint32)
    v = b ^ c.x1
    sb = _apply_cols(_inverse_cols(c.delta1, n), v)
    e1 = (_qform(c.gamma1, v) + 2 * _parity(c.z1 & v)) & 3
    return sb, e1


def clifford_amplitudes(
    clifford: Clifford, b: Integer[ArrayLike, ""], u: Integer[ArrayLike, "..."], dtype=None
) -> Complex[Array, "..."]:
    """Amplitudes ``<u|C^dagger|b>`` of the stabilizer state ``C^dagger |b>`` at basis indices ``u``.

    ``O(n)`` word operations per amplitude (closed form in the module docstring), no ``2^n`` vector;
    the global phase is exactly that of ``apply_clifford(basis_state(b), C, adjoint=True)``. ``b`` and
    ``u`` are integer basis indices (any shape for ``u``); ``dtype`` the complex result dtype (default
    complex64, or complex128 with x64 on).
    """
    c = _check_clifford(clifford, clifford.n_qubits)
    n = c.n_qubits
    dtype = dtype or jnp.result_type(1j)
    u = jnp.asarray(u).astype(jnp.uint32)
    sb, e1 = _amp_setup(c, n, b)
    d2 = _rows_to_cols(c.delta2, n)
    z = _apply_cols(d2, u)
    e2 = _qform(c.gamma2, z) + 2 * _parity(c.z2 & z)
    t = _permute_mask(z ^ c.x2, c.perm, n)
    h = c.hadamard
    on = ((sb ^ t) & ~h) == 0
    e = (-(e1 + e2) + 2 * _parity(sb & t & h)) & 3
    scale = jnp.asarray(2.0, _phase_table(dtype).real.dtype) ** (-0.5 * _popcount(h))
    return jnp.where(on, _phase_table(dtype)[e] * scale, 0).astype(dtype)


def stabilizer_state(
    clifford: Clifford,
    b: Integer[ArrayLike, ""],
    *,
    block_qubits: int | None = None,
    block: int = 0,
    dtype=None,
) -> Complex[Array, " K"]:
    """The stabilizer state ``C^dagger |b>`` as a dense vector, from the closed form (no Hadamard
    transform: a few integer operations per amplitude).

    With ``block_qubits = k < n`` only the ``2^k`` amplitudes at ``u = block * 2^k + t``
    (``t < 2^k``: the block whose top ``n - k`` bits equal ``block``) are returned.
    """
    c = _check_clifford(clifford, clifford.n_qubits)
    n = c.n_qubits
    k = n if block_qubits is None else int(block_qubits)
    if not 0 <= k <= n:
        raise ValueError(f"block_qubits must be in [0, {n}], got {block_qubits}")
    dtype = dtype or jnp.result_type(1j)
    sb, e1 = _amp_setup(c, n, b)
    off = jnp.asarray(block, jnp.uint32) << k if k < n else jnp.uint32(0)
    d2 = _rows_to_cols(c.delta2, n)
    pd2 = _permute_mask(d2, c.perm, n)  # columns of pi Delta2
    zc = _apply_cols(d2, off)
    tc = _permute_mask(zc ^ c.x2, c.perm, n)
    e, tlo, thi = _split_tables(k, d2[:k], zc, c.gamma2, -1, c.z2, pd2[:k], tc)
    h = c.hadamard
    m = sb & h
    e = (e - e1 + 2 * (_parity(tlo & m)[None, :] ^ _parity(thi & m)[:, None])) & 3
    on = (((tlo[None, :] ^ thi[:, None]) ^ sb) & ~h) == 0
    scale = jnp.asarray(2.0, _phase_table(dtype).real.dtype) ** (-0.5 * _popcount(h))
    out = jnp.where(on, _phase_table(dtype)[e] * scale, 0).astype(dtype)
    return out.reshape(-1)


def clifford_unitary(clifford: Clifford, dtype=None) -> Complex[Array, "N N"]:
    """The dense ``2^n x 2^n`` unitary of ``C`` (columns ``C|x>``), for tests and small ``n <= 12``."""
    n = clifford.n_qubits
    if n > 12:
        raise ValueError(f"clifford_unitary builds a dense matrix; n_qubits must be <= 12, got {n}")
    dtype = dtype or jnp.result_type(1j)
    eye = jnp.eye(1 << n, dtype=dtype)
    return apply_clifford(eye, clifford).T
