"""The configuration files a linted tree holds (JSON / YAML): read, never executed, for the string settings that
pick a model or a loss (pytorch-template's ``config.json``; ``cfg["train"]["loss"]`` from a YAML file)."""

from __future__ import annotations

import ast
import json
import shutil
import time
from pathlib import Path

import pytest

from actloss.lint import lint_paths
from actloss.lint._flow import _config_keys
from actloss.lint._runner import CONFIG_MAX_BYTES, CONFIG_MAX_FILES, CONFIG_MAX_SETTINGS, discover, read_configs

MODEL = """import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 1)

    def forward(self, x):
        return torch.sigmoid(self.fc(x))


def train(loader, settings):
    model = Net()
    if {read} == "bce":
        criterion = nn.BCELoss()
    else:
        criterion = nn.MSELoss()
    for x, y in loader:
        criterion(model(x), y).backward()
"""


def _tree(tmp_path: Path, read: str, files: dict[str, str]) -> list[str]:
    (tmp_path / "train.py").write_text(MODEL.replace("{read}", read))
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    report = lint_paths([str(tmp_path)], jobs=1)
    assert report.errors == []
    return [f"{f.line} {f.code}" for f in report.findings]


def test_read_configs_keeps_string_leaves_under_mapping_keys(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({
        "arch": {"type": "MnistModel", "args": {"width": 64}}, "loss": "nll_loss", "metrics": ["accuracy"],
    }))
    (tmp_path / "other.yaml").write_text("loss: ce_loss\ntrain:\n  mode: final\n")
    configs: list[str] = []
    list(discover([str(tmp_path)], configs))
    got = {(d, k): v for d, k, v in read_configs(configs)}
    assert got == {
        ("", ("arch", "type")): ("MnistModel",), ("", ("loss",)): ("ce_loss", "nll_loss"), ("", ("train", "mode")): ("final",),
    }


def test_read_configs_skips_what_is_not_a_readable_mapping(tmp_path):
    bad = {
        "broken.json": "{not json",
        "list.json": "[1, 2, 3]",
        "latin1.json": None,
        "tags.yaml": "!!python/object:os.system {}\n",  # safe loading: refused, never constructed
        "big.json": json.dumps({"loss": "x" * 10, "pad": "y" * CONFIG_MAX_BYTES}),
    }
    paths = []
    for name, text in bad.items():
        path = tmp_path / name
        if text is None:
            path.write_bytes(b'{"loss": "caf\xe9"}')
        else:
            path.write_text(text)
        paths.append(str(path))
    assert read_configs(paths) is None
    assert read_configs([]) is None


def test_read_configs_reads_the_shallowest_files_first(tmp_path):
    paths = []
    for i in range(CONFIG_MAX_FILES + 5):
        path = tmp_path / "deep" / "er" / f"c{i:04d}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"loss": f"deep{i}"}))
        paths.append(str(path))
    top = tmp_path / "config.json"
    top.write_text(json.dumps({"loss": "top"}))
    got = [v for _, k, vs in read_configs([*paths, str(top)]) if k == ("loss",) for v in vs]
    assert "top" in got
    assert len(got) == CONFIG_MAX_FILES  # the cap, the top-level file included


def test_discover_lists_configs_outside_hidden_directories(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "ci.yml").write_text("on: push\n")
    configs: list[str] = []
    assert [Path(p).name for p in discover([str(tmp_path)], configs)] == ["a.py"]
    assert [Path(p).name for p in configs] == ["config.json"]


@pytest.mark.parametrize(
    ("code", "keys"),
    [
        ('config["loss"]', ("loss",)),
        ('cfg["train"]["mode"]', ("train", "mode")),
        ('self.config.get("arch")', ("arch",)),
        ('train_cfg["loss"]', ("loss",)),
        ('hparams.get("loss", "bce")', ("loss",)),
        ('opt["loss"]', ("loss",)),
        ('batch["loss"]', None),  # not named as settings
        ('optimizer["lr"]', None),
        ('config[key]', None),  # the key is not a string literal
        ("config", None),
    ],
)
def test_config_keys_read_only_objects_named_as_settings(code, keys):
    assert _config_keys(ast.parse(code, mode="eval").body) == keys


def test_a_setting_every_file_agrees_on_decides_the_branch(tmp_path):
    assert _tree(tmp_path, 'settings["loss"]', {"config.json": '{"loss": "bce"}'}) == ["21 AL101"]


def test_a_nested_key_is_found_under_any_parent(tmp_path):
    # ``train_cfg = cfg["train"]`` elsewhere: ``settings["loss"]`` matches ``train.loss`` when no file has a
    # top-level ``loss``
    assert _tree(tmp_path, 'settings["loss"]', {"configs/run.yaml": "train:\n  loss: bce\n"}) == ["21 AL101"]


