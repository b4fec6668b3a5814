"""Architectures beyond the MLP, trained the usual way: no finding (convolutions with BatchNorm, a small
transformer with LayerNorm, GELU and residuals, an LSTM)."""
from __future__ import annotations

import pytest

from doctor_helpers import train

torch = pytest.importorskip("torch")
nn = torch.nn


def test_cnn_with_batchnorm() -> None:
    g = torch.Generator().manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        nn.Linear(16, 4),
    )

    def batch() -> tuple[torch.Tensor, torch.Tensor]:
        x = torch.randn(16, 1, 8, 8, generator=g)
        return x, (x.mean((1, 2, 3)) > 0).long() + 2 * (x[:, 0, 0, 0] > 0).long()

    doctor = train(model, nn.CrossEntropyLoss(), batch, steps=60, lr=0.05)
    assert doctor.findings == [], doctor.report()


class _Block(nn.Module):
    def __init__(self, d: int = 16) -> None:
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.attn = nn.MultiheadAttention(d, 2, batch_first=True)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.ln1(x)
        x = x + self.attn(h, h, h, need_weights=False)[0]
        return x + self.mlp(self.ln2(x))


def test_small_transformer() -> None:
    class LM(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.emb, self.blocks, self.head = nn.Embedding(20, 16), nn.Sequential(_Block(), _Block()), nn.Linear(16, 20)

        def forward(self, t: torch.Tensor) -> torch.Tensor:
            return self.head(self.blocks(self.emb(t)))

    g = torch.Generator().manual_seed(0)

    def batch() -> tuple[torch.Tensor, torch.Tensor]:
        t = torch.randint(0, 20, (8, 6), generator=g)
        return t, t.roll(1, 1)

    loss = nn.CrossEntropyLoss()
    doctor = train(LM(), loss, batch, steps=100, lr=1e-3, optimizer="adam",
                   call=lambda out, y: loss(out.reshape(-1, 20), y.reshape(-1)))
    assert doctor.findings == [], doctor.report()


def test_lstm_classifier() -> None:
    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.rnn, self.head = nn.LSTM(4, 16, batch_first=True), nn.Linear(16, 2)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.head(self.rnn(x)[0][:, -1])

    g = torch.Generator().manual_seed(0)

    def batch() -> tuple[torch.Tensor, torch.Tensor]:
        x = torch.randn(16, 10, 4, generator=g)
        return x, (x[:, :, 0].sum(1) > 0).long()

    doctor = train(Net(), nn.CrossEntropyLoss(), batch, steps=100, lr=0.05)
    assert doctor.findings == [], doctor.report()
