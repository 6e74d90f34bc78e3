"""Input checks shared by the public API.

Checks run only on concrete (non-traced) values: inside ``jit``/``vmap`` the caller's arrays are
abstract and the checks are skipped, so validated constructors stay transformable.
"""

from __future__ import annotations

import numbers
import operator

import jax
import jax.numpy as jnp
import numpy as np


def is_concrete(x) -> bool:
    """True when ``x`` holds actual values (not a tracer inside jit/vmap/grad)."""
    return not isinstance(x, jax.core.Tracer)


def float_array(x, name: str) -> jax.Array:
    """``x`` as a real floating array (bool/int promoted to the default float dtype)."""
    if isinstance(x, str) or x is None:
        raise TypeError(f"{name} must be an array of numbers, got {type(x).__name__}")
    if not isinstance(x, jax.Array):
        raw = np.asarray(x)
        if raw.dtype.kind in "fiu" and raw.size:
            # the float dtype jnp.asarray will give: refuse values it cannot hold (not "NaN or inf")
            target = (
                jax.dtypes.canonicalize_dtype(raw.dtype) if raw.dtype.kind == "f" else jnp.result_type(float)
            )
            big = float(np.max(np.abs(raw.astype(np.float64))))
            if np.isfinite(big) and big > float(jnp.finfo(target).max):
                raise ValueError(
                    f"{name} overflows {np.dtype(target).name} (largest magnitude {big:.3g}, but it holds "
                    f"at most {float(jnp.finfo(target).max):.3g}); rescale it or enable x64 for float64"
                )
    try:
        arr = jnp.asarray(x)
    except TypeError as exc:
        raise TypeError(f"{name} must be an array of numbers, got {type(x).__name__}") from exc
    if jnp.issubdtype(arr.dtype, jnp.complexfloating):
        raise TypeError(f"{name} must be real, got dtype {arr.dtype}")
    if not jnp.issubdtype(arr.dtype, jnp.floating):
        arr = arr.astype(jnp.result_type(float))
    return arr


def check_finite(arr, name: str) -> None:
    if is_concrete(arr) and not np.isfinite(np.asarray(arr)).all():
        bad = np.flatnonzero(~np.isfinite(np.asarray(arr)).ravel())[:5]
        raise ValueError(f"{name} contains NaN or inf (first flat positions {bad.tolist()})")


def check_binary(arr, name: str) -> None:
    if is_concrete(arr):
        a = np.asarray(arr)
        ok = (a == 0) | (a == 1)
        if not ok.all():
            pos = np.flatnonzero(~ok.ravel())[:5]
            raise ValueError(
                f"{name} must contain only 0 and 1, got {a.ravel()[pos].tolist()} at flat positions "
                f"{pos.tolist()}"
            )


def check_probabilities(p, dim: int, name: str = "p") -> jax.Array:
    """A probability vector over ``dim`` cells: non-negative, finite, summing to 1 (tol 1e-6)."""
    p = float_array(p, name)
    if p.shape != (dim,):
        raise ValueError(f"{name} must have shape ({dim},) to match the data, got {p.shape}")
    check_finite(p, name)
    if is_concrete(p):
        a = np.asarray(p, dtype=np.float64)
        if (a < 0).any():
            raise ValueError(f"{name} must be non-negative, got min {a.min()!r}")
        tol = 1e-6 if p.dtype == jnp.float32 else 1e-10
        if abs(a.sum() - 1.0) > tol * max(1.0, dim**0.5):
            raise ValueError(f"{name} must sum to 1, got sum {a.sum()!r}")
    return p


# ----------------------------------------------------------------------------- documented limits
#
# Every size limit of the library is one of these constants (README "Limits" lists them).

MAX_EXACT_M = 2**53
"""Largest integer sample count of the ``counts`` and ``sampled`` modes, in either precision.

Counts are drawn / accumulated exactly (float64 binomial splitting under a local x64 scope, or two
32-bit words), so every count up to ``2**53`` (about ``9.0e15``) is an exact integer."""

MAX_REAL_M = 1e30
"""Largest (real) sample count of the ``expected`` and ``channel`` formulas: beyond it the
per-sample angle ``theta / M`` approaches float32's underflow range."""

MAX_DENSE_DIM = 2**13
"""Largest dimension ``V`` of a dense ``(V, V)`` channel matrix (``channel`` mode, Grover in channel
mode): ``V = 2**13`` is 1 GiB of complex128 (0.5 GiB of complex64)."""


