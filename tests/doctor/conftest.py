"""Fixtures of the doctor's tests; the models and the training loop are in doctor_helpers.py."""
from __future__ import annotations

from typing import Any

import pytest

torch = pytest.importorskip("torch")


@pytest.fixture(autouse=True)
def _seed_and_one_thread() -> Any:
    # tiny models: intra-op threads only add synchronisation, and on a loaded machine they make a 16x16 matmul
    # take a millisecond; restored afterwards so other test directories keep their setting
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    yield
    torch.set_num_threads(threads)
