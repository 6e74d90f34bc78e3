"""Classical data sources: what a QOS sketch consumes.

A source describes an IID stream of samples ``(x, y)``: the index ``x`` is drawn from a probability
vector ``p`` over ``[N]`` and ``y = values[x]`` is the datum stored there (a truth-table bit, several
bits, a vector entry). Every source can

* ``sample(key, m)`` — draw ``m`` explicit samples (small ``m`` only: this is O(m) memory);
* ``counts(key, m)`` — draw the count vector ``n ~ Multinomial(m, p)`` in O(N), exact integers;
* ``chunks(key, m, chunk_size)`` — walk a stream of any length in fixed-size chunks.

Samples are counter-based (see :mod:`qsjax.random`): sample ``l`` is the same whatever the chunk size.
A user's own stream (any iterable of ``(indices, values)`` batches, e.g. read from disk) is wrapped
by :class:`Stream`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, Integer

from .._internal.validate import (
    check_binary,
    check_finite,
    check_key,
    check_probabilities,
    float_array,
    integer_counts_dtype,
    is_concrete,
    positive_int,
    sample_count,
)
from ..random._counters import DEFAULT_CHUNK, sample_indices, stream_plan
from ..random._multinomial import multinomial_counts

_MAX_EXPLICIT = 2**28  # sample() refuses to materialise more than this many samples


class IIDSource(eqx.Module):
    """Shared machinery of IID sources: ``values`` indexed by sample, optional distribution ``p``."""

    values: Float[Array, "N ..."]
    p: Float[Array, " N"] | None

    @property
    def dim(self) -> int:
        """Number of cells ``N`` the samples index."""
        return self.values.shape[0]

    @property
    def probabilities(self) -> Float[Array, " N"]:
        """The sampling distribution ``p`` (uniform when none was given)."""
        if self.p is None:
            return jnp.full((self.dim,), 1.0 / self.dim, dtype=self.values.dtype)
        return self.p

    @property
    def p_max(self) -> Float[Array, ""]:
        return jnp.max(self.probabilities)

    def sample_indices(self, key: Array, start_block, block: int, size: int) -> Integer[Array, " size"]:
        """Indices of samples ``start_block*block + i``, ``i < size`` (counter-based, chunk-invariant)."""
        return sample_indices(key, self.p, self.dim, start_block, block, size)

    def sample(self, key: Array, m: int) -> tuple[Integer[Array, " m"], Float[Array, "m ..."]]:
        """Draw ``m`` explicit IID samples ``(indices, values)``.

        Materialises O(m) memory; refuses more than 2**28 samples (use :meth:`chunks`, or the
        ``sampled`` sketch mode, which streams in fixed memory).
        """
        key = check_key(key)
        m = sample_count(m, allow_traced=False)
        if m > _MAX_EXPLICIT:
            raise ValueError(
                f"m={m} explicit samples would materialise O(m) memory; use chunks() or the "
                f"'sampled' sketch mode (streams in fixed memory) for m > {_MAX_EXPLICIT}"
            )
        idx = self.sample_indices(key, 0, 1, m)
        return idx, self.values[idx]

    def chunks(
        self, key: Array, m: int, chunk_size: int = DEFAULT_CHUNK
    ) -> Iterator[tuple[Integer[Array, " c"], Float[Array, "c ..."]]]:
        """Yield the stream of ``m`` samples as consecutive ``(indices, values)`` chunks.

        Chunk ``c`` holds samples ``c*chunk_size ...`` (the last chunk may be shorter); the samples
        do not depend on ``chunk_size``. Nothing of size O(m) is held. The chunks are those of the
        ``sampled`` sketch mode (:func:`qsjax.random.stream_plan`).
        """
        key = check_key(key)
        m = sample_count(m, allow_traced=False)
        chunk, n_chunks, last = stream_plan(m, chunk_size)
        for c in range(n_chunks):
            idx = _draw_chunk(key, self.p, self.dim, c, chunk, chunk)
            if c == n_chunks - 1:
                idx = idx[:last]
            yield idx, self.values[idx]

    def counts(self, key: Array, m) -> Integer[Array, " N"]:
        """Draw ``n ~ Multinomial(m, p)``: how often each cell occurs among ``m`` IID samples.

        O(N) work whatever ``m``; the draw is exact in float64 in either precision. Integer result:
        int64 under x64 (``m`` up to 2**53, e.g. 10**12); int32 without x64, which holds totals up
        to ``2**31 - 1`` (larger ``m`` is refused: enable x64, or use a sketch's ``counts`` mode,
        which is exact at any supported ``m``).
        """
        key = check_key(key)
        m = sample_count(m)
        dtype = integer_counts_dtype(m)
        return multinomial_counts(key, m, self.probabilities).astype(dtype)


_draw_chunk = jax.jit(sample_indices, static_argnums=(2, 4, 5))


def _validated_p(p, dim: int):
    return None if p is None else check_probabilities(p, dim)


class BooleanData(IIDSource):
    """A Boolean function given by its truth table, sampled as ``(x, f(x))``.

    Parameters
    ----------
    truth_table : array of 0/1, shape (N,) or (N, b)
        ``f(x)`` for every ``x``; with shape (N, b) the function has ``b`` output bits.
    p : array, shape (N,), optional
        Sampling distribution of ``x`` (default uniform). Non-negative, summing to 1.
    binary : check that every entry is 0 or 1 (default). Pass ``False`` to allow a relaxed,
        real-valued table, e.g. to differentiate a sketch with respect to the data values.
    """

    def __init__(self, truth_table, p=None, *, binary: bool = True):
        tt = float_array(truth_table, "truth_table")
        if tt.ndim not in (1, 2) or tt.shape[0] < 1 or (tt.ndim == 2 and tt.shape[1] < 1):
            raise ValueError(f"truth_table must have shape (N,) or (N, b) with N, b >= 1, got {tt.shape}")
        check_finite(tt, "truth_table")
        if binary:
            check_binary(tt, "truth_table")
        self.values = tt
        self.p = None if p is None else _validated_p(p, tt.shape[0]).astype(tt.dtype)

    @property
    def n_bits(self) -> int | None:
        """Number of output bits ``b`` (None for a single-bit function of shape (N,))."""
        return None if self.values.ndim == 1 else self.values.shape[1]

    @property
    def fraction_of_ones(self) -> Float[Array, ""]:
        """``F = sum_x p_x f(x)`` (single-bit functions)."""
        return jnp.sum(self.probabilities * self.values.reshape(self.dim, -1)[:, 0])


class VectorData(IIDSource):
    """A real vector ``b``, sampled as ``(j, b_j)`` with ``j ~ p`` (default uniform).

    Parameters
    ----------
    vector : array, shape (N,), real and finite, not all zero.
    p : array, shape (N,), optional sampling distribution.
    """

    def __init__(self, vector, p=None):
        v = float_array(vector, "vector")
        if v.ndim != 1 or v.shape[0] < 1:
            raise ValueError(f"vector must have shape (N,), got {v.shape}")
        check_finite(v, "vector")
        if is_concrete(v) and not np.asarray(v).any():
            raise ValueError("vector must not be all zeros (it has no direction to encode)")
        self.values = v
        self.p = None if p is None else _validated_p(p, v.shape[0]).astype(v.dtype)

    @property
    def norm(self) -> Float[Array, ""]:
        return jnp.linalg.norm(self.values)


_KINDS = {"boolean": BooleanData, "vector": VectorData}


def from_numpy(values, kind: str | None = None, *, p=None) -> BooleanData | VectorData:
    """Wrap a numpy (or any array-like) dataset as the source ``kind`` names; nothing is guessed
    from the values (``[1., 0., 1.]`` is as much a vector as a truth table).

    Parameters
    ----------
    values : array-like
    kind : ``"boolean"`` (a 0/1 truth table of shape (N,) or (N, b): :class:`BooleanData`) or
        ``"vector"`` (a real vector of shape (N,): :class:`VectorData`). Required.
    p : optional sampling distribution over the ``N`` cells (keyword only).

    Raises ``TypeError`` when ``kind`` is missing or not a string, ``ValueError`` for an unknown
    kind, and whatever the chosen constructor raises for values of the wrong form.
    """
    if kind is None:
        raise TypeError(
            "from_numpy needs kind='boolean' (a 0/1 truth table) or kind='vector' (a real vector)"
        )
    if not isinstance(kind, str):
        raise TypeError(
            f"kind must be 'boolean' or 'vector', got {type(kind).__name__}; pass p by keyword (p=...)"
        )
    if kind not in _KINDS:
        raise ValueError(f"kind must be 'boolean' or 'vector', got {kind!r}")
    return _KINDS[kind](np.asarray(values), p)


class Stream:
    """A user's stream of samples: any iterable of ``(indices, values)`` batches.

    Parameters
    ----------
    batches : iterable of pairs ``(indices, values)``; ``indices`` integer array (k,) in ``[0, dim)``,
        ``values`` array (k,) or (k, b) of finite reals. Batches may be numpy or JAX arrays of any
        length; the stream is walked once per use (pass a re-iterable, e.g. a list or a function
        returning a fresh generator, to use it twice).
    dim : number of cells ``N`` the indices address.
    """

    def __init__(self, batches: Iterable, dim: int):
        self._batches = batches
        self.dim = positive_int(dim, "dim")

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        source = self._batches() if callable(self._batches) else self._batches
        for i, item in enumerate(source):
            try:
                idx, val = item
            except (TypeError, ValueError) as exc:
                raise TypeError(f"stream batch {i} must be a pair (indices, values)") from exc
            idx = np.asarray(idx)
            val = np.asarray(val)
            if idx.ndim != 1 or not np.issubdtype(idx.dtype, np.integer):
                raise ValueError(
                    f"stream batch {i}: indices must be a 1-D integer array, got shape {idx.shape} "
                    f"dtype {idx.dtype}"
                )
            if val.shape[:1] != idx.shape:
                raise ValueError(
                    f"stream batch {i}: values has {val.shape[:1]} rows, expected {idx.shape} to "
                    "match indices"
                )
            if idx.size and (idx.min() < 0 or idx.max() >= self.dim):
                raise ValueError(
                    f"stream batch {i}: indices must lie in [0, {self.dim}), got range "
                    f"[{idx.min()}, {idx.max()}]"
                )
            if not (
                np.issubdtype(val.dtype, np.floating)
                or np.issubdtype(val.dtype, np.integer)
                or val.dtype == bool
            ):
                raise TypeError(
                    f"stream batch {i}: values must be real numbers (bool, int or float), got dtype "
                    f"{val.dtype}"
                )
            if not np.all(np.isfinite(val)):
                raise ValueError(f"stream batch {i}: values contain NaN or inf")
            yield idx, val
