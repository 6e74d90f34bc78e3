"""Shared test helpers: statistical thresholds and independent dense numpy references.

Imported as a plain module (``import helpers``): pytest puts ``tests/`` on ``sys.path`` because the
folder has no ``__init__.py`` (rootdir-relative "prepend" import mode).

Nothing here calls a qsjax kernel to build a reference: references are explicit numpy matrices,
closed forms written from the definitions, or sums over every outcome. The only library pieces
used are the *public* random draws (``qsjax.random`` / ``BooleanData.sample``), so that a
realisation can be rebuilt from the same samples and compared value for value.

Statistical checks
------------------
Every statistical tolerance in the suite derives from one per-check false-failure probability
``ALPHA`` (two-sided): a correct implementation fails a check with probability ``ALPHA`` for a fresh
key. The keys are fixed, so the suite is deterministic; the level says how much evidence a pass is.

* one z-test (an estimate of a known quantity, standardised by its standard error):
  ``|z| < Z`` with ``Z = Phi^{-1}(1 - ALPHA / 2) = 4.417`` for ``ALPHA = 1e-5``;
* ``k`` simultaneous z-tests (every entry of a vector): Bonferroni, ``z_bound(k)`` =
  ``Phi^{-1}(1 - ALPHA / (2k))`` (family-wise level ``ALPHA``);
* goodness-of-fit tests (chi-square, KS, contingency): ``p-value > ALPHA``.
"""

from __future__ import annotations

import itertools
import math

import jax
import numpy as np
import scipy.stats

import qsjax

ALPHA = 1e-5
P_MIN = ALPHA  # smallest accepted p-value of a goodness-of-fit test


def z_bound(k: int = 1, alpha: float = ALPHA) -> float:
    """Two-sided normal quantile for ``k`` simultaneous tests at family-wise level ``alpha``."""
    return float(scipy.stats.norm.isf(alpha / (2 * k)))


Z = z_bound()  # 4.417 for one two-sided test at 1e-5


def assert_mean_matches(samples, expected, *, axis=0, floor=0.0, what=""):
    """z-test (Bonferroni over every entry, real and imaginary parts separately) that the sample
    mean of ``samples`` along ``axis`` equals the exact ``expected``.

    The standard error is estimated from the samples (use >= 1000 of them: the t-quantile is then
    within 0.3 % of the normal one). ``floor`` is added to the allowed deviation for entries whose
    variance is exactly zero (deterministic entries must match to rounding).
    """
    x = np.asarray(samples)
    reps = x.shape[axis]
    mean = x.mean(axis=axis)
    expected = np.broadcast_to(np.asarray(expected), mean.shape)
    parts = [(np.real, "re"), (np.imag, "im")] if np.iscomplexobj(x) else [(lambda v: v, "")]
    k = mean.size * len(parts)
    z = z_bound(k)
    for part, name in parts:
        se = np.asarray(part(x)).std(axis=axis, ddof=1) / math.sqrt(reps)
        dev = np.abs(part(mean) - part(expected))
        bad = dev > z * se + floor
        assert not bad.any(), (
            f"{what} {name}: mean deviates by more than {z:.2f} standard errors (family-wise level "
            f"{ALPHA}) at {np.flatnonzero(bad.ravel())[:5]}: dev={dev[bad][:5]}, se={se[bad][:5]}"
        )


def assert_same_mean(a, b, *, axis=0, floor=0.0, what=""):
    """Two-sample z-test (Bonferroni over every entry, real and imaginary parts separately) that two
    independent samples have the same mean along ``axis``."""
    a, b = np.asarray(a), np.asarray(b)
    parts = [np.real, np.imag] if (np.iscomplexobj(a) or np.iscomplexobj(b)) else [lambda v: v]
    k = int(np.prod(np.delete(a.shape, axis))) * len(parts)
    z = z_bound(k)
    for part in parts:
        pa, pb = np.asarray(part(a), float), np.asarray(part(b), float)
        se = np.sqrt(pa.var(axis=axis, ddof=1) / pa.shape[axis] + pb.var(axis=axis, ddof=1) / pb.shape[axis])
        dev = np.abs(pa.mean(axis=axis) - pb.mean(axis=axis))
        assert np.all(dev <= z * se + floor), (what, dev, se, z)


