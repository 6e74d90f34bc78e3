"""Computational-basis measurement: explicit shots by inverse-CDF sampling (float64, memory O(N +
shots)) and outcome histograms as one exact multinomial draw (O(N) for up to ``2**53`` shots)."""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Complex, Float, Integer

from .._internal.validate import MAX_EXACT_M, check_key, integer_counts_dtype, is_concrete, sample_count
from ..random._counters import counter_bits, uniform_float
from ..random._multinomial import multinomial_counts

MAX_SHOTS = 2**26
"""Largest number of outcomes :func:`sample_shots` materialises (about 32 bytes of temporaries per
shot: 2 GiB at the cap); :func:`sample_histogram` draws the outcome counts of up to ``2**53`` shots
in ``O(N)`` instead."""


def _shot_count(shots, name: str, max_value: int, hint: str, *, allow_traced: bool) -> int:
    """A non-negative integer number of shots, at most ``max_value`` (see ``sample_count``)."""
    return sample_count(
        shots, name, allow_traced=allow_traced, max_value=max_value, minimum=0, hint=f"; {hint}"
    )


def _check_state(state, fname: str) -> Array:
    """The state as a 1-D numeric array, finite and of non-zero norm (checked when concrete)."""
    state = jnp.asarray(state)
    if state.ndim != 1:
        raise ValueError(f"state must be one-dimensional (use vmap for batches), got shape {state.shape}")
    if not (jnp.issubdtype(state.dtype, jnp.number) or state.dtype == jnp.bool_):
        raise TypeError(f"state must be an array of numbers, got dtype {state.dtype}")
    if is_concrete(state):
        # numpy, not jnp: inside a caller's jit even ops on concrete constants are staged
        values = np.asarray(state)
        if not np.isfinite(values).all():
            bad = np.flatnonzero(~np.isfinite(values))[:5]
            raise ValueError(f"state contains NaN or inf (first positions {bad.tolist()})")
        if not values.any():
            raise ValueError(f"{fname}: the state has zero norm, so it defines no outcome distribution")
    return state


def _weights_f64(state: Array) -> Float[Array, " N"]:
    """``|state|^2 / max|state|^2`` in float64 (call inside a ``jax.enable_x64(True)`` scope); the
    rescaling keeps tiny states (whose squares would underflow) well defined."""
    dtype = jnp.complex128 if jnp.issubdtype(state.dtype, jnp.complexfloating) else jnp.float64
    s = state.astype(dtype)
    scale = jnp.max(jnp.abs(s))
    s = s / jnp.where(scale > 0, scale, 1.0).astype(dtype)
    return jnp.real(s * jnp.conj(s))


def sample_shots(key: Array, state: Complex[Array, " N"], shots: int) -> Integer[Array, " shots"]:
    """Draw ``shots`` measurement outcomes (basis indices) in the computational basis.

    Parameters
    ----------
    key : a single ``jax.random`` key.
    state : array (N,), real or complex, finite and not all zero; it need not be normalised (the
        outcome distribution is ``|state|^2 / ||state||^2``).
    shots : non-negative integer (an integral float such as ``1e6`` is accepted), at most
        :data:`MAX_SHOTS` ``= 2**26``: every outcome is materialised (about 32 bytes per shot of
        temporaries, 2 GiB at the cap). For more shots, or whenever only
        the counts matter, use :func:`sample_histogram` (``O(N)`` whatever the number of shots).

    Returns
    -------
    array (shots,) of the default integer dtype (int64 under x64, int32 without).

    Inverse-CDF sampling: one cumulative sum of ``|state|^2`` and a binary search per uniform draw,
    so ``O(N + shots)`` memory and ``O(N + shots log N)`` time. The sum and the uniforms are float64
    (a local ``jax.enable_x64(True)`` scope when x64 is off, which also works under the caller's
    ``jit``/``vmap``), so outcome probabilities are resolved to ``2**-53`` of the total in either
    precision and a key gives the same outcomes in both. ``shots`` must be concrete (it sets the
    output shape); ``state`` is checked only when concrete.
    """
    key = check_key(key)
    shots = _shot_count(
        shots,
        "shots",
        MAX_SHOTS,
        "sample_shots materialises every outcome; use qsjax.sample_histogram(key, state, shots) for the "
        "outcome counts in O(N) memory (exact up to 2**53 shots)",
        allow_traced=False,
    )
    state = _check_state(state, "sample_shots")
    out_dtype = jnp.dtype(jnp.result_type(int))
    with jax.enable_x64(True):
        return _inverse_cdf(key, state, shots).astype(out_dtype)


_SHOTS_STREAM = 0x5407_0000  # high counter word of the uniforms of sample_shots (a stream of its own)


@partial(jax.jit, static_argnums=(2,))
def _inverse_cdf(key, state, shots: int):
    """Outcome indices by inverse-CDF sampling, all in float64 (run inside a local x64 scope).

    Only primitives that stay valid in an x64 scope nested in a caller's x64-off trace are used:
    the uniforms come from qsjax's counter-based threefry words (53-bit floats), not from
    ``jax.random.uniform``, and no ``argmax``.
    """
    weights = _weights_f64(state)
    cdf = jnp.cumsum(weights)
    total = cdf[-1]
    lo = jnp.arange(shots, dtype=jnp.uint32)
    w0, w1 = counter_bits(key, lo, jnp.full((shots,), _SHOTS_STREAM, jnp.uint32))
    u = uniform_float(w0, w1, jnp.float64) * total
    idx = jnp.searchsorted(cdf, u, side="right", method="scan")
    # u can round up to the total at worst: map that to the last outcome of non-zero weight, the
    # first index where the cdf reaches the total (never to a zero-weight cell: side="right"
    # already skips the cells where the cdf does not increase).
    last = jnp.searchsorted(cdf, total, side="left", method="scan")
    return jnp.minimum(idx, last)


def sample_histogram(key: Array, state: Complex[Array, " N"], shots) -> Integer[Array, " N"]:
    """The outcome counts of ``shots`` computational-basis measurements, as one multinomial draw.

    Parameters
    ----------
    key : a single ``jax.random`` key.
    state : array (N,), real or complex, finite and not all zero (need not be normalised).
    shots : non-negative integer (integral floats such as ``1e12`` are accepted), at most ``2**53``.
        It may be traced (e.g. under ``vmap``), in which case it is not checked.

    Returns
    -------
    array (N,) of counts summing to ``shots``, distributed as
    ``Multinomial(shots, |state|^2 / ||state||^2)``: int64 under x64; int32 without, which refuses
    ``shots > 2**31 - 1``.

    Cost ``O(N)`` time and memory whatever ``shots`` (binary splitting, ``N - 1`` binomial draws, in
    float64 in either precision: every count is exact up to ``2**53``), so ``1e15`` shots cost what
    ``10`` do. The histogram of :func:`sample_shots` has the same distribution.
    """
    key = check_key(key)
    shots = _shot_count(
        shots, "shots", MAX_EXACT_M, "counts are exact integers up to 2**53", allow_traced=True
    )
    dtype = integer_counts_dtype(shots, "shots")
    state = _check_state(state, "sample_histogram")
    if is_concrete(shots) and shots == 0:
        return jnp.zeros(state.shape, dtype)
    with jax.enable_x64(True):
        weights = _weights_f64(state)
        counts = multinomial_counts(key, shots, weights / jnp.sum(weights))
    return counts.astype(dtype)
