"""torch.autograd.Function for every registered loss.

Saves only its inputs (input, target and the optional weights) and recomputes the analytic gradient in
backward with differentiable torch ops, so double backward works; no chain of autograd intermediates.
"""
from __future__ import annotations

from typing import Any

import torch
from array_api_compat import torch as xp_torch

from actloss import _losses
from actloss._registry import get


class LossFunction(torch.autograd.Function):
    generate_vmap_rule = True

    @staticmethod
    def forward(input, target, weight, pos_weight, name, params, index_targets, axis):  # type: ignore[override]
        spec = get(name)
        p = _losses.Prepared("torch", xp_torch, input, target, weight, pos_weight, dict(params), index_targets, axis)
        return _losses.value(spec, p)

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple[Any, ...], output: torch.Tensor) -> None:
        input, target, weight, pos_weight, name, params, index_targets, axis = inputs
        ctx.save_for_backward(input, target, weight, pos_weight)
        ctx.meta = (name, params, index_targets, axis)

    @staticmethod
    def backward(ctx: Any, g: torch.Tensor):  # type: ignore[override]
        input, target, weight, pos_weight = ctx.saved_tensors
        name, params, index_targets, axis = ctx.meta
        spec = get(name)
        p = _losses.Prepared("torch", xp_torch, input, target, weight, pos_weight, dict(params), index_targets, axis)
        gi = _losses.input_grad(spec, p, g) if ctx.needs_input_grad[0] else None
        gt = _losses.target_grad(spec, p, g) if ctx.needs_input_grad[1] else None
        return gi, gt, None, None, None, None, None, None


def apply_torch_loss(spec: Any, p: _losses.Prepared) -> torch.Tensor:
    if p.target.requires_grad and spec.target_grad is None:
        raise ValueError(
            f"actloss.{spec.name}: gradients with respect to 'target' are not supported for this loss; "
            "received a target that requires grad (detach it)"
        )
    for arg, a in (("weight", p.weight), ("pos_weight", p.pos_weight)):
        if a is not None and a.requires_grad:
            raise ValueError(f"actloss.{spec.name}: argument '{arg}' must not require grad; detach it")
    from actloss.torch._native_loss import apply_native_loss, eligible

    if eligible(spec, p):
        return apply_native_loss(spec, p, bool(p.params.get("inplace_backward", False)))
    _losses.check_target(spec, p)  # LossFunction's own Prepared does not carry the deferred check
    return LossFunction.apply(p.input, p.target, p.weight, p.pos_weight, spec.name,
                              tuple(sorted(p.params.items())), p.index_targets, p.axis)
