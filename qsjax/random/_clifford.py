"""Uniformly random ``n``-qubit Clifford operators in Bruhat (Bravyi–Maslov) form, and their tableaux.

The form
--------
Every Clifford operator (up to a global phase) can be written ::

    C = F1 · H_h · P_pi · F2,

read right to left when acting on a state (``F2`` first): ``F2`` and ``F1`` are *Hadamard-free*
Cliffords of the lower-triangular ("Borel") subgroup ``B``, ``H_h`` is a Hadamard on every qubit of
the subset ``h`` and ``P_pi`` the qubit permutation ``|y> -> |y'>`` with ``y'_{pi(j)} = y_j``
(S. Bravyi and D. Maslov, "Hadamard-free circuits expose the structure of the Clifford group",
IEEE Trans. Inf. Theory 67, 4546 (2021), arXiv:2003.09412). An element of ``B`` is ::

    F = X^a Z^b · D_Gamma · L_Delta,   L_Delta |y> = |Delta y>,   D_Gamma |y> = i^{y^T Gamma y} |y>,

with ``Delta`` a lower unitriangular ``n x n`` matrix over GF(2) (a CNOT circuit whose controls sit
below their targets), ``Gamma`` a symmetric 0/1 matrix whose quadratic form ``y^T Gamma y`` is taken
over the integers mod 4 (``S`` gates on the diagonal, ``CZ`` gates off it) and ``X^a Z^b`` a Pauli
(``Z`` applied first). Qubit ``j`` is bit ``j`` of a basis index throughout. ``B`` has ``2^(n^2+2n)``
elements modulo phase and the parameters ``(a, b, Gamma, Delta)`` label them one to one.

Why the sampler is exactly uniform
----------------------------------
Modulo Paulis and phases the Clifford group is the symplectic group ``Sp(2n, 2)``, and ``B`` is (the
preimage of) its Borel subgroup; the ``2^n n!`` operators ``w = H_h P_pi`` represent its Weyl group,
the signed permutations. The Bruhat decomposition says the double cosets ``B w B`` partition the
group, with ``|B w B| = |B| 2^{l(w)}`` where ``l(w)`` is the number of positive roots that ``w^{-1}``
makes negative. The group ``B x B`` acts transitively on ``B w B`` by ``(F1, F2): C -> F1 C F2^{-1}``,
so for independent uniform ``F1, F2`` in ``B`` the product ``F1 w F2`` is uniform on ``B w B``.
Drawing ``w`` with probability ``2^{l(w)} / sum_v 2^{l(v)}`` therefore makes ``C`` uniform on the
whole group; this ``w``-distribution is the "quantum Mallows" law of Bravyi–Maslov (they instead
restrict ``F1`` to make the form unique; here both factors are free, which is simpler and equally
exact).

The length in our conventions. Give Pauli ``X_i`` the weight ``+e_i`` and ``Z_i`` the weight
``-e_i``. The root subgroups of ``B`` are ``S_i`` (root ``-2e_i``), ``CZ_ij`` (``-e_i - e_j``) and the
CNOT ``j -> i`` for ``i > j`` (``e_i - e_j``); they are exactly the roots with ``f > 0`` for the
functional ``f(e_a) = a - n`` (0-based ``a``: negative and increasing). Write
``g_i = f(w^{-1} e_i)``; then ``w^{-1} e_i = s_i e_{pi^{-1}(i)}`` with ``s_i = -1`` on ``h``, so
``|g_i| = n - pi^{-1}(i)`` and ``g_i > 0`` exactly when ``i`` is in ``h``. Counting inverted roots
gives ::

    l(w) = #{i : g_i > 0} + sum_{i<j} ([g_i + g_j > 0] + [g_i > g_j]).

For fixed ``|g_i|`` the pair terms of ``(i, j)`` depend on ``g_j`` only through ``|g_j| < |g_i|``
(contributing 2 if ``g_i > 0`` else 0) or ``|g_j| > |g_i|`` (contributing exactly 1), so choosing
``g_0, g_1, ...`` in turn, the choice at a step with ``m`` unused absolute values contributes
``m - a`` (for ``g = -(a-th smallest)``) or ``m + a - 1`` (for ``+``): each of ``0 .. 2m-1`` exactly
once. Hence ``w`` is drawn by ``n`` independent steps, each picking ``r`` in ``{0..2m-1}`` with
probability ``2^r / (4^m - 1)`` — and ``sum_w 2^{l(w)} = prod_m (4^m - 1) = |Cl_n| / |B|``, as it
must be. ``r`` is the bit length minus one of a uniform integer in ``[1, 2^{2m})``, drawn exactly
from random bits by rejection of 0, so every probability is exact (no floating point anywhere).

Storage
-------
:class:`Clifford` keeps the form's bits as ``uint32`` bit masks: ``Gamma`` and ``Delta`` as ``n`` row
masks each (bit ``j`` of ``rows[i]`` is entry ``(i, j)``), ``h``, ``a`` and ``b`` as one mask each and
``pi`` as ``n`` bytes — ``O(n^2)`` bits, ``num_bits`` counting them packed. Batches are the same
pytree with leading axes (``jax.vmap(lambda k: random_clifford(k, n))(keys)``).
"""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, UInt8, UInt32

