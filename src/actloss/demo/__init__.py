"""``actloss demo`` / ``make demo``: the library's claims shown on generated data in about a minute.

For three generated tasks (1 %-positive binary, 4-class, regression with outliers) it asks the guide for the
recipe, trains the wrong setups, the recipe and the recipe's first alternative loss side by side (same seed,
data and budget), prints a results table, shows the doctor's findings on the runs and the linter's findings on
a bundled buggy training script, runs the fast experiments, and writes PNGs and a one-page HTML report.

Examples:
    >>> from actloss.demo import run_demo
    >>> result = run_demo("demo-output", size="small", progress=False)     # doctest: +SKIP
    >>> result.report                                                      # doctest: +SKIP
    PosixPath('demo-output/index.html')
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


SIZES = {
    # rows per task, training steps, experiments run at the end (name -> 'full' or 'small')
    # every claim's experiment; the slower training sweeps at their test size (seconds), each a full
    # `actloss experiment NAME` away
    "full": {"n": 5000, "steps": 250,
             "experiments": {"bce-stability": "full", "vanishing-sigmoid": "full", "gallery": "full",
                             "mse-classification": "small", "dead-relu": "small", "focal-vs-ce": "small"}},
    "small": {"n": 1000, "steps": 30, "experiments": {"bce-stability": "small"}},
}
BUGGY_SCRIPT = Path(__file__).with_name("buggy_train.py")


@dataclass
class DemoResult:
    out_dir: Path
    report: Path
    recipes: dict[str, Any]
    runs: list[Any]
    lint: list[Any] | None           # None when the linter could not be imported
    lint_error: str = ""
    doctor_error: str = ""
    experiments: list[Any] = field(default_factory=list)
    figures: list[Path] = field(default_factory=list)
    seconds: float = 0.0


def _console(quiet: bool) -> Any:
    from rich.console import Console

    console = Console(quiet=quiet, highlight=False)
    if not console.is_terminal:      # piped or captured: rich would assume 80 columns and fold the table
        console = Console(quiet=quiet, highlight=False, width=140)
    return console


def run_demo(out_dir: str | Path = "demo-output", size: str = "full", seed: int = 0, progress: bool = True,
             quiet: bool = False) -> DemoResult:
    """Run the demo, write ``out_dir``/index.html and the PNGs, and return what it found."""
    import torch

    import actloss
    from actloss import experiments

    from . import _figures, _report
    from ._data import make_tasks
    from ._runs import setups, train

    if size not in SIZES:
        raise ValueError(f"size must be one of {', '.join(SIZES)}; received size={size!r}")
    cfg = SIZES[size]
    start = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    console = _console(quiet)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)      # tiny models: more threads only add synchronisation
    try:
        tasks = make_tasks(cfg["n"], seed)
        recipes = {t.name: actloss.recommend(targets=t.y) for t in tasks}
        plan = [(t, s) for t in tasks for s in setups(t, recipes[t.name])]
        doctor_error = _probe_doctor()
        lint_findings, lint_error = None, ""
        runs: list[Any] = []
        results: list[Any] = []

        console.rule("[bold]actloss demo")
        console.print(f"Three generated tasks, {cfg['n']} training rows each, {cfg['steps']} Adam steps per "
                      f"run, seed {seed}. Output: {out.resolve()}")
        console.rule("1. The guide's recipe for each task")
        for t in tasks:
            r = recipes[t.name]
            console.print(f"[bold]{t.name}[/bold] ({t.description})")
            for k, v in r.summary_rows():
                console.print(f"    {k:<14} {v}")
            for reason in r.reasons[:2]:
                console.print(f"    why: {reason}")

        stages = len(plan) + 2 + len(cfg["experiments"])
        prog = _progress(console, progress and not quiet)
        with prog:
            bar = prog.add_task("training", total=stages)
            for t, s in plan:
                prog.update(bar, description=f"train {t.name}: {s.label[:40]}")
                runs.append(train(t, s, recipes[t.name].hidden_activation, cfg["steps"], seed,
                                  doctor=not doctor_error))
                prog.advance(bar)
            prog.update(bar, description="lint the bundled buggy script")
            lint_findings, lint_error = _lint()
            prog.advance(bar)
            for name, exp_size in cfg["experiments"].items():
                prog.update(bar, description=f"experiment {name} ({exp_size})")
                results.append(experiments.run(name, out_dir=out, size=exp_size, seed=seed))
                prog.advance(bar)
            prog.update(bar, description="figures and report")
            figures = _figures.write_all(out, tasks, runs)
            prog.advance(bar)

        console.rule("2. Wrong setup against the recipe (held-out data)")
        _report.print_table(console, runs)
        for note in _report.notes(runs):
            console.print(f"  note: {note}")
        console.rule("3. The doctor on the runs")
        _report.print_doctor(console, runs, doctor_error)
        console.rule("4. The linter on a bundled buggy training script")
        _report.print_lint(console, lint_findings, lint_error)
        console.rule("5. Experiments")
        for r in results:
            ok = sum(r.verdict.values())
            size = cfg["experiments"][r.name]
            console.print(f"[bold]{r.name}[/bold] ({size} size): {ok}/{len(r.verdict)} parts of the claim "
                          f"hold. {r.claim}")
            for statement, holds in r.verdict.items():
                console.print(f"    [{'green' if holds else 'red'}]{'holds' if holds else 'FAILS'}[/] "
                              f"{statement}")
            for n in r.notes:
                console.print(f"    [yellow]note[/]: {n}")
        result = DemoResult(out, out / "index.html", recipes, runs, lint_findings, lint_error, doctor_error,
                            results, figures)
        result.seconds = time.perf_counter() - start
        _report.write_html(result, tasks, cfg, seed, BUGGY_SCRIPT)
        console.rule()
        pngs = sorted(p.name for p in out.glob("*.png"))
        console.print(f"Wrote {len(pngs)} PNG figures and the report to {out.resolve()}/")
        console.print(f"Open [bold]{result.report.resolve()}[/bold]  ({result.seconds:.0f} s)")
        return result
    finally:
        torch.set_num_threads(threads)


def _progress(console: Any, enabled: bool) -> Any:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description:<52}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console, disable=not enabled, transient=False)


def _probe_doctor() -> str:
    try:
        import actloss

        actloss.watch  # noqa: B018  (imports actloss.doctor)
    except (ImportError, AttributeError) as exc:
        return f"the doctor is not available ({exc})"
    return ""


def _lint() -> tuple[list[Any] | None, str]:
    try:
        from actloss.lint import lint_source
    except ImportError as exc:
        return None, f"the linter is not available ({exc}); install the 'lint' extra"
    text = BUGGY_SCRIPT.read_text()
    return lint_source(text, path=BUGGY_SCRIPT.name), ""


def main_metric(task_kind: str) -> tuple[str, bool]:
    """(metric, higher is better) that the figures compare."""
    table = {"binary": ("pr_auc", True), "multiclass": ("accuracy", True), "regression": ("mae", False)}
    return table[task_kind]


__all__ = ["DemoResult", "SIZES", "run_demo", "main_metric"]
