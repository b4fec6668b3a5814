"""``check_batch``: the loss-input and target checks on one batch, without a model or hooks."""
from __future__ import annotations

from typing import Any

from ._batch import queue_call, resolve_call
from ._checks import batch_checks
from ._config import Thresholds
from ._criterion import describe
from ._finding import Finding
from ._sample import Context, Sample
from ._transfer import Pending

__all__ = ["check_batch"]


def _as_tensor(value: Any, name: str) -> Any:
    import numpy as np
    import torch

    if isinstance(value, torch.Tensor):
        return value
    if isinstance(value, np.ndarray):
        return torch.from_numpy(value)
    raise TypeError(f"{name} must be a torch.Tensor or a NumPy array; received {type(value).__name__}")


def check_batch(outputs: Any, targets: Any, criterion: Any, **thresholds: Any) -> list[Finding]:
    """Check one batch: what ``criterion(outputs, targets)`` is fed (AL101-AL105, AL108, AL201).

    Args:
        outputs: the model's output as it would be passed to the loss (tensor or NumPy array).
        targets: the targets (tensor or NumPy array), or ``None`` to check the outputs only.
        criterion: a ``torch.nn`` loss module, a ``torch.nn.functional`` loss or an actloss loss.
        **thresholds: as for :func:`actloss.watch` (``imbalance_ratio``, ``max_label``).

    Returns:
        the findings, ``where='outputs'`` for the input checks and ``'criterion:<Name>'`` for the target
        checks.
        AL108 needs at least 100 targets (and 20 per class).

    Example:
        >>> import torch, actloss
        >>> probs = torch.softmax(torch.randn(8, 5), dim=1)
        >>> labels = torch.randint(0, 5, (8,))
        >>> [f.code for f in actloss.check_batch(probs, labels, torch.nn.CrossEntropyLoss())]
        ['AL102']
    """
    x = _as_tensor(outputs, "outputs")
    y = None if targets is None else _as_tensor(targets, "targets")
    info = describe(criterion)
    ctx = Context(Thresholds.from_kwargs(thresholds), window=1)
    pending = Pending()
    rec = queue_call(pending, info, x, y, producer=None, weighted=info.weighted)
    resolve_call(rec, pending.fetch())
    sample = Sample(step=0, calls=[rec])
    findings: list[Finding] = []
    for check in batch_checks():
        findings += check.observe(sample, ctx)
        findings += check.end_window(0, ctx)
    return findings
