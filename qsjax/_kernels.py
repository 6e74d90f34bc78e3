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

import operator
from collections.abc import Sequence
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Complex, Float, Integer

from ._random import counter_bits, multinomial_counts, uniform_float
from ._validate import MAX_EXACT_M, check_key, integer_counts_dtype, is_concrete, sample_count

__all__ = [
    "apply_diagonal",
    "apply_phases",
    "walsh_hadamard",
    "apply_1q",
    "apply_controlled",
    "permute_basis",
    "probabilities",
    "sample_shots",
    "sample_histogram",
    "expectation_diagonal",
    "expectation",
    "inner",
    "fidelity",
    "normalize",
    "plus_state",
    "basis_state",
    "apply_ancilla_gate",
    "apply_blockwise",
    "density_matrix",
    "apply_diagonal_dm",
    "apply_schur_channel",
    "num_qubits",
]


MAX_SHOTS = 2**26
"""Largest number of outcomes :func:`sample_shots` materialises (2**28 int outcomes plus their
uniforms is a few GiB); :func:`sample_histogram` draws the outcome counts of up to ``2**53`` shots in
``O(N)`` instead."""


def _index(x, name: str, what: str = "an integer") -> int:
    """``x`` as a Python int: Python/numpy integers (and integer 0-d arrays) only, never a bool or a
    float (no silent truncation of ``1.7`` to ``1``)."""
    if isinstance(x, bool | np.bool_):
        raise TypeError(f"{name} must be {what}, got the bool {x!r}")
    try:
        return operator.index(x)
    except TypeError:
        raise TypeError(f"{name} must be {what}, got {type(x).__name__} {x!r}") from None


def num_qubits(dim: int, *, name: str = "dimension") -> int:
    """Number of qubits ``n`` with ``2**n == dim``.

    ``dim`` must be a Python or numpy integer (a float such as ``8.5`` or ``8.0``, or a bool, raises
    ``TypeError``); a value that is not a positive power of two raises ``ValueError``.
    """
    dim = _index(dim, name, "an integer power of two")
    if dim < 1 or dim & (dim - 1):
        raise ValueError(f"{name} must be a power of two (a qubit register), got {dim}")
    return dim.bit_length() - 1


def _complex_dtype(*arrays) -> jnp.dtype:
    """complex64 for single-precision inputs, complex128 for double (honours the caller's x64)."""
    return jnp.result_type(*arrays, jnp.complex64)


def _check_qubit(q: int, n: int, name: str = "qubit") -> int:
    """A qubit index in ``[0, n)``: an integer (``TypeError`` for floats and bools), in range."""
    q = _index(q, name, "an integer qubit index")
    if not 0 <= q < n:
        raise ValueError(f"{name} must be in [0, {n}) for a {n}-qubit register, got {q}")
    return q


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
    return apply_diagonal(state, jnp.exp(1j * phases.astype(_complex_dtype(phases))))


# ----------------------------------------------------------------------------- Walsh–Hadamard


def _butterfly(x: Array, q: int, n: int, normalized: bool = False) -> Array:
    """One Hadamard butterfly on qubit ``q`` of the last axis (unnormalised unless asked)."""
    lead = x.shape[:-1]
    y = x.reshape(*lead, 1 << (n - 1 - q), 2, 1 << q)
    a, b = y[..., 0, :], y[..., 1, :]
    if normalized:
        s = jnp.asarray(2.0**-0.5, jnp.finfo(x.dtype).dtype)
        a, b = a * s, b * s
    return jnp.stack([a + b, a - b], axis=-2).reshape(x.shape)


def _hadamard_block(k: int, dtype, scale: float = 1.0) -> np.ndarray:
    """The ``2**k x 2**k`` Hadamard block ``scale * [[1, 1], [1, -1]]^{⊗k}`` (symmetric)."""
    h = np.array([[scale]])
    for _ in range(k):
        h = np.block([[h, h], [h, -h]])
    return h.astype(dtype)


