"""``actloss lint PATH...``: find activation/loss mistakes (AL101-AL108) in PyTorch source and notebooks.

Exit status: 0 clean, 1 findings (or files that could not be linted), 2 usage errors.
"""
from __future__ import annotations

import argparse
import difflib
import os
import sys


def _codes(value: str) -> list[str]:
    codes = [c.strip().upper() for c in value.split(",") if c.strip()]
    for c in codes:
        if not c.startswith("AL"):
            raise argparse.ArgumentTypeError(
                f"expected comma-separated code prefixes starting with AL (e.g. AL1,AL102); received {c!r}"
            )
    return codes


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "lint",
        help="find activation and loss mistakes in PyTorch source code (AL101-AL108)",
        description="Statically find activation/loss mistakes in PyTorch code. Never imports or runs it.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="files (.py, .ipynb) or directories")
    p.add_argument("--format", choices=("text", "json", "sarif"), default="text", help="report format")
    p.add_argument("--select", type=_codes, default=["AL"], metavar="CODES", help="code prefixes to report")
    p.add_argument("--ignore", type=_codes, default=[], metavar="CODES", help="code prefixes to skip")
    p.add_argument("--fix", action="store_true", help="rewrite the safe cases (AL101, AL102) in place")
    p.add_argument("--diff", action="store_true", help="print the --fix rewrite as a diff; write nothing")
    p.add_argument("--jobs", type=int, default=None, metavar="N", help="worker processes (default: CPUs)")
    p.set_defaults(func=handler)


def handler(args: argparse.Namespace) -> int:
    from actloss.lint import _output
    from actloss.lint._runner import lint_paths

    if args.jobs is not None and args.jobs < 1:
        print(f"actloss lint: error: --jobs expects an integer >= 1; received {args.jobs}", file=sys.stderr)
        return 2
    missing = [p for p in args.paths if not os.path.lexists(p)]
    if missing:
        print(f"actloss lint: error: no such file or directory: {', '.join(missing)}", file=sys.stderr)
        return 2
    report = lint_paths(args.paths, select=args.select, ignore=args.ignore, jobs=args.jobs)
    if args.fix or args.diff:
        report = _fix(report, args)
    if args.format == "json":
        sys.stdout.write(_output.as_json(report))
    elif args.format == "sarif":
        sys.stdout.write(_output.as_sarif(report))
    else:
        sys.stdout.write(_output.text(report))
    for e in report.errors:
        print(f"{e.path}: error: {e.message}", file=sys.stderr)
    return 1 if (report.findings or report.errors) else 0


def _fix(report, args):  # noqa: ANN001, ANN202
    """Apply (or, with --diff, show) the rewrites; report what is left after them."""
    from actloss.lint._core import LintError
    from actloss.lint._fix import fix_source
    from actloss.lint._runner import lint_paths

    paths = sorted({f.path for f in report.findings if f.fixable and f.cell is None})
    changed = []
    for path in paths:
        try:
            with open(path, "rb") as fh:
                before_bytes = fh.read()
            before = before_bytes.decode("utf-8")
            after, n = fix_source(before_bytes, path, select=args.select, ignore=args.ignore)
        except (OSError, UnicodeDecodeError, LintError) as exc:
            print(f"{path}: error: not fixed: {exc}", file=sys.stderr)
            continue
        if n == 0 or after == before:
            continue
        if args.diff:
            sys.stdout.writelines(
                difflib.unified_diff(
                    before.splitlines(keepends=True), after.splitlines(keepends=True), f"a/{path.lstrip('/')}", f"b/{path.lstrip('/')}"
                )
            )
        else:
            with open(path, "w", encoding="utf-8", newline="") as fh:
                fh.write(after)
            print(f"{path}: fixed {n} finding(s)", file=sys.stderr)
        changed.append(path)
    if args.diff or not changed:
        return report
    return lint_paths(args.paths, select=args.select, ignore=args.ignore, jobs=args.jobs)
