"""torch.autograd.Function for every registered op.

ctx-free ``forward`` + ``setup_context`` (so torch.func.grad / vmap / jacrev work), ``save_for_backward`` of
the input only, ``generate_vmap_rule = True``. The backward is the registry's analytic derivative, written in
differentiable torch ops, so double backward (gradgradcheck) works. Nothing assumes the CPU: every tensor is
created on the input's device.
"""
from __future__ import annotations

from typing import Any

import torch
from array_api_compat import torch as xp_torch

from actloss import _dispatch
from actloss._registry import OpSpec, get


class OpFunction(torch.autograd.Function):
    generate_vmap_rule = True

    @staticmethod
    def forward(x: torch.Tensor, name: str, params: tuple[tuple[str, Any], ...]) -> torch.Tensor:  # type: ignore[override]
        return _dispatch.forward(get(name), xp_torch, x, dict(params))

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple[Any, ...], output: torch.Tensor) -> None:
        x, name, params = inputs
        ctx.save_for_backward(x)
        ctx.save_for_forward(x)
        ctx.op_name, ctx.op_params = name, params

    @staticmethod
    def backward(ctx: Any, g: torch.Tensor) -> tuple[torch.Tensor | None, None, None]:  # type: ignore[override]
        (x,) = ctx.saved_tensors
        if not ctx.needs_input_grad[0]:
            return None, None, None
        return _dispatch.vjp(get(ctx.op_name), xp_torch, x, g, dict(ctx.op_params)), None, None

    @staticmethod
    def jvp(ctx: Any, t: torch.Tensor, *_: Any) -> torch.Tensor:
        (x,) = ctx.saved_tensors
        return _dispatch.jvp(get(ctx.op_name), xp_torch, x, t, dict(ctx.op_params))


def apply_torch(spec: OpSpec, x: torch.Tensor, params: dict[str, Any]) -> torch.Tensor:
    return OpFunction.apply(x, spec.name, tuple(sorted(params.items())))
