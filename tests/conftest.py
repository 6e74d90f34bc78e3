"""Test configuration.

Most of the suite runs in float64 (x64 enabled here; the library itself never flips it). Tests of
the *default* precision (complex64, no x64) — what most users run — take the ``default_precision``
fixture, or live in a module with ``pytestmark = pytest.mark.usefixtures("default_precision")``:
it turns x64 off for the duration of the test with JAX's scoped ``jax.enable_x64(False)``.
"""

import jax
import numpy as np
import pytest

jax.config.update("jax_enable_x64", True)


@pytest.fixture
def rng():
    """A numpy Generator for building fresh random *inputs* (never library randomness)."""
    return np.random.default_rng(20261121)


@pytest.fixture
def default_precision():
    """Run the test without x64: float32 / complex64 / int32 defaults, as a user's session has."""
    with jax.enable_x64(False):
        assert not jax.config.read("jax_enable_x64")
        yield
