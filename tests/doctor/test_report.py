"""Findings carry the catalogue's code, name and title; the report renders as text and as JSON."""
from __future__ import annotations

import json
import math

import pytest

from doctor_helpers import Data, train

torch = pytest.importorskip("torch")
nn = torch.nn

import actloss  # noqa: E402
from actloss.catalogue import get  # noqa: E402
from actloss.doctor import Finding  # noqa: E402


def _broken_run():  # type: ignore[no-untyped-def]
    class Log(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.log(x)

    # log(softmax(z)): log-probabilities fed to CrossEntropyLoss, which applies log_softmax again (AL102)
    model = nn.Sequential(nn.Linear(8, 3), nn.Softmax(dim=1), Log())
    doctor = train(model, nn.CrossEntropyLoss(), Data().classes, steps=2)
    assert [(f.code, f.where) for f in doctor.findings] == [("AL102", "2")]
    return doctor


def test_findings_use_the_catalogue_title_and_name() -> None:
    doctor = _broken_run()
    assert doctor.findings, doctor.report()
    for f in doctor.findings:
        assert isinstance(f, Finding)
        entry = get(f.code)
        assert (f.title, f.name) == (entry.title, entry.name)
        assert f.fix and f.evidence


def test_text_report_lists_code_where_evidence_and_fix() -> None:
    doctor = _broken_run()
    text = doctor.report()
    f = doctor.findings[0]
    assert text.startswith(f"actloss doctor: {len(doctor.findings)} finding(s) in 2 step(s).")
    assert f"{f.code} {f.name} at {f.where} (step {f.step})" in text
    assert "evidence: " in text and "fix: " in text and "actloss explain" in text


def test_json_report_round_trips_and_keeps_nan_as_text() -> None:
    class Log(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.log(x)

    d = Data()
    doctor = train(nn.Sequential(nn.Linear(4, 1), Log()), nn.MSELoss(), lambda: (d.x(16, 4), d.x(16, 1)), steps=2)
    data = json.loads(doctor.report(format="json"))     # strict JSON: no bare NaN
    assert data["steps"] == 2
    (f,) = data["findings"]
    assert f["code"] == "AL201" and f["where"] == "1" and f["name"] == "non-finite-values"
    assert f["evidence"]["loss"] == "nan"
    assert math.isnan(doctor.findings[0].evidence["loss"])
    assert set(f) == {"code", "name", "title", "where", "step", "evidence", "fix"}


def test_clean_report() -> None:
    doctor = actloss.watch(nn.Linear(2, 2))
    doctor.step(0.5)
    doctor.close()
    assert doctor.report() == "actloss doctor: no finding in 1 step(s)."
    assert json.loads(doctor.report(format="json")) == {"steps": 1, "findings": []}
