"""``actloss advise``: the decision guide on the command line, from a task or from a data file.

    actloss advise --task binary --imbalanced
    actloss advise data.csv --target label
    actloss advise --example fraud --json
"""
from __future__ import annotations

import argparse
import json
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "advise",
        help="choose the output activation, loss and its parameters for a task or a data file",
        description="Print the recipe (task, head, loss and parameters, inference, reasons) and runnable "
                    "PyTorch code, for a task by name or inferred from the targets in a CSV, Parquet or "
                    ".npy file.",
    )
    p.add_argument("data", nargs="?", help="a .csv, .parquet or .npy file holding the targets")
    p.add_argument("--target", help="target column (several separated by commas for multi-label targets; "
                                    "column indices for .npy)")
    p.add_argument("--task", help="regression | bounded_regression | count_regression | binary | multiclass "
                                  "| multilabel (wins over inference)")
    p.add_argument("--imbalanced", action=argparse.BooleanOptionalAction, default=None,
                   help="classification: weight the classes (--no-imbalanced forbids it)")
    p.add_argument("--outliers", action=argparse.BooleanOptionalAction, default=None,
                   help="regression: Huber loss (--no-outliers keeps MSE)")
    p.add_argument("--architecture", help="mlp | cnn | transformer | rnn (hidden-activation advice)")
    p.add_argument("--positive-label", help="binary: the label that is the positive class")
    p.add_argument("--example", help="use a bundled example data set instead of a file (see --list-examples)")
    p.add_argument("--list-examples", action="store_true", help="list the bundled example data sets")
    p.add_argument("--json", action="store_true", help="print the recipe as JSON")
    p.add_argument("--no-code", action="store_true", help="leave the code out of the text output")
    p.set_defaults(func=handler)


def _fail(msg: str) -> int:
    print(f"actloss advise: error: {msg}", file=sys.stderr)
    return 2


def handler(args: argparse.Namespace) -> int:
    import actloss
    from actloss import data as examples
    from actloss.guide import read_targets

    if args.list_examples:
        for e in examples.EXAMPLES.values():
            print(f"{e.name:<14} {e.filename:<18} target={e.target or '(whole array)':<32} {e.description}")
        return 0
    if args.data and args.example:
        return _fail("give a data file or --example, not both")
    if args.task is None and args.data is None and args.example is None:
        return _fail("give --task, a data file, or --example (actloss advise --help)")
    try:
        targets = None
        target = args.target
        if args.example:
            if args.example not in examples.EXAMPLES:
                return _fail(f"--example must be one of {', '.join(sorted(examples.EXAMPLES))}; "
                             f"received {args.example!r}")
            path = examples.example_path(args.example)
            target = target or examples.EXAMPLES[args.example].target
            targets = read_targets(path, target)
        elif args.data:
            targets = read_targets(args.data, target)
        elif target:
            return _fail("--target needs a data file or --example")
        recipe = actloss.recommend(
            args.task, targets=targets, imbalanced=args.imbalanced, outliers=args.outliers,
            architecture=args.architecture, positive_label=args.positive_label,
        )
    except ValueError as exc:
        return _fail(str(exc))
    if args.json:
        print(json.dumps(recipe.to_dict(), indent=2))
        return 0
    print(str(recipe))
    if not args.no_code:
        print("\ncode (PyTorch):\n")
        print(recipe.code, end="")
    return 0