def _wht_block(x: Array, k: int, normalized: bool) -> Array:
    """The Hadamard block for a group of ``k`` qubits of ``x``, in ``x``'s dtype (complex data take
    a complex block: one complex GEMM beats two real ones plus a recombination pass)."""
    return jnp.asarray(_hadamard_block(k, np.dtype(x.dtype), 2.0 ** (-k / 2) if normalized else 1.0))


def _wht_group(x: Array, lo: int, k: int, n: int, normalized: bool = False) -> Array:
    """Hadamards on the ``k`` consecutive qubits ``lo .. lo+k-1`` as one small contraction: one pass
    over the state does ``k`` butterfly stages. The layout is unchanged."""
    lead = x.shape[:-1]
    y = x.reshape(*lead, 1 << (n - lo - k), 1 << k, 1 << lo)
    out = jnp.einsum("jk,...akb->...ajb", _wht_block(x, k, normalized), y)
    return out.reshape(x.shape)


def _wht_rotate(y: Array, k: int, n: int, normalized: bool) -> Array:
    """Hadamards on the lowest ``k`` qubits of ``y`` (shape ``(B, 2**n)``), written transposed so
    the register comes out rotated down by ``k`` qubits (old qubit ``w`` lands at ``w - k mod n``).

    One GEMM ``H (K, K) x rows^T`` whose output *is* the transposed layout, so the transpose is
    free, and every pass has the same shape: a full transform is a loop of identical passes
    (constant geometry) over two reused buffers.
    """
    b = y.shape[0]
    z = y.reshape(b, 1 << (n - k), 1 << k)
    h = _wht_block(y, k, normalized)
    if b == 1:
        out = jax.lax.dot_general(h, z[0], (((1,), (1,)), ((), ())))  # (K, rows)
    else:
        out = jnp.einsum("ck,brk->bcr", h, z)
    return out.reshape(b, 1 << n)


_WHT_GROUP = 4  # qubits per pass; measured by scripts/bench_core.py (3 is close, 5+ slower)


def walsh_hadamard(
    x: Float[ArrayLike, "... N"] | Complex[ArrayLike, "... N"],
    qubits: Sequence[int] | None = None,
    *,
    normalized: bool = True,
) -> Array:
    """Fast Walsh–Hadamard transform ``H^{⊗S} x`` on the last axis, in ``O(N log N)``.

    Parameters
    ----------
    x : array, shape (..., N), real or complex, ``N = 2**n``.
    qubits : the qubits ``S`` to transform (default: all ``n``). Qubit ``w`` is bit ``w``.
    normalized : if True apply ``H = [[1, 1], [1, -1]] / sqrt(2)`` on each qubit (unitary);
        if False apply the ``±1`` matrix, i.e. ``y_u = sum_v (-1)^{u·v} x_v`` for ``S`` = all.

    No ``N x N`` matrix is formed: qubits are processed in groups of a few, each group one pass over
    the state (a small ``2**k x 2**k`` contraction, the normalisation folded in). The full
    transform is a loop of identical "transform the low qubits, write transposed" passes; a subset
    transforms its runs of consecutive qubits in place.
    """
    x = jnp.asarray(x)
    n = num_qubits(x.shape[-1], name="last axis length of x")
    if qubits is None:
        qs = list(range(n))
    else:
        qs = sorted({_check_qubit(q, n, "qubits entry") for q in qubits})
    if not qs:
        return x
    if not (jnp.issubdtype(x.dtype, jnp.floating) or jnp.issubdtype(x.dtype, jnp.complexfloating)):
        x = x.astype(jnp.result_type(float))
    group = _WHT_GROUP
    if len(qs) == n and n > group:
        lead = x.shape[:-1]
        y = x.reshape(-1, 1 << n)
        passes, rest = divmod(n, group)
        y = jax.lax.fori_loop(0, passes, lambda _, y: _wht_rotate(y, group, n, normalized), y)
        if rest:
            y = _wht_rotate(y, rest, n, normalized)
        return y.reshape(*lead, 1 << n)
    # Split the sorted qubit list into runs of consecutive qubits, each run into groups.
    runs, start = [], qs[0]
    for a, b in zip(qs, qs[1:] + [None], strict=True):
        if b != a + 1:
            runs.append((start, a - start + 1))
            start = b
    for lo, length in runs:
        pos = lo
        while pos < lo + length:
            k = min(group, lo + length - pos)
            x = _butterfly(x, pos, n, normalized) if k == 1 else _wht_group(x, pos, k, n, normalized)
            pos += k
    return x


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
    q = _check_qubit(qubit, n)
    g = _as_gate(gate, 2, "gate")
    lead = state.shape[:-1]
    y = state.reshape(*lead, 1 << (n - 1 - q), 2, 1 << q)
    y = jnp.einsum("ab,...bk->...ak", g.astype(_complex_dtype(state, g)), y)
    return y.reshape(state.shape)


