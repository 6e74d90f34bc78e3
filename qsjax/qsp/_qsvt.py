"""The QSVT engine: one implementation of a sequence of queries to a block encoding.

Every QSVT circuit in qsjax — on diagonal block encodings, on operator block encodings given as
callables, on the sine LCU of a sketch (vector states, the threshold oracle), and on the sparse-access
encodings to come — is :func:`qsvt` run on an :class:`AbstractBlockEncoding`. The encoding says how
one query acts (``apply_realisation``) and what query ``k`` sees (``realisation(k)``: the same
operator every time, or a fresh sketch realisation per query); the engine owns the phases, their
convention, the alternation of ``U`` and ``U^dagger`` and the loop (one ``lax.scan``).

States are ancilla-major: shape ``(..., A, N)`` with the ancilla register of the block encoding on
axis ``-2`` (``A = 2**num_ancillas``) and the system on the last axis. Phases are always given in the
``"wx"`` convention (the one :func:`qsjax.find_phases` returns); :func:`circuit_phases` converts
them for the encoding's signal convention.
"""

from __future__ import annotations

import abc
import math
from typing import ClassVar, Literal

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, Complex

from .._internal.dtypes import complex_dtype, real_dtype
from .._internal.validate import check_finite
from ._conventions import circuit_phases, i_power
from ._signals import phase_array

SignalConvention = Literal["wx", "projector"]


class AbstractBlockEncoding(eqx.Module):
    """A block encoding ``U`` of an operator ``A``: ``(<0|_anc ⊗ I) U (|0>_anc ⊗ I) = A``.

    Implement:

    * ``num_ancillas`` — ancilla qubits of the encoding (the state's axis ``-2`` has length
      ``2**num_ancillas``), or ``None`` when the encoding works with any ancilla axis;
    * ``apply_realisation(r, state, *, adjoint)`` — one query ``U`` (or ``U^dagger``) built from the
      realisation ``r`` applied to an ancilla-major state ``(..., A, N)``;
    * optionally ``realisation(k)`` — what query ``k`` (``1..d``, a traced int32) sees: the default
      ``None`` means the same operator every time; a sketch returns a fresh realisation per query.

    Class attributes: ``signal_convention`` — ``"projector"`` (``U`` is a block encoding and the
    circuit alternates ``U`` and ``U^dagger`` between projector-controlled phases) or ``"wx"``
    (every query is a ``W(x)``-type signal operator and the phases act directly, no alternation);
    ``hermitian`` — ``U^dagger = U`` (no alternation needed).

    Encodings are pytrees: ``jit``, ``vmap`` and ``grad`` pass through :func:`qsvt`.
    """

    signal_convention: ClassVar[SignalConvention] = "projector"
    hermitian: ClassVar[bool] = False

    @property
    @abc.abstractmethod
    def num_ancillas(self) -> int | None:
        """Ancilla qubits of the encoding (``None``: any ancilla axis)."""

    def realisation(self, k):
        """What query ``k`` (``1..d``; ``k = d`` is applied first) sees; ``None``: the same operator."""
        return None

    @abc.abstractmethod
    def apply_realisation(
        self, r, state: Complex[Array, "... A N"], *, adjoint: bool
    ) -> Complex[Array, "... A N"]:
        """One query built from realisation ``r``: ``U`` (or ``U^dagger`` if ``adjoint``) on ``state``."""

    def apply(self, state: Complex[Array, "... A N"], k=1) -> Complex[Array, "... A N"]:
        """Query ``k`` of the encoding applied to ``state``."""
        return self.apply_realisation(self.realisation(k), state, adjoint=False)

    def adjoint(self, state: Complex[Array, "... A N"], k=1) -> Complex[Array, "... A N"]:
        """The adjoint of query ``k`` applied to ``state``."""
        return self.apply_realisation(self.realisation(k), state, adjoint=True)


def projector_rotation(state: Complex[Array, "... A N"], phase) -> Complex[Array, "... A N"]:
    """``exp(i phase (2 Pi - I))`` with ``Pi = |0><0|`` on the ancilla axis (``-2``); for one ancilla
    qubit this is ``exp(i phase Z)``."""
    e = jnp.exp(1j * jnp.asarray(phase).astype(state.dtype))
    first = (jnp.arange(state.shape[-2]) == 0)[:, None]
    return state * jnp.where(first, e, jnp.conj(e))


