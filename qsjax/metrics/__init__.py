"""Error measures of sketched operators, states and channels (operator norm, diamond distance, ...)."""

from ._diamond import diamond_distance, sketch_diamond_error
from ._errors import infidelity, operator_norm_error, state_error, trace_distance_output

__all__ = [
    "diamond_distance",
    "infidelity",
    "operator_norm_error",
    "sketch_diamond_error",
    "state_error",
    "trace_distance_output",
]
