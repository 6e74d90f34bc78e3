"""Test configuration: the suite runs in float64 (the library itself never flips this)."""

import jax
import numpy as np
import pytest

jax.config.update("jax_enable_x64", True)


@pytest.fixture
def rng():
    """A numpy Generator for building fresh random *inputs* (never library randomness)."""
    return np.random.default_rng(20261121)
