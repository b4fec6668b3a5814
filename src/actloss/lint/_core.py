"""Rule base, findings, and linting of one source text (parse, follow the data, run the rules, noqa).

The analysis reads CPython's own ``ast`` (parsing is 5-10x cheaper than libcst's concrete tree, and every node
carries its position); libcst is only used to apply ``--fix`` rewrites (``_fix.py``)."""
from __future__ import annotations

import ast
import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from actloss.lint._flow import FileAnalysis, FileFacts, V


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
    """A finding before positions: the node it points at and the rewrites that fix it (``rules._fixes.Edit``,
    keyed by the id of the node they replace)."""

    node: ast.AST
    code: str
    message: str
    edits: dict = field(default_factory=dict)


class Rule:
    """One stable code. Subclasses set ``code`` and implement ``check``; they only read facts."""

    code: str = ""

    def check(self, facts: FileFacts, ctx: Context) -> Iterable[RawFinding]:
        raise NotImplementedError


@dataclass
class Context:
    module: ast.Module
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


MAX_DEPTH = 100  # CPython itself refuses 200 nested brackets; libcst (``--fix``) can crash on thousands
MAX_LINE = 20_000  # characters; libcst (``--fix``) slows down badly on single huge expressions
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


def parse(source: str | bytes) -> ast.Module:
    return parse_text(source)[0]


def decode(source: str | bytes) -> str:
    """The text of a source file: UTF-8 (a BOM is dropped), else the encoding of its PEP 263 coding cookie."""
    if isinstance(source, str):
        return source
    try:
        return source.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        first = exc
    import io
    import tokenize

    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
    except SyntaxError as exc:  # an unknown or contradictory coding cookie
        raise LintError(f"cannot parse: {exc}".splitlines()[0]) from None
    try:
        if encoding in ("utf-8", "utf-8-sig"):
            raise first
        return source.decode(encoding)
    except UnicodeDecodeError as exc:
        raise LintError(
            f"cannot decode the file as {exc.encoding}: byte {exc.object[exc.start:exc.start + 1]!r} "
            f"at offset {exc.start}"
        ) from None


def _blank_nuls(text: str) -> str:
    """The text with each NUL in a comment made a space (CPython refuses NUL anywhere; libcst, and so this
    linter before it read ``ast``, accepts it in a comment); a NUL elsewhere is an error."""
    import io
    import tokenize

    blanked = text.replace("\x00", " ")
    lines = split_lines(text)
    try:
        comments = [
            t for t in tokenize.generate_tokens(io.StringIO(blanked).readline) if t.type == tokenize.COMMENT
        ]
    except (tokenize.TokenError, SyntaxError):
        comments = []
    inside = {(t.start[0], c) for t in comments for c in range(t.start[1], t.end[1])}
    for number, line in enumerate(lines, start=1):
        col = line.find("\x00")
        while col >= 0:
            if (number, col) not in inside:
                raise LintError(f"cannot parse: a NUL byte at line {number}, column {col + 1}")
            col = line.find("\x00", col + 1)
    return blanked


# a broken clause of a compound statement stays that clause (``except Exception, e:`` in Python 2)
_CLAUSES = {"except": "except:", "elif": "elif 1:", "else": "else:", "finally": "finally:"}
MAX_LEFT_OUT = 8  # lines a file with syntax errors may lose and still be linted (see ``parse_leaving_out``)
MAX_RECOVER_BYTES = 1_000_000  # each line left out costs one more parse of the file