from .._internal.validate import check_key, integer_arg

MAX_CLIFFORD_QUBITS = 32
"""Largest register of :func:`random_clifford`: bit masks are ``uint32`` words."""


class Clifford(eqx.Module):
    """A Clifford operator ``C = F1 · H_h · P_pi · F2`` in Bruhat form (see the module docstring).

    Attributes (each may carry leading batch axes; masks are ``uint32``, bit ``j`` = qubit ``j``)
    ----------
    hadamard : mask of the Hadamard layer ``h``.
    perm : ``uint8 (n,)``, ``perm[j] = pi(j)``: qubit ``j`` is moved to qubit ``pi(j)``.
    gamma1, delta1 : ``(n,)`` row masks of ``F1``'s symmetric ``Gamma`` and lower unitriangular ``Delta``.
    x1, z1 : masks of ``F1``'s Pauli ``X^a Z^b``.
    gamma2, delta2, x2, z2 : the same for ``F2`` (applied first).
    n_qubits : ``n`` (static).

    The operator is *defined* by this product of layers, global phase included: the statevector
    kernels and the amplitude formulas of ``qsjax.kernels`` all use it, so they agree exactly.
    """

    hadamard: UInt32[Array, "..."]
    perm: UInt8[Array, "... n"]
    gamma1: UInt32[Array, "... n"]
    delta1: UInt32[Array, "... n"]
    x1: UInt32[Array, "..."]
    z1: UInt32[Array, "..."]
    gamma2: UInt32[Array, "... n"]
    delta2: UInt32[Array, "... n"]
    x2: UInt32[Array, "..."]
    z2: UInt32[Array, "..."]
    n_qubits: int = eqx.field(static=True)

    @property
    def batch_shape(self) -> tuple[int, ...]:
        """Leading (snapshot) axes of the stored arrays."""
        return tuple(self.perm.shape[:-1])

    @property
    def num_bits(self) -> int:
        """Bits of one operator, packed: ``2 (n^2 + 2n)`` for the two Borel factors (``Gamma``'s upper
        triangle, ``Delta``'s strict lower triangle, the Pauli), ``n`` for ``h`` and
        ``n ceil(log2 n)`` for ``pi``."""
        n = self.n_qubits
        perm_bits = n * math.ceil(math.log2(n)) if n > 1 else 0
        return 2 * (n * n + 2 * n) + n + perm_bits

    @property
    def nbytes(self) -> int:
        """Bytes of the stored arrays (the whole batch)."""
        return sum(int(np.prod(a.shape)) * a.dtype.itemsize for a in jax.tree_util.tree_leaves(self))

    def matrices(self) -> dict[str, Array]:
        """The form as 0/1 ``uint8`` arrays: ``gamma1, delta1, gamma2, delta2`` of shape ``(..., n, n)``,
        ``hadamard, x1, z1, x2, z2`` of shape ``(..., n)`` and ``perm``."""
        n = self.n_qubits
        out = {k: mask_bits(getattr(self, k), n) for k in ("gamma1", "delta1", "gamma2", "delta2")}
        out.update({k: mask_bits(getattr(self, k), n) for k in ("hadamard", "x1", "z1", "x2", "z2")})
        out["perm"] = self.perm
        return out

    def tableau(self) -> tuple[UInt8[Array, "... 2n 2n"], UInt8[Array, "... 2n"]]:
        """The stabilizer tableau ``(M, signs)``: row ``i < n`` is ``C X_i C^dagger``, row ``n + i`` is
        ``C Z_i C^dagger``, written as ``(-1)^{signs[r]} prod_j P_j`` with ``P_j`` in ``{I, X, Y, Z}``
        given by the bits ``(M[r, j], M[r, n + j])`` (``x, z``; both set is ``Y``).

        This is stim's ``Tableau.from_numpy(x2x=M[:n, :n], x2z=M[:n, n:], z2x=M[n:, :n],
        z2z=M[n:, n:], x_signs=signs[:n], z_signs=signs[n:])`` convention. ``O(n^3)`` bit operations.
        """
        fn = _tableau
        for _ in self.batch_shape:
            fn = jax.vmap(fn)
        return fn(self)


