"""Diagonal block encodings (one 2x2 block per entry) and QSVT on them through the engine:
:class:`DiagonalEncoding`, :func:`qsvt_diagonal`, :func:`qsvt_diagonal_real`, :func:`qsp_response`."""

from __future__ import annotations

from functools import partial
from typing import Literal

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, Complex

from .._internal.dtypes import complex_dtype, real_dtype
from .._internal.numerics import real_times
from ._qsvt import AbstractBlockEncoding, run_qsvt
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


def qsvt_diagonal(
    phases: ArrayLike,
    signal: ArrayLike,
    *,
    convention: Literal["reflection", "wx", "unitary"] = "reflection",
    return_block: bool = False,
) -> Complex[Array, "..."]:
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
    encoding = DiagonalEncoding(signal, convention, queries=phases.shape[0] - 1)
    phases = phases.astype(real_dtype(encoding.parts[0]))
    return _qsvt_diagonal(phases, encoding, return_block)


@partial(jax.jit, static_argnums=(2,))
def _qsvt_diagonal(phases, encoding: DiagonalEncoding, return_block: bool):
    n = encoding.parts[0].shape[-1]
    cdt = complex_dtype(real_dtype(encoding.parts[0]))
    # |0> per entry (one column propagated), or both basis columns for the full 2x2 block
    cols = jnp.eye(2, dtype=cdt)[:, :, None] if return_block else jnp.eye(2, 1, dtype=cdt)[:, 0, None]
    state = jnp.broadcast_to(cols, cols.shape[:-1] + (n,))
    out = run_qsvt(phases, encoding, state)
    if return_block:
        return jnp.moveaxis(out, -1, 0).swapaxes(-1, -2)  # out[c, r, j] -> block[j, r, c]
    return out[0]


class DiagonalEncoding(AbstractBlockEncoding):
    """A diagonal block encoding: entry ``j`` of query ``k`` is a 2x2 block on one ancilla qubit.

    ``convention="reflection"``: block-encoded values ``a`` in ``[-1, 1]`` with the Hermitian blocks
    ``R(a) = [[a, sqrt(1-a^2)], [sqrt(1-a^2), -a]]``; ``"wx"``: the signal operators ``W(a)``;
    ``"unitary"``: explicit per-entry blocks ``(..., N, 2, 2)`` (the encoded value at ``[0, 0]``).
    ``signal`` has shape ``(N,)`` / ``(N, 2, 2)`` (the same every query) or ``(d, N)`` /
    ``(d, N, 2, 2)`` (``signal[k - 1]`` is query ``k``: a fresh realisation per query; give
    ``queries=d`` to check it). Values are checked when concrete (range, finiteness, contraction).
    """

    parts: tuple
    convention: str = eqx.field(static=True)
    per_query: bool = eqx.field(static=True)

    def __init__(self, signal, convention: str = "reflection", *, queries: int | None = None):
        if convention not in ("reflection", "wx", "unitary"):
            raise ValueError(f"convention must be 'reflection', 'wx' or 'unitary', got {convention!r}")
        explicit = convention == "unitary"
        signal = block_signal(signal, "signal") if explicit else real_signal(signal, "signal")
        shared_ndim = 3 if explicit else 1
        if signal.ndim == shared_ndim:
            per_query = False
        elif signal.ndim == shared_ndim + 1:
            per_query = True
            if queries is not None and signal.shape[0] != queries:
                raise ValueError(
                    f"per-query signal must have leading axis d={queries} (one realisation "
                    f"per query), got shape {signal.shape}"
                )
        elif signal.ndim < shared_ndim:
            raise ValueError(
                f"signal must have shape {'(N, 2, 2)' if explicit else '(N,)'} or a leading "
                f"query axis, got {signal.shape}"
            )
        else:
            raise ValueError(f"signal has too many axes ({signal.shape}); use jax.vmap for batches")
        if explicit:
            if signal.shape[-2:] != (2, 2):
                raise ValueError(f"signal for convention='unitary' must end in (2, 2), got {signal.shape}")
            cdt = complex_dtype(real_dtype(signal))
            b = signal.astype(cdt)
            parts = (b[..., 0, 0], b[..., 0, 1], b[..., 1, 0], b[..., 1, 1])
        else:
            parts = (signal, safe_sqrt_1m(signal))  # sqrt(1 - a^2) once, not once per query
        self.parts = parts
        self.convention = convention
        self.per_query = per_query

    @property
    def num_ancillas(self) -> int:
        return 1

    @property
    def signal_convention(self) -> str:  # type: ignore[override]
        return "wx" if self.convention == "wx" else "projector"

    @property
    def hermitian(self) -> bool:  # type: ignore[override]
        return self.convention == "reflection"

    def realisation(self, k):
        return tuple(p[k - 1] for p in self.parts) if self.per_query else self.parts

    def apply_realisation(self, r, state, *, adjoint: bool):
        s0, s1 = state[..., 0, :], state[..., 1, :]
        if self.convention == "unitary":
            b00, b01, b10, b11 = r
            if adjoint:  # B^dagger = [[b00*, b10*], [b01*, b11*]]
                b00, b01, b10, b11 = jnp.conj(b00), jnp.conj(b10), jnp.conj(b01), jnp.conj(b11)
            out0, out1 = b00 * s0 + b01 * s1, b10 * s0 + b11 * s1
        elif self.convention == "wx":
            a, sq = r
            isq = real_times(sq, jnp.asarray(-1j if adjoint else 1j, complex_dtype(sq)))
            out0 = real_times(a, s0) + isq * s1
            out1 = isq * s0 + real_times(a, s1)
        else:
            a, sq = r
            out0 = real_times(a, s0) + real_times(sq, s1)
            out1 = real_times(sq, s0) - real_times(a, s1)
        return jnp.stack([out0, out1], axis=-2)


def qsvt_diagonal_real(
    phases: ArrayLike, signal: ArrayLike, *, convention: Literal["reflection", "wx", "unitary"] = "reflection"
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
