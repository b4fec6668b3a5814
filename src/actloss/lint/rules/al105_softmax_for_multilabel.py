"""AL105 softmax-for-multilabel: a softmax / CrossEntropyLoss used where several labels can be true at once.

A softmax output into ``BCELoss`` is AL105 only when the multi-label intent is evident: a multi-hot target
(``MultiLabelBinarizer``, a literal of 0/1 rows with several 1s, or a target named as one: ``multi_hot``,
``multilabel``, ``bow``), or the softmax goes into ``BCEWithLogitsLoss``. Otherwise the targets may well be
single-label (one-hot), and the finding is AL101: probabilities fed to ``BCELoss`` (``al101_sigmoid_before_bce``).
"""
from __future__ import annotations

import ast
import re
from collections.abc import Iterable

from actloss.lint._core import Context, RawFinding, Rule, describe
from actloss.lint._flow import FileFacts, LossCall

_FIX = "use one sigmoid per label: raw logits into BCEWithLogitsLoss, torch.sigmoid(logits) > t at inference"
# a target whose name says it holds several labels per sample (``multi_hot``, ``y_multilabel``, ``content_bow``)
_MULTI_HOT_NAME = re.compile(
    r"(^|_)(multi_?hot|multi_?labels?|multilabel_\w+|bow|bag_of_words)(_|$)|multihot|multilabel", re.IGNORECASE
)


def _name(expr: ast.expr | None) -> str:
    while isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute):
        expr = expr.func.value  # y.float().to(device) -> y
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute):
        return expr.attr
    return ""


def multi_hot_evident(lc: LossCall) -> bool:
    """The loss call's target is a multi-hot matrix, or is named as one."""
    if lc.target is not None and lc.target.kind == "multihot":
        return True
    return bool(_MULTI_HOT_NAME.search(_name(lc.target_expr)))


def softmax_into_bce(lc: LossCall) -> bool:
    """A whole softmax output (not one column of it) into a per-label binary cross-entropy."""
    v = lc.input
    return (
        lc.loss in ("bce", "bce_logits")
        and v is not None
        and v.kind == "act"
        and v.detail == "softmax"
        and not v.indexed
    )


def _softmax_column_into_logits_loss(lc: LossCall) -> bool:
    """One column of a softmax (``p[:, i]``) into a logits loss: still probabilities, squashed a second time. (One
    column into ``BCELoss`` is a binary probability, and correct for a two-class softmax.)"""
    v = lc.input
    return lc.loss == "bce_logits" and v is not None and v.kind == "act" and v.detail == "softmax" and v.indexed


class SoftmaxForMultilabel(Rule):
    code = "AL105"

    def check(self, facts: FileFacts, ctx: Context) -> Iterable[RawFinding]:
        for lc in facts.losses:
            if lc.loss == "ce" and lc.target is not None and lc.target.kind == "multihot":
                yield RawFinding(
                    lc.node,
                    self.code,
                    "CrossEntropyLoss / cross_entropy with multi-hot targets: softmax makes the labels compete "
                    f"(with 3 true labels the loss cannot go below 3 log 3 = 3.30 nats); {_FIX}.",
                )
            if _softmax_column_into_logits_loss(lc):
                yield RawFinding(
                    lc.node,
                    self.code,
                    f"one column of a softmax output{describe(lc.input)} fed to BCEWithLogitsLoss / "
                    "binary_cross_entropy_with_logits, which applies a sigmoid to it: a probability taken for a "
                    "logit squashes to 0.50-0.73, so the loss never reaches 0 and the gradient is cut by the "
                    f"softmax and the sigmoid both; {_FIX} (one logit per label, no softmax).",
                )
            if softmax_into_bce(lc) and (lc.loss == "bce_logits" or multi_hot_evident(lc)):
                yield RawFinding(
                    lc.node,
                    self.code,
                    f"softmax output{describe(lc.input)} fed to a per-label binary cross-entropy: softmax outputs "
                    f"sum to 1, so k true labels get at most 1/k each; {_FIX} (if every sample has exactly one "
                    "label, use CrossEntropyLoss on the logits instead).",
                )
        for t in facts.thresholds:
            v = t.value
            if (
                t.op in (">", ">=")
                and 0.0 < t.threshold < 1.0
                and v.kind == "act"
                and v.detail == "softmax"
                and not v.indexed
                and v.width != 2  # two classes: one passes 0.5 exactly when it is the argmax
            ):
                yield RawFinding(
                    t.node,
                    self.code,
                    f"softmax output{describe(v)} thresholded per label at {t.threshold:g}: softmax outputs sum "
                    f"to 1, so at most one label can pass 0.5; for multi-label outputs {_FIX}.",
                )
