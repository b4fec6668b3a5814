"""``vanishing-sigmoid``: per-layer gradient norms of 5/10/20-layer sigmoid, tanh, ReLU, GELU, SiLU MLPs.

Every stack has the same width, the same Glorot-normal weights (gain 1: the weights alone neither grow nor
shrink the backward signal, so what changes it is the activation's derivative) and zero biases, on the same
standard normal batch; the loss is the mean squared output. The sigmoid's derivative is at most 1/4, so the
gradient reaching the first layer of a sigmoid stack shrinks by about 0.25 per layer.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ._common import Result, check_size, figure, fmt, one_thread, torch_seed

NAME = "vanishing-sigmoid"
CLAIM = ("In a deep sigmoid MLP the first layer's gradient falls roughly as 0.25^depth; tanh, ReLU, GELU and "
         "SiLU stacks keep it within a few orders of magnitude.")
ACTIVATIONS = ("sigmoid", "tanh", "relu", "gelu", "silu")
_MODULES = {"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "ReLU", "gelu": "GELU", "silu": "SiLU"}


def layer_gradients(act: str, depth: int, width: int, batch: int, seed: int) -> np.ndarray:
    """Frobenius norm of d(loss)/d(weight) for each of the ``depth`` linear layers, input side first."""
    import torch

    import actloss.nn as ann

    g = torch_seed(seed)
    layers: list[torch.nn.Module] = []
    for i in range(depth):
        lin = torch.nn.Linear(width, width)
        # Glorot normal for a square layer: std sqrt(2 / (fan_in + fan_out)) = sqrt(1 / width)
        torch.nn.init.normal_(lin.weight, 0.0, (1.0 / width) ** 0.5, generator=g)
        torch.nn.init.zeros_(lin.bias)
        layers.append(lin)
        if i < depth - 1:
            layers.append(getattr(ann, _MODULES[act])())
    model = torch.nn.Sequential(*layers)
    x = torch.randn(batch, width, generator=g)
    loss = model(x).pow(2).mean()
    loss.backward()
    return np.array([float(m.weight.grad.norm()) for m in model if isinstance(m, torch.nn.Linear)])


def per_layer_factor(grads: np.ndarray) -> float:
    """Geometric-mean ratio between consecutive layers' gradient norms (output side to input side)."""
    return float((grads[0] / grads[-1]) ** (1.0 / (len(grads) - 1)))


def run(out_dir: Path | None = None, size: str = "full", seed: int = 0) -> Result:
    check_size(size)
    depths = (5, 10, 20)
    width, batch, seeds = (64, 256, 3) if size == "full" else (32, 64, 2)
    grads: dict[tuple[str, int], np.ndarray] = {}
    with one_thread():
        for act in ACTIVATIONS:
            for depth in depths:
                runs = [layer_gradients(act, depth, width, batch, seed + s) for s in range(seeds)]
                grads[(act, depth)] = np.exp(np.mean(np.log(runs), axis=0))   # geometric mean over seeds

    table = []
    for act in ACTIVATIONS:
        for depth in depths:
            gr = grads[(act, depth)]
            table.append({"activation": act, "depth": depth, "first_layer_grad": float(gr[0]),
                          "last_layer_grad": float(gr[-1]), "first_over_last": float(gr[0] / gr[-1]),
                          "per_layer_factor": per_layer_factor(gr)})
    factor = {act: float(np.mean([per_layer_factor(grads[(act, d)]) for d in depths])) for act in ACTIVATIONS}
    deep = max(depths)
    ratio = {act: float(grads[(act, deep)][0] / grads[(act, deep)][-1]) for act in ACTIVATIONS}
    verdict = {
        f"sigmoid's per-layer factor {fmt(factor['sigmoid'])} is within 2x of "
        "0.25": 0.125 <= factor["sigmoid"] <= 0.5,
        "sigmoid's factor is the smallest of the five activations":
            all(factor["sigmoid"] < factor[a] for a in ACTIVATIONS if a != "sigmoid"),
        f"at depth {deep} sigmoid's first layer gets < 1e-8 of the last layer's "
        "gradient": ratio["sigmoid"] < 1e-8,
        f"at depth {deep} every other activation's first layer gets > 1e-5 of it":
            all(ratio[a] > 1e-5 for a in ACTIVATIONS if a != "sigmoid"),
    }

    fig, axes = figure(len(depths), 1, width=4.2, height=3.4, sharey=True)
    colors = dict(zip(ACTIVATIONS, ("C3", "C1", "C0", "C2", "C4")))
    for ax, depth in zip(axes[0], depths):
        k = np.arange(1, depth + 1)
        for act in ACTIVATIONS:
            ax.semilogy(k, grads[(act, depth)], marker="o", ms=3, color=colors[act], label=act)
        ref = grads[("sigmoid", depth)][-1] * 0.25 ** (depth - k)
        ax.semilogy(k, ref, "k--", lw=1, label="0.25^(layers below the top)")
        ax.set_title(f"{depth} layers")
        ax.set_xlabel("layer (1 = input side)")
        ax.grid(True, which="major", alpha=0.3)
    axes[0][0].set_ylabel("‖dL/dW‖ (geometric mean over seeds)")
    axes[0][-1].legend(fontsize=7, loc="lower right")
    fig.suptitle("Gradient norm per layer: the sigmoid stack's falls by ~0.25 per layer")

    fig2, axes2 = figure(1, 1, width=5.2, height=3.6)
    ax = axes2[0][0]
    for act in ACTIVATIONS:
        ax.semilogy(depths, [grads[(act, d)][0] for d in depths], marker="o", color=colors[act], label=act)
    d = np.array(depths)
    ref = grads[("sigmoid", depths[0])][0] * 0.25 ** (d - depths[0])
    ax.semilogy(d, ref, "k--", lw=1, label="∝ 0.25^depth")
    ax.set_xlabel("depth (linear layers)")
    ax.set_ylabel("first layer's ‖dL/dW‖")
    ax.set_title("First-layer gradient against depth")
    ax.legend(fontsize=7)
    ax.grid(True, alpha=0.3)

    result = Result(NAME, CLAIM, verdict, table, {"grads": grads, "factor": factor, "ratio": ratio,
                                                  "depths": depths}, [fig, fig2])
    result.notes.append("Glorot-normal weights, zero biases, width %d, batch %d, %d seeds (geometric mean)."
                        % (width, batch, seeds))
    if out_dir is not None:
        result.write(out_dir)
    return result
