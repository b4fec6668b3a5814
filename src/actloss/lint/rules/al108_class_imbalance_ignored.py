"""AL108 class-imbalance-ignored: class weights are computed, then the loss is built without them."""
from __future__ import annotations

import re
from collections.abc import Iterable

from actloss.lint import _names as N
from actloss.lint._core import Context, RawFinding, Rule
from actloss.lint._flow import FileFacts

_SAMPLER = re.compile(r"WeightedRandomSampler|focal", re.IGNORECASE)


class ClassImbalanceIgnored(Rule):
    code = "AL108"

    def check(self, facts: FileFacts, ctx: Context) -> Iterable[RawFinding]:
        if not facts.weight_vars or _SAMPLER.search(ctx.source):
            return
        unused = []
        for name in dict.fromkeys(n for n, _ in facts.weight_vars):
            assigned = sum(1 for n, _ in facts.weight_vars if n == name)
            if len(re.findall(rf"(?<![\w.]){re.escape(name)}\b", ctx.source)) <= assigned:
                unused.append(name)
        if not unused:
            return
        names = ", ".join(f"`{n}`" for n in unused)
        for ctor in facts.loss_ctors:
            if ctor.detail in N.CLASSIFICATION_LOSSES and ctor.where != "weighted" and ctor.origin is not None:
                yield RawFinding(
                    ctor.origin,
                    self.code,
                    f"class weights are computed ({names}) but this {N.LOSS_DISPLAY[ctor.detail].split(' / ')[0]} "
                    "is built without weight= / pos_weight=: with 1% positives the unweighted loss is already "
                    "low for a model that never predicts them. Pass the weights.",
                )
        for lc in facts.losses:
            if lc.ctor is None and lc.loss in N.CLASSIFICATION_LOSSES:
                if not any(k.arg in ("weight", "pos_weight") for k in lc.node.keywords):
                    yield RawFinding(
                        lc.node,
                        self.code,
                        f"class weights are computed ({names}) but this "
                        f"{N.LOSS_DISPLAY[lc.loss].split(' / ')[1]} call passes no weight= / pos_weight=. "
                        "Pass the weights.",
                    )
