"""AL101 / AL102 / AL103: what the loss function is fed.

- logits losses fed probabilities (BCEWithLogitsLoss inputs all in [0, 1]; CrossEntropyLoss rows that are
  softmax probabilities or log_softmax outputs);
- BCELoss inputs at exactly 0 or 1 (log clamped at -100, gradient lost);
- NLLLoss fed something other than log-probabilities (rows whose exp does not sum to 1).
"""
from __future__ import annotations

import math

from .._batch import UNKNOWN_PRODUCER, CallRecord
from .._finding import Finding, make_finding
from .._sample import Context, Sample
from ._base import Check

_ROW_TOL = 1e-3      # softmax rows sum to 1 within float rounding (~1e-6 in float32, ~1e-3 in float16)
_LOGPROB_TOL = 1e-2  # log_softmax rows have sum(exp(x)) = 1 (logsumexp 0) within rounding
_MIN_VALUES = 32     # "all in [0, 1]" means something only over enough values


def _where(rec: CallRecord) -> str:
    """The module that produced the loss input; 'outputs' in check_batch; the criterion when no module did."""
    if rec.producer is None:
        return "outputs"
    if rec.producer == UNKNOWN_PRODUCER:
        return rec.info.where
    return rec.producer


def _layer(rec: CallRecord) -> str:
    if rec.producer == UNKNOWN_PRODUCER:
        return "applied between the model and the loss call"
    return f"at {rec.producer}" if rec.producer else "in the model's head"


class LossInputs(Check):
    codes = ("AL101", "AL102", "AL103")

    def __init__(self) -> None:
        self.agg: dict[str, dict[str, float]] = {}
        self.reported: set[tuple[str, str]] = set()
        self.calls = 0

    def observe(self, sample: Sample, ctx: Context) -> list[Finding]:
        out = []
        for rec in sample.calls:
            s = rec.stats
            key = rec.info.where
            a = self.agg.setdefault(key, {"x_min": math.inf, "x_max": -math.inf, "row_sum_dev": 0.0,
                                          "exp_sum_dev": 0.0, "n": 0})
            if "x_min" in s:
                if not (math.isfinite(s["x_min"]) and math.isfinite(s["x_max"])):
                    continue   # AL201's business
                self.calls += 1
                a["x_min"] = min(a["x_min"], s["x_min"])
                a["x_max"] = max(a["x_max"], s["x_max"])
                a["row_sum_dev"] = max(a["row_sum_dev"], s.get("row_sum_dev", math.inf))
                a["exp_sum_dev"] = max(a["exp_sum_dev"], s.get("exp_sum_dev", math.inf))
                a["n"] += rec.n_input
            elif "n_saturated" not in s:
                continue       # settled: only BCELoss's saturation is still measured
            f = self._judge(rec, a, sample.step, ready=self.calls >= ctx.window)
            if f is not None and (f.code, key) not in self.reported:
                self.reported.add((f.code, key))  # type: ignore[arg-type]
                out.append(f)
        for rec in sample.calls:   # remember output layers even when nothing is wrong (AL205 skips them)
            if rec.producer and rec.producer != UNKNOWN_PRODUCER:
                ctx.heads.add(rec.producer)
        return out

    def settled(self, ctx: Context) -> bool:
        # what the head emits is structural: a window of calls decides it (BCELoss saturation is measured
        # always)
        return self.calls >= ctx.window

    def _judge(self, rec: CallRecord, a: dict[str, float], step: int, ready: bool = True) -> Finding | None:
        kind, label = rec.info.kind, rec.info.label
        in_unit = a["x_min"] >= 0.0 and a["x_max"] <= 1.0
        ev = {"criterion": label, "input_min": a["x_min"], "input_max": a["x_max"], "values_seen": int(a["n"])}
        # Freshly initialised logits can all fall in [0, 1] for a while; a sigmoid's output stays there for good:
        # judge over a whole window of calls (the demo's step-0 false alarm).
        if kind == "binary_logits" and in_unit and a["n"] >= _MIN_VALUES and ready:
            return make_finding("AL101", _where(rec), step, ev, (
                f"every input of {label} lies in [0, 1]: these are probabilities, not logits; remove the sigmoid "
                f"{_layer(rec)} ({label} applies it itself, stably) and feed it the raw logits"))
        if kind == "binary_probs" and rec.stats.get("n_saturated", 0.0) > 0:
            n = int(rec.stats["n_saturated"])
            ev.update(saturated_inputs=n, batch_values=rec.n_input)
            return make_finding("AL101", _where(rec), step, ev, (
                f"{n} of {rec.n_input} inputs of {label} are exactly 0 or 1, so log(p) is clamped at -100 and "
                f"their gradient is 0; remove the sigmoid {_layer(rec)} and use nn.BCEWithLogitsLoss on the logits"))
        if kind == "multiclass_logits" and rec.n_classes >= 2:
            if in_unit and a["row_sum_dev"] <= _ROW_TOL:
                ev.update(max_row_sum_deviation=a["row_sum_dev"], looks_like="softmax probabilities")
                return make_finding("AL102", _where(rec), step, ev, (
                    f"the rows fed to {label} are probabilities summing to 1: remove nn.Softmax {_layer(rec)}; "
                    f"{label} expects logits and applies log_softmax itself"))
            if a["x_max"] <= 0.0 and a["exp_sum_dev"] <= _LOGPROB_TOL:
                ev.update(max_row_exp_sum_deviation=a["exp_sum_dev"], looks_like="log_softmax output")
                return make_finding("AL102", _where(rec), step, ev, (
                    f"the rows fed to {label} are log-probabilities: remove the log_softmax {_layer(rec)} "
                    f"({label} applies it itself), or keep it and use nn.NLLLoss"))
        if kind == "log_probs" and rec.n_classes >= 2:
            if not (a["x_max"] <= 1e-6 and a["exp_sum_dev"] <= _LOGPROB_TOL):
                probs = in_unit and a["row_sum_dev"] <= _ROW_TOL
                ev.update(max_row_exp_sum_deviation=a["exp_sum_dev"],
                          looks_like="softmax probabilities" if probs else "raw logits")
                what = "softmax probabilities" if probs else "raw logits (rows whose exp does not sum to 1)"
                return make_finding("AL103", _where(rec), step, ev, (
                    f"{label} is fed {what} instead of log-probabilities: end the model with nn.LogSoftmax(dim=1)"
                    f"{' instead of nn.Softmax' if probs else ''} {_layer(rec)}, or drop it and use "
                    "nn.CrossEntropyLoss on the logits"))
        return None
