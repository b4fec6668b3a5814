"""Lint files, trees and notebooks: discovery, reading, the cross-file model index, and parallel workers.

Every per-file problem (unreadable, not UTF-8, syntax error, too large, a symlink loop) becomes a one-line
``FileError``; nothing a file contains can stop the run.
"""
from __future__ import annotations

import ast
import gc
import json
import os
import re
import stat
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace

from actloss.lint._core import Finding, LintError, lint_module, parse_leaving_out, parse_text
from actloss.lint._flow import (
    _LIBRARIES,
    _TRY,
    NAMED_ELSEWHERE,
    SELF_OUTPUT,
    V,
    absolute,
    folded_module,
    folded_modules,
    init_stores,
    module_candidates,
    module_level,
)

SOURCE_SUFFIXES = (".py", ".pyi", ".ipynb")
CONFIG_SUFFIXES = (".json", ".yaml", ".yml")
CONFIG_MAX_BYTES = 64 * 1024  # a bigger JSON file is data (annotations, a vocabulary), not settings
CONFIG_MAX_FILES = 256
CONFIG_MAX_SETTINGS = 4096
EXCLUDED_DIRS = frozenset(
    {"__pycache__", "node_modules", "venv", ".venv", "site-packages", "build", "dist", ".git", ".hg", ".tox"}
)
# Files over this size are refused with a one-line error (a multi-megabyte .py file is nearly always generated
# code or embedded data; libcst, which ``--fix`` uses, needs ~7 s of CPU and ~600 MB of memory per MB).
MAX_BYTES = 2_000_000
NOTEBOOK_FILE_FACTOR = 25  # a notebook file may be 25x MAX_BYTES (50 MB): its outputs do not count
CALL_LEVELS = 6  # levels of function calls followed across files (main.py -> train() -> step() -> loss())
PARALLEL_THRESHOLD = 64  # below this many files one process is faster than starting workers
# Every rule needs one of these in the text (a loss, an activation, a 0.5 threshold or rounding); a file with
# none cannot have a finding and is not parsed (so its syntax errors are not reported either).
# a loss, an activation, a threshold or rounding, or a one-hot encoder (whose targets another file may import)
# ``self.D = D`` in a class's ``__init__`` (or a ``@dataclass``): a class whose constructions (and subclasses)
# elsewhere pass it what it stores
_STORES = re.compile(rb"^[ \t]+self\.(\w+)[ \t]*=[ \t]*\1[ \t]*(?:#.*)?$|^@(?:dataclasses\.)?dataclass\b", re.MULTILINE)
RELEVANT = re.compile(
    rb"Loss|_loss|cross_entropy|igmoid|oftmax|anh|0\.5|round"
    rb"|OneHotEncoder|LabelBinarizer|get_dummies|to_categorical|label_binarize|one_hot|scatter_"
    # a flatten module (``return x.view(x.shape[0], -1)``), through which another file's layer stack goes on
    rb"|return \w+\.(?:view|reshape)\(\w+\.(?:size|shape)|return torch\.flatten\("
    # a runner that hands a model its own output (``model.module.loss(batch, out)``, see ``_note_own_output``)
    rb"|\.loss\("
    # an options module (``args = parser.parse_args()`` in ``args.py``), whose values other files import
    rb"|parse_args\("
)


@dataclass(frozen=True)
class FileError:
    """A file that could not be linted, with a one-line reason."""

    path: str
    message: str


@dataclass
class LintReport:
    findings: list[Finding] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)
    files: int = 0


_ROOTS: dict[str, str] = {}  # file -> the directory it was found under (for its dotted module name)


def module_name(path: str, root: str) -> str:
    """``pkg/models.py`` under ``root`` -> ``pkg.models`` (``__init__`` names the package). Parts that are not
    identifiers (``02-softmax/week 4/01-train.py``) are kept, so that two files never share a name: a script in
    such a directory imports its neighbours (``from DenseUtil import train``) all the same."""
    rel = os.path.relpath(path, root) if root else os.path.basename(path)
    parts = [p for p in rel.replace(os.sep, "/").split("/") if p not in ("", ".", "..")]
    if parts:
        parts[-1] = parts[-1].rsplit(".", 1)[0]
        if parts[-1] == "__init__":
            parts.pop()
    return ".".join(p.replace(".", "\u2024") for p in parts)


