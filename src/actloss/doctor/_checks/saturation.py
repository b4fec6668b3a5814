"""AL205: sigmoid/tanh layers whose pre-activations exceed |saturation| for most values, over a window."""
from __future__ import annotations

from .._finding import Finding, make_finding
from .._sample import SQUASH, Context, Sample
from ._base import Check


class Saturation(Check):
    codes = ("AL205",)

    def __init__(self) -> None:
        self.fractions: dict[str, list[float]] = {}
        self.kind: dict[str, str] = {}
        self.reported: set[str] = set()

    def observe(self, sample: Sample, ctx: Context) -> list[Finding]:
        for a in sample.acts:
            if a.role == SQUASH and a.numel and a.finite:
                self.fractions.setdefault(a.name, []).append(float(a.values[0]) / a.numel)
                self.kind[a.name] = a.kind
        return []

    def end_window(self, step: int, ctx: Context, final: bool = False) -> list[Finding]:
        out = []
        th = ctx.thresholds
        for name, fr in self.fractions.items():
            # a sigmoid whose output is the loss input is an output layer: AL101 covers it
            if name in self.reported or name in ctx.heads or (final and len(fr) < 3):
                continue
            mean = sum(fr) / len(fr)
            if mean >= th.saturated_fraction:
                self.reported.add(name)
                kind = self.kind[name]
                deriv = "sigmoid'(6) = 0.0025" if kind == "Sigmoid" else "tanh'(6) = 2.5e-5"
                out.append(make_finding("AL205", name, step, {
                    "saturated_fraction": round(mean, 4), "threshold": th.saturated_fraction,
                    "abs_pre_activation_above": th.saturation, "samples": len(fr),
                }, (f"{name} ({kind}): {mean:.0%} of its pre-activations have |z| > {th.saturation:g} "
                    f"({deriv}); normalise its input (LayerNorm/BatchNorm before it), use Xavier initialisation "
                    "for the layer feeding it, lower the learning rate, or use ReLU/GELU")))
        self.fractions.clear()
        return out
