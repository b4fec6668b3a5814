"""Vocabulary-parallel cross-entropy on ``torch.distributed``.

Each rank of ``group`` holds a contiguous slice of the classes (the vocabulary): rank r holds classes
``[offset_r, offset_r + V_r)``, with offsets taken from the all-gathered shard sizes in rank order, so shards
may be uneven. Targets are global class indices and must be the same on every rank. Per row, the maximum,
the sum of exponentials (split as target / other classes), the target logit and, for label smoothing, the
sum of the logits are combined with two ``all_reduce`` calls of O(N) elements; the (N, V) logits are never
gathered. Values and gradients equal single-process ``torch.nn.functional.cross_entropy`` on the
concatenated logits (with actloss's one deliberate difference: the 'mean' over zero non-ignored targets is 0
with zero gradient, not NaN).

Every rank must call these functions collectively with the same ``target``, ``reduction`` and options, and
must run backward (for the linear form the backward of 'none' issues collectives).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

import torch
import torch.distributed as dist
from torch import Tensor

from actloss.torch._linear_ce import (
    _REDUCTIONS,
    _Combine,
    _LinearLossFunction,
    _LoopConfig,
    _Spec,
    _check_common,
    _check_float,
    _check_target_range,
    _chunk_loss_,
    _compute_dtype,
    _default_chunk_rows,
    _detach_unless_grad_mode,
    _reduce,
)

__all__ = ["vocab_parallel_cross_entropy", "vocab_parallel_linear_cross_entropy"]


class _GroupCombine(_Combine):
    """Row statistics reduced over the ranks of a process group (in place)."""

    single = False

    def __init__(self, group) -> None:
        self.group = group

    def max_(self, x: Tensor) -> Tensor:
        dist.all_reduce(x, op=dist.ReduceOp.MAX, group=self.group)
        return x

    def sum_(self, x: Tensor) -> Tensor:
        dist.all_reduce(x, op=dist.ReduceOp.SUM, group=self.group)
        return x


def _shards(v_local: int, group, device: torch.device) -> tuple[int, int, int]:
    """(offset of this rank's first class, total V, largest shard) from the all-gathered shard sizes."""
    if not dist.is_available() or not dist.is_initialized():
        raise RuntimeError(
            "actloss.distributed: expected an initialised default process group "
            "(torch.distributed.init_process_group); received none"
        )
    world = dist.get_world_size(group)
    rank = dist.get_rank(group)
    mine = torch.tensor([v_local], dtype=torch.int64, device=device)
    sizes = [torch.zeros(1, dtype=torch.int64, device=device) for _ in range(world)]
    dist.all_gather(sizes, mine, group=group)
    counts = [int(s.item()) for s in sizes]
    if min(counts) < 1:
        raise ValueError(
            "actloss.distributed: expected every rank to hold at least one class; "
            f"received shard sizes {counts}"
        )
    return sum(counts[:rank]), sum(counts), max(counts)


def _check_options(reduction: str, ignore_index: int, fn: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{fn}: expected reduction in {_REDUCTIONS}; received reduction={reduction!r}")
    if isinstance(ignore_index, bool) or not isinstance(ignore_index, int):
        raise TypeError(f"{fn}: expected an int ignore_index; received ignore_index={ignore_index!r}")


@dataclass(frozen=True)
class _CEConfig:
    spec: _Spec
    reduction: str
    ignore_index: int
    vocab_start: int
    combine: _Combine


class _VocabParallelCE(torch.autograd.Function):
    """Cross-entropy of vocabulary-sharded logits; the local gradient is computed in the forward pass.

    The backward pass is local (no communication): it scales the saved (N, V_local) gradient, which takes the
    place of the softmax that eager cross_entropy saves.
    """

    @staticmethod
    def forward(ctx, logits, target, cfg: _CEConfig):  # type: ignore[override]
        n_rows = logits.shape[0]
        cdtype = _compute_dtype(logits.dtype)
        valid = target != cfg.ignore_index
        n_valid = int(valid.sum().item())
        idx = None if n_valid == n_rows else valid.nonzero().squeeze(1)
        if idx is None:
            z = logits.to(cdtype, copy=True)
            t = target
        else:
            z = logits.index_select(0, idx).to(cdtype)
            t = target.index_select(0, idx)
        scale = 1.0 / n_valid if (cfg.reduction == "mean" and n_valid) else 1.0
        want_grad = ctx.needs_input_grad[0]
        loss = _chunk_loss_(
            z,
            t,
            cfg.spec,
            vocab_start=cfg.vocab_start,
            combine=cfg.combine,
            row_scale=scale,
            want_grad=want_grad,
        )
        if idx is None:
            loss_rows = loss
        else:
            loss_rows = torch.zeros(n_rows, dtype=cdtype, device=logits.device).index_copy_(0, idx, loss)
        ctx.reduction = cfg.reduction
        ctx.idx = idx
        ctx.shape = logits.shape
        ctx.dtype = logits.dtype
        ctx.grad = z if want_grad else None
        return _reduce(loss_rows, n_valid, cfg.reduction, logits.dtype, target.shape)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_out):  # type: ignore[override]
        g = ctx.grad
        if g is None:
            raise RuntimeError(
                "vocab_parallel_cross_entropy: backward was called twice through the same graph "
                "(retain_graph=True); the gradient is computed in the forward pass and handed out once"
            )
        ctx.grad = None
        if ctx.reduction == "none":
            go = grad_out.reshape(-1)
            if ctx.idx is not None:
                go = go.index_select(0, ctx.idx)
            g.mul_(go.to(g.dtype).unsqueeze(1))
        else:
            scale = grad_out.reshape(())
            if not bool(scale == 1):
                g.mul_(scale.to(g.dtype))
        if ctx.idx is not None:
            full = torch.zeros(ctx.shape, dtype=g.dtype, device=g.device)
            g = full.index_copy_(0, ctx.idx, g)
        return g.to(ctx.dtype), None, None


def vocab_parallel_cross_entropy(
    local_logits: Tensor,
    target: Tensor,
    *,
    group=None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    r"""Cross-entropy of logits whose class axis (the last) is split across the ranks of ``group``.

    .. math::
        \ell_i = (1-\varepsilon)(\operatorname{lse}(z_i) - z_{i,t_i})
                 + \varepsilon(\operatorname{lse}(z_i) - \tfrac{1}{V}\textstyle\sum_j z_{ij}),\qquad
        \frac{\partial \ell_i}{\partial z_{ij}} = p_{ij} - (1-\varepsilon)[j = t_i] - \varepsilon / V

    where :math:`z_i` is the concatenation of every rank's ``local_logits[i]`` in rank order. Reductions as
    ``torch.nn.functional.cross_entropy`` ('mean' over non-ignored rows; 0 with zero gradient when there are
    none).

    Args:
        local_logits: (..., V_r) this rank's classes; shards may be uneven (V_r >= 1).
        target: (...) global class indices in [0, V) or ``ignore_index``, identical on every rank.
        group: the process group (default: the world).
        ignore_index, reduction, label_smoothing: as ``torch.nn.functional.cross_entropy``.

    Returns:
        The loss, identical on every rank: a scalar for 'mean'/'sum', ``target``'s shape for 'none'.
        The gradient of ``local_logits`` is this rank's slice of the full gradient.

    Numerics:
        As :func:`actloss.torch._linear_ce.linear_cross_entropy`: max-shifted exponentials, the target's term
        kept apart from the other classes' sum so that ``1 - p_t`` and the loss of a dominant correct logit
        are exact; float16/bfloat16 accumulate in float32.

    Communication:
        One all_gather of the shard sizes and two all_reduce calls of O(N) elements per call (a MAX of the
        row maxima, then one SUM of the stacked target logit, other-class sum and, with label smoothing,
        logit sum). Backward is local.

    References:
        Shoeybi et al., "Megatron-LM: Training Multi-Billion Parameter Language Models Using Model
        Parallelism", 2019 (vocabulary-parallel cross-entropy).
    """
    fn = "vocab_parallel_cross_entropy"
    if not isinstance(local_logits, Tensor) or not isinstance(target, Tensor):
        raise TypeError(
            f"{fn}: expected torch.Tensor local_logits and target; received "
            f"local_logits={type(local_logits).__name__}, target={type(target).__name__}"
        )
    if not local_logits.is_floating_point():
        raise TypeError(f"{fn}: expected floating-point local_logits; received dtype={local_logits.dtype}")
    if target.is_floating_point() or target.is_complex() or target.dtype == torch.bool:
        raise TypeError(
            f"{fn}: expected integer class indices in target; received target.dtype={target.dtype}"
        )
    _check_options(reduction, ignore_index, fn)
    eps = _check_float("label_smoothing", label_smoothing, 0.0, 1.0, fn)
    if local_logits.dim() < 1 or tuple(target.shape) != tuple(local_logits.shape[:-1]):
        raise ValueError(
            f"{fn}: expected target.shape == local_logits.shape[:-1] = {tuple(local_logits.shape[:-1])}; "
            f"received target.shape={tuple(target.shape)}"
        )
    start, n_classes, _ = _shards(local_logits.shape[-1], group, local_logits.device)
    _check_target_range(target, n_classes, ignore_index, fn)
    cfg = _CEConfig(
        _Spec("ce", n_classes, label_smoothing=eps), reduction, ignore_index, start, _GroupCombine(group)
    )
    z2 = local_logits.reshape(-1, local_logits.shape[-1])
    (z2,) = _detach_unless_grad_mode(z2)
    out = _VocabParallelCE.apply(z2, target.reshape(-1), cfg)
    return out.reshape(target.shape) if reduction == "none" else out


def vocab_parallel_linear_cross_entropy(
    hidden: Tensor,
    local_weight: Tensor,
    target: Tensor,
    *,
    local_bias: Optional[Tensor] = None,
    group=None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
    z_loss: float = 0.0,
    chunk_size: Optional[int] = None,
) -> Tensor:
    r"""``linear_cross_entropy`` with the classifier's rows (the vocabulary) split across ``group``.

    ``hidden`` (..., H) is replicated on every rank; ``local_weight`` (V_r, H) and ``local_bias`` (V_r,) are
    this rank's rows of the full (V, H) weight and (V,) bias, in rank order (uneven shards allowed). The
    logits exist only ``chunk_size`` rows by V_r at a time on each rank; per chunk, two all_reduce calls of
    O(chunk_size) elements combine the row statistics.

    Returns the same loss on every rank, equal to ``linear_cross_entropy(hidden, W, target, bias=b, ...)``
    on the full W and b. Gradients: ``local_weight``/``local_bias`` get this rank's slice of the full
    gradient; ``hidden`` gets the *full* gradient on every rank (the ranks' parts are summed with one
    all_reduce of N x H elements), as for a replicated input.

    Args, reductions, numerics and memory as :func:`actloss.torch._linear_ce.linear_cross_entropy`;
    ``chunk_size`` defaults to a value computed from the largest shard, the same on every rank.
    """
    fn = "vocab_parallel_linear_cross_entropy"
    _check_common(hidden, local_weight, target, local_bias, reduction, ignore_index, chunk_size, fn)
    eps = _check_float("label_smoothing", label_smoothing, 0.0, 1.0, fn)
    lam = _check_float("z_loss", z_loss, 0.0, math.inf, fn)
    start, n_classes, widest = _shards(local_weight.shape[0], group, hidden.device)
    _check_target_range(target, n_classes, ignore_index, fn)
    if chunk_size is None:
        # Every rank must cut the rows identically (the per-chunk collectives must match), so the default
        # comes from rank-independent sizes.
        n_valid = int((target != ignore_index).sum().item())
        chunk_size = _default_chunk_rows(max(1, n_valid), widest, hidden.dtype)
    spec = _Spec("ce", n_classes, label_smoothing=eps, z_loss=lam)
    cfg = _LoopConfig(
        spec, reduction, ignore_index, chunk_size, vocab_start=start, combine=_GroupCombine(group)
    )
    h2 = hidden.reshape(-1, hidden.shape[-1])
    if not h2.is_contiguous():
        h2 = h2.contiguous()
    h2, local_weight, local_bias = _detach_unless_grad_mode(h2, local_weight, local_bias)
    out = _LinearLossFunction.apply(h2, local_weight, local_bias, target.reshape(-1), cfg)
    return out.reshape(target.shape) if reduction == "none" else out