def _control_value(v) -> int:
    """A control value: 0 or 1 as an integer or a bool (``0.5`` is refused, not truncated)."""
    if isinstance(v, bool | np.bool_):
        return int(v)
    return _index(v, "control_values entry", "0 or 1")


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
    t = _check_qubit(target, n, "target")
    cs = [_check_qubit(c, n, "controls entry") for c in controls]
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


def permute_basis(
    state: Complex[Array, "... N"], perm: Integer[ArrayLike, " N"]
) -> Complex[Array, "... N"]:
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


def _shot_count(shots, name: str, max_value: int, hint: str, *, allow_traced: bool) -> int:
    """A non-negative integer number of shots, at most ``max_value`` (see ``sample_count``)."""
    return sample_count(shots, name, allow_traced=allow_traced, max_value=max_value, minimum=0,
                        hint=f"; {hint}")


def _check_state(state, fname: str) -> Array:
    """The state as a 1-D numeric array, finite and of non-zero norm (checked when concrete)."""
    state = jnp.asarray(state)
    if state.ndim != 1:
        raise ValueError(f"state must be one-dimensional (use vmap for batches), got shape {state.shape}")
    if not (jnp.issubdtype(state.dtype, jnp.number) or state.dtype == jnp.bool_):
        raise TypeError(f"state must be an array of numbers, got dtype {state.dtype}")
    if is_concrete(state):
        # numpy, not jnp: inside a caller's jit even ops on concrete constants are staged
        values = np.asarray(state)
        if not np.isfinite(values).all():
            bad = np.flatnonzero(~np.isfinite(values))[:5]
            raise ValueError(f"state contains NaN or inf (first positions {bad.tolist()})")
        if not values.any():
            raise ValueError(f"{fname}: the state has zero norm, so it defines no outcome distribution")
    return state


def _weights_f64(state: Array) -> Float[Array, " N"]:
    """``|state|^2 / max|state|^2`` in float64 (call inside a ``jax.enable_x64(True)`` scope); the
    rescaling keeps tiny states (whose squares would underflow) well defined."""
    dtype = jnp.complex128 if jnp.issubdtype(state.dtype, jnp.complexfloating) else jnp.float64
    s = state.astype(dtype)
    scale = jnp.max(jnp.abs(s))
    s = s / jnp.where(scale > 0, scale, 1.0)
    return jnp.real(s * jnp.conj(s))


