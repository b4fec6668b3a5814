"""Task inference from targets: facts about the array, then an ordered list of rules, first match wins.

The same ``RULES`` tuple drives :func:`infer_task` and the decision table in ``docs/guide.md``.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from actloss.guide import _thresholds as T
from actloss.guide._targets import Targets


@dataclass(frozen=True)
class Facts:
    """What the rules look at. Every field is invariant to the order of the samples."""

    ndim: int
    kind: str  # 'bool' | 'numeric' | 'label'
    n_samples: int
    n_columns: int
    n_distinct: int
    integer: bool  # numeric and every value a whole number
    nonnegative: bool
    in_unit: bool  # every value in [0, 1]
    zero_one: bool  # every value 0 or 1 (or bool)
    one_hot_rows: bool  # 2-D 0/1 with exactly one 1 per row
    rows_sum_to_one: bool  # 2-D with every row summing to 1 (within ROW_SUM_TOLERANCE)
    contiguous_codes: bool  # integers covering min..max without a gap, min in {0, 1}
    frequency_ratio: float  # count of the rarest distinct value / count of the commonest

    @property
    def labels(self) -> bool:
        return self.kind in ("label", "bool")


def facts(t: Targets) -> Facts:
    """Compute the :class:`Facts` of validated targets."""
    v = t.values
    if t.kind == "label":
        counts = list(Counter(v.tolist()).values())  # Python strings: NumPy's str dtype drops trailing NULs
        return Facts(v.ndim, t.kind, t.n_samples, 1, len(counts), False, False, False, False, False, False,
                     False, min(counts) / max(counts))
    num = v.astype(np.float64)
    distinct, counts = np.unique(num, return_counts=True)
    integer = t.kind == "numeric" and bool(np.all(distinct == np.round(distinct)))
    zero_one = bool(np.all((distinct == 0) | (distinct == 1)))
    in_unit = bool(distinct[0] >= 0 and distinct[-1] <= 1)
    one_hot = rows_one = False
    if v.ndim == 2:
        row_sums = np.sort(num, axis=1).sum(axis=1)  # sorted first: the sum does not depend on column order
        rows_one = bool(np.all(np.abs(row_sums - 1.0) <= T.ROW_SUM_TOLERANCE))
        one_hot = zero_one and bool(np.all(row_sums == 1.0))
    contiguous = bool(integer and distinct[0] in (0.0, 1.0)
                      and distinct[-1] - distinct[0] + 1 == len(distinct))
    return Facts(
        ndim=v.ndim, kind=t.kind, n_samples=t.n_samples, n_columns=1 if v.ndim == 1 else v.shape[1],
        n_distinct=len(distinct), integer=integer or t.kind == "bool", nonnegative=bool(distinct[0] >= 0),
        in_unit=in_unit, zero_one=zero_one, one_hot_rows=one_hot, rows_sum_to_one=rows_one,
        contiguous_codes=contiguous, frequency_ratio=float(counts.min() / counts.max()),
    )


@dataclass(frozen=True)
class Rule:
    "One row of the inference table: when it applies, the task it picks, and the readings it lists instead."

    name: str
    shape: str  # '1-D' | '2-D'
    when: str
    task: str | None  # None: the rule rejects the targets with an error
    test: Callable[[Facts], bool]
    because: str
    other_tasks: Callable[[Facts], tuple[str, ...]] = lambda f: ()


def _codes_look_like_counts(f: Facts) -> tuple[str, ...]:
    return ("count_regression",) if f.nonnegative else ("regression",)


RULES: tuple[Rule, ...] = (
    Rule("labels-two", "1-D", "exactly two distinct strings or booleans", "binary",
         lambda f: f.labels and f.n_distinct == 2,
         "two distinct labels make a binary task"),
    Rule("labels-many", "1-D", "three or more distinct strings", "multiclass",
         lambda f: f.labels and f.n_distinct > 2,
         "string labels with more than two values make a multiclass task"),
    Rule("numbers-two", "1-D",
         "exactly two distinct numbers, unless they are fractions in [0, 1] other than 0/1", "binary",
         lambda f: f.n_distinct == 2 and not (f.in_unit and not f.integer),
         "two distinct values make a binary task"),
    Rule("fractions", "1-D", "values in [0, 1] that are not all 0 or 1", "bounded_regression",
         lambda f: f.in_unit and not f.integer,
         "values in [0, 1] that are not all 0/1 are proportions or soft targets: bounded regression",
         lambda f: ("regression",)),
    Rule("few-integers", "1-D", f"3 to {T.MAX_CLASS_CODES} distinct integers", "multiclass",
         lambda f: f.integer and f.n_distinct <= T.MAX_CLASS_CODES,
         f"at most {T.MAX_CLASS_CODES} distinct integers are read as class codes (MAX_CLASS_CODES)",
         _codes_look_like_counts),
    Rule("flat-codes", "1-D",
         f"more than {T.MAX_CLASS_CODES} non-negative integers forming a gap-free run from 0 or 1, the "
         f"rarest at least {T.FLAT_FREQUENCY_RATIO:g} times as frequent as the commonest", "multiclass",
         lambda f: f.integer and f.contiguous_codes and f.frequency_ratio >= T.FLAT_FREQUENCY_RATIO,
         "a gap-free run of integer codes that occur at comparable rates reads as class indices "
         "(FLAT_FREQUENCY_RATIO), not counts, whose tail thins out",
         lambda f: ("count_regression",)),
    Rule("counts", "1-D", f"non-negative integers with more than {T.MAX_CLASS_CODES} distinct values",
         "count_regression",
         lambda f: f.integer and f.nonnegative,
         f"non-negative integers with more than {T.MAX_CLASS_CODES} distinct values are read as counts",
         lambda f: ("multiclass",) if f.contiguous_codes else ()),
    Rule("real", "1-D",
         "any other numbers (fractions outside [0, 1], or integers with negatives and many values)",
         "regression", lambda f: True,
         "continuous values make a regression task"),
    Rule("one-hot", "2-D", "0/1 (or boolean) matrix with exactly one 1 per row", "multiclass",
         lambda f: f.zero_one and f.one_hot_rows,
         "a one-hot matrix encodes one class per row: multiclass; pass class indices (y.argmax(1)) to the "
         "loss"),
    Rule("indicators", "2-D", "0/1 (or boolean) matrix whose rows do not all hold exactly one 1",
         "multilabel",
         lambda f: f.zero_one,
         "a 0/1 matrix whose rows can hold several 1s marks several labels per sample: multilabel"),
    Rule("distributions", "2-D", "values in [0, 1] whose rows each sum to 1", "multiclass",
         lambda f: f.in_unit and f.rows_sum_to_one,
         "rows of probabilities summing to 1 are soft class targets: multiclass with probability targets"),
    Rule("fractions-2d", "2-D", "other values in [0, 1]", "bounded_regression",
         lambda f: f.in_unit,
         "several outputs with values in [0, 1] are proportions or soft targets: bounded regression",
         lambda f: ("regression",)),
    Rule("counts-2d", "2-D", f"non-negative integers with more than {T.MAX_CLASS_CODES} distinct values",
         "count_regression",
         lambda f: f.integer and f.nonnegative and f.n_distinct > T.MAX_CLASS_CODES,
         "several columns of many-valued non-negative integers are read as counts"),
    Rule("codes-2d", "2-D", f"integers with at most {T.MAX_CLASS_CODES} distinct values", None,
         lambda f: f.integer and f.n_distinct <= T.MAX_CLASS_CODES,
         "a matrix of a few integer codes could be several multiclass tasks or small counts: ambiguous"),
    Rule("real-2d", "2-D", "any other numbers", "regression", lambda f: True,
         "several columns of continuous values make a multi-output regression task"),
)


def infer_task(f: Facts) -> Rule:
    """The first rule of ``RULES`` whose shape and test match ``f``; raises for the rejecting rules."""
    shape = f"{f.ndim}-D"
    for rule in RULES:
        if rule.shape == shape and rule.test(f):
            if rule.task is None:
                raise ValueError(
                    f"targets: {rule.because}; found a {f.n_samples} x {f.n_columns} integer matrix with "
                    f"{f.n_distinct} distinct values. Expected 1-D class codes, a 0/1 indicator matrix, or "
                    "an explicit task= (e.g. task='count_regression' or 'regression')."
                )
            return rule
    raise RuntimeError("unreachable: the last rule of each shape matches everything")  # pragma: no cover
