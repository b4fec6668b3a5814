"""Fast tree walking and node positions for libcst trees.

``libcst``'s ``node.children`` and its ``PositionProvider`` regenerate code for the whole tree; on typical
files they cost more than the analysis. Here children come from a per-class list of the fields that can hold
code (whitespace and punctuation fields are skipped), and a finding's position is found by locating the
node's own code in the source: the k-th node with that exact code (in tree order) is the k-th occurrence of
the code in the text. When the count of occurrences differs (the same text in a comment or a string), the
exact but slow ``PositionProvider`` answers instead.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence

import libcst as cst

_SKIP = frozenset(
    {
        "lpar", "rpar", "comma", "lbracket", "rbracket", "lbrace", "rbrace", "dot", "operator", "equal",
        "colon", "semicolon", "leading_lines", "trailing_whitespace", "header", "footer", "asynchronous",
        "lines_after_decorators", "star", "whitespace", "newline", "whitespace_before", "whitespace_after",
        "prefix", "quote", "start", "end", "value_whitespace",
    }
)
_FIELDS: dict[type, tuple[str, ...]] = {}


def _fields(cls: type) -> tuple[str, ...]:
    names = _FIELDS.get(cls)
    if names is None:
        names = tuple(
            f.name
            for f in dataclasses.fields(cls)
            if f.name not in _SKIP and not f.name.startswith(("whitespace", "lines_"))
        )
        _FIELDS[cls] = names
    return names


def kids(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """The child nodes that can contain code, in field order."""
    for name in _fields(type(node)):
        value = getattr(node, name)
        if isinstance(value, cst.CSTNode):
            yield value
        elif isinstance(value, (tuple, list)):
            for v in value:
                if isinstance(v, cst.CSTNode):
                    yield v


def walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Pre-order walk (depth first, children in field order), iterative."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        children = list(kids(n))
        children.reverse()
        stack.extend(children)


def _key(node: cst.CSTNode) -> str:
    """A cheap key that nodes with the same code share: the type and the callee / head name."""
    head = node.func if isinstance(node, cst.Call) else node
    while isinstance(head, (cst.Attribute, cst.Call, cst.Subscript)):
        head = head.attr if isinstance(head, cst.Attribute) else (head.func if isinstance(head, cst.Call) else head.value)
    return f"{type(node).__name__}:{head.value if isinstance(head, cst.Name) else ''}"


def positions(module: cst.Module, source: str, nodes: Sequence[cst.CSTNode]) -> dict[int, tuple[int, int]]:
    """``id(node) -> (line, column)``, 1-based line, 0-based column, for each node of ``nodes``."""
    def code_of(n: cst.CSTNode) -> str:  # without the node's own parentheses, as PositionProvider counts
        if getattr(n, "lpar", None):
            n = n.with_changes(lpar=(), rpar=())
        return module.code_for_node(n)

    texts = {id(n): code_of(n) for n in nodes}
    keys = {_key(n) for n in nodes}
    wanted = set(texts.values())
    order: dict[str, list[int]] = {}
    for n in walk(module):
        if isinstance(n, (cst.Call, cst.Comparison, cst.Name)) and _key(n) in keys:
            text = code_of(n)
            if text in wanted:
                order.setdefault(text, []).append(id(n))
    result: dict[int, tuple[int, int]] = {}
    slow: list[cst.CSTNode] = []
    for n in nodes:
        text = texts[id(n)]
        same = order.get(text, [])
        starts = _occurrences(source, text)
        if id(n) not in same or len(starts) != len(same):
            slow.append(n)
            continue
        pos = starts[same.index(id(n))]
        line = source.count("\n", 0, pos) + 1
        col = pos - (source.rfind("\n", 0, pos) + 1)
        result[id(n)] = (line, col)
    if slow:
        from libcst.metadata import MetadataWrapper, PositionProvider

        exact = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
        for n in slow:
            start = exact[n].start
            result[id(n)] = (start.line, start.column)
    return result


def _occurrences(source: str, text: str) -> list[int]:
    found = []
    i = source.find(text)
    while i >= 0 and text:
        found.append(i)
        i = source.find(text, i + 1)
    return found
