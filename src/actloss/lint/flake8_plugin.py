"""flake8 adapter: ``flake8 --select AL`` runs the actloss rules on each file flake8 checks.

Registered in pyproject.toml under ``[project.entry-points."flake8.extension"]`` as
``AL = "actloss.lint.flake8_plugin:ActlossChecker"``. Within flake8 the cross-file model index is not
available (flake8 checks files one at a time); ``actloss lint`` on the tree has it.
"""
from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence

from actloss import __version__


class ActlossChecker:
    name = "actloss"
    version = __version__

    def __init__(self, tree: ast.AST, lines: Sequence[str], filename: str = "<stdin>") -> None:
        self.lines = lines
        self.filename = filename

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        from actloss.lint._core import LintError, lint_source

        source = "".join(self.lines)
        try:
            findings = lint_source(source, self.filename)
        except LintError:
            return  # flake8 reports syntax errors itself (E999)
        for f in findings:
            yield f.line, f.col - 1, f"{f.code} {f.message}", type(self)
