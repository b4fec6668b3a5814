"""The demo's text output (rich) and its one-page HTML report."""
from __future__ import annotations

import html
import math
from pathlib import Path
from typing import Any

from actloss.experiments._common import fmt

from ._runs import Run, nan_count

# column -> (header, higher is better; None: not a quality metric)
COLUMNS: dict[str, tuple[str, bool | None]] = {
    "final_loss": ("final loss", None),
    "accuracy": ("accuracy", True),
    "pr_auc": ("PR-AUC", True),
    "f1": ("F1 @0.5", True),
    "mae": ("MAE", False),
    "log_loss": ("log-loss", False),
    "ece": ("ECE", False),
    "nan_steps": ("NaN steps", False),
}


def rows(runs: list[Run]) -> list[dict[str, Any]]:
    out = []
    for r in runs:
        row: dict[str, Any] = {"task": r.setup.task, "setup": r.setup.label, "wrong": r.setup.wrong,
                               "loss from": r.loss_impl, "final_loss": r.losses[-1] if r.losses else None,
                               "nan_steps": nan_count(r)}
        for k in ("accuracy", "pr_auc", "f1", "mae", "log_loss", "ece"):
            row[k] = r.metrics.get(k)
        codes = sorted({f.code for f in r.findings}) if r.findings is not None else None
        row["doctor"] = "n/a" if codes is None else (", ".join(codes) or "none")
        out.append(row)
    return out


def _cell(v: Any) -> str:
    if v is None:
        return "-"
    return fmt(v)


def print_table(console: Any, runs: list[Run]) -> None:
    from rich.table import Table

    data = rows(runs)
    used = [k for k in COLUMNS if any(r[k] is not None for r in data)]
    table = Table(show_lines=False, pad_edge=False)
    for col in ("task", "setup"):
        table.add_column(col, overflow="fold")
    for k in used:
        table.add_column(COLUMNS[k][0], justify="right")
    table.add_column("doctor")
    for r in data:
        style = "red" if r["wrong"] else "green" if r["setup"].startswith("recipe") else "blue"
        table.add_row(r["task"], f"[{style}]{r['setup']}[/]", *(_cell(r[k]) for k in used), r["doctor"])
    console.print(table)
    console.print("red: the mistake as commonly written; green: the guide's recipe; blue: the first loss "
                  "among the recipe's alternatives (losses from "
                  + ", ".join(sorted({r['loss from'] for r in data if not r['wrong']})) + ").")


def notes(runs: list[Run]) -> list[str]:
    """Where a wrong setup beats the recipe on a metric, say so (the table is evidence, not advertising)."""
    out = []
    data = rows(runs)
    for task in dict.fromkeys(r["task"] for r in data):
        right = next(r for r in data if r["task"] == task and r["setup"].startswith("recipe"))
        for w in (r for r in data if r["task"] == task and r["wrong"]):
            for k, (name, higher) in COLUMNS.items():
                if higher is None or k == "nan_steps" or w[k] is None or right[k] is None:
                    continue
                if isinstance(w[k], float) and (math.isnan(w[k]) or math.isnan(right[k])):
                    continue
                better = w[k] > right[k] if higher else w[k] < right[k]
                if better and abs(w[k] - right[k]) > 1e-3:
                    why = ""
                    if k == "ece" and right["setup"].find("pos_weight") >= 0:
                        why = (" (pos_weight trades calibration for recall: the weighted model's "
                               "probabilities overstate the positive class)")
                    out.append(f"{task}: '{w['setup']}' has the better {name} ({fmt(w[k])} against "
                               f"{fmt(right[k])}){why}.")
    return out


def print_doctor(console: Any, runs: list[Run], error: str) -> None:
    if error:
        console.print(f"[yellow]skipped[/]: {error}")
        return
    for r in runs:
        if r.findings is None:
            continue
        head = f"[bold]{r.setup.task}[/bold] / {r.setup.label}: "
        if not r.findings:
            console.print(head + "no finding")
            continue
        console.print(head + f"{len(r.findings)} finding(s)")
        for f in r.findings:
            console.print(f"    {f.code} {f.name} at {f.where or '<model>'} (step {f.step}): {f.title}")
            console.print(f"        fix: {f.fix}")


def print_lint(console: Any, findings: list[Any] | None, error: str) -> None:
    if findings is None:
        console.print(f"[yellow]skipped[/]: {error}")
        return
    from . import BUGGY_SCRIPT

    console.print(f"{BUGGY_SCRIPT} ({len(findings)} finding(s); `actloss lint {BUGGY_SCRIPT.name}` prints "
                  "the same)")
    for f in findings:
        console.print(f"    line {f.line}: {f.code} {f.message}")


