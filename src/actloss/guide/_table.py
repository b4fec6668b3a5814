"""The decision table of ``docs/guide.md``, generated from the rules, the task specs and ``recommend`` itself.

``scripts/gen_guide_table.py`` writes it between the markers below; a test fails when the file is stale.
"""
from __future__ import annotations

from actloss.data import EXAMPLES, example_path
from actloss.guide._io import read_targets
from actloss.guide._recipe import LOSS_MODULES, Alternative, _short
from actloss.guide import _recommend
from actloss.guide._rules import RULES, Facts, Rule
from actloss.guide._tasks import ARCHITECTURES, TASK_SPECS, TASKS
from actloss.guide._thresholds import THRESHOLDS

BEGIN = "<!-- BEGIN GENERATED: decision table (scripts/gen_guide_table.py) -->"
END = "<!-- END GENERATED: decision table -->"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _kwargs(kw: dict[str, object], data: dict[str, str]) -> str:
    parts = [f"{k}={v!r}" for k, v in kw.items()] + [f"{k}=<from data>" for k in data]
    return ", ".join(parts)


def decision_table() -> str:
    """Markdown: tasks and modifiers, inference rules, hidden activations and thresholds, all from the code.

    >>> "| binary |" in decision_table()
    True
    """
    out = ["### Task, head, loss and inference", "",
           "| task | modifiers | head (output layer) | loss | loss arguments | module | inference "
           "| alternatives |",
           "|---|---|---|---|---|---|---|---|"]
    for task in TASKS:
        spec = TASK_SPECS[task]
        combos: list[dict[str, object]] = [{}]
        if task in ("binary", "multiclass", "multilabel"):
            combos.append({"imbalanced": True})
        if task == "regression":
            combos.append({"outliers": True})
        for mods in combos:
            r = _recommend.recommend(task, **mods)  # type: ignore[arg-type]
            mod_txt = ", ".join(f"{k}={v}" for k, v in mods.items()) or "-"
            alts = "; ".join(_alt_label(a) for a in r.alternatives if a.kind == "loss") or "-"
            out.append(f"| {task} | {mod_txt} | {spec.head}, {r.output_activation} | `{r.loss}` | "
                       f"{_cell(_kwargs(r.loss_kwargs, r.data_dependent)) or '-'} | "
                       f"`nn.{LOSS_MODULES[r.loss]}` | {r.inference} | {_cell(alts)} |")
    out += ["", "### Inferring the task from targets (first matching rule wins)", "",
            "| # | rule | targets | task | also listed |", "|---|---|---|---|---|"]
    for i, rule in enumerate(RULES, 1):
        task = rule.task or "error: pass task="
        others = _others(rule)
        out.append(f"| {i} | `{rule.name}` | {rule.shape}: {_cell(rule.when)} | {task} | "
                   f"{others or '-'} |")
    out += ["", "### Hidden activations", "", "| architecture | hidden activation | alternatives |",
            "|---|---|---|"]
    for arch in (None, *ARCHITECTURES):
        r = _recommend.recommend("binary", architecture=arch)
        alts = "; ".join(f"{a.name} ({a.when})" for a in r.alternatives
                         if a.kind == "hidden_activation") or "-"
        out.append(f"| {arch or '(not given)'} | {r.hidden_activation} | {_cell(alts)} |")
    out += ["", "### The bundled example data sets", "",
            "`actloss advise --example NAME` (files in `actloss/data/`, written by seeded generators).", "",
            "| example | what it is | task | loss and arguments | inference | also listed |",
            "|---|---|---|---|---|---|"]
    for ex in EXAMPLES.values():
        r = _recommend.recommend(targets=read_targets(example_path(ex.name), ex.target, use_pandas=False))
        kw = ", ".join(f"{k}={_short(v)}" for k, v in r.loss_kwargs.items())
        alts = ", ".join(_alt_label(a) for a in r.alternatives if a.kind != "hidden_activation")
        out.append(f"| `{ex.name}` | {_cell(ex.description)} | {r.task} | `{r.loss}({kw})` | {r.inference} | "
                   f"{alts or '-'} |")
    out += ["", "### Thresholds", "", "| name | value | applies to | rule | reason |",
            "|---|---|---|---|---|"]
    for th in THRESHOLDS:
        out.append(f"| `{th.name}` | {th.value:g} | {_cell(th.applies_to)} | {_cell(th.rule)} | "
                   f"{_cell(th.reason)} |")
    return "\n".join(out) + "\n"


def _alt_label(a: Alternative) -> str:
    if a.kind != "loss" or not (a.kwargs or a.data_dependent):
        return a.name
    args = [f"{k}=[...]" if isinstance(v, list) else f"{k}={v!r}" for k, v in a.kwargs.items()]
    args += [f"{k}=<from data>" for k in a.data_dependent]
    return f"{a.name}({', '.join(args)})"


# The two facts a rule's other readings depend on, with the words for each value.
_CONDITIONS = (("if non-negative", "if some are negative"), ("if gap-free from 0 or 1", "if not gap-free"))


def _others(rule: Rule) -> str:
    """The other readings a rule lists, each with the condition under which it is listed (by probing)."""
    base = dict(ndim=1, kind="numeric", n_samples=100, n_columns=1, n_distinct=5, integer=True,
                in_unit=False, zero_one=False, one_hot_rows=False, rows_sum_to_one=False, frequency_ratio=1.0)
    grid = {(nonneg, gap_free): set(rule.other_tasks(Facts(**base, nonnegative=nonneg,
                                                           contiguous_codes=gap_free)))
            for nonneg in (True, False) for gap_free in (True, False)}
    out = []
    for task in sorted(set().union(*grid.values())):
        where = {key for key, found in grid.items() if task in found}
        label = task
        for axis, words in enumerate(_CONDITIONS):
            for value, word in zip((True, False), words):
                if len(where) < len(grid) and where == {k for k in grid if k[axis] == value}:
                    label = f"{task} ({word})"
        out.append(label)
    return ", ".join(out)


def replace_generated(text: str) -> str:
    """``text`` with the part between the markers replaced by the current table."""
    if BEGIN not in text or END not in text:
        raise ValueError(f"the page has no generated section; expected the markers {BEGIN!r} and {END!r}")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{decision_table()}{END}{tail}"
