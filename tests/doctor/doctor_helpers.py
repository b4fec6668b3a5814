"""Small models and a training loop for the doctor's tests (a uniquely named module: every test directory has a
conftest.py). Every model here is tiny: the whole directory must run in well under a minute on two shared cores."""
from __future__ import annotations

from typing import Any, Callable

import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

import actloss  # noqa: E402


def mlp(sizes: list[int], act: Callable[[], Any]) -> Any:
    """Linear, act, Linear, act, ..., Linear: module names '0', '1', '2', ..."""
    layers: list[Any] = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(a, b), act()]
    return nn.Sequential(*layers[:-1])


class Data:
    """Seeded batches for the usual tasks (a fresh generator per instance: tests do not share randomness)."""

    def __init__(self, seed: int = 0) -> None:
        self.g = torch.Generator().manual_seed(seed)

    def x(self, n: int, d: int) -> Any:
        return torch.randn(n, d, generator=self.g)

    def regression(self, n: int = 32, d: int = 8) -> tuple[Any, Any]:
        x = self.x(n, d)
        return x, 0.5 * x[:, :1] + 0.1 * torch.randn(n, 1, generator=self.g)

    def classes(self, n: int = 32, d: int = 8) -> tuple[Any, Any]:
        x = self.x(n, d)
        return x, (x[:, 0] > 0).long() + (x[:, 1] > 0.5).long()      # 3 classes, learnable

    def binary(self, n: int = 32, d: int = 4) -> tuple[Any, Any]:
        x = self.x(n, d)
        return x, (x[:, :1] > 0).float()

    def labels_as_floats(self, n: int = 32, d: int = 8) -> tuple[Any, Any]:
        x, y = self.classes(n, d)
        return x, y.float().unsqueeze(1)

    def multi_hot(self, n: int = 32, d: int = 8) -> tuple[Any, Any]:
        x = self.x(n, d)
        return x, (x[:, :4] > 0).float()

    def rare_positives(self, n: int = 64, d: int = 8, rate: float = 0.01) -> tuple[Any, Any]:
        x = self.x(n, d)
        return x, (torch.rand(n, 1, generator=self.g) < rate).float()


def train(model: Any, loss_fn: Any, batch: Callable[[], tuple[Any, Any]], *, steps: int, lr: float = 0.1,
          optimizer: str = "sgd", every: int = 1, criterion: Any = "same", call: Any = None,
          **kwargs: Any) -> "actloss.doctor.Doctor":
    """The plain loop of the issue: forward, loss, backward, optimizer step, zero_grad, doctor.step(loss).

    ``criterion`` is what the doctor is told (default: ``loss_fn``); ``call`` what the loop calls (default:
    ``loss_fn``). The doctor is closed on return."""
    opt = (torch.optim.SGD(model.parameters(), lr=lr) if optimizer == "sgd"
           else torch.optim.Adam(model.parameters(), lr=lr))
    doctor = actloss.watch(model, criterion=loss_fn if criterion == "same" else criterion, every=every, **kwargs)
    fn = call if call is not None else loss_fn
    with doctor:
        for _ in range(steps):
            x, y = batch()
            loss = fn(model(x), y)
            loss.backward()
            opt.step()
            opt.zero_grad()
            doctor.step(loss)
    return doctor


def codes(doctor_or_findings: Any) -> list[str]:
    findings = getattr(doctor_or_findings, "findings", doctor_or_findings)
    return [f.code for f in findings]


def only(doctor: Any, code: str) -> Any:
    """The single finding of ``doctor``, which must carry ``code`` (no other finding allowed)."""
    assert codes(doctor) == [code], doctor.report()
    return doctor.findings[0]
