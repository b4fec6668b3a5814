"""The Lightning callback exists only with Lightning installed (it is not, here: the import error is tested)."""
from __future__ import annotations

import importlib.util

import pytest

torch = pytest.importorskip("torch")

from actloss.doctor import lightning_callback  # noqa: E402

HAVE_LIGHTNING = any(importlib.util.find_spec(m) is not None for m in ("lightning", "pytorch_lightning"))


@pytest.mark.skipif(HAVE_LIGHTNING, reason="Lightning is installed")
def test_without_lightning_the_callback_explains_what_to_install() -> None:
    with pytest.raises(ImportError, match=r"needs PyTorch Lightning: install 'lightning'"):
        lightning_callback()


@pytest.mark.skipif(not HAVE_LIGHTNING, reason="Lightning is not installed")
def test_callback_watches_a_fit() -> None:   # pragma: no cover - runs only where Lightning is installed
    try:
        import lightning.pytorch as pl
    except ImportError:
        import pytorch_lightning as pl

    nn = torch.nn

    class Module(pl.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.net = nn.Sequential(nn.Linear(8, 3), nn.Softmax(dim=1))
            self.criterion = nn.CrossEntropyLoss()

        def training_step(self, batch, batch_idx):  # type: ignore[no-untyped-def]
            x, y = batch
            return self.criterion(self.net(x), y)

        def configure_optimizers(self):  # type: ignore[no-untyped-def]
            return torch.optim.SGD(self.parameters(), lr=0.1)

    data = torch.utils.data.TensorDataset(torch.randn(64, 8), torch.randint(0, 3, (64,)))
    cb = lightning_callback()
    trainer = pl.Trainer(max_epochs=1, callbacks=[cb], logger=False, enable_checkpointing=False,
                         enable_progress_bar=False, enable_model_summary=False)
    trainer.fit(Module(), torch.utils.data.DataLoader(data, batch_size=16))
    assert [f.code for f in cb.doctor.findings] == ["AL102"]
    assert cb.doctor.closed
