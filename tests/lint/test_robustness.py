"""Nothing a file contains can crash or hang the linter: each bad file gives one line of error."""
from __future__ import annotations

import ast
import os
import time
from pathlib import Path

import pytest

from actloss.cli import main
from actloss.lint import LintError, lint_paths, lint_source

BAD = "import torch.nn.functional as F\nloss = F.cross_entropy(F.softmax(x, dim=1), y)\n"


def _one_error(tmp_path: Path, name: str, data: bytes) -> str:
    p = tmp_path / name
    p.write_bytes(data)
    report = lint_paths([str(p)])
    assert report.findings == []
    (err,) = report.errors
    assert err.path == str(p)
    assert "\n" not in err.message
    return err.message


def test_syntax_error(tmp_path):
    msg = _one_error(tmp_path, "s.py", b"import torch  # MSELoss\ndef f(:\n    pass\n")
    assert msg.startswith("syntax error at line 2")


def test_a_few_broken_lines_are_left_out_and_reported(tmp_path):
    # a stray quote, Python 2 print statements and ``except E, e:``: the file is linted without those lines
    # (every other line keeps its place), and the syntax error is still reported, naming the lines left out
    p = tmp_path / "broken.py"
    p.write_text(
        "import torch\nimport torch.nn as nn\ncrit = nn.BCELoss()\n"
        'print "epoch"\n'
        "m = torch.load(''./model.pt'')\n"
        "def train(x, y):\n    loss = crit(torch.sigmoid(x), y)\n    return loss\n"
        "try:\n    pass\nexcept Exception, e:\n    print e\n"
    )
    report = lint_paths([str(p)])
    assert [(f.line, f.code) for f in report.findings] == [(7, "AL101")]
    (err,) = report.errors
    assert err.message.startswith("syntax error at line 4")
    assert err.message.endswith("linted without lines 4, 5, 11, 12")
    # more broken lines than MAX_LEFT_OUT: not linted, the error alone
    from actloss.lint._core import MAX_LEFT_OUT

    p.write_text("import torch\nimport torch.nn as nn\n" + 'print "x"\n' * (MAX_LEFT_OUT + 1) + BAD)
    report = lint_paths([str(p)])
    assert report.findings == [] and [e.message for e in report.errors] == [
        "syntax error at line 3, column 1: Missing parentheses in call to 'print'. Did you mean print(...)?"
    ]


def test_non_utf8(tmp_path):
    msg = _one_error(tmp_path, "latin.py", b"import torch  # MSELoss\nname = '\xe9t\xe9'\n")
    assert "decode" in msg or "utf" in msg.lower()


def test_declared_latin1_is_read(tmp_path):
    p = tmp_path / "declared.py"
    p.write_bytes(b"# -*- coding: latin-1 -*-\n" + BAD.encode() + b"name = '\xe9'\n")
    report = lint_paths([str(p)])
    assert [f.code for f in report.findings] == ["AL102"] and report.errors == []


def test_nul_bytes(tmp_path):
    # libcst tolerates a NUL inside a comment; elsewhere it is a syntax error. Either way: no crash.
    p = tmp_path / "nul.py"
    p.write_bytes(b"import torch  # MSELoss\x00\n")
    assert lint_paths([str(p)]).errors == []
    p.write_bytes(b"import torch  # MSELoss\nx = 1\x00 + 2\n")
    (err,) = lint_paths([str(p)]).errors
    assert "\n" not in err.message


def test_empty_and_whitespace(tmp_path):
    for name, data in (("e.py", b""), ("w.py", b"\n\n   \n"), ("c.py", b"# only a comment")):
        p = tmp_path / name
        p.write_bytes(data)
        assert lint_paths([str(p)]).errors == []
        assert lint_paths([str(p)]).findings == []


def test_bad_notebook(tmp_path):
    msg = _one_error(tmp_path, "n.ipynb", b"{not json")
    assert msg.startswith("not a readable notebook")


def test_deep_nesting_is_an_error_not_a_crash():
    # libcst's native parser segfaults on ~3000 nested brackets: refused before parsing
    src = "import torch\nx = " + "(" * 3000 + "1" + ")" * 3000 + "\n"
    try:
        assert lint_source(src) == []
    except LintError as exc:
        assert "\n" not in str(exc)


def test_symlink_loop(tmp_path):
    d = tmp_path / "tree"
    d.mkdir()
    (d / "ok.py").write_text(BAD)
    os.symlink(d, d / "loop")  # a directory link back to its parent: not followed
    os.symlink(tmp_path / "self.py", tmp_path / "self.py")  # a file link to itself
    report = lint_paths([str(d), str(tmp_path / "self.py")])
    assert [Path(f.path).name for f in report.findings] == ["ok.py"]
    (err,) = report.errors
    assert err.path.endswith("self.py") and "symbolic links" in err.message.lower()


