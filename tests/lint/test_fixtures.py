"""Fixture-driven rule tests (TorchFix style): every ``fixtures/<dir>/<name>.py`` lints to exactly the
``line:col CODE`` lines of ``<name>.txt`` beside it. Directories: one per code (positives), ``negative``
(near misses that must stay silent), ``false_negatives`` (documented misses: silent today)."""
from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

from actloss.lint import fix_source, lint_paths, lint_source

FIXTURES = Path(__file__).parent / "fixtures"
CASES = sorted(
    p
    for p in FIXTURES.glob("*/*.py")
    if p.parent.name not in ("fix", "project") and not p.name.endswith(".fixed.py")
)


def _expected(path: Path) -> list[str]:
    return [line for line in path.with_suffix(".txt").read_text().splitlines() if line.strip()]


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture(case: Path):
    got = [f"{f.line}:{f.col} {f.code}" for f in lint_source(case.read_bytes(), str(case))]
    assert got == _expected(case)


@pytest.mark.parametrize("code", [f"AL10{i}" for i in range(1, 9)])
def test_every_rule_has_positive_fixtures(code):
    cases = [c for c in CASES if c.parent.name == code]
    assert cases, f"no fixtures for {code}"
    assert sum(1 for c in cases for line in _expected(c) if line.endswith(code)) >= 1


def test_near_miss_fixture_is_nonempty_and_silent():
    near = FIXTURES / "negative" / "near_misses.py"
    assert near.read_text().count("def ") >= 10
    assert lint_source(near.read_bytes()) == []


def test_messages_state_the_fix():
    found = lint_source((FIXTURES / "AL101" / "direct_and_local.py").read_bytes())
    assert all("BCEWithLogitsLoss" in f.message for f in found)
    found = lint_source((FIXTURES / "AL102" / "forms.py").read_bytes())
    assert any("(the output of Classifier.forward)" in f.message for f in found)
    assert any("(the output of nn.Sequential)" in f.message for f in found)


def test_select_and_ignore_prefixes():
    src = (FIXTURES / "AL101" / "direct_and_local.py").read_bytes()
    assert lint_source(src, select=("AL102",)) == []
    assert len(lint_source(src, select=("AL1",))) == 7
    assert lint_source(src, ignore=("AL1",)) == []
    assert len(lint_source(src, select=("AL",), ignore=("AL10",))) == 0
    assert len(lint_source(src, select=("AL101",), ignore=("AL1",))) == 7  # the longer prefix wins


def test_cross_file_model(tmp_path):
    shutil.copytree(FIXTURES / "project", tmp_path / "project")
    root = tmp_path / "project"
    report = lint_paths([str(root)], jobs=1)
    got = [f"{Path(f.path).relative_to(root)}:{f.line}:{f.col} {f.code}" for f in report.findings]
    assert got == [line for line in (root / "expected.txt").read_text().splitlines() if line]
    assert report.errors == []
    # Alone, train.py cannot know what TinyNet returns: no finding (and no crash).
    assert lint_paths([str(root / "train.py")]).findings == []


FIX_CASES = sorted(p for p in (FIXTURES / "fix").glob("*.py") if not p.name.endswith(".fixed.py"))


@pytest.mark.parametrize("case", FIX_CASES, ids=lambda p: p.name)
def test_fix_round_trip(case: Path):
    before = case.read_text()
    after, n = fix_source(before)
    expected = case.with_name(case.stem + ".fixed.py").read_text()
    assert after == expected
    assert n >= 1
    ast.parse(after)
    remaining = [f"{f.line}:{f.col} {f.code}" for f in lint_source(after)]
    wanted = case.with_name(case.stem + ".remaining.txt")
    assert remaining == wanted.read_text().splitlines()
    # fixing is idempotent
    assert fix_source(after) == (after, 0)


def test_fix_leaves_clean_file_alone():
    src = (FIXTURES / "negative" / "near_misses.py").read_text()
    assert fix_source(src) == (src, 0)


@pytest.mark.parametrize("case", [c for c in CASES if c.parent.name in ("AL101", "AL102")], ids=lambda p: p.name)
def test_fix_on_positive_fixtures_parses_and_only_lowers_findings(case: Path):
    src = case.read_text()
    after, n = fix_source(src)
    ast.parse(after)
    before_findings = lint_source(src)
    after_findings = lint_source(after)
    assert len(after_findings) == len(before_findings) - n
    assert all(not f.fixable for f in after_findings)