def _check_encoding(encoding) -> AbstractBlockEncoding:
    if not isinstance(encoding, AbstractBlockEncoding):
        raise TypeError(
            f"encoding must be a qsjax AbstractBlockEncoding (e.g. qsjax.qsp.DiagonalEncoding, "
            f"qsjax.blockencoding.OperatorEncoding), got {type(encoding).__name__}"
        )
    return encoding


def _check_state(state, encoding: AbstractBlockEncoding, *, extra_axes: int = 0) -> Array:
    """An ancilla-major complex state; its ancilla axis must match the encoding."""
    if isinstance(state, str | bytes) or state is None:
        raise TypeError(f"state must be an array of shape (..., A, N), got {type(state).__name__}")
    state = jnp.asarray(state)
    if state.ndim < 2 + extra_axes:
        what = "(..., 2, A, N) (LCU qubit, ancilla, system)" if extra_axes else "(..., A, N) (ancilla-major)"
        raise ValueError(f"state must have shape {what}, got {state.shape}")
    if extra_axes and state.shape[-3] != 2:
        raise ValueError(f"state must have the LCU qubit (length 2) on axis -3, got shape {state.shape}")
    n_anc = encoding.num_ancillas
    if n_anc is not None and state.shape[-2] != 2**n_anc:
        raise ValueError(
            f"state has an ancilla axis (-2) of length {state.shape[-2]}, but the block encoding has "
            f"{n_anc} ancilla qubit(s): expected length {2**n_anc}"
        )
    with jax.ensure_compile_time_eval():
        check_finite(state, "state")
    if not jnp.issubdtype(state.dtype, jnp.complexfloating):
        state = state.astype(complex_dtype(real_dtype(state)))
    return state


def run_qsvt(phases: Array, encoding: AbstractBlockEncoding, state: Array, *, adjoint: bool = False) -> Array:
    """The unvalidated engine behind :func:`qsvt` (phases: 1-D real ``"wx"`` phases in the state's
    real dtype; state complex, ancilla-major). Traceable and vmappable over phases and state."""
    d = phases.shape[0] - 1
    ph, gexp = circuit_phases(phases, encoding.signal_convention)
    alternate = encoding.signal_convention == "projector" and not encoding.hermitian

    def query(st, k, adj: bool):
        r = encoding.realisation(k)
        if not alternate:
            return encoding.apply_realisation(r, st, adjoint=adj)
        # query k is U when d - k is even (U_d, applied first, is U), U^dagger otherwise
        dagger = ((d - k) % 2 == 1) != adj
        return jax.lax.cond(
            dagger,
            lambda s: encoding.apply_realisation(r, s, adjoint=True),
            lambda s: encoding.apply_realisation(r, s, adjoint=False),
            st,
        )

    g = i_power(gexp, state.dtype)
    ks = jnp.arange(1, d + 1, dtype=jnp.int32)
    if not adjoint:
        # C = g R(ph_0) U_1 R(ph_1) ... U_d R(ph_d), applied right to left: query k, then ph_{k-1}
        def step(st, xs):
            k, p_left = xs
            return projector_rotation(query(st, k, False), p_left), None

        st = projector_rotation(state, ph[d])
        st, _ = jax.lax.scan(step, st, (ks, ph[:d]), reverse=True)
        return g * st

    # C^dagger = conj(g) R(-ph_d) U_d^dagger ... U_1^dagger R(-ph_0): query k, then -ph_k
    def step_adj(st, xs):
        k, p_right = xs
        return projector_rotation(query(st, k, True), -p_right), None

    st = projector_rotation(state, -ph[0])
    st, _ = jax.lax.scan(step_adj, st, (ks, ph[1:]))
    return jnp.conj(g) * st


def _prepared(phases, encoding, state, extra_axes: int = 0):
    encoding = _check_encoding(encoding)
    phases = phase_array(phases)
    state = _check_state(state, encoding, extra_axes=extra_axes)
    return phases.astype(jnp.finfo(state.dtype).dtype), encoding, state


