"""``actloss explain CODE``: print one entry of the mistake catalogue (what, why with the number, fix, example)."""
from __future__ import annotations

import argparse
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "explain",
        help="explain a mistake code (AL101-AL108 from lint, AL201-AL205 from the doctor)",
        description="Print a mistake-catalogue entry: what happens, why it hurts, the fix, before/after.",
    )
    p.add_argument("codes", nargs="*", metavar="CODE", help="codes such as AL102 (case-insensitive)")
    p.add_argument("--list", action="store_true", help="list every code with its one-line title")
    p.set_defaults(func=handler)


def handler(args: argparse.Namespace) -> int:
    from actloss import catalogue

    if not args.list and not args.codes:
        print(
            "actloss explain: error: expected a code such as AL102, or --list; "
            f"known codes: {', '.join(catalogue.CATALOGUE)}",
            file=sys.stderr,
        )
        return 2
    if args.list:
        for e in catalogue.CATALOGUE.values():
            print(f"{e.code}  {e.name:<36} {e.title}")
        return 0
    status = 0
    texts = []
    for code in args.codes:
        try:
            texts.append(catalogue.render(catalogue.get(code)))
        except ValueError as exc:
            print(f"actloss explain: error: {exc}", file=sys.stderr)
            status = 2
    print("\n".join(texts), end="")
    return status
