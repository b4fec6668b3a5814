"""``actloss lint``: a static linter for the activation and loss mistakes AL101-AL108 in PyTorch code.

It parses with CPython's ``ast``, follows the data through each file (and model classes across the linted
tree), and never imports or runs the code it reads; libcst is used only to apply ``--fix`` rewrites. ``lint_source`` lints one text; ``lint_paths`` files, trees and
notebooks; ``fix_source`` applies the safe rewrites (AL101, AL102).
"""
from __future__ import annotations

from actloss.lint._core import Finding as Finding
from actloss.lint._core import LintError as LintError
from actloss.lint._core import lint_source as lint_source
from actloss.lint._fix import fix_source as fix_source
from actloss.lint._runner import FileError as FileError
from actloss.lint._runner import LintReport as LintReport
from actloss.lint._runner import lint_paths as lint_paths

__all__ = ["Finding", "LintError", "FileError", "LintReport", "lint_source", "lint_paths", "fix_source"]

