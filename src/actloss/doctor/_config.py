"""Thresholds of the run-time checks, validated once."""
from __future__ import annotations

import math
from dataclasses import dataclass, fields

__all__ = ["Thresholds"]


@dataclass(frozen=True)
class Thresholds:
    """Every threshold a check uses; pass any of them to ``actloss.watch`` as a keyword.

    - ``dead_fraction`` (AL202): report a ReLU layer when at least this fraction of its units output 0 for every
      sample of a window.
    - ``vanishing_ratio`` (AL203): report when the first parametrised layer's gradient norm is below this
      fraction of the last layer's (median over a window).
    - ``max_grad_norm`` (AL204): report when the total gradient norm exceeds this.
    - ``growth`` and ``growth_floor`` (AL204): report when, within a window, the total gradient norm grows by
      ``growth`` times (the smallest of the last third against the median of the first third) and ends above
      ``growth_floor``.
    - ``saturation`` and ``saturated_fraction`` (AL205): report a sigmoid/tanh layer when at least
      ``saturated_fraction`` of its pre-activations have ``|z| > saturation`` (mean over a window).
    - ``imbalance_ratio`` (AL108): report when the most frequent class is at least this many times more frequent
      than the rarest, with an unweighted loss.
    - ``max_label`` (AL104): integer-valued regression targets in ``0..max_label`` are taken for class labels.
    """

    dead_fraction: float = 0.5
    vanishing_ratio: float = 1e-4
    max_grad_norm: float = 1e3
    growth: float = 10.0
    growth_floor: float = 1.0
    saturation: float = 6.0
    saturated_fraction: float = 0.9
    imbalance_ratio: float = 10.0
    max_label: int = 9

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v <= 0:
                raise ValueError(f"{f.name} must be a finite number > 0; received {f.name}={v!r}")
        for name in ("dead_fraction", "saturated_fraction"):
            v = getattr(self, name)
            if not 0 < v <= 1:
                raise ValueError(f"{name} must be a fraction in (0, 1]; received {name}={v!r}")
        for name in ("vanishing_ratio",):
            v = getattr(self, name)
            if not v < 1:
                raise ValueError(f"{name} must be in (0, 1); received {name}={v!r}")
        for name in ("growth", "imbalance_ratio"):
            v = getattr(self, name)
            if not v > 1:
                raise ValueError(f"{name} must be > 1; received {name}={v!r}")
        if not isinstance(self.max_label, int):
            raise ValueError(f"max_label must be an int > 0; received max_label={self.max_label!r}")

    @classmethod
    def from_kwargs(cls, kwargs: dict[str, object]) -> "Thresholds":
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(kwargs) - known)
        if unknown:
            raise TypeError(
                f"unknown threshold(s) {', '.join(unknown)}; expected keywords among {', '.join(sorted(known))}"
            )
        return cls(**kwargs)  # type: ignore[arg-type]