def discover(paths: Iterable[str], configs: list[str] | None = None) -> Iterator[str | FileError]:
    """Source files under ``paths`` (sorted per directory; symlinked directories are not followed); the
    JSON / YAML files beside them are added to ``configs`` when given."""
    seen: set[str] = set()
    for root in paths:
        try:
            st = os.stat(root)
        except OSError as exc:
            yield FileError(root, f"cannot read: {exc.strerror or exc}")
            continue
        if not os.path.isdir(root):
            if root not in seen:
                seen.add(root)
                yield root
                _ROOTS[root] = os.path.dirname(root)
            continue
        del st
        errors: list[OSError] = []
        for dirpath, dirnames, filenames in os.walk(root, onerror=errors.append, followlinks=False):
            dirnames[:] = sorted(d for d in dirnames if d not in EXCLUDED_DIRS and not d.startswith("."))
            for name in sorted(filenames):
                if configs is not None and name.endswith(CONFIG_SUFFIXES):
                    configs.append(os.path.join(dirpath, name))
                    _ROOTS[configs[-1]] = root
                if name.endswith(SOURCE_SUFFIXES):
                    path = os.path.join(dirpath, name)
                    if path not in seen:
                        seen.add(path)
                        _ROOTS[path] = root
                        yield path
        for exc in errors:
            yield FileError(getattr(exc, "filename", root) or root, f"cannot read: {exc.strerror or exc}")


def read_configs(paths: Sequence[str]) -> tuple | None:
    """The string settings of the configuration files of a tree (``"loss": "nll_loss"`` in pytorch-template's
    ``config.json``, ``mode: final`` in a YAML file), as ``(directory, (key, path...), (value, ...))`` triples:
    every string leaf under a chain of mapping keys, with the values the files of one directory (dotted, as module
    names are: ``proj.configs``) give that chain. Only read, never executed;
    files over ``CONFIG_MAX_BYTES`` and past the first ``CONFIG_MAX_FILES`` (the shallowest) are skipped, as are
    files that do not parse (YAML needs PyYAML, installed with the ``lint`` extra)."""
    found: dict[tuple[str, tuple[str, ...]], set[str]] = {}
    ordered = sorted(paths, key=lambda p: (p.count(os.sep), p))
    read = 0
    for path in ordered:
        if read >= CONFIG_MAX_FILES or len(found) >= CONFIG_MAX_SETTINGS:
            break
        try:
            st = os.stat(path)
            if not stat.S_ISREG(st.st_mode) or st.st_size > CONFIG_MAX_BYTES:
                continue
            with open(path, "rb") as f:
                data = f.read(CONFIG_MAX_BYTES + 1)
        except OSError:
            continue
        doc = _load_config(data, path.endswith(".json"))
        if not isinstance(doc, dict):
            continue
        read += 1
        where = module_name(path, _ROOTS.get(path, os.path.dirname(path))).rpartition(".")[0]
        stack: list[tuple[tuple[str, ...], object]] = [((), doc)]
        visits = 0  # YAML anchors can share one mapping many times over (an alias bomb): a bounded walk
        while stack and len(found) < CONFIG_MAX_SETTINGS and visits < 20 * CONFIG_MAX_SETTINGS:
            visits += 1
            keys, node = stack.pop()
            if isinstance(node, dict) and len(keys) < 8:
                stack.extend((keys + (k,), v) for k, v in node.items() if isinstance(k, str))
            elif isinstance(node, str) and keys and len(node) <= 200:
                found.setdefault((where, keys), set()).add(node)
    return tuple(sorted((d, k, tuple(sorted(v))) for (d, k), v in found.items())) or None


def _load_config(data: bytes, is_json: bool) -> object:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    try:
        if is_json:
            return json.loads(text)
        import yaml  # optional (the ``lint`` extra)

        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except Exception:  # noqa: BLE001 - not a configuration a linter can read: skipped
        return None


def read_source(path: str, max_bytes: int | None = None) -> tuple[bytes, list[tuple[int, int]] | None]:
    """The bytes to parse and, for a notebook, the (cell, line) of every line of the joined code cells."""
    max_bytes = MAX_BYTES if max_bytes is None else max_bytes
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):  # a FIFO or a device named *.py would block or never end
            raise LintError("not a regular file")
        size = st.st_size
        notebook = path.endswith(".ipynb")
        # a notebook's file is mostly its outputs (images as base64): the limit is on its code, read from a file
        # of up to NOTEBOOK_FILE_FACTOR times the limit
        limit = max_bytes * NOTEBOOK_FILE_FACTOR if notebook else max_bytes
        if size > limit:
            raise LintError(f"file too large to lint: {size} bytes (limit {limit})")
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise LintError(f"cannot read: {exc.strerror or exc}") from None
    if notebook:
        code, cells = notebook_source(data)
        if len(code) > max_bytes:
            raise LintError(f"notebook code too large to lint: {len(code)} bytes (limit {max_bytes})")
        return code, cells
    return data, None


# cell magics whose body IPython does not run as Python in the kernel (a file written, another language)
_NOT_PYTHON_CELL = re.compile(
    r"\s*%%(writefile|file|bash|sh|script|html|javascript|js|latex|markdown|svg|perl|ruby|python2|python3|pypy)\b"
)


