"""The statistics the guide decides with: robust scale, outliers, class counts and weights.

Every function sorts or counts before it sums, so the results do not depend on the order of the samples.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from actloss.guide import _thresholds as T


def sig(x: float, digits: int = 6) -> float:
    """Round to ``digits`` significant digits, so that recipes print and compare cleanly."""
    return float(f"{float(x):.{digits}g}")


@dataclass(frozen=True)
class Spread:
    """Robust location and scale of continuous targets and how heavy their tails are."""

    median: float
    scale: float
    scale_method: str
    outlier_fraction: float
    outlier_squared_share: float
    n_outliers: int

    @property
    def heavy_tailed(self) -> bool:
        return (self.outlier_fraction > T.OUTLIER_FRACTION
                or self.outlier_squared_share > T.OUTLIER_SQUARED_SHARE)


def robust_scale(y: np.ndarray) -> tuple[float, float, str]:
    """Median and robust standard deviation of ``y`` (any order), and the estimator used.

    >>> robust_scale(np.array([1.0, 2.0, 3.0, 4.0, 100.0]))
    (3.0, 1.4826, 'MAD')
    """
    v = np.sort(np.asarray(y, dtype=np.float64).ravel())
    med = float(np.median(v))
    dev = np.sort(np.abs(v - med))
    mad = float(np.median(dev))
    if mad > 0:
        return med, T.MAD_TO_SD * mad, "MAD"
    q1, q3 = np.quantile(v, [0.25, 0.75])
    if q3 > q1:
        return med, float(q3 - q1) / 1.349, "IQR"
    mean_abs = math.fsum(dev.tolist()) / dev.size
    return med, math.sqrt(math.pi / 2) * mean_abs, "mean absolute deviation"


def spread(y: np.ndarray) -> Spread:
    """Outlier statistics of continuous targets: the modified z-score rule (Iglewicz and Hoaglin, 1993)."""
    med, scale, method = robust_scale(y)
    dev = np.sort(np.abs(np.asarray(y, dtype=np.float64).ravel() - med))
    if scale > 0:
        out = dev > T.OUTLIER_Z * scale
    else:  # pragma: no cover - constant targets are rejected before this point
        out = np.zeros(dev.shape, dtype=bool)
    sq = dev * dev
    total = math.fsum(sq.tolist())
    share = math.fsum(sq[out].tolist()) / total if total > 0 else 0.0
    return Spread(med, scale, method, float(out.mean()), share, int(out.sum()))


def huber_delta(scale: float) -> float:
    """Huber's delta for targets of robust SD ``scale``: 1.345 * scale (95 % efficiency at the normal)."""
    return sig(T.HUBER_DELTA_FACTOR * scale)


def imbalance_ratio(counts: list[int]) -> float:
    """n_majority / n_minority (inf when a class has no samples)."""
    lo = min(counts)
    return math.inf if lo == 0 else max(counts) / lo


def inverse_weights(counts: list[int]) -> list[float]:
    """Class weights n_majority / n_class: the majority class gets 1, a class ten times rarer gets 10.

    >>> inverse_weights([900, 90, 10])
    [1.0, 10.0, 90.0]
    """
    top = max(counts)
    return [sig(top / c) if c > 0 else 0.0 for c in counts]


def effective_number_weights(counts: list[int], beta: float = T.EFFECTIVE_NUMBER_BETA) -> list[float]:
    """Class-balanced weights of Cui et al. (CVPR 2019), normalised to sum to the number of classes.

    The effective number of ``n`` samples is ``(1 - beta**n) / (1 - beta)``; the weight is its inverse.

    >>> effective_number_weights([10, 10])
    [1.0, 1.0]
    """
    # -expm1(n log beta) = 1 - beta**n without cancellation
    raw = [(1.0 - beta) / -math.expm1(c * math.log(beta)) if c > 0 else 0.0 for c in counts]
    total = math.fsum(raw)
    return [sig(w * len(counts) / total) for w in raw]
