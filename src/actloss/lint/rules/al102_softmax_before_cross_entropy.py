"""AL102 softmax-before-cross-entropy: softmax / log_softmax output fed to CrossEntropyLoss / cross_entropy."""
from __future__ import annotations

from collections.abc import Iterable

from actloss.lint._core import Context, RawFinding, Rule, describe
from actloss.lint._flow import FileFacts
from actloss.lint.rules._fixes import drop_activation, reaches


class SoftmaxBeforeCrossEntropy(Rule):
    code = "AL102"

    def check(self, facts: FileFacts, ctx: Context) -> Iterable[RawFinding]:
        for lc in facts.losses:
            v = lc.input
            if lc.loss != "ce" or v is None or v.kind != "act" or v.detail not in ("softmax", "log_softmax"):
                continue
            edits = None
            if not v.where and reaches(lc.input_expr, v.origin):
                edits = drop_activation(v.origin, ctx.analysis.imports)
            src = describe(v)
            if v.detail == "softmax":
                msg = (
                    f"softmax output{src} fed to CrossEntropyLoss / cross_entropy, which applies log_softmax "
                    "itself: pass the raw logits. On probabilities the loss cannot go below log(1 + (C-1)/e) "
                    "(1.46 nats for 10 classes) and the gradients shrink."
                )
            else:
                msg = (
                    f"log_softmax output{src} fed to CrossEntropyLoss / cross_entropy, which applies "
                    "log_softmax itself: pass the raw logits (or use NLLLoss on log-probabilities)."
                )
            yield RawFinding(lc.node, self.code, msg, edits or {})
