"""Every inference branch, each threshold at its boundary, modifiers, and the input types."""
from __future__ import annotations

import math
import statistics

import numpy as np
import pandas as pd
import pytest
import torch

from actloss.guide import RULES, recommend
from actloss.guide import _thresholds as T


def _rule(recipe) -> str:
    first = recipe.reasons[0]
    return first.split("(rule '")[1].split("'")[0]


def _loss_alts(recipe) -> list[str]:
    return [a.name for a in recipe.alternatives if a.kind == "loss"]


def _task_alts(recipe) -> list[str]:
    return [a.name for a in recipe.alternatives if a.kind == "task"]


# ---------------------------------------------------------------------------------------------------------------
# binary
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("labels", "neg", "pos"),
    [([0, 1], 0, 1), ([-1, 1], -1, 1), ([False, True], False, True), (["spam", "ham"], "ham", "spam"),
     ([7, 3], 3, 7), ([2.5, 7.5], 2.5, 7.5), ([0.0, 1.0], 0, 1)],
)
def test_two_labels_of_any_type_make_binary_with_mapping(labels, neg, pos):
    y = [labels[0]] * 6 + [labels[1]] * 4
    r = recommend(targets=y)
    assert r.task == "binary" and r.loss == "binary_cross_entropy_with_logits" and r.inference == "sigmoid"
    assert r.output_activation == "identity" and r.out_features == 1
    assert r.label_mapping == {neg: 0, pos: 1}
    assert [type(k) for k in r.label_mapping] == [type(neg), type(pos)]
    assert r.statistics["positive_label"] == pos
    counts = {d["label"]: d["count"] for d in r.statistics["class_counts"]}
    assert counts == {labels[0]: 6, labels[1]: 4} or counts == {neg: y.count(neg), pos: y.count(pos)}


def test_positive_label_chooses_the_other_class():
    y = ["fraud"] * 3 + ["legit"] * 27
    default = recommend(targets=y)
    assert default.label_mapping == {"fraud": 0, "legit": 1}
    assert default.loss_kwargs["pos_weight"] == pytest.approx(3 / 27, rel=1e-5)
    chosen = recommend(targets=y, positive_label="fraud")
    assert chosen.label_mapping == {"legit": 0, "fraud": 1}
    assert chosen.loss_kwargs == {"pos_weight": 9.0}
    # the CLI passes strings: '1' picks the integer label 1
    assert recommend(targets=[0, 0, 1], positive_label="0").label_mapping == {1: 0, 0: 1}


def _binary(n_neg: int, n_pos: int, **kw):
    return recommend(targets=np.array([0] * n_neg + [1] * n_pos), **kw)


@pytest.mark.parametrize("n_pos", [1, 3, 10])
def test_binary_imbalance_threshold_boundary(n_pos):
    at = int(T.IMBALANCE_RATIO * n_pos)
    r = _binary(at, n_pos)
    assert r.loss_kwargs == {"pos_weight": pytest.approx(at / n_pos)}
    below = _binary(at - 1, n_pos)
    assert below.loss_kwargs == {}
    assert any(f"below IMBALANCE_RATIO = {T.IMBALANCE_RATIO:g}" in s for s in below.reasons)


@pytest.mark.parametrize("n_pos", [1, 2, 5])
def test_severe_imbalance_lists_sigmoid_focal(n_pos):
    at = int(T.SEVERE_IMBALANCE_RATIO * n_pos)
    r = _binary(at, n_pos)
    focal = [a for a in r.alternatives if a.name == "sigmoid_focal_loss"]
    assert len(focal) == 1 and focal[0].kwargs == {"alpha": T.FOCAL_ALPHA, "gamma": T.FOCAL_GAMMA}
    # weighted BCE stays the first choice
    assert r.loss == "binary_cross_entropy_with_logits" and "pos_weight" in r.loss_kwargs
    assert "sigmoid_focal_loss" not in _loss_alts(_binary(at - 1, n_pos))


def test_focal_alpha_weights_the_rare_class_when_the_positive_is_the_majority():
    r = _binary(1, 40)
    focal = next(a for a in r.alternatives if a.name == "sigmoid_focal_loss")
    assert focal.kwargs["alpha"] == pytest.approx(1 - T.FOCAL_ALPHA)
    assert r.loss_kwargs["pos_weight"] == pytest.approx(1 / 40)
    assert any("pos_weight < 1" in s for s in r.reasons)