def notebook_source(data: bytes) -> tuple[bytes, list[tuple[int, int]]]:
    """Join the code cells of a notebook; IPython magics (``%``, ``!``) become comments."""
    try:
        nb = json.loads(data)
        cells = nb["cells"]
    except (ValueError, KeyError, TypeError) as exc:
        raise LintError(f"not a readable notebook: {str(exc).splitlines()[0]}") from None
    lines: list[str] = []
    where: list[tuple[int, int]] = []
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        src = cell.get("source", "")
        text = "".join(src) if isinstance(src, list) else str(src)
        if _NOT_PYTHON_CELL.match(text):  # ``%%writefile model.py``, ``%%bash``: the cell is not run as Python
            text = ""
        cell_lines = text.splitlines()
        if not _parses(text):  # magics, unless the cell is Python as it stands (``% (epoch, ...)`` continuing a line)
            cell_lines = []
            for line in text.splitlines():
                stripped = line.lstrip()
                if stripped.startswith(("%", "!")) or (stripped.endswith("?") and not stripped.startswith("#")):
                    line = line[: len(line) - len(stripped)] + "# " + stripped
                cell_lines.append(line)
        if not _parses("\n".join(cell_lines)):
            # an unfinished exercise cell (``model = ___``): skipped, so that the other cells are linted
            cell_lines = ["# (cell skipped: not valid Python)"] + ["#" for _ in cell_lines[1:]]
        for i, line in enumerate(cell_lines, start=1):
            lines.append(line)
            where.append((number, i))
    return ("\n".join(lines) + "\n").encode("utf-8"), where


def _parses(text: str) -> bool:
    import ast
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences in a notebook are not our business
            ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


_DEF = V("def", "")  # a top-level function or class of a module (see ``_lint_file``)
_DEF_CLASS = V("def", "class")


def _strip(v: V | None) -> V | None:
    """A value without its tree nodes, small enough to send between processes."""
    if v is None:
        return None
    return replace(
        v, origin=None, origin_fn=None, chain=None, out=_strip(v.out), items=tuple(_strip(i) for i in v.items)
    )


def _crossing(v: V) -> V:
    """A class output as another file sees it: raw logits (and the heads of a returned dict) without the depth
    of their layer chain."""
    v = _strip(v)
    if v.kind == "logits":
        return replace(v, depth=0)
    if v.kind == "dict":
        return replace(v, items=tuple(None if i is None else replace(i, depth=0) for i in v.items))
    return v


def lint_file(
    path: str,
    select: Sequence[str] = ("AL",),
    ignore: Sequence[str] = (),
    project: dict[str, V] | None = None,
    module_name: str = "",
    calls_in: dict | None = None,
    configs: tuple | None = None,
) -> FileResult:
    """Findings, the error (if the file could not be linted), the class outputs and the calls of imported
    functions of one file. ``configs``: the string settings of the tree's configuration files (``read_configs``)."""
    # A parse builds thousands of acyclic node objects per file: the cyclic collector only costs time here;
    # reference counting frees the tree either way.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _lint_file(path, select, ignore, project, module_name, calls_in, configs)
    finally:
        if collecting:
            gc.enable()


@dataclass
class FileResult:
    findings: list[Finding]
    error: FileError | None = None
    classes: dict[str, V] = field(default_factory=dict)  # "pkg.models.Net" -> what calling a Net returns
    calls: list[tuple[str, tuple, dict]] = field(default_factory=list)  # calls of imported functions
    read: bool = True  # False: not analysed (an error, or nothing a rule could use: not parsed)
    # names this module imports from other modules (re-exports): "pkg.models.Net" -> "pkg.models.net.Net"
    aliases: dict[str, str] = field(default_factory=dict)
    values: dict[str, V] = field(default_factory=dict)  # "pkg.setup.netD" -> a module-level model or loss
    stars: bool = False  # it star-imports a module (``from model.loss import *``): read again with the project
    note: FileError | None = None  # linted, but without the lines a syntax error broke (still reported)


