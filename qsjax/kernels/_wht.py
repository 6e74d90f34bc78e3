"""The fast Walsh–Hadamard transform on any subset of qubits (the inner loop of the vector state,
the naive baseline and Clifford layers), without leaving JAX."""

from __future__ import annotations

from collections.abc import Sequence

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Complex, Float

from .._internal.validate import check_qubit, num_qubits

# ----------------------------------------------------------------------------- Walsh–Hadamard


def _butterfly(x: Array, q: int, n: int, normalized: bool = False) -> Array:
    """One Hadamard butterfly on qubit ``q`` of the last axis (unnormalised unless asked)."""
    lead = x.shape[:-1]
    y = x.reshape(*lead, 1 << (n - 1 - q), 2, 1 << q)
    a, b = y[..., 0, :], y[..., 1, :]
    if normalized:
        s = jnp.asarray(2.0**-0.5, x.dtype)
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
        qs = sorted({check_qubit(q, n, "qubits entry") for q in qubits})
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
