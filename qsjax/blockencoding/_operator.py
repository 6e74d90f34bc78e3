"""Operator block encodings given as callables on ancilla-major states (:class:`OperatorEncoding`),
and QSVT on them through the engine (:func:`qsvt_operator`, :func:`qsvt_operator_real`)."""

from __future__ import annotations

from collections.abc import Callable

import equinox as eqx
from jaxtyping import Array, ArrayLike, Complex

from ..qsp._qsvt import AbstractBlockEncoding, qsvt, qsvt_real


class OperatorEncoding(AbstractBlockEncoding):
    """A block encoding ``U`` given as pure JAX callables on ancilla-major states ``(..., A, N)``.

    ``apply_U(state)`` (or ``apply_U(state, q)`` when ``indexed``: ``q = k - 1`` in ``0..d-1``, a
    distinct block encoding per query, ``q = d - 1`` applied first); ``apply_U_dagger`` likewise, or
    ``None`` when ``U`` is Hermitian (the usual LCU / dilation encodings), so the circuit needs no
    alternation. The ancilla axis may have any length (``num_ancillas`` is ``None``).
    """

    apply_U: Callable = eqx.field(static=True)
    apply_U_dagger: Callable | None = eqx.field(static=True, default=None)
    indexed: bool = eqx.field(static=True, default=False)

    def __check_init__(self):
        for fname, fn in (("apply_U", self.apply_U), ("apply_U_dagger", self.apply_U_dagger)):
            if fn is not None and not callable(fn):
                raise TypeError(f"{fname} must be a callable (state -> state), got {type(fn).__name__}")
        if self.apply_U is None:
            raise TypeError("apply_U is required: a callable applying the block encoding to a state")

    @property
    def num_ancillas(self) -> None:
        return None

    @property
    def hermitian(self) -> bool:  # type: ignore[override]
        return self.apply_U_dagger is None

    def realisation(self, k):
        return k - 1 if self.indexed else None

    def apply_realisation(self, r, state, *, adjoint: bool):
        fn = self.apply_U_dagger if adjoint and self.apply_U_dagger is not None else self.apply_U
        return fn(state, r) if self.indexed else fn(state)


def qsvt_operator(
    phases: ArrayLike,
    state: ArrayLike,
    apply_U: Callable,
    apply_U_dagger: Callable | None = None,
    *,
    indexed: bool = False,
) -> Complex[Array, "... A N"]:
    """QSVT circuit on a block encoding given as callables, applied to an ancilla-major state.

    The block encoding ``U`` acts on states of shape ``(..., A, N)`` (ancilla index first,
    ``A = 2^a``) and encodes ``A_op = (<0|_anc x I) U (|0>_anc x I)``. The circuit is ::

        i^d exp(i phi'_0 (2 Pi - I)) U_1 exp(i phi'_1 (2 Pi - I)) U_2 ... U_d exp(i phi'_d (2 Pi - I))

    with ``Pi = |0><0|`` on the ancilla, ``phi'`` the ``"projector"`` conversion of the ``"wx"``
    phases, and ``U_k = U`` when ``d - k`` is even (``U_d``, applied first, is ``U``), ``U^dagger``
    otherwise. For a Hermitian ``A_op`` with Hermitian dilation the ancilla-0 block of the output is
    ``<0|U^wx_phi(A_op)|0> = P(A_op) + i Q(A_op)`` applied to the ancilla-0 part of ``state``.

    Parameters
    ----------
    phases : array, shape (d + 1,), real, or QSPPhases
        ``"wx"``-convention phases.
    state : array, shape (..., A, N), complex
    apply_U, apply_U_dagger : callables
        ``state -> state`` (or ``(state, q) -> state`` when ``indexed``), pure JAX functions of
        the full ``(..., A, N)`` array. ``apply_U_dagger=None`` means ``U`` is Hermitian
        (``U^dagger = U``), the usual case for the LCU / dilation encodings.
    indexed : bool
        If True the callables receive the query index ``q = k - 1`` (an int32 scalar, ``0..d-1``;
        ``q = d - 1`` is applied first) to use a distinct block encoding per query.

    Returns
    -------
    array, shape (..., A, N), same complex dtype as ``state``
    """
    return qsvt(phases, OperatorEncoding(apply_U, apply_U_dagger, indexed), state)


def qsvt_operator_real(
    phases: ArrayLike,
    state: ArrayLike,
    apply_U: Callable,
    apply_U_dagger: Callable | None = None,
    *,
    indexed: bool = False,
) -> Complex[Array, "... A N"]:
    """The real-part LCU ``(U_phi + U_{-phi}) / 2`` applied to ``state`` (both branches share the
    queries). Its ancilla-0 block is ``(P(A) + P^*(A)) / 2``, i.e. ``P(A)`` for a real polynomial of a
    Hermitian block-encoded ``A``. Arguments as in :func:`qsvt_operator`."""
    return qsvt_real(phases, OperatorEncoding(apply_U, apply_U_dagger, indexed), state)