def _lint_file(
    path: str,
    select: Sequence[str],
    ignore: Sequence[str],
    project: dict[str, V] | None,
    module_name: str,
    calls_in: dict | None,
    configs: tuple | None = None,
) -> FileResult:
    try:
        data, cells = read_source(path)
        if not RELEVANT.search(data) and project is None:  # with the project: it names a model of the tree
            if os.path.basename(path) == "__init__.py" and b"import" in data:
                return _package_init(data, module_name)
            if _STORES.search(data):
                return _stores_only(data, module_name)
            return FileResult([], classes=_torch_import_lines(data, module_name), read=False)
        # a notebook's cells that do not parse are left out one by one already (``notebook_source``)
        module, text, broken = parse_leaving_out(data) if cells is None else (*parse_text(data), None)
        here = _here(path, module_name)
        findings, _, facts = lint_module(
            module, path, project=project, select=select, ignore=ignore, source=text, module_name=here,
            calls_in=calls_in, configs=configs,
        )
        # what calling a class of this file returns: an activation, a tuple or a dict of heads, or raw logits (a
        # linear layer's output, for NLLLoss in another file: AL103); a layer chain's depth does not cross files
        classes = {
            f"{module_name}.{k}".lstrip("."): _crossing(v)
            for k, v in facts.class_outputs.items()
            if v.kind in ("act", "tuple", "logits", "dict", "cat", "passmod")
        }
        classes.update({f"{module_name}.{k}#members".lstrip("."): _strip(v) for k, v in facts.class_members.items()})
        classes.update({f"{module_name}.{k}#returns".lstrip("."): _strip(v) for k, v in facts.function_returns.items()})
        classes.update({f"{module_name}.{k}#stores".lstrip("."): v for k, v in facts.init_stores.items()})
        classes.update({f"{module_name}.{k}#subclass".lstrip("."): _strip(v) for k, v in facts.subclasses.items()})
        classes.update({
            f"{module_name}.{k}#variants".lstrip("."): replace(v, items=tuple(i and _crossing(i) for i in v.items))
            for k, v in facts.class_variants.items()
        })
        # calls that hand a model of unknown class its own output (``model.module.loss(batch, out)``)
        classes.update({k + SELF_OUTPUT: V("str", "|".join(sorted(v))) for k, v in facts.self_outputs.items()})
        # every top-level function and class, so that ``from model.loss import *`` in another file can name it
        # (its calls then bind that function's parameters)
        for node in module.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and not node.name.startswith("_"):
                classes.setdefault(f"{module_name}.{node.name}#def".lstrip("."), _DEF_CLASS if isinstance(node, ast.ClassDef) else _DEF)
        top = list(module_level(module.body))
        # the PyTorch modules it imports at top level (``import torch.nn as nn``): ``from this import *`` binds them too
        for key, v in _torch_import_lines(data, module_name).items():
            classes.setdefault(key, v)
        stars = any(isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names) for node in top)
        calls = [
            (absolute(qn, here), tuple(_strip(v) for v in pos), {k: _strip(v) for k, v in kw.items()})
            for qn, pos, kw in facts.imported_calls
        ]
        aliases = _aliases(module, module_name, here != module_name)
        values = {f"{module_name}.{k}".lstrip("."): _strip(v) for k, v in facts.module_values.items()}
    except LintError as exc:
        return FileResult([], FileError(path, str(exc)), read=False)
    except RecursionError:
        return FileResult([], FileError(path, "cannot analyse: nesting too deep"), read=False)
    except Exception as exc:  # noqa: BLE001 - a defect of the analysis costs this file, not the run
        return FileResult([], FileError(path, f"internal error, file skipped ({type(exc).__name__}: {exc}); please report it"), read=False)
    if cells is not None:
        mapped = []
        for f in findings:
            cell, line = cells[f.line - 1] if 0 < f.line <= len(cells) else (None, f.line)
            mapped.append(replace(f, cell=cell, line=line))
        findings = mapped
    note = FileError(path, broken) if broken is not None else None
    return FileResult(findings, None, classes, calls, aliases=aliases, values=values, stars=stars, note=note)


_TORCH_IMPORT = re.compile(
    rb"^(?:import[ \t]+(torch(?:\.\w+)*)(?:[ \t]+as[ \t]+(\w+))?|from[ \t]+(torch(?:\.\w+)*)[ \t]+import[ \t]+([\w \t,]+?))"
    rb"[ \t]*(?:#.*)?\r?$",
    re.MULTILINE,
)


def _torch_import_lines(data: bytes, module_name: str) -> dict[str, V]:
    """The ``#import`` entries of a file's top-level PyTorch imports, read from its lines (``import torch.nn as
    nn``, ``from torch import nn, optim``; parsed or not), for the files that star-import it."""
    found: dict[str, V] = {}
    for m in _TORCH_IMPORT.finditer(data):
        if m.group(1):
            name = m.group(1).decode()
            local = m.group(2).decode() if m.group(2) else name.split(".", 1)[0]
            pairs = [(local, name if m.group(2) else local)]
        else:
            module = m.group(3).decode()
            pairs = []
            for part in m.group(4).decode().split(","):
                words = part.split()
                if len(words) == 1 and words[0].isidentifier():
                    pairs.append((words[0], f"{module}.{words[0]}"))
                elif len(words) == 3 and words[1] == "as" and words[2].isidentifier():
                    pairs.append((words[2], f"{module}.{words[0]}"))
        for local, target in pairs:
            if not local.startswith("_"):
                found[f"{module_name}.{local}#import".lstrip(".")] = V("qual", target)
    return found


def _here(path: str, module_name: str) -> str:
    """The name relative imports start from: a package's ``__init__.py`` (``pkg.models``) imports ``.net`` as
    ``pkg.models.net``, so it resolves as if it were a module ``pkg.models.__init__``."""
    if module_name and os.path.basename(path) == "__init__.py":
        return f"{module_name}.__init__"
    return module_name


