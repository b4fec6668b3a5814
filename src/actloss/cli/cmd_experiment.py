"""``actloss experiment NAME``: run one experiment (or ``all``), write its plots and table, print the verdict.

    actloss experiment bce-stability
    actloss experiment all --out results --size small
    actloss experiment --list

Exit status: 0 when every checked statement of the claim held, 1 when one did not, 2 for usage errors.
"""
from __future__ import annotations

import argparse
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    from actloss.experiments import EXPERIMENTS, SIZES

    p = subparsers.add_parser(
        "experiment",
        help="reproduce a claim (mse-classification, vanishing-sigmoid, ...) with a plot and a table",
        description="Run an experiment that checks one claim about activations or losses; write its "
                    "figure(s) (PNG) and table (CSV), print the table and whether each part of the claim "
                    "held.",
    )
    p.add_argument("name", nargs="?", choices=[*EXPERIMENTS, "all"], metavar="NAME",
                   help=f"one of {', '.join(EXPERIMENTS)}, or all")
    p.add_argument("--out", default="experiments-output",
                   help="output directory (default: experiments-output)")
    p.add_argument("--size", choices=SIZES, default="full", help="small: seconds (what the tests run); full")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--list", action="store_true", help="list the experiments and their claims")
    p.set_defaults(func=handler)


def print_result(result, console=None) -> None:  # noqa: ANN001
    rows = result.table
    keys = [k for k in (rows[0] if rows else {}) if any(r[k] not in (None, "") for r in rows)]
    from actloss.experiments._common import fmt

    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:  # plain text without the cli extra
        print(f"{result.name}: {result.claim}")
        print("  ".join(keys))
        for r in rows:
            print("  ".join(fmt(r[k]) if r[k] is not None else "n/a" for k in keys))
        for statement, ok in result.verdict.items():
            print(f"  [{'holds' if ok else 'FAILS'}] {statement}")
        for n in result.notes:
            print(f"  note: {n}")
        return
    console = console or Console()
    table = Table(title=f"{result.name}", caption=result.claim, caption_justify="left")
    for k in keys:
        table.add_column(k, overflow="fold")
    for r in rows:
        table.add_row(*(fmt(r[k]) if r[k] is not None else "n/a" for k in keys))
    console.print(table)
    for statement, ok in result.verdict.items():
        mark = "[green]holds[/green]" if ok else "[red]FAILS[/red]"
        console.print(f"  {mark}  {statement}", highlight=False)
    for n in result.notes:
        console.print(f"  [yellow]note[/yellow]: {n}", highlight=False)


def handler(args: argparse.Namespace) -> int:
    from actloss import experiments

    if args.list:
        for name in experiments.EXPERIMENTS:
            print(f"{name:<20} {experiments.claim(name)}")
        return 0
    if args.name is None:
        print("actloss experiment: error: expected an experiment NAME, 'all' or --list", file=sys.stderr)
        return 2
    names = list(experiments.EXPERIMENTS) if args.name == "all" else [args.name]
    status = 0
    for name in names:
        result = experiments.run(name, out_dir=args.out, size=args.size, seed=args.seed)
        print_result(result)
        print(f"wrote {', '.join(str(f) for f in result.files)}")
        if not result.holds:
            status = 1
    return status
