"""jax.custom_vjp for every registered loss: the backward is the registry's analytic gradient.

Cotangents for targets are the analytic target gradient where the loss defines one (regression losses); for
classification losses targets are data and their cotangent is zero (documented). Class-index targets get float0.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from actloss import _losses
from actloss._registry import get


def _zero_cotangent(a: Any) -> Any:
    if a is None:
        return None
    if jnp.issubdtype(a.dtype, jnp.integer) or a.dtype == jnp.bool_:
        return np.zeros(a.shape, dtype=jax.dtypes.float0)
    return jnp.zeros_like(a)


@lru_cache(maxsize=None)
def _custom(name: str, params: tuple[tuple[str, Any], ...], index_targets: bool, axis: int) -> Any:
    spec, kw = get(name), dict(params)

    def prep(x, t, w, pw):
        return _losses.Prepared("jax", jnp, x, t, w, pw, kw, index_targets, axis)

    @jax.custom_vjp
    def f(x, t, w, pw):
        return _losses.value(spec, prep(x, t, w, pw))

    def fwd(x, t, w, pw):
        return f(x, t, w, pw), (x, t, w, pw)

    def bwd(res, g):
        x, t, w, pw = res
        p = prep(x, t, w, pw)
        gx = _losses.input_grad(spec, p, g)
        gt = _losses.target_grad(spec, p, g) if spec.target_grad is not None else _zero_cotangent(t)
        return gx, gt, _zero_cotangent(w), _zero_cotangent(pw)

    f.defvjp(fwd, bwd)
    return f


def apply_jax_loss(spec: Any, p: _losses.Prepared) -> jax.Array:
    f = _custom(spec.name, tuple(sorted(p.params.items())), p.index_targets, p.axis)
    return f(p.input, p.target, p.weight, p.pos_weight)