def _aliases(module: ast.Module, module_name: str, init: bool) -> dict[str, str]:
    """The names a module imports at its top level from modules that may be of the tree (``from .net import
    Net`` in ``pkg/models/__init__.py``: ``pkg.models.Net`` -> ``pkg.models.net.Net``), so that an import of
    ``Net`` from ``pkg.models`` reaches the class where it is defined."""
    found: dict[str, str] = {}
    if not module_name:
        return found
    here = f"{module_name}.__init__" if init else module_name  # a package's relative imports start from itself
    body = list(module.body)
    for stmt in body:
        if isinstance(stmt, _TRY):
            body.extend(stmt.body)
        elif isinstance(stmt, ast.ImportFrom) and stmt.module != "__future__":
            base = "." * (stmt.level or 0) + (stmt.module or "")
            for alias in stmt.names:
                if alias.name == "*":
                    if init and stmt.module:  # ``from .trainer import *``: its names, re-exported (``_star_aliases``)
                        found[f"{module_name}.*{len(found)}"] = absolute(base, here)
                    continue
                qn = absolute(f"{base}{alias.name}" if base.endswith(".") else f"{base}.{alias.name}", here)
                if not qn.startswith(_LIBRARIES):
                    found[f"{module_name}.{alias.asname or alias.name}"] = qn
    return found


def _package_init(data: bytes, module_name: str) -> FileResult:
    """A package's ``__init__.py`` that no rule needs, read for its re-exports only; it counts as analysed when
    it calls nothing (so the functions it re-exports are not made unknown by it)."""
    try:
        module, _ = parse_text(data)
    except LintError:
        return FileResult([], read=False)
    calls = any(isinstance(n, ast.Call) for n in ast.walk(module))
    return FileResult([], read=not calls, aliases=_aliases(module, module_name, True))


def _stores_only(data: bytes, module_name: str) -> FileResult:
    """A file no rule needs whose classes store their ``__init__`` parameters (``self.D = D``): read for that
    only, for the subclasses in other files (``super().__init__(G, D)``)."""
    try:
        module, _ = parse_text(data)
    except LintError:
        return FileResult([], read=False)
    classes: dict[str, V] = _torch_import_lines(data, module_name)
    for node in module.body:
        stores = init_stores(node) if isinstance(node, ast.ClassDef) else None
        if stores is not None:
            classes[f"{module_name}.{node.name}#stores".lstrip(".")] = stores
    return FileResult([], classes=classes, read=False)


def _without_imports(r: FileResult) -> FileResult:
    if not any(k.endswith("#import") for k in r.classes):
        return r
    return replace(r, classes={k: v for k, v in r.classes.items() if not k.endswith("#import")})


def _work(args: tuple) -> FileResult:
    return lint_file(*args)


_WORD = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")


def _words(path: str) -> set[bytes]:
    """The words of a file's text (one pass over it)."""
    try:
        with open(path, "rb") as fh:
            return set(_WORD.findall(fh.read()))
    except OSError:
        return set()


