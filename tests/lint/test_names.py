"""The hand-written import resolution and position finder agree with libcst's own (slow) providers."""
from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider, QualifiedNameProvider

from actloss.lint import _names as N
from actloss.lint._walk import positions, walk

FIXTURES = Path(__file__).parent / "fixtures"
FILES = sorted(p for p in FIXTURES.rglob("*.py"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_import_resolution_matches_qualified_name_provider(path: Path):
    module = cst.parse_module(path.read_text())
    table = N.ImportTable(module)
    pairs: list[tuple[str | None, set[str]]] = []

    class Collect(cst.CSTVisitor):
        METADATA_DEPENDENCIES = (QualifiedNameProvider,)

        def visit_Call(self, node: cst.Call) -> None:
            if isinstance(node.func, (cst.Name, cst.Attribute)):
                theirs = {q.name for q in self.get_metadata(QualifiedNameProvider, node.func, set())}
                pairs.append((table.qualify(node.func), theirs))

    MetadataWrapper(module, unsafe_skip_copy=True).visit(Collect())
    checked = 0
    for ours, theirs in pairs:
        if ours is not None and not ours.startswith("."):
            assert ours in {N.canonical(t) for t in theirs}, (ours, theirs)
            checked += 1
    assert checked or "torch" not in path.read_text()


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_positions_match_position_provider(path: Path):
    text = path.read_text()
    module = cst.parse_module(text)
    nodes = [n for n in walk(module) if isinstance(n, (cst.Call, cst.Comparison))]
    exact = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    fast = positions(module, text, nodes)
    for n in nodes:
        assert fast[id(n)] == (exact[n].start.line, exact[n].start.column)


def test_positions_fall_back_when_the_text_repeats_in_a_comment():
    text = "import torch\n# torch.sigmoid(x)\ny = torch.sigmoid(x)\n"
    module = cst.parse_module(text)
    (call,) = [n for n in walk(module) if isinstance(n, cst.Call)]
    assert positions(module, text, [call]) == {id(call): (3, 4)}


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
        ("import numpy as np", "torch.sigmoid", None),
    ],
)
def test_qualify(src, expr, expected):
    table = N.ImportTable(cst.parse_module(src + "\n"))
    assert table.qualify(cst.parse_expression(expr)) == expected
