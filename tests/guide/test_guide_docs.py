"""The generated decision table and the bundled data sets cannot drift from the code; Recipe output forms."""
from __future__ import annotations

import importlib
import json
import pathlib
import subprocess
import sys

import numpy as np
import pytest

from actloss.data import EXAMPLES, example_path, load_example
from actloss.data._generate import GENERATORS, write_all
from actloss.guide import RULES, TASKS, THRESHOLDS, decision_table, read_targets, recommend
from actloss.guide import _thresholds as T
from actloss.guide._recipe import LOSS_MODULES
from actloss.guide._table import BEGIN, END, replace_generated

ROOT = pathlib.Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "guide.md"


def test_docs_table_is_fresh():
    text = PAGE.read_text(encoding="utf-8")
    assert replace_generated(text) == text, "docs/guide.md is stale: run python scripts/gen_guide_table.py"


def test_staleness_check_notices_a_changed_threshold(monkeypatch):
    text = PAGE.read_text(encoding="utf-8")
    monkeypatch.setattr(T, "THRESHOLDS", T.THRESHOLDS)
    import actloss.guide._table as table

    changed = tuple(t if t.name != "OUTLIER_Z" else type(t)(t.name, 3.0, t.applies_to, t.rule, t.reason)
                    for t in THRESHOLDS)
    monkeypatch.setattr(table, "THRESHOLDS", changed)
    assert replace_generated(text) != text


def test_generator_script_check_mode(tmp_path):
    script = ROOT / "scripts" / "gen_guide_table.py"
    res = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 0, res.stderr


def test_table_holds_every_rule_threshold_and_task():
    table = decision_table()
    for rule in RULES:
        assert f"`{rule.name}`" in table
    for th in THRESHOLDS:
        assert f"`{th.name}` | {th.value:g} |" in table
    for task in TASKS:
        assert f"| {task} | - |" in table
    # the other readings carry the condition under which a rule lists them
    assert "| count_regression (if non-negative), regression (if some are negative) |" in table
    assert "| multiclass (if gap-free from 0 or 1) |" in table
    assert "binary_cross_entropy_with_logits(pos_weight=<from data>)" in table


def test_replace_generated_needs_the_markers():
    with pytest.raises(ValueError, match="expected the markers"):
        replace_generated("# no markers here\n")
    assert replace_generated(f"a\n{BEGIN}\nold\n{END}\nb\n").startswith(f"a\n{BEGIN}\n### Task")


def test_bundled_data_sets_match_their_generators(tmp_path):
    write_all(tmp_path)
    for name, (filename, _) in GENERATORS.items():
        assert (tmp_path / filename).read_bytes() == example_path(name).read_bytes(), (
            f"{filename} differs from its generator: run python -m actloss.data._generate")
    assert set(GENERATORS) == set(EXAMPLES)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_examples_give_the_task_they_were_generated_for(name):
    expected = {"fraud": "binary", "spam": "binary", "species": "multiclass", "house_prices": "regression",
                "temperature": "regression", "click_rate": "bounded_regression",
                "bike_counts": "count_regression",
                "tags": "multilabel", "onehot": "multiclass"}[name]
    ex = EXAMPLES[name]
    r = recommend(targets=read_targets(example_path(name), ex.target))
    assert r.task == expected
    assert example_path(name).stat().st_size < 20_000
    loaded = load_example(name)
    assert isinstance(loaded, (dict, np.ndarray))


def test_example_specifics():
    fraud = load_example("fraud")["is_fraud"]
    r = recommend(targets=fraud)
    n_pos = int(fraud.sum())
    assert r.loss_kwargs == {"pos_weight": pytest.approx((fraud.size - n_pos) / n_pos)}
    assert "sigmoid_focal_loss" in [a.name for a in r.alternatives]
    assert recommend(targets=load_example("house_prices")["price_k"]).loss == "huber_loss"
    assert recommend(targets=load_example("temperature")["temp_c"]).loss == "mse_loss"
    with pytest.raises(ValueError, match="name must be one of"):
        example_path("iris")


def _registry_names() -> set[str]:
    registry = importlib.import_module("actloss._registry")
    return set(getattr(registry, "REGISTRY", None) or ())


def test_activation_names_are_registry_names():
    known = _registry_names()
    if not known:
        pytest.skip("the op registry is not populated in this checkout")
    from actloss.guide._tasks import HIDDEN

    used = {name for hidden, _, alts in HIDDEN.values() for name in (hidden, *(a for a, _ in alts))}
    assert used <= known, f"the guide names activations the registry lacks: {sorted(used - known)}"


def test_loss_names_are_registry_names_when_the_registry_has_them():
    known = _registry_names()
    tasks = ("regression", "bounded_regression", "count_regression", "binary", "multiclass", "multilabel")
    used = set(LOSS_MODULES) | {recommend(t).loss for t in tasks}
    if not used & known:
        pytest.skip("the registry holds none of the losses yet")
    assert used <= known, f"the guide names losses the registry lacks: {sorted(used - known)}"


def test_recipe_text_and_dict_forms():
    r = recommend(targets=np.repeat(["a", "b", "c"], [30, 10, 2]), architecture="rnn")
    d = r.to_dict()
    assert json.loads(r.to_json()) == json.loads(json.dumps(d))
    assert d["label_mapping"] == [{"label": lab, "index": i} for i, lab in enumerate("abc")]
    assert d["statistics"]["class_counts"][2] == {"label": "c", "count": 2}
    assert set(d) >= {"task", "output_activation", "loss", "loss_kwargs", "inference", "hidden_activation",
                      "alternatives", "reasons", "code"}
    text = str(r)
    for needle in ("task", "multiclass", "cross_entropy(weight=[1, 3, 15])", "softmax", "tanh (rnn)",
                   "why:", "alternatives:", "'a' -> 0"):
        assert needle in text, needle
    assert "imbalance ratio 15" in text


@pytest.mark.parametrize("module", ["actloss.guide", "actloss.guide._recipe", "actloss.guide._recommend",
                                    "actloss.guide._stats", "actloss.guide._io", "actloss.guide._table",
                                    "actloss.data"])
def test_docstring_examples(module):
    import doctest

    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
    assert result.attempted > 0


def test_weights_agree_with_the_core_helpers_when_they_exist():
    """The guide computes its own weights (no import-time dependency); where the core's class_weights exists,
    the numbers must agree up to normalisation (inverse and effective-number weights)."""
    import actloss

    try:
        class_weights = actloss.class_weights
    except AttributeError:
        pytest.skip("actloss.class_weights is not in the core yet")
    counts = [500, 120, 7]
    r = recommend(targets=np.repeat([0, 1, 2], counts))
    inv = np.asarray(class_weights(counts, method="inverse"), dtype=float)
    ours = np.asarray(r.loss_kwargs["weight"])
    assert inv / inv[0] == pytest.approx(ours / ours[0], rel=1e-5)
    eff = np.asarray(class_weights(counts, method="effective_number", beta=0.999), dtype=float)
    alt = np.asarray(next(a.kwargs["weight"] for a in r.alternatives
                          if a.name == "cross_entropy" and "weight" in a.kwargs))
    assert eff / eff[0] == pytest.approx(alt / alt[0], rel=1e-5)