def test_imbalanced_modifier_overrides_the_data():
    off = _binary(90, 10, imbalanced=False)
    assert off.loss_kwargs == {}
    assert any(a.kwargs == {"pos_weight": 9.0} for a in off.alternatives)
    on = _binary(11, 10, imbalanced=True)
    assert on.loss_kwargs == {"pos_weight": 1.1}
    assert any("imbalanced=True was given" in s for s in on.reasons)


def test_binary_without_targets():
    r = recommend("binary", imbalanced=True)
    assert r.loss_kwargs == {} and "pos_weight" in r.data_dependent and r.label_mapping is None
    assert "sigmoid_focal_loss" in _loss_alts(r)
    plain = recommend("binary")
    assert plain.data_dependent == {}
    weighted = next(a for a in plain.alternatives if a.kind == "loss")
    assert weighted.data_dependent == {"pos_weight": "n_negative / n_positive in the training labels"}
    assert "binary_cross_entropy_with_logits(pos_weight=<from data>)" in str(weighted)


# ---------------------------------------------------------------------------------------------------------------
# multiclass
# ---------------------------------------------------------------------------------------------------------------
def test_string_labels_make_multiclass_with_sorted_mapping_and_weights():
    counts = {"cat": 50, "dog": 30, "emu": 5}
    y = [k for k, n in counts.items() for _ in range(n)]
    r = recommend(targets=y)
    assert r.task == "multiclass" and r.loss == "cross_entropy" and r.inference == "softmax"
    assert r.label_mapping == {"cat": 0, "dog": 1, "emu": 2} and r.out_features == 3
    top = max(counts.values())
    assert r.loss_kwargs["weight"] == pytest.approx([top / counts[k] for k in sorted(counts)], rel=1e-5)
    assert r.statistics["imbalance_ratio"] == pytest.approx(10.0)
    eff = next(a for a in r.alternatives if a.name == "cross_entropy" and "weight" in a.kwargs)
    beta = T.EFFECTIVE_NUMBER_BETA
    # E_n written as the series sum (Cui et al.), an oracle independent of the closed form in the code
    series = [sum(beta**i for i in range(counts[k])) for k in sorted(counts)]
    raw = [1 / e for e in series]
    assert eff.kwargs["weight"] == pytest.approx([w * 3 / sum(raw) for w in raw], rel=1e-5)
    assert "softmax_focal_loss" not in _loss_alts(r)


def test_multiclass_threshold_boundaries_and_severe_focal():
    def rec(small: int):
        return recommend(targets=np.repeat([0, 1, 2], [40, 20, small]))

    assert "weight" in rec(int(40 / T.IMBALANCE_RATIO)).loss_kwargs
    assert "weight" not in rec(int(40 / T.IMBALANCE_RATIO) + 1).loss_kwargs
    severe = rec(2)
    focal = next(a for a in severe.alternatives if a.name == "softmax_focal_loss")
    assert focal.kwargs["gamma"] == T.FOCAL_GAMMA and focal.kwargs["weight"] == severe.loss_kwargs["weight"]
    assert "softmax_focal_loss" not in _loss_alts(rec(3))


def test_few_integers_are_class_codes_with_counts_listed():
    y = np.repeat(np.arange(T.MAX_CLASS_CODES), 5)
    r = recommend(targets=y)
    assert r.task == "multiclass" and _rule(r) == "few-integers"
    assert _task_alts(r) == ["count_regression"]
    assert any(s.startswith("Ambiguous") for s in r.reasons)
    assert any("already class indices 0..9" in s for s in r.reasons)
    assert "label_to_index" not in r.code  # indices already
    neg = recommend(targets=[-1, 0, 1, 1, 0, -1])
    assert neg.task == "multiclass" and _task_alts(neg) == ["regression"]
    assert "label_to_index = {-1: 0, 0: 1, 1: 2}" in neg.code


