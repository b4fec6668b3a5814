"""``actloss lint`` end to end: output formats, exit statuses, --fix / --diff, notebooks, usage errors."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from actloss.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
BAD = "import torch.nn.functional as F\n\n\ndef f(x, y):\n    return F.cross_entropy(F.softmax(x, dim=1), y)\n"
GOOD = "import torch.nn.functional as F\n\n\ndef f(x, y):\n    return F.cross_entropy(x, y)\n"


@pytest.fixture
def bad(tmp_path: Path) -> Path:
    p = tmp_path / "train.py"
    p.write_text(BAD)
    return p


def test_text_output_and_exit_1(bad, capsys):
    assert main(["lint", str(bad)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1
    assert out[0].startswith(f"{bad}:5:12: AL102 softmax output fed to CrossEntropyLoss")


def test_clean_exit_0(tmp_path, capsys):
    p = tmp_path / "ok.py"
    p.write_text(GOOD)
    assert main(["lint", str(p)]) == 0
    assert capsys.readouterr().out == ""


def test_usage_errors_exit_2(tmp_path, capsys):
    assert main(["lint", str(tmp_path / "missing.py")]) == 2
    assert "missing.py" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["lint", "--select", "E501", str(tmp_path)])
    assert exc.value.code == 2
    assert "received 'E501'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["lint", "--format", "xml", str(tmp_path)])
    assert exc.value.code == 2
    assert main(["lint", "--jobs", "0", str(tmp_path)]) == 2


def test_select_ignore(bad, capsys):
    assert main(["lint", "--select", "AL101", str(bad)]) == 0
    assert main(["lint", "--ignore", "AL1", str(bad)]) == 0
    assert main(["lint", "--select", "al1", str(bad)]) == 1


def test_json(bad, capsys):
    assert main(["lint", "--format", "json", str(bad)]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["files"] == 1
    assert data["errors"] == []
    (f,) = data["findings"]
    assert (f["line"], f["col"], f["code"], f["fixable"], f["cell"]) == (5, 12, "AL102", True, None)


def test_sarif(bad, tmp_path, capsys):
    broken = tmp_path / "broken.py"
    broken.write_text("import torch  # MSELoss\ndef f(:\n")
    assert main(["lint", "--format", "sarif", str(bad), str(broken)]) == 1
    sarif = json.loads(capsys.readouterr().out)
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == [f"AL10{i}" for i in range(1, 9)]
    (res,) = run["results"]
    assert res["ruleId"] == "AL102"
    assert run["tool"]["driver"]["rules"][res["ruleIndex"]]["id"] == "AL102"
    assert res["locations"][0]["physicalLocation"]["region"] == {"startLine": 5, "startColumn": 12}
    (note,) = run["invocations"][0]["toolExecutionNotifications"]
    assert "syntax error" in note["message"]["text"]


def test_diff_writes_nothing(bad, capsys):
    assert main(["lint", "--diff", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "-    return F.cross_entropy(F.softmax(x, dim=1), y)" in out
    assert "+    return F.cross_entropy(x, y)" in out
    assert bad.read_text() == BAD


def test_fix_writes_and_lints_clean(bad, capsys):
    assert main(["lint", "--fix", str(bad)]) == 0
    assert bad.read_text() == GOOD
    assert "fixed 1 finding" in capsys.readouterr().err
    assert main(["lint", str(bad)]) == 0


def test_fix_reports_what_is_left(tmp_path, capsys):
    src = FIXTURES / "fix" / "al101_al102.py"
    p = tmp_path / "m.py"
    shutil.copy(src, p)
    assert main(["lint", "--fix", str(p)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert [line.split(": ")[0] + " " + line.split()[1] for line in out] == [f"{p}:30:12 AL101"]
    assert p.read_text() == (FIXTURES / "fix" / "al101_al102.fixed.py").read_text()


def _notebook(cells: list[tuple[str, str]]) -> str:
    return json.dumps(
        {
            "cells": [
                {"cell_type": t, "source": s.splitlines(keepends=True), "metadata": {}, "outputs": []}
                if t == "code"
                else {"cell_type": t, "source": s, "metadata": {}}
                for t, s in cells
            ],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
    )


def test_notebook_names_cell_and_line(tmp_path, capsys):
    nb = tmp_path / "nb.ipynb"
    nb.write_text(
        _notebook(
            [
                ("markdown", "# Training"),
                ("code", "%matplotlib inline\nimport torch\nimport torch.nn as nn\n"),
                ("code", "criterion = nn.BCELoss()\n!nvidia-smi\n"),
                ("code", "x = torch.randn(4)\ny = torch.ones(4)\nloss = criterion(torch.sigmoid(x), y)\n"),
            ]
        )
    )
    assert main(["lint", str(nb)]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"{nb}:cell_4:3:8: AL101 ")
    assert main(["lint", "--format", "json", str(nb)]) == 1
    (f,) = json.loads(capsys.readouterr().out)["findings"]
    assert (f["cell"], f["line"], f["col"]) == (4, 3, 8)


def test_directory_walk_skips_venv_and_hidden(tmp_path, capsys):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text(BAD)
    for skipped in (".venv", ".git", "__pycache__", "node_modules"):
        (tmp_path / skipped).mkdir()
        (tmp_path / skipped / "b.py").write_text(BAD)
    assert main(["lint", "--format", "json", str(tmp_path)]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["files"] == 1
    assert [Path(f["path"]).name for f in data["findings"]] == ["a.py"]


def test_explain_and_lint_share_codes(capsys):
    from actloss.catalogue import CATALOGUE
    from actloss.lint.rules import CODES

    assert set(CODES) == {c for c, e in CATALOGUE.items() if e.kind == "static"}


def test_notebook_cell_that_does_not_parse_is_skipped(tmp_path, capsys):
    nb = tmp_path / "exercise.ipynb"
    nb.write_text(
        _notebook(
            [
                ("code", "import torch\nimport torch.nn as nn\n"),
                ("code", "model = ___  # TODO: define the model\nfor x in:\n"),
                ("code", "criterion = nn.BCELoss()\nloss = criterion(torch.sigmoid(x), y)\n"),
            ]
        )
    )
    assert main(["lint", str(nb)]) == 1
    captured = capsys.readouterr()
    assert captured.out.startswith(f"{nb}:cell_3:2:8: AL101 ")
    assert captured.err == ""


def test_notebook_line_starting_with_percent_inside_a_call_is_python(tmp_path, capsys):
    """A continuation line of old-style formatting (``% (epoch, n)``, the DCGAN tutorial's print) is not an IPython
    magic: the cell parses as it stands and is linted (it was once commented out, which broke the cell)."""
    nb = tmp_path / "dcgan.ipynb"
    nb.write_text(
        _notebook(
            [
                ("code", "%matplotlib inline\nimport torch\nimport torch.nn as nn\n"),
                ("code", "netD = nn.Sequential(nn.Linear(4, 1), nn.Sigmoid())\ncriterion = nn.BCELoss()\n"),
                (
                    "code",
                    "for epoch in range(2):\n"
                    "    output = netD(x).view(-1)\n"
                    "    errD = criterion(output, y)\n"
                    "    print('[%d/%d] Loss_D: %.4f'\n"
                    "          % (epoch, 2, errD.item()))\n",
                ),
            ]
        )
    )
    assert main(["lint", str(nb)]) == 1
    captured = capsys.readouterr()
    assert captured.out.startswith(f"{nb}:cell_3:3:12: AL101 ")


def test_notebook_cell_magic_that_writes_a_file_is_not_linted(tmp_path, capsys):
    """A ``%%writefile`` (or ``%%bash``) cell is not run as Python in the kernel: its text is a file's content (linted
    where that file is) or another language; a ``%%time`` cell is Python and is linted."""
    stack = "net = nn.Sequential(" + ", ".join(["nn.Linear(8, 8), nn.Tanh()"] * 4) + ", nn.Linear(8, 1))\n"
    nb = tmp_path / "ae.ipynb"
    nb.write_text(
        _notebook(
            [
                ("code", "import torch.nn as nn\n"),
                ("code", "%%writefile autoencoder.py\nimport torch.nn as nn\n" + stack),
                ("code", "%%bash\necho 'nn.BCELoss()(torch.sigmoid(x), y)'\n"),
                ("code", "%%time\n" + stack),
            ]
        )
    )
    assert main(["lint", str(nb)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert [line.split(": AL")[0] for line in out] == [f"{nb}:cell_4:2:7"]