def parse_leaving_out(source: str | bytes) -> tuple[ast.Module, str, str | None]:
    """``parse_text``, except that a file with a few broken lines (a stray quote, a Python 2 ``print``
    statement, an unfinished edit) is read without them: each line CPython reports is replaced by ``pass`` (or
    by ``if 1:``, or the bare clause it was, where an indented block follows it, so that the block stays), up to ``MAX_LEFT_OUT`` lines,
    every other line keeping its place. The third item is then the one-line syntax error with the lines left out
    (the file is linted, and the error is still reported); None when the file parses as written."""
    try:
        module, text = parse_text(source)
        return module, text, None
    except LintError as exc:
        if not str(exc).startswith("syntax error") or len(source) > MAX_RECOVER_BYTES:
            raise
        error = str(exc)
    text = decode(source)
    code = _blank_nuls(text) if "\x00" in text else text
    lines = _LINE.findall(code)
    left: list[int] = []
    tree = None
    while tree is None and len(left) < MAX_LEFT_OUT:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tree = ast.parse("".join(lines))
        except SyntaxError as e:
            number = e.lineno
            if number is None or not 1 <= number <= len(lines) or number in left or not lines[number - 1].strip():
                break
            line = lines[number - 1]
            indent = _INDENT.match(line).group()
            after = next((x for x in lines[number:] if x.strip() and not x.lstrip().startswith("#")), "")
            opens = len(_INDENT.match(after).group().expandtabs(8)) > len(indent.expandtabs(8))
            word = line.split(None, 1)[0].rstrip(":")
            stand_in = _CLAUSES.get(word, "if 1:") if opens else "pass"
            lines[number - 1] = indent + stand_in + line[len(line.rstrip("\r\n")) :]
            left.append(number)
        except (ValueError, RecursionError, MemoryError):
            break
    if tree is None:
        raise LintError(error)
    which = ", ".join(str(n) for n in sorted(left))
    return tree, text, f"{error}; linted without line{'s' if len(left) > 1 else ''} {which}"


def parse_text(source: str | bytes) -> tuple[ast.Module, str]:
    """The module (CPython's ``ast``) and its text; ``LintError`` with a one-line reason when it cannot be
    decoded or parsed."""
    _guard(source)
    text = decode(source)
    code = _blank_nuls(text) if "\x00" in text else text
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences and the like are not our business
            return ast.parse(code), text
    except SyntaxError as exc:
        tree = _parse_newer_fstrings(code) if "f" in code else None
        if tree is None and _ASYNC_KEYWORD.search(code):
            tree = _parse_async_keyword(code)
        if tree is None and isinstance(exc, IndentationError) and "\t" in code:
            tree = _parse_python2_tabs(code)
        if tree is not None:
            return tree, text
        raise LintError(f"syntax error at line {exc.lineno}, column {exc.offset}: {exc.msg}") from None
    except (RecursionError, MemoryError):
        raise LintError("cannot parse: expression nested too deeply") from None
    except ValueError as exc:  # surrogates that cannot be encoded
        raise LintError(f"cannot parse: {exc}".splitlines()[0]) from None


# ``x.cuda(async=True)``: PyTorch 0.3's keyword, a syntax error since Python 3.7 made ``async`` a keyword
_ASYNC_KEYWORD = re.compile(r"\basync(?=\s*=[^=])")


