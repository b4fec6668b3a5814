"""AL104 / AL105 / AL108: what the targets say about the task, against the loss chosen for it."""
from __future__ import annotations

import math

import numpy as np

from .._batch import CallRecord
from .._finding import Finding, make_finding
from .._sample import Context, Sample
from ._base import Check

_ROW_TOL = 1e-4
_MIN_SAMPLES = 100      # AL108 judges class frequencies only after this many targets
_PER_CLASS = 20         # ... and this many per class on average


class Targets(Check):
    codes = ("AL104", "AL105", "AL108")

    def __init__(self) -> None:
        self.reg: dict[str, dict[str, float]] = {}
        self.counts: dict[str, dict[str, object]] = {}
        self.reported: set[tuple[str, str]] = set()
        self.calls = 0

    def _emit(self, out: list[Finding], f: Finding) -> None:
        if (f.code, f.where) not in self.reported:
            self.reported.add((f.code, f.where))
            out.append(f)

    def observe(self, sample: Sample, ctx: Context) -> list[Finding]:
        out: list[Finding] = []
        for rec in sample.calls:
            s = rec.stats
            if rec.target_kind != "none":
                self.calls += 1
            if rec.target_kind == "regression":
                f = self._regression(rec, ctx, sample.step)
                if f is not None:
                    self._emit(out, f)
            if rec.target_kind == "prob" and s.get("y_nonbinary", 1.0) == 0.0 and s["y_row_sum_max"] >= 2 - 1e-6:
                self._emit(out, make_finding("AL105", rec.info.where, sample.step, {
                    "criterion": rec.info.label, "max_ones_per_row": int(round(s["y_row_sum_max"])),
                    "classes": rec.n_classes,
                }, (f"the targets of {rec.info.label} have up to {int(round(s['y_row_sum_max']))} ones per row "
                    "(multi-label): softmax makes the classes compete for one unit of probability; use one logit "
                    "per label with nn.BCEWithLogitsLoss (sigmoid per label) and threshold each label")))
            self._count(rec)
        return out

    def _regression(self, rec: CallRecord, ctx: Context, step: int) -> Finding | None:
        s = rec.stats
        if not all(math.isfinite(s.get(k, 0.0)) for k in ("y_min", "y_max", "y_int_dev")):
            return None
        a = self.reg.setdefault(rec.info.where, {"y_min": math.inf, "y_max": -math.inf, "int_dev": 0.0,
                                                 "row_dev": 0.0, "n": 0, "width": rec.label_dim})
        a["y_min"] = min(a["y_min"], s["y_min"])
        a["y_max"] = max(a["y_max"], s["y_max"])
        a["int_dev"] = max(a["int_dev"], s["y_int_dev"])
        a["row_dev"] = max(a["row_dev"], s.get("y_row_dev", math.inf)) if a["width"] == rec.label_dim else math.inf
        a["n"] += rec.n_target
        label = rec.info.label
        ev: dict[str, object] = {"criterion": label, "target_min": a["y_min"], "target_max": a["y_max"],
                                 "targets_seen": int(a["n"])}
        integer = a["int_dev"] == 0.0
        if a["width"] >= 2 and a["row_dev"] <= _ROW_TOL and a["y_min"] >= 0 and a["y_max"] <= 1:
            looks = "one-hot rows" if integer else "probability rows summing to 1"
            ev.update(looks_like=looks, columns=int(a["width"]))
            return make_finding("AL104", rec.info.where, step, ev, (
                f"the targets of {label} are {looks} over {int(a['width'])} classes: a classification task; "
                "output one logit per class and use nn.CrossEntropyLoss (class indices or probability targets)"))
        if integer and a["y_min"] >= 0 and 1 <= a["y_max"] <= ctx.thresholds.max_label:
            k = int(a["y_max"])
            ev.update(looks_like=f"integer class labels in 0..{k}")
            if k == 1:
                fix = (f"the targets of {label} are 0/1 labels: output one logit and use nn.BCEWithLogitsLoss "
                       "(MSE on labels learns the class frequency and gives weak gradients at confident errors)")
            else:
                fix = (f"the targets of {label} are class labels 0..{k}: output {k + 1} logits and use "
                       "nn.CrossEntropyLoss with integer targets (MSE on labels imposes a false order and distance)")
            return make_finding("AL104", rec.info.where, step, ev, fix)
        return None

    def _count(self, rec: CallRecord) -> None:
        s = rec.stats
        key = rec.info.where
        if rec.target_kind == "index" and "counts" in s:
            v = s["counts"][:-1]           # last bucket: ignore_index
        elif rec.target_kind == "prob" and "counts" in s:
            v = s["counts"]
        elif rec.target_kind == "binary" and "pos" in s and s.get("y_min", -1) >= 0 and s.get("y_max", 2) <= 1:
            pos = s["pos"]
            n = rec.n_target / max(1, rec.label_dim)
            v = np.stack([n - pos, pos], axis=1)    # per label: [negatives, positives]
        else:
            return
        if not np.isfinite(v).all():
            return
        c = self.counts.get(key)
        if c is None or c["counts"].shape != v.shape:  # type: ignore[union-attr]
            c = self.counts[key] = {"counts": np.zeros_like(v), "rec": rec, "weighted": False}
        c["counts"] = c["counts"] + v  # type: ignore[operator]
        c["weighted"] = bool(c["weighted"]) or rec.weighted or rec.info.focal
        c["rec"] = rec

    def settled(self, ctx: Context) -> bool:
        # the kind of targets (labels, one-hot, multi-hot) is decided by a window of calls; class frequencies
        # once
        # reported, irrelevant (weighted or focal loss) or measured on 10x the targets the judgement needs
        if self.calls < ctx.window:
            return False
        for key, c in self.counts.items():
            counts = np.asarray(c["counts"], dtype=float)
            need = 10 * (max(_MIN_SAMPLES, _PER_CLASS * counts.size) if counts.ndim == 1 else _MIN_SAMPLES)
            seen = counts.sum() if counts.ndim == 1 else counts.sum(axis=1).min()
            if not (c["weighted"] or ("AL108", key) in self.reported or seen >= need):
                return False
        return True

    def end_window(self, step: int, ctx: Context, final: bool = False) -> list[Finding]:
        out: list[Finding] = []
        limit = ctx.thresholds.imbalance_ratio
        for key, c in self.counts.items():
            if c["weighted"] or ("AL108", key) in self.reported:
                continue
            counts = np.asarray(c["counts"], dtype=float)
            rec: CallRecord = c["rec"]  # type: ignore[assignment]
            label = rec.info.label
            if counts.ndim == 1:     # classes
                total = counts.sum()
                if total < max(_MIN_SAMPLES, _PER_CLASS * counts.size):
                    continue
                lo, hi = counts.min(), counts.max()
                ratio = math.inf if lo == 0 else hi / lo
                if ratio < limit:
                    continue
                freq = counts / total
                rare = int(counts.argmin())
                ev = {"criterion": label, "targets_seen": int(total), "ratio_most_to_least": ratio,
                      "rarest_class": rare, "rarest_frequency": round(float(freq[rare]), 6),
                      "threshold": limit}
                if counts.size <= 20:
                    ev["class_frequencies"] = [round(float(x), 4) for x in freq]
                w = total / (counts.size * np.maximum(counts, 1))
                fix = (f"class {rare} is {ratio:.3g}x rarer than the most frequent; pass class weights "
                       f"nn.CrossEntropyLoss(weight=n / (C * counts)) (here up to {w.max():.3g} for class {rare}), "
                       "resample the data, or use actloss.nn.SoftmaxFocalLoss")
            else:                    # binary labels: per label [negatives, positives]
                n = counts.sum(axis=1)
                if n.min() < _MIN_SAMPLES:
                    continue
                lo, hi = counts.min(axis=1), counts.max(axis=1)
                ratios = np.where(lo > 0, hi / np.maximum(lo, 1e-300), math.inf)
                worst = int(ratios.argmax())
                ratio = float(ratios[worst])
                if ratio < limit:
                    continue
                neg, pos = counts[worst]
                ev = {"criterion": label, "targets_seen": int(n[worst]),
                      "positive_rate": round(float(pos / n[worst]), 6), "ratio_majority_to_minority": ratio,
                      "threshold": limit}
                if counts.shape[0] > 1:
                    ev["label"] = worst
                    ev["labels_past_threshold"] = int((ratios >= limit).sum())
                pw = "neg / pos" if pos == 0 else f"{neg / pos:.3g}"
                fix = (f"only {pos / n[worst]:.2%} of the targets are positive; weight them: "
                       f"nn.BCEWithLogitsLoss(pos_weight=torch.tensor({pw})) (negatives / positives), or use "
                       "actloss.nn.SigmoidFocalLoss")
            self.reported.add(("AL108", key))
            out.append(make_finding("AL108", key, step, ev, fix))
        return out
