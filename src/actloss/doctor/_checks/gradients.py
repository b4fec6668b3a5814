"""AL203 (vanishing) and AL204 (exploding): per-layer and total gradient norms after backward."""
from __future__ import annotations

import math
from collections import deque

from .._finding import Finding, make_finding
from .._sample import RELU, SQUASH, Context, Sample
from ._base import Check


def _median(values: list[float]) -> float:
    s = sorted(values)  # a few numbers: faster than np.median's array set-up
    n = len(s)
    return s[n // 2] if n % 2 else 0.5 * (s[n // 2 - 1] + s[n // 2])


def layer_norms(sample: Sample) -> list[tuple[str, float]]:
    """(module path, gradient L2 norm) per parametrised module, in forward order, from the last backward pass
    (the gradient the optimizer saw). Computed once per sample."""
    cached = sample.cache.get("layer_norms")
    if cached is None:
        cached = sample.cache["layer_norms"] = _layer_norms(sample)
    return cached


def _layer_norms(sample: Sample) -> list[tuple[str, float]]:
    if not sample.grads:
        return []
    g = sample.grads[-1]
    sq: dict[str, float] = {}
    for name, n in zip(g.modules, g.l2):
        sq[name] = sq.get(name, 0.0) + float(n) ** 2
    order = sample.forward_order()
    first_seen = {name: i for i, name in enumerate(sq)}
    names = sorted(sq, key=lambda n: (order.get(n, len(order) + first_seen[n]), first_seen[n]))
    return [(n, math.sqrt(sq[n])) for n in names]


class VanishingGradient(Check):
    codes = ("AL203",)

    def __init__(self) -> None:
        self.ratios: list[float] = []
        self.last: Sample | None = None
        self.reported = False

    def observe(self, sample: Sample, ctx: Context) -> list[Finding]:
        norms = layer_norms(sample)
        if len(norms) < 2 or self.reported:
            return []
        first, last = norms[0][1], norms[-1][1]
        if not (math.isfinite(first) and math.isfinite(last)) or last == 0.0:
            return []
        self.ratios.append(first / last)
        self.last = sample   # the layers in between are listed only if the window reports
        return []

    @staticmethod
    def _between(sample: Sample, norms: list[tuple[str, float]]) -> tuple[list[str], list[str]]:
        """The sigmoid/tanh and the ReLU layers between the first and the last parametrised layer."""
        order = sample.forward_order()
        lo, hi = order.get(norms[0][0], -1), order.get(norms[-1][0], len(sample.acts))
        between = [a for a in sample.acts[lo + 1:hi] if a.role in (SQUASH, RELU)]
        squash = list(dict.fromkeys(a.name for a in between if a.role == SQUASH))
        relu = list(dict.fromkeys(a.name for a in between if a.role == RELU))
        return squash, relu

    def end_window(self, step: int, ctx: Context, final: bool = False) -> list[Finding]:
        ratios, self.ratios = self.ratios, []
        if self.reported or not ratios or self.last is None or (final and len(ratios) < 3):
            return []
        ratio = float(_median(ratios))
        limit = ctx.thresholds.vanishing_ratio
        if ratio >= limit:
            return []
        self.reported = True
        norms = layer_norms(self.last)
        squash, relu = self._between(self.last, norms)
        first, last = norms[0], norms[-1]
        evidence = {
            "ratio_first_to_last": ratio, "threshold": limit,
            "first_layer_grad_norm": first[1], "last_layer": last[0] or "<model>", "last_layer_grad_norm": last[1],
            "layer_grad_norms": {n or "<model>": v for n, v in norms},
            "saturating_activations_between": squash,
        }
        if squash:
            fix = (f"the gradient shrinks through {len(squash)} sigmoid/tanh layers ({', '.join(squash[:4])}"
                   f"{', ...' if len(squash) > 4 else ''}; derivative at most 0.25 for sigmoid): use ReLU/GELU "
                   "hidden activations with kaiming initialisation, add residual connections or LayerNorm")
        else:
            fix = ("use ReLU/GELU hidden activations with kaiming initialisation, add normalisation (LayerNorm/"
                   "BatchNorm) and residual connections" + (f"; check the ReLU layers {', '.join(relu[:4])} for "
                                                            "dead units" if relu else ""))
        return [make_finding("AL203", first[0], step, evidence, fix)]


class ExplodingGradient(Check):
    codes = ("AL204",)

    def __init__(self) -> None:
        self.totals: deque[float] = deque()
        self.reported = False

    def observe(self, sample: Sample, ctx: Context) -> list[Finding]:
        norms = layer_norms(sample)
        if not norms or self.reported:
            return []
        total = math.sqrt(sum(v * v for _, v in norms))
        if not math.isfinite(total):
            return []  # AL201's business
        th = ctx.thresholds
        self.totals.append(total)
        while len(self.totals) > ctx.window:
            self.totals.popleft()
        trigger = None
        if total > th.max_grad_norm:
            trigger = "threshold"
        elif len(self.totals) >= 3:
            k = max(1, len(self.totals) // 3)
            window = list(self.totals)
            early = float(_median(window[:k]))
            late = min(window[-k:])
            if late >= th.growth * early and late >= th.growth_floor:
                trigger = "growth"
        if trigger is None:
            return []
        self.reported = True
        top = max(norms, key=lambda nv: nv[1])
        evidence = {
            "trigger": trigger, "total_grad_norm": total, "max_grad_norm": th.max_grad_norm,
            "recent_total_norms": [round(v, 6) for v in self.totals],
            "largest_layer": top[0] or "<model>", "largest_layer_grad_norm": top[1],
        }
        if trigger == "growth":
            evidence["growth"] = th.growth
        fix = (f"the largest gradient is in {top[0] or 'the model'}: clip the total norm "
               "(torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)), lower the learning rate or "
               "add warm-up, and check the initialisation scale")
        return [make_finding("AL204", top[0], sample.step, evidence, fix)]
