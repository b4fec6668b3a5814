"""The ``actloss`` command line: one parser, one subcommand per ``cmd_*.py`` module in this package.

Each subcommand module defines ``register(subparsers) -> None``, which adds its parser and sets
``func=handler`` on it; ``handler(args) -> int`` returns the exit status. Subcommands call the public API only.
"""
from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence


def _subcommand_modules() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name.startswith("cmd_"))


def build_parser() -> argparse.ArgumentParser:
    from actloss import __version__

    parser = argparse.ArgumentParser(
        prog="actloss",
        description="Exact activations and losses; a decision guide, a linter and a training doctor.",
    )
    parser.add_argument("--version", action="version", version=f"actloss {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _subcommand_modules():
        importlib.import_module(f"{__name__}.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
