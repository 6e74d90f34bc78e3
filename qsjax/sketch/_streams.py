"""Exact sample counts of explicit streams: IID streams walked in chunks (``sampled`` mode) and users'
streams of ``(indices, values)`` batches (``from_stream``), counted as exact integers in either
precision."""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from .._internal.validate import MAX_EXACT_M, integer_counts_dtype, sample_count
from ..data._sources import Stream
from ..random._counters import index_sampler, key_words, stream_bits, stream_plan

# ----------------------------------------------------------------------------- exact stream counts
#
# Explicit streams are counted exactly in either precision: each chunk is scatter-added into an int32
# partial count (at most ``FOLD`` samples reach it), which is folded into a count carried in two
# uint32 words ``(hi, lo)``, i.e. exact to 2**64 without x64. Frequencies ``n / m`` are formed from
# the words once, in float64 (local x64 scope), and rounded to the caller's dtype.

FOLD = 2**31 - 1  # samples per int32 partial count before it is folded into the two words


def add_to_words(hi: Array, lo: Array, part: Array) -> tuple[Array, Array]:
    """``(hi, lo) + part`` for a count held in two uint32 words and a non-negative int32 ``part``."""
    new_lo = lo + part.astype(jnp.uint32)
    return hi + (new_lo < lo).astype(jnp.uint32), new_lo


def words_to_counts(hi: Array, lo: Array, m) -> Array:
    """The counts of ``(hi, lo)`` as an integer array: int64 under x64, int32 without (refused by
    :func:`integer_counts_dtype` when the total ``m`` does not fit)."""
    dtype = integer_counts_dtype(m)
    if dtype == jnp.int64:
        return (hi.astype(jnp.int64) << 32) | lo.astype(jnp.int64)
    return lo.astype(jnp.int32)


def words_to_float64(hi: Array, lo: Array) -> Array:
    """``hi * 2**32 + lo`` as float64 (exact below 2**53); call inside an x64 scope."""
    return hi.astype(jnp.float64) * 2.0**32 + lo.astype(jnp.float64)


def words_to_frequencies(hi: Array, lo: Array, m, dtype) -> Array:
    """``(hi * 2**32 + lo) / m`` computed in float64 and rounded once to ``dtype``."""
    with jax.enable_x64(True):
        return (words_to_float64(hi, lo) / jnp.asarray(m, jnp.float64)).astype(dtype)


def count_stream(draw, cells: int, chunk: int, n_chunks, fold: int = FOLD):
    """Exact per-cell counts, as words ``(hi, lo)``, of a stream of ``n_chunks`` chunks.

    ``draw(c)`` gives the ``chunk`` cell indices of chunk ``c`` (``cells`` = an overflow bin that is
    dropped). Each chunk is scatter-added in place into an int32 partial count (O(chunk) per chunk,
    not O(cells)); every ``fold // chunk`` chunks the partial count is added to the words (O(cells)).
    Counts are integers, so the result is bitwise the same for any chunking.
    """
    per_fold = max(1, fold // chunk)

    def chunk_body(c, acc):
        return acc.at[draw(c)].add(jnp.ones((), acc.dtype), mode="promise_in_bounds")

    def fold_body(b, words):
        start = b * per_fold
        stop = jnp.minimum(start + per_fold, n_chunks)
        part = jax.lax.fori_loop(start, stop, chunk_body, jnp.zeros((cells + 1,), jnp.int32))
        return add_to_words(*words, part[:cells])

    n_folds = (n_chunks + per_fold - 1) // per_fold
    zeros = jnp.zeros((cells,), jnp.uint32)
    return jax.lax.fori_loop(0, n_folds, fold_body, (zeros, zeros))


def stream_frequencies(key: Array, p, dim: int, m: int, chunk_size, dtype) -> Float[Array, " N"]:
    """``n / m`` for the exact counts ``n`` of ``m`` explicit IID samples over ``[dim]`` (``p`` None
    = uniform), streamed in chunks of ``chunk_size`` (the result does not depend on it); rounded once
    to ``dtype``. ``m`` must be concrete (it sets the loop lengths)."""
    chunk, n_chunks, last = stream_plan(m, chunk_size)
    hi, lo = ingest_iid(key, p, dim, chunk, n_chunks, last)
    return words_to_frequencies(hi, lo, m, dtype)


def walk_stream(stream, dim: int, add, acc, m=None):
    """Fold a user's stream into ``acc``: ``acc = add(acc, indices, values, start)`` per batch, where
    ``start`` is the number of samples before the batch; returns ``(acc, total)``.

    ``stream`` is a :class:`qsjax.Stream` or any iterable of ``(indices, values)`` pairs (wrapped as
    one over ``dim`` cells); ``total`` is checked by :func:`stream_total` against ``m``.
    """
    if not isinstance(stream, Stream):
        stream = Stream(stream, dim)
    if stream.dim != dim:
        raise ValueError(f"stream dim {stream.dim} does not match the sketch dimension {dim}")
    total = 0
    for idx, val in stream:
        acc = add(acc, idx, val, total)
        total += idx.shape[0]
    return acc, stream_total(total, m)


def stream_total(total: int, m) -> int:
    """The number of samples a user's stream yielded, checked against the ``m`` the caller fixed."""
    if total == 0:
        raise ValueError("the stream yielded no samples")
    if total > MAX_EXACT_M:
        raise ValueError(f"the stream yielded {total} samples, more than the supported 2**53")
    if m is not None:
        m = sample_count(m, allow_traced=False)
        if m != total:
            raise ValueError(f"m={m} but the stream yielded {total} samples")
    return total


@partial(jax.jit, static_argnums=(2, 3, 6))
def ingest_iid(key, p, dim, chunk, n_chunks, last, fold=FOLD):
    """Exact per-cell counts ``(hi, lo)`` (two uint32 words) of an IID stream of
    ``(n_chunks - 1) * chunk + last`` samples.

    Sample ``l`` is ``sample_indices``'s sample ``l`` exactly (same counter bits, same
    index map), drawn with the faster equivalents in ``_random``; see :func:`count_stream` for the
    exact accumulation. Memory is O(N + chunk) whatever the length. ``n_chunks`` and ``last`` are
    traced: one compilation serves every stream length.
    """
    kw = key_words(key)
    draw = index_sampler(p, dim)
    lane = jnp.arange(chunk)

    def cells(c):
        w0, w1 = stream_bits(kw, c, chunk, chunk)
        # Lanes past the end of the stream go to an overflow bin that is dropped.
        return jnp.where((c < n_chunks - 1) | (lane < last), draw(w0, w1), dim)

    return count_stream(cells, dim, chunk, n_chunks, fold)


@partial(jax.jit, donate_argnums=0)
def _accumulate_jit(acc, idx, val):
    return acc.at[idx].add(val, mode="promise_in_bounds")


def accumulate_batch(acc, idx, val):
    """``acc[idx] += val`` for one batch of a user's stream, in place (``acc`` is donated: the
    caller must not use it again).

    Measured on CPU against the alternatives (``jnp.bincount``, a host ``np.bincount`` of the batch
    plus an N-vector transfer): an in-place XLA scatter of the transferred batch is the fastest as
    soon as N is large, and never far behind. Indices travel as int32 (half the bytes) when they fit.
    """
    if isinstance(idx, np.ndarray) and idx.dtype != np.int32 and acc.shape[0] <= np.iinfo(np.int32).max:
        idx = idx.astype(np.int32)
    return _accumulate_jit(acc, idx, val)
