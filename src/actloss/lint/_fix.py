"""``--fix``: apply the safe rewrites (AL101, AL102) with libcst, keeping formatting and comments.

The rules find the mistakes on CPython's ``ast`` (``rules._fixes.Edit`` names the ``ast`` node to rewrite);
only a file with a fixable finding is parsed again with libcst, where each node is found by its position
(both parsers place a node at its first token, outside its own parentheses) and rewritten.
"""
from __future__ import annotations

import ast
from collections.abc import Sequence
from typing import TYPE_CHECKING

from actloss.lint._core import LintError, lint_module, parse_text, position, split_lines
from actloss.lint._flow import V
from actloss.lint.rules._fixes import Edit

if TYPE_CHECKING:
    import libcst as cst

Span = tuple[int, int, int, int]


def _applier(edits: dict[int, tuple[cst.CSTNode, cst.CSTNode]]) -> cst.CSTTransformer:
    """A transformer that swaps each node of ``edits`` (by id) for its new node."""
    import libcst as cst  # imported here: linting without --fix never needs libcst (0.13 s to import)

    class Apply(cst.CSTTransformer):
        def on_leave(self, original_node, updated_node):  # noqa: ANN001, ANN201
            hit = edits.get(id(original_node))
            return hit[1] if hit is not None and hit[0] is original_node else updated_node

    return Apply()


def _span(node: ast.AST, lines: Sequence[str]) -> Span:
    return (*position(node, lines), *position(node, lines, end=True))


def _rewrite(text: str, planned: list[dict[int, Edit]]) -> tuple[str, int]:
    """Apply each finding's edits (all of them or, when a node cannot be found, none); the new text and the
    number of findings fixed."""
    import libcst as cst
    from libcst.metadata import MetadataWrapper, PositionProvider

    try:
        module = cst.parse_module(text)
    except (cst.ParserSyntaxError, RecursionError, ValueError) as exc:
        raise LintError(f"cannot fix: libcst cannot parse the file: {str(exc).splitlines()[0]}") from None
    where = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    nodes: dict[Span, cst.CSTNode] = {}
    for node, r in where.items():
        if isinstance(node, cst.BaseExpression):
            nodes.setdefault((r.start.line, r.start.column, r.end.line, r.end.column), node)
    lines = split_lines(text)
    edits: dict[int, tuple[cst.CSTNode, cst.CSTNode]] = {}
    fixed = 0
    for plan in planned:
        mine: dict[int, tuple[cst.CSTNode, cst.CSTNode]] = {}
        for e in plan.values():
            old = nodes.get(_span(e.node, lines))
            if old is None:
                break
            if e.by is not None:
                new = nodes.get(_span(e.by, lines))
                if new is None:
                    break
                if old.lpar and not new.lpar:  # type: ignore[attr-defined]
                    new = new.with_changes(lpar=old.lpar, rpar=old.rpar)  # type: ignore[attr-defined]
            elif isinstance(old, cst.Attribute):
                new = old.with_changes(attr=cst.Name(e.attr))
            else:
                break
            mine[id(old)] = (old, new)
        else:
            edits.update(mine)
            fixed += 1
    if not edits:
        return text, 0
    return module.visit(_applier(edits)).code, fixed


def fix_source(
    source: str | bytes,
    path: str = "<string>",
    *,
    project: dict[str, V] | None = None,
    select: Sequence[str] = ("AL",),
    ignore: Sequence[str] = (),
) -> tuple[str, int]:
    """Return the rewritten source and the number of findings fixed. Only fixable findings change."""
    tree, text = parse_text(source)
    fixed = 0
    for round_ in range(3):  # a fix can uncover another (a sigmoid inside a softmax); 3 rounds is plenty
        if round_:
            tree, text = parse_text(text)
        _, raws, _ = lint_module(tree, path, source=text, project=project, select=select, ignore=ignore)
        planned = [raw.edits for raw in raws if raw.edits]
        if not planned:
            break
        text, count = _rewrite(text, planned)
        if count == 0:
            break
        fixed += count
    return text, fixed
