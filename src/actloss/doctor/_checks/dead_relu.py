"""AL202: per ReLU-family layer, the fraction of units that output 0 for every sample over a window."""
from __future__ import annotations

import numpy as np

from .._finding import Finding, make_finding
from .._sample import RELU, Context, Sample
from ._base import Check


class DeadReLU(Check):
    codes = ("AL202",)

    def __init__(self) -> None:
        # (module path, call index within the step) -> per unit: ever > 0 within the window. A module applied
        # several times per forward (one `self.relu` after every layer) is judged per call site.
        self.alive: dict[tuple[str, int], np.ndarray] = {}
        self.kind: dict[str, str] = {}
        self.samples = 0
        self.first_step = 0
        self.reported: set[str] = set()

    def observe(self, sample: Sample, ctx: Context) -> list[Finding]:
        if not self.samples:
            self.first_step = sample.step
        self.samples += 1
        calls: dict[str, int] = {}
        for a in sample.acts:
            if a.role != RELU:
                continue
            k = calls[a.name] = calls.get(a.name, -1) + 1
            if not a.finite:
                continue
            alive = a.values > 0
            key = (a.name, k)
            prev = self.alive.get(key)
            self.alive[key] = alive if prev is None or prev.shape != alive.shape else prev | alive
            self.kind[a.name] = a.kind
        return []

    def end_window(self, step: int, ctx: Context, final: bool = False) -> list[Finding]:
        out = []
        if self.samples >= (3 if final else 1):
            limit = ctx.thresholds.dead_fraction
            for (name, call), alive in self.alive.items():
                dead = int(alive.size - alive.sum())
                frac = dead / alive.size if alive.size else 0.0
                if frac >= limit and name not in self.reported:
                    self.reported.add(name)
                    evidence: dict[str, object] = {
                        "dead_units": dead, "units": int(alive.size), "dead_fraction": round(frac, 4),
                        "window_steps": [self.first_step, step], "threshold": limit,
                    }
                    if call:
                        evidence["call"] = call   # the module is applied several times; this is call `call`
                    out.append(make_finding("AL202", name, step, evidence, (
                        f"{name} ({self.kind[name]}): {dead} of {alive.size} units output 0 for every "
                        "sample; "
                        "replace it with LeakyReLU(0.01) (or GELU), use kaiming initialisation and no large "
                        "negative bias, and lower the learning rate")))
        self.alive.clear()
        self.samples = 0
        return out
