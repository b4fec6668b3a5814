"""Chunked linear + cross-entropy (and softmax focal loss) that never materialises the (N, V) logits.

``linear_cross_entropy(hidden, weight, target)`` equals
``torch.nn.functional.cross_entropy(hidden @ weight.T + bias, target)`` (plus an optional z-loss), but the
logits exist only ``chunk_size`` rows at a time. For ``reduction='mean'``/``'sum'`` the gradients of hidden,
weight and bias are computed chunk by chunk *in the forward pass* (the Liger-Kernel scheme), so that nothing
of size (N, V) is saved for backward; backward only scales them by the incoming scalar gradient. For
``reduction='none'`` the per-row upstream gradient is not known in the forward pass, so the forward pass
computes the loss only and the backward pass recomputes the logits chunk by chunk.

Self-contained and torch-only on purpose: ``actloss.distributed`` reuses the chunk kernel with reductions
across vocabulary shards (the ``_Combine`` hook).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Union

import torch
from torch import Tensor, nn

__all__ = [
    "linear_cross_entropy",
    "linear_softmax_focal_loss",
    "LinearCrossEntropyLoss",
    "LinearSoftmaxFocalLoss",
]

_REDUCTIONS = ("none", "mean", "sum")
# Bytes of one chunk of logits when chunk_size=None: large enough for efficient GEMMs, small next to
# the (N, V) logits of the eager path (256 MiB is 512 rows at V=128256 in float32).
_CHUNK_BYTES = 256 * 2**20
_MIN_CHUNK_ROWS = 64
_LOW_PRECISION = (torch.float16, torch.bfloat16)


# ----------------------------------------------------------------------------------------------------------
# The chunk kernel: loss rows and d loss / d logits for one chunk of logits, in place.
# ----------------------------------------------------------------------------------------------------------
class _Combine:
    """Reductions of per-row statistics across vocabulary shards; the identity in a single process."""

    single = True

    def max_(self, x: Tensor) -> Tensor:
        return x

    def sum_(self, x: Tensor) -> Tensor:
        return x


_SINGLE = _Combine()


@dataclass(frozen=True)
class _Spec:
    """What loss the chunk kernel computes. ``n_classes`` is the full vocabulary size V."""

    kind: str  # "ce" | "focal"
    n_classes: int
    label_smoothing: float = 0.0
    z_loss: float = 0.0
    gamma: float = 0.0


def _chunk_loss_(
    z: Tensor,
    target: Tensor,
    spec: _Spec,
    *,
    vocab_start: int = 0,
    combine: _Combine = _SINGLE,
    row_scale: Union[float, Tensor] = 1.0,
    want_grad: bool = True,
) -> Tensor:
    """Per-row loss of the logits ``z`` (c, V_local) against global class indices ``target`` (c,).

    ``z`` holds floating-point logits of non-ignored rows (float32 or float64) and is overwritten: with
    ``want_grad`` it ends as ``row_scale * d loss_i / d z_i``; otherwise its contents are unspecified.
    ``vocab_start`` is the global index of column 0; ``combine`` reduces row statistics across shards.
    """
    n_rows, v_local = z.shape
    if combine.single and z.dtype == torch.float32 and not (spec.kind == "focal" and spec.label_smoothing):
        # float32 on the CPU: the native kernel (double inside, one pass, the gradient written over z)
        from actloss._native.losses import chunk_rows_

        loss = chunk_rows_(z, target, spec.kind, label_smoothing=spec.label_smoothing, z_loss=spec.z_loss,
                           gamma=spec.gamma, row_scale=row_scale, want_grad=want_grad)
        if loss is not None:
            return loss
    local_t = target - vocab_start
    if combine.single:
        owned = None
        col = local_t.unsqueeze(1)
    else:
        owned = (local_t >= 0) & (local_t < v_local)
        col = torch.where(owned, local_t, 0).unsqueeze(1)

    m = combine.max_(z.amax(dim=1))
    # A row of all -inf logits has m = -inf: shift it by 0 instead (-inf - -inf would be NaN in every entry);
    # its loss is then NaN from the formula, as torch's. Masked (-inf) entries in a finite row give exp = 0.
    m = torch.where(torch.isfinite(m), m, torch.zeros_like(m))
    z.sub_(m.unsqueeze(1))  # z - m <= 0: exp cannot overflow

    zt = z.gather(1, col).squeeze(1)  # z_t - m, exact
    if owned is not None:
        zt = torch.where(owned, zt, torch.zeros_like(zt))
    stats = [zt]
    smoothing = spec.kind == "ce" and spec.label_smoothing > 0.0
    if smoothing:
        stats.append(z.sum(dim=1))  # sum_j (z_j - m), for the uniform part of label smoothing
    z.exp_()
    # Zero the target's term so that the sum of the *other* classes is exact: 1 - p_t = s_other / s without
    # cancellation, and log p_t = -log1p(s_other) when the target holds the maximum (CE of a dominant
    # correct logit stays a tiny positive number instead of rounding to -0.0).
    if owned is None:
        z.scatter_(1, col, 0.0)
    else:
        keep = z.gather(1, col)
        z.scatter_(1, col, torch.where(owned.unsqueeze(1), torch.zeros_like(keep), keep))
    stats.append(z.sum(dim=1))
    stacked = combine.sum_(torch.stack(stats))
    zt = stacked[0]
    s_other = stacked[-1]
    e_t = torch.exp(zt)
    s = e_t + s_other
    # e_t == 1 exactly when the target is the row maximum: log(1 + s_other) via log1p is then exact.
    log_s = torch.where(zt == 0, torch.log1p(s_other), torch.log(s))
    log_pt = zt - log_s  # log p_t <= 0, no cancellation (|zt| >= log 2 - tiny when the target is not the max)
    q = -torch.expm1(log_pt)  # 1 - p_t, exact for p_t -> 1

    if spec.kind == "ce":
        eps = spec.label_smoothing
        loss = -log_pt
        if smoothing:
            # (1-eps) * (-log p_t) + eps * mean_j(-log p_j); mean_j(-log p_j) = log s - mean_j(z_j - m) >= 0
            loss = (1.0 - eps) * loss + eps * (log_s - stacked[1] / spec.n_classes)
        if spec.z_loss > 0.0:
            lse = m + log_s
            loss = loss + spec.z_loss * lse * lse
    else:
        qg = torch.pow(q, spec.gamma)  # 0**0 == 1: gamma = 0 is cross-entropy exactly
        loss = -qg * log_pt

    if not want_grad:
        return loss

    # Gradient with respect to the logits: z now holds e_j = exp(z_j - m) with e_t = 0.
    if spec.kind == "ce":
        p_t = torch.exp(log_pt)
        eps = spec.label_smoothing
        a = 1.0 / s
        g_t = -q
        if spec.z_loss > 0.0:
            lse = m + log_s
            zl2 = (2.0 * spec.z_loss) * lse
            a = a * (1.0 + zl2)
            g_t = g_t + zl2 * p_t
        b = eps / spec.n_classes
        if smoothing:
            g_t = g_t + (eps - b)
    else:
        # d/dl [-(1 - e^l)^g * l] = -q^g * (1 + g * p_t * r), r = l / expm1(l) (-> 1 as l -> 0): finite for
        # every gamma >= 0, including gamma in (0, 1) at p_t -> 1.
        p_t = torch.exp(log_pt)
        em1 = torch.expm1(log_pt)
        safe = torch.where(log_pt == 0, -torch.ones_like(em1), em1)
        r = torch.where(log_pt == 0, torch.ones_like(log_pt), log_pt / safe)
        k = qg * (1.0 + spec.gamma * p_t * r)
        a = k / s
        g_t = -k * q
        b = 0.0
    if isinstance(row_scale, Tensor):
        a = a * row_scale
        g_t = g_t * row_scale
        b_col = (b * row_scale).unsqueeze(1) if b else None
    else:
        if row_scale != 1.0:
            a = a * row_scale
            g_t = g_t * row_scale
        b_col = b * row_scale if b else None
    z.mul_(a.unsqueeze(1))
    if b_col is not None:
        z.sub_(b_col)
    g_t = g_t.to(z.dtype).unsqueeze(1)
    if owned is None:
        z.scatter_(1, col, g_t)
    else:
        keep = z.gather(1, col)
        z.scatter_(1, col, torch.where(owned.unsqueeze(1), g_t, keep))
    return loss


# ----------------------------------------------------------------------------------------------------------
# The chunked loop over rows.
# ----------------------------------------------------------------------------------------------------------
def _compute_dtype(dtype: torch.dtype) -> torch.dtype:
    return torch.float64 if dtype == torch.float64 else torch.float32


def _default_chunk_rows(n_rows: int, v_local: int, dtype: torch.dtype) -> int:
    elem = torch.finfo(_compute_dtype(dtype)).bits // 8
    budget = max(1, _CHUNK_BYTES // max(1, v_local * elem))
    # An eighth of the rows (the chunk is then <= 1/16 of eager's two or three (N, V) buffers), rounded
    # down to a power of two, between 64 rows (smaller GEMMs stream the weight too often) and the byte budget.
    rows = 1 << max(0, (max(1, n_rows // 8)).bit_length() - 1)
    rows = max(_MIN_CHUNK_ROWS, min(rows, budget))
    return max(1, min(rows, n_rows))


@dataclass(frozen=True)
class _LoopConfig:
    spec: _Spec
    reduction: str
    ignore_index: int
    chunk_size: Optional[int]
    vocab_start: int = 0
    combine: _Combine = _SINGLE


def _linear_loop(
    hidden: Tensor,
    weight: Tensor,
    bias: Optional[Tensor],
    target: Tensor,
    cfg: _LoopConfig,
    *,
    row_scale: Union[float, Tensor],
    need: tuple[bool, bool, bool],
) -> tuple[Tensor, int, Optional[Tensor], Optional[Tensor], Optional[Tensor]]:
    """Loss rows (N,) in the compute dtype, the number of non-ignored rows, and the requested gradients.

    ``row_scale`` is a scalar or an (N,) tensor multiplying each row's gradient (1/n for 'mean', the
    upstream gradient for 'none'). Gradients of weight and bias are accumulated in the compute dtype.
    """
    n_rows = hidden.shape[0]
    v_local = weight.shape[0]
    cdtype = _compute_dtype(hidden.dtype)
    low = hidden.dtype != cdtype
    valid = target != cfg.ignore_index
    n_valid = int(valid.sum().item())
    all_valid = n_valid == n_rows
    rows_idx = None if all_valid else valid.nonzero().squeeze(1)
    need_h, need_w, need_b = need
    want_grad = need_h or need_w or need_b

    loss_rows = torch.zeros(n_rows, dtype=cdtype, device=hidden.device)
    grad_h = (torch.empty_like(hidden) if all_valid else torch.zeros_like(hidden)) if need_h else None
    grad_w = torch.zeros(weight.shape, dtype=cdtype, device=weight.device) if need_w else None
    grad_b = torch.zeros(v_local, dtype=cdtype, device=weight.device) if need_b else None

    step = cfg.chunk_size or _default_chunk_rows(n_valid, v_local, hidden.dtype)
    step = max(1, min(step, max(1, n_valid)))
    # One logits buffer reused by every chunk: fresh pages cost a fault each (~0.3 ms per MiB on CPU).
    buf = torch.empty((step, v_local), dtype=hidden.dtype, device=hidden.device) if n_valid else None
    cbuf = torch.empty((step, v_local), dtype=cdtype, device=hidden.device) if (low and n_valid) else None
    w_t = weight.t()
    for start in range(0, n_valid, step):
        stop = min(start + step, n_valid)
        if all_valid:
            h = hidden[start:stop]
            t = target[start:stop]
            idx = None
        else:
            idx = rows_idx[start:stop]
            h = hidden.index_select(0, idx)
            t = target.index_select(0, idx)
        z = buf[: stop - start]
        if bias is not None:
            torch.addmm(bias, h, w_t, out=z)
        else:
            torch.mm(h, w_t, out=z)
        if low:
            zc = cbuf[: stop - start]
            zc.copy_(z)  # accumulate in float32
        else:
            zc = z
        if isinstance(row_scale, Tensor):
            rs: Union[float, Tensor] = row_scale[start:stop] if all_valid else row_scale.index_select(0, idx)
            rs = rs.to(cdtype)
        else:
            rs = row_scale
        loss = _chunk_loss_(
            zc,
            t,
            cfg.spec,
            vocab_start=cfg.vocab_start,
            combine=cfg.combine,
            row_scale=rs,
            want_grad=want_grad,
        )
        if all_valid:
            loss_rows[start:stop] = loss
        else:
            loss_rows.index_copy_(0, idx, loss)
        if not want_grad:
            continue
        if low:
            z.copy_(zc)  # the gradient of the logits in the input dtype, for the input-dtype GEMMs
        if need_h:
            if all_valid:
                torch.mm(z, weight, out=grad_h[start:stop])
            else:
                grad_h.index_copy_(0, idx, z @ weight)
        if need_w:
            grad_w.addmm_(zc.t(), h.to(cdtype) if low else h)
        if need_b:
            grad_b.add_(zc.sum(dim=0))
    if grad_h is not None and not cfg.combine.single:
        cfg.combine.sum_(grad_h)  # hidden is replicated across shards: its gradient is the sum of the parts
    return loss_rows, n_valid, grad_h, grad_w, grad_b


def _reduce(loss_rows: Tensor, n_valid: int, reduction: str, out_dtype: torch.dtype, shape) -> Tensor:
    if reduction == "none":
        return loss_rows.to(out_dtype).reshape(shape)
    total = loss_rows.sum()
    if reduction == "mean":
        # Deliberate difference from torch: the mean over zero non-ignored targets is 0, not NaN.
        total = total / n_valid if n_valid else total * 0.0
    return total.to(out_dtype)


class _LinearLossFunction(torch.autograd.Function):
    """Chunked linear + loss. Gradients are computed in the forward pass for 'mean'/'sum'."""

    @staticmethod
    def forward(ctx, hidden, weight, bias, target, cfg: _LoopConfig):  # type: ignore[override]
        need = (
            ctx.needs_input_grad[0],
            ctx.needs_input_grad[1],
            bias is not None and ctx.needs_input_grad[2],
        )
        ctx.cfg = cfg
        ctx.dtypes = (hidden.dtype, weight.dtype, None if bias is None else bias.dtype)
        if cfg.reduction == "none":
            loss_rows, n_valid, *_ = _linear_loop(
                hidden, weight, bias, target, cfg, row_scale=1.0, need=(False, False, False)
            )
            ctx.save_for_backward(hidden, weight, bias, target)
            return _reduce(loss_rows, n_valid, "none", hidden.dtype, target.shape)
        n_valid = int((target != cfg.ignore_index).sum().item())
        scale = 1.0 / n_valid if (cfg.reduction == "mean" and n_valid) else 1.0
        loss_rows, n_valid, gh, gw, gb = _linear_loop(
            hidden, weight, bias, target, cfg, row_scale=scale, need=need
        )
        # Kept as attributes, not saved tensors: backward drops its references so that autograd can adopt
        # them as .grad without a copy (a saved reference would force AccumulateGrad to clone V x H).
        ctx.grads = [gh, gw, gb]
        return _reduce(loss_rows, n_valid, cfg.reduction, hidden.dtype, ())

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_out):  # type: ignore[override]
        h_dtype, w_dtype, b_dtype = ctx.dtypes
        if ctx.cfg.reduction == "none":
            hidden, weight, bias, target = ctx.saved_tensors
            need = (
                ctx.needs_input_grad[0],
                ctx.needs_input_grad[1],
                bias is not None and ctx.needs_input_grad[2],
            )
            _, _, gh, gw, gb = _linear_loop(
                hidden,
                weight,
                bias,
                target.reshape(-1),
                ctx.cfg,
                row_scale=grad_out.reshape(-1),
                need=need,
            )
        else:
            if ctx.grads is None:
                raise RuntimeError(
                    "linear_cross_entropy: backward was called twice through the same graph "
                    "(retain_graph=True); its gradients are computed in the forward pass and handed out "
                    "once. "
                    "Call the loss again for a second backward."
                )
            gh, gw, gb = ctx.grads
            ctx.grads = None
            scale = grad_out.reshape(())
            if not bool(scale == 1):
                for g in (gh, gw, gb):
                    if g is not None:
                        g.mul_(scale.to(g.dtype))
        gh = None if gh is None else gh.to(h_dtype)
        gw = None if gw is None else gw.to(w_dtype)
        gb = None if gb is None else gb.to(b_dtype)
        return gh, gw, gb, None, None


# ----------------------------------------------------------------------------------------------------------
# Validation and public functions.
# ----------------------------------------------------------------------------------------------------------
def _check_common(
    hidden: Tensor,
    weight: Tensor,
    target: Tensor,
    bias: Optional[Tensor],
    reduction: str,
    ignore_index: int,
    chunk_size: Optional[int],
    fn: str,
) -> None:
    if not isinstance(hidden, Tensor) or not isinstance(weight, Tensor) or not isinstance(target, Tensor):
        raise TypeError(
            f"{fn}: expected torch.Tensor for hidden, weight and target; received "
            f"hidden={type(hidden).__name__}, weight={type(weight).__name__}, target={type(target).__name__}"
        )
    if not hidden.is_floating_point():
        raise TypeError(f"{fn}: expected a floating-point hidden; received hidden.dtype={hidden.dtype}")
    if weight.dtype != hidden.dtype:
        raise TypeError(
            f"{fn}: expected weight.dtype == hidden.dtype; received weight.dtype={weight.dtype}, "
            f"hidden.dtype={hidden.dtype}"
        )
    if target.is_floating_point() or target.is_complex() or target.dtype == torch.bool:
        raise TypeError(
            f"{fn}: expected integer class indices in target; received target.dtype={target.dtype}"
        )
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{fn}: expected reduction in {_REDUCTIONS}; received reduction={reduction!r}")
    if hidden.dim() < 1:
        raise ValueError(
            f"{fn}: expected hidden of shape (..., H); received hidden.shape={tuple(hidden.shape)}"
        )
    if weight.dim() != 2 or weight.shape[0] < 1:
        raise ValueError(
            f"{fn}: expected weight of shape (V, H) with V >= 1; received weight.shape={tuple(weight.shape)}"
        )
    if weight.shape[1] != hidden.shape[-1]:
        raise ValueError(
            f"{fn}: expected weight.shape[1] == hidden.shape[-1] (H); "
            f"received weight.shape={tuple(weight.shape)}, "
            f"hidden.shape={tuple(hidden.shape)}"
        )
    if tuple(target.shape) != tuple(hidden.shape[:-1]):
        raise ValueError(
            f"{fn}: expected target.shape == hidden.shape[:-1] = {tuple(hidden.shape[:-1])}; "
            f"received target.shape={tuple(target.shape)}"
        )
    if bias is not None:
        if not isinstance(bias, Tensor) or tuple(bias.shape) != (weight.shape[0],):
            got = tuple(bias.shape) if isinstance(bias, Tensor) else type(bias).__name__
            raise ValueError(f"{fn}: expected bias of shape ({weight.shape[0]},) (V,); received bias={got}")
        if bias.dtype != hidden.dtype:
            raise TypeError(
                f"{fn}: expected bias.dtype == hidden.dtype; received bias.dtype={bias.dtype}, "
                f"hidden.dtype={hidden.dtype}"
            )
    devices = {hidden.device, weight.device, target.device} | ({bias.device} if bias is not None else set())
    if len(devices) > 1:
        raise ValueError(f"{fn}: expected all tensors on one device; received {sorted(map(str, devices))}")
    if isinstance(ignore_index, bool) or not isinstance(ignore_index, int):
        raise TypeError(f"{fn}: expected an int ignore_index; received ignore_index={ignore_index!r}")
    if chunk_size is not None and (
        isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1
    ):
        raise ValueError(
            f"{fn}: expected chunk_size a positive int or None; received chunk_size={chunk_size!r}"
        )


def _check_target_range(target: Tensor, n_classes: int, ignore_index: int, fn: str) -> None:
    bad = (target != ignore_index) & ((target < 0) | (target >= n_classes))
    if bool(bad.any()):
        pos = int(bad.reshape(-1).nonzero()[0].item())
        value = int(target.reshape(-1)[pos].item())
        raise ValueError(
            f"{fn}: expected target class indices in [0, {n_classes}) (V={n_classes}) or "
            f"ignore_index={ignore_index}; received target={value} at flat position {pos}"
        )


def _check_float(name: str, value: float, lo: float, hi: float, fn: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (lo <= float(value) <= hi):
        raise ValueError(f"{fn}: expected {name} in [{lo}, {hi}]; received {name}={value!r}")
    return float(value)


def _detach_unless_grad_mode(*tensors):
    """Under torch.no_grad, Function.forward still sees needs_input_grad=True: detach so that no gradient
    is computed in the forward pass when none can be used."""
    if torch.is_grad_enabled():
        return tensors
    return tuple(None if t is None else t.detach() for t in tensors)


def _apply(hidden, weight, bias, target, cfg: _LoopConfig) -> Tensor:
    h2 = hidden.reshape(-1, hidden.shape[-1])
    t1 = target.reshape(-1)
    if not h2.is_contiguous():
        h2 = h2.contiguous()
    h2, weight, bias = _detach_unless_grad_mode(h2, weight, bias)
    out = _LinearLossFunction.apply(h2, weight, bias, t1, cfg)
    if cfg.reduction == "none":
        out = out.reshape(target.shape)
    return out


def linear_cross_entropy(
    hidden: Tensor,
    weight: Tensor,
    target: Tensor,
    *,
    bias: Optional[Tensor] = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
    z_loss: float = 0.0,
    chunk_size: Optional[int] = None,
) -> Tensor:
    r"""Cross-entropy of the logits ``hidden @ weight.T + bias`` without materialising them.

    .. math::
        z_i = W h_i + b, \qquad
        \ell_i = (1-\varepsilon)\,(\operatorname{lse}(z_i) - z_{i,t_i})
                 + \varepsilon\,(\operatorname{lse}(z_i) - \tfrac{1}{V}\textstyle\sum_j z_{ij})
                 + \lambda\,\operatorname{lse}(z_i)^2

    .. math::
        \frac{\partial \ell_i}{\partial z_{ij}} = p_{ij}\,(1 + 2\lambda\,\operatorname{lse}(z_i))
            - (1-\varepsilon)\,[j = t_i] - \varepsilon / V

    with :math:`p = \operatorname{softmax}(z_i)`, :math:`\varepsilon` = ``label_smoothing`` and
    :math:`\lambda` = ``z_loss``; :math:`\partial/\partial h_i = W^T \partial\ell_i/\partial z_i`,
    :math:`\partial/\partial W = \sum_i (\partial\ell_i/\partial z_i) h_i^T`. Rows whose target is
    ``ignore_index`` have loss 0 and gradient 0. 'mean' divides the sum by the number of non-ignored rows;
    'sum' does not divide; 'none' returns :math:`\ell` with the shape of ``target``.

    Same values and gradients as ``torch.nn.functional.cross_entropy(hidden @ weight.T + bias, target,
    ignore_index=..., reduction=..., label_smoothing=...)`` plus ``z_loss * logsumexp**2`` per non-ignored row
    (PaLM; Liger-Kernel's ``lse_square_scale``), with one deliberate difference: the 'mean' over zero
    non-ignored targets is 0 with zero gradients, not NaN.

    Args:
        hidden: (..., H) floating point.
        weight: (V, H), same dtype as ``hidden``.
        target: (...) integer class indices in [0, V) or ``ignore_index``.
        bias: optional (V,).
        ignore_index: target value whose rows are skipped.
        reduction: 'mean' | 'sum' | 'none'.
        label_smoothing: :math:`\varepsilon` in [0, 1], torch's semantics.
        z_loss: :math:`\lambda \ge 0`.
        chunk_size: rows of logits computed at a time; default: an eighth of the rows, at least 64, at most
            256 MiB of logits. Larger chunks are a little faster (fewer passes over the weight), smaller
            ones use less memory.

    Returns:
        A scalar for 'mean'/'sum', else a tensor of ``target``'s shape; ``hidden``'s dtype.

    Numerics:
        Each chunk of logits is shifted by its row maximum before ``exp``; ``log p_t`` is computed as
        ``(z_t - m) - log1p(sum of the other classes' exp(z - m))`` when the target holds the maximum, so the
        loss of a dominant correct logit stays a small positive number, and ``1 - p_t`` (the target's
        gradient) comes from the sum of the other classes, not from a subtraction. float16/bfloat16: the
        matmuls run in the input dtype (as the eager reference does), the softmax, the loss and the weight
        and bias gradients accumulate in float32.

    Memory and time:
        Extra memory is one (chunk_size, V) buffer plus O(N + V) vectors, beyond the gradients of ``hidden``
        and ``weight``. For 'mean'/'sum' the gradients are computed during the forward pass (3 GEMMs, as
        eager); 'none' recomputes the logits in backward (4 GEMMs). A second backward through the same graph
        ('mean'/'sum') raises RuntimeError.

    Example:
        >>> import torch
        >>> from actloss.torch._linear_ce import linear_cross_entropy
        >>> h = torch.randn(8, 4, dtype=torch.float64); w = torch.randn(10, 4, dtype=torch.float64)
        >>> t = torch.randint(0, 10, (8,))
        >>> ref = torch.nn.functional.cross_entropy(h @ w.T, t)
        >>> bool(torch.allclose(linear_cross_entropy(h, w, t), ref, rtol=1e-12))
        True

    References:
        Hsu et al., "Liger Kernel: Efficient Triton Kernels for LLM Training", 2024 (fused linear CE).
        Chowdhery et al., "PaLM: Scaling Language Modeling with Pathways", 2022 (z-loss).
        Wijmans et al., "Cut Your Losses in Large-Vocabulary Language Models", 2024.

    See also:
        :func:`linear_softmax_focal_loss`, :class:`LinearCrossEntropyLoss`,
        :func:`actloss.distributed.vocab_parallel_linear_cross_entropy`.
    """
    fn = "linear_cross_entropy"
    _check_common(hidden, weight, target, bias, reduction, ignore_index, chunk_size, fn)
    eps = _check_float("label_smoothing", label_smoothing, 0.0, 1.0, fn)
    lam = _check_float("z_loss", z_loss, 0.0, math.inf, fn)
    _check_target_range(target, weight.shape[0], ignore_index, fn)
    spec = _Spec("ce", weight.shape[0], label_smoothing=eps, z_loss=lam)
    return _apply(hidden, weight, bias, target, _LoopConfig(spec, reduction, ignore_index, chunk_size))


def linear_softmax_focal_loss(
    hidden: Tensor,
    weight: Tensor,
    target: Tensor,
    *,
    gamma: float = 2.0,
    bias: Optional[Tensor] = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    chunk_size: Optional[int] = None,
) -> Tensor:
    r"""Softmax focal loss of the logits ``hidden @ weight.T + bias`` without materialising them.

    .. math::
        \ell_i = -(1 - p_{t})^\gamma \log p_{t}, \qquad
        \frac{\partial \ell_i}{\partial z_{ij}} = (1-p_t)^\gamma\,(1 + \gamma\,p_t\,r)\,(p_{ij} - [j = t]),
        \quad r = \frac{\log p_t}{\operatorname{expm1}(\log p_t)}\ (r = 1 \text{ at } p_t = 1)

    Args and reductions as :func:`linear_cross_entropy` ('mean' divides by the number of non-ignored rows);
    ``gamma >= 0``; ``gamma = 0`` is cross-entropy exactly.

    Numerics:
        ``log p_t`` as in :func:`linear_cross_entropy`; ``1 - p_t = -expm1(log p_t)`` in log space, so the
        loss and the gradient are finite for every gamma >= 0, including gamma in (0, 1) at p_t -> 1 (where
        the ``(1 - p_t)**(gamma - 1)`` of the naive derivative is infinite).

    Example:
        >>> import torch
        >>> from actloss.torch._linear_ce import linear_softmax_focal_loss
        >>> h = torch.randn(8, 4, dtype=torch.float64); w = torch.randn(10, 4, dtype=torch.float64)
        >>> t = torch.randint(0, 10, (8,))
        >>> logp = torch.log_softmax(h @ w.T, -1).gather(1, t[:, None])
        >>> ref = (-(1 - logp.exp()) ** 2 * logp).mean()
        >>> bool(torch.allclose(linear_softmax_focal_loss(h, w, t), ref, rtol=1e-12))
        True

    References:
        Lin et al., "Focal Loss for Dense Object Detection", 2017.
    """
    fn = "linear_softmax_focal_loss"
    _check_common(hidden, weight, target, bias, reduction, ignore_index, chunk_size, fn)
    g = _check_float("gamma", gamma, 0.0, math.inf, fn)
    _check_target_range(target, weight.shape[0], ignore_index, fn)
    spec = _Spec("focal", weight.shape[0], gamma=g)
    return _apply(hidden, weight, bias, target, _LoopConfig(spec, reduction, ignore_index, chunk_size))


class LinearCrossEntropyLoss(nn.Module):
    """Module form of :func:`linear_cross_entropy`: ``loss(hidden, weight, target, bias=None)``.

    Takes the classifier's weight (and bias) as arguments, so that the model keeps owning its
    ``nn.Linear`` head: ``loss(h, model.lm_head.weight, target)``.

    Example:
        >>> import torch
        >>> from actloss.torch._linear_ce import LinearCrossEntropyLoss
        >>> head = torch.nn.Linear(4, 10)
        >>> h, t = torch.randn(8, 4), torch.randint(0, 10, (8,))
        >>> loss = LinearCrossEntropyLoss(label_smoothing=0.1)(h, head.weight, t, head.bias)
        >>> loss.backward()
    """

    def __init__(
        self,
        *,
        ignore_index: int = -100,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
        z_loss: float = 0.0,
        chunk_size: Optional[int] = None,
    ) -> None:
        super().__init__()
        self.ignore_index = ignore_index
        self.reduction = reduction
        self.label_smoothing = label_smoothing
        self.z_loss = z_loss
        self.chunk_size = chunk_size

    def forward(
        self, hidden: Tensor, weight: Tensor, target: Tensor, bias: Optional[Tensor] = None
    ) -> Tensor:
        return linear_cross_entropy(
            hidden,
            weight,
            target,
            bias=bias,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            label_smoothing=self.label_smoothing,
            z_loss=self.z_loss,
            chunk_size=self.chunk_size,
        )

    def extra_repr(self) -> str:
        return (
            f"ignore_index={self.ignore_index}, reduction={self.reduction!r}, "
            f"label_smoothing={self.label_smoothing}, z_loss={self.z_loss}, chunk_size={self.chunk_size}"
        )


class LinearSoftmaxFocalLoss(nn.Module):
    """Module form of :func:`linear_softmax_focal_loss`: ``loss(hidden, weight, target, bias=None)``."""

    def __init__(
        self,
        *,
        gamma: float = 2.0,
        ignore_index: int = -100,
        reduction: str = "mean",
        chunk_size: Optional[int] = None,
    ) -> None:
        super().__init__()
        self.gamma = gamma
        self.ignore_index = ignore_index
        self.reduction = reduction
        self.chunk_size = chunk_size

    def forward(
        self, hidden: Tensor, weight: Tensor, target: Tensor, bias: Optional[Tensor] = None
    ) -> Tensor:
        return linear_softmax_focal_loss(
            hidden,
            weight,
            target,
            gamma=self.gamma,
            bias=bias,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            chunk_size=self.chunk_size,
        )

    def extra_repr(self) -> str:
        return (
            f"gamma={self.gamma}, ignore_index={self.ignore_index}, reduction={self.reduction!r}, "
            f"chunk_size={self.chunk_size}"
        )
