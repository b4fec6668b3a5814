"""The registry's ops on the native kernels: ``forward`` / ``vjp`` return None when a call is not theirs
(no kernel for the op or its params, an array the kernels do not take, or the kernels unavailable), and the
caller takes the reference path."""
from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from actloss import _native
from actloss._native import arrays


# Kernels with a float64 version (act.c, FWD64/BWD64): the ops whose double formulas keep float64 results
# within the 4 ULP bar with room (measured by the same accuracy tests as every other path).
F64 = frozenset({"relu", "leaky_relu", "elu", "sigmoid", "log_sigmoid", "softplus", "tanh", "swish", "mish",
                 "gelu", "gelu_tanh", "softmax", "log_softmax"})


def _kernel(spec: Any, x: Any, params: Mapping[str, Any]) -> tuple[str, float] | None:
    if spec.native is None or not arrays.takes(x, float64=True):
        return None
    if not spec.elementwise and params.get("axis") != x.ndim - 1:
        return None
    k = spec.native(**params)
    if k is None or _native.lib() is None:
        return None
    if _itemsize(x) == 8 and k[0] not in F64:
        return None
    return k


def _itemsize(x: Any) -> int:
    return x.itemsize if hasattr(x, "itemsize") else x.element_size()


def _launch(spec: Any, kernel: str, p: float, x: Any, g: Any | None) -> Any:
    out = arrays.empty_like(x)
    numel = math.prod(x.shape)
    xp_, op_ = arrays.ptr(x), arrays.ptr(out)
    if spec.elementwise:
        size = _itemsize(x)
        if g is None:
            _native.elementwise_fwd(kernel, xp_, op_, numel, p, size)
        else:
            _native.elementwise_bwd(kernel, xp_, arrays.ptr(g), op_, numel, p, size)
    else:
        n = x.shape[-1]
        size = _itemsize(x)
        if g is None:
            _native.rows_fwd(kernel, xp_, op_, numel // n, n, size)
        else:
            _native.rows_bwd(kernel, xp_, arrays.ptr(g), op_, numel // n, n, size)
    return out


def forward(spec: Any, x: Any, params: Mapping[str, Any]) -> Any | None:
    if spec.numpy_float32 is not None and type(x).__module__ == "numpy" and x.dtype.name == "float32" \
            and _native.lib() is not None:
        import numpy as np

        out = np.empty(x.shape, np.float32)  # an array, also for 0-d inputs (a ufunc would return a scalar)
        return getattr(np, spec.numpy_float32)(x, out=out)
    k = _kernel(spec, x, params)
    return None if k is None else _launch(spec, *k, x, None)


def vjp(spec: Any, x: Any, g: Any, params: Mapping[str, Any]) -> Any | None:
    """g * f'(x) for elementwise ops (also their JVP), the vector-Jacobian product along the axis otherwise."""
    k = _kernel(spec, x, params)
    if k is None:
        return None
    g = arrays.contiguous_like(g, x)
    return None if g is None else _launch(spec, *k, x, g)
