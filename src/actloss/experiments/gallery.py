"""``gallery``: every registered activation with its derivative, every loss against its margin or error.

Values and derivatives come from the public API on float64 torch tensors: ``actloss.<op>`` forward and its
exact autograd backward. Vector ops (softmax, log_softmax) are drawn along one logit with the other fixed at 0
(two classes), with the diagonal derivative d y_0 / d z_0. Losses are drawn per element
(``reduction='none'``): regression losses against the error ``input - target``, binary ones against the logit
with target 1, multiclass ones against the margin ``z_target - z_other`` (two classes), Poisson NLL against
``log(rate) - log(target)``.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ._common import Result, check_size, figure

NAME = "gallery"
CLAIM = ("Every registered activation is drawn with its exact derivative (which matches a finite difference "
         "of the drawn curve), and every loss against its margin or error.")

_X = (-5.0, 5.0)
_REGRESSION = ("mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss")
_BINARY = ("binary_cross_entropy_with_logits", "sigmoid_focal_loss")
_MULTICLASS = ("cross_entropy", "softmax_focal_loss")
_POISSON = ("poisson_nll_loss",)
KNOWN_LOSSES = _REGRESSION + _BINARY + _MULTICLASS + _POISSON


def curve(name: str, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(value, derivative) of activation ``name`` at ``x`` through actloss's forward and autograd backward."""
    import torch

    import actloss

    spec = actloss.get_op(name)
    fn = getattr(actloss, name)
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    if any(p.kind == "axis" for p in spec.params):
        z = torch.stack([xt, torch.zeros_like(xt)], dim=-1)
        y = fn(z)[..., 0]
    else:
        y = fn(xt)
    y.sum().backward()
    return y.detach().numpy(), xt.grad.numpy()


def derivative_matches(x: np.ndarray, y: np.ndarray, d: np.ndarray) -> bool:
    """Whether the drawn derivative ``d`` agrees with a central difference of the drawn value ``y`` on the
    uniform grid ``x``, away from a kink at 0 (to 1 % or 5e-3, the difference's own error at this spacing)."""
    h = x[1] - x[0]
    fd = (y[2:] - y[:-2]) / (2 * h)
    mask = np.abs(x[1:-1]) > 4 * h
    return bool(np.allclose(d[1:-1][mask], fd[mask], rtol=1e-2, atol=5e-3))


def _loss_fn(name: str) -> tuple[Callable[..., Any] | None, str]:
    import torch

    import actloss

    fn = getattr(actloss, name, None)
    if fn is not None:
        return fn, "actloss"
    torch_names = {"sigmoid_focal_loss": None, "softmax_focal_loss": None}
    tname = torch_names.get(name, name)
    tf = getattr(torch.nn.functional, tname, None) if tname else None
    return tf, "torch.nn.functional"


def loss_curve(name: str, x: np.ndarray) -> tuple[np.ndarray, str, str] | None:
    """(per-element loss at x, x-axis label, implementation) or None when the loss is not available."""
    import torch

    fn, impl = _loss_fn(name)
    if fn is None:
        return None
    xt = torch.tensor(x, dtype=torch.float64)
    if name in _REGRESSION:
        out = fn(xt, torch.zeros_like(xt), reduction="none")
        label = "error (input - target)"
    elif name in _BINARY:
        out = fn(xt, torch.ones_like(xt), reduction="none")
        label = "logit z (target 1): the margin"
    elif name in _MULTICLASS:
        z = torch.stack([xt, torch.zeros_like(xt)], dim=-1)
        out = fn(z, torch.zeros(len(x), dtype=torch.long), reduction="none")
        label = "margin z_target - z_other (2 classes)"
    elif name in _POISSON:
        target = torch.full_like(xt, 3.0)
        out = fn(xt + math.log(3.0), target, reduction="none")
        label = "log(rate) - log(target), target 3"
    else:
        return None
    return out.detach().double().numpy().reshape(len(x)), label, impl


