"""The simulation modes as values, and the one interface every sketch implements.

A mode is an ``equinox.Module`` that carries its own parameters (the samples per query ``m``, the
chunk size of an explicit stream) validated once, where it is made, and knows how to evaluate a
sketch and how to derive the key of query ``index`` of a circuit (``fold_in(key, index)``: every query is
a fresh realisation). Strings are accepted at the public edge and converted once by
:func:`as_mode`.

========== ============================================================ =====================
mode       what one query is                                            ``m``
========== ============================================================ =====================
ideal      the target operator                                          none
expected   the average ``E[V]`` over the samples                         real > 0 (traced ok)
counts     one realisation, counts ``n ~ Multinomial(m, p)`` in O(N)      integer (traced ok)
sampled    one realisation from ``m`` explicit samples (streamed)        concrete integer
channel    the exact averaged channel ``rho -> E[V rho V^dagger]``       real > 0 (traced ok)
========== ============================================================ =====================

A sketch (:class:`AbstractSketch`) implements the mode methods it supports (``ideal``,
``expected``, ``counts``, ``sampled``, ``channel``); asking it for another mode raises
:class:`UnsupportedModeError`, which names both the sketch and the mode.
"""

from __future__ import annotations

from typing import ClassVar

import equinox as eqx
import jax
from jaxtyping import Array

from .._internal.validate import check_key, positive_int, positive_real, sample_count
from ..random._counters import DEFAULT_CHUNK


class UnsupportedModeError(ValueError):
    """A sketch (or circuit) was asked for a mode it does not implement."""


class AbstractMode(eqx.Module):
    """One simulation mode with its parameters. Subclasses: :class:`Ideal`, :class:`Expected`,
    :class:`Counts`, :class:`Sampled`, :class:`Channel`."""

    name: ClassVar[str]
    needs_key: ClassVar[bool] = False
    unitary: ClassVar[bool] = True  # one query is a unitary (a realisation or the target)

    def evaluate(self, sketch, key: Array | None = None):
        """This mode's view of ``sketch`` (one query; ``key`` for the random modes)."""
        raise NotImplementedError

    def query_key(self, key: Array | None, index) -> Array | None:
        """The key of query ``index`` of a circuit: fresh samples per query (``fold_in(key, index)``)."""
        return jax.random.fold_in(key, index) if self.needs_key else None

    def check_key(self, key, name: str = "key"):
        """``key`` validated when this mode draws samples (``None`` is fine otherwise)."""
        if not self.needs_key:
            return key
        if key is None:
            raise ValueError(f"mode {self.name!r} needs a jax.random key ({name}=...)")
        return check_key(key, name)

    @property
    def samples(self):
        """Samples consumed by one query (0 for ``ideal``)."""
        return getattr(self, "m", 0)


class Ideal(AbstractMode):
    """The target itself (no samples)."""

    name: ClassVar[str] = "ideal"

    def evaluate(self, sketch, key=None):
        return _call(sketch, "ideal")


class Expected(AbstractMode):
    """Every query replaced by its average over ``m`` IID samples; differentiable in ``m``."""

    m: Array | float
    name: ClassVar[str] = "expected"
    unitary: ClassVar[bool] = False

    def __init__(self, m):
        self.m = positive_real(m)

    def evaluate(self, sketch, key=None):
        return _call(sketch, "expected", self.m)


class Counts(AbstractMode):
    """One realisation per query from exact multinomial counts (O(N) for any ``m``)."""

    m: Array | int
    name: ClassVar[str] = "counts"
    needs_key: ClassVar[bool] = True

    def __init__(self, m):
        self.m = sample_count(m)

    def evaluate(self, sketch, key=None):
        return _call(sketch, "counts", self.check_key(key), self.m)


class Sampled(AbstractMode):
    """One realisation per query from ``m`` explicit samples streamed in chunks of
    ``chunk_size`` (the result does not depend on it). ``m`` is concrete: it sets loop lengths."""

    m: int = eqx.field(static=True)
    chunk_size: int = eqx.field(static=True, default=DEFAULT_CHUNK)
    name: ClassVar[str] = "sampled"
    needs_key: ClassVar[bool] = True

    def __init__(self, m, chunk_size: int = DEFAULT_CHUNK):
        self.m = sample_count(m, allow_traced=False)
        self.chunk_size = positive_int(chunk_size, "chunk_size")

    def evaluate(self, sketch, key=None):
        return _call(sketch, "sampled", self.check_key(key), self.m, chunk_size=self.chunk_size)


