"""Experiments and the demo at small size. Matplotlib draws on the Agg canvas (Figure objects, no pyplot)."""
from __future__ import annotations

import pytest

pytest.importorskip("torch")
pytest.importorskip("matplotlib")
pytest.importorskip("rich")


@pytest.fixture(autouse=True)
def _agg_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MPLBACKEND", "Agg")