def test_one_hot_rows_are_multiclass_with_indices():
    y = np.eye(3, dtype=int)[[0, 1, 2, 0, 0, 1]]
    r = recommend(targets=y)
    assert r.task == "multiclass" and _rule(r) == "one-hot"
    assert "argmax" in r.target_format and "y = y_onehot.argmax(dim=1)" in r.code
    assert r.label_mapping == {0: 0, 1: 1, 2: 2}
    assert [d["count"] for d in r.statistics["class_counts"]] == [3, 2, 1]
    df = pd.DataFrame(y.astype(bool), columns=["red", "green", "blue"])
    assert recommend(targets=df).label_mapping == {"red": 0, "green": 1, "blue": 2}


def test_probability_rows_are_soft_multiclass_targets():
    rng = np.random.default_rng(0)
    p = rng.dirichlet(np.ones(4), size=30)
    r = recommend(targets=p)
    assert r.task == "multiclass" and _rule(r) == "distributions"
    assert "probabilities" in r.target_format and "torch.softmax(torch.randn(16, 4)" in r.code
    off = p.copy()
    off[0] *= 1 + 2 * T.ROW_SUM_TOLERANCE  # one row off by more than the tolerance: independent fractions
    assert recommend(targets=np.clip(off, 0, 1)).task == "bounded_regression"


def test_explicit_task_wins_and_says_what_inference_would_do():
    r = recommend("multiclass", targets=[0, 1, 0, 1])
    assert r.task == "multiclass" and r.out_features == 2
    assert any("the targets alone would suggest 'binary'" in s for s in r.reasons)
    assert any("equivalent to a sigmoid" in s for s in r.reasons)
    assert recommend("regression", targets=[0, 1, 2, 3, 4]).task == "regression"
    assert recommend("count_regression", targets=[0, 1, 2, 3]).loss == "poisson_nll_loss"
    assert recommend("bounded_regression", targets=[0, 1, 1, 0]).task == "bounded_regression"


# ---------------------------------------------------------------------------------------------------------------
# multilabel
# ---------------------------------------------------------------------------------------------------------------
def test_multilabel_per_label_pos_weight():
    rng = np.random.default_rng(1)
    y = (rng.random((200, 3)) < [0.5, 0.2, 0.04]).astype(int)
    y[0] = [1, 1, 1]  # rows do not all sum to 1
    r = recommend(targets=y)
    assert r.task == "multilabel" and r.inference == "sigmoid" and r.out_features == 3
    pos = y.sum(axis=0)
    assert r.loss_kwargs["pos_weight"] == pytest.approx(list((200 - pos) / pos), rel=1e-5)
    worst = max(max(p, 200 - p) / min(p, 200 - p) for p in pos)
    assert ("sigmoid_focal_loss" in _loss_alts(r)) == (worst >= T.SEVERE_IMBALANCE_RATIO)
    balanced = np.array([[1, 0], [1, 1], [0, 1], [0, 0]] * 5)
    assert recommend(targets=balanced).loss_kwargs == {}
    assert recommend(targets=balanced, imbalanced=True).loss_kwargs == {"pos_weight": [1.0, 1.0]}


# ---------------------------------------------------------------------------------------------------------------
# counts, fractions, regression
# ---------------------------------------------------------------------------------------------------------------
def test_poisson_counts_make_count_regression():
    rng = np.random.default_rng(2)
    y = rng.poisson(12.0, size=500)
    r = recommend(targets=y)
    assert r.task == "count_regression" and _rule(r) == "counts"
    assert r.loss == "poisson_nll_loss" and r.loss_kwargs == {"log_input": True} and r.inference == "exp"
    assert r.statistics["dispersion"] == pytest.approx(np.var(y) / np.mean(y), rel=1e-5)
    assert not any("overdispersed" in s for s in r.reasons)
    over = rng.negative_binomial(2, 0.1, size=500)  # variance / mean = 1 / 0.1 = 10
    assert any("overdispersed" in s for s in recommend(targets=over).reasons)


def test_counts_zero_to_twenty_are_ambiguous():
    rng = np.random.default_rng(3)
    y = np.clip(rng.poisson(6.0, size=2000), 0, 20)
    y[:21] = np.arange(21)  # every value 0..20 present: a gap-free run
    r = recommend(targets=y)
    assert r.task == "count_regression"
    assert _task_alts(r) == ["multiclass"]