def check_dense_dim(dim: int, dtype, what: str) -> None:
    """Refuse a dense ``(dim, dim)`` matrix above :data:`MAX_DENSE_DIM` (names the memory it needs)."""
    if dim > MAX_DENSE_DIM:
        gib = dim * dim * np.dtype(dtype).itemsize / 2**30
        raise ValueError(
            f"{what} builds a dense ({dim}, {dim}) {np.dtype(dtype).name} matrix ({gib:.1f} GiB); "
            f"the limit is dimension {MAX_DENSE_DIM}. For larger registers average 'counts' "
            "trajectories instead (jax.vmap over keys): they converge to the channel at rate 1/sqrt(R)"
        )


def check_key(key, name: str = "key"):
    """A single ``jax.random`` key: a typed threefry key (``jax.random.key``) or a legacy
    ``uint32[2]`` key (``jax.random.PRNGKey``).

    Anything else raises ``TypeError``; a batch of keys raises ``ValueError`` (map over a batch with
    ``jax.vmap``: inside it each key is a single key). qsjax's counter-based streams are threefry
    streams, so keys of another implementation (e.g. ``rbg``) are refused rather than reinterpreted.
    """
    if key is None:
        raise TypeError(f"{name} is required: pass a jax.random key, e.g. jax.random.key(0)")
    if isinstance(key, bool | int | float | complex | str | np.integer | np.floating):
        raise TypeError(
            f"{name} must be a jax.random key (e.g. jax.random.key(0)), got {type(key).__name__} {key!r}"
        )
    dtype = getattr(key, "dtype", None)
    shape = getattr(key, "shape", None)
    if dtype is None or shape is None:
        raise TypeError(f"{name} must be a jax.random key (e.g. jax.random.key(0)), got {type(key).__name__}")
    if jnp.issubdtype(dtype, jax.dtypes.prng_key):
        impl = str(jax.random.key_impl(key))
        if "threefry" not in impl:
            raise TypeError(
                f"{name} has PRNG implementation {impl!r}; qsjax's counter-based sample streams need "
                "threefry2x32 keys (jax.random.key(seed), the default)"
            )
        if shape != ():
            raise ValueError(
                f"{name} must be a single key, got a batch of keys with shape {tuple(shape)}; map over "
                "a batch with jax.vmap"
            )
        return key
    if np.dtype(dtype) == np.uint32 and tuple(shape) == (2,):
        return key  # legacy raw key
    if np.dtype(dtype) == np.uint32 and len(shape) >= 2 and shape[-1] == 2:
        raise ValueError(
            f"{name} must be a single key, got a batch of raw keys with shape {tuple(shape)}; map over "
            "a batch with jax.vmap"
        )
    raise TypeError(
        f"{name} must be a jax.random key (jax.random.key(seed)) or a legacy uint32[2] key "
        f"(jax.random.PRNGKey(seed)), got an array of dtype {np.dtype(dtype).name} and shape {tuple(shape)}"
    )


def sample_count(
    m,
    name: str = "m",
    *,
    allow_traced: bool = True,
    max_value: int = MAX_EXACT_M,
    minimum: int = 1,
    hint: str | None = None,
):
    """An integer count (samples, shots) in ``[minimum, max_value]``.

    Accepts Python/numpy ints, integral floats such as ``1e12`` and integer/float scalar arrays;
    ``2.7``, NaN, inf, bools, strings and complex numbers raise. Inside a transformation
    (``allow_traced``) a traced scalar is passed through unchecked. ``hint`` replaces the advice
    given when ``max_value`` is exceeded.
    """
    kind = "positive integer" if minimum >= 1 else "non-negative integer"
    if isinstance(m, bool | np.bool_ | str | bytes) or m is None:
        raise TypeError(f"{name} must be a {kind} number, got {m!r}")
    if isinstance(m, jax.core.Tracer):
        if not allow_traced:
            raise TypeError(
                f"{name} must be a concrete integer here (it sets loop lengths or shapes), got a traced value"
            )
        return m
    if isinstance(m, numbers.Integral):
        value = int(m)
    elif isinstance(m, numbers.Real) or (hasattr(m, "shape") and np.shape(m) == ()):
        arr = np.asarray(m)
        if arr.dtype == np.bool_ or np.iscomplexobj(arr) or not np.issubdtype(arr.dtype, np.number):
            raise TypeError(f"{name} must be a {kind} number, got {m!r}")
        f = float(arr)
        if not np.isfinite(f) or f != np.floor(f):
            raise ValueError(f"{name} must be a {kind} number, got {m!r}")
        value = int(arr) if np.issubdtype(arr.dtype, np.integer) else int(f)
    else:
        raise TypeError(f"{name} must be a {kind} number, got {type(m).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be a {kind} number, got {value}")
    if value > max_value:
        if hint is None:
            hint = "for exact integer counts; use the 'expected' or 'channel' mode for larger M"
        raise ValueError(
            f"{name}={value} exceeds the largest supported count {max_value} (= 2**"
            f"{max_value.bit_length() - 1}) {hint}"
        )
    return value