# ----------------------------------------------------------------------------- bit helpers


def mask_bits(mask: Array, n: int) -> UInt8[Array, "... n"]:
    """Bits ``0 .. n-1`` of ``uint32`` masks as a trailing axis of 0/1 ``uint8``."""
    shifts = jnp.arange(n, dtype=jnp.uint32)
    return ((jnp.asarray(mask, jnp.uint32)[..., None] >> shifts) & jnp.uint32(1)).astype(jnp.uint8)


def bits_mask(bits: Array) -> UInt32[Array, "..."]:
    """Inverse of :func:`mask_bits`: a trailing 0/1 axis packed into ``uint32`` masks."""
    n = bits.shape[-1]
    weights = jnp.left_shift(jnp.uint32(1), jnp.arange(n, dtype=jnp.uint32))
    return jnp.sum(bits.astype(jnp.uint32) * weights, axis=-1, dtype=jnp.uint32)


def _popcount(x: Array) -> Array:
    return jax.lax.population_count(x).astype(jnp.int32)


def _parity(x: Array) -> Array:
    return jax.lax.population_count(x) & jnp.uint32(1)


def _matvec(rows: Array, v: Array) -> Array:
    """``A v`` over GF(2) for ``A`` given by row masks ``(n,)`` and a mask ``v`` (any leading axes)."""
    n = rows.shape[-1]
    bits = _parity(rows & v[..., None])
    return jnp.sum(bits << jnp.arange(n, dtype=jnp.uint32), axis=-1, dtype=jnp.uint32)


def _gf2_matmul(a: Array, b: Array) -> Array:
    return (jnp.matmul(a.astype(jnp.int32), b.astype(jnp.int32)) & 1).astype(jnp.uint8)


def unitriangular_inverse(delta: Array) -> Array:
    """Inverse of a unitriangular 0/1 matrix over GF(2): ``(I + N)^{-1} = prod_k (I + N^{2^k})``
    for nilpotent ``N`` (``N^n = 0``), in ``ceil(log2 n)`` matrix squarings."""
    n = delta.shape[-1]
    eye = jnp.eye(n, dtype=jnp.uint8)
    nil = delta ^ eye
    inv = eye
    for _ in range(max(1, math.ceil(math.log2(max(n, 2))))):
        inv = _gf2_matmul(inv, eye ^ nil)
        nil = _gf2_matmul(nil, nil)
    return inv


