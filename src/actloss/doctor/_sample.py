"""What one sync brings to the host: the statistics of one sampled training step."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._batch import CallRecord
from ._config import Thresholds

__all__ = ["ActRecord", "GradRecord", "Sample", "Context", "RELU", "SQUASH", "PLAIN"]

RELU, SQUASH, PLAIN = "relu", "squash", "plain"


@dataclass
class ActRecord:
    """One module call: ``values`` are the per-unit maxima (ReLU), ``[n_saturated, sum]`` (sigmoid/tanh) or
    ``[sum]`` (any other module); ``numel`` is the number of (pre-)activation values."""

    name: str
    role: str
    values: np.ndarray
    numel: int
    kind: str = ""   # 'Sigmoid', 'Tanh', 'ReLU', ...
    finite: bool | None = None   # None: computed from values

    def __post_init__(self) -> None:
        if self.finite is None:
            self.finite = bool(np.isfinite(self.values).all())


@dataclass
class GradRecord:
    """Per-parameter gradient norms after one backward pass; ``modules[i]`` owns the i-th parameter norm
    (parameters without a gradient are left out)."""

    modules: list[str]
    l2: np.ndarray


@dataclass
class Sample:
    step: int
    all_finite: bool = False        # True: every loss, activation, gradient and loss-input statistic is finite
    losses: list[tuple[int, float]] = field(default_factory=list)   # every step since the previous sync
    acts: list[ActRecord] = field(default_factory=list)             # forward completion order
    grads: list[GradRecord] = field(default_factory=list)           # one per backward pass
    calls: list[CallRecord] = field(default_factory=list)           # criterion calls
    cache: dict[str, object] = field(default_factory=dict)          # values derived once, shared by checks

    def forward_order(self) -> dict[str, int]:
        """Module path -> index of its first call in ``acts``."""
        order = self.cache.get("forward_order")
        if order is None:
            order = {}
            for i, a in enumerate(self.acts):
                order.setdefault(a.name, i)
            self.cache["forward_order"] = order
        return order  # type: ignore[return-value]


@dataclass
class Context:
    thresholds: Thresholds
    window: int
    heads: set[str] = field(default_factory=set)   # modules whose output fed the criterion
