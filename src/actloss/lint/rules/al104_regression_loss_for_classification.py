"""AL104 regression-loss-for-classification: MSE / L1 / Huber against one-hot class targets."""
from __future__ import annotations

from collections.abc import Iterable

from actloss.lint import _names as N
from actloss.lint._core import Context, RawFinding, Rule
from actloss.lint._flow import FileFacts


class RegressionLossForClassification(Rule):
    code = "AL104"

    def check(self, facts: FileFacts, ctx: Context) -> Iterable[RawFinding]:
        for lc in facts.losses:
            if lc.loss not in N.REGRESSION_LOSSES:
                continue
            onehot = any(v is not None and v.kind == "onehot" for v in (lc.target, lc.input))
            if not onehot:
                continue
            name = N.LOSS_DISPLAY[lc.loss].split(" / ")[0]
            yield RawFinding(
                lc.node,
                self.code,
                f"{name} against one-hot class targets: use CrossEntropyLoss on the logits with the class "
                "indices (or BCEWithLogitsLoss for binary / multi-label). A regression loss learns class "
                "frequencies, and on a sigmoid/softmax output its gradient is ~100x smaller when confidently "
                "wrong.",
            )
