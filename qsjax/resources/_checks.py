"""Argument checks of the resource formulas: plain Python numbers in, plain Python numbers out."""

from __future__ import annotations

import math

from .._internal.validate import integer_arg, real_scalar


def count_arg(value, name: str, *, minimum: int = 1) -> int:
    """An integer size or count ``>= minimum`` as a Python int.

    ``TypeError`` for floats (no silent truncation of ``1.5`` or ``1e6``), bools, strings and other
    non-integers; ``ValueError`` naming the value when it is below ``minimum``.
    """
    what = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
    value = integer_arg(value, name, what)
    if value < minimum:
        raise ValueError(f"{name} must be {what}, got {value}")
    return value


def error_arg(value, name: str = "epsilon") -> float:
    """A target error in the open interval ``(0, 1)`` as a Python float."""
    value = real_scalar(value, name)
    if not (math.isfinite(value) and 0.0 < value < 1.0):
        raise ValueError(f"{name} must be a target error in the open interval (0, 1), got {value!r}")
    return value


def positive_constant(value, name: str = "constant") -> float:
    """A finite, strictly positive real prefactor as a Python float."""
    value = real_scalar(value, name)
    if not (math.isfinite(value) and value > 0.0):
        raise ValueError(f"{name} must be a finite positive number, got {value!r}")
    return value


def choice_arg(value, name: str, choices: dict[str, str]) -> str:
    """A string option, matched case-insensitively against ``choices`` (alias -> canonical name)."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, one of {sorted(set(choices.values()))}, got {value!r}")
    key = value.strip().lower()
    if key not in choices:
        raise ValueError(f"{name} must be one of {sorted(set(choices.values()))}, got {value!r}")
    return choices[key]
