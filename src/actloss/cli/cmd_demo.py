"""``actloss demo``: the library's claims on generated data, with a progress bar; PNGs and an HTML report.

Writes to ``demo-output/`` by default; ``make demo`` runs this.

    actloss demo
    actloss demo --out /tmp/demo --size small
"""
from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "demo",
        help="train wrong and right setups on generated data; doctor, linter, experiments; HTML report",
        description="Ask the guide for three generated tasks' recipes, train the common mistakes and the "
                    "recipes side by side, show the doctor's and the linter's findings, run the fast "
                    "experiments, and write PNGs and a one-page HTML report.",
    )
    p.add_argument("--out", default="demo-output", help="output directory (default: demo-output)")
    p.add_argument("--size", choices=("full", "small"), default="full", help="small: a few seconds (tests)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=handler)


def handler(args: argparse.Namespace) -> int:
    from actloss.demo import run_demo

    run_demo(args.out, size=args.size, seed=args.seed, progress=not args.no_progress)
    return 0
