"""The device code path: statistics stay on the device until the one transfer in step()."""
from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

import actloss  # noqa: E402
from actloss.doctor._batch import class_counts  # noqa: E402


@pytest.mark.parametrize("sync_free", [False, True])
def test_class_counts_both_ways(sync_free: bool) -> None:
    y = torch.tensor([0, 2, 2, -100, 1, 2, -100])
    counts = class_counts(y, 3, -100, sync_free=sync_free)
    assert counts.tolist() == [1, 1, 3, 2]
    y255 = torch.tensor([0, 255, 1, 1])                     # ignore_index above the classes (segmentation)
    assert class_counts(y255, 3, 255, sync_free=sync_free).tolist() == [1, 2, 0, 1]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device here: the CUDA path is untested")
def test_cuda_training_step_synchronises_only_in_step() -> None:   # pragma: no cover - needs a GPU
    dev = torch.device("cuda")
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3), nn.Softmax(dim=1)).to(dev)
    loss_fn = nn.CrossEntropyLoss()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    doctor = actloss.watch(model, criterion=loss_fn)
    for _ in range(3):
        x, y = torch.randn(32, 8, device=dev), torch.randint(0, 3, (32,), device=dev)
        torch.cuda.set_sync_debug_mode("error")     # any host-device synchronisation raises from here...
        try:
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
            opt.zero_grad()
        finally:
            torch.cuda.set_sync_debug_mode("default")   # ...to here: step() is the one place that syncs
        doctor.step(loss)
    doctor.close()
    assert [(f.code, f.where) for f in doctor.findings] == [("AL102", "3")]
