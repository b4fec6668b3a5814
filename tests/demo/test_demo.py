"""The demo end to end at small size, through the command line, and the plot / experiment commands."""
from __future__ import annotations

from pathlib import Path

import pytest

from actloss.cli import main


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, Path]:
    from actloss.demo import run_demo

    out = tmp_path_factory.mktemp("demo")
    return run_demo(out, size="small", seed=0, progress=False, quiet=True), out


def test_demo_writes_report_and_figures(demo: tuple[object, Path]) -> None:
    result, out = demo
    html = (out / "index.html").read_text()
    for section in ("recipes", "Wrong setup against the recipe", "doctor", "linter", "Experiments"):
        assert section in html
    pngs = sorted(out.glob("*.png"))
    assert {"demo-training.png", "demo-results.png", "demo-reliability.png"} <= {p.name for p in pngs}
    for p in pngs:
        assert f"src='{p.name}'" in html             # every PNG is on the page
    assert result.report == out / "index.html"
    import html as html_mod

    for recipe in result.recipes.values():                       # each recipe's runnable code is on the page
        assert html_mod.escape(recipe.code) in html


def test_demo_recipes_come_from_the_guide(demo: tuple[object, Path]) -> None:
    import actloss

    result, _ = demo
    assert result.recipes["binary"].loss == "binary_cross_entropy_with_logits"
    assert result.recipes["multiclass"].loss == "cross_entropy"
    assert result.recipes["regression"].loss == "huber_loss"      # the outliers are seen in the targets
    tasks = {r.setup.task for r in result.runs}
    assert tasks == {"binary", "multiclass", "regression"}
    for t in tasks:                                               # a wrong and a right run per task
        assert {r.setup.wrong for r in result.runs if r.setup.task == t} == {True, False}
        losses = [a for a in result.recipes[t].alternatives if a.kind == "loss" and not a.data_dependent]
        alt = losses[0] if losses else None
        extra = [r for r in result.runs
                 if r.setup.task == t and r.setup.label.startswith("guide's alternative")]
        assert len(extra) == (alt is not None)
        if alt is not None:
            assert extra[0].setup.loss == actloss.get_op(alt.name).torch_module.name


def test_demo_recipe_beats_the_mistakes_where_claimed(demo: tuple[object, Path]) -> None:
    result, _ = demo
    run = {r.setup.label: r for r in result.runs}
    right_mc = next(r for r in result.runs if r.setup.task == "multiclass" and not r.setup.wrong)
    right_reg = next(r for r in result.runs if r.setup.task == "regression" and not r.setup.wrong)
    assert right_mc.metrics["log_loss"] < run["softmax + CrossEntropyLoss()"].metrics["log_loss"]
    assert right_mc.metrics["accuracy"] > run["MSELoss() on class labels"].metrics["accuracy"]
    assert right_reg.metrics["mae"] < run["MSELoss() on outlier-ridden targets"].metrics["mae"]


def test_demo_doctor_and_linter_findings(demo: tuple[object, Path]) -> None:
    result, _ = demo
    if result.doctor_error:
        pytest.skip(result.doctor_error)
    codes = {r.setup.label: {f.code for f in r.findings} for r in result.runs}
    assert "AL102" in codes["softmax + CrossEntropyLoss()"]
    assert "AL104" in codes["MSELoss() on class labels"]
    assert "AL108" in codes["sigmoid + BCELoss()"]
    assert result.lint is not None
    assert {"AL101", "AL102", "AL104", "AL106"} <= {f.code for f in result.lint}


def test_cli_demo_prints_where(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                               monkeypatch: pytest.MonkeyPatch) -> None:
    import actloss.demo as demo_mod

    calls = {}

    def fake(out: str, size: str, seed: int, progress: bool) -> None:
        calls.update(out=out, size=size, seed=seed, progress=progress)

    monkeypatch.setattr(demo_mod, "run_demo", fake)
    assert main(["demo", "--out", str(tmp_path), "--size", "small", "--no-progress"]) == 0
    assert calls == {"out": str(tmp_path), "size": "small", "seed": 0, "progress": False}


def test_cli_plot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "p.png"
    assert main(["plot", "gelu", "silu", "-o", str(out)]) == 0
    assert out.stat().st_size > 5_000
    assert str(out) in capsys.readouterr().out
    assert main(["plot", "no_such_op"]) == 2
    assert "unknown op" in capsys.readouterr().err
    assert main(["plot"]) == 2


def test_cli_experiment_list_and_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from actloss.experiments import EXPERIMENTS

    assert main(["experiment", "--list"]) == 0
    listed = capsys.readouterr().out
    assert all(name in listed for name in EXPERIMENTS)
    assert main(["experiment", "bce-stability", "--size", "small", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "bce-stability.png").exists() and (tmp_path / "bce-stability.csv").exists()
    assert "holds" in capsys.readouterr().out
    assert main(["experiment"]) == 2


def test_demo_sections_skip_cleanly_without_linter_or_doctor(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    import actloss
    from actloss import demo as demo_mod

    monkeypatch.setitem(sys.modules, "actloss.lint", None)        # import actloss.lint -> ImportError
    findings, error = demo_mod._lint()
    assert findings is None and "linter is not available" in error
    monkeypatch.setitem(sys.modules, "actloss.doctor", None)
    monkeypatch.delitem(actloss.__dict__, "watch", raising=False)  # drop the lazily cached attribute
    assert "doctor is not available" in demo_mod._probe_doctor()
