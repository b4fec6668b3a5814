"""AL106 saturating-hidden-activation: sigmoid / tanh between the hidden layers of a deep feed-forward stack."""
from __future__ import annotations

from collections.abc import Iterable

from actloss.lint._core import Context, RawFinding, Rule
from actloss.lint._flow import FileFacts


class SaturatingHiddenActivation(Rule):
    code = "AL106"

    def check(self, facts: FileFacts, ctx: Context) -> Iterable[RawFinding]:
        for s in facts.stacks:
            yield RawFinding(
                s.node,
                self.code,
                f"{s.depth} hidden layers with {s.act} activations in a feed-forward stack: the gradient is "
                f"multiplied by at most 0.25 (sigmoid) per layer, so the first layers get <= "
                f"0.25^{s.depth} = {0.25 ** s.depth:.1e} of it. Use ReLU / GELU / SiLU between hidden layers.",
            )
