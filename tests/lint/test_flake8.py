"""The flake8 adapter yields flake8's (line, 0-based col, "CODE message", type) tuples."""
from __future__ import annotations

import ast
from pathlib import Path

from actloss.lint.flake8_plugin import ActlossChecker

FIXTURES = Path(__file__).parent / "fixtures"


def _run(text: str):
    lines = text.splitlines(keepends=True)
    return list(ActlossChecker(ast.parse(text), lines, "x.py").run())


def test_plugin_reports_like_the_cli():
    text = (FIXTURES / "AL102" / "forms.py").read_text()
    got = [(line, col + 1, msg.split()[0]) for line, col, msg, _ in _run(text)]
    expected = [tuple(x.replace(":", " ").split()) for x in (FIXTURES / "AL102" / "forms.txt").read_text().split("\n") if x]
    assert [(str(a), str(b), c) for a, b, c in got] == expected
    assert all(t is ActlossChecker for *_, t in _run(text))


def test_plugin_is_silent_on_syntax_errors_and_clean_code():
    assert _run((FIXTURES / "negative" / "near_misses.py").read_text()) == []
    checker = ActlossChecker(ast.Module(body=[], type_ignores=[]), ["def f(:\n"], "bad.py")
    assert list(checker.run()) == []


def test_plugin_metadata():
    assert ActlossChecker.name == "actloss"
    assert ActlossChecker.version


def test_real_flake8_runs_the_plugin(tmp_path):
    """flake8 itself, finding the plugin through the package's flake8.extension entry point."""
    import shutil
    import subprocess
    import sys
    from importlib.metadata import entry_points

    (ep,) = [e for e in entry_points(group="flake8.extension") if e.name == "AL"]
    assert ep.value == "actloss.lint.flake8_plugin:ActlossChecker"
    shutil.copy(FIXTURES / "AL101" / "direct_and_local.py", tmp_path / "train.py")
    done = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "AL", "train.py"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 1, done.stderr
    got = [line.split(": ")[0].split(":", 1)[1] + " " + line.split(": ")[1].split()[0] for line in done.stdout.splitlines()]
    assert got == [x for x in (FIXTURES / "AL101" / "direct_and_local.txt").read_text().splitlines() if x]