def test_flat_gap_free_codes_are_classes():
    y = np.repeat(np.arange(1, 16), [10, 12, 9, 11, 10, 10, 10, 8, 10, 12, 10, 10, 9, 11, 10])
    r = recommend(targets=y)
    assert r.task == "multiclass" and _rule(r) == "flat-codes" and _task_alts(r) == ["count_regression"]
    assert r.label_mapping[1] == 0  # codes 1..15 become indices 0..14
    # the frequency threshold: the rarest code at FLAT_FREQUENCY_RATIO of the commonest is still a class code
    counts = np.full(15, 20)
    counts[0] = int(20 * T.FLAT_FREQUENCY_RATIO)
    assert recommend(targets=np.repeat(np.arange(15), counts)).task == "multiclass"
    counts[0] -= 1
    assert recommend(targets=np.repeat(np.arange(15), counts)).task == "count_regression"
    gap = np.repeat(np.append(np.arange(14), 20), 10)  # a gap: not class codes
    assert recommend(targets=gap).task == "count_regression"


def test_many_negative_integers_are_regression():
    r = recommend(targets=np.arange(-20, 20))
    assert r.task == "regression" and _rule(r) == "real"


def test_fractions_make_bounded_regression():
    for y in ([0.1, 0.9, 0.9, 0.1], [0.0, 0.25, 1.0, 0.5], np.random.default_rng(4).random((10, 3))):
        r = recommend(targets=y)
        assert r.task == "bounded_regression", y
        assert r.loss == "binary_cross_entropy_with_logits" and r.inference == "sigmoid"
        assert _task_alts(r) == ["regression"]  # a quantity that merely lies in [0, 1]


def _gross(n: int, k: int, seed: int = 5) -> np.ndarray:
    y = np.random.default_rng(seed).standard_normal(n)
    y[:k] = 1e3
    return y


def test_gaussian_targets_use_mse():
    y = np.random.default_rng(6).normal(10.0, 3.0, size=2000)
    r = recommend(targets=y)
    assert r.task == "regression" and r.loss == "mse_loss" and r.loss_kwargs == {}
    assert "huber_loss" in _loss_alts(r) and "l1_loss" in _loss_alts(r)


@pytest.mark.parametrize("sampler", ["laplace", "standard_t", "gross"])
def test_heavy_tails_choose_huber_with_delta_from_the_mad(sampler):
    rng = np.random.default_rng(7)
    y = {"laplace": lambda: rng.laplace(size=3000), "standard_t": lambda: rng.standard_t(2, size=3000),
         "gross": lambda: _gross(3000, 90)}[sampler]()
    r = recommend(targets=y)
    assert r.loss == "huber_loss"
    med = statistics.median(y.tolist())
    mad = statistics.median([abs(v - med) for v in y.tolist()])
    assert r.loss_kwargs["delta"] == pytest.approx(T.HUBER_DELTA_FACTOR * T.MAD_TO_SD * mad, rel=1e-5)
    assert _loss_alts(r)[:2] == ["l1_loss", "mse_loss"]


def test_outlier_fraction_threshold():
    n = 2000
    k = int(n * T.OUTLIER_FRACTION)

    # moderate outliers (6 robust SDs) so that only the fraction criterion can fire
    def make(k_out: int) -> np.ndarray:
        y = np.linspace(-1.0, 1.0, n)
        y[:k_out] = 6.0 * T.MAD_TO_SD * 0.5
        return y

    assert recommend(targets=make(k + 1)).loss == "huber_loss"
    r = recommend(targets=make(k))
    assert r.loss == "mse_loss", r.statistics


def test_a_few_gross_outliers_trigger_huber_through_their_squared_share():
    y = _gross(2000, 2)  # 0.1 % outliers, far below OUTLIER_FRACTION
    r = recommend(targets=y)
    assert r.statistics["outlier_fraction"] < T.OUTLIER_FRACTION
    assert r.statistics["outlier_squared_share"] > T.OUTLIER_SQUARED_SHARE
    assert r.loss == "huber_loss"


def test_outliers_modifier_overrides_the_data():
    assert recommend(targets=_gross(500, 50), outliers=False).loss == "mse_loss"
    r = recommend(targets=np.linspace(0, 10, 50), outliers=True)
    assert r.loss == "huber_loss" and r.loss_kwargs["delta"] > 0
    r = recommend("regression", outliers=True)
    assert r.loss == "huber_loss" and "delta" in r.data_dependent and r.loss_kwargs == {}


