"""From a registry entry to a result: validation, the compute dtype, and the per-framework adapters.

The NumPy path (and any other Array API namespace) computes here. torch tensors go to a
``torch.autograd.Function`` (``actloss.torch._function``), JAX arrays to a ``custom_jvp`` wrapper
(``actloss.jax._adapter``); both call back into ``forward`` / ``vjp`` / ``jvp`` below, so all three share one
implementation of the math.
"""
from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

import numpy as np

from actloss import _chunks, _xp
from actloss import _numerics as nx
from actloss._native import ops as _native_ops
from actloss._registry import OpSpec, get
from actloss._xp import Array


def _errstate(xp: Any) -> contextlib.AbstractContextManager[Any]:
    # Untaken branches of a where() may overflow or divide by zero; NumPy would warn about values we discard.
    # (array-api-strict and other NumPy-backed namespaces included)
    if _xp.is_torch_ns(xp) or _xp.is_jax_ns(xp):
        return contextlib.nullcontext()
    return np.errstate(all="ignore")


def _up(xp: Any, a: Array, cd: Any) -> Array:
    return xp.astype(a, cd, copy=False)


def _context(xp: Any, x: Array, upcast: bool = True) -> tuple[Any, contextlib.ExitStack]:
    """The compute dtype, and a context that silences NumPy's warnings about discarded branches and turns the
    error-free transformations off where the compute dtype is wider than the input's."""
    cd = _xp.compute_dtype(xp, x) if upcast else x.dtype
    stack = contextlib.ExitStack()
    stack.enter_context(_errstate(xp))
    stack.enter_context(nx.compensation(_xp.dtype_name(cd) == _xp.dtype_name(x.dtype)))
    return cd, stack


def _run(xp: Any, x: Array, axis: int | None, fn: Any, *others: Array, upcast: bool = True) -> Array:
    """fn(*upcast arrays) rounded once to x's dtype; blocked over rows where that helps (see _chunks)."""
    cd, ctx = _context(xp, x, upcast)
    with ctx:
        up = lambda *arrs: fn(*[_up(xp, a, cd) for a in arrs])  # noqa: E731
        arrays = (x, *others)
        if _chunks.usable(xp, *arrays) and all(tuple(a.shape) == tuple(x.shape) for a in others):
            if axis is None:  # elementwise: any layout, flattened
                flat = [xp.reshape(a, (-1,)) for a in arrays]
                out = _chunks.rows(xp, up, flat, flat[0].shape[0], 1, tuple(flat[0].shape), x.dtype)
                return xp.reshape(out, x.shape)
            if axis == x.ndim - 1:  # along the last axis: blocks of whole rows
                n = x.shape[-1]
                flat = [xp.reshape(a, (-1, n)) for a in arrays]
                out = _chunks.rows(xp, up, flat, flat[0].shape[0], n, tuple(flat[0].shape), x.dtype)
                return xp.reshape(out, x.shape)
        return xp.astype(up(*arrays), x.dtype, copy=False)


def forward(spec: OpSpec, xp: Any, x: Array, params: Mapping[str, Any]) -> Array:
    """spec's forward in the compute dtype, rounded once to x's dtype (the native kernel where it takes x)."""
    out = _native_ops.forward(spec, x, params)
    if out is not None:
        return out
    return _run(xp, x, params.get("axis"), lambda a: spec.forward(xp, a, **params), upcast=not spec.in_input_dtype)


def vjp(spec: OpSpec, xp: Any, x: Array, g: Array, params: Mapping[str, Any]) -> Array:
    """The input cotangent for output cotangent g (for elementwise ops: g * f'(x)), in x's dtype."""
    out = _native_ops.vjp(spec, x, g, params)
    if out is not None:
        return out
    if spec.elementwise:
        return _run(xp, x, None, lambda a, b: b * spec.derivative(xp, a, **params), g, upcast=not spec.in_input_dtype)
    return _run(xp, x, params.get("axis"), lambda a, b: spec.vjp(xp, a, b, **params), g)


