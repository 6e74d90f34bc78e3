"""State sketches: flat vectors (one phase sketch on ``|+>``).

A flat vector ``b`` (all ``|b_j|`` equal) is ``|+>`` with a sign flip on every ``j`` with ``b_j < 0``,
so its state is one Boolean phase-oracle sketch, with ``f_j = [b_j < 0]``, applied to ``|+>``
(DESIGN.md 1.3). Samples are ``(j, b_j)`` with ``j`` uniform.
"""

from __future__ import annotations

import jax
import numpy as np
from jaxtyping import Array, Complex

from .._internal.validate import is_concrete
from ..data._sources import BooleanData, Stream, VectorData
from ..kernels._statevector import plus_state
from ..sketch._modes import DEFAULT_CHUNK, AbstractSketch
from ..sketch._phase import PhaseSketch, boolean_oracle


class FlatStateSketch(AbstractSketch):
    """Sketch of ``|b> = b / ||b||`` for a flat real vector ``b`` (length ``N``).

    Each mode returns the state ``V |+>`` (shape (N,)) for the corresponding view ``V`` of the
    sign oracle; ``channel`` returns the averaged density matrix (N, N).
    """

    vector: VectorData

    @property
    def oracle(self) -> PhaseSketch:
        """The sign oracle ``diag((-1)^{[b_j < 0]})`` sketched from the samples, built from
        :attr:`vector` (the only field: the sketch holds its input, nothing derived)."""
        b = self.vector.values
        signs = (b < 0).astype(b.dtype)
        return boolean_oracle(BooleanData(signs, binary=not isinstance(b, jax.core.Tracer)))

    @property
    def dim(self) -> int:
        return self.vector.dim

    def _plus(self, dtype) -> Complex[Array, " N"]:
        return plus_state(self.dim, dtype, dim=True)

    def _apply(self, diagonal):
        return diagonal * self._plus(diagonal.dtype)

    def ideal(self):
        return self._apply(self.oracle.ideal())

    def expected(self, m):
        return self._apply(self.oracle.expected(m))

    def counts(self, key: Array, m):
        return self._apply(self.oracle.counts(key, m))

    def sampled(self, key: Array, m: int, *, chunk_size: int = DEFAULT_CHUNK):
        return self._apply(self.oracle.sampled(key, m, chunk_size=chunk_size))

    def from_stream(self, stream, m: int | None = None):
        """From a user's stream of ``(j, b_j)`` batches: the sign of ``b_j`` is the oracle's bit."""
        if not isinstance(stream, Stream):
            stream = Stream(stream, self.dim)
        bits = Stream(lambda: ((i, (v < 0).astype(np.float64)) for i, v in stream), self.dim)
        return self._apply(self.oracle.from_stream(bits, m))

    def channel(self, m) -> Complex[Array, "N N"]:
        ch = self.oracle.channel(m)
        return ch.apply_to_state(self._plus(ch.chi.dtype))


def flat_state(data: VectorData) -> FlatStateSketch:
    """Build the flat-vector state sketch of ``data`` (uniform sampling, equal ``|b_j|``)."""
    if not isinstance(data, VectorData):
        raise TypeError(f"data must be a qsjax.VectorData, got {type(data).__name__}")
    if data.p is not None:
        raise ValueError("flat_state needs uniformly sampled data (p=None)")
    b = data.values
    if is_concrete(b):
        mag = np.abs(np.asarray(b))
        if not np.allclose(mag, mag[0], rtol=1e-6, atol=0):
            raise ValueError(
                f"flat_state needs |b_j| all equal, got magnitudes in [{mag.min()}, {mag.max()}]; "
                "use the general vector state sketch for other vectors"
            )
    return FlatStateSketch(vector=data)
