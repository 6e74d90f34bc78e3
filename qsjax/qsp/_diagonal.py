"""blockencoding/_diagonal."""

from __future__ import annotations

from functools import partial
from typing import Literal

import jax
import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, Complex

from .._internal.dtypes import complex_of, real_dtype_of
from ._conventions import i_power, reflection_phases
from ._signals import block_signal, phase_array, real_signal, safe_sqrt_1m


def qsp_response(phases: ArrayLike, x: ArrayLike) -> Complex[Array, "..."]:
    """``<0|U_phi(x)|0>`` in the ``"wx"`` convention, memory O(size of x) (one column propagated).

    Parameters
    ----------
    phases : array, shape (d + 1,), real
    x : array, any shape, real in [-1, 1] (checked as in :func:`qsp_unitary`)

    Returns
    -------
    array, same shape as x, complex; its real part is the QSP polynomial for symmetric phases.
    """
    x = real_signal(x, "x")
    return qsvt_diagonal(phases, x.reshape(-1), convention="wx").reshape(x.shape)


def qsvt_diagonal(phases: ArrayLike, signal: ArrayLike, *,
                  convention: Literal["reflection", "wx", "unitary"] = "reflection",
                  return_block: bool = False) -> Complex[Array, "..."]:
    """QSVT on a diagonal block encoding: a per-entry product of 2x2 matrices.

    Computes, independently for each entry ``j``, ::

        U_j = g * exp(i phi'_0 Z) B_{1,j} exp(i phi'_1 Z) B_{2,j} ... B_{d,j} exp(i phi'_d Z)

    where ``phi`` are the ``"wx"`` phases (as from :func:`find_phases`), ``phi'`` / ``g`` their
    conversion for the chosen block encoding (see :func:`convert_phases`), and ``B_{k,j}`` the
    signal operator of query ``k`` (the rightmost, ``k = d``, acts first). Returns the top-left
    entries ``<0|U_j|0>``; for every convention this equals ``<0|U^wx_phi(a_j)|0> = P(a_j) + i Q(a_j)``
    when all queries carry the same value ``a_j``.

    Parameters
    ----------
    phases : array, shape (d + 1,), real, or QSPPhases
        ``"wx"``-convention phases.
    signal : array
        * ``convention="reflection"`` (default) or ``"wx"``: block-encoded values ``a`` in
          ``[-1, 1]``, shape ``(N,)`` (the same for every query) or ``(d, N)`` (``signal[k-1]`` is
          query ``k``: a distinct realisation per query, e.g. a sketch with fresh samples). The
          per-entry blocks are ``R(a) = [[a, sqrt(1-a^2)], [sqrt(1-a^2), -a]]`` (Hermitian block
          encoding; run with the converted phases and global phase ``i^d``) or ``W(a)``.
          Use ``jax.vmap`` for batches of signal vectors.
        * ``convention="unitary"``: explicit per-entry unitaries, shape ``(N, 2, 2)`` or
          ``(d, N, 2, 2)``, with the block-encoded value in entry ``[0, 0]``. As in a QSVT circuit
          the queries alternate ``B`` (the first applied, ``k = d``) and ``B^dagger``; for Hermitian
          blocks this is just the plain product. Phases are converted as for ``"reflection"``.

        Checked when concrete: values must lie in ``[-1, 1]`` (tolerance ``1e-6``) and explicit
        blocks must be contractions (spectral norm ``<= 1``, e.g. unitary); NaN/inf raise
        ``ValueError``. A complex signal for ``"reflection"`` / ``"wx"`` raises ``TypeError`` (its
        imaginary part would be silently dropped): pass the real part, or explicit blocks.
    convention : {"reflection", "wx", "unitary"}
    return_block : bool
        If True return the full per-entry 2x2 products, shape ``(N, 2, 2)``; else only the
        top-left entries, shape ``(N,)`` (memory O(N): one column is propagated).

    Returns
    -------
    array, complex (complex64 for float32 signals, complex128 for float64)

    Notes
    -----
    One ``lax.scan`` over the d queries; jit-, vmap- and grad-compatible (``convention`` and
    ``return_block`` are static).
    """
    if convention not in ("reflection", "wx", "unitary"):
        raise ValueError(f"convention must be 'reflection', 'wx' or 'unitary', got {convention!r}")
    phases = phase_array(phases)
    d = phases.shape[0] - 1
    explicit = convention == "unitary"
    signal = block_signal(signal, "signal") if explicit else real_signal(signal, "signal")
    rdt = real_dtype_of(signal)
    phases = phases.astype(rdt)

    # One shared signal, or one realisation per query (leading axis of length d).
    shared_ndim = 3 if explicit else 1
    if signal.ndim <= shared_ndim:
        per_query = False
        batch_shape = signal.shape[:-2] if explicit else signal.shape
    elif signal.ndim == shared_ndim + 1:
        per_query = True
        if signal.shape[0] != d:
            raise ValueError(f"per-query signal must have leading axis d={d} (one realisation per "
                             f"query), got shape {signal.shape}")
        batch_shape = signal.shape[1:-2] if explicit else signal.shape[1:]
    else:
        raise ValueError(f"signal has too many axes ({signal.shape}); use jax.vmap for batches")
    if explicit and signal.shape[-2:] != (2, 2):
        raise ValueError(f"signal for convention='unitary' must end in (2, 2), got {signal.shape}")

    return _qsvt_diagonal_impl(phases, signal, convention, return_block, per_query, batch_shape)


