"""Statevector, diagonal and density-matrix kernels.

Conventions used everywhere in qsjax:

* A register of ``n`` qubits is a complex array whose *last* axis has length ``N = 2**n``; any
  leading axes are batch axes (or an ancilla axis, see below).
* Qubit ``w`` is bit ``w`` of the basis index (little-endian): ``x = sum_w x_w 2**w``.
* A *structured register* ``system x ancilla`` is stored ancilla-major, shape ``(..., A, N)`` with
  ``A = 2**a`` for ``a`` ancilla qubits, so an ancilla gate is a small ``(A, A)`` matrix product and
  a per-entry block encoding is a batched ``(N, A, A)`` product: nothing of size ``(A N)**2`` is built.

Every function is pure, shape-static and works under ``jit``, ``vmap`` and ``grad``.
"""

from __future__ import annotations

from collections.abc import Sequence

import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Complex, Float, Integer

from .._internal.dtypes import complex_dtype
from .._internal.validate import check_qubit, integer_arg, is_concrete, num_qubits

# ----------------------------------------------------------------------------- diagonal operators


def apply_diagonal(
    state: Complex[Array, "... N"], diagonal: Complex[ArrayLike, "... N"]
) -> Complex[Array, "... N"]:
    """Apply a diagonal operator: ``state * diagonal`` (broadcast over leading axes)."""
    state = jnp.asarray(state)
    diagonal = jnp.asarray(diagonal)
    if diagonal.shape[-1:] != state.shape[-1:]:
        raise ValueError(
            f"diagonal has last-axis length {diagonal.shape[-1:]}, expected {state.shape[-1]} "
            "(the state's dimension)"
        )
    return state * diagonal


def apply_phases(
    state: Complex[Array, "... N"], phases: Float[ArrayLike, "... N"]
) -> Complex[Array, "... N"]:
    """Apply ``diag(exp(i * phases))`` to ``state``."""
    phases = jnp.asarray(phases)
    return apply_diagonal(state, jnp.exp(1j * phases.astype(complex_dtype(phases))))


# ----------------------------------------------------------------------------- gates


def _as_gate(gate: ArrayLike, dim: int, name: str) -> Array:
    gate = jnp.asarray(gate)
    if gate.shape != (dim, dim):
        raise ValueError(f"{name} must have shape ({dim}, {dim}), got {gate.shape}")
    return gate


def apply_1q(
    state: Complex[Array, "... N"], gate: Complex[ArrayLike, "2 2"], qubit: int
) -> Complex[Array, "... N"]:
    """Apply a one-qubit gate (2x2 matrix) to ``qubit`` of ``state``."""
    state = jnp.asarray(state)
    n = num_qubits(state.shape[-1], name="state dimension")
    q = check_qubit(qubit, n)
    g = _as_gate(gate, 2, "gate")
    lead = state.shape[:-1]
    y = state.reshape(*lead, 1 << (n - 1 - q), 2, 1 << q)
    y = jnp.einsum("ab,...bk->...ak", g.astype(complex_dtype(state, g)), y)
    return y.reshape(state.shape)


def _control_value(v) -> int:
    """A control value: 0 or 1 as an integer or a bool (``0.5`` is refused, not truncated)."""
    if isinstance(v, bool | np.bool_):
        return int(v)
    return integer_arg(v, "control_values entry", "0 or 1")


def apply_controlled(
    state: Complex[Array, "... N"],
    gate: Complex[ArrayLike, "2 2"],
    target: int,
    controls: Sequence[int],
    control_values: Sequence[int] | None = None,
) -> Complex[Array, "... N"]:
    """Apply ``gate`` to ``target`` when every qubit in ``controls`` equals its control value (1)."""
    state = jnp.asarray(state)
    n = num_qubits(state.shape[-1], name="state dimension")
    t = check_qubit(target, n, "target")
    cs = [check_qubit(c, n, "controls entry") for c in controls]
    if t in cs:
        raise ValueError(f"target qubit {t} also appears in controls {list(controls)}")
    vals = [1] * len(cs) if control_values is None else [_control_value(v) for v in control_values]
    if len(vals) != len(cs) or any(v not in (0, 1) for v in vals):
        raise ValueError(f"control_values must be 0/1, one per control, got {control_values}")
    applied = apply_1q(state, gate, t)
    idx = np.arange(1 << n)
    mask = np.ones(1 << n, dtype=bool)
    for c, v in zip(cs, vals, strict=True):
        mask &= ((idx >> c) & 1) == v
    return jnp.where(jnp.asarray(mask), applied, state.astype(applied.dtype))


def _check_permutation(perm: np.ndarray) -> None:
    big_n = perm.shape[0]
    bad = np.flatnonzero((perm < 0) | (perm >= big_n))
    if bad.size:
        raise ValueError(
            f"perm must be a permutation of range({big_n}): entries {perm[bad[:5]].tolist()} at positions "
            f"{bad[:5].tolist()} are out of range"
        )
    counts = np.bincount(perm.astype(np.int64), minlength=big_n)
    if (counts != 1).any():
        dup = np.flatnonzero(counts > 1)[:5]
        missing = np.flatnonzero(counts == 0)[:5]
        raise ValueError(
            f"perm must be a permutation of range({big_n}): values {dup.tolist()} repeat and "
            f"{missing.tolist()} are missing"
        )