def lint_paths(
    paths: Sequence[str],
    *,
    select: Sequence[str] = ("AL",),
    ignore: Sequence[str] = (),
    jobs: int | None = None,
) -> LintReport:
    """Lint every source file under ``paths``. A model class whose ``forward`` returns a softmax / sigmoid /
    log_softmax output is known in every other file of the run that names it."""
    report = LintReport()
    files: list[str] = []
    config_files: list[str] = []
    for item in discover(paths, config_files):
        if isinstance(item, FileError):
            report.errors.append(item)
        else:
            files.append(item)
    report.files = len(files)
    jobs = jobs if jobs is not None else (os.cpu_count() or 1)
    names = [module_name(p, _ROOTS.get(p, "")) for p in files]
    configs = read_configs(config_files)
    tasks = [(p, tuple(select), tuple(ignore), None, m, None, configs) for p, m in zip(files, names)]
    results = _map(tasks, jobs)
    # The cross-file index: "pkg.models.Net" -> what calling a Net returns.
    project: dict[str, V] = {}
    aliases: dict[str, str] = {}
    values: dict[str, V] = {}
    # the PyTorch names a module imports (``#import``) matter only to a star import of it
    plain = not any(r.stars for r in results)
    if plain:
        results = [_without_imports(r) for r in results]
    for r in results:
        for k, v in r.classes.items():
            if k.endswith(SELF_OUTPUT) and k in project:  # the positions every file's calls use
                v = V("str", "|".join(sorted(set(project[k].detail.split("|")) | set(v.detail.split("|")))))
            project[k] = v
        aliases.update(r.aliases)
        values.update(r.values)
    # the files that define a method the tree's calls hand a model's own output, on a class with a ``forward``,
    # and that another file names (the module or a class of it: a model nothing builds is left alone)
    own_output = {k[: -len(SELF_OUTPUT)].encode() for k in project if k.endswith(SELF_OUTPUT)}
    own_named: set[str] = set()  # the modules with such a class (read again below)
    texts: list[set[bytes]] | None = None  # each file's words, when read here (the pass below reuses them)
    if own_output:
        texts = [_words(p) for p in files]
        files_with = Counter(w for words in texts for w in words)  # word -> how many files have it
        for i, words in enumerate(texts):
            if results[i].error is None and b"forward" in words and words & own_output:
                candidates = [names[i]] + [k for k in results[i].classes if "#" not in k and "\0" not in k]
                for k in candidates:  # ``from baseline.EduKTM import dkt`` names the module, ``DKT(...)`` the class
                    word = k.rsplit(".", 1)[-1].encode()
                    if files_with[word] > (word in words):
                        project[k + NAMED_ELSEWHERE] = V("str", k)
                        own_named.add(names[i])
    if aliases:
        aliases = _star_aliases(_sibling_aliases(aliases, files, names), project)
    if project and aliases:  # a class imported through a package that re-exports it (two levels or more)
        # what calling it returns, its sub-modules, and what its ``__init__`` stores (for a subclass's ``super()``)
        for suffix in ("", "#members", "#stores"):
            known = {k[: len(k) - len(suffix)] for k in project if k.endswith(suffix)} if suffix else project
            for name in aliases if known else ():
                target = _resolve(name, aliases, known)
                if target is not None and name + suffix not in project:
                    project[name + suffix] = project[target + suffix]
    if project or values:
        for name in names:  # every module of the tree, so that an import resolves to the right file
            project.setdefault(name, V("module", name))
        short = {
            k.rsplit(".", 1)[-1].split("#")[0]
            for k, v in project.items()
            if v.kind not in ("module", "def") and not k.endswith("#import")
        }
        # a module-level object is only read by a file that names it and its module (``from setup import *``)
        # and notebook fragments saved as files: the module-level names of each directory's files, which the
        # other files of that directory may use without an import (see ``FileAnalysis._fragment_values``)
        imported: list[tuple[bytes, bytes]] = []
        fragments: dict[str, set[bytes]] = {}
        for m, n in (k.rsplit(".", 1) for k in values if "." in k):
            imported.append((m.rsplit(".", 1)[-1].encode(), n.encode()))
            fragments.setdefault(m.rpartition(".")[0], set()).add(n.encode())
        project.update(values)
        # the modules whose classes other files subclass (``#subclass`` entries name the base)
        bases = {v.detail.rsplit(".", 1)[0] for k, v in project.items() if k.endswith("#subclass") and "." in v.detail}
        subclassed = {n for n in names if n in bases or any(b.endswith("." + n) or n.endswith("." + b) for b in bases)}
        again = []
        short_words = {n.encode() for n in short}
        # a class of the tree that a configuration file names (``"arch": {"type": "Detector"}``): the files that
        # look names up (``getattr``, pytorch-template's ``init_obj``) may build it without naming it
        configured = short_words & {v.encode() for _, _, values in configs or () for v in values}
        lookups = {b"getattr", b"init_obj", b"initialize"} if configured else set()
        for i, p in enumerate(files):
            if results[i].error is not None:
                continue
            words = texts[i] if texts is not None else _words(p)
            mine = {k.rsplit(".", 1)[-1].split("#")[0].encode() for k in results[i].classes}
            if (
                results[i].stars
                or names[i] in subclassed  # a class of it is subclassed in another file (its methods run per subclass)
                or (words & short_words) - mine  # it names a class of another file
                or words & lookups
                or any(m in words and n in words for m, n in imported)
                or words & fragments.get(names[i].rpartition(".")[0], set())
                or names[i] in own_named
            ):
                again.append(i)
        redo = _map([(files[i], tuple(select), tuple(ignore), project, names[i], None, configs) for i in again], jobs)
        for i, r in zip(again, redo):
            results[i] = _without_imports(r) if plain else r
        # a composite model whose sub-modules are classes of a third file (``self.disc = ZDiscriminator()`` in
        # model.py, from nets.py) knows them only now: the files naming it are read once more
        # (also a class whose output comes from a class of a third file: ``self.ntm = NTM(...)`` in
        # ``wrapper.py``, ``o, state = self.ntm(x)``; new outputs only, under its name and its re-exports)
        grown = {
            k: v
            for i in again
            for k, v in results[i].classes.items()
            if ("#" in k and project.get(k) != v) or ("#" not in k and k not in project)
        }
        # module-level models and losses known only now (``discriminator = Discriminator()`` with the class of
        # a third file): for the files that name them (an import, a star import, a notebook fragment)
        grown.update({k: v for i in again for k, v in results[i].values.items() if k not in project})
        if grown:
            project.update(grown)
            for name in aliases:
                target = _resolve(name, aliases, grown)
                if target is not None and name not in project:
                    project[name] = grown[target]
            wanted = {k.rsplit(".", 1)[-1].split("#")[0].encode() for k in grown}
            later = [i for i, p in enumerate(files) if results[i].error is None and wanted & _words(p)]
            later = [i for i in later if not wanted <= {k.rsplit(".", 1)[-1].split("#")[0].encode() for k in results[i].classes}]
            redo = _map([(files[i], tuple(select), tuple(ignore), project, names[i], None, configs) for i in later], jobs)
            for i, r in zip(later, redo):
                results[i] = _without_imports(r) if plain else r
    # Functions called from other files of the tree: each is linted again with the argument values of those
    # calls (a parameter takes the value every call site agrees on, in its own file and in the others).
    # A function so linted passes its parameters' values on to the functions of other files it calls (train()
    # in one file hands the model's output to a loss function in a third): repeated, up to CALL_LEVELS levels
    # (a round that changes no file's arguments ends it early).
    # A class whose output those arguments decide (``Model(config)`` built in ``run.py``, ``config`` fixing
    # ``if self.multi_class:`` in ``forward``) sends its new output to the files that name it, which are read
    # again in the next round (and may pass the model on in turn).
    where = {n: i for i, n in enumerate(names)}
    done: dict[str, dict] = {}
    pending: set[int] = set()
    for _ in range(CALL_LEVELS):
        calls_in = _calls_in(files, names, results, aliases)
        redo_ix = sorted({where[m] for m, fns in calls_in.items() if done.get(m) != fns} | pending)
        if not redo_ix:
            break
        redo = _map(
            [(files[i], tuple(select), tuple(ignore), project or None, names[i], calls_in.get(names[i]), configs) for i in redo_ix],
            jobs,
        )
        changed: set[str] = set()
        for i, r in zip(redo_ix, redo):
            before = results[i].classes
            changed |= {k for k in set(before) | set(r.classes) if before.get(k) != r.classes.get(k)}
            results[i] = _without_imports(r) if plain else r
            if names[i] in calls_in:
                done[names[i]] = calls_in[names[i]]
        for k in changed:
            new = next((r.classes[k] for r in redo if k in r.classes), None)
            if new is None:
                project.pop(k, None)
            else:
                project[k] = new
        wanted = {k.rsplit(".", 1)[-1].split("#")[0].encode() for k in changed}
        pending = {
            i for i, p in enumerate(files) if wanted and results[i].error is None and i not in redo_ix and wanted & _words(p)
        }
    for r in results:
        report.findings.extend(r.findings)
        if r.error is not None:
            report.errors.append(r.error)
        elif r.note is not None:
            report.errors.append(r.note)
    report.findings.sort(key=Finding.sort_key)
    return report


