"""Run an op through one adapter the way a user would: the value, and the gradient through that framework's
own machinery (torch autograd, jax.vjp, or ``actloss.value_and_grad`` for NumPy)."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from actloss.testing.accuracy import np_dtype

FRAMEWORKS = ("numpy", "torch", "torch_strided", "jax")


def to_array(fw: str, values: np.ndarray, dtype: str) -> Any:
    a = np.asarray(values, np.float64).astype(np_dtype(dtype))
    if fw == "numpy":
        return a
    if fw.startswith("torch"):
        import torch

        t = torch.from_numpy(np.asarray(values, np.float64)).to(getattr(torch, dtype))
        if fw == "torch_strided":  # a non-contiguous view takes torch's scalar (non-SIMD) path
            big = torch.zeros((2 * t.shape[0],) + tuple(t.shape[1:]), dtype=t.dtype)
            big[::2] = t
            t = big[::2]
        return t
    if fw == "jax":
        import jax.numpy as jnp

        return jnp.asarray(a)
    raise ValueError(f"unknown framework {fw!r}")


def to_numpy(a: Any) -> np.ndarray:
    if hasattr(a, "detach"):
        return a.detach().to(dtype=__import__("torch").float64).cpu().numpy()
    return np.asarray(a).astype(np.float64)


def value_and_grad(fw: str, fn: Callable[..., Any], x: Any, cot: Any, params: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    if fw == "numpy":
        import actloss

        y, g = actloss.value_and_grad(fn.spec, x, cotangent=cot, **params)  # type: ignore[attr-defined]
        return to_numpy(y), to_numpy(g)
    if fw.startswith("torch"):
        xt = x.detach().requires_grad_(True) if fw == "torch" else x.requires_grad_(True)
        y = fn(xt, **params)
        y.backward(cot)
        return to_numpy(y), to_numpy(xt.grad)
    if fw == "jax":
        import jax

        # under jit, as users run it (and one compilation per shape instead of one per primitive); float64 runs
        # eagerly: XLA's FMA fusion under jit defeats the error-free transformations (see _numerics).
        if str(x.dtype) == "float64":
            y, pullback = jax.vjp(lambda a: fn(a, **params), x)
            return to_numpy(y), to_numpy(pullback(cot)[0])
        y, grad = _jax_value_and_vjp(fn, tuple(sorted(params.items())))(x, cot)
        return to_numpy(y), to_numpy(grad)
    raise ValueError(f"unknown framework {fw!r}")


_JAX_CACHE: dict = {}


def _jax_value_and_vjp(fn: Callable[..., Any], params: tuple) -> Callable[..., Any]:
    key = (fn.__name__, params)
    if key not in _JAX_CACHE:
        import jax

        def run(x: Any, cot: Any) -> Any:
            y, pullback = jax.vjp(lambda a: fn(a, **dict(params)), x)
            return y, pullback(cot)[0]

        _JAX_CACHE[key] = jax.jit(run)
    return _JAX_CACHE[key]