def sample_shots(key: Array, state: Complex[Array, " N"], shots: int) -> Integer[Array, " shots"]:
    """Draw ``shots`` measurement outcomes (basis indices) in the computational basis.

    Parameters
    ----------
    key : a single ``jax.random`` key.
    state : array (N,), real or complex, finite and not all zero; it need not be normalised (the
        outcome distribution is ``|state|^2 / ||state||^2``).
    shots : non-negative integer (an integral float such as ``1e6`` is accepted), at most
        :data:`MAX_SHOTS` ``= 2**26``: every outcome is materialised (about 32 bytes per shot of
        temporaries, 2 GiB at the cap). For more shots, or whenever only
        the counts matter, use :func:`sample_histogram` (``O(N)`` whatever the number of shots).

    Returns
    -------
    array (shots,) of the default integer dtype (int64 under x64, int32 without).

    Inverse-CDF sampling: one cumulative sum of ``|state|^2`` and a binary search per uniform draw,
    so ``O(N + shots)`` memory and ``O(N + shots log N)`` time. The sum and the uniforms are float64
    (a local ``jax.enable_x64(True)`` scope when x64 is off, which also works under the caller's
    ``jit``/``vmap``), so outcome probabilities are resolved to ``2**-53`` of the total in either
    precision and a key gives the same outcomes in both. ``shots`` must be concrete (it sets the
    output shape); ``state`` is checked only when concrete.
    """
    key = check_key(key)
    shots = _shot_count(
        shots, "shots", MAX_SHOTS,
        "sample_shots materialises every outcome; use qsjax.sample_histogram(key, state, shots) for the "
        "outcome counts in O(N) memory (exact up to 2**53 shots)",
        allow_traced=False,
    )
    state = _check_state(state, "sample_shots")
    out_dtype = jnp.dtype(jnp.result_type(int))
    with jax.enable_x64(True):
        return _inverse_cdf(key, state, shots).astype(out_dtype)


_SHOTS_STREAM = 0x5407_0000  # high counter word of the uniforms of sample_shots (a stream of its own)


@partial(jax.jit, static_argnums=(2,))
def _inverse_cdf(key, state, shots: int):
    """Outcome indices by inverse-CDF sampling, all in float64 (run inside a local x64 scope).

    Only primitives that stay valid in an x64 scope nested in a caller's x64-off trace are used:
    the uniforms come from qsjax's counter-based threefry words (53-bit floats), not from
    ``jax.random.uniform``, and no ``argmax``.
    """
    weights = _weights_f64(state)
    cdf = jnp.cumsum(weights)
    total = cdf[-1]
    lo = jnp.arange(shots, dtype=jnp.uint32)
    w0, w1 = counter_bits(key, lo, jnp.full((shots,), _SHOTS_STREAM, jnp.uint32))
    u = uniform_float(w0, w1, jnp.float64) * total
    idx = jnp.searchsorted(cdf, u, side="right", method="scan")
    # u can round up to the total at worst: map that to the last outcome of non-zero weight, the
    # first index where the cdf reaches the total (never to a zero-weight cell: side="right"
    # already skips the cells where the cdf does not increase).
    last = jnp.searchsorted(cdf, total, side="left", method="scan")
    return jnp.minimum(idx, last)


def sample_histogram(key: Array, state: Complex[Array, " N"], shots) -> Integer[Array, " N"]:
    """The outcome counts of ``shots`` computational-basis measurements, as one multinomial draw.

    Parameters
    ----------
    key : a single ``jax.random`` key.
    state : array (N,), real or complex, finite and not all zero (need not be normalised).
    shots : non-negative integer (integral floats such as ``1e12`` are accepted), at most ``2**53``.
        It may be traced (e.g. under ``vmap``), in which case it is not checked.

    Returns
    -------
    array (N,) of counts summing to ``shots``, distributed as
    ``Multinomial(shots, |state|^2 / ||state||^2)``: int64 under x64; int32 without, which refuses
    ``shots > 2**31 - 1``.

    Cost ``O(N)`` time and memory whatever ``shots`` (binary splitting, ``N - 1`` binomial draws, in
    float64 in either precision: every count is exact up to ``2**53``), so ``1e15`` shots cost what
    ``10`` do. The histogram of :func:`sample_shots` has the same distribution.
    """
    key = check_key(key)
    shots = _shot_count(
        shots, "shots", MAX_EXACT_M, "counts are exact integers up to 2**53", allow_traced=True
    )
    dtype = integer_counts_dtype(shots, "shots")
    state = _check_state(state, "sample_histogram")
    if is_concrete(shots) and shots == 0:
        return jnp.zeros(state.shape, dtype)
    with jax.enable_x64(True):
        weights = _weights_f64(state)
        counts = multinomial_counts(key, shots, weights / jnp.sum(weights))
    return counts.astype(dtype)