# ----------------------------------------------------------------------------- sampling


def _draw_r(key: Array, m: Array) -> Array:
    """``r`` in ``{0 .. 2m-1}`` with probability ``2^r / (4^m - 1)`` (exact, ``m <= 32``)."""
    k = 2 * m  # bits of the uniform integer

    def attempt(key):
        w = jax.random.bits(key, (2,), jnp.uint32)
        lo_bits = jnp.minimum(k, 32)
        hi_bits = jnp.maximum(k - 32, 0)
        lo_mask = jnp.where(lo_bits >= 32, jnp.uint32(0xFFFFFFFF), (jnp.uint32(1) << lo_bits) - 1)
        hi_mask = jnp.where(hi_bits >= 32, jnp.uint32(0xFFFFFFFF), (jnp.uint32(1) << hi_bits) - 1)
        lo, hi = w[0] & lo_mask, w[1] & hi_mask
        r = jnp.where(hi != 0, 63 - jax.lax.clz(hi).astype(jnp.int32), 31 - jax.lax.clz(lo).astype(jnp.int32))
        return r, (lo | hi) != 0

    def cond(state):
        return ~state[2]

    def body(state):
        key, _, _ = state
        key, sub = jax.random.split(key)
        r, ok = attempt(sub)
        return key, r, ok

    _, r, _ = jax.lax.while_loop(cond, body, (key, jnp.int32(0), jnp.bool_(False)))
    return r


def _weyl_element(key: Array, n: int) -> tuple[Array, Array]:
    """``(h, pi)`` of the Weyl factor ``H_h P_pi`` with probability ``2^{l(w)} / prod (4^m - 1)``."""
    keys = jax.random.split(key, n)
    idx = jnp.arange(n)

    def step(i, state):
        used, h, sigma = state
        m = n - i
        r = _draw_r(keys[i], m)
        positive = r >= m
        rank = jnp.where(positive, r - m + 1, m - r)  # 1-based rank among the unused values
        free = ~used
        pos = jnp.argmax(free & (jnp.cumsum(free) == rank))  # value |g_i| = pos + 1
        used = used.at[pos].set(True)
        h = h.at[i].set(positive.astype(jnp.uint8))
        sigma = sigma.at[i].set(
            (n - 1 - pos).astype(jnp.int32)
        )  # pi^{-1}(i), 0-based: |g_i| = n - pi^{-1}(i)
        return used, h, sigma

    init = (jnp.zeros(n, bool), jnp.zeros(n, jnp.uint8), jnp.zeros(n, jnp.int32))
    _, h, sigma = jax.lax.fori_loop(0, n, step, init)
    perm = jnp.zeros(n, jnp.int32).at[sigma].set(idx.astype(jnp.int32))  # pi = sigma^{-1}
    return h, perm


def _borel_element(key: Array, n: int) -> tuple[Array, Array, Array, Array]:
    """A uniform element of ``B``: row masks of ``Gamma`` (symmetric) and ``Delta`` (lower
    unitriangular), and Pauli masks ``a, b``."""
    kg, kd, kp = jax.random.split(key, 3)
    upper = jnp.triu(jax.random.bernoulli(kg, 0.5, (n, n)).astype(jnp.uint8))
    gamma = upper | upper.T
    delta = jnp.tril(jax.random.bernoulli(kd, 0.5, (n, n)).astype(jnp.uint8), -1) | jnp.eye(
        n, dtype=jnp.uint8
    )
    pauli = jax.random.bernoulli(kp, 0.5, (2, n)).astype(jnp.uint8)
    return bits_mask(gamma), bits_mask(delta), bits_mask(pauli[0]), bits_mask(pauli[1])