def qsvt(
    phases: ArrayLike, encoding: AbstractBlockEncoding, state: ArrayLike, *, adjoint: bool = False
) -> Complex[Array, "... A N"]:
    """The QSVT circuit with ``d = len(phases) - 1`` queries to ``encoding``, applied to ``state``.

    For the ``"projector"`` signal convention the circuit is ::

        i^d e^{i phi'_0 (2 Pi - I)} U_1 e^{i phi'_1 (2 Pi - I)} U_2 ... U_d e^{i phi'_d (2 Pi - I)}

    with ``phi'`` the projector conversion of the ``"wx"`` phases (:func:`qsjax.qsp.convert_phases`)
    and ``U_k`` query ``k``'s realisation, ``U`` when ``d - k`` is even and ``U^dagger`` otherwise; for
    ``"wx"`` encodings the phases act directly and every query is ``U``. Either way the ancilla-0 block
    of the output is ``P(A) + i Q(A)`` applied to the ancilla-0 part of ``state``, where
    ``Re <0|U^wx_phi(x)|0> = P(x)``.

    Parameters
    ----------
    phases : array (d + 1,), real, or :class:`QSPPhases` — ``"wx"``-convention phases.
    encoding : an :class:`AbstractBlockEncoding`.
    state : array (..., A, N); real inputs are promoted to the matching complex dtype.
    adjoint : apply the adjoint circuit instead (same realisations, reverse order).

    Returns an array of ``state``'s shape and complex dtype. One ``lax.scan`` over the queries;
    jit-, vmap- and grad-compatible.
    """
    phases, encoding, state = _prepared(phases, encoding, state)
    return run_qsvt(phases, encoding, state, adjoint=adjoint)


def _lcu_hadamard(st):
    a, b = st[..., 0, :, :], st[..., 1, :, :]
    return jnp.stack([a + b, a - b], axis=-3) * math.sqrt(0.5)  # a Python float keeps st's dtype


def run_qsvt_lcu(phases: Array, encoding: AbstractBlockEncoding, state: Array, *, adjoint: bool = False):
    """Unvalidated :func:`qsvt_lcu`. Both branches see the same realisations: the encoding is not
    batched by the ``vmap`` over the two phase signs, so each query's realisation is drawn once."""
    branches = jnp.stack([phases, -phases])
    run = jax.vmap(lambda p, s: run_qsvt(p, encoding, s, adjoint=adjoint), in_axes=(0, -3), out_axes=-3)
    return _lcu_hadamard(run(branches, _lcu_hadamard(state)))


def qsvt_lcu(
    phases: ArrayLike, encoding: AbstractBlockEncoding, state: ArrayLike, *, adjoint: bool = False
) -> Complex[Array, "... 2 A N"]:
    """The real-part LCU ``H_lcu (U_phi ⊕ U_{-phi}) H_lcu`` coherently, on ``state (..., 2, A, N)``
    (the LCU qubit on axis ``-3``).

    Its ``|0>_lcu`` output block is ``(U_phi + U_{-phi}) / 2``, whose ancilla-0 block is
    ``(P(A) + P^*(A)) / 2``: ``P(A)`` for a real polynomial of a Hermitian encoded ``A``. The full
    output (both LCU outcomes) is what amplitude amplification needs. Arguments as in :func:`qsvt`.
    """
    phases, encoding, state = _prepared(phases, encoding, state, extra_axes=1)
    return run_qsvt_lcu(phases, encoding, state, adjoint=adjoint)


def run_qsvt_real(phases: Array, encoding: AbstractBlockEncoding, state: Array) -> Array:
    """Unvalidated :func:`qsvt_real`."""
    run = jax.vmap(lambda p: run_qsvt(p, encoding, state))
    out = run(jnp.stack([phases, -phases]))
    return 0.5 * (out[0] + out[1])


def qsvt_real(
    phases: ArrayLike, encoding: AbstractBlockEncoding, state: ArrayLike
) -> Complex[Array, "... A N"]:
    """``(U_phi + U_{-phi}) / 2`` applied to ``state``: the ``|0>_lcu`` block of :func:`qsvt_lcu`
    (both branches share every query's realisation). Arguments as in :func:`qsvt`."""
    phases, encoding, state = _prepared(phases, encoding, state)
    return run_qsvt_real(phases, encoding, state)
