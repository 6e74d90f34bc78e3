"""Quantum signal processing: polynomials, phase conventions and deterministic phase finding."""

from ._arcsin import arcsin_phases
from ._conventions import convert_phases
from ._diagonal import DiagonalEncoding, qsp_response, qsvt_diagonal, qsvt_diagonal_real
from ._fixed_point import fixed_point_length, fixed_point_phases, fixed_point_success
from ._phases import find_phases
from ._poly import (
    MAX_POLY_DEGREE,
    ChebPoly,
    arcsin_polynomial,
    chebyshev_eval,
    inverse_polynomial,
    linear_amplification_polynomial,
    minimax_degree,
    minimax_error,
    sign_polynomial,
    spectral_filter_polynomial,
    sup_norm,
    threshold_polynomial,
)
from ._qsvt import AbstractBlockEncoding, qsvt, qsvt_lcu, qsvt_real
from ._remez import REMEZ_MAX_DEGREE, RemezResult, remez, smallest_degree
from ._response import qsp_unitary
from ._result import QSPConvergenceError, QSPPhases

__all__ = [
    "AbstractBlockEncoding",
    "qsvt",
    "qsvt_lcu",
    "qsvt_real",
    "DiagonalEncoding",
    "qsp_response",
    "qsvt_diagonal",
    "qsvt_diagonal_real",
    "arcsin_phases",
    "arcsin_polynomial",
    "ChebPoly",
    "chebyshev_eval",
    "convert_phases",
    "find_phases",
    "fixed_point_length",
    "fixed_point_phases",
    "fixed_point_success",
    "inverse_polynomial",
    "linear_amplification_polynomial",
    "MAX_POLY_DEGREE",
    "minimax_degree",
    "minimax_error",
    "qsp_unitary",
    "QSPConvergenceError",
    "QSPPhases",
    "remez",
    "REMEZ_MAX_DEGREE",
    "smallest_degree",
    "RemezResult",
    "sign_polynomial",
    "spectral_filter_polynomial",
    "sup_norm",
    "threshold_polynomial",
]