def jvp(spec: OpSpec, xp: Any, x: Array, t: Array, params: Mapping[str, Any]) -> Array:
    if spec.elementwise:
        out = _native_ops.vjp(spec, x, t, params)  # t * f'(x), the same kernel
        if out is not None:
            return out
        return _run(xp, x, None, lambda a, b: b * spec.derivative(xp, a, **params), t, upcast=not spec.in_input_dtype)
    return _run(xp, x, params.get("axis"), lambda a, b: spec.jvp(xp, a, b, **params), t)


def _prepare(spec: OpSpec, x: Any, kwargs: Mapping[str, Any]) -> tuple[str, Any, dict[str, Any]]:
    if isinstance(x, np.generic):
        x = np.asarray(x)
    fw = _xp.check_array(x, op=spec.name, arg="input")
    _xp.check_float(x, op=spec.name, arg="input")
    params = spec.bind(kwargs, ndim=x.ndim)
    if fw == "other" and "erfc" in spec.needs:
        raise TypeError(
            f"actloss.{spec.name}: needs erfc, which the Array API standard lacks; supported for NumPy, PyTorch "
            f"and JAX arrays; received {type(x).__module__}.{type(x).__qualname__}"
        )
    return fw, x, params


def apply(spec: OpSpec, x: Any, kwargs: Mapping[str, Any]) -> Array:
    """``actloss.<op>(x, **kwargs)``: validate, then dispatch on the array type."""
    fw, x, params = _prepare(spec, x, kwargs)
    if fw == "torch":
        from actloss.torch._function import apply_torch

        return apply_torch(spec, x, params)
    if fw == "jax":
        from actloss.jax._adapter import apply_jax

        return apply_jax(spec, x, params)
    return forward(spec, _xp.namespace(x), x, params)


def value_and_grad(op: str | OpSpec, x: Any, *args: Any, cotangent: Any = None, **kwargs: Any) -> tuple[Array, Array]:
    """Value and analytic input gradient of an op, for any supported array type, without autodiff.

    For a loss, pass ``(input, target)``: the gradient is with respect to the input (``cotangent`` defaults to
    1 for a reduced loss).

    The gradient is the vector-Jacobian product with ``cotangent`` (default: ones), i.e. the gradient of
    ``sum(cotangent * op(x))``; for an elementwise op with the default it is the derivative f'(x) itself. It is
    the same formula the torch backward and the JAX JVP use.

    >>> import numpy as np, actloss
    >>> y, dy = actloss.value_and_grad("sigmoid", np.array([0.0, 40.0]))
    >>> dy
    array([2.50000000e-01, 4.24835426e-18])
    """
    spec = op if not isinstance(op, str) else get(op)
    if spec.kind == "loss":
        from actloss import _losses

        if len(args) != 1:
            raise TypeError(f"actloss.value_and_grad: loss {spec.name!r} takes (input, target); received {1 + len(args)} arrays")
        return _losses.value_and_grad(spec, x, args[0], cotangent, kwargs)
    if args:
        raise TypeError(f"actloss.value_and_grad: activation {spec.name!r} takes one array; received {1 + len(args)}")
    fw, x, params = _prepare(spec, x, kwargs)
    xp = _xp.namespace(x)
    if cotangent is None:
        g = xp.ones_like(x)
    else:
        _xp.check_array(cotangent, op=spec.name, arg="cotangent")
        if tuple(cotangent.shape) != tuple(x.shape):
            raise ValueError(
                f"actloss.value_and_grad: argument 'cotangent' must have the input's shape {tuple(x.shape)}; "
                f"received shape {tuple(cotangent.shape)}"
            )
        g = cotangent
    if fw == "torch":
        import torch

        with torch.no_grad():
            return forward(spec, xp, x, params), vjp(spec, xp, x, g, params)
    return forward(spec, xp, x, params), vjp(spec, xp, x, g, params)


def derivative(op: str | OpSpec, x: Any, **kwargs: Any) -> Array:
    """f'(x) of an elementwise op, elementwise, for any supported array type (no autodiff involved)."""
    spec = op if isinstance(op, OpSpec) else get(op)
    if not spec.elementwise:
        raise ValueError(
            f"actloss.derivative: op {spec.name!r} is not elementwise; use actloss.value_and_grad(..., cotangent=...)"
        )
    return value_and_grad(spec, x, **kwargs)[1]
