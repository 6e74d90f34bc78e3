"""The full QSP matrix ``U_phi(x)`` in each convention (:func:`qsp_unitary`)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, Complex

from .._internal.dtypes import complex_dtype
from ._conventions import Convention
from ._signals import phase_array, real_signal, safe_sqrt_1m


def qsp_unitary(
    phases: ArrayLike, x: ArrayLike, *, convention: Convention = "wx"
) -> Complex[Array, "... 2 2"]:
    """The full QSP matrix ``U_phi(x)`` (or its counterpart in another convention), in JAX.

    Parameters
    ----------
    phases : array, shape (d + 1,), real
        Phases *in the given convention* (no conversion is done here).
    x : array, any shape, real in [-1, 1]
        Checked when concrete (``ValueError`` beyond ``1 + 1e-6``); a complex dtype raises
        ``TypeError`` (its imaginary part would be meaningless for a block-encoded value).
    convention : {"wx", "reflection", "projector", "wz"}
        ``"wx"``: ``e^{i phi_0 Z} prod_k W(x) e^{i phi_k Z}``; ``"reflection"`` / ``"projector"``: the
        same with ``R(x)`` (no global phase applied); ``"wz"``: ``e^{i phi_0 X} prod_k e^{i arccos(x) Z}
        e^{i phi_k X}``.

    Returns
    -------
    array, shape x.shape + (2, 2), complex (dtype from x)
    """
    if convention not in ("wx", "reflection", "projector", "wz"):
        raise ValueError(
            f"convention must be one of 'wx', 'reflection', 'projector', 'wz', got {convention!r}"
        )
    x = real_signal(x, "x")
    rdt = x.dtype
    phases = phase_array(phases).astype(rdt)
    cdt = complex_dtype(rdt)
    s = safe_sqrt_1m(x).astype(cdt)
    xc = x.astype(cdt)
    one, zero = jnp.ones_like(xc), jnp.zeros_like(xc)
    if convention == "wx":
        sig = jnp.stack([jnp.stack([xc, 1j * s], -1), jnp.stack([1j * s, xc], -1)], -2)
    elif convention in ("reflection", "projector"):
        sig = jnp.stack([jnp.stack([xc, s], -1), jnp.stack([s, -xc], -1)], -2)
    elif convention == "wz":
        e = xc + 1j * s  # exp(i arccos x)
        sig = jnp.stack([jnp.stack([e, zero], -1), jnp.stack([zero, jnp.conj(e)], -1)], -2)
    else:
        raise ValueError(
            f"convention must be one of 'wx', 'reflection', 'projector', 'wz', got {convention!r}"
        )

    def proc(ph):
        c, sn = jnp.cos(ph).astype(cdt), jnp.sin(ph).astype(cdt)
        if convention == "wz":  # exp(i ph X)
            return jnp.stack(
                [jnp.stack([c * one, 1j * sn * one], -1), jnp.stack([1j * sn * one, c * one], -1)], -2
            )
        e = jnp.exp(1j * ph.astype(cdt))
        return jnp.stack([jnp.stack([e * one, zero], -1), jnp.stack([zero, jnp.conj(e) * one], -1)], -2)

    def step(m, ph):
        return m @ sig @ proc(ph), None

    m, _ = jax.lax.scan(step, proc(phases[0]), phases[1:])
    return m
