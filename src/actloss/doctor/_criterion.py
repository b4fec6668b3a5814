"""Recognise a loss function: torch.nn loss modules, torch.nn.functional losses and actloss losses.

Recognition is by class or function ``__name__`` and the defining module's prefix (``torch`` or ``actloss``), so the
doctor never imports ``actloss.nn``; anything else is an ``'other'`` criterion, for which only the model-side checks
and the non-finite loss check run.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

__all__ = ["CriterionInfo", "describe", "KINDS"]

# kind -> what the loss expects as input
KINDS = (
    "binary_logits",      # BCEWithLogitsLoss, sigmoid focal loss: raw logits, targets in [0, 1]
    "binary_probs",       # BCELoss: probabilities in [0, 1]
    "multiclass_logits",  # CrossEntropyLoss, softmax focal loss: raw logits over dim 1
    "log_probs",          # NLLLoss: log-probabilities over dim 1
    "regression",         # MSE / L1 / Huber / SmoothL1
    "count",              # Poisson NLL
    "other",
)

_KIND_BY_NAME = {
    "BCEWithLogitsLoss": "binary_logits",
    "binary_cross_entropy_with_logits": "binary_logits",
    "SigmoidFocalLoss": "binary_logits",
    "sigmoid_focal_loss": "binary_logits",
    "BCELoss": "binary_probs",
    "binary_cross_entropy": "binary_probs",
    "CrossEntropyLoss": "multiclass_logits",
    "cross_entropy": "multiclass_logits",
    "SoftmaxFocalLoss": "multiclass_logits",
    "softmax_focal_loss": "multiclass_logits",
    "NLLLoss": "log_probs",
    "nll_loss": "log_probs",
    "MSELoss": "regression",
    "mse_loss": "regression",
    "L1Loss": "regression",
    "l1_loss": "regression",
    "HuberLoss": "regression",
    "huber_loss": "regression",
    "SmoothL1Loss": "regression",
    "smooth_l1_loss": "regression",
    "PoissonNLLLoss": "count",
    "poisson_nll_loss": "count",
}
_KNOWN_PREFIXES = ("torch", "actloss")


@dataclass(frozen=True)
class CriterionInfo:
    kind: str
    label: str           # 'CrossEntropyLoss', 'cross_entropy', or the type name of an unrecognised criterion
    is_module: bool
    weighted: bool       # a class weight / pos_weight is set on the module or the partial
    focal: bool
    ignore_index: int | None

    @property
    def where(self) -> str:
        return f"criterion:{self.label}"

    def weighted_call(self, kwargs: dict[str, Any]) -> bool:
        """Whether a call with these keyword arguments weights the classes (functional losses)."""
        return self.weighted or any(kwargs.get(k) is not None for k in ("weight", "pos_weight"))


def describe(criterion: Any) -> CriterionInfo:
    """Classify ``criterion``; ``TypeError`` if it is not callable."""
    import torch

    if not callable(criterion):
        raise TypeError(
            "criterion must be a loss function: a torch.nn loss module, a torch.nn.functional loss or an actloss "
            f"loss; received {type(criterion).__name__}: {criterion!r}"
        )
    keywords: dict[str, Any] = {}
    fn = criterion
    while isinstance(fn, functools.partial):  # F.cross_entropy with weight=... bound
        keywords = {**fn.keywords, **keywords}
        fn = fn.func
    is_module = isinstance(fn, torch.nn.Module)
    if is_module:
        label = type(fn).__name__
        origin = type(fn).__module__ or ""
    else:
        label = getattr(fn, "__name__", type(fn).__name__)
        origin = getattr(fn, "__module__", "") or ""
    kind = _KIND_BY_NAME.get(label, "other") if origin.startswith(_KNOWN_PREFIXES) else "other"
    weighted = any(
        getattr(fn, k, None) is not None for k in ("weight", "pos_weight")
    ) or any(keywords.get(k) is not None for k in ("weight", "pos_weight"))
    ignore_index = keywords.get("ignore_index", getattr(fn, "ignore_index", -100))
    return CriterionInfo(
        kind=kind,
        label=label,
        is_module=is_module,
        weighted=weighted,
        focal="focal" in label.lower(),
        ignore_index=int(ignore_index) if kind in ("multiclass_logits", "log_probs") else None,
    )