def plot_activations(names: list[str], points: int = 801) -> Any:
    """One panel per activation: the value and the derivative."""
    import actloss

    x = np.linspace(*_X, points)
    cols = min(4, len(names))
    rows = -(-len(names) // cols)
    fig, axes = figure(cols, rows, width=3.2, height=2.6)
    for ax in axes.ravel()[len(names):]:
        ax.set_visible(False)
    for ax, name in zip(axes.ravel(), names):
        y, d = curve(name, x)
        ax.plot(x, y, color="C0", lw=1.8, label="f(x)")
        ax.plot(x, d, color="C3", lw=1.2, ls="--", label="f'(x)")
        ax.axhline(0, color="0.6", lw=0.6)
        ax.axvline(0, color="0.6", lw=0.6)
        ax.set_title(name, fontsize=10)
        if any(p.kind == "axis" for p in actloss.get_op(name).params):
            ax.set_xlabel("z_0 (two logits, z_1 = 0); f = output 0", fontsize=7)
        ax.set_ylim(max(-2.0, min(y.min(), d.min()) - 0.2), min(5.0, max(y.max(), d.max()) + 0.2))
        ax.grid(True, alpha=0.25)
    axes.ravel()[0].legend(fontsize=7, loc="upper left")
    return fig


def plot_losses(names: list[str], points: int = 801) -> tuple[Any, dict[str, np.ndarray], list[str]]:
    x = np.linspace(*_X, points)
    groups = [("regression", _REGRESSION), ("binary", _BINARY), ("multiclass", _MULTICLASS),
              ("counts", _POISSON)]
    fig, axes = figure(len(groups), 1, width=3.8, height=3.2)
    drawn: dict[str, np.ndarray] = {}
    notes: list[str] = []
    for ax, (title, members) in zip(axes[0], groups):
        label = ""
        for name in members:
            if name not in names:
                continue
            got = loss_curve(name, x)
            if got is None:
                notes.append(f"{name}: not drawn (no implementation available yet)")
                continue
            y, label, impl = got
            drawn[name] = y
            ax.plot(x, y, lw=1.6, label=name + ("" if impl == "actloss" else f" ({impl})"))
        ax.set_title(title)
        ax.set_xlabel(label, fontsize=8)
        ax.grid(True, alpha=0.25)
        if ax.lines:
            ax.legend(fontsize=7)
    for name in names:
        if name not in KNOWN_LOSSES:
            notes.append(f"{name}: no gallery axis defined for this loss yet")
    fig.suptitle("Losses per element (reduction='none')")
    return fig, drawn, notes


def run(out_dir: Path | None = None, size: str = "full", seed: int = 0) -> Result:
    import actloss

    check_size(size)
    points = 801 if size == "full" else 201
    acts = [s.name for s in actloss.list_ops("activation")]
    registered_losses = [s.name for s in actloss.list_ops("loss")]
    loss_names = registered_losses or list(KNOWN_LOSSES)
    x = np.linspace(*_X, points)
    curves = {name: curve(name, x) for name in acts}
    agree = {name: derivative_matches(x, y, d) for name, (y, d) in curves.items()}
    fig_a = plot_activations(acts, points)
    fig_a.suptitle("Every registered activation (solid) and its exact derivative (dashed)")
    fig_l, drawn, notes = plot_losses(loss_names, points)
    verdict = {
        f"all {len(acts)} registered activations are drawn": len(fig_a.axes) >= len(acts)
        and {ax.get_title() for ax in fig_a.axes} >= set(acts),
        "every drawn derivative matches a central difference of the drawn value": all(agree.values()),
        f"{len(drawn)} of {len(loss_names)} losses drawn": len(drawn) == len(loss_names),
    }
    table = [{"op": name, "kind": "activation", "derivative_matches_fd": agree[name]} for name in acts]
    table += [{"op": name, "kind": "loss", "derivative_matches_fd": ""} for name in drawn]
    data = {"x": x, "curves": curves, "agree": agree, "losses": drawn, "registered_losses": registered_losses}
    result = Result(NAME, CLAIM, verdict, table, data, [fig_a, fig_l], notes=notes)
    if not registered_losses:
        result.notes.append("No loss is registered yet: the loss panel draws torch.nn.functional's.")
    if out_dir is not None:
        result.write(out_dir)
    return result
