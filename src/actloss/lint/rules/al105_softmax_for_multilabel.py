"""AL105 softmax-for-multilabel: a softmax / CrossEntropyLoss used where several labels can be true at once."""
from __future__ import annotations

from collections.abc import Iterable

from actloss.lint._core import Context, RawFinding, Rule, describe
from actloss.lint._flow import FileFacts

_FIX = "use one sigmoid per label: raw logits into BCEWithLogitsLoss, torch.sigmoid(logits) > t at inference"


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
            v = lc.input
            if (
                lc.loss in ("bce", "bce_logits")
                and v is not None
                and v.kind == "act"
                and v.detail == "softmax"
                and not v.indexed
            ):
                yield RawFinding(
                    lc.node,
                    self.code,
                    f"softmax output{describe(v)} fed to a per-label binary cross-entropy: softmax outputs sum "
                    f"to 1, so k true labels get at most 1/k each; {_FIX} (if every sample has exactly one label, "
                    "use CrossEntropyLoss on the logits instead).",
                )
        for t in facts.thresholds:
            v = t.value
            if (
                t.op in (">", ">=")
                and 0.0 < t.threshold < 1.0
                and v.kind == "act"
                and v.detail == "softmax"
                and not v.indexed
            ):
                yield RawFinding(
                    t.node,
                    self.code,
                    f"softmax output{describe(v)} thresholded per label at {t.threshold:g}: softmax outputs sum "
                    f"to 1, so at most one label can pass 0.5; for multi-label outputs {_FIX}.",
                )
