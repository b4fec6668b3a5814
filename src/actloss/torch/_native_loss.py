"""torch.autograd.Function for the losses the native kernels take (actloss._native.losses).

The forward pass computes the loss and its input gradient together (one pass over the input) and keeps the
gradient, scaled for a cotangent of 1: backward only scales it in place by the incoming cotangent (nothing when
that is 1) and hands the buffer to autograd, which stores it as ``.grad`` without a copy. Extra memory: one input-sized buffer, or none with cross_entropy's ``inplace_backward=True``, where the
gradient is written over the logits (as Liger-Kernel does): the logits' values are gone after the forward call.

Double backward (create_graph=True) recomputes the gradient with the reference path's differentiable ops
(not possible after an in-place forward: an error says so).
"""
from __future__ import annotations

from typing import Any

import torch

from actloss import _losses
from actloss._native import arrays
from actloss._native import losses as native_losses
from actloss._registry import get


class NativeLossFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, input, target, weight, pos_weight, name, p, inplace):  # type: ignore[override]
        spec = get(name)
        want = bool(ctx.needs_input_grad[0])
        res = native_losses.run(spec, p, want_grad=want, inplace=inplace and want)
        ctx.meta = (name, p, inplace and want)
        ctx.was_native = res is not None
        if res is None:  # a row the kernels leave to the reference path (NaN / inf logits): all of it goes there
            ctx.native_grad = None
            ctx.inplace = False
            ctx.save_for_backward(input, target, weight, pos_weight)
            return _losses.value(spec, p)
        value, grad = res
        ctx.native_grad = grad
        ctx.inplace = inplace and want
        if ctx.inplace:  # autograd then rejects any other backward that saved the overwritten logits
            torch.autograd.graph.increment_version(input)
        ctx.save_for_backward(None if ctx.inplace else input, target, weight, pos_weight)
        return value

    @staticmethod
    def backward(ctx: Any, g: torch.Tensor):  # type: ignore[override]
        name, p, _ = ctx.meta
        spec = get(name)
        input, target, weight, pos_weight = ctx.saved_tensors
        grad = ctx.native_grad
        q = _losses.Prepared(p.fw, p.xp, input, target, weight, pos_weight, p.params, p.index_targets, p.axis)
        if grad is None and ctx.was_native and not ctx.inplace and not torch.is_grad_enabled():
            # a second backward through a retained graph: the same kernel again, so the result is bit-identical
            # to the first (gradcheck's reentrancy check)
            res = native_losses.run(spec, q, want_grad=True)
            grad = None if res is None else res[1]
        if grad is None or torch.is_grad_enabled():
            # the reference path: after a fallback in forward, for double backward, or for a second backward
            # through a retained graph (the first one handed its buffer over)
            if ctx.inplace:
                raise RuntimeError(
                    f"actloss.{name}: inplace_backward=True wrote the gradient over the input, so it cannot be "
                    "differentiated again (create_graph=True or a second backward); use inplace_backward=False"
                )
            return _losses.input_grad(spec, q, g), None, None, None, None, None, None
        # Hand the buffer over (scaled in place): autograd then stores it as .grad without a copy.
        ctx.native_grad = None
        if g.ndim:  # reduction 'none': one cotangent per sample
            grad.mul_(g.unsqueeze(-1) if spec.structure == "class" else g)
        elif g.item() != 1.0:
            grad.mul_(g)
        # in place, grad *is* the input tensor: a fresh alias of its storage lets a leaf input's .grad take it
        # without a copy (an intermediate's gradient flows on to its producer as usual)
        return (grad.detach() if ctx.inplace else grad), None, None, None, None, None, None


def eligible(spec: Any, p: _losses.Prepared) -> bool:
    """Whether the native path may take this call (it may still fall back inside, for non-finite rows)."""
    if spec.name not in native_losses.CLASS and spec.name not in native_losses.POINTWISE:
        return False
    if p.target.requires_grad or torch._C._functorch.is_functorch_wrapped_tensor(p.input):  # noqa: SLF001
        return False
    with torch.no_grad():  # arrays.takes refuses tensors that require grad under grad mode; not relevant here
        return arrays.takes(p.input, float64=native_losses.takes_float64(spec, p.params))


def apply_native_loss(spec: Any, p: _losses.Prepared, inplace: bool) -> torch.Tensor:
    if not (torch.is_grad_enabled() and p.input.requires_grad):
        # no graph will be built (evaluation, torch.no_grad): the loss alone, no gradient buffer
        res = native_losses.run(spec, p, want_grad=False)
        return _losses.value(spec, p) if res is None else res[0]
    return NativeLossFunction.apply(p.input, p.target, p.weight, p.pos_weight, spec.name, p, inplace)