def assert_binomial_z(count, trials, prob, *, k=1, what=""):
    """z-test of one count against Binomial(trials, prob) (normal approximation: trials * prob *
    (1 - prob) >> 1)."""
    sd = math.sqrt(trials * prob * (1 - prob))
    zval = (float(count) - trials * prob) / sd
    assert abs(zval) < z_bound(k), f"{what}: z = {zval:.2f} beyond {z_bound(k):.2f}"


# ----------------------------------------------------------------------------- dense kernels

HADAMARD = np.array([[1, 1], [1, -1]]) / np.sqrt(2)


def rand_state(rng, n, batch=()):
    v = rng.normal(size=(*batch, 2**n)) + 1j * rng.normal(size=(*batch, 2**n))
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def rand_unitary(rng, d):
    z = rng.normal(size=(d, d)) + 1j * rng.normal(size=(d, d))
    q, r = np.linalg.qr(z)
    return q * (np.diag(r) / np.abs(np.diag(r)))


def dense_on_qubits(n, ops):
    """Dense operator: ``ops[w]`` on qubit w (bit w, little-endian), identity elsewhere."""
    out = np.array([[1.0 + 0j]])
    for w in reversed(range(n)):
        out = np.kron(out, ops.get(w, np.eye(2)))
    return out


def walsh_matrix(dim):
    """``(-1)^{popcount(u & v)}`` for ``u, v < dim``: the unnormalised Walsh-Hadamard matrix."""
    idx = np.arange(dim)
    return 1.0 - 2.0 * (np.bitwise_count(idx[:, None] & idx[None, :]) & 1)


def controlled_dense(n, gate, target, controls, values):
    """Explicit projector sum ``P_ctrl ⊗ gate + (1 - P_ctrl) ⊗ 1``."""
    proj = np.diag(
        [
            1.0 if all(((x >> c) & 1) == v for c, v in zip(controls, values, strict=True)) else 0.0
            for x in range(2**n)
        ]
    )
    return proj @ dense_on_qubits(n, {target: gate}) + (np.eye(2**n) - proj)


def blockwise_dense(blocks):
    """Dense ``sum_j |j><j| ⊗ blocks[j]`` in the ancilla-major layout ``(a, j) -> a * N + j``."""
    big_n, big_a, _ = blocks.shape
    dense = np.zeros((big_a * big_n,) * 2, complex)
    for j in range(big_n):
        for r in range(big_a):
            for c in range(big_a):
                dense[r * big_n + j, c * big_n + j] = blocks[j, r, c]
    return dense


# ----------------------------------------------------------------------------- QSP, explicit 2x2


def rz(phi, n):
    """exp(i phi Z) stacked n times, shape (n, 2, 2)."""
    out = np.zeros((n, 2, 2), complex)
    out[:, 0, 0] = np.exp(1j * phi)
    out[:, 1, 1] = np.exp(-1j * phi)
    return out


def w_mat(x):
    x = np.asarray(x, float)
    s = np.sqrt(1 - x**2)
    return np.stack([np.stack([x, 1j * s], -1), np.stack([1j * s, x], -1)], -2).astype(complex)


def r_mat(x):
    x = np.asarray(x, float)
    s = np.sqrt(1 - x**2)
    return np.stack([np.stack([x, s], -1), np.stack([s, -x], -1)], -2).astype(complex)


def np_product(phases, blocks):
    """exp(i phi_0 Z) B_1 exp(i phi_1 Z) ... B_d exp(i phi_d Z); blocks: (d, n, 2, 2)."""
    n = blocks.shape[1]
    u = rz(phases[0], n)
    for k in range(1, len(phases)):
        u = u @ blocks[k - 1] @ rz(phases[k], n)
    return u


def np_wx(phases, x):
    """The Wx-convention QSP unitaries at the points ``x`` by explicit 2x2 products."""
    x = np.asarray(x, float)
    w = w_mat(x)
    n = x.shape[0]
    u = rz(phases[0], n)
    for k in range(1, len(phases)):
        u = u @ w @ rz(phases[k], n)
    return u


# ----------------------------------------------------------------------------- sketch references


def probs_of(f, p):
    return np.full(np.shape(f)[0], 1.0 / np.shape(f)[0]) if p is None else np.asarray(p, float)


