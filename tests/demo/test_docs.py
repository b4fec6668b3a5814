"""The generated documentation: a page per registered op with its formula, derivative and plot, and a nav that
lists every op (adding an op to the registry without rerunning scripts/gen_docs.py fails here)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

import actloss

ROOT = Path(__file__).resolve().parents[2]


def _gen_docs():  # noqa: ANN202
    spec = importlib.util.spec_from_file_location("gen_docs", ROOT / "scripts" / "gen_docs.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_a_page_per_op_with_formula_derivative_and_plot(tmp_path: Path) -> None:
    gen = _gen_docs()
    names = gen.functions(tmp_path)
    assert sorted(names) == sorted(s.name for s in actloss.list_ops())
    index = (tmp_path / "index.md").read_text()
    for spec in actloss.list_ops():
        page = (tmp_path / f"{spec.name}.md").read_text()
        assert spec.formula in page and spec.derivative_formula in page, spec.name
        assert "../accuracy.md" in page
        assert f"]({spec.name}.md)" in index
        img = tmp_path / "img" / f"{spec.name}.png"
        assert f"(img/{spec.name}.png)" in page and img.stat().st_size > 3_000, spec.name


def test_mkdocs_nav_lists_every_op() -> None:
    gen = _gen_docs()
    config = (ROOT / "mkdocs.yml").read_text()
    assert gen.functions_nav() in config, "stale Functions nav in mkdocs.yml: run python scripts/gen_docs.py"


def test_nav_pages_exist_or_are_generated_elsewhere() -> None:
    yaml = pytest.importorskip("yaml")
    nav = yaml.safe_load((ROOT / "mkdocs.yml").read_text())["nav"]

    def pages(item):  # noqa: ANN001, ANN202
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            for v in item.values():
                yield from pages(v)
        else:
            for v in item:
                yield from pages(v)

    generated_by_others = {"accuracy.md", "performance.md"}     # the accuracy report and benchmark pages
    missing = [p for p in pages(nav) if not (ROOT / "docs" / p).exists() and p not in generated_by_others]
    assert not missing
