"""Counter-based randomness: exact binomial / multinomial counts, stream indices and sign families.

Every draw is a pure function of a ``jax.random`` key, so the same key gives the same result whatever
the chunk size or device count."""

from ._clifford import MAX_CLIFFORD_QUBITS, Clifford, random_clifford
from ._counters import (
    counter_bits,
    inverse_cdf_index,
    sample_indices,
    stream_counters,
    stream_plan,
    uniform_float,
    uniform_index,
)
from ._multinomial import binomial, multinomial_counts, multinomial_frequencies
from ._signs import kwise_signs, random_signs

__all__ = [
    "binomial",
    "Clifford",
    "MAX_CLIFFORD_QUBITS",
    "random_clifford",
    "counter_bits",
    "inverse_cdf_index",
    "kwise_signs",
    "multinomial_counts",
    "multinomial_frequencies",
    "random_signs",
    "sample_indices",
    "stream_counters",
    "stream_plan",
    "uniform_float",
    "uniform_index",
]
