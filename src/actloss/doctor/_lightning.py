"""A PyTorch Lightning callback, available only when Lightning is installed (it is not a dependency)."""
from __future__ import annotations

import importlib
from typing import Any

__all__ = ["lightning_callback"]


def _lightning_callback_base() -> Any:
    for module in ("lightning.pytorch", "pytorch_lightning"):
        try:
            return importlib.import_module(module).Callback
        except ImportError:
            continue
    raise ImportError(
        "actloss.doctor.lightning_callback needs PyTorch Lightning: install 'lightning' (or 'pytorch-lightning'); "
        "neither lightning.pytorch nor pytorch_lightning is importable. Without it, call doctor.step(loss) in "
        "your own loop."
    )


def lightning_callback(criterion: Any = None, every: int = 1, **kwargs: Any) -> Any:
    """A Lightning ``Callback`` that watches the LightningModule during ``fit``.

    The doctor is attached in ``on_fit_start`` (``criterion`` defaults to the module's ``criterion`` or
    ``loss_fn`` attribute when it has one), steps after every training batch with the loss the
    ``training_step`` returned, and closes in ``on_fit_end``; the findings are on ``callback.doctor``.
    Raises ``ImportError`` when Lightning is not installed.
    """
    base = _lightning_callback_base()
    from ._doctor import Doctor

    class DoctorCallback(base):  # type: ignore[misc, valid-type]
        def __init__(self) -> None:
            super().__init__()
            self.doctor: Doctor | None = None

        def on_fit_start(self, trainer: Any, pl_module: Any) -> None:
            crit = criterion
            if crit is None:
                crit = getattr(pl_module, "criterion", None) or getattr(pl_module, "loss_fn", None)
            self.doctor = Doctor(pl_module, crit, every, **kwargs)

        def on_train_batch_end(self, trainer: Any, pl_module: Any, outputs: Any, batch: Any,
                               batch_idx: int) -> None:
            if self.doctor is None:
                return
            loss = outputs.get("loss") if isinstance(outputs, dict) else outputs
            self.doctor.step(loss)

        def on_fit_end(self, trainer: Any, pl_module: Any) -> None:
            if self.doctor is not None:
                self.doctor.close()

    return DoctorCallback()