def test_robust_scale_fallbacks_when_the_mad_is_zero():
    y = np.array([0.0] * 60 + [0.5, 1.5, 2.5, 3.5] * 10)  # more than half equal: MAD = 0
    r = recommend(targets=y)
    assert r.statistics["scale_method"] == "IQR"
    y2 = np.array([0.0] * 90 + [0.5, -2.5] * 5)
    assert recommend(targets=y2).statistics["scale_method"] == "mean absolute deviation"


def test_multi_output_regression_advises_standardising_different_scales():
    rng = np.random.default_rng(8)
    y = np.column_stack([rng.normal(0, 1, 300), rng.normal(0, 50, 300)])
    r = recommend(targets=y)
    assert r.task == "regression" and r.out_features == 2 and "(N, 2)" in r.target_format
    assert any("SCALE_SPREAD_RATIO" in s for s in r.reasons)
    same = recommend(targets=np.column_stack([rng.normal(0, 1, 300), rng.normal(0, 2, 300)]))
    assert not any("SCALE_SPREAD_RATIO" in s for s in same.reasons)


def test_two_d_counts():
    rng = np.random.default_rng(9)
    r = recommend(targets=rng.poisson(20, size=(100, 2)))
    assert r.task == "count_regression" and r.out_features == 2


# ---------------------------------------------------------------------------------------------------------------
# architectures, rules table, input types
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("arch", "hidden"), [(None, "relu"), ("mlp", "relu"), ("cnn", "relu"),
                                              ("transformer", "gelu"), ("rnn", "tanh"), ("LSTM", "tanh")])
def test_hidden_activation_by_architecture(arch, hidden):
    r = recommend("multiclass", architecture=arch)
    assert r.hidden_activation == hidden
    assert any(s.startswith("Hidden layers") for s in r.reasons)


def test_every_rule_is_reachable():
    examples = {
        "labels-two": ["a", "b"], "labels-many": ["a", "b", "c"], "numbers-two": [3, 9],
        "fractions": [0.2, 0.4, 0.6], "few-integers": [1, 2, 3], "flat-codes": list(range(12)) * 2,
        "counts": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 30], "real": [-1.5, 2.0, 7.25],
        "one-hot": [[1, 0], [0, 1]], "indicators": [[1, 1], [0, 1]],
        "distributions": [[0.3, 0.7], [0.6, 0.4]],
        "fractions-2d": [[0.3, 0.2], [0.6, 0.4]], "counts-2d": [list(range(12)), list(range(12, 24))],
        "real-2d": [[0.5, -1.0], [2.0, 3.5]],
    }
    for rule in RULES:
        if rule.task is None:
            continue
        r = recommend(targets=examples[rule.name])
        assert (_rule(r), r.task) == (rule.name, rule.task)


def test_input_types_give_the_same_recipe():
    import jax.numpy as jnp

    base = np.array([0, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2])
    expected = recommend(targets=base).to_dict()
    variants = [
        base.tolist(), tuple(base.tolist()), base.astype(np.uint8), base.astype(np.float32),
        torch.tensor(base), torch.tensor(base, dtype=torch.bfloat16), jnp.asarray(base),
        jnp.asarray(base, dtype=jnp.bfloat16), pd.Series(base), pd.Series(base, dtype="Int64"),
        pd.DataFrame({"y": base}), base.reshape(-1, 1), pd.Series(base).astype("category"),
    ]
    for v in variants:
        got = recommend(targets=v).to_dict()
        got["reasons"][0] = expected["reasons"][0] = ""  # the first reason names the input type and shape
        assert got == expected, type(v)


def test_boolean_and_string_inputs():
    r = recommend(targets=torch.tensor([True, False, False, False, False]))
    assert r.label_mapping == {False: 0, True: 1} and r.loss_kwargs == {"pos_weight": 4.0}
    assert recommend(targets=np.array([b"x", b"y", b"z"])).label_mapping == {"x": 0, "y": 1, "z": 2}
    assert recommend(targets=pd.Series(["a", "b", "a"], dtype="string")).task == "binary"


def test_statistics_are_finite_and_json_ready():
    import json

    r = recommend(targets=_gross(300, 20))
    d = json.loads(json.dumps(r.to_dict()))
    assert d["loss_kwargs"]["delta"] == r.loss_kwargs["delta"]
    assert all(not isinstance(v, float) or math.isfinite(v) for v in d["statistics"].values())