def expected_ref(theta, p, m):
    """``E[V]_x = (1 + p_x (e^{i theta_x / m} - 1))^m`` straight from the definition (float64)."""
    return (1 + p * (np.exp(1j * np.asarray(theta, float) / m) - 1)) ** m


def orthogonal_chi_ref(theta, p, m):
    """``chi[v, w] = E[exp(i (phi_v - phi_w))]`` of the orthogonal sketch, single-bit data: one
    sample moves cell ``v`` by ``theta_v / m`` (prob. ``p_v``), cell ``w`` by ``-theta_w / m``
    (prob. ``p_w``), or nothing; ``m`` independent samples multiply."""
    a = np.asarray(theta, float) / m
    e = np.exp(1j * a) - 1
    z = 1 + p[:, None] * e[:, None] + p[None, :] * np.conj(e)[None, :]
    chi = z**m
    np.fill_diagonal(chi, 1.0)
    return chi


def naive_expected_ref(f, p, t, m):
    """``E[V]_v`` of the naive baseline from its definition, by an explicit sum over the cells
    ``(x, u)`` of one sample: ``E[V] = (sum_{x,u} p_x / N' exp(i (t/m) f_x (-1)^{x.u} (-1)^{u.v}))^m``.
    """
    dim = len(f)
    npad = 1 << max(0, (dim - 1).bit_length())
    z = walsh_matrix(npad)[:, :dim]  # (u, v) -> (-1)^{u.v}
    sx = walsh_matrix(npad)[:dim, :]  # (x, u) -> (-1)^{x.u}
    one = np.zeros(dim, complex)
    for x in range(dim):
        one += p[x] / npad * np.exp(1j * (t / m) * f[x] * (sx[x][:, None] * z)).sum(axis=0)
    return one**m


def naive_sample_ref(data, key, m, t):
    """The naive sketch's ``sampled(key, m)`` rebuilt from its definition: sample ``l`` is ``x_l``
    (counter ``l`` of ``split(key)[0]``, the data's own IID stream) and ``u_l`` uniform over ``[N']``
    (counter ``l`` of ``split(key)[1]``); the phase of ``v`` is
    ``(t/m) sum_l f(x_l) (-1)^{x_l.u_l} (-1)^{u_l.v}``, evaluated with an explicit sign matrix."""
    dim = data.dim
    npad = 1 << max(0, (dim - 1).bit_length())
    kx, ku = jax.random.split(key)
    x, y = (np.asarray(a) for a in data.sample(kx, m))
    u = np.asarray(qsjax.random.sample_indices(ku, None, npad, 0, 1, m))
    sign = 1.0 - 2.0 * (np.bitwise_count(x & u) & 1)
    signed = np.bincount(u, weights=y * sign, minlength=npad) / m
    return np.exp(1j * t * (walsh_matrix(npad)[:dim, :] @ signed))


def sampled_ref(data, key, m, theta):
    """``PhaseSketch.sampled(key, m)`` rebuilt from the same explicit samples (``data.sample``):
    ``exp(i theta_x n_x / m)`` with ``n`` a numpy bincount."""
    idx = np.asarray(data.sample(key, m)[0])
    n = np.bincount(idx, minlength=data.dim)
    return np.exp(1j * np.asarray(theta, float) * n / m)


def multinomial_outcomes(m, k):
    """All count vectors of m samples over k cells (small m, k only)."""
    for cut in itertools.combinations(range(m + k - 1), k - 1):
        bounds = (-1, *cut, m + k - 1)
        yield np.array([bounds[i + 1] - bounds[i] - 1 for i in range(k)])


def multinomial_pmf(n, p):
    m = int(n.sum())
    if not np.all((p > 0) | (n == 0)):
        return 0.0
    logp = math.lgamma(m + 1) - sum(math.lgamma(int(c) + 1) for c in n)
    logp += float(np.sum(np.where(n > 0, n * np.log(np.where(p > 0, p, 1)), 0.0)))
    return math.exp(logp)


def dense_trace_norm(chi, u, q):
    """``|| sqrt(Q) (chi - u u^dagger) sqrt(Q) ||_1``: the trace distance objective of a diagonal
    channel at the input weights ``q`` (dense eigen-decomposition)."""
    s = np.sqrt(q)
    d = (chi - np.outer(u, u.conj())) * np.outer(s, s)
    return np.abs(np.linalg.eigvalsh(d)).sum()
