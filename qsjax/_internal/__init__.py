"""Shared private helpers (validation, dtypes, numerics): the lowest layer, importable by all."""
