"""What every experiment shares: the result type, figures without pyplot, metrics, small models, losses.

Figures are ``matplotlib.figure.Figure`` objects drawn on the Agg canvas (no pyplot, no GUI, no global figure
registry), so an experiment can run in a test, a thread or a headless CI job and hand its figures back.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

SIZES = ("small", "full")


@dataclass
class Result:
    """One experiment's outcome.

    name: the experiment's command-line name. claim: the sentence it checks. verdict: each check of the claim
    (a short statement -> whether the data bear it out). table: rows of a results table (dicts with the same
    keys). data: the arrays and numbers behind the figures, for the tests. figures: the matplotlib figures.
    files: where the figures (PNG) and the table (CSV) were written.
    """

    name: str
    claim: str
    verdict: dict[str, bool] = field(default_factory=dict)
    table: list[dict[str, Any]] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    figures: list[Any] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def holds(self) -> bool:
        return bool(self.verdict) and all(self.verdict.values())

    def write(self, out_dir: Path, stem: str | None = None) -> list[Path]:
        """Write every figure as ``<stem>[-i].png`` and the table as ``<stem>.csv`` under ``out_dir``."""
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        stem = stem or self.name
        files: list[Path] = []
        for i, fig in enumerate(self.figures):
            path = out_dir / (f"{stem}.png" if i == 0 else f"{stem}-{i + 1}.png")
            fig.savefig(path, dpi=110)
            files.append(path)
        if self.table:
            path = out_dir / f"{stem}.csv"
            keys = list(self.table[0])
            lines = [",".join(keys)] + [",".join(_cell(r.get(k)) for k in keys) for r in self.table]
            path.write_text("\n".join(lines) + "\n")
            files.append(path)
        self.files = files
        return files


def _cell(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"
    s = str(v)
    return f'"{s}"' if "," in s else s


def check_size(size: str) -> str:
    if size not in SIZES:
        raise ValueError(f"size must be one of {', '.join(SIZES)}; received size={size!r}")
    return size


def figure(ncols: int = 1, nrows: int = 1, width: float = 5.0, height: float = 3.6,
           **kw: Any) -> tuple[Any, Any]:
    """A Figure on the Agg canvas with a grid of axes (no pyplot state)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width * ncols, height * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, **kw)
    return fig, axes


def fmt(v: Any, digits: int = 3) -> str:
    """Numbers for tables: 3 significant digits, integers as they are."""
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        v = float(v)
        if v != v:
            return "nan"
        return f"{v:.{digits}g}"
    return str(v)


# ------------------------------------------------------------------------------------------------ metrics
def pr_auc(scores: np.ndarray, y: np.ndarray) -> float:
    """Area under the precision-recall curve as average precision (sklearn's definition, step-wise).

    Ties are broken pessimistically-neutral by grouping equal scores (one threshold per distinct score).
    """
    scores = np.asarray(scores, dtype=float).ravel()
    y = np.asarray(y).ravel().astype(bool)
    n_pos = int(y.sum())
    if n_pos == 0:
        raise ValueError("pr_auc needs at least one positive")
    if not np.all(np.isfinite(scores)):
        return float("nan")
    order = np.argsort(-scores, kind="mergesort")
    s, t = scores[order], y[order]
    tp = np.cumsum(t)
    fp = np.cumsum(~t)
    last = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]   # last index of each group of equal scores
    tp, fp = tp[last], fp[last]
    precision = tp / (tp + fp)
    recall = tp / n_pos
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def f1_at(prob: np.ndarray, y: np.ndarray, threshold: float = 0.5) -> float:
    pred = np.asarray(prob).ravel() >= threshold
    y = np.asarray(y).ravel().astype(bool)
    tp = float(np.sum(pred & y))
    denom = float(pred.sum() + y.sum())
    return 2 * tp / denom if denom else 0.0


def as_probabilities(scores: np.ndarray, eps: float = 1e-7) -> np.ndarray:
    """Rows clipped to [eps, 1] and renormalised: the kindest way to read raw outputs as probabilities."""
    p = np.clip(np.asarray(scores, dtype=float), eps, 1.0)
    return p / p.sum(axis=1, keepdims=True)


def log_loss(prob: np.ndarray, y: np.ndarray, eps: float = 1e-7) -> float:
    """Mean negative log-likelihood of integer labels under row probabilities (clipped at eps)."""
    p = np.clip(prob[np.arange(len(y)), y], eps, 1.0)
    return float(-np.mean(np.log(p)))


def ece(prob: np.ndarray, y: np.ndarray, bins: int = 15) -> float:
    """Expected calibration error of the top-label confidence, equal-width bins (Guo et al., 2017).

    ``prob`` is (N, C) with rows of probabilities, or (N,) probabilities of a binary task's positive class.
    """
    prob = np.asarray(prob, dtype=float)
    y = np.asarray(y).ravel()
    if prob.ndim == 1:
        prob = np.stack([1 - prob, prob], axis=1)
    conf = prob.max(axis=1)
    correct = prob.argmax(axis=1) == y
    idx = np.minimum((conf * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        m = idx == b
        if m.any():
            total += m.sum() * abs(conf[m].mean() - correct[m].mean())
    return float(total / len(y))


def reliability(prob: np.ndarray, y: np.ndarray, bins: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Binary reliability curve: mean predicted probability and observed frequency per non-empty bin."""
    prob = np.clip(np.asarray(prob, dtype=float).ravel(), 0.0, 1.0)
    y = np.asarray(y).ravel().astype(float)
    idx = np.minimum((prob * bins).astype(int), bins - 1)
    xs, ys = [], []
    for b in range(bins):
        m = idx == b
        if m.any():
            xs.append(prob[m].mean())
            ys.append(y[m].mean())
    return np.asarray(xs), np.asarray(ys)


# ------------------------------------------------------------------------------------------------ torch
def torch_seed(seed: int) -> Any:
    import torch

    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def mlp(sizes: list[int], act: Callable[[], Any]) -> Any:
    """Linear, act, ..., Linear (no activation after the last layer)."""
    import torch

    layers: list[Any] = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [torch.nn.Linear(a, b), act()]
    return torch.nn.Sequential(*layers[:-1])


def loss_module(name: str, **kwargs: Any) -> Any:
    """The loss module ``name`` (torch.nn's name and arguments) from ``actloss.nn``, else from torch.nn.

    Every experiment and the demo build their losses here, so moving between implementations is this one line.
    """
    import torch

    import actloss.nn as ann

    cls = getattr(ann, name, None) or getattr(torch.nn, name)
    return cls(**kwargs)


def loss_source(name: str) -> str:
    import actloss.nn as ann

    return "actloss.nn" if hasattr(ann, name) else "torch.nn"


class one_thread:
    """Context manager: torch on one intra-op thread (tiny models only pay synchronisation for more)."""

    def __enter__(self) -> "one_thread":
        import torch

        self._n = torch.get_num_threads()
        torch.set_num_threads(1)
        return self

    def __exit__(self, *exc: Any) -> None:
        import torch

        torch.set_num_threads(self._n)
