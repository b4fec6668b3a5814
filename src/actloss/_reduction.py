"""Reductions, defined once: 'none' | 'mean' | 'sum', and the cotangent each one sends back per sample.

'mean' is sum(per-sample loss) / denominator. The denominator is the number of samples unless a loss passes its
own (cross-entropy and softmax focal loss with class-index targets pass the sum of the targets' class weights
over non-ignored samples, as torch does). A denominator of 0 (every target ignored) gives a loss of 0 with a
zero gradient, not torch's NaN (pytorch #70348, #116349).
"""
from __future__ import annotations

import math
from typing import Any

import array_api_compat

from actloss._xp import Array

REDUCTIONS = ("none", "mean", "sum")


def check(op: str, reduction: Any) -> str:
    if reduction not in REDUCTIONS:
        allowed = ", ".join(repr(r) for r in REDUCTIONS)
        raise ValueError(f"actloss.{op}: argument 'reduction' must be one of {allowed}; received {reduction!r}")
    return reduction


def _safe_denominator(xp: Any, denom: Array | int, like: Array) -> tuple[Array, Array]:
    d = xp.asarray(denom, dtype=like.dtype, device=array_api_compat.device(like)) if isinstance(denom, int) else denom
    zero = d == 0
    return xp.where(zero, xp.ones_like(d), d), zero


def reduce(xp: Any, loss: Array, reduction: str, denom: Array | int | None = None) -> Array:
    """Reduce per-sample losses (in the compute dtype, so sums accumulate there)."""
    if reduction == "none":
        return loss
    return finish(xp, xp.sum(loss), reduction, math.prod(loss.shape), denom)


def finish(xp: Any, total: Array, reduction: str, count: int, denom: Array | int | None = None) -> Array:
    """'sum' or 'mean' from the sum of the per-sample losses and their count (for sums accumulated blockwise)."""
    if reduction == "sum":
        return total
    d, zero = _safe_denominator(xp, count if denom is None else denom, total)
    return xp.where(zero, xp.zeros_like(total), total / d)


def scalar_cotangent(xp: Any, g: Array, reduction: str, count: int, denom: Array | int | None = None) -> Array:
    """d(reduced loss)/d(per-sample loss) times the incoming cotangent g, for 'sum' / 'mean': a 0-d array that
    every sample receives ('none' passes g through per sample)."""
    if reduction == "sum":
        return g
    d, zero = _safe_denominator(xp, count if denom is None else denom, g)
    return xp.where(zero, xp.zeros_like(g), g / d)