class Channel(AbstractMode):
    """The exact averaged channel of ``m`` IID samples (dense: small registers)."""

    m: Array | float
    name: ClassVar[str] = "channel"
    unitary: ClassVar[bool] = False

    def __init__(self, m):
        self.m = positive_real(m)

    def evaluate(self, sketch, key=None):
        return _call(sketch, "channel", self.m)


_MODE_CLASSES = (Sampled, Counts, Expected, Channel, Ideal)
MODES = tuple(cls.name for cls in _MODE_CLASSES)
"""The mode names, in one place: ``("sampled", "counts", "expected", "channel", "ideal")``."""


def as_mode(mode, m=None, *, chunk_size: int = DEFAULT_CHUNK, allowed=None) -> AbstractMode:
    """Convert ``mode`` (a name or an :class:`AbstractMode`) to a mode value, once.

    ``m`` is required by every mode but ``ideal`` when a name is given (and must not be given
    with a mode value, which carries its own). ``allowed`` restricts the accepted mode names.
    """
    allowed = MODES if allowed is None else tuple(allowed)
    if isinstance(mode, AbstractMode):
        if m is not None:
            raise ValueError(f"the mode value {mode!r} carries its own m; do not pass m={m!r} as well")
        value = mode
    elif isinstance(mode, str):
        classes = {cls.name: cls for cls in _MODE_CLASSES}
        if mode not in classes:
            raise ValueError(f"mode must be one of {sorted(allowed)} (or a qsjax mode value), got {mode!r}")
        cls = classes[mode]
        if cls is Ideal:
            value = Ideal()
        elif m is None:
            raise ValueError(f"mode {mode!r} needs the number of samples per query m")
        elif cls is Sampled:
            value = Sampled(m, chunk_size)
        else:
            value = cls(m)
    else:
        raise TypeError(f"mode must be a mode name or a qsjax mode value, got {type(mode).__name__}")
    if value.name not in allowed:
        raise UnsupportedModeError(f"mode must be one of {list(allowed)} here, got mode {value.name!r}")
    return value


def _call(sketch, method: str, *args, **kwargs):
    fn = getattr(sketch, method, None)
    if fn is None:
        raise UnsupportedModeError(f"{type(sketch).__name__} does not implement mode {method!r}")
    return fn(*args, **kwargs)


class AbstractSketch(eqx.Module):
    """The interface of every sketch: one class holding an oracle's mathematics.

    Implement ``ideal()`` and any of ``expected(m)``, ``counts(key, m)``,
    ``sampled(key, m, *, chunk_size)``, ``channel(m)``; :meth:`evaluate` then runs it in any mode
    value or name, and modes it lacks raise :class:`UnsupportedModeError` naming both. Sketches are
    pytrees, so ``jit``, ``vmap`` and ``grad`` pass through them.
    """

    def ideal(self):
        raise UnsupportedModeError(f"{type(self).__name__} does not implement mode 'ideal'")

    def expected(self, m):
        raise UnsupportedModeError(f"{type(self).__name__} does not implement mode 'expected'")

    def counts(self, key, m):
        raise UnsupportedModeError(f"{type(self).__name__} does not implement mode 'counts'")

    def sampled(self, key, m, *, chunk_size: int = DEFAULT_CHUNK):
        raise UnsupportedModeError(f"{type(self).__name__} does not implement mode 'sampled'")

    def channel(self, m):
        raise UnsupportedModeError(f"{type(self).__name__} does not implement mode 'channel'")

    def evaluate(self, mode, m=None, key: Array | None = None, *, chunk_size: int = DEFAULT_CHUNK):
        """This sketch in ``mode`` (a name with ``m``, or a mode value)."""
        return as_mode(mode, m, chunk_size=chunk_size).evaluate(self, key)
