"""AL101 sigmoid-before-bce: sigmoid probabilities fed to BCELoss (or to BCEWithLogitsLoss: a double sigmoid).

Also softmax probabilities fed to ``BCELoss`` when the targets are not evidently multi-hot: the same clamped
log of probabilities (AL105 takes the case when multi-hot targets are evident, and softmax into
``BCEWithLogitsLoss``)."""
from __future__ import annotations

from collections.abc import Iterable

from actloss.lint._core import Context, RawFinding, Rule, describe
from actloss.lint._flow import FileFacts
from actloss.lint.rules._fixes import drop_activation, loss_switch_edits, reaches
from actloss.lint.rules.al105_softmax_for_multilabel import multi_hot_evident, softmax_into_bce


class SigmoidBeforeBCE(Rule):
    code = "AL101"

    def check(self, facts: FileFacts, ctx: Context) -> Iterable[RawFinding]:
        hits = [
            lc
            for lc in facts.losses
            if lc.loss in ("bce", "bce_logits")
            and lc.input is not None
            and lc.input.kind == "act"
            and lc.input.detail == "sigmoid"
        ]
        # A loss object may be rewritten only when every call of it is a fixable finding.
        uses: dict[int, int] = {}
        for lc in facts.losses:
            if lc.ctor is not None and lc.ctor.origin is not None:
                uses[id(lc.ctor.origin)] = uses.get(id(lc.ctor.origin), 0) + 1
        fixable: dict[int, int] = {}
        plans = []
        for lc in hits:
            edits = None
            if not lc.input.where and reaches(lc.input_expr, lc.input.origin):
                edits = drop_activation(lc.input.origin, ctx.analysis.imports)
                if edits is not None and lc.loss == "bce":
                    switch = loss_switch_edits(lc.ctor, lc.node)
                    edits = None if switch is None else {**edits, **switch}
            if edits is not None and lc.ctor is not None and lc.loss == "bce":
                fixable[id(lc.ctor.origin)] = fixable.get(id(lc.ctor.origin), 0) + 1
            plans.append((lc, edits))
        for lc, edits in plans:
            if edits is not None and lc.ctor is not None and lc.loss == "bce":
                if fixable.get(id(lc.ctor.origin)) != uses.get(id(lc.ctor.origin)):
                    edits = None
            src = describe(lc.input)
            if lc.loss == "bce":
                msg = (
                    f"sigmoid output{src} fed to BCELoss / binary_cross_entropy: pass the logits to "
                    "BCEWithLogitsLoss / binary_cross_entropy_with_logits instead. It computes log(sigmoid(z)) "
                    "stably; BCELoss clamps log(0) at -100 and its gradient is 0 once sigmoid(z) rounds to 1 "
                    "(z > 16.6 in float32)."
                )
            else:
                msg = (
                    f"sigmoid output{src} fed to BCEWithLogitsLoss / binary_cross_entropy_with_logits, which "
                    "applies the sigmoid itself: the model is trained through two sigmoids. Drop the sigmoid "
                    "and pass the logits."
                )
            yield RawFinding(lc.node, self.code, msg, edits or {})
        for lc in facts.losses:
            if lc.loss == "bce" and softmax_into_bce(lc) and not multi_hot_evident(lc):
                yield RawFinding(
                    lc.node,
                    self.code,
                    f"softmax output{describe(lc.input)} fed to BCELoss / binary_cross_entropy: BCELoss takes the "
                    "log of these probabilities, clamped at -100, with a zero gradient once a probability rounds "
                    "to 0 or 1. If each sample has exactly one label, pass the logits to CrossEntropyLoss (class "
                    "indices as targets); if several labels can be true at once, use one sigmoid per label: the "
                    "logits into BCEWithLogitsLoss.",
                )