def random_clifford(key: Array, n_qubits: int) -> Clifford:
    """A uniformly random ``n``-qubit Clifford operator (exactly uniform modulo global phase).

    Parameters
    ----------
    key : a single ``jax.random`` key (``vmap`` over a batch of keys for many operators).
    n_qubits : ``1 <= n <= 32``.

    Returns
    -------
    Clifford : ``F1 · H_h · P_pi · F2`` with independent uniform Borel factors and the Weyl factor
        from the quantum Mallows law (see the module docstring for the proof of uniformity).
        ``O(n^2)`` random bits plus a rejection loop that runs ``n (1 + O(4^-m))`` times; fixed
        shapes, so it jits and vmaps.
    """
    key = check_key(key)
    n = integer_arg(n_qubits, "n_qubits", "a positive integer number of qubits")
    if not 1 <= n <= MAX_CLIFFORD_QUBITS:
        raise ValueError(f"n_qubits must be in [1, {MAX_CLIFFORD_QUBITS}], got {n}")
    kw, k1, k2 = jax.random.split(key, 3)
    h, perm = _weyl_element(kw, n)
    g1, d1, a1, b1 = _borel_element(k1, n)
    g2, d2, a2, b2 = _borel_element(k2, n)
    return Clifford(
        hadamard=bits_mask(h),
        perm=perm.astype(jnp.uint8),
        gamma1=g1,
        delta1=d1,
        x1=a1,
        z1=b1,
        gamma2=g2,
        delta2=d2,
        x2=a2,
        z2=b2,
        n_qubits=n,
    )


# ----------------------------------------------------------------------------- tableau


def _conj_borel(x, z, k, gamma, delta, a, b, n):
    """Conjugate ``i^k X^x Z^z`` by ``F = X^a Z^b D_Gamma L_Delta`` (``L`` first).

    ``L``: ``x -> Delta x``, ``z -> Delta^{-T} z``. ``D``: ``k += x^T Gamma x`` (mod 4, integer
    form), ``z ^= Gamma x``. Pauli: ``k += 2 (b.x + a.z)``.
    """
    inv = unitriangular_inverse(mask_bits(delta, n))  # rows of Delta^{-1}
    x = _matvec(delta, x)
    z = _matvec(bits_mask(inv.T), z)  # rows of Delta^{-T} are the columns of Delta^{-1}
    k = k + jnp.sum(
        ((x[..., None] >> jnp.arange(n, dtype=jnp.uint32)) & 1).astype(jnp.int32)
        * _popcount(x[..., None] & gamma),
        axis=-1,
    )
    z = z ^ _matvec(gamma, x)
    k = k + 2 * (_popcount(b & x) + _popcount(a & z))
    return x, z, k & 3


def _permute_mask(v: Array, perm: Array, n: int) -> Array:
    """``v'`` with bit ``perm[j]`` equal to bit ``j`` of ``v``."""
    bits = (v[..., None] >> jnp.arange(n, dtype=jnp.uint32)) & jnp.uint32(1)
    return jnp.sum(bits << perm.astype(jnp.uint32), axis=-1, dtype=jnp.uint32)


def _tableau(c: Clifford):
    n = c.n_qubits
    gens = jnp.left_shift(jnp.uint32(1), jnp.arange(n, dtype=jnp.uint32))
    zero = jnp.zeros(n, jnp.uint32)
    x = jnp.concatenate([gens, zero])
    z = jnp.concatenate([zero, gens])
    k = jnp.zeros(2 * n, jnp.int32)
    x, z, k = _conj_borel(x, z, k, c.gamma2, c.delta2, c.x2, c.z2, n)
    x, z = _permute_mask(x, c.perm, n), _permute_mask(z, c.perm, n)
    hm = c.hadamard
    k = (k + 2 * _popcount(x & z & hm)) & 3
    x, z = (x & ~hm) | (z & hm), (z & ~hm) | (x & hm)
    x, z, k = _conj_borel(x, z, k, c.gamma1, c.delta1, c.x1, c.z1, n)
    signs = (((k - _popcount(x & z)) & 3) >> 1).astype(jnp.uint8)
    return jnp.concatenate([mask_bits(x, n), mask_bits(z, n)], axis=-1), signs
