"""Rule base, findings, and linting of one source text (parse, follow the data, run the rules, noqa)."""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import libcst as cst

from actloss.lint._flow import FileAnalysis, FileFacts, V
from actloss.lint._walk import positions


@dataclass(frozen=True)
class Finding:
    """One finding. ``line`` and ``col`` are 1-based (as flake8 prints them); ``cell`` is the notebook cell."""

    path: str
    line: int
    col: int
    code: str
    message: str
    fixable: bool = False
    cell: int | None = None

    def sort_key(self) -> tuple:
        return (self.path, self.cell or 0, self.line, self.col, self.code)


@dataclass
class RawFinding:
    """A finding before positions: the node it points at and the rewrites that fix it (node -> new node)."""

    node: cst.CSTNode
    code: str
    message: str
    edits: dict[int, tuple[cst.CSTNode, cst.CSTNode]] = field(default_factory=dict)


class Rule:
    """One stable code. Subclasses set ``code`` and implement ``check``; they only read facts."""

    code: str = ""

    def check(self, facts: FileFacts, ctx: Context) -> Iterable[RawFinding]:
        raise NotImplementedError


@dataclass
class Context:
    module: cst.Module
    analysis: FileAnalysis
    source: str


def describe(v: V) -> str:
    """`` (the output of Net.forward)`` when a value comes out of a model, else ''."""
    return f" (the output of {v.where})" if v.where else ""


class LintError(Exception):
    """A file that cannot be linted (syntax error, undecodable bytes): a one-line reason."""


_NOQA = re.compile(r"#\s*noqa(?::[\s]*(?P<codes>[A-Za-z]+[0-9]+(?:[\s,]+[A-Za-z]+[0-9]+)*))?", re.IGNORECASE)


def noqa_codes(line: str) -> tuple[str, ...] | None:
    """None: no noqa comment; (): bare ``# noqa``; else the codes (prefixes) listed."""
    m = _NOQA.search(line)
    if m is None:
        return None
    codes = m.group("codes")
    if not codes:
        return ()
    return tuple(c.upper() for c in re.split(r"[\s,]+", codes.strip()) if c)


def selected(code: str, select: Sequence[str], ignore: Sequence[str]) -> bool:
    """``--select`` / ``--ignore`` by prefix (``AL1`` selects AL101-AL108); the longer matching prefix wins."""
    s = max((len(p) for p in select if code.startswith(p)), default=-1)
    i = max((len(p) for p in ignore if code.startswith(p)), default=-1)
    return s >= 0 and s > i


MAX_DEPTH = 100  # CPython itself refuses 200 nested brackets; libcst's native parser can crash on thousands
MAX_LINE = 20_000  # characters; libcst slows down badly on single huge expressions
_BRACKETS = re.compile(rb"[][(){}]")


def _guard(source: str | bytes) -> None:
    """Refuse, with a one-line reason, input that would make the parser crash or crawl."""
    data = source.encode("utf-8", "surrogatepass") if isinstance(source, str) else source
    depth = deepest = longest = 0
    for line in data.split(b"\n"):
        longest = max(longest, len(line))
        if line[:1].isalpha() or line[:1] in (b"_", b"@"):
            depth = 0  # a new top-level statement: an unbalanced bracket in a string or comment stops here
        code = line.split(b"#", 1)[0]  # a '#' inside a string cuts the line short: only ever an underestimate
        for m in _BRACKETS.finditer(code):
            depth = max(0, depth + (1 if m.group() in b"([{" else -1))
            deepest = max(deepest, depth)
    if deepest > MAX_DEPTH:
        raise LintError(f"brackets nested {deepest} deep (limit {MAX_DEPTH}); not linted")
    if longest > MAX_LINE:
        raise LintError(f"a line of {longest} characters (limit {MAX_LINE}); not linted")


def parse(source: str | bytes) -> cst.Module:
    return parse_text(source)[0]


