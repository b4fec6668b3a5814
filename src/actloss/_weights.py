"""Class-imbalance helpers: weights for cross_entropy / softmax_focal_loss and pos_weight for BCE with logits."""
from __future__ import annotations

from typing import Any

import numpy as np

METHODS = ("inverse", "effective_number")


def _counts(op: str, counts: Any, *, ndim: tuple[int, ...]) -> np.ndarray:
    try:
        c = np.asarray(counts.detach().cpu().numpy() if hasattr(counts, "detach") else counts, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"actloss.{op}: argument 'counts' must be an array of numbers; received {type(counts).__name__}") from None
    if c.ndim not in ndim:
        raise ValueError(f"actloss.{op}: argument 'counts' must be {' or '.join(f'{d}-D' for d in ndim)}; received shape {c.shape}")
    if c.size == 0 or not np.all(np.isfinite(c)) or np.any(c < 0) or np.any(c != np.round(c)):
        raise ValueError(f"actloss.{op}: argument 'counts' must hold non-negative whole numbers; received {c.tolist()}")
    return c


def class_weights(counts: Any, method: str = "inverse", beta: float = 0.999) -> np.ndarray:
    """Per-class weights from class counts, for ``cross_entropy(weight=...)``.

    .. math::

        \\text{inverse: } w_c = \\frac{n_{\\max}}{n_c} \\qquad
        \\text{effective\\_number: } w_c \\propto \\frac{1 - \\beta}{1 - \\beta^{n_c}},\\ \\sum_c w_c = C

    'inverse' gives the majority class weight 1 (the source's n_majority / n_minority); 'effective_number' is the
    class-balanced weighting of Cui et al. (CVPR 2019), normalised to sum to the number of classes.

    Args:
        counts: 1-D array-like of per-class sample counts (non-negative whole numbers, at least one per class).
        method: 'inverse' or 'effective_number'.
        beta: in [0, 1) for 'effective_number'; 0 gives equal weights, -> 1 approaches 'inverse'.

    Returns:
        float64 NumPy array of shape (C,); wrap it with torch.as_tensor / jnp.asarray as needed.

    Example:
        >>> import actloss
        >>> actloss.class_weights([900, 90, 10])
        array([ 1., 10., 90.])
    """
    c = _counts("class_weights", counts, ndim=(1,))
    if method not in METHODS:
        raise ValueError(f"actloss.class_weights: argument 'method' must be one of {', '.join(map(repr, METHODS))}; received {method!r}")
    if np.any(c == 0):
        raise ValueError(f"actloss.class_weights: every class needs at least one sample; received counts {c.astype(int).tolist()}")
    if method == "inverse":
        return c.max() / c
    if not (isinstance(beta, (int, float)) and 0 <= beta < 1):
        raise ValueError(f"actloss.class_weights: argument 'beta' must be in [0, 1); received {beta!r}")
    # (1 - beta) / (1 - beta^n) with -expm1(n log beta), exact for beta near 1
    w = (1.0 - beta) / -np.expm1(c * np.log(beta)) if beta > 0 else np.ones_like(c)
    return w * (c.size / w.sum())


def pos_weight(counts: Any) -> np.ndarray | float:
    """``pos_weight = n_negative / n_positive`` for ``binary_cross_entropy_with_logits``.

    Args:
        counts: ``[n_negative, n_positive]`` for one binary target, or an (L, 2) array with one such row per label
            of a multi-label task.

    Returns:
        A float for one target, or a float64 array of shape (L,).

    Example:
        >>> import actloss
        >>> actloss.pos_weight([990, 10])
        99.0
    """
    c = _counts("pos_weight", counts, ndim=(1, 2))
    if c.shape[-1] != 2:
        raise ValueError(f"actloss.pos_weight: argument 'counts' must be [n_negative, n_positive] per target; received shape {c.shape}")
    if np.any(c[..., 1] == 0):
        raise ValueError("actloss.pos_weight: a target has no positive sample (n_positive = 0): pos_weight would be infinite")
    r = c[..., 0] / c[..., 1]
    return float(r) if r.ndim == 0 else r
