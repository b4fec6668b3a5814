"""``actloss list``: every registered op with its formula, defaults and torch equivalent."""
from __future__ import annotations

import argparse
import json

from actloss import _docs
from actloss._registry import ops


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("list", help="list every registered activation and loss with its formula and defaults")
    p.add_argument("--kind", choices=("activation", "loss"), help="only this kind of op")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=run)


def rows(kind: str | None = None) -> list[dict[str, str]]:
    return [
        {
            "name": s.name,
            "kind": s.kind,
            "params": _docs.param_line(s),
            "summary": s.summary,
            "formula": s.formula,
            "torch": s.torch_functional or "-",
            "module": f"actloss.nn.{s.torch_module.name}" if s.torch_module else "-",
            "properties": ", ".join(sorted(s.properties)),
        }
        for s in ops(kind)
    ]


def run(args: argparse.Namespace) -> int:
    data = rows(args.kind)
    if args.json:
        print(json.dumps(data, indent=2))
        return 0
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:  # plain text without the cli extra
        for r in data:
            print(f"{r['name']:<34} {r['kind']:<10} {r['params']:<40} {r['summary']}")
        return 0
    table = Table(title=f"actloss: {len(data)} registered ops", show_lines=False)
    for col in ("name", "kind", "params", "what it computes", "torch equivalent", "module"):
        table.add_column(col, overflow="fold")
    for r in data:
        table.add_row(r["name"], r["kind"], r["params"], r["summary"], r["torch"], r["module"])
    Console().print(table)
    return 0
