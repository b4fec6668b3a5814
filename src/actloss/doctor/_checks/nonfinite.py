"""AL201: the first NaN/inf, in the loss, an activation (first module in forward order) or a gradient."""
from __future__ import annotations

import math

import numpy as np

from .._finding import Finding, make_finding
from .._sample import Context, Sample
from ._base import Check
from .loss_inputs import _where


class NonFinite(Check):
    codes = ("AL201",)

    def __init__(self) -> None:
        self.reported = False

    def observe(self, sample: Sample, ctx: Context) -> list[Finding]:
        if self.reported or sample.all_finite:
            return []  # the first occurrence is the cause; everything after it is NaN too
        bad_loss = [(s, v) for s, v in sample.losses if not math.isfinite(v)]
        bad_act = next((a for a in sample.acts if not a.finite), None)
        bad_input = next((c for c in sample.calls
                          if not all(math.isfinite(c.stats.get(k, 0.0)) for k in ("x_min", "x_max"))), None)
        bad_grad: list[str] = []
        for g in sample.grads:
            for i in np.flatnonzero(~np.isfinite(g.l2)):
                name = g.modules[i]
                if name not in bad_grad:
                    bad_grad.append(name)
        if not (bad_loss or bad_act or bad_input or bad_grad):
            return []
        self.reported = True
        evidence: dict[str, object] = {}
        step = sample.step
        if bad_loss:
            step = bad_loss[0][0]
            evidence["loss"] = bad_loss[0][1]
            evidence["non_finite_losses"] = len(bad_loss)
        if bad_act is not None:
            where, origin = bad_act.name, "activation"
            evidence["first_non_finite_output"] = bad_act.name or "<model>"
            evidence["module"] = bad_act.kind
            evidence["activation_step"] = sample.step
            fix = (f"the output of {bad_act.name or 'the model'} ({bad_act.kind}) is the first non-finite value in "
                   "forward order: check the op in it (log of 0, exp overflow, division by 0), lower the learning "
                   "rate and clip gradients (clip_grad_norm_(model.parameters(), 1.0))")
        elif bad_input is not None:
            where, origin = _where(bad_input), "loss input"
            evidence["loss_input"] = "non-finite"
            fix = "the loss function's input is non-finite: see which op in forward() produces it"
        elif bad_loss:
            where, origin = "loss", "loss"
            fix = ("every module output is finite but the loss is not: the loss computation itself overflows "
                   "(log(0), log(1 - p) at p = 1, exp of a large value); use a fused, stable loss such as "
                   "BCEWithLogitsLoss / cross_entropy on logits")
        else:
            # no activation is non-finite: the gradient went bad in backward; the layer nearest the loss is
            # where
            order = sample.forward_order()
            bad_grad.sort(key=lambda n: order.get(n, -1))
            where, origin = bad_grad[-1], "gradient"
            fix = ("a gradient became non-finite in backward while the forward pass was finite: look for sqrt/pow/"
                   "division at 0 in the layer, and clip gradients (clip_grad_norm_)")
        if bad_grad:
            evidence["non_finite_gradients"] = bad_grad[:8]
        evidence["origin"] = origin
        return [make_finding("AL201", where, step, evidence, fix)]