def permute_basis(state: Complex[Array, "... N"], perm: Integer[ArrayLike, " N"]) -> Complex[Array, "... N"]:
    """Apply the permutation unitary ``|x> -> |perm[x]>``.

    ``perm`` must be an integer array that is a permutation of ``range(N)``: a non-integer dtype
    raises ``TypeError``; a concrete ``perm`` with an entry out of range or a repeated entry raises
    ``ValueError`` (a traced ``perm`` inside ``jit`` is not checked). Implemented as a gather with
    the inverse permutation: ``out[perm[x]] = state[x]``.
    """
    state = jnp.asarray(state)
    perm = jnp.asarray(perm)
    if not jnp.issubdtype(perm.dtype, jnp.integer):
        raise TypeError(f"perm must be an integer array (a permutation of range(N)), got dtype {perm.dtype}")
    if perm.shape != state.shape[-1:]:
        raise ValueError(f"perm must have shape {state.shape[-1:]}, got {perm.shape}")
    if is_concrete(perm):
        _check_permutation(np.asarray(perm))
    inv = jnp.zeros_like(perm).at[perm].set(jnp.arange(perm.shape[0], dtype=perm.dtype))
    return state[..., inv]


# ----------------------------------------------------------------------------- measurement


def probabilities(state: Complex[Array, "... N"]) -> Float[Array, "... N"]:
    """Born-rule probabilities ``|state|**2``."""
    state = jnp.asarray(state)
    return jnp.real(state * jnp.conj(state))


def expectation_diagonal(
    state: Complex[Array, "... N"], observable: Float[ArrayLike, " N"]
) -> Float[Array, "..."]:
    """``<state| diag(observable) |state>`` (real for a real observable)."""
    return jnp.sum(probabilities(state) * jnp.asarray(observable), axis=-1)


def expectation(state: Complex[Array, " N"], observable: Complex[ArrayLike, "N N"]) -> Array:
    """``<state| O |state>`` for a dense observable (small registers only)."""
    state, observable = jnp.asarray(state), jnp.asarray(observable)
    dtype = complex_dtype(state, observable)
    state = state.astype(dtype)
    return jnp.vdot(state, observable.astype(dtype) @ state)


def inner(a: Complex[Array, "... N"], b: Complex[Array, "... N"]) -> Complex[Array, "..."]:
    """Inner product ``<a|b>`` over the last axis (conjugating ``a``)."""
    a, b = jnp.asarray(a), jnp.asarray(b)
    dtype = complex_dtype(a, b)
    return jnp.sum(jnp.conj(a.astype(dtype)) * b.astype(dtype), axis=-1)


def fidelity(a: Complex[Array, "... N"], b: Complex[Array, "... N"]) -> Float[Array, "..."]:
    """Pure-state fidelity ``|<a|b>|^2 / (<a|a><b|b>)``."""
    ab = inner(a, b)
    na = jnp.real(inner(a, a))
    nb = jnp.real(inner(b, b))
    return jnp.real(ab * jnp.conj(ab)) / (na * nb)


def normalize(state: Complex[Array, "... N"]) -> Complex[Array, "... N"]:
    """``state / ||state||`` over the last axis."""
    state = jnp.asarray(state)
    return state / jnp.sqrt(jnp.real(inner(state, state)))[..., None]


def plus_state(n_or_dim: int, dtype=jnp.complex64, *, dim: bool = False) -> Complex[Array, " N"]:
    """``|+>^{⊗n}`` as a length-``2**n`` vector (pass ``dim=True`` to give ``N`` directly).

    ``n_or_dim`` must be an integer (``TypeError`` for floats and bools): ``n >= 0``, or ``N >= 1``.
    """
    if dim:
        big_n = integer_arg(n_or_dim, "dim", "a positive integer dimension")
        if big_n < 1:
            raise ValueError(f"dim must be a positive integer, got {big_n}")
    else:
        n = integer_arg(n_or_dim, "n", "a non-negative integer number of qubits")
        if n < 0:
            raise ValueError(f"n must be a non-negative number of qubits, got {n}")
        big_n = 1 << n
    return jnp.full((big_n,), 1.0 / np.sqrt(big_n), dtype=dtype)


def basis_state(index: int, dim: int, dtype=jnp.complex64) -> Complex[Array, " N"]:
    """Computational basis vector ``|index>`` of length ``dim`` (both integers: ``TypeError`` for
    floats and bools, ``ValueError`` out of range)."""
    dim = integer_arg(dim, "dim", "a positive integer dimension")
    if dim < 1:
        raise ValueError(f"dim must be a positive integer, got {dim}")
    index = integer_arg(index, "index", "an integer basis index")
    if not 0 <= index < dim:
        raise ValueError(f"index must be in [0, {dim}), got {index}")
    return jnp.zeros((dim,), dtype).at[index].set(1.0)


# ----------------------------------------------------------------------------- structured registers


def apply_ancilla_gate(
    state: Complex[Array, "... A N"], gate: Complex[ArrayLike, "A A"]
) -> Complex[Array, "... A N"]:
    """Apply a gate acting on the ancilla index only (identity on the system)."""
    state = jnp.asarray(state)
    g = _as_gate(gate, state.shape[-2], "gate")
    return jnp.einsum("ab,...bn->...an", g.astype(complex_dtype(state, g)), state)


def apply_blockwise(
    state: Complex[Array, "... A N"], blocks: Complex[ArrayLike, "N A A"]
) -> Complex[Array, "... A N"]:
    """Apply ``sum_j |j><j| ⊗ blocks[j]``: an ancilla gate that depends on the system basis state.

    This is how a diagonal block encoding (per-entry 2x2 unitary, e.g. the sine LCU) acts on a
    ``system x ancilla`` register in ``O(N A^2)``.
    """
    state = jnp.asarray(state)
    blocks = jnp.asarray(blocks)
    a, n = state.shape[-2:]
    if blocks.shape != (n, a, a):
        raise ValueError(f"blocks must have shape ({n}, {a}, {a}), got {blocks.shape}")
    return jnp.einsum("nab,...bn->...an", blocks.astype(complex_dtype(state, blocks)), state)
