"""The hand-written import resolution and the positions the linter reports (CPython's ``ast``) agree with
libcst's own providers (``QualifiedNameProvider``, ``PositionProvider``), the reference they replace."""
from __future__ import annotations

import ast
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider, QualifiedNameProvider

from actloss.lint import _names as N
from actloss.lint._core import lint_source, position, split_lines

FIXTURES = Path(__file__).parent / "fixtures"
FILES = sorted(p for p in FIXTURES.rglob("*.py"))


def _starts(text: str) -> list[tuple[int, int, str]]:
    """(line, column, kind) where libcst's ``PositionProvider`` puts each call and each comparison."""
    module = cst.parse_module(text)
    where = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    kinds = {cst.Call: "call", cst.Comparison: "compare"}
    return sorted((r.start.line, r.start.column, kinds[type(n)]) for n, r in where.items() if type(n) in kinds)


def _kind(node: ast.AST) -> str:
    return "call" if isinstance(node, ast.Call) else "compare"


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_import_resolution_matches_qualified_name_provider(path: Path):
    text = path.read_text()
    tree = ast.parse(text)
    if not any(isinstance(n, (ast.Import, ast.ImportFrom)) for n in ast.walk(tree)):
        pytest.skip("a fragment with no import: torch / nn / F by convention (test_fragment_without_imports)")
    table = N.ImportTable(tree)
    module = cst.parse_module(text)
    theirs: dict[tuple[int, int], set[str]] = {}

    class Collect(cst.CSTVisitor):
        METADATA_DEPENDENCIES = (QualifiedNameProvider, PositionProvider)

        def visit_Call(self, node: cst.Call) -> None:
            if isinstance(node.func, (cst.Name, cst.Attribute)):
                start = self.get_metadata(PositionProvider, node.func).start
                names = self.get_metadata(QualifiedNameProvider, node.func, set())
                theirs[(start.line, start.column)] = {N.canonical(q.name) for q in names}

    MetadataWrapper(module, unsafe_skip_copy=True).visit(Collect())
    lines = split_lines(text)
    checked = 0
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute)):
            ours = table.qualify(node.func)
            head = node.func
            while isinstance(head, ast.Attribute):
                head = head.value
            if isinstance(head, ast.Name) and head.id in table.by_convention:
                continue  # torch / nn / F read by convention in a fragment (libcst knows only imports)
            if ours is not None and not ours.startswith("."):
                assert ours in theirs[position(node.func, lines)], (ours, theirs[position(node.func, lines)])
                checked += 1
    assert checked or "torch" not in text


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_positions_match_position_provider(path: Path):
    text = path.read_text()
    lines = split_lines(text)
    nodes = [n for n in ast.walk(ast.parse(text)) if isinstance(n, (ast.Call, ast.Compare))]
    assert nodes or "(" not in text
    assert sorted((*position(n, lines), _kind(n)) for n in nodes) == _starts(text)


def test_positions_count_characters_not_bytes():
    # ast counts columns in UTF-8 bytes; the finding must say the character column (as libcst and editors do)
    text = 'import torch.nn.functional as F\nloss = {"é": 1, "ü": F.cross_entropy(F.softmax(x, 1), y)}\n'
    (f,) = lint_source(text)
    assert (f.line, f.col) == (2, text.splitlines()[1].index("F.cross") + 1)
    assert (2, f.col - 1, "call") in _starts(text)
    assert f.col - 1 < text.splitlines()[1].encode().index(b"F.cross")  # the byte offset is further right


def test_lines_are_numbered_as_python_numbers_them():
    # a form feed is not a line break for Python (str.splitlines would count one, shifting noqa lookups)
    text = "import torch.nn.functional as F\n\x0c\nloss = F.cross_entropy(F.softmax(x, 1), y)  # noqa: AL102\n"
    assert lint_source(text) == []
    (f,) = lint_source(text.replace("  # noqa: AL102", ""))
    assert f.line == 3


@pytest.mark.parametrize(
    "src, expr, expected",
    [
        ("import torch.nn as nn", "nn.BCELoss", "torch.nn.BCELoss"),
        ("from torch.nn import functional as F", "F.softmax", "torch.nn.functional.softmax"),
        ("from torch import sigmoid", "sigmoid", "torch.sigmoid"),
        ("import torch", "torch.nn.functional.softmax", "torch.nn.functional.softmax"),
        ("from torch.nn.modules.loss import BCELoss", "BCELoss", "torch.nn.BCELoss"),
        ("import torch.nn.functional", "torch.nn.functional.nll_loss", "torch.nn.functional.nll_loss"),
        ("from .models import Net", "Net", ".models.Net"),
        ("from .. import models", "models.Net", "..models.Net"),
        ("import numpy as np", "torch.sigmoid", None),
        ("try:\n    import torch.nn as nn\nexcept ImportError:\n    pass", "nn.Softmax", "torch.nn.Softmax"),
        ("def f():\n    from torch.nn import functional as F", "F.softmax", "torch.nn.functional.softmax"),
        ("import numpy as F\nimport torch.nn.functional as F", "F.softmax", "torch.nn.functional.softmax"),
    ],
)
def test_qualify(src, expr, expected):
    table = N.ImportTable(ast.parse(src + "\n"))
    assert table.qualify(ast.parse(expr, mode="eval").body) == expected


def test_fragment_without_imports():
    """A file with no import at all reads torch / nn / F by their conventional names, unless it binds them; a file
    with any import is read by its imports alone."""
    def q(src: str, expr: str) -> str | None:
        return N.ImportTable(ast.parse(src)).qualify(ast.parse(expr, mode="eval").body)

    assert q("x = 1\n", "nn.BCELoss") == "torch.nn.BCELoss"
    assert q("x = 1\n", "F.softmax") == "torch.nn.functional.softmax"
    assert q("x = 1\n", "torch.sigmoid") == "torch.sigmoid"
    assert q("def F(x):\n    return x\n", "F.softmax") is None
    assert q("nn = None\n", "nn.BCELoss") is None
    assert q("for torch in range(3):\n    pass\n", "torch.sigmoid") is None
    assert q("import numpy as np\n", "torch.sigmoid") is None
    assert q("from helpers import *\n", "nn.BCELoss") is None