def test_cross_file_resolves_the_right_module(tmp_path):
    """Two packages define a ``Net``; only one returns softmax. Each train.py imports its own."""
    soft = "import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def forward(self, x):\n        return x.softmax(1)\n"
    raw = "import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def forward(self, x):\n        return x\n"
    train = "import torch.nn as nn\nfrom models import Net\n\nloss = nn.CrossEntropyLoss()(Net()(x), y)\n"
    for pkg, models in (("a", soft), ("b", raw)):
        (tmp_path / pkg).mkdir()
        (tmp_path / pkg / "models.py").write_text(models)
        (tmp_path / pkg / "train.py").write_text(train)
    report = lint_paths([str(tmp_path)], jobs=1)
    assert [(Path(f.path).relative_to(tmp_path).as_posix(), f.code) for f in report.findings] == [
        ("a/train.py", "AL102")
    ]


def test_fix_finds_the_node_by_character_column():
    # ast counts columns in UTF-8 bytes and libcst in characters: non-ASCII text before the call on the same
    # line must not shift the rewrite; the call's own parentheses move to what replaces it
    src = (
        "import torch\nimport torch.nn.functional as F\n\n\ndef f(x, y):\n"
        '    return {"é": F.binary_cross_entropy((torch.sigmoid(x)).squeeze(1), y)}  # déjà\n'
    )
    after, n = fix_source(src)
    assert n == 1
    assert after == src.replace("binary_cross_entropy((torch.sigmoid(x))", "binary_cross_entropy_with_logits((x)")
    assert lint_source(after) == []


def test_linting_does_not_import_libcst(tmp_path):
    """libcst is for --fix only: a lint run (with a finding) never imports it."""
    import subprocess
    import sys

    (tmp_path / "m.py").write_text(
        "import torch.nn.functional as F\nloss = F.cross_entropy(F.softmax(x, dim=1), y)\n"
    )
    code = (
        "import sys\nfrom actloss.lint import lint_paths\n"
        f"r = lint_paths([{str(tmp_path)!r}], jobs=1)\n"
        "print(len(r.findings), 'libcst' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["1", "False"]


def test_function_of_another_file_takes_the_arguments_of_its_calls(tmp_path):
    """``losses.d_objective(p, y)`` called from train.py with a sigmoid model's output: the BCELoss inside it is
    reported in losses.py. ``other`` is also called with an unknown value elsewhere: every call site must agree."""
    (tmp_path / "models.py").write_text(
        "import torch.nn as nn\n\n\nclass D(nn.Module):\n    def forward(self, x):\n        return x.sigmoid()\n"
    )
    (tmp_path / "losses.py").write_text(
        "import torch.nn as nn\n\n\ndef d_objective(p, y):\n    return nn.BCELoss()(p, y)\n\n\n"
        "def other(p, y):\n    return nn.BCELoss()(p, y)\n"
    )
    (tmp_path / "train.py").write_text(
        "from models import D\nfrom losses import d_objective, other\n\nd = D()\ntotal_loss = d_objective(d(x), y) + other(d(x), y)\n"
    )
    (tmp_path / "evaluate.py").write_text("from losses import other\n\nval_loss = other(logits, y)\n")
    got = [(Path(f.path).name, f.line, f.col, f.code) for f in lint_paths([str(tmp_path)], jobs=1).findings]
    assert got == [("losses.py", 5, 12, "AL101")]
    # a file that is not analysed (here: nothing a rule could use, so not parsed) and names d_objective: its call is
    # unknown, so d_objective's parameter is unknown too
    (tmp_path / "helper.py").write_text("from losses import d_objective\n\nd_objective(a, b)\n")
    assert lint_paths([str(tmp_path)], jobs=1).findings == []


CROSS_FILE = sorted(p for p in (FIXTURES / "cross_file").iterdir() if p.is_dir())


@pytest.mark.parametrize("case", CROSS_FILE, ids=lambda p: p.name)
def test_cross_file_fixture(case: Path, tmp_path):
    """``fixtures/cross_file/<case>/`` is one tree: linted as a whole, its findings are ``expected.txt``
    (reexport: a class imported through packages that re-export it; package_init: relative imports inside a
    package's __init__.py start from that package; two_levels: a model's output handed from
    main.py to train() in a second file, which hands it to vae_loss() in a third)."""
    root = tmp_path / case.name
    shutil.copytree(case, root)
    report = lint_paths([str(root)], jobs=1)
    got = [f"{Path(f.path).relative_to(root).as_posix()}:{f.line}:{f.col} {f.code}" for f in report.findings]
    assert got == [line for line in (root / "expected.txt").read_text().splitlines() if line]
    assert report.errors == []