def expectation_diagonal(
    state: Complex[Array, "... N"], observable: Float[ArrayLike, " N"]
) -> Float[Array, "..."]:
    """``<state| diag(observable) |state>`` (real for a real observable)."""
    return jnp.sum(probabilities(state) * jnp.asarray(observable), axis=-1)


def expectation(
    state: Complex[Array, " N"], observable: Complex[ArrayLike, "N N"]
) -> Array:
    """``<state| O |state>`` for a dense observable (small registers only)."""
    state = jnp.asarray(state)
    return jnp.vdot(state, jnp.asarray(observable) @ state)


def inner(a: Complex[Array, "... N"], b: Complex[Array, "... N"]) -> Complex[Array, "..."]:
    """Inner product ``<a|b>`` over the last axis (conjugating ``a``)."""
    return jnp.sum(jnp.conj(jnp.asarray(a)) * jnp.asarray(b), axis=-1)


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
        big_n = _index(n_or_dim, "dim", "a positive integer dimension")
        if big_n < 1:
            raise ValueError(f"dim must be a positive integer, got {big_n}")
    else:
        n = _index(n_or_dim, "n", "a non-negative integer number of qubits")
        if n < 0:
            raise ValueError(f"n must be a non-negative number of qubits, got {n}")
        big_n = 1 << n
    return jnp.full((big_n,), 1.0 / np.sqrt(big_n), dtype=dtype)


def basis_state(index: int, dim: int, dtype=jnp.complex64) -> Complex[Array, " N"]:
    """Computational basis vector ``|index>`` of length ``dim`` (both integers: ``TypeError`` for
    floats and bools, ``ValueError`` out of range)."""
    dim = _index(dim, "dim", "a positive integer dimension")
    if dim < 1:
        raise ValueError(f"dim must be a positive integer, got {dim}")
    index = _index(index, "index", "an integer basis index")
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
    return jnp.einsum("ab,...bn->...an", g.astype(_complex_dtype(state, g)), state)


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
    return jnp.einsum("nab,...bn->...an", blocks.astype(_complex_dtype(state, blocks)), state)


# ----------------------------------------------------------------------------- density matrices


def density_matrix(state: Complex[Array, "... N"]) -> Complex[Array, "... N N"]:
    """``|state><state|``."""
    state = jnp.asarray(state)
    return state[..., :, None] * jnp.conj(state)[..., None, :]


def apply_diagonal_dm(
    rho: Complex[Array, "... N N"], diagonal: Complex[ArrayLike, " N"]
) -> Complex[Array, "... N N"]:
    """``D rho D^dagger`` for ``D = diag(diagonal)``."""
    d = jnp.asarray(diagonal)
    return d[:, None] * jnp.asarray(rho) * jnp.conj(d)[None, :]


def apply_schur_channel(
    rho: Complex[Array, "... N N"], chi: Complex[ArrayLike, "N N"]
) -> Complex[Array, "... N N"]:
    """Apply the diagonal (Schur-multiplier) channel ``rho -> chi ⊙ rho``.

    Every averaged product of random diagonal unitaries has this form with
    ``chi[j, k] = E[exp(i (phi_j - phi_k))]``.
    """
    rho = jnp.asarray(rho)
    chi = jnp.asarray(chi)
    if chi.shape != rho.shape[-2:]:
        raise ValueError(f"chi must have shape {rho.shape[-2:]}, got {chi.shape}")
    return rho * chi