def parse_text(source: str | bytes) -> tuple[cst.Module, str]:
    """The module and its text. UTF-8 bytes are decoded here; other encodings (a coding cookie) by libcst."""
    _guard(source)
    text: str | None = source if isinstance(source, str) else None
    if text is None:
        try:
            text = source.decode("utf-8-sig")  # type: ignore[union-attr]
        except UnicodeDecodeError:
            text = None
    try:
        module = cst.parse_module(text if text is not None else source)
        return module, (text if text is not None else module.code)
    except cst.ParserSyntaxError as exc:
        # CPython's parser places the error better than libcst's; ask it (error path only).
        import ast

        try:
            ast.parse(source)
        except SyntaxError as py_exc:
            raise LintError(
                f"syntax error at line {py_exc.lineno}, column {py_exc.offset}: {py_exc.msg}"
            ) from None
        except (ValueError, RecursionError, MemoryError):
            pass
        raise LintError(f"syntax error at line {exc.raw_line}: {exc.message}") from None
    except UnicodeDecodeError as exc:
        raise LintError(
            f"cannot decode the file as {exc.encoding}: byte {exc.object[exc.start:exc.start + 1]!r} "
            f"at offset {exc.start}"
        ) from None
    except (SyntaxError, LookupError, ValueError) as exc:  # bad coding cookie, NUL bytes
        raise LintError(f"cannot parse: {exc}".splitlines()[0]) from None
    except RecursionError:
        raise LintError("cannot parse: expression nested too deeply") from None


def analyse(  # noqa: ANN201
    module: cst.Module, source: str, project: dict[str, V] | None = None, module_name: str = ""
):
    analysis = FileAnalysis(module, project, module_name)
    try:
        facts = analysis.run()
    except RecursionError:
        raise LintError("cannot analyse: expression nested too deeply") from None
    from actloss.lint.rules import RULES

    ctx = Context(module=module, analysis=analysis, source=source)
    raws: list[RawFinding] = []
    for rule in RULES:
        raws.extend(rule.check(facts, ctx))
    return analysis, facts, raws


def lint_module(
    module: cst.Module,
    path: str,
    *,
    project: dict[str, V] | None = None,
    select: Sequence[str] = ("AL",),
    ignore: Sequence[str] = (),
    source: str | None = None,
    module_name: str = "",
) -> tuple[list[Finding], list[RawFinding], FileFacts]:
    """Findings for a parsed module (noqa and select/ignore applied), the raw findings kept, and the facts.
    ``source``: the module's text when the caller has it (regenerating it costs as much as the analysis)."""
    source = module.code if source is None else source
    _, facts, raws = analyse(module, source, project, module_name)
    raws = [r for r in raws if selected(r.code, select, ignore)]
    if not raws:
        return [], [], facts
    where = positions(module, source, [r.node for r in raws])
    lines = source.splitlines()
    findings: list[Finding] = []
    kept: list[RawFinding] = []
    seen: set[tuple[int, int, str]] = set()
    for raw in raws:
        line, column = where[id(raw.node)]
        key = (line, column, raw.code)
        if key in seen:
            continue
        seen.add(key)
        text = lines[line - 1] if 0 < line <= len(lines) else ""
        codes = noqa_codes(text)
        if codes is not None and (not codes or any(raw.code.startswith(c) for c in codes)):
            continue
        findings.append(Finding(path, line, column + 1, raw.code, raw.message, bool(raw.edits)))
        kept.append(raw)
    order = sorted(range(len(findings)), key=lambda i: findings[i].sort_key())
    return [findings[i] for i in order], [kept[i] for i in order], facts


def lint_source(
    source: str | bytes,
    path: str = "<string>",
    *,
    project: dict[str, V] | None = None,
    select: Sequence[str] = ("AL",),
    ignore: Sequence[str] = (),
) -> list[Finding]:
    """Lint one Python source text; ``LintError`` when it cannot be parsed or decoded."""
    module, text = parse_text(source)
    findings, _, _ = lint_module(module, path, project=project, select=select, ignore=ignore, source=text)
    return findings
