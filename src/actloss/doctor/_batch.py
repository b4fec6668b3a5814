"""Statistics of one criterion call (the loss function's input and target), computed on the device.

``queue_call`` launches a handful of reductions and queues their results; nothing is read back until the
doctor syncs. ``CallRecord`` is the host-side result that the loss-input and target checks read.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._criterion import CriterionInfo
from ._transfer import Pending

__all__ = ["CallRecord", "queue_call", "resolve_call", "UNKNOWN_PRODUCER"]

# the loss input was not the output of any module (e.g. torch.sigmoid(model(x)) in the training loop)
UNKNOWN_PRODUCER = "?"


@dataclass
class CallRecord:
    """One criterion call as seen on the host after a sync."""

    info: CriterionInfo
    producer: str | None          # module path that produced the input ('' = the model itself),
    #                               UNKNOWN_PRODUCER when no module did, None in check_batch (no model)
    weighted: bool
    n_input: int                  # number of input values
    n_classes: int                # size of the class dim (dim 1; dim 0 unbatched); 0 when not applicable
    target_kind: str              # 'index' | 'prob' | 'binary' | 'regression' | 'none'
    n_target: int = 0
    label_dim: int = 1            # number of labels (binary) / classes (prob targets)
    stats: dict[str, Any] = field(default_factory=dict)   # name -> float or np.ndarray (resolve_call)
    slots: dict[str, int] = field(default_factory=dict)   # name -> Pending slot, until resolve_call


_HOST_ROWS = 4096   # up to this many rows, per-row statistics are reduced on the host


def _class_dim(x: Any) -> int:
    return 1 if x.ndim >= 2 else 0


def _per_channel_sum(t: Any, dim: int) -> Any:
    """Sum over every dim but ``dim``: (N, C, ...) -> (C,)."""
    return t.movedim(dim, 0).reshape(t.shape[dim], -1).sum(1, dtype=_f32())


def _f32() -> Any:
    import torch

    return torch.float32


def class_counts(yi: Any, c: int, ignore_index: int, sync_free: bool) -> Any:
    """Counts of class indices ``yi`` over ``0..c-1``, plus one bucket (index ``c``) for ``ignore_index``.

    Runs after the loss has checked its targets, so only ``ignore_index`` lies outside ``0..c-1``. On the CPU,
    ``bincount``; elsewhere (``sync_free``) ``index_add_`` into ``c + 1`` buckets, since ``bincount`` reads
    ``max(yi)`` back to size its output, a device synchronisation.
    """
    import torch

    if not sync_free:
        return torch.bincount(torch.where(yi == ignore_index, c, yi), minlength=c + 1)
    idx = torch.where((yi >= 0) & (yi < c), yi, c)
    f32 = torch.float32
    return torch.zeros(c + 1, dtype=f32, device=idx.device).index_add_(
        0, idx, torch.ones((), dtype=f32, device=idx.device).expand(idx.numel()))


def queue_call(pending: Pending, info: CriterionInfo, x: Any, y: Any, producer: str | None, weighted: bool,
               inputs: bool = True, targets: bool = True) -> CallRecord:
    """Queue the statistics of ``criterion(x, y)``; ``y`` may be ``None`` (targets unseen).

    ``inputs=False`` / ``targets=False`` skip the statistics whose verdict is settled (the doctor stops
    measuring what cannot change any more); BCELoss's count of saturated inputs is always measured.
    """
    import torch

    f32 = torch.float32
    x = x.detach()
    kind = info.kind
    rec = CallRecord(info=info, producer=producer, weighted=weighted, n_input=x.numel(), n_classes=0,
                     target_kind="none")
    s = rec.slots
    if kind in ("multiclass_logits", "log_probs") and x.ndim >= 1 and x.shape[_class_dim(x)] >= 2:
        rec.n_classes = int(x.shape[_class_dim(x)])
    if kind == "binary_probs" and x.is_floating_point():
        s["n_saturated"] = pending.add(torch.count_nonzero((x == 0) | (x == 1)))
    if inputs and x.is_floating_point() and x.numel() > 0:
        lo, hi = torch.aminmax(x)  # NaN/inf propagate, so these also flag non-finite inputs
        s["x_min"], s["x_max"] = pending.add(lo), pending.add(hi)
        if rec.n_classes:
            cd = _class_dim(x)
            sums = x.sum(cd, dtype=f32)
            # log-probability rows have sum(exp(x)) = 1; two launches where logsumexp takes about six (max,
            # sub, exp, sum, log, add); a large logit overflows exp to inf, which reads correctly as "not
            # log-probs"
            exp_sums = (x if x.dtype == f32 else x.to(f32)).exp().sum(cd)
            if sums.numel() <= _HOST_ROWS:
                # a few rows: their sums go to the host as they are (fewer launches)
                s["row_sums"], s["row_exp_sums"] = pending.add(sums), pending.add(exp_sums)
            else:  # (N, C, H, W) and the like: reduce here, one number each
                s["row_sum_dev"] = pending.add((sums - 1).abs().amax())
                s["exp_sum_dev"] = pending.add((exp_sums - 1).abs().amax())
    if not targets or y is None or not isinstance(y, torch.Tensor) or y.numel() == 0:
        return rec
    y = y.detach()
    rec.n_target = y.numel()
    if kind in ("multiclass_logits", "log_probs") and rec.n_classes:
        c = rec.n_classes
        if not y.is_floating_point():
            rec.target_kind = "index"
            ign = info.ignore_index if info.ignore_index is not None else -100
            counts = class_counts(y.reshape(-1), c, ign, sync_free=y.device.type != "cpu")
            s["counts"] = pending.add(counts)
        elif y.shape == x.shape:
            rec.target_kind = "prob"
            rec.label_dim = c
            cd = _class_dim(y)
            lo, hi = torch.aminmax(y)
            s["y_min"], s["y_max"] = pending.add(lo), pending.add(hi)
            s["y_nonbinary"] = pending.add((y * (1 - y)).abs().amax())  # 0 exactly when every value is 0 or 1
            s["y_row_sum_max"] = pending.add(y.sum(cd, dtype=f32).amax())
            s["counts"] = pending.add(_per_channel_sum(y, cd))
    elif kind in ("binary_logits", "binary_probs"):
        rec.target_kind = "binary"
        yf = y if y.is_floating_point() else y.to(f32)
        lo, hi = torch.aminmax(yf)
        s["y_min"], s["y_max"] = pending.add(lo), pending.add(hi)
        if yf.ndim >= 2:
            rec.label_dim = int(yf.shape[1])
            s["pos"] = pending.add(_per_channel_sum(yf, 1))
        else:
            rec.label_dim = 1
            s["pos"] = pending.add(yf.sum(dtype=f32))
    elif kind == "regression":
        rec.target_kind = "regression"
        yf = y if y.is_floating_point() else y.to(f32)
        lo, hi = torch.aminmax(yf)
        s["y_min"], s["y_max"] = pending.add(lo), pending.add(hi)
        s["y_int_dev"] = pending.add((yf - yf.round()).abs().amax())  # 0 exactly for integer-valued targets
        if yf.ndim >= 2 and yf.shape[1] >= 2:
            rec.label_dim = int(yf.shape[1])
            s["y_row_dev"] = pending.add((yf.sum(1, dtype=f32) - 1).abs().amax())
    return rec


def resolve_call(rec: CallRecord, host: list[np.ndarray]) -> CallRecord:
    """Fill ``rec.stats`` from the fetched host arrays (vectors stay arrays, scalars become floats)."""
    for name, slot in rec.slots.items():
        v = host[slot]
        rec.stats[name] = v.copy() if name in ("counts", "pos", "row_sums", "row_exp_sums") else float(v[0])
    if "row_sums" in rec.stats:
        rec.stats["row_sum_dev"] = float(np.abs(rec.stats.pop("row_sums") - 1).max())
        rec.stats["exp_sum_dev"] = float(np.abs(rec.stats.pop("row_exp_sums") - 1).max())
    rec.slots = {}
    return rec
