"""AL103 nll-without-log-softmax: NLLLoss / nll_loss fed raw logits or probabilities, not log-probabilities."""
from __future__ import annotations

from collections.abc import Iterable

from actloss.lint._core import Context, RawFinding, Rule, describe
from actloss.lint._flow import FileFacts


class NLLWithoutLogSoftmax(Rule):
    code = "AL103"

    def check(self, facts: FileFacts, ctx: Context) -> Iterable[RawFinding]:
        for lc in facts.losses:
            v = lc.input
            if lc.loss != "nll" or v is None:
                continue
            src = describe(v)
            if v.kind == "act" and v.detail in ("softmax", "sigmoid"):
                what = f"{v.detail} probabilities{src}"
                why = "the loss is then -p, stuck in [-1, 0], with a gradient that vanishes when the model is wrong"
            elif v.kind == "logits":
                what = f"raw logits{src or ' (the output of a linear layer)'}"
                why = "the loss is then -z[y], unbounded below, and nothing pushes the other classes down"
            else:
                continue
            yield RawFinding(
                lc.node,
                self.code,
                f"{what} fed to NLLLoss / nll_loss, which expects log-probabilities: apply "
                f"log_softmax(dim=1) first, or use CrossEntropyLoss on the logits; {why}.",
            )
