"""Test configuration.

Most of the suite runs in float64 (x64 enabled here; the library itself never flips it). Tests of
the *default* precision (complex64, no x64) — what most users run — take the ``default_precision``
fixture, or live in a module with ``pytestmark = pytest.mark.usefixtures("default_precision")``:
it turns x64 off for the duration of the test with JAX's scoped ``jax.enable_x64(False)``.

Compilation. Most of the suite's time is XLA compiling small programs, not running them, so the
test run compiles with ``jax_disable_most_optimizations`` (LLVM backend optimisation level 0, no
expensive LLVM passes): about a third less compile time. This changes how fast the generated code
is, not what it computes (IEEE semantics hold at every level; fast-math stays off), and tests that
compare two programs (same key, any chunk size) compile both the same way. Set
``QSJAX_TEST_OPTIMIZE=1`` to run the suite with the full default optimisation instead.

Opt-in strictness (see ``pytest --help``, "qsjax" options):

* ``--strict-promotion`` runs every test under ``jax.numpy_dtype_promotion("strict")`` (no implicit
  dtype promotion, as equinox and lineax test themselves); tests marked ``strict_promotion`` always
  do (the library does not pass the whole suite under it yet: see test_strictness.py).
* runtime jaxtyping checks of every annotated qsjax function: jaxtyping's own pytest plugin,
  ``pytest --jaxtyping-packages=qsjax,jaxtyping._typeguard.typechecked`` (the typeguard copy that
  ships with jaxtyping; ``beartype.beartype`` works too where beartype is installed).
"""

import os

import jax
import numpy as np
import pytest

jax.config.update("jax_enable_x64", True)
if os.environ.get("QSJAX_TEST_OPTIMIZE", "0") in ("", "0"):
    jax.config.update("jax_disable_most_optimizations", True)

try:  # makes ``jaxtyping._typeguard.typechecked`` resolvable for --jaxtyping-packages (see above)
    import jaxtyping._typeguard  # noqa: F401
except ImportError:  # another jaxtyping layout: use beartype.beartype there
    pass


def pytest_addoption(parser):
    group = parser.getgroup("qsjax")
    group.addoption(
        "--strict-promotion",
        action="store_true",
        default=False,
        help="run every test under jax.numpy_dtype_promotion('strict')",
    )


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "strict_promotion: run this test under jax.numpy_dtype_promotion('strict')"
    )


@pytest.fixture(autouse=True)
def _dtype_promotion(request):
    """``jax.numpy_dtype_promotion('strict')`` for tests marked ``strict_promotion`` (or all tests
    with ``--strict-promotion``); the standard promotion otherwise."""
    if request.config.getoption("--strict-promotion") or request.node.get_closest_marker("strict_promotion"):
        with jax.numpy_dtype_promotion("strict"):
            yield
    else:
        yield


@pytest.fixture
def rng():
    """A numpy Generator for building fresh random *inputs* (never library randomness)."""
    return np.random.default_rng(20261121)


@pytest.fixture
def full_optimization():
    """Compile with XLA's full default optimisation for the duration of the test: for the few tests
    whose time is spent running, not compiling (e.g. streams of 2**32 samples)."""
    old = jax.config.read("jax_disable_most_optimizations")
    jax.config.update("jax_disable_most_optimizations", False)
    try:
        yield
    finally:
        jax.config.update("jax_disable_most_optimizations", old)


@pytest.fixture
def default_precision():
    """Run the test without x64: float32 / complex64 / int32 defaults, as a user's session has."""
    with jax.enable_x64(False):
        assert not jax.config.read("jax_enable_x64")
        yield
