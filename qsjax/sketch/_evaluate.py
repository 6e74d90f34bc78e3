"""One entry point for every mode: :func:`evaluate` turns a mode name (or mode value) and ``m`` into
the sketch's view, and routes a user's stream to ``from_stream``."""

from __future__ import annotations

from .._internal.validate import check_key
from ._modes import DEFAULT_CHUNK, as_mode
from ._naive import NaivePhaseSketch

# ----------------------------------------------------------------------------- one entry point


def evaluate(oracle, mode, m=None, key=None, *, chunk_size: int = DEFAULT_CHUNK, stream=None):
    """Evaluate a sketch in one of the five modes.

    Parameters
    ----------
    oracle : a :class:`PhaseSketch` or :class:`NaivePhaseSketch` (or any object with the mode methods).
    mode : ``"sampled"``, ``"counts"``, ``"expected"``, ``"channel"`` or ``"ideal"``, or a mode value
        (:class:`qsjax.Counts` ``(m)`` etc., which carries its own ``m`` and chunk size).
    m : samples per query (not needed for ``ideal``, nor for ``sampled`` with a ``stream``).
    key : ``jax.random`` key, required by ``sampled`` (without a stream) and ``counts``.
    chunk_size : chunk length for ``sampled`` (does not change the result).
    stream : a user's stream (``sampled`` mode only; the naive baseline also needs ``key`` there,
        for the random Z-string of each sample).

    Returns the diagonal (``ideal``, ``expected``, ``counts``, ``sampled``) or a
    :class:`DiagonalChannel` (``channel``).
    """
    if stream is not None:
        name = mode if isinstance(mode, str) else getattr(mode, "name", mode)
        if name != "sampled":
            raise ValueError(f"stream is only used by mode 'sampled', got mode {mode!r}")
        if isinstance(oracle, NaivePhaseSketch):
            # the naive baseline draws each sample's Z-string itself
            if key is None:
                raise ValueError("the naive sketch needs a jax.random key (key=...) for its Z-strings")
            return oracle.from_stream(stream, check_key(key), m)
        return oracle.from_stream(stream, m)
    return as_mode(mode, m, chunk_size=chunk_size).evaluate(oracle, key)
