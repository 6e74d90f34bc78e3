"""Strict dtype promotion (``jax.numpy_dtype_promotion("strict")``), as equinox and lineax test
themselves: no implicit promotion between dtypes (float64 * complex64, python float * int64 array).

Every public entry point below runs under strict promotion and is compared with a float64 numpy
reference: the library relies on no implicit promotion in any of them (real-times-complex products go
through ``qsjax._internal.numerics.real_times``, dtypes are read, not promoted, in
``qsjax._internal.dtypes``). The whole suite runs under strict promotion with
``pytest --strict-promotion`` (see conftest.py).
"""

import helpers
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import qsjax
from qsjax import kernels as K

pytestmark = pytest.mark.strict_promotion

RNG = np.random.default_rng(11)
PSI = helpers.rand_state(RNG, 3)
G = helpers.rand_unitary(RNG, 2)
F = np.array([1.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 0.0])
P = RNG.dirichlet(np.ones(8))
KEY = jax.random.key(0)
THETA = np.pi * 8 * F
UNIFORM = np.full(8, 1 / 8)


def _oracle(p=None):
    return qsjax.boolean_oracle(qsjax.BooleanData(F, p))


CASES = [
    # (name, call, reference, marks)
    ("probabilities", lambda: K.probabilities(jnp.asarray(PSI)), lambda: np.abs(PSI) ** 2, ()),
    (
        "fidelity",
        lambda: K.fidelity(jnp.asarray(PSI), jnp.asarray(PSI[::-1])),
        lambda: abs(np.vdot(PSI, PSI[::-1])) ** 2,
        (),
    ),
    ("permute_basis", lambda: K.permute_basis(jnp.asarray(PSI), jnp.arange(8)[::-1]), lambda: PSI[::-1], ()),
    ("density_matrix", lambda: K.density_matrix(jnp.asarray(PSI)), lambda: np.outer(PSI, PSI.conj()), ()),
    ("apply_diagonal", lambda: K.apply_diagonal(jnp.asarray(PSI), jnp.asarray(PSI)), lambda: PSI * PSI, ()),
    (
        "operator_norm_error",
        lambda: qsjax.operator_norm_error(jnp.asarray(PSI), jnp.asarray(PSI[::-1])),
        lambda: np.max(np.abs(PSI - PSI[::-1])),
        (),
    ),
    (
        "walsh_hadamard (all qubits, fused)",
        lambda: K.walsh_hadamard(jnp.asarray(PSI)),
        lambda: helpers.dense_on_qubits(3, {w: helpers.HADAMARD for w in range(3)}) @ PSI,
        (),
    ),
    (
        "multinomial_counts",
        lambda: qsjax.random.multinomial_counts(KEY, 1000, jnp.asarray(UNIFORM)).sum(),
        lambda: 1000.0,
        (),
    ),
    (
        "apply_1q (complex128 state and gate)",
        lambda: K.apply_1q(jnp.asarray(PSI), jnp.asarray(G), 1),
        lambda: helpers.dense_on_qubits(3, {1: G}) @ PSI,
        (),
    ),
    (
        "apply_phases",
        lambda: K.apply_phases(jnp.asarray(PSI), jnp.asarray(F)),
        lambda: np.exp(1j * F) * PSI,
        (),
    ),
    (
        "walsh_hadamard (qubit subset)",
        lambda: K.walsh_hadamard(jnp.asarray(PSI), [0, 2]),
        lambda: helpers.dense_on_qubits(3, {0: helpers.HADAMARD, 2: helpers.HADAMARD}) @ PSI,
        (),
    ),
    ("ideal", lambda: _oracle().ideal(), lambda: (-1.0) ** F, ()),
    (
        "counts",
        lambda: _oracle().counts(KEY, 1000),
        lambda: np.exp(
            1j * THETA * np.asarray(qsjax.random.multinomial_counts(KEY, 1000, jnp.asarray(UNIFORM))) / 1000
        ),
        (),
    ),
    (
        "sampled (uniform p)",
        lambda: _oracle().sampled(KEY, 1000),
        lambda: helpers.sampled_ref(qsjax.BooleanData(F), KEY, 1000, THETA),
        (),
    ),
    (
        "apply_schur_channel (real chi)",
        lambda: K.apply_schur_channel(K.density_matrix(jnp.asarray(PSI)), jnp.ones((8, 8))),
        lambda: np.outer(PSI, PSI.conj()),
        (),
    ),
    (
        "sample_histogram",
        lambda: K.sample_histogram(KEY, jnp.asarray(PSI), 10).sum(),
        lambda: 10,
        (),
    ),
    (
        "expected",
        lambda: _oracle().expected(1000),
        lambda: helpers.expected_ref(THETA, UNIFORM, 1000),
        (),
    ),
    (
        "channel",
        lambda: _oracle().channel(100).chi,
        lambda: helpers.orthogonal_chi_ref(THETA, UNIFORM, 100),
        (),
    ),
    (
        "sampled (non-uniform p)",
        lambda: _oracle(P).sampled(KEY, 1000),
        lambda: helpers.sampled_ref(qsjax.BooleanData(F, P), KEY, 1000, F / P.max()),
        (),
    ),
    (
        "find_phases",
        lambda: qsjax.find_phases(np.array([0.0, 0.5, 0.0, 0.2])).phases[:1],
        lambda: qsjax.find_phases(np.array([0.0, 0.5, 0.0, 0.2])).phases[:1],
        (),
    ),
]


@pytest.mark.parametrize("name, call, ref", [pytest.param(n, c, r, marks=m, id=n) for n, c, r, m in CASES])
def test_public_calls_under_strict_promotion(name, call, ref):
    assert jax.config.jax_numpy_dtype_promotion == "strict"
    np.testing.assert_allclose(np.asarray(call()), ref(), atol=1e-12, err_msg=name)
