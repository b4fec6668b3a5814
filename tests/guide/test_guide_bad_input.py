"""Bad input: every failure is a ValueError naming what was found and what is expected."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

import actloss
from actloss.guide import recommend


def _raises(match: str, *args, **kwargs) -> str:
    with pytest.raises(ValueError, match=match) as info:
        recommend(*args, **kwargs)
    tb = info.traceback
    # the error is raised by the guide itself, not from deep inside NumPy or pandas
    assert "actloss" in str(tb[-1].path), tb[-1].path
    return str(info.value)


@pytest.mark.parametrize(
    ("targets", "match"),
    [
        (np.array([1.0, np.nan, 3.0]), r"1 NaN and 0 infinite value\(s\), the first at flat index 1"),
        (np.array([1.0, 2.0, np.inf, -np.inf]),
         r"0 NaN and 2 infinite value\(s\), the first at flat index 2"),
        (torch.tensor([0.5, float("nan")]), r"1 NaN"),
        (np.array([]), r"empty array of shape \(0,\)"),
        ([], r"empty array"),
        (np.zeros((0, 3)), r"empty array of shape \(0, 3\)"),
        (np.array([1, 1, 1, 1]), r"all 4 values are 1 \(a single class"),
        (["spam"] * 5, r"all 5 values are 'spam'"),
        (np.zeros((2, 3, 4)), r"3-D array of shape \(2, 3, 4\)"),
        ([[1, 2], [3]], r"ragged"),
        ([1, "a", 2], r"mixed types: int \(2\), str \(1\)"),
        (np.array([True, 1, 0.5], dtype=object), r"mixed types: bool \(1\), float \(1\), int \(1\)"),
        ([1, None, 0], r"1 missing value\(s\) \(None/NaN\), the first at flat index 1"),
        (np.float64(3.0), r"0-dimensional array"),
        (3.0, r"single number"),
        ("spam", r"single string 'spam'"),
        ({"a": 1}, r"received a dict, which has no sample order"),
        (np.array([1 + 2j, 3j]), r"complex values"),
        (np.array(["2020-01-01", "2021-01-01"], dtype="datetime64[D]"), r"dates or durations"),
        (np.array([[1.0]]), r"received 1 sample"),
        (np.array([["a", "b"], ["c", "d"]]), r"2-D array of strings"),
        (pd.Series([1.0, None, 2.0]), r"Series contains 1 missing value"),
        (pd.Series([1, pd.NA, 0], dtype="Int64"), r"Series contains 1 missing value"),
        (pd.DataFrame({"a": [0, 1], "b": ["x", "y"]}), r"must hold numbers or booleans in every column"),
        (pd.Series(pd.to_datetime(["2020-01-01", "2020-01-02"])), r"dtype datetime64"),
        (pd.DataFrame(), r"DataFrame with no columns"),
        (np.ones((4, 3)), r"all 12 values are 1"),
        (np.array([[1, 0, 0], [1, 0, 0]]), r"only one class occurs"),
        (np.array([[0.0, 1.0], [0.0, 1.0], [0.0, 1.0]]), r"only one class occurs"),
    ],
)
def test_bad_targets(targets, match):
    msg = _raises(match, targets=targets)
    assert msg.startswith("targets"), msg


def test_constant_multilabel_columns():
    # one learnable label is enough; the constant ones are reported
    y = np.array([[1, 0, 1], [1, 0, 1], [1, 0, 0], [1, 0, 1]])
    r = recommend(targets=y)
    assert r.task == "multilabel"
    assert any("Labels [0, 1] are constant" in s for s in r.reasons), r.reasons
    match = r"every label column is constant \(positives per label: \[3, 0\] of 3"
    with pytest.raises(ValueError, match=match):
        recommend("multilabel", targets=np.array([[1, 0], [1, 0], [1, 0]]))


def test_ambiguous_integer_matrix_is_rejected_with_a_hint():
    y = np.array([[0, 1], [2, 3], [1, 2], [3, 0]])
    msg = _raises(r"found a 4 x 2 integer matrix with 4 distinct values", targets=y)
    assert "task=" in msg
    # an explicit task resolves it where the targets fit
    assert recommend("regression", targets=y).task == "regression"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"task": "clasification"}, r"task must be one of .*received 'clasification'"),
        ({"task": "classification"}, r"'classification' is ambiguous: use 'binary' or 'multiclass'"),
        ({"task": "regresion"}, r"Did you mean 'regression'\?"),
        ({"task": 3}, r"task must be a task name.*received int.*targets="),
        ({"task": np.array([0, 1])}, r"pass the data as targets="),
        ({}, r"give a task .* or targets="),
        ({"task": "binary", "imbalance": True},
         r"unknown modifier\(s\) imbalance.*Did you mean 'imbalanced'\?"),
        ({"task": "binary", "imbalanced": "yes"},
         r"imbalanced must be True, False or None; received str 'yes'"),
        ({"task": "regression", "outliers": 1}, r"outliers must be True, False or None; received int 1"),
        ({"task": "binary", "architecture": "resnet"},
         r"architecture must be one of mlp, cnn, transformer, rnn"),
        ({"task": "binary", "architecture": "transfomer"}, r"Did you mean 'transformer'\?"),
        ({"task": "binary", "architecture": 3}, r"architecture must be one of .*received int 3"),
        ({"task": "regression", "imbalanced": True}, r"imbalanced= applies to classification tasks"),
        ({"task": "binary", "outliers": True},
         r"outliers= applies to task 'regression'; the task is 'binary'"),
        ({"task": "count_regression", "outliers": True}, r"outliers= applies to task 'regression'"),
        ({"task": "multiclass", "positive_label": 1}, r"positive_label= applies to task 'binary'"),
        ({"task": "binary", "positive_label": 1}, r"positive_label needs targets="),
        ({"targets": [0, 1, 1], "positive_label": 2},
         r"positive_label must be one of the two labels \[0, 1\]"),
        ({"targets": [0.5, 1.5, 2.25, -3.0], "imbalanced": True}, r"the task is 'regression'"),
    ],
)
def test_bad_arguments(kwargs, match):
    _raises(match, **kwargs)


@pytest.mark.parametrize(
    ("task", "targets", "match"),
    [
        ("binary", [0, 1, 2], r"task='binary' needs 1-D targets with exactly two distinct values; found 1-D"),
        ("binary", np.eye(3), r"Use task='multilabel' for a 0/1 matrix"),
        ("multiclass", [0.5, 1.25, 2.0], r"task='multiclass' needs class labels.*fractional"),
        ("multiclass", np.array([[0.2, 0.3], [0.5, 0.9]]), r"one-hot rows or rows of probabilities"),
        ("multilabel", [0, 1, 1], r"task='multilabel' needs a 2-D 0/1"),
        ("regression", ["a", "b", "c"], r"task='regression' needs numeric targets; found 1-D string"),
        ("regression", [True, False], r"needs numeric targets; found 1-D bool"),
        ("bounded_regression", [0.5, 2.0], r"needs values in \[0, 1\]; found values in \[0.5, 2\]"),
        ("count_regression", [0, 1, -2], r"non-negative integer counts.*negative values"),
        ("count_regression", [0, 1.5, 2], r"non-negative integer counts.*fractional values"),
    ],
)
def test_task_that_does_not_fit_the_targets(task, targets, match):
    _raises(match, task, targets=targets)


def test_lazy_public_names():
    assert actloss.recommend is recommend
    assert actloss.Recipe is actloss.guide.Recipe
