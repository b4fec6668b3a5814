"""AL107 logits-as-probabilities: raw logits thresholded at 0.5 or named as probabilities at inference."""
from __future__ import annotations

import ast
import re
from collections.abc import Iterable

from actloss.lint._core import Context, RawFinding, Rule
from actloss.lint._flow import V, FileFacts

_LOGIT_NAME = re.compile(r"logit", re.IGNORECASE)


def _key(v: V) -> str:
    """Which model a value is the output of. A bare layer's output inside a function (``self.proj(h)``) names
    no model: two such outputs are not the same model's (an attention projection named ``attention_probs`` is
    not the classifier head trained with CrossEntropyLoss elsewhere in the file)."""
    if v.kind == "logits" and not v.where and v.detail == "layer":
        return ""
    return v.where or v.detail


class LogitsAsProbabilities(Rule):
    code = "AL107"

    def check(self, facts: FileFacts, ctx: Context) -> Iterable[RawFinding]:
        # Models whose output is trained as logits in this file (fed to BCEWithLogitsLoss / CrossEntropyLoss).
        trained = {
            _key(lc.input)
            for lc in facts.losses
            if lc.loss in ("bce_logits", "ce") and lc.input is not None and lc.input.kind in ("out", "logits")
        } - {""}
        # names that a function hands to a logits loss itself (``inverse_action_prob`` into CrossEntropyLoss): used
        # as the logits they are, whatever they are called
        into_logits_loss = {
            (id(lc.func), n.id)
            for lc in facts.losses
            if lc.loss in ("bce_logits", "ce") and lc.input_expr is not None
            for n in ast.walk(lc.input_expr)
            if isinstance(n, ast.Name)
        }
        for t in facts.thresholds:
            v = t.value
            if v.kind not in ("out", "logits"):
                continue
            if t.op == "name" and (id(t.func), t.name) in into_logits_loss:
                continue
            logits = _key(v) in trained or bool(_LOGIT_NAME.search(t.name or v.detail))
            if not logits:
                continue
            if t.op == "name":
                yield RawFinding(
                    t.node,
                    self.code,
                    f"raw logits of a model trained with a logits loss are named `{t.name}`: apply "
                    "torch.sigmoid (binary / multi-label) or torch.softmax(dim=1) before using them as "
                    "probabilities; logits range over all reals.",
                )
            elif t.op == "round" or t.threshold == 0.5:
                yield RawFinding(
                    t.node,
                    self.code,
                    "raw logits thresholded at 0.5 (that is probability sigmoid(0.5) = 0.62): apply "
                    "torch.sigmoid first, or threshold the logits at 0.",
                )