def _sibling_aliases(aliases: dict[str, str], files: list[str], names: list[str]) -> dict[str, str]:
    """Re-exports by an absolute import of a neighbour (``from discriminator import Discriminator`` in
    ``pkg/nets/__init__.py``, the Python 2 habit that works with the package's directory on ``sys.path``): when
    no module of the tree has the imported name, the neighbour beside the re-exporting file is meant."""
    modules = set(names)
    inits = {n for p, n in zip(files, names) if os.path.basename(p) == "__init__.py"}
    fixed: dict[str, str] = {}
    for key, target in aliases.items():
        mod, _, name = target.rpartition(".")
        if mod and mod not in modules:
            owner = key.rsplit(".", 1)[0]
            here = f"{owner}.__init__" if owner in inits else owner
            near = next((c for c in module_candidates(mod, here) if c in modules), None)
            if near is not None:
                target = f"{near}.{name}"
        fixed[key] = target
    return fixed


def _star_aliases(aliases: dict[str, str], project: dict[str, V]) -> dict[str, str]:
    """A package's ``from .trainer import *`` (the ``pkg.*N`` entries of ``_aliases``) re-exports every name the
    module defines that the index holds (``trainer.Trainer`` -> ``trainer.trainer.Trainer``)."""
    stars = [(k.rsplit(".", 1)[0], t) for k, t in aliases.items() if k.rpartition(".")[2].startswith("*")]
    if not stars:
        return aliases
    defined: dict[str, set[str]] = {}
    for key in project:
        mod, _, name = key.split("#", 1)[0].rpartition(".")
        if mod:
            defined.setdefault(mod, set()).add(name)
    fixed = {k: t for k, t in aliases.items() if not k.rpartition(".")[2].startswith("*")}
    for package, target in stars:
        for name in sorted(defined.get(target, ())):
            if not name.startswith("_"):
                fixed.setdefault(f"{package}.{name}", f"{target}.{name}")
    return fixed


def _resolve(name: str, aliases: dict[str, str], known: dict | set, hops: int = 5) -> str | None:
    """Follow re-exports (``pkg.models.Net`` -> ``pkg.models.net.Net``) to a key of ``known``."""
    for _ in range(hops):
        name = aliases.get(name, "")
        if not name:
            return None
        if name in known:
            return name
    return None


