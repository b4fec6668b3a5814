from __future__ import annotations

from functools import lru_cache
from typing import Any

import jax
import jax.numpy as jnp

from actloss import _dispatch
from actloss._registry import OpSpec, get


@lru_cache(maxsize=None)
def _custom(name: str, params: tuple[tuple[str, Any], ...]) -> Any:
    spec, kw = get(name), dict(params)

    @jax.custom_jvp
    def f(x: jax.Array) -> jax.Array:
        return _dispatch.forward(spec, jnp, x, kw)

    @f.defjvp
    def f_jvp(primals: tuple[jax.Array], tangents: tuple[jax.Array]) -> tuple[jax.Array, jax.Array]:
        (x,), (t,) = primals, tangents
        return f(x), _dispatch.jvp(spec, jnp, x, t, kw)

    return f


def apply_jax(spec: OpSpec, x: jax.Array, params: dict[str, Any]) -> jax.Array:
    return _custom(spec.name, tuple(sorted(params.items())))(x)
