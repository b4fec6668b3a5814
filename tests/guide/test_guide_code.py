"""recipe.code runs (the conftest executes every snippet); here: every task x architecture x modifier, and the
snippets do what the recipe says."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from _guide_snippets import EXECUTED, run_snippet

from actloss.guide import ARCHITECTURES, TASKS, recommend
from actloss.guide._code import CodeSpec, render, to_actloss

MODS = {
    "binary": [{}, {"imbalanced": True}],
    "multiclass": [{}, {"imbalanced": True}],
    "multilabel": [{}, {"imbalanced": True}],
    "regression": [{}, {"outliers": True}],
    "bounded_regression": [{}],
    "count_regression": [{}],
}


@pytest.mark.parametrize(("task", "arch"), list(itertools.product(TASKS, (None, *ARCHITECTURES))))
def test_every_task_and_architecture_runs(task, arch):
    for mods in MODS[task]:
        r = recommend(task, architecture=arch, **mods)
        assert r.code in EXECUTED
        ns = run_snippet(r.code)
        loss_fn = ns["loss_fn"]
        assert type(loss_fn).__name__ == r.module
        for name in r.data_dependent:  # computed from the labels in the snippet, then passed to the loss
            assert f"{name}={name}" in r.code
        hidden = {"relu": torch.nn.ReLU, "gelu": None, "tanh": None}[r.hidden_activation]
        if hidden is not None and arch in (None, "mlp", "cnn"):
            assert any(isinstance(m, hidden) for m in ns["model"].modules())


def test_snippet_uses_the_recipe_numbers():
    y = np.array([0] * 90 + [1] * 10)
    r = recommend(targets=y)
    ns = run_snippet(r.code)
    assert ns["loss_fn"].pos_weight.tolist() == [r.loss_kwargs["pos_weight"]]
    r = recommend(targets=np.repeat(["a", "b", "c"], [50, 20, 5]))
    ns = run_snippet(r.code)
    assert ns["loss_fn"].weight.tolist() == pytest.approx(r.loss_kwargs["weight"])
    assert ns["label_to_index"] == r.label_mapping
    assert ns["output"].shape[-1] == r.out_features
    rng = np.random.default_rng(0)
    y = rng.standard_t(1.5, size=500)
    r = recommend(targets=y)
    assert r.loss == "huber_loss"
    assert run_snippet(r.code)["loss_fn"].delta == r.loss_kwargs["delta"]


def test_inference_transform_matches_the_recipe():
    for task, name in [("binary", "proba"), ("multiclass", "proba"), ("count_regression", "rate"),
                       ("bounded_regression", "pred")]:
        r = recommend(task)
        ns = run_snippet(r.code)
        out = ns[name]
        if r.inference == "sigmoid":
            assert ((out > 0) & (out < 1)).all()
        elif r.inference == "softmax":
            assert torch.allclose(out.sum(dim=1), torch.ones(out.shape[0]))
        elif r.inference == "exp":
            assert (out > 0).all()


def test_actloss_flavour_swaps_only_the_loss_line():
    r = recommend(targets=[0, 0, 0, 0, 1])
    a = to_actloss(r.code)
    assert "\nimport actloss\n" in a
    assert "\npos_weight = torch.tensor([4.0])\n" in a
    assert f"\nloss_fn = actloss.nn.{r.module}(pos_weight=pos_weight)\n" in a
    assert f"\n# loss_fn = nn.{r.module}(" in a
    spec = CodeSpec("binary", r.module, r.loss_kwargs, {}, 1, None, "relu", "binary", r.label_mapping)
    assert render(spec, "actloss") == a and render(spec) == r.code
    with pytest.raises(ValueError, match=r"flavour must be 'torch' or 'actloss'; received 'jax'"):
        render(spec, "jax")


def test_actloss_nn_variant_runs_when_available():
    nn = pytest.importorskip("actloss.nn")
    ran = 0
    for task in TASKS:
        r = recommend(task)
        if not hasattr(nn, r.module):
            continue
        ns = run_snippet(to_actloss(r.code))
        assert type(ns["loss_fn"]).__module__.startswith("actloss")
        ran += 1
    if not ran:
        pytest.skip("actloss.nn has none of the recipes' loss modules yet")


def test_snippets_are_clean_python():
    """No undefined names or unused imports (pyflakes) and PEP 8 layout within 110 columns (pycodestyle)."""
    import io

    import pycodestyle
    from pyflakes.api import check
    from pyflakes.reporter import Reporter

    from actloss.data import EXAMPLES, example_path
    from actloss.guide import read_targets

    codes = [recommend(task, architecture=arch, **mods).code
             for task, arch in itertools.product(TASKS, (None, *ARCHITECTURES)) for mods in MODS[task]]
    codes += [recommend(targets=read_targets(example_path(e.name), e.target)).code for e in EXAMPLES.values()]
    codes.append(recommend(targets=[f"class {i}" for i in range(25)] * 2).code)  # a long label mapping
    for code in codes:
        out = io.StringIO()
        assert check(code, "snippet", Reporter(out, out)) == 0, out.getvalue()
        style = pycodestyle.Checker(lines=code.splitlines(True), max_line_length=110, quiet=True)
        assert style.check_all() == 0, code
