"""Property tests: the recipe does not depend on sample order or label names; scaling keeps the task."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actloss.guide import recommend
from actloss.guide import _thresholds as T

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _strip_source(d: dict) -> dict:
    d = dict(d)
    d["reasons"] = d["reasons"][1:]  # the first reason describes the input (type and shape)
    return d


class_counts = st.lists(st.integers(1, 60), min_size=2, max_size=8)


@SETTINGS
@given(counts=class_counts, seed=st.integers(0, 2**32 - 1))
def test_permuting_samples_keeps_the_recipe_labels(counts, seed):
    y = np.repeat(np.arange(len(counts)), counts)
    perm = np.random.default_rng(seed).permutation(y.size)
    assert recommend(targets=y[perm]).to_dict() == recommend(targets=y).to_dict()


@SETTINGS
@given(n=st.integers(20, 300), seed=st.integers(0, 2**32 - 1), heavy=st.booleans())
def test_permuting_samples_keeps_the_recipe_regression(n, seed, heavy):
    rng = np.random.default_rng(seed)
    y = rng.standard_t(1.5, size=n) if heavy else rng.normal(size=n)
    perm = rng.permutation(n)
    assert recommend(targets=y[perm]).to_dict() == recommend(targets=y).to_dict()


@SETTINGS
@given(n=st.integers(4, 200), k=st.integers(2, 6), seed=st.integers(0, 2**32 - 1))
def test_permuting_samples_keeps_the_recipe_matrices(n, k, seed):
    rng = np.random.default_rng(seed)
    multi = (rng.random((n, k)) < rng.random(k)).astype(int)
    multi[0], multi[1] = 1, 0  # every label has both values
    perm = rng.permutation(n)
    assert recommend(targets=multi[perm]).to_dict() == recommend(targets=multi).to_dict()
    counts = rng.poisson(3.0 * np.arange(1, k + 1), size=(n, k))
    counts[0] = 1
    for task in ("count_regression", "regression"):
        assert recommend(task, targets=counts[perm]).to_dict() == recommend(task, targets=counts).to_dict()


names = st.lists(st.text(min_size=1, max_size=6), min_size=8, max_size=8, unique=True)


@SETTINGS
@given(counts=class_counts, new=names)
def test_relabelling_ints_to_strings_keeps_the_recipe(counts, new):
    "Any injective relabelling: the same task, loss, and the same weight for each class (through the map)."
    y = np.repeat(np.arange(len(counts)), counts)
    relabel = {i: new[i] for i in range(len(counts))}
    a = recommend(targets=y)
    b = recommend(targets=[relabel[v] for v in y.tolist()]) if len(counts) > 2 else recommend(
        targets=[relabel[v] for v in y.tolist()], positive_label=relabel[1])
    assert (a.task, a.loss, a.inference, a.out_features) == (b.task, b.loss, b.inference, b.out_features)
    assert set(a.loss_kwargs) == set(b.loss_kwargs)
    a_to_b = {a.label_mapping[i]: b.label_mapping[relabel[i]] for i in a.label_mapping}
    for key, value in a.loss_kwargs.items():
        if isinstance(value, list):  # per-class weights follow their class
            assert [value[i] for i in sorted(a_to_b, key=a_to_b.get)] == b.loss_kwargs[key]
        else:
            assert value == b.loss_kwargs[key]
    assert a.statistics["imbalance_ratio"] == b.statistics["imbalance_ratio"]
    assert sorted(d["count"] for d in a.statistics["class_counts"]) == sorted(
        d["count"] for d in b.statistics["class_counts"])

    # integer codes may also be counts, strings may not: only the 'task' alternatives may differ
    def loss_alts(r):
        return [x.name for x in r.alternatives if x.kind != "task"]

    assert loss_alts(a) == loss_alts(b)


@SETTINGS
@given(n=st.integers(1, 40), k=st.integers(1, 40), as_bool=st.booleans())
def test_binary_relabelling_in_order_keeps_pos_weight(n, k, as_bool):
    y = np.array([0] * n + [1] * k)
    labels = [False, True] if as_bool else ["neg", "pos"]
    a = recommend(targets=y)
    b = recommend(targets=[labels[v] for v in y])
    assert a.loss_kwargs == b.loss_kwargs
    assert [(x.name, x.kwargs) for x in a.alternatives] == [(x.name, x.kwargs) for x in b.alternatives]


continuous = st.lists(st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False), min_size=12, max_size=80)


@SETTINGS
@given(ys=continuous, scale=st.floats(1e-3, 1e3), sign=st.sampled_from([1.0, -1.0]))
def test_scaling_continuous_targets_keeps_the_task(ys, scale, sign):
    y = np.array(ys)
    r = recommend(targets=y) if np.unique(y).size > 1 else None
    many = np.unique(y).size > T.MAX_CLASS_CODES
    if r is None or r.task != "regression" or not (y.min() < 0 < y.max()) or not many:
        return  # the property is about continuous targets with both signs and many distinct values
    assert recommend(targets=sign * scale * y).task == "regression"


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), k=st.integers(-30, 30), heavy=st.booleans(), n=st.integers(20, 200))
def test_scaling_by_powers_of_two_keeps_loss_and_scales_delta(seed, k, heavy, n):
    """Powers of two scale exactly in floating point: the loss choice is scale-free, delta scales with it."""
    rng = np.random.default_rng(seed)
    y = rng.standard_t(1.2, size=n) if heavy else rng.normal(size=n)
    a = recommend(targets=y)
    b = recommend(targets=y * 2.0**k)
    assert (a.task, a.loss) == (b.task, b.loss)
    assert a.statistics["outlier_fraction"] == b.statistics["outlier_fraction"]
    if a.loss == "huber_loss":
        assert b.loss_kwargs["delta"] == pytest.approx(a.loss_kwargs["delta"] * 2.0**k, rel=1e-5)


@SETTINGS
@given(counts=class_counts, task=st.sampled_from(["multiclass", "regression", "count_regression"]))
def test_explicit_task_always_wins(counts, task):
    y = np.repeat(np.arange(len(counts)), counts)
    assert recommend(task, targets=y).task == task


positive = st.lists(st.floats(1e-3, 1e3, allow_nan=False), min_size=12, max_size=80, unique=True)


@SETTINGS
@given(ys=positive, scale=st.floats(1e-4, 1e4))
def test_scaling_positive_targets_keeps_regression_in_reach(ys, scale):
    """Scaled into [0, 1], positive continuous targets read as proportions; regression stays listed."""
    y = np.array(ys)
    scaled = y * scale
    if np.all(scaled == np.round(scaled)):
        return  # scaled onto whole numbers: no longer continuous
    r = recommend(targets=scaled)
    if r.task == "bounded_regression":
        assert scaled.max() <= 1
        assert [a.name for a in r.alternatives if a.kind == "task"] == ["regression"]
    else:
        assert r.task == "regression"
