"""blockencoding/_operator."""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, Complex

from .._internal.dtypes import complex_of, real_dtype_of
from .._internal.validate import check_finite
from ..qsp._conventions import i_power, reflection_phases
from ..qsp._signals import phase_array

# ----------------------------------------------------------------------------------------------
# QSVT on operator block encodings (callables on ancilla-major states)
# ----------------------------------------------------------------------------------------------


def _projector_phase(state, phase):
    """exp(i phase (2 Pi - I)) with Pi = |0><0| on the ancilla axis (-2): +phase on row 0."""
    e = jnp.exp(1j * phase.astype(state.dtype))
    anc = state.shape[-2]
    sel = (jnp.arange(anc) == 0).reshape((anc, 1))
    return state * jnp.where(sel, e, jnp.conj(e))


def qsvt_operator(phases: ArrayLike, state: ArrayLike, apply_U: Callable,
                  apply_U_dagger: Callable | None = None, *, indexed: bool = False
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
    phases = phase_array(phases)
    for fname, fn in (("apply_U", apply_U), ("apply_U_dagger", apply_U_dagger)):
        if fn is not None and not callable(fn):
            raise TypeError(f"{fname} must be a callable (state -> state), got {type(fn).__name__}")
    if apply_U is None:
        raise TypeError("apply_U is required: a callable applying the block encoding to a state")
    if isinstance(state, str | bytes) or state is None:
        raise TypeError(f"state must be an array of shape (..., A, N), got {type(state).__name__}")
    state = jnp.asarray(state)
    if state.ndim < 2:
        raise ValueError(f"state must have shape (..., A, N) (ancilla-major), got {state.shape}")
    with jax.ensure_compile_time_eval():
        check_finite(state, "state")
    if not jnp.issubdtype(state.dtype, jnp.complexfloating):
        state = state.astype(complex_of(real_dtype_of(state)))
    rdt = jnp.finfo(state.dtype).dtype
    d = phases.shape[0] - 1
    ph, gexp = reflection_phases(phases.astype(rdt))
    hermitian = apply_U_dagger is None
    u_dag = apply_U if hermitian else apply_U_dagger

    def call(fn, st, q):
        return fn(st, q) if indexed else fn(st)

    def step(st, xs):
        k, p_left = xs
        q = (k - 1).astype(jnp.int32)
        if hermitian:
            st = call(apply_U, st, q)
        else:
            st = jax.lax.cond((d - k) % 2 == 0, lambda s: call(apply_U, s, q),
                              lambda s: call(u_dag, s, q), st)
        st = _projector_phase(st, p_left)
        return st, None

    st = _projector_phase(state, ph[d])
    st, _ = jax.lax.scan(step, st, (jnp.arange(1, d + 1), ph[:d]), reverse=True)
    return i_power(gexp, state.dtype) * st


def qsvt_operator_real(phases: ArrayLike, state: ArrayLike, apply_U: Callable,
                       apply_U_dagger: Callable | None = None, *, indexed: bool = False
                       ) -> Complex[Array, "... A N"]:
    """The real-part LCU ``(U_phi + U_{-phi}) / 2`` applied to ``state`` (both branches share the
    queries). Its ancilla-0 block is ``(P(A) + P^*(A)) / 2``, i.e. ``P(A)`` for a real polynomial of a
    Hermitian block-encoded ``A``. Arguments as in :func:`qsvt_operator`."""
    phases = phase_array(phases)
    plus = qsvt_operator(phases, state, apply_U, apply_U_dagger, indexed=indexed)
    minus = qsvt_operator(-phases, state, apply_U, apply_U_dagger, indexed=indexed)
    return 0.5 * (plus + minus)