def test_settings_that_disagree_decide_nothing(tmp_path):
    files = {"config.json": '{"loss": "bce"}', "configs/b.json": '{"loss": "mse"}'}
    assert _tree(tmp_path, 'settings["loss"]', files) == []


def test_without_a_configuration_nothing_is_decided(tmp_path):
    assert _tree(tmp_path, 'settings["loss"]', {}) == []


def test_an_object_not_named_as_settings_is_not_looked_up(tmp_path):
    assert _tree(tmp_path, 'row["loss"]', {"config.json": '{"loss": "bce"}'}) == []


TEMPLATE = Path(__file__).parent / "fixtures" / "cross_file" / "configured_template"


def test_the_template_tree_with_a_second_configuration_that_disagrees(tmp_path):
    """``configured_template`` (a fixture whose config.json names a cross-entropy helper for a log_softmax model)
    with a second file naming the NLL helper: which one runs is not known, so neither is reported."""
    root = tmp_path / "tree"
    shutil.copytree(TEMPLATE, root)
    assert [f.code for f in lint_paths([str(root)], jobs=1).findings] == ["AL102"]
    (root / "configs").mkdir()
    (root / "configs" / "nll.json").write_text(json.dumps({"arch": {"type": "MnistModel"}, "loss": "nll_loss"}))
    assert lint_paths([str(root)], jobs=1).findings == []


def test_a_yaml_alias_bomb_is_walked_in_bounded_time(tmp_path):
    lines = ["l0: &l0 {k: 0}"]
    for i in range(1, 10):
        refs = ", ".join([f"k{j}: *l{i - 1}" for j in range(9)] + ["n: 1"])  # no string leaf to stop at
        lines.append(f"l{i}: &l{i} {{{refs}}}")
    (tmp_path / "bomb.yaml").write_text("\n".join(lines) + "\n")
    start = time.perf_counter()
    got = read_configs([str(tmp_path / "bomb.yaml")])  # 9**8 paths if walked in full
    assert got is None
    assert time.perf_counter() - start < 5


def test_a_module_reads_the_settings_of_its_own_project(tmp_path):
    """Two projects in one tree whose configuration files disagree: each script reads its own directory's (the
    nearest enclosing directory that holds any); a script at the top reads them all."""
    for project, loss in (("proj_a", "bce"), ("proj_b", "mse")):
        (tmp_path / project / "configs").mkdir(parents=True)
        (tmp_path / project / "configs" / "run.yaml").write_text(f"loss: {loss}\n")
        (tmp_path / project / "train.py").write_text(MODEL.replace("{read}", 'settings["loss"]'))
    (tmp_path / "top.py").write_text(MODEL.replace("{read}", 'settings["loss"]'))
    report = lint_paths([str(tmp_path)], jobs=1)
    assert [(Path(f.path).relative_to(tmp_path).as_posix(), f.code) for f in report.findings] == [("proj_a/train.py", "AL101")]


def test_the_older_template_helper_builds_the_configured_model(tmp_path):
    """pytorch-template's first versions: ``get_instance(module, name, config, *args)`` in train.py, whose
    ``getattr(module, config[name]["type"])`` is the class config.json names for the module and key passed."""
    (tmp_path / "nets.py").write_text(
        "import torch\nimport torch.nn as nn\n\n\nclass Detector(nn.Module):\n    def __init__(self, width=8):\n"
        "        super().__init__()\n        self.fc = nn.Linear(width, 1)\n\n    def forward(self, x):\n"
        "        return torch.sigmoid(self.fc(x))\n\n\nclass Scorer(nn.Module):\n    def __init__(self, width=8):\n"
        "        super().__init__()\n        self.fc = nn.Linear(width, 1)\n\n    def forward(self, x):\n"
        "        return self.fc(x)\n"
    )
    (tmp_path / "train.py").write_text(
        "import json\nimport torch.nn as nn\nimport nets as module_arch\n\n\n"
        "def get_instance(module, name, config, *args):\n"
        "    return getattr(module, config[name]['type'])(*args, **config[name]['args'])\n\n\n"
        "def main(config, loader):\n    model = get_instance(module_arch, 'arch', config)\n"
        "    criterion = nn.BCELoss()\n    for x, y in loader:\n        criterion(model(x), y).backward()\n"
    )
    (tmp_path / "config.json").write_text(json.dumps({"arch": {"type": "Detector", "args": {"width": 8}}}))
    got = [(Path(f.path).name, f.line, f.code) for f in lint_paths([str(tmp_path)], jobs=1).findings]
    assert got == [("train.py", 14, "AL101")]
    (tmp_path / "config.json").write_text(json.dumps({"arch": {"type": "Scorer", "args": {}}}))
    assert lint_paths([str(tmp_path)], jobs=1).findings == []
