"""``recommend``: from a task name or from the targets to a :class:`Recipe`."""
from __future__ import annotations

import difflib
import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from actloss.guide import _thresholds as T
from actloss.guide._code import CodeSpec, render
from actloss.guide._recipe import LOSS_MODULES, Alternative, Recipe
from actloss.guide._rules import Facts, facts, infer_task
from actloss.guide._stats import (
    effective_number_weights,
    huber_delta,
    imbalance_ratio,
    inverse_weights,
    sig,
    spread,
)
from actloss.guide._targets import Targets, validate
from actloss.guide._tasks import (
    ARCHITECTURE_ALIASES,
    ARCHITECTURES,
    CLASSIFICATION,
    HIDDEN,
    TASK_ALIASES,
    TASK_SPECS,
    TASKS,
)

MODIFIERS = ("imbalanced", "outliers", "architecture", "positive_label")


@dataclass
class _Parts:
    """What a task builder fills in."""

    task: str
    loss: str
    loss_kwargs: dict[str, Any] = field(default_factory=dict)
    out_features: int | None = 1
    label_mapping: dict[Any, int] | None = None
    target_format: str = ""
    data_dependent: dict[str, str] = field(default_factory=dict)
    alternatives: list[Alternative] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    statistics: dict[str, Any] = field(default_factory=dict)
    target_kind: str = ""  # for the code: 'binary', 'indices', 'one_hot', 'probabilities', 'real', ...


def _fmt(x: float) -> str:
    return "inf" if math.isinf(x) else f"{x:.3g}"


def _pct(x: float) -> str:
    return f"{100 * x:.2g} %"


