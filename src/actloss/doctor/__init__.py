"""The training doctor: run-time checks of activations, gradients and loss inputs, with the catalogue's codes.

>>> doctor = actloss.watch(model, criterion=loss_fn)      # doctest: +SKIP
>>> ...; doctor.step(loss)                                # once per training step
>>> print(doctor.report())                                # doctest: +SKIP
"""
from __future__ import annotations

from ._check_batch import check_batch as check_batch
from ._config import Thresholds as Thresholds
from ._doctor import Doctor as Doctor
from ._doctor import watch as watch
from ._finding import Finding as Finding
from ._lightning import lightning_callback as lightning_callback

__all__ = ["watch", "check_batch", "Doctor", "Finding", "Thresholds", "lightning_callback"]