# ------------------------------------------------------------------------------------------------ HTML
_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;
color:#222;line-height:1.45}
h1{margin-bottom:.2em} h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;font-size:.88em;margin:.6em 0} td,th{border:1px solid #ddd;padding:.25em .5em}
th{background:#f4f4f4} td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.wrong td.setup{color:#b00} tr.right td.setup{color:#070;font-weight:600} tr.alt td.setup{color:#05a}
img{max-width:100%;border:1px solid #eee;margin:.4em 0} code,pre{background:#f6f6f6;border-radius:3px}
pre{padding:.6em;overflow-x:auto;font-size:.85em} .ok{color:#070} .bad{color:#b00} .note{color:#7a5a00}
"""


def _e(s: Any) -> str:
    return html.escape(str(s))


def write_html(result: Any, tasks: list[Any], cfg: dict[str, Any], seed: int, script: Path) -> Path:
    runs = result.runs
    data = rows(runs)
    used = [k for k in COLUMNS if any(r[k] is not None for r in data)]
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>actloss demo</title>"
             f"<style>{_CSS}</style></head><body>",
             "<h1>actloss demo</h1>",
             "<p>Rows in red: the mistake as commonly written; green: the guide's recipe; blue: the first "
             "loss among the recipe's alternatives. Where a mistake wins a metric, a note says so.</p>",
             f"<p>Three generated tasks, {cfg['n']} training and {cfg['n']} held-out rows each; every run: "
             f"the same network (2 hidden layers), {cfg['steps']} full-batch Adam steps, seed {seed}. "
             f"Produced by <code>actloss demo</code> in {result.seconds:.0f} s.</p>"]

    parts.append("<h2>1. The guide's recipes</h2>")
    for t in tasks:
        r = result.recipes[t.name]
        parts.append(f"<h3>{_e(t.name)}: {_e(t.description)}</h3><table>")
        parts += [f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in r.summary_rows()]
        parts.append("</table><ul>" + "".join(f"<li>{_e(x)}</li>" for x in r.reasons) + "</ul>")
        if r.code:
            parts.append(f"<details><summary>the recipe's code</summary><pre>{_e(r.code)}</pre></details>")

    parts.append("<h2>2. Wrong setup against the recipe (held-out "
                 "data)</h2><table><tr><th>task</th><th>setup</th>"
                 + "".join(f"<th>{_e(COLUMNS[k][0])}</th>" for k in used) + "<th>doctor</th></tr>")
    for r in data:
        cls = "wrong" if r["wrong"] else "right" if r["setup"].startswith("recipe") else "alt"
        parts.append(f"<tr class='{cls}'><td>{_e(r['task'])}</td><td class='setup'>{_e(r['setup'])}</td>"
                     + "".join(f"<td class='num'>{_e(_cell(r[k]))}</td>" for k in used)
                     + f"<td>{_e(r['doctor'])}</td></tr>")
    parts.append("</table>")
    for n in notes(runs):
        parts.append(f"<p class='note'>Note: {_e(n)}</p>")
    for p in result.figures:
        parts.append(f"<img src='{_e(p.name)}' alt='{_e(p.stem)}'>")

    parts.append("<h2>3. The doctor's findings</h2>")
    if result.doctor_error:
        parts.append(f"<p class='note'>Skipped: {_e(result.doctor_error)}</p>")
    else:
        for r in runs:
            if r.findings is None:
                continue
            parts.append(f"<h3>{_e(r.setup.task)} / {_e(r.setup.label)}: {len(r.findings)} finding(s)</h3>")
            if r.findings:
                parts.append("<ul>" + "".join(
                    f"<li><b>{_e(f.code)}</b> {_e(f.name)} at <code>{_e(f.where or '<model>')}</code> "
                    f"(step {f.step}): {_e(f.title)}<br><i>fix:</i> "
                    f"{_e(f.fix)}</li>" for f in r.findings) + "</ul>")

    parts.append("<h2>4. The linter on a buggy training script</h2>")
    if result.lint is None:
        parts.append(f"<p class='note'>Skipped: {_e(result.lint_error)}</p>")
    else:
        parts.append(f"<p><code>actloss lint {_e(script.name)}</code>: {len(result.lint)} "
                     "finding(s).</p><ul>")
        parts += [f"<li>line {f.line}: <b>{_e(f.code)}</b> {_e(f.message)}</li>" for f in result.lint]
        parts.append("</ul><details><summary>the script</summary><pre>" + _e(script.read_text())
                     + "</pre></details>")

    parts.append("<h2>5. Experiments</h2>")
    for r in result.experiments:
        size = cfg["experiments"].get(r.name, "")
        parts.append(f"<h3>{_e(r.name)} ({_e(size)} size)</h3><p>{_e(r.claim)}</p>"
                     f"<p>Full size: <code>actloss experiment {_e(r.name)}</code>.</p><ul>")
        parts += [f"<li class='{'ok' if ok else 'bad'}'>{'holds' if ok else 'FAILS'}: {_e(s)}</li>"
                  for s, ok in r.verdict.items()]
        parts.append("</ul>")
        parts += [f"<p class='note'>Note: {_e(n)}</p>" for n in r.notes]
        parts += [f"<img src='{_e(p.name)}' alt='{_e(p.stem)}'>" for p in r.files if p.suffix == ".png"]
        parts += [f"<p><a href='{_e(p.name)}'>{_e(p.name)}</a></p>" for p in r.files if p.suffix == ".csv"]
    parts.append("<p>Every figure on this page is written by <code>actloss demo</code>; "
                 "<code>actloss experiment NAME</code> reruns one experiment at full size.</p></body></html>")
    result.report.write_text("\n".join(parts))
    return result.report
