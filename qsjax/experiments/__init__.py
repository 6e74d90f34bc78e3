"""Error-versus-samples sweeps, scaling-law fits and plots."""

from ._fits import (
    ModeFit,
    PowerLawFit,
    PrefactorFit,
    SampleComplexityFit,
    analyse_sweep,
    fit_pooled_slope,
    fit_power_law,
    fit_prefactor,
    fit_sample_complexity,
    format_fit_table,
)
from ._matrix_sweep import element_error_sweep, row_index_error_sweep
from ._plot import plot_sweep
from ._sweep import (
    SWEEP_MODES,
    SweepResult,
    boolean_error_sweep,
    log_grid,
    mean_max_abs_normal,
    predicted_error,
    random_truth_table,
    samples_needed,
)

__all__ = [
    "analyse_sweep",
    "boolean_error_sweep",
    "element_error_sweep",
    "fit_pooled_slope",
    "fit_power_law",
    "fit_prefactor",
    "fit_sample_complexity",
    "format_fit_table",
    "log_grid",
    "mean_max_abs_normal",
    "ModeFit",
    "plot_sweep",
    "PowerLawFit",
    "predicted_error",
    "PrefactorFit",
    "random_truth_table",
    "row_index_error_sweep",
    "SampleComplexityFit",
    "samples_needed",
    "SWEEP_MODES",
    "SweepResult",
]