def test_large_file(tmp_path):
    block = "def f{i}(model, x, y):\n    out = model(x)\n    return F.cross_entropy(out, y)\n\n\n"
    body = "".join(block.format(i=i) for i in range(2_000))
    p = tmp_path / "big.py"
    p.write_text("import torch.nn.functional as F\n" + body + BAD)
    t0 = time.perf_counter()
    report = lint_paths([str(p)])
    assert time.perf_counter() - t0 < 30
    assert [f.code for f in report.findings] == ["AL102"]


def test_too_large_is_refused(tmp_path, monkeypatch):
    from actloss.lint import _runner

    monkeypatch.setattr(_runner, "MAX_BYTES", 100)
    msg = _one_error(tmp_path, "big.py", b"import torch  # MSELoss\n" + b"#" * 200 + b"\n")
    assert msg.startswith("file too large to lint")


def test_many_files_and_errors_mixed(tmp_path, capsys):
    for i in range(300):
        (tmp_path / f"m{i:03}.py").write_text(BAD if i % 100 == 0 else "import torch\nx = 1\n")
    (tmp_path / "broken.py").write_text("criterion = nn.MSELoss()\ndef (\n")
    report = lint_paths([str(tmp_path)], jobs=1)
    assert report.files == 301
    assert len(report.findings) == 3
    assert len(report.errors) == 1
    assert main(["lint", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and "broken.py: error: syntax error" in captured.err


@pytest.mark.parametrize("ext", ["py", "ipynb"])
def test_unreadable_file(tmp_path, ext):
    """A FIFO named like a source file would block a reader forever; it is refused (this runs as root too,
    where a chmod 000 file would still be readable)."""
    p = tmp_path / f"pipe.{ext}"
    os.mkfifo(p)
    t0 = time.perf_counter()
    report = lint_paths([str(tmp_path)])
    assert time.perf_counter() - t0 < 10
    (err,) = report.errors
    assert err.path == str(p) and err.message == "not a regular file"


def test_directory_named_like_a_source_file(tmp_path):
    (tmp_path / "pkg.py").mkdir()
    (tmp_path / "pkg.py" / "inner.py").write_text(BAD)
    report = lint_paths([str(tmp_path)])
    assert [Path(f.path).name for f in report.findings] == ["inner.py"] and report.errors == []


def test_huge_line_is_refused(tmp_path):
    msg = _one_error(tmp_path, "data.py", b"import torch  # MSELoss\nx = [" + b"1, " * 10_000 + b"]\n")
    assert msg.startswith("a line of 30") and "not linted" in msg


def test_files_without_any_loss_or_activation_are_not_parsed(tmp_path):
    p = tmp_path / "util.py"
    p.write_text("def f(:\n")  # a syntax error, but nothing a rule could use: skipped
    assert lint_paths([str(p)]).errors == []
    p.write_text("import torch\nloss = nn.MSELoss()\ndef f(:\n")
    assert len(lint_paths([str(p)]).errors) == 1


def test_deep_nesting_message():
    with pytest.raises(LintError, match=r"brackets nested 3000 deep \(limit 100\)"):
        lint_source("import torch\nx = " + "(" * 3000 + "1" + ")" * 3000 + "\n")


def test_five_megabyte_file_is_one_line_error_fast(tmp_path):
    block = "def f{i}(model, x, y):\n    return F.cross_entropy(F.softmax(model(x), 1), y)\n\n\n"
    text = "import torch.nn.functional as F\n" + "".join(block.format(i=i) for i in range(70_000))
    p = tmp_path / "generated.py"
    p.write_text(text)
    assert p.stat().st_size > 5_000_000
    t0 = time.perf_counter()
    report = lint_paths([str(p)])
    assert time.perf_counter() - t0 < 5
    (err,) = report.errors
    assert err.message.startswith("file too large to lint: ") and "limit 2000000" in err.message


def test_unbalanced_brackets_in_comments_and_strings_do_not_add_up():
    line = 'print("smile :(")  # (((( see (1\n'
    src = "import torch.nn.functional as F\n" + line * 300 + "loss = F.cross_entropy(F.softmax(x, 1), y)\n"
    assert [f.code for f in lint_source(src)] == ["AL102"]


def test_python_312_fstrings_are_read_on_older_pythons():
    # PEP 701 f-strings (nested quotes, a newline inside the braces): CPython 3.11's ast refuses them, libcst
    # reads them; the file is linted and what follows an f-string keeps its line and column
    src = (
        'import torch\nimport torch.nn as nn\nd = {"a": 1}\ncrit = nn.BCELoss()\n'
        'msg = f"{d["a"]}" "x" f"""{\n d["a"]}"""; loss = crit(torch.sigmoid(z), y)\n'
        'print(f"Epoch {\n    d["a"]}"); loss2 = crit(torch.sigmoid(z), y)\n'
    )
    got = [(f.line, f.col, f.code) for f in lint_source(src)]
    assert got == [(6, 21, "AL101"), (8, 24, "AL101")]
    with pytest.raises(LintError, match="syntax error at line 2"):
        lint_source('import torch  # MSELoss\nx = f"{d["a"]}" +\n')


def test_pytorch_03_async_keyword_is_read():
    # ``x.cuda(async=True)`` (PyTorch before 0.4) is a syntax error since Python 3.7: the keyword is read as a
    # name of the same length, so the file is linted and every position stays
    src = (
        "import torch\nimport torch.nn as nn\ncrit = nn.BCELoss()\n"
        "x = x.cuda(async=True); loss = crit(torch.sigmoid(z), y)\n"
        "y = y.cuda(async =cfg.async_loading)\n"
    )
    got = [(f.line, f.col, f.code) for f in lint_source(src)]
    assert got == [(4, 32, "AL101")]
    # anything else wrong still is: the error CPython gives for the file as written
    with pytest.raises(LintError, match="syntax error at line 2"):
        lint_source("import torch  # MSELoss\nx.cuda(async=True) +\n")
    with pytest.raises(LintError, match="syntax error at line 1"):
        lint_source("async def f(): return [x async for x in y] if async == 1 else 0  # MSELoss\n")


def test_python2_mixed_tab_indentation_is_read():
    # Python 3 refuses indentation that mixes tabs and spaces (TabError); Python 2 read a tab as the next stop of
    # 8 columns. The file is linted as Python 2 read it, and columns are those of the file as written (a tab is
    # one character, as an editor counts it)
    src = (
        "import torch\nimport torch.nn as nn\n"
        "def train(model, x, y):\n"
        "        crit = nn.BCELoss()\n"  # 8 spaces
        "\tif True:\n"  # a tab: the same column in Python 2
        "\t    out = torch.sigmoid(model(x))\n"
        "\t    loss = crit(out, y)\n"
        "  \t    loss2 = crit(torch.sigmoid(x), y)\n"  # 2 spaces, a tab (to 8), 4 spaces
        "        return loss\n"
    )
    with pytest.raises(TabError):
        compile(src, "<src>", "exec")
    got = [(f.line, f.col, f.code) for f in lint_source(src)]
    assert got == [(7, 13, "AL101"), (8, 16, "AL101")]  # 1-based, as flake8
    # a block that Python 2 refused too, but an editor with a tab stop every 4 columns showed aligned (4 spaces,
    # then a tab): read with that tab size
    src4 = (
        "import torch\nimport torch.nn as nn\ncrit = nn.BCELoss()\n"
        "def train(model, x, y):\n"
        "    out = torch.sigmoid(model(x))\n"
        "\tloss = crit(out, y)\n"
        "\treturn loss\n"
    )
    with pytest.raises(IndentationError):
        compile(src4.expandtabs(8), "<src>", "exec")
    assert [(f.line, f.col, f.code) for f in lint_source(src4)] == [(6, 9, "AL101")]
    # indentation no tab size makes consistent is still the error Python 3 gives
    with pytest.raises(LintError, match="syntax error at line 5"):
        lint_source("import torch  # MSELoss\nif x:\n\tif y:\n\t\tz = 1\n   w = 2\n")


def test_notebook_limit_is_on_its_code_not_its_outputs(tmp_path, monkeypatch):
    """A notebook is mostly outputs (plots as base64): a 2.1 MB one with a few KB of code is linted; the limit
    applies to the code, and the file itself may be NOTEBOOK_FILE_FACTOR times larger."""
    import json

    from actloss.lint import _runner

    monkeypatch.setattr(_runner, "MAX_BYTES", 1000)
    cell = {"cell_type": "code", "metadata": {}, "execution_count": 1,
            "source": "import torch\nloss = torch.nn.BCELoss()(torch.sigmoid(x), y)\n",
            "outputs": [{"output_type": "display_data", "metadata": {}, "data": {"image/png": "A" * 5000}}]}
    nb = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    p = tmp_path / "plots.ipynb"
    p.write_text(json.dumps(nb))
    assert p.stat().st_size > 5000
    report = lint_paths([str(p)], jobs=1)
    assert [f.code for f in report.findings] == ["AL101"] and not report.errors
    big = dict(cell, source="import torch\n" + "# padding\n" * 200)
    p.write_text(json.dumps(dict(nb, cells=[big])))
    msg = _one_error(tmp_path, "plots.ipynb", p.read_bytes())
    assert msg.startswith("notebook code too large to lint")


def test_a_defect_of_the_analysis_costs_one_file_not_the_run(tmp_path, monkeypatch):
    """An exception the analysis did not foresee (a bug of ours) is a one-line error for that file; the other
    files are still linted."""
    from actloss.lint import _flow

    (tmp_path / "good.py").write_text(BAD)
    (tmp_path / "bad.py").write_text(BAD.replace("x, dim=1", "z, dim=1"))
    real = _flow.FileAnalysis.run

    def flaky(self):
        if any(isinstance(n, ast.Name) and n.id == "z" for n in ast.walk(self.module)):
            raise KeyError("boom")
        return real(self)

    monkeypatch.setattr(_flow.FileAnalysis, "run", flaky)
    report = lint_paths([str(tmp_path)], jobs=1)
    assert [Path(f.path).name for f in report.findings] == ["good.py"]
    (err,) = report.errors
    assert Path(err.path).name == "bad.py"
    assert "internal error" in err.message and "KeyError" in err.message and "\n" not in err.message
