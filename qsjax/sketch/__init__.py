"""Oracle sketches and the simulation modes they are evaluated in."""

from ._channel import DiagonalChannel, controlled
from ._counter import IndexCounterSketch, index_counter_sketch
from ._element import ElementOracle, element_oracle
from ._evaluate import evaluate
from ._modes import (
    DEFAULT_CHUNK,
    MODES,
    AbstractMode,
    AbstractSketch,
    Channel,
    Counts,
    Expected,
    Ideal,
    Sampled,
    UnsupportedModeError,
    as_mode,
)
from ._naive import NaivePhaseSketch, naive_boolean_oracle
from ._phase import PhaseSketch, boolean_oracle, samples_for_error
from ._rank import InPlaceRowOracle, RankOracle, RowOracleQuery, in_place_row_oracle, rank_oracle
from ._row_index import RowIndexOracle, row_index_oracle

__all__ = [
    "AbstractMode",
    "AbstractSketch",
    "as_mode",
    "boolean_oracle",
    "Channel",
    "controlled",
    "Counts",
    "DEFAULT_CHUNK",
    "DiagonalChannel",
    "element_oracle",
    "ElementOracle",
    "evaluate",
    "index_counter_sketch",
    "IndexCounterSketch",
    "Expected",
    "Ideal",
    "MODES",
    "naive_boolean_oracle",
    "NaivePhaseSketch",
    "PhaseSketch",
    "row_index_oracle",
    "rank_oracle",
    "RankOracle",
    "in_place_row_oracle",
    "InPlaceRowOracle",
    "RowOracleQuery",
    "RowIndexOracle",
    "Sampled",
    "samples_for_error",
    "UnsupportedModeError",
]
