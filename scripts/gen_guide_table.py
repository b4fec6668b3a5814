"""Regenerate the decision table in docs/guide.md from the guide's rules (``--check``: exit 1 when stale)."""
from __future__ import annotations

import argparse
import pathlib
import sys

from actloss.guide._table import replace_generated

PAGE = pathlib.Path(__file__).resolve().parent.parent / "docs" / "guide.md"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 when docs/guide.md is stale")
    args = parser.parse_args(argv)
    text = PAGE.read_text(encoding="utf-8")
    new = replace_generated(text)
    if args.check:
        if new != text:
            print(f"{PAGE} is stale: run python scripts/gen_guide_table.py", file=sys.stderr)
            return 1
        return 0
    PAGE.write_text(new, encoding="utf-8")
    print(f"wrote {PAGE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