def _calls_in(
    files: list[str], names: list[str], results: list[FileResult], aliases: dict[str, str] | None = None
) -> dict[str, dict[str, list]]:
    """Module -> function -> the (positional, keyword) argument values of every call of it in other files of
    the tree. A function named by a file that was not analysed (a syntax error, or not parsed) is left out:
    its call there is unknown."""
    modules = {n: i for i, n in enumerate(names)}
    if len(modules) != len(names):
        modules = {n: i for n, i in modules.items() if names.count(n) == 1}
    found: dict[str, dict[str, list]] = {}
    folded: dict[str, str | None] | None = None
    suffixes: dict[str, list[str]] | None = None  # "models.net" -> the modules ending in ".models.net"
    near_cache: dict[str, list[str]] = {}
    for path, caller, r in zip(files, names, results):
        for qn, pos, kw in r.calls:
            qn, _, method = qn.partition("#")  # ``pkg.losses.FocalLoss#forward``: a call of an instance
            if aliases and qn in aliases:  # imported from a package that re-exports it
                seen = {qn}
                while qn in aliases and aliases[qn] not in seen:
                    qn = aliases[qn]
                    seen.add(qn)
            if "." not in qn:
                continue
            mod, fn = qn.rsplit(".", 1)
            fn = f"{fn}.{method}" if method else fn
            target = next((c for c in module_candidates(mod, _here(path, caller)) if c in modules), None)
            if target is None:
                near = near_cache.get(mod)
                if near is None:
                    if suffixes is None:
                        suffixes = {}
                        for m in modules:
                            parts = m.split(".")
                            for k in range(1, len(parts)):
                                suffixes.setdefault(".".join(parts[k:]), []).append(m)
                    parts = mod.split(".")
                    # modules that end in ``mod``, and modules ``mod`` ends in
                    near = [*suffixes.get(mod, ()), *(s for k in range(1, len(parts)) if (s := ".".join(parts[k:])) in modules)]
                    near_cache[mod] = near
                target = near[0] if len(near) == 1 else None
            if target is None:  # an import that resolves only on a case-insensitive file system
                folded = folded_modules(modules) if folded is None else folded
                target = folded_module(mod, _here(path, caller), folded)
            if target is not None and aliases and f"{target}.{qn.rsplit('.', 1)[1]}" in aliases:
                # re-exported by the package the import names, found only now because the tree's root lies
                # above the import root (``from framework.loss import f`` in ``src/net.py``)
                key, seen = f"{target}.{qn.rsplit('.', 1)[1]}", set()
                while key in aliases and key not in seen and len(seen) < 5:
                    seen.add(key)
                    key = aliases[key]
                owner, name = key.rsplit(".", 1) if "." in key else ("", key)
                if owner in modules:
                    target, fn = owner, f"{name}.{method}" if method else name
            # a file skipped as naming nothing a rule needs (``Frame.py`` storing the loss object it is passed and
            # calling it) is analysed with the values its callers pass (``_lint_file`` with the project)
            if target is not None and target != caller and results[modules[target]].error is None:
                found.setdefault(target, {}).setdefault(fn, []).append((pos, kw))
    # keep only calls that can bind something, and drop names an unread file mentions
    found = {
        m: {fn: sites for fn, sites in fns.items() if any(v is not None for p, k in sites for v in (*p, *k.values()))}
        for m, fns in found.items()
    }
    # An unread file can call the function only if it names both the function and its module (``from DenseUtil
    # import train``, ``import losses`` ... ``losses.d_loss``, or a package of it that re-exports the function).
    unread = [(f, n) for f, n, r in zip(files, names, results) if not r.read] if found else []
    blind: set[tuple[str, str]] = set()
    for f, own in unread:
        words = _words(f)
        for m, fns in found.items():
            if m != own and any(part.encode() in words for part in m.split(".")):
                blind |= {(m, fn) for fn in fns if fn.split(".", 1)[0].encode() in words}
    found = {m: {fn: s for fn, s in fns.items() if (m, fn) not in blind} for m, fns in found.items()}
    return {m: fns for m, fns in found.items() if fns}


def _map(tasks: list[tuple], jobs: int) -> list[tuple]:
    if jobs <= 1 or len(tasks) < PARALLEL_THRESHOLD:
        return [_work(t) for t in tasks]
    import multiprocessing
    import sys
    import threading

    # fork shares the imported modules (no second import per worker); it is only safe in a process
    # with a single thread, so anything else (an embedding application with threads) gets spawn.
    methods = multiprocessing.get_all_start_methods()
    # native thread pools (JAX/XLA, torch's OpenMP) are invisible to threading.active_count(): no fork then
    native_threads = any(m in sys.modules for m in ("jax", "torch"))
    use_fork = "fork" in methods and threading.active_count() == 1 and not native_threads
    ctx = multiprocessing.get_context("fork" if use_fork else "spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
        return list(pool.map(_work, tasks, chunksize=max(1, len(tasks) // (jobs * 8))))