def real_scalar(value, name: str) -> float:
    """A real scalar argument as a Python float (may be inf/NaN: callers check the range).

    ``TypeError`` for strings, bools, ``None``, complex numbers, non-numeric values and arrays that
    are not scalars.
    """
    if isinstance(value, bool | np.bool_ | str | bytes) or value is None:
        raise TypeError(f"{name} must be a real number, got {value!r}")
    try:
        arr = np.asarray(value)
    except Exception as exc:  # noqa: BLE001 - any conversion failure means "not a number"
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}") from exc
    if arr.shape != () or not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
        raise TypeError(f"{name} must be a real scalar, got {value!r}")
    return float(arr)


def positive_real(m, name: str = "m", *, max_value: float = MAX_REAL_M):
    """A positive real sample count, at most ``max_value`` (the ``expected``/``channel`` formulas
    extend to real M, which makes them differentiable in M). Traced values pass through unchecked."""
    if isinstance(m, bool | str | bytes) or m is None:
        raise TypeError(f"{name} must be a positive number of samples, got {m!r}")
    if isinstance(m, jax.core.Tracer):
        return m
    if np.iscomplexobj(np.asarray(m)):
        raise TypeError(f"{name} must be a real number of samples, got {m!r}")
    try:
        f = float(np.asarray(m))
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a positive number of samples, got {type(m).__name__}") from exc
    if np.ndim(m) != 0:
        raise ValueError(f"{name} must be a scalar number of samples, got shape {np.shape(m)}")
    if not np.isfinite(f) or f <= 0:
        raise ValueError(f"{name} must be a positive, finite number of samples, got {m!r}")
    if f > max_value:
        raise ValueError(
            f"{name}={f:g} exceeds the largest supported sample count {max_value:g} of this mode (the "
            "per-sample angle would underflow); at such M the sketch equals its ideal target to "
            "working precision: use the 'ideal' mode"
        )
    if isinstance(m, numbers.Integral):
        # a Python / NumPy integer above 2**31 overflows int32 when it enters a jitted computation
        # (the default, no x64): the formulas take real M, so hand them a float
        return f
    return m


def positive_int(k, name: str) -> int:
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or int(k) <= 0:
        raise ValueError(f"{name} must be a positive integer, got {k!r}")
    return int(k)


def integer_counts_dtype(m, name: str = "m"):
    """The integer dtype for a returned count vector of total ``m``: int64 under x64, int32 without.

    Without x64 a total above ``2**31 - 1`` cannot be held in int32 and is refused (the sketches
    themselves stay exact at any supported ``m``: only the integer array handed back is limited).
    """
    if jax.config.read("jax_enable_x64"):
        return jnp.int64
    if is_concrete(m) and int(m) > np.iinfo(np.int32).max:
        raise ValueError(
            f"{name}={int(m)}: a count vector returned without x64 is int32, which holds totals up to "
            f"{np.iinfo(np.int32).max}; enable x64 (jax.config.update('jax_enable_x64', True)) for int64 "
            "counts up to 2**53 (the sketch modes, which return no integer counts, are exact at this "
            "total in either precision)"
        )
    return jnp.int32


def integer_arg(x, name: str, what: str = "an integer") -> int:
    """``x`` as a Python int: Python/numpy integers (and integer 0-d arrays) only, never a bool or a
    float (no silent truncation of ``1.7`` to ``1``)."""
    if isinstance(x, bool | np.bool_):
        raise TypeError(f"{name} must be {what}, got the bool {x!r}")
    try:
        return operator.index(x)
    except TypeError:
        raise TypeError(f"{name} must be {what}, got {type(x).__name__} {x!r}") from None


def num_qubits(dim: int, *, name: str = "dimension") -> int:
    """Number of qubits ``n`` with ``2**n == dim``.

    ``dim`` must be a Python or numpy integer (a float such as ``8.5`` or ``8.0``, or a bool, raises
    ``TypeError``); a value that is not a positive power of two raises ``ValueError``.
    """
    dim = integer_arg(dim, name, "an integer power of two")
    if dim < 1 or dim & (dim - 1):
        raise ValueError(f"{name} must be a power of two (a qubit register), got {dim}")
    return dim.bit_length() - 1


def check_qubit(q: int, n: int, name: str = "qubit") -> int:
    """A qubit index in ``[0, n)``: an integer (``TypeError`` for floats and bools), in range."""
    q = integer_arg(q, name, "an integer qubit index")
    if not 0 <= q < n:
        raise ValueError(f"{name} must be in [0, {n}) for a {n}-qubit register, got {q}")
    return q