def _parse_async_keyword(code: str) -> ast.Module | None:
    """Code written for PyTorch before 0.4 (``.cuda(async=True)``, ``async=self.config.async_loading``): the
    keyword renamed to ``asynk``, the same length, so that every position stays; None when that does not parse
    either."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(_ASYNC_KEYWORD.sub("asynk", code))
    except (SyntaxError, RecursionError, MemoryError, ValueError):
        return None


_INDENT = re.compile(r"[ \t\f]*")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")  # lines with their ends, as CPython numbers them


def _parse_python2_tabs(code: str) -> ast.Module | None:
    """A file that mixes tabs and spaces in its indentation (``TabError``: Python 3 refuses what Python 2 read
    with a tab stop every 8 columns): read with each line's leading whitespace expanded as Python 2 did, else
    with a tab stop every 4 columns (the editor its author used, when Python 2 refused it too); then every
    column is moved back to the file as written, so findings point where an editor shows them. None when
    neither parses."""
    lines = _LINE.findall(code)
    for tabsize in (8, 4):
        shifts: dict[int, tuple[int, int]] = {}  # line -> (indent as written, indent expanded), where they differ
        pieces: list[str] = []
        for number, line in enumerate(lines, start=1):
            indent = _INDENT.match(line).group()
            if "\t" in indent:
                expanded = indent.expandtabs(tabsize)
                shifts[number] = (len(indent), len(expanded))
                line = expanded + line[len(indent) :]
            pieces.append(line)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tree = ast.parse("".join(pieces))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        _move_columns(tree, shifts)
        return tree
    return None


def _move_columns(tree: ast.Module, shifts: dict[int, tuple[int, int]]) -> None:
    """Columns of the expanded text moved back to the text as written (``shifts``: line -> indent lengths)."""

    def back(line: int | None, col: int | None) -> int | None:
        shift = shifts.get(line) if line is not None else None
        if shift is None or col is None or col < shift[1]:
            return col
        return col - shift[1] + shift[0]

    for node in ast.walk(tree):
        if hasattr(node, "col_offset"):
            node.col_offset = back(node.lineno, node.col_offset)
            if getattr(node, "end_col_offset", None) is not None:
                node.end_col_offset = back(node.end_lineno, node.end_col_offset)


def _parse_newer_fstrings(code: str) -> ast.Module | None:
    """Python 3.12 f-strings (PEP 701: ``f"{d["k"]}"``, a newline inside ``{}``) on an older CPython: libcst
    reads them; each f-string (with the strings it is concatenated with) becomes ``(0)`` padded to the same
    lines and columns, so that everything else keeps its position. None when that does not parse either."""
    import sys

    if sys.version_info >= (3, 12):
        return None
    try:
        import libcst as cst
        from libcst.metadata import MetadataWrapper, PositionProvider

        wrapper = MetadataWrapper(cst.parse_module(code), unsafe_skip_copy=True)
    except Exception:  # noqa: BLE001 - libcst cannot read it either: the caller reports CPython's error
        return None
    spans: list[tuple[cst.CSTNode, ...]] = []

    class Strings(cst.CSTVisitor):
        METADATA_DEPENDENCIES = (PositionProvider,)

        def visit_ConcatenatedString(self, node: cst.ConcatenatedString) -> bool:
            spans.append(self.get_metadata(PositionProvider, node))
            return False

        def visit_FormattedString(self, node: cst.FormattedString) -> bool:
            spans.append(self.get_metadata(PositionProvider, node))
            return False

    wrapper.visit(Strings())
    starts = [0] + [m.end() for m in _NEWLINE.finditer(code)]
    chars = list(code)
    for r in spans:
        begin = starts[r.start.line - 1] + r.start.column
        end = starts[r.end.line - 1] + r.end.column
        chars[begin:end] = ["("] + [c if c in "\r\n" else " " for c in code[begin + 1 : end - 2]] + ["0", ")"]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse("".join(chars))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


_NEWLINE = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """Lines as CPython numbers them (``\\r\\n``, ``\\r``, ``\\n``; not the form feeds ``str.splitlines`` also
    breaks on)."""
    return _NEWLINE.split(text)


def position(node: ast.AST, lines: Sequence[str], end: bool = False) -> tuple[int, int]:
    """Where ``node`` starts (or ends): 1-based line, 0-based column in characters, as libcst and editors
    count (``ast`` counts columns in UTF-8 bytes)."""
    if end:
        line, col = node.end_lineno, node.end_col_offset  # type: ignore[attr-defined]
    else:
        line, col = node.lineno, node.col_offset  # type: ignore[attr-defined]
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    if not text.isascii():
        col = len(text.encode("utf-8")[:col].decode("utf-8", "replace"))
    return line, col


def analyse(  # noqa: ANN201
    module: ast.Module,
    source: str,
    project: dict[str, V] | None = None,
    module_name: str = "",
    calls_in: dict | None = None,
    configs: tuple | None = None,
):
    analysis = FileAnalysis(module, project, module_name, calls_in, configs)
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
    module: ast.Module,
    path: str,
    *,
    source: str,
    project: dict[str, V] | None = None,
    select: Sequence[str] = ("AL",),
    ignore: Sequence[str] = (),
    module_name: str = "",
    calls_in: dict | None = None,
    configs: tuple | None = None,
) -> tuple[list[Finding], list[RawFinding], FileFacts]:
    """Findings for a parsed module (noqa and select/ignore applied), the raw findings kept, and the facts.
    ``source``: the module's text; ``calls_in``: function -> the argument values of other files' calls."""
    _, facts, raws = analyse(module, source, project, module_name, calls_in, configs)
    raws = [r for r in raws if selected(r.code, select, ignore)]
    if not raws:
        return [], [], facts
    lines = split_lines(source)
    findings: list[Finding] = []
    kept: list[RawFinding] = []
    seen: set[tuple[int, int, str]] = set()
    for raw in raws:
        line, column = position(raw.node, lines)
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