def _native(v: Any) -> Any:
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def _suggest(value: str, choices: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(value, choices, n=1)
    return f" Did you mean {close[0]!r}?" if close else ""


# --------------------------------------------------------------------------------------------------------------
# argument checks
# --------------------------------------------------------------------------------------------------------------
def _normalise_task(task: Any) -> str:
    if not isinstance(task, str):
        raise ValueError(
            f"task must be a task name, one of {', '.join(TASKS)}; received {type(task).__name__}. "
            "To infer the task from data, pass the data as targets=."
        )
    key = task.strip().lower().replace("-", "_").replace(" ", "_")
    key = TASK_ALIASES.get(key, key)
    if key not in TASKS:
        hint = (" 'classification' is ambiguous: use 'binary' or 'multiclass'." if key == "classification"
                else "")
        raise ValueError(f"task must be one of {', '.join(TASKS)}; received {task!r}.{hint}"
                         f"{_suggest(key, TASKS)}")
    return key


def _normalise_architecture(arch: Any) -> str | None:
    if arch is None:
        return None
    if not isinstance(arch, str):
        raise ValueError(f"architecture must be one of {', '.join(ARCHITECTURES)} or None; "
                         f"received {type(arch).__name__} {arch!r}")
    key = arch.strip().lower()
    key = ARCHITECTURE_ALIASES.get(key, key)
    if key not in ARCHITECTURES:
        raise ValueError(f"architecture must be one of {', '.join(ARCHITECTURES)} or None; received {arch!r}."
                         f"{_suggest(key, ARCHITECTURES)}")
    return key


def _check_flag(name: str, value: Any) -> bool | None:
    if value is None or isinstance(value, (bool, np.bool_)):
        return None if value is None else bool(value)
    raise ValueError(f"{name} must be True, False or None; received {type(value).__name__} {value!r}")


def _check_task_fits(task: str, t: Targets, f: Facts) -> None:
    """Raise when explicit ``task`` cannot use these targets."""
    found = (f"found {f.ndim}-D {'string' if f.kind == 'label' else f.kind} targets with {f.n_distinct} "
             "distinct value(s)")
    if task == "binary":
        if f.ndim != 1 or f.n_distinct != 2:
            raise ValueError(f"task='binary' needs 1-D targets with exactly two distinct values; {found}. "
                             + ("Use task='multilabel' for a 0/1 matrix." if f.ndim == 2 else
                                "Use task='multiclass' for more classes or 'bounded_regression' for soft "
                                "targets."))
    elif task == "multiclass":
        if f.ndim == 1 and not (f.labels or f.integer):
            raise ValueError(f"task='multiclass' needs class labels (strings, booleans or integers); {found} "
                             "including fractional numbers.")
        if f.ndim == 2 and not (f.one_hot_rows or (f.in_unit and f.rows_sum_to_one)):
            raise ValueError("task='multiclass' with 2-D targets needs one-hot rows or rows of "
                             f"probabilities summing to 1; {found}.")
    elif task == "multilabel":
        if f.ndim != 2 or not f.zero_one:
            raise ValueError(f"task='multilabel' needs a 2-D 0/1 (or boolean) matrix, one column per label; "
                             f"{found}.")
    else:
        if f.kind != "numeric":
            raise ValueError(f"task={task!r} needs numeric targets; {found}. Use 'binary' or 'multiclass' "
                             "for labels.")
        if task == "bounded_regression" and not f.in_unit:
            lo, hi = float(np.min(t.values)), float(np.max(t.values))
            raise ValueError(f"task='bounded_regression' needs values in [0, 1]; found values in [{lo:g}, "
                             f"{hi:g}]. Rescale them or use task='regression'.")
        if task == "count_regression" and not (f.integer and f.nonnegative):
            raise ValueError(f"task='count_regression' needs non-negative integer counts; {found}"
                             + (" including negative values." if not f.nonnegative else
                                " including fractional values."))


# --------------------------------------------------------------------------------------------------------------
# label helpers
# --------------------------------------------------------------------------------------------------------------
def _distinct_labels(t: Targets) -> tuple[list[Any], list[int]]:
    """Sorted distinct labels (Python natives) and their counts."""
    v = t.values
    if t.kind == "label":
        tally = Counter(v.tolist())  # Python strings: NumPy's str dtype would drop trailing NUL characters
        labels_sorted = sorted(tally)
        return labels_sorted, [tally[lab] for lab in labels_sorted]
    labels, counts = np.unique(v, return_counts=True)
    return [_native(x) for x in labels], [int(c) for c in counts]


def _counts_text(labels: list[Any], counts: list[int], limit: int = 8) -> str:
    items = [f"{lab!r}: {c}" for lab, c in zip(labels, counts)]
    return ", ".join(items[:limit]) + (f", ... ({len(items)} classes)" if len(items) > limit else "")


def _why_weighted(imbalanced: bool | None, ratio: float) -> str:
    if imbalanced and ratio < T.IMBALANCE_RATIO:
        return "imbalanced=True was given"
    return f"at least IMBALANCE_RATIO = {T.IMBALANCE_RATIO:g}"


def _class_count_stats(labels: list[Any], counts: list[int]) -> dict[str, Any]:
    present = [c for c in counts if c > 0]
    ratio = imbalance_ratio(present)
    total = sum(counts)
    return {
        "class_counts": [{"label": lab, "count": c} for lab, c in zip(labels, counts)],
        "imbalance_ratio": sig(ratio) if math.isfinite(ratio) else None,
        "minority_fraction": sig(min(present) / total),
    }


# --------------------------------------------------------------------------------------------------------------
# task builders
# --------------------------------------------------------------------------------------------------------------
def _binary(t: Targets | None, imbalanced: bool | None, positive_label: Any) -> _Parts:
    p = _Parts("binary", "binary_cross_entropy_with_logits", target_format="float 0/1 of shape (N,)",
               target_kind="binary")
    if t is None:
        if positive_label is not None:
            raise ValueError("positive_label needs targets= to map labels; received no targets")
        if imbalanced:
            p.data_dependent["pos_weight"] = "n_negative / n_positive in the training labels"
            p.reasons.append("imbalanced=True: weight the positive class by pos_weight = n_negative / "
                             "n_positive, counted in your training labels (the code shows how), so both "
                             "classes carry the same total weight.")
            p.alternatives.append(Alternative(
                "loss", "sigmoid_focal_loss", {"alpha": T.FOCAL_ALPHA, "gamma": T.FOCAL_GAMMA},
                "if the positive class is under about 5 % of the data (SEVERE_IMBALANCE_RATIO = "
                f"{T.SEVERE_IMBALANCE_RATIO:g}) and weighted BCE still misses it: focal loss down-weights "
                "the many easy negatives (Lin et al., 2017; alpha=0.25, gamma=2 are the paper's values)"))
        else:
            p.reasons.append("No class counts were given, so the loss is unweighted; pass imbalanced=True or "
                             "targets= if one class is much rarer than the other.")
            p.alternatives.append(Alternative(
                "loss", "binary_cross_entropy_with_logits", {},
                f"with pos_weight = n_negative / n_positive when the classes are imbalanced (ratio >= "
                f"{T.IMBALANCE_RATIO:g}, IMBALANCE_RATIO)",
                data_dependent={"pos_weight": "n_negative / n_positive in the training labels"}))
        return p
    labels, counts = _distinct_labels(t)
    pos_index = 1
    if positive_label is not None:
        matches = [i for i, lab in enumerate(labels)
                   if lab == positive_label or str(lab) == str(positive_label)]
        if not matches:
            raise ValueError(f"positive_label must be one of the two labels {labels!r}; "
                             f"received {positive_label!r}")
        pos_index = matches[0]
    neg_index = 1 - pos_index
    neg, pos = labels[neg_index], labels[pos_index]
    n_neg, n_pos = counts[neg_index], counts[pos_index]
    p.label_mapping = {neg: 0, pos: 1}
    p.statistics.update(n_samples=t.n_samples, **_class_count_stats([neg, pos], [n_neg, n_pos]),
                        positive_label=pos)
    how = "chosen with positive_label=" if positive_label is not None else (
        "the later value in sorted order; pass positive_label= to choose the other")
    if {neg, pos} == {0, 1} and pos == 1:
        p.reasons.append("The labels are already 0 and 1; pass them to the loss as floats.")
    else:
        p.reasons.append(f"Label mapping: {neg!r} -> 0, {pos!r} -> 1; {pos!r} is the positive class ({how}). "
                         "Map the labels to 0/1 floats before the loss.")
    ratio = imbalance_ratio([n_neg, n_pos])
    minority = min(n_neg, n_pos) / (n_neg + n_pos)
    counts_txt = f"{neg!r}: {n_neg}, {pos!r}: {n_pos}"
    weight = imbalanced if imbalanced is not None else ratio >= T.IMBALANCE_RATIO
    pos_weight = sig(n_neg / n_pos)
    if weight:
        p.loss_kwargs["pos_weight"] = pos_weight
        p.reasons.append(f"Class counts {counts_txt}: imbalance ratio {_fmt(ratio)} (minority "
                         f"{_pct(minority)}; {_why_weighted(imbalanced, ratio)}), so pos_weight = n_negative "
                         f"/ n_positive = {pos_weight:g} gives both classes the same total weight.")
        if pos_weight < 1:
            p.reasons.append("The positive class is the majority, so pos_weight < 1 down-weights it; this is "
                             "equivalent to up-weighting the rare negatives.")
    elif imbalanced is False and ratio >= T.IMBALANCE_RATIO:
        p.reasons.append(f"Class counts {counts_txt}: imbalance ratio {_fmt(ratio)} is at least "
                         f"IMBALANCE_RATIO = {T.IMBALANCE_RATIO:g}, but imbalanced=False was given, so the "
                         "loss is unweighted; the model will favour the majority class.")
        p.alternatives.append(Alternative("loss", "binary_cross_entropy_with_logits",
                                          {"pos_weight": pos_weight},
                                          "to give both classes the same total weight"))
    else:
        p.reasons.append(f"Class counts {counts_txt}: imbalance ratio {_fmt(ratio)} is below IMBALANCE_RATIO "
                         f"= {T.IMBALANCE_RATIO:g}, so no weighting is needed.")
    if ratio >= T.SEVERE_IMBALANCE_RATIO:
        alpha = T.FOCAL_ALPHA if n_pos <= n_neg else 1 - T.FOCAL_ALPHA
        p.alternatives.append(Alternative(
            "loss", "sigmoid_focal_loss", {"alpha": alpha, "gamma": T.FOCAL_GAMMA},
            f"severe imbalance (ratio {_fmt(ratio)} >= SEVERE_IMBALANCE_RATIO = "
            f"{T.SEVERE_IMBALANCE_RATIO:g}): if weighted BCE still misses the minority class, focal loss "
            "down-weights the many easy examples (Lin et al., 2017; alpha weights the positive class, 0.25 "
            "for a rare positive as in the paper, gamma=2)"))
    return p


def _multiclass(t: Targets | None, f: Facts | None, imbalanced: bool | None) -> _Parts:
    p = _Parts("multiclass", "cross_entropy", out_features=None,
               target_format="int64 class indices of shape (N,), values in [0, C)", target_kind="indices")
    smoothing = Alternative("loss", "cross_entropy", {"label_smoothing": 0.1},
                            "when labels are noisy or the model is over-confident: label smoothing keeps the "
                            "logits from growing without bound")
    if t is None:
        if imbalanced:
            p.data_dependent["weight"] = "n_majority / n_class for each class, counted in the training labels"
            p.reasons.append("imbalanced=True: weight each class by n_majority / n_class, counted in your "
                             "training labels (the code shows how), so every class carries the same total "
                             "weight.")
            p.alternatives.append(Alternative(
                "loss", "cross_entropy", {},
                "with class-balanced weights from the effective number of samples (Cui et al., 2019; beta = "
                f"{T.EFFECTIVE_NUMBER_BETA:g}): milder than n_majority / n_class when the largest classes "
                "are big",
                data_dependent={"weight": f"(1 - beta) / (1 - beta^n_class), beta = "
                                          f"{T.EFFECTIVE_NUMBER_BETA:g}, normalised to sum to the number of "
                                          "classes"}))
            p.alternatives.append(Alternative(
                "loss", "softmax_focal_loss", {"gamma": T.FOCAL_GAMMA},
                f"if the rarest class is under about 5 % of the largest (SEVERE_IMBALANCE_RATIO = "
                f"{T.SEVERE_IMBALANCE_RATIO:g}) and weighted cross-entropy still misses it"))
        else:
            p.reasons.append("No class counts were given, so the loss is unweighted; pass imbalanced=True or "
                             "targets= if some classes are much rarer than others.")
        p.alternatives.append(smoothing)
        return p
    if f is None:  # pragma: no cover - targets always come with their facts
        raise RuntimeError("facts missing for targets")
    soft = False
    if t.values.ndim == 2:
        labels: list[Any] = list(t.columns)
        sums = np.sort(t.values.astype(np.float64), axis=0).sum(axis=0)  # sorted: order-independent sums
        if f.one_hot_rows:
            counts = [int(round(s)) for s in sums]
            p.target_kind = "one_hot"
            p.target_format = "int64 class indices of shape (N,): convert one-hot rows with y.argmax(dim=1)"
            p.reasons.append(f"The targets are one-hot rows over {len(labels)} columns; CrossEntropyLoss "
                             "wants class indices: pass y.argmax(dim=1).")
        else:
            soft = True
            counts = [sig(s) for s in sums]
            p.target_kind = "probabilities"
            p.target_format = "float class probabilities of shape (N, C), each row summing to 1"
            p.reasons.append(f"The targets are rows of probabilities over {len(labels)} classes; "
                             "CrossEntropyLoss accepts them directly as soft targets.")
    else:
        labels, counts = _distinct_labels(t)
        if f.integer and labels == list(range(len(labels))):
            p.reasons.append(f"The labels are already class indices 0..{len(labels) - 1}.")
        else:
            shown = ", ".join(f"{lab!r} -> {i}" for i, lab in enumerate(labels[:8]))
            more = f", ... ({len(labels)} labels)" if len(labels) > 8 else ""
            p.reasons.append(f"Label mapping (sorted order): {shown}{more}; map the labels to these indices "
                             "before the loss.")
    present = [c for c in counts if c > 0]
    if len(present) < 2:
        raise ValueError(f"targets: only one class occurs ({_counts_text(labels, counts)}); expected at "
                         "least two classes to learn anything")
    empty = [lab for lab, c in zip(labels, counts) if c == 0]
    p.label_mapping = {lab: i for i, lab in enumerate(labels)}
    p.out_features = len(labels)
    p.statistics.update(n_samples=t.n_samples, n_classes=len(labels), **_class_count_stats(labels, counts))
    if len(labels) == 2:
        p.reasons.append("Two classes: softmax over two logits is equivalent to a sigmoid over one "
                         "(task='binary'), which needs half the output units.")
    if empty:
        p.reasons.append(f"Classes {empty!r} never occur in these targets; they get weight 1 and cannot be "
                         "learned from these data.")
    ratio = imbalance_ratio(present)
    minority = min(present) / sum(counts)
    weights = [w if c > 0 else 1.0 for w, c in zip(inverse_weights(counts), counts)]
    counts_txt = _counts_text(labels, [sig(c) for c in counts] if soft else counts)
    weight = imbalanced if imbalanced is not None else ratio >= T.IMBALANCE_RATIO
    if weight:
        p.loss_kwargs["weight"] = weights
        p.reasons.append(f"Class counts {counts_txt}: imbalance ratio {_fmt(ratio)} (rarest class "
                         f"{_pct(minority)} of the samples; {_why_weighted(imbalanced, ratio)}), so each "
                         "class is weighted by n_majority / n_class (the majority gets 1).")
        eff = [w if c > 0 else 1.0 for w, c in zip(effective_number_weights(counts), counts)]
        p.alternatives.append(Alternative(
            "loss", "cross_entropy", {"weight": eff},
            "class-balanced weights from the effective number of samples (Cui et al., 2019; beta = "
            f"{T.EFFECTIVE_NUMBER_BETA:g}): milder than "
            "n_majority / n_class when the largest classes are big"))
    elif imbalanced is False and ratio >= T.IMBALANCE_RATIO:
        p.reasons.append(f"Class counts {counts_txt}: imbalance ratio {_fmt(ratio)} is at least "
                         f"IMBALANCE_RATIO = {T.IMBALANCE_RATIO:g}, but imbalanced=False was given, so the "
                         "loss is unweighted.")
        p.alternatives.append(Alternative("loss", "cross_entropy", {"weight": weights},
                                          "n_majority / n_class weights give every class the same total "
                                          "weight"))
    else:
        p.reasons.append(f"Class counts {counts_txt}: imbalance ratio {_fmt(ratio)} is below IMBALANCE_RATIO "
                         f"= {T.IMBALANCE_RATIO:g}, so no class weights are needed.")
    if ratio >= T.SEVERE_IMBALANCE_RATIO:
        p.alternatives.append(Alternative(
            "loss", "softmax_focal_loss", {"gamma": T.FOCAL_GAMMA, "weight": weights},
            f"severe imbalance (ratio {_fmt(ratio)} >= SEVERE_IMBALANCE_RATIO = "
            f"{T.SEVERE_IMBALANCE_RATIO:g}): if weighted cross-entropy still misses the rare classes, focal "
            "loss down-weights the easy examples (Lin et al., 2017)"))
    if not soft:
        p.alternatives.append(smoothing)
    return p


def _multilabel(t: Targets | None, imbalanced: bool | None) -> _Parts:
    p = _Parts("multilabel", "binary_cross_entropy_with_logits", out_features=None,
               target_format="float 0/1 of shape (N, L), one column per label", target_kind="indicators")
    if t is None:
        if imbalanced:
            p.data_dependent["pos_weight"] = "n_negative / n_positive of each label in the training labels"
            p.reasons.append("imbalanced=True: weight each label's positives by pos_weight = n_negative / "
                             "n_positive of that label, counted in your training labels (the code shows "
                             "how).")
        else:
            p.reasons.append("No label counts were given, so the loss is unweighted; pass imbalanced=True or "
                             "targets= when labels are rare (most multi-label data sets have sparse labels).")
        p.alternatives.append(Alternative(
            "loss", "sigmoid_focal_loss", {"alpha": T.FOCAL_ALPHA, "gamma": T.FOCAL_GAMMA},
            f"if some labels are positive in under about 5 % of the samples (SEVERE_IMBALANCE_RATIO = "
            f"{T.SEVERE_IMBALANCE_RATIO:g})"))
        return p
    v = t.values.astype(np.int64)
    n = t.n_samples
    pos = [int(c) for c in v.sum(axis=0)]
    names = list(t.columns)
    learnable = [j for j, c in enumerate(pos) if 0 < c < n]
    if not learnable:
        raise ValueError(f"targets: every label column is constant (positives per label: {pos} of {n} "
                         "samples); expected at least one label with both 0s and 1s")
    ratios = [imbalance_ratio([pos[j], n - pos[j]]) for j in learnable]
    worst = max(ratios)
    pw = [sig((n - c) / c) if 0 < c < n else 1.0 for c in pos]
    p.out_features = len(names)
    p.label_mapping = {name: j for j, name in enumerate(names)}
    p.statistics.update(
        n_samples=n, n_labels=len(names),
        label_positives=[{"label": name, "positives": c} for name, c in zip(names, pos)],
        label_cardinality=sig(sum(pos) / n),
        worst_imbalance_ratio=sig(worst) if math.isfinite(worst) else None,
    )
    pos_txt = ", ".join(f"{name!r}: {c}" for name, c in list(zip(names, pos))[:8])
    p.reasons.append(f"{len(names)} labels over {n} samples, {sum(pos) / n:.3g} positive labels per sample "
                     f"on average; positives per label: {pos_txt}{', ...' if len(names) > 8 else ''}.")
    dead = [names[j] for j, c in enumerate(pos) if c in (0, n)]
    if dead:
        p.reasons.append(f"Labels {dead!r} are constant in these targets: their pos_weight is left at 1 and "
                         "they cannot be learned from these data.")
    weight = imbalanced if imbalanced is not None else worst >= T.IMBALANCE_RATIO
    if weight:
        p.loss_kwargs["pos_weight"] = pw
        p.reasons.append(f"The most imbalanced label has ratio {_fmt(worst)} "
                         f"({_why_weighted(imbalanced, worst)}), so each label gets pos_weight = n_negative "
                         "/ n_positive of its own column.")
    elif imbalanced is False and worst >= T.IMBALANCE_RATIO:
        p.reasons.append(f"The most imbalanced label has ratio {_fmt(worst)}, at least IMBALANCE_RATIO = "
                         f"{T.IMBALANCE_RATIO:g}, but imbalanced=False was given, so the loss is unweighted.")
        p.alternatives.append(Alternative("loss", "binary_cross_entropy_with_logits", {"pos_weight": pw},
                                          "per-label pos_weight = n_negative / n_positive"))
    else:
        p.reasons.append(f"The most imbalanced label has ratio {_fmt(worst)}, below IMBALANCE_RATIO = "
                         f"{T.IMBALANCE_RATIO:g}, so no per-label weighting is needed.")
    if worst >= T.SEVERE_IMBALANCE_RATIO:
        p.alternatives.append(Alternative(
            "loss", "sigmoid_focal_loss", {"alpha": T.FOCAL_ALPHA, "gamma": T.FOCAL_GAMMA},
            f"severe imbalance (a label with ratio {_fmt(worst)} >= SEVERE_IMBALANCE_RATIO = "
            f"{T.SEVERE_IMBALANCE_RATIO:g}): focal loss down-weights the many easy negatives (Lin et al., "
            "2017)"))
    return p


def _regression(t: Targets | None, outliers: bool | None) -> _Parts:
    p = _Parts("regression", "mse_loss", target_format="float of shape (N,)", target_kind="real")
    if t is None:
        if outliers:
            p.loss = "huber_loss"
            p.data_dependent["delta"] = (f"{T.HUBER_DELTA_FACTOR} * {T.MAD_TO_SD} * median(|y - median(y)|) "
                                         "of the training targets")
            p.reasons.append("outliers=True: Huber loss is quadratic for errors below delta and linear "
                             f"above, so outliers pull with bounded force. delta = {T.HUBER_DELTA_FACTOR} "
                             "robust standard deviations of the targets (Huber's 95 %-efficiency constant), "
                             "estimated from your training targets in the code.")
            p.alternatives.append(Alternative("loss", "l1_loss", {}, _MAE_WHEN))
            p.alternatives.append(Alternative("loss", "mse_loss", {}, _MSE_WHEN))
        else:
            p.reasons.append("MSE: large errors are costly and the model estimates the conditional mean. "
                             "Pass outliers=True (or targets=) when the targets have heavy tails.")
            p.alternatives.append(Alternative("loss", "huber_loss", {},
                                              "when the targets have outliers: MSE for small errors, MAE "
                                              f"for large ones; delta = {T.HUBER_DELTA_FACTOR} robust SDs of "
                                              "the targets"))
            p.alternatives.append(Alternative("loss", "l1_loss", {}, _MAE_WHEN))
        return p
    v = t.values.astype(np.float64)
    cols = [v] if v.ndim == 1 else [v[:, j] for j in range(v.shape[1])]
    spreads = [spread(c) for c in cols]
    if v.ndim == 2:
        p.out_features = v.shape[1]
        p.target_format = f"float of shape (N, {v.shape[1]})"
    heavy_data = any(s.heavy_tailed for s in spreads)
    heavy = outliers if outliers is not None else heavy_data
    deltas = [huber_delta(s.scale) for s in spreads]
    delta = sig(float(np.median(deltas)))
    worst = max(spreads, key=lambda s: (s.outlier_fraction, s.outlier_squared_share))
    p.statistics.update(
        n_samples=t.n_samples, median=sig(worst.median), robust_scale=sig(worst.scale),
        scale_method=worst.scale_method, n_outliers=sum(s.n_outliers for s in spreads),
        outlier_fraction=sig(worst.outlier_fraction), outlier_squared_share=sig(worst.outlier_squared_share),
        huber_delta=delta,
    )
    where = "" if v.ndim == 1 else " (in the most heavy-tailed column)"
    fact = (f"Robust spread{where}: median {worst.median:.4g}, robust SD {worst.scale:.4g} ({T.MAD_TO_SD} x "
            f"{worst.scale_method}); {worst.n_outliers} of {len(cols[0])} targets "
            f"({_pct(worst.outlier_fraction)}) lie beyond OUTLIER_Z = {T.OUTLIER_Z:g} robust SDs and carry "
            f"{_pct(worst.outlier_squared_share)} of the squared deviation")
    if heavy_data:
        fact += (f", above OUTLIER_FRACTION = {_pct(T.OUTLIER_FRACTION)} or OUTLIER_SQUARED_SHARE = "
                 f"{_pct(T.OUTLIER_SQUARED_SHARE)}: the targets are heavy-tailed.")
    else:
        fact += (f", within OUTLIER_FRACTION = {_pct(T.OUTLIER_FRACTION)} and OUTLIER_SQUARED_SHARE = "
                 f"{_pct(T.OUTLIER_SQUARED_SHARE)}: no heavy tails.")
    p.reasons.append(fact)
    scales = [s.scale for s in spreads]
    if v.ndim == 2 and max(scales) > T.SCALE_SPREAD_RATIO * min(scales):
        p.reasons.append(f"The columns' robust scales differ by a factor {max(scales) / min(scales):.3g} "
                         f"(more than SCALE_SPREAD_RATIO = {T.SCALE_SPREAD_RATIO:g}): standardise each "
                         f"column so that one loss (and one Huber delta, {T.HUBER_DELTA_FACTOR} for "
                         "unit-variance targets) fits all.")
    if heavy:
        p.loss = "huber_loss"
        p.loss_kwargs["delta"] = delta
        lead = "outliers=True was given: " if outliers and not heavy_data else ""
        p.reasons.append(f"{lead}Huber loss: quadratic below delta, linear above it, so outliers pull with "
                         f"bounded force. delta = {T.HUBER_DELTA_FACTOR} x robust SD = {delta:g} (Huber's 95 "
                         "%-efficiency constant). It is measured on the targets, an upper bound for the "
                         "residual scale: once a baseline model exists, re-estimate it from its residuals.")
        p.alternatives.append(Alternative("loss", "l1_loss", {}, _MAE_WHEN))
        p.alternatives.append(Alternative("loss", "mse_loss", {}, _MSE_WHEN))
    else:
        if outliers is False and heavy_data:
            p.reasons.append("outliers=False was given, so MSE is kept although the targets are "
                             "heavy-tailed; the largest errors will dominate its gradient.")
        else:
            p.reasons.append("MSE: large errors are costly and the model estimates the conditional mean.")
        p.alternatives.append(Alternative("loss", "huber_loss", {"delta": delta},
                                          "if the residuals turn out heavy-tailed: MSE for small errors, "
                                          "MAE for large ones"))
        p.alternatives.append(Alternative("loss", "l1_loss", {}, _MAE_WHEN))
    return p


_MAE_WHEN = ("when you want the conditional median or the outliers are pure errors: every error pulls with "
             "the same force, at the price of a gradient that does not shrink near the optimum")
_MSE_WHEN = "when the extreme values are real and costly to miss: MSE fits the conditional mean"


def _bounded(t: Targets | None) -> _Parts:
    p = _Parts("bounded_regression", "binary_cross_entropy_with_logits",
               target_format="float in [0, 1] of shape (N,)", target_kind="fractions")
    p.alternatives.append(Alternative("loss", "mse_loss", {},
                                      "on sigmoid(output), when the metric is squared error on the [0, 1] "
                                      "scale"))
    if t is None:
        p.reasons.append("Values in [0, 1] (proportions, rates, soft labels) are matched by BCE with logits "
                         "on soft targets.")
        return p
    v = t.values.astype(np.float64)
    if v.ndim == 2:
        p.out_features = v.shape[1]
        p.target_format = f"float in [0, 1] of shape (N, {v.shape[1]})"
    flat = np.sort(v.ravel())
    mean = math.fsum(flat.tolist()) / flat.size
    at_ends = float(np.mean((flat == 0) | (flat == 1)))
    p.statistics.update(n_samples=t.n_samples, mean=sig(mean), min=sig(flat[0]), max=sig(flat[-1]),
                        fraction_at_0_or_1=sig(at_ends))
    p.reasons.append(f"Values lie in [{flat[0]:.3g}, {flat[-1]:.3g}] with mean {mean:.3g}; {_pct(at_ends)} "
                     "are exactly 0 or 1. BCE with logits takes such soft targets directly.")
    return p


def _counts(t: Targets | None) -> _Parts:
    p = _Parts("count_regression", "poisson_nll_loss", {"log_input": True},
               target_format="float counts >= 0 of shape (N,)", target_kind="counts")
    p.alternatives.append(Alternative("loss", "mse_loss", {},
                                      "on log1p(y) when the counts are large and relative errors matter; "
                                      "predict expm1(output)"))
    if t is None:
        p.reasons.append("Non-negative integer counts: Poisson NLL on the log-rate.")
        return p
    v = t.values.astype(np.float64)
    if v.ndim == 2:
        p.out_features = v.shape[1]
        p.target_format = f"float counts >= 0 of shape (N, {v.shape[1]})"
    flat = np.sort(v.ravel())
    mean = math.fsum(flat.tolist()) / flat.size
    var = math.fsum(((flat - mean) ** 2).tolist()) / flat.size
    disp = var / mean
    zeros = float(np.mean(flat == 0))
    p.statistics.update(n_samples=t.n_samples, mean=sig(mean), variance=sig(var), dispersion=sig(disp),
                        zero_fraction=sig(zeros), max=_native(flat[-1]))
    text = (f"Counts with mean {mean:.4g}, variance {var:.4g} (variance / mean = {disp:.3g}) and "
            f"{_pct(zeros)} zeros.")
    if disp > T.OVERDISPERSION_RATIO:
        text += (f" The variance exceeds OVERDISPERSION_RATIO = {T.OVERDISPERSION_RATIO:g} times the mean: "
                 "the counts are overdispersed. Poisson NLL still fits the mean consistently "
                 "(quasi-Poisson); a negative-binomial loss would also model the spread but is not in the "
                 "library.")
    p.reasons.append(text)
    return p


# --------------------------------------------------------------------------------------------------------------
# the public entry point
# --------------------------------------------------------------------------------------------------------------
def recommend(
    task: str | None = None,
    *,
    targets: Any = None,
    imbalanced: bool | None = None,
    outliers: bool | None = None,
    architecture: str | None = None,
    positive_label: Any = None,
    **unknown: Any,
) -> Recipe:
    """Choose the output activation, the loss and its parameters for a task, or infer them from the targets.

    Args:
        task: 'regression' | 'bounded_regression' | 'count_regression' | 'binary' | 'multiclass' |
            'multilabel'. An explicit task always wins over inference; with ``targets`` it is checked against
            them and the statistics (class counts, outliers) still come from them.
        targets: the training targets (NumPy, torch, JAX, list, pandas Series or DataFrame). 1-D labels or
            values, or a 2-D matrix (one-hot, multi-label 0/1, probabilities, several outputs).
        imbalanced: classification only. True weights the classes (from ``targets`` when given, else from a
            formula the code applies to your labels); False forbids weighting; None decides from the counts.
        outliers: regression only. True chooses Huber loss, False MSE; None decides from the targets.
        architecture: 'mlp' | 'cnn' | 'transformer' | 'rnn': drives the hidden-activation advice.
        positive_label: binary with targets only: which of the two labels is the positive class (index 1).

    Returns:
        A :class:`Recipe` with the head, loss, loss arguments, inference transform, reasons and runnable code.

    Raises:
        ValueError: for an unknown task or modifier, a modifier that does not apply to the task, or targets
            that cannot be used (NaN/inf, empty, a single class, 3-D, ragged, mixed types), saying what was
            found and what is expected.

    Example:
        >>> import numpy as np, actloss
        >>> y = np.array([0] * 99 + [1] * 1)
        >>> r = actloss.recommend(targets=y)
        >>> r.task, r.loss, r.loss_kwargs
        ('binary', 'binary_cross_entropy_with_logits', {'pos_weight': 99.0})
        >>> actloss.recommend("regression", outliers=True).loss
        'huber_loss'
    """
    if unknown:
        names = ", ".join(sorted(unknown))
        first = sorted(unknown)[0]
        raise ValueError(f"unknown modifier(s) {names}; expected targets= or one of {', '.join(MODIFIERS)}."
                         f"{_suggest(first, MODIFIERS)}")
    imbalanced = _check_flag("imbalanced", imbalanced)
    outliers = _check_flag("outliers", outliers)
    arch = _normalise_architecture(architecture)
    explicit = _normalise_task(task) if task is not None else None
    if explicit is None and targets is None:
        raise ValueError(f"give a task (one of {', '.join(TASKS)}) or targets= to infer it from; "
                         "received neither")

    t = f = rule = None
    reasons: list[str] = []
    other_tasks: tuple[str, ...] = ()
    if targets is not None:
        t = validate(targets)
        f = facts(t)
        if f.n_distinct < 2:
            only = t.values.ravel()[0]
            raise ValueError(f"targets: all {t.values.size} values are {_native(only)!r} (a single class / a "
                             "constant); expected at least two distinct values")
        if explicit is None:
            rule = infer_task(f)
            name = str(rule.task)  # infer_task raises for the rules without a task
            reasons.append(f"Inferred from the targets ({_describe(t, f)}): {rule.because} "
                           f"(rule '{rule.name}').")
            other_tasks = rule.other_tasks(f)
        else:
            _check_task_fits(explicit, t, f)
            name = explicit
            try:
                guess: str | None = infer_task(f).task
            except ValueError:
                guess = None
            note = "" if guess in (None, explicit) else f"; the targets alone would suggest {guess!r}"
            reasons.append(f"task={explicit!r} was given and wins over inference{note}.")
    else:
        name = str(explicit)
        reasons.append(f"task={name!r} was given.")

    if imbalanced is not None and name not in CLASSIFICATION:
        raise ValueError(f"imbalanced= applies to classification tasks ({', '.join(CLASSIFICATION)}); the "
                         f"task is {name!r}. Remove imbalanced= or give the task explicitly.")
    if outliers is not None and name != "regression":
        raise ValueError(f"outliers= applies to task 'regression'; the task is {name!r}. Remove outliers= or "
                         "give the task explicitly.")
    if positive_label is not None and name != "binary":
        raise ValueError(f"positive_label= applies to task 'binary'; the task is {name!r}")

    if name == "binary":
        parts = _binary(t, imbalanced, positive_label)
    elif name == "multiclass":
        parts = _multiclass(t, f, imbalanced)
    elif name == "multilabel":
        parts = _multilabel(t, imbalanced)
    elif name == "regression":
        parts = _regression(t, outliers)
    elif name == "bounded_regression":
        parts = _bounded(t)
    else:
        parts = _counts(t)

    readings = [Alternative("task", other, {}, _OTHER_READING.get((rule.name if rule else "", other),
                                                                  _OTHER_READING.get(("", other), "")))
                for other in other_tasks]
    parts.alternatives[:0] = readings  # the other reading of the targets comes first
    if other_tasks:
        reasons.append(f"Ambiguous: these targets could also be read as {', '.join(other_tasks)}; pass task= "
                       "to choose.")

    spec = TASK_SPECS[name]
    hidden, hidden_why, hidden_alts = HIDDEN[arch]
    reasons.extend(parts.reasons)
    reasons.append(spec.why_head)
    reasons.append(spec.why_inference)
    reasons.append(hidden_why)
    alternatives = list(parts.alternatives)
    alternatives.extend(Alternative("hidden_activation", n, {}, w) for n, w in hidden_alts)

    module = LOSS_MODULES[parts.loss]
    code = render(CodeSpec(
        task=name, module=module, loss_kwargs=parts.loss_kwargs, data_dependent=parts.data_dependent,
        out_features=parts.out_features, architecture=arch, hidden=hidden, target_kind=parts.target_kind,
        label_mapping=parts.label_mapping,
    ))
    return Recipe(
        task=name,
        output_activation="identity",
        loss=parts.loss,
        loss_kwargs=dict(parts.loss_kwargs),
        inference=spec.inference,
        hidden_activation=hidden,
        architecture=arch,
        out_features=parts.out_features,
        module=module,
        label_mapping=parts.label_mapping,
        target_format=parts.target_format,
        data_dependent=dict(parts.data_dependent),
        alternatives=tuple(alternatives),
        reasons=tuple(reasons),
        statistics=dict(parts.statistics),
        source="targets" if t is not None else "task",
        code=code,
    )


_COUNTS_READING = ("if the integers are counts (events, items) rather than class codes: Poisson NLL on the "
                   "log-rate")
_SCORES_READING = "if the integers are ordered scores rather than unordered classes: regression on the values"
_CODES_READING = "if the integers are class codes rather than counts: cross-entropy over one logit per class"
_QUANTITY_READING = ("if the values are a quantity that merely lies in [0, 1] (a rescaled measurement) "
                     "rather than proportions or probabilities: MSE on a linear output")
_OTHER_READING = {
    ("", "count_regression"): _COUNTS_READING,
    ("", "regression"): _SCORES_READING,
    ("", "multiclass"): _CODES_READING,
    ("fractions", "regression"): _QUANTITY_READING,
    ("fractions-2d", "regression"): _QUANTITY_READING,
}


def _describe(t: Targets, f: Facts) -> str:
    shape = "x".join(str(s) for s in t.values.shape)
    what = {"label": "strings", "bool": "booleans"}.get(f.kind, "integers" if f.integer else "real numbers")
    return f"{shape} {what}, {f.n_distinct} distinct value(s)"
