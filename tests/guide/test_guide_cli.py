"""``actloss advise``: tasks, files (CSV with and without pandas, .npy, Parquet), JSON, and errors."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from actloss.cli import main
from actloss.data import example_path
from actloss.guide import read_targets


def run(capsys, *argv):
    code = main(["advise", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_task_with_modifiers(capsys):
    code, out, err = run(capsys, "--task", "binary", "--imbalanced")
    assert code == 0 and err == ""
    assert "binary_cross_entropy_with_logits" in out and "pos_weight = n_negative / n_positive" in out
    assert "code (PyTorch):" in out and "nn.BCEWithLogitsLoss(pos_weight=pos_weight)" in out


def test_csv_file_and_json(capsys, tmp_path):
    path = tmp_path / "data.csv"
    pd.DataFrame({"x": range(12), "label": ["spam"] * 2 + ["ham"] * 10}).to_csv(path, index=False)
    code, out, _ = run(capsys, str(path), "--target", "label", "--json")
    assert code == 0
    d = json.loads(out)
    assert d["task"] == "binary" and d["loss_kwargs"] == {"pos_weight": 5.0}
    assert d["label_mapping"] == [{"label": "ham", "index": 0}, {"label": "spam", "index": 1}]
    code, out, _ = run(capsys, str(path), "--target", "label", "--positive-label", "ham", "--json")
    assert json.loads(out)["loss_kwargs"] == {"pos_weight": 0.2}


def test_examples_and_listing(capsys):
    code, out, _ = run(capsys, "--list-examples")
    assert code == 0 and "fraud" in out and "tags" in out
    code, out, _ = run(capsys, "--example", "tags", "--no-code", "--architecture", "transformer")
    assert code == 0 and "multilabel" in out and "gelu (transformer)" in out and "import torch" not in out
    code, out, _ = run(capsys, "--example", "house_prices", "--no-outliers", "--json")
    assert json.loads(out)["loss"] == "mse_loss"


def test_npy_file(capsys, tmp_path):
    path = tmp_path / "y.npy"
    np.save(path, np.eye(3)[[0, 1, 2, 2, 1, 0]])
    code, out, _ = run(capsys, str(path), "--json")
    assert code == 0 and json.loads(out)["task"] == "multiclass"
    code, out, _ = run(capsys, str(path), "--target", "0,1", "--json")
    assert json.loads(out)["task"] == "multilabel"


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        ([], "give --task, a data file, or --example"),
        (["--task", "clasification"], "task must be one of"),
        (["--task", "regression", "--imbalanced"], "imbalanced= applies to classification"),
        (["--example", "nope"], "--example must be one of"),
        (["missing.csv"], "does not exist"),
        (["data.txt"], r"must end in one of \.csv, \.parquet, \.pq, \.npy"),
        (["--task", "binary", "--target", "y"], "--target needs a data file"),
        (["--example", "fraud", "--target", "nope"], r"target column\(s\) \['nope'\] not found"),
        (["--example", "fraud", "--architecture", "resnet"], "architecture must be one of"),
    ],
)
def test_errors_exit_2_with_a_message(capsys, tmp_path, monkeypatch, argv, match):
    import re

    monkeypatch.chdir(tmp_path)
    (tmp_path / "data.txt").write_text("y\n1\n")
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.startswith("actloss advise: error: ") and re.search(match, err), err


def test_csv_readers_agree(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a,b,c,d\n1,0.5,x,true\n2,1.5,y,false\n3,2,x,true\n")
    for col in "abcd":
        with_pandas = np.asarray(read_targets(path, col, use_pandas=True))
        stdlib = read_targets(path, col, use_pandas=False)
        assert with_pandas.tolist() == stdlib.tolist(), col
    multi = read_targets(example_path("tags"), "sport,politics", use_pandas=False)
    assert multi.shape == (400, 2)
    assert read_targets(example_path("tags"), ["sport", "politics"]).shape == (400, 2)


@pytest.mark.parametrize(
    ("content", "kwargs", "match"),
    [
        ("a,b\n1,2\n", {}, r"has 2 columns \['a', 'b'\]; pass target="),
        ("a\n1\n\n2\n", {"target": "a"}, None),
        ("a,b\n1,\n2,3\n", {"target": "b", "use_pandas": False}, r"column 'b' .* 1 missing value"),
        ("a,b\n1,2,3\n", {"target": "a", "use_pandas": False}, r"line 2 has a different number of fields"),
        ("", {"use_pandas": False}, r"is empty"),
        ("a\n", {"use_pandas": False}, r"header but no data rows"),
        ("a,b\n1,x\n2,y\n", {"target": "a,b", "use_pandas": False}, r"must all be numeric"),
        ("a\n1\n", {"target": " , "}, r"target must name one or more columns"),
    ],
)
def test_csv_errors(tmp_path, content, kwargs, match):
    path = tmp_path / "d.csv"
    path.write_text(content)
    if match is None:
        assert read_targets(path, **kwargs).tolist() == [1, 2]
        return
    with pytest.raises(ValueError, match=match):
        read_targets(path, **kwargs)


def test_npy_and_parquet_errors(tmp_path):
    path = tmp_path / "y.npy"
    np.save(path, np.arange(5))
    with pytest.raises(ValueError, match=r"selects columns of a 2-D .npy array"):
        read_targets(path, "0")
    np.save(path, np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"must be column indices"):
        read_targets(path, "a")
    with pytest.raises(ValueError, match=r"indices \[5\] out of range for 2 columns"):
        read_targets(path, "5")
    bad = tmp_path / "bad.npy"
    bad.write_bytes(b"not numpy")
    with pytest.raises(ValueError, match=r"cannot read .* as a .npy array"):
        read_targets(bad)
    pq = tmp_path / "y.parquet"
    pq.write_bytes(b"PAR1")
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        with pytest.raises(ValueError, match=r"reading Parquet needs pandas with pyarrow or fastparquet"):
            read_targets(pq)
    else:  # pragma: no cover - pyarrow is not in the dev set
        with pytest.raises(Exception):
            read_targets(pq)
