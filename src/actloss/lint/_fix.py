"""``--fix``: apply the safe rewrites (AL101, AL102) with libcst, keeping formatting and comments."""
from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from actloss.lint._core import lint_module, parse
from actloss.lint._flow import V


class _Apply(cst.CSTTransformer):
    def __init__(self, edits: dict[int, tuple[cst.CSTNode, cst.CSTNode]]) -> None:
        super().__init__()
        self.edits = edits
        self.applied = 0

    def on_leave(self, original_node, updated_node):  # noqa: ANN001, ANN201
        hit = self.edits.get(id(original_node))
        if hit is not None and hit[0] is original_node:
            self.applied += 1
            return hit[1]
        return updated_node


def fix_source(
    source: str | bytes,
    path: str = "<string>",
    *,
    project: dict[str, V] | None = None,
    select: Sequence[str] = ("AL",),
    ignore: Sequence[str] = (),
) -> tuple[str, int]:
    """Return the rewritten source and the number of findings fixed. Only fixable findings change."""
    module = parse(source)
    fixed = 0
    for _ in range(3):  # a fix can uncover another (a sigmoid inside a softmax); 3 rounds is plenty
        _, raws, _ = lint_module(module, path, project=project, select=select, ignore=ignore)
        edits: dict[int, tuple[cst.CSTNode, cst.CSTNode]] = {}
        count = 0
        for raw in raws:
            if raw.edits:  # edits keyed by the same node are the same rewrite (a shared loss constructor)
                edits.update(raw.edits)
                count += 1
        if not edits:
            break
        new_module = module.visit(_Apply(edits))
        fixed += count
        module = parse(new_module.code)
    return module.code, fixed