@partial(jax.jit, static_argnums=(2, 3, 4, 5))
def _qsvt_diagonal_impl(phases, signal, convention: str, return_block: bool, per_query: bool,
                        batch_shape: tuple[int, ...]):
    """Jitted body of :func:`qsvt_diagonal` (arguments already validated)."""
    d = phases.shape[0] - 1
    explicit = convention == "unitary"
    rdt = phases.dtype
    cdt = complex_of(rdt)
    if convention == "wx":
        ph, gexp = phases, 0
    else:
        ph, gexp = reflection_phases(phases)

    def signal_parts(sig):
        """What a query needs from its signal: the 2x2 entries, or (a, sqrt(1 - a^2))."""
        if explicit:
            bk = sig.astype(cdt)
            return bk[..., 0, 0], bk[..., 0, 1], bk[..., 1, 0], bk[..., 1, 1]
        a = sig.astype(rdt)
        return a, safe_sqrt_1m(a)

    def apply_query(col0, col1, parts, dagger):
        """Signal block times the column (components col0, col1)."""
        if return_block:
            parts = tuple(p[..., None] for p in parts)
        if explicit:
            b00, b01, b10, b11 = parts
            # B^dagger = [[b00*, b10*], [b01*, b11*]] on the queries that need it.
            b00, b01, b10, b11 = (jnp.where(dagger, jnp.conj(b00), b00),
                                  jnp.where(dagger, jnp.conj(b10), b01),
                                  jnp.where(dagger, jnp.conj(b01), b10),
                                  jnp.where(dagger, jnp.conj(b11), b11))
            return b00 * col0 + b01 * col1, b10 * col0 + b11 * col1
        a, sq = parts
        if convention == "wx":
            return a * col0 + 1j * sq * col1, 1j * sq * col0 + a * col1
        return a * col0 + sq * col1, sq * col0 - a * col1

    def apply_phase(col0, col1, p):
        e = jnp.exp(1j * p.astype(cdt))
        return e * col0, jnp.conj(e) * col1

    # Column propagation from the right: start from exp(i phi_d Z)|0> (or both basis columns).
    if return_block:
        col0 = jnp.broadcast_to(jnp.asarray([1.0, 0.0], cdt), batch_shape + (2,))
        col1 = jnp.broadcast_to(jnp.asarray([0.0, 1.0], cdt), batch_shape + (2,))
    else:
        col0 = jnp.ones(batch_shape, cdt)
        col1 = jnp.zeros(batch_shape, cdt)
    col0, col1 = apply_phase(col0, col1, ph[d])
    shared = None if per_query else signal_parts(signal)   # hoisted out of the loop

    def step(carry, xs):
        c0, c1 = carry
        if per_query:
            k, p_left, sig_k = xs
            parts = signal_parts(sig_k)
        else:
            (k, p_left), parts = xs, shared
        # QSVT alternates U (first applied, k = d) and U^dagger; a no-op for Hermitian blocks.
        dagger = (d - k) % 2 == 1
        c0, c1 = apply_query(c0, c1, parts, dagger)
        c0, c1 = apply_phase(c0, c1, p_left)
        return (c0, c1), None

    # Query k pairs with the phase to its left, phi_{k-1}; process k = d, d-1, ..., 1.
    ks = jnp.arange(1, d + 1)
    xs = (ks, ph[:d], signal) if per_query else (ks, ph[:d])
    (col0, col1), _ = jax.lax.scan(step, (col0, col1), xs, reverse=True)
    g = i_power(gexp, cdt)
    if return_block:
        # col_r[..., c] is row r of column c.
        return g * jnp.stack([col0, col1], axis=-2)
    return g * col0


def qsvt_diagonal_real(phases: ArrayLike, signal: ArrayLike, *,
                       convention: Literal["reflection", "wx", "unitary"] = "reflection"
                       ) -> Complex[Array, "..."]:
    """Top-left block of the real-part LCU ``(U_phi + U_{-phi}) / 2`` on a diagonal encoding.

    The two branches share the same queries (only the phases are controlled), so for real signals
    the result is ``Re <0|U_phi|0>`` (returned as a complex array with zero imaginary part up to
    rounding); for complex explicit blocks it is ``(P + P^*) / 2`` evaluated on the block.

    Parameters and shapes as in :func:`qsvt_diagonal` (top-left entries only).
    """
    phases = phase_array(phases)
    plus = qsvt_diagonal(phases, signal, convention=convention)
    minus = qsvt_diagonal(-phases, signal, convention=convention)
    return 0.5 * (plus + minus)
