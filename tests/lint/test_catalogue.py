"""The mistake catalogue: all codes present and complete, lookup, rendering, docs page up to date, CLI."""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from actloss import catalogue
from actloss.cli import main

ROOT = Path(__file__).resolve().parents[2]
CODES = [f"AL10{i}" for i in range(1, 9)] + [f"AL20{i}" for i in range(1, 6)]


def test_exactly_the_issue_codes_in_order():
    assert list(catalogue.CATALOGUE) == CODES


@pytest.mark.parametrize("code", CODES)
def test_entry_is_complete(code):
    e = catalogue.CATALOGUE[code]
    assert e.code == code
    assert e.kind == ("static" if code.startswith("AL1") else "runtime")
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", e.name), e.name
    for field in ("title", "what", "why", "fix", "before", "after"):
        assert getattr(e, field).strip(), f"{code}.{field} is empty"
    assert re.search(r"\d", e.why), f"{code}.why must give a number"
    assert e.before != e.after


def test_names_are_unique_and_the_issue_names():
    names = [e.name for e in catalogue.CATALOGUE.values()]
    assert len(set(names)) == len(names)
    assert catalogue.get("AL101").name == "sigmoid-before-bce"
    assert catalogue.get("AL205").name == "saturated-activation"


def test_entry_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        catalogue.get("AL101").code = "AL999"  # type: ignore[misc]


@pytest.mark.parametrize("spelling", ["AL102", "al102", " Al102 "])
def test_get_is_case_insensitive(spelling):
    assert catalogue.get(spelling).code == "AL102"


def test_get_unknown_code_names_it_and_lists_known():
    with pytest.raises(ValueError, match=r"code='AL999'.*AL101.*AL205"):
        catalogue.get("AL999")


def test_get_wrong_type():
    with pytest.raises(TypeError, match="code must be a str"):
        catalogue.get(102)  # type: ignore[arg-type]


def test_sigmoid_derivative_number_is_in_the_explanations():
    assert "0.25" in catalogue.get("AL106").why
    assert "0.25" in catalogue.get("AL205").why


def test_render_has_all_sections():
    text = catalogue.render(catalogue.get("AL102"))
    for heading in ("What happens", "Why it hurts", "Fix", "Before", "After"):
        assert f"\n{heading}\n" in text
    assert text.startswith("AL102 softmax-before-cross-entropy:")
    assert "F.cross_entropy(out, y)" in text


def test_docs_page_is_up_to_date():
    page = ROOT / "docs" / "catalogue.md"
    assert page.read_text(encoding="utf-8") == catalogue.render_markdown(), (
        "docs/catalogue.md is stale: regenerate with "
        "python -c 'from actloss import catalogue; print(catalogue.render_markdown(), end=\"\")' > docs/catalogue.md"
    )


def test_render_markdown_has_every_code_as_section():
    md = catalogue.render_markdown()
    for code in CODES:
        assert f"\n## {code}\n" in md


def test_cli_explain(capsys):
    assert main(["explain", "al101"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("AL101 sigmoid-before-bce")
    assert "BCEWithLogitsLoss" in out


def test_cli_explain_unknown(capsys):
    assert main(["explain", "AL999"]) == 2
    err = capsys.readouterr().err
    assert "AL999" in err and "AL101" in err


def test_cli_explain_list(capsys):
    assert main(["explain", "--list"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 13


def test_cli_explain_without_code_is_a_usage_error(capsys):
    assert main(["explain"]) == 2
    err = capsys.readouterr().err
    assert "expected a code such as AL102" in err and "AL205" in err


def test_cli_explain_several_codes(capsys):
    assert main(["explain", "AL101", "AL205"]) == 0
    out = capsys.readouterr().out
    assert out.index("AL101 sigmoid-before-bce") < out.index("AL205 saturated-activation")
