"""The examples in the doctor's docstrings run and print what they show."""
from __future__ import annotations

import doctest

import pytest

pytest.importorskip("torch")

import actloss.doctor._check_batch  # noqa: E402
import actloss.doctor._doctor  # noqa: E402


@pytest.mark.parametrize("module", [actloss.doctor._doctor, actloss.doctor._check_batch])
def test_docstring_examples(module: object) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
