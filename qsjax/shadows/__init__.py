"""Interferometric classical shadows: a classical model of ``|w>`` from random-Clifford snapshots of
``(|0>|0^n> + |1>|w>) / sqrt(2)``, predicting ``Re <x|w>`` (sign included) for many test vectors."""

from ._interferometric import (
    MAX_SHADOW_QUBITS,
    SHADOW_VARIANCE,
    ShadowModel,
    ShadowPrediction,
    interferometric_shadows,
    interferometric_state,
    median_of_means_groups,
    predict_fidelities,
    predict_overlaps,
    shadow_error_bound,
    single_snapshot_estimates,
)

__all__ = [
    "MAX_SHADOW_QUBITS",
    "SHADOW_VARIANCE",
    "ShadowModel",
    "ShadowPrediction",
    "interferometric_shadows",
    "interferometric_state",
    "median_of_means_groups",
    "predict_fidelities",
    "predict_overlaps",
    "shadow_error_bound",
    "single_snapshot_estimates",
]
