"""``dead-relu``: the fraction of dead hidden units against the initial bias and the learning rate.

A unit is *dead* when no gradient reaches its incoming weights for any training input: the largest
``|act'(z)|`` over the data is below 1e-4 (ReLU: its pre-activation is negative for every input). ReLU outputs
0 with derivative 0 there, so a dead ReLU unit never comes back; LeakyReLU's derivative is never below its
slope (0.01) and GELU's only vanishes far out on the negative side.

Network: 10 -> 64 -> 64 -> 1, standard-normal inputs, a regression target with large values (so that large
steps push biases down), plain SGD, the same seed and steps for every cell of the sweep. The derivative is
``actloss.derivative`` of the activation at the measured pre-activations.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ._common import Result, check_size, figure, fmt, loss_module, one_thread, torch_seed

NAME = "dead-relu"
CLAIM = ("ReLU units die (output 0 with zero gradient for every input) when the initial bias is negative or "
         "the learning rate is large; LeakyReLU units never do, GELU units far less often.")
ACTIVATIONS = {"relu": "ReLU", "leaky_relu": "LeakyReLU", "gelu": "GELU"}
DEAD_BELOW = 1e-4
WIDTH = 64


def make_data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 10))
    y = 5.0 * np.sin(x[:, :1]) + 3.0 * x[:, 1:2] * x[:, 2:3] + 2.0
    return x.astype(np.float32), y.astype(np.float32)


def dead_fraction(act: str, model: Any, x: Any) -> float:
    """Fraction of hidden units (both layers) whose largest |act'(z)| over ``x`` is below DEAD_BELOW."""
    import torch

    import actloss

    dead, total = 0, 0
    h = x
    with torch.no_grad():
        for layer in model:
            if isinstance(layer, torch.nn.Linear):
                z = layer(h)
                if layer is model[-1]:
                    break
                d = actloss.derivative(act, z.double().numpy())
                dead += int(np.sum(np.abs(d).max(axis=0) < DEAD_BELOW))
                total += z.shape[1]
            else:
                h = layer(z)
                continue
            h = z
    return dead / total


def train_one(act: str, bias: float, lr: float, x: np.ndarray, y: np.ndarray, steps: int, seed: int) -> float:
    import torch

    torch_seed(seed)
    # torch.nn's modules in the training loop: thousands of tiny steps, where actloss.nn's float64 compute
    # costs more than the matmuls; the dead-unit test below uses actloss's exact derivative.
    act_module = getattr(torch.nn, ACTIVATIONS[act])
    layers = [torch.nn.Linear(10, WIDTH), act_module(), torch.nn.Linear(WIDTH, WIDTH), act_module(),
              torch.nn.Linear(WIDTH, 1)]
    model = torch.nn.Sequential(*layers)
    with torch.no_grad():
        for lin in (layers[0], layers[2]):
            lin.bias.fill_(bias)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    crit = loss_module("MSELoss")
    for _ in range(steps):
        opt.zero_grad()
        loss = crit(model(xt), yt)
        if not torch.isfinite(loss):
            break
        loss.backward()
        opt.step()
    return dead_fraction(act, model, xt)


def run(out_dir: Path | None = None, size: str = "full", seed: int = 0) -> Result:
    check_size(size)
    if size == "full":
        n, steps = 256, 100
        biases = (-3.0, -2.0, -1.0, -0.5, 0.0, 0.5)
        lrs = (0.001, 0.01, 0.1, 0.3)
    else:
        n, steps = 128, 40
        biases = (-3.0, 0.0)
        lrs = (0.001, 0.3)
    x, y = make_data(n, seed)
    lr0, b0 = 0.001, 0.0
    by_bias: dict[str, list[float]] = {}
    by_lr: dict[str, list[float]] = {}
    with one_thread():
        for act in ACTIVATIONS:
            by_bias[act] = [train_one(act, b, lr0, x, y, steps, seed) for b in biases]
            by_lr[act] = [train_one(act, b0, lr, x, y, steps, seed) for lr in lrs]
    table = ([{"sweep": "initial bias", "value": b, "lr": lr0, "bias": b,
               **{a: by_bias[a][i] for a in ACTIVATIONS}} for i, b in enumerate(biases)]
             + [{"sweep": "learning rate", "value": lr, "lr": lr, "bias": b0,
                 **{a: by_lr[a][i] for a in ACTIVATIONS}} for i, lr in enumerate(lrs)])
    relu_b, relu_lr = by_bias["relu"], by_lr["relu"]
    verdict = {
        f"ReLU: {fmt(100 * relu_b[0])} % dead with initial bias {biases[0]} against "
        f"{fmt(100 * relu_b[biases.index(0.0)])} % with bias 0":
            relu_b[0] > 0.5 and relu_b[0] > relu_b[biases.index(0.0)] + 0.3,
        f"ReLU: more dead units at lr {lrs[-1]} ({fmt(100 * relu_lr[-1])} %) than at lr {lrs[0]} "
        f"({fmt(100 * relu_lr[0])} %)": relu_lr[-1] > relu_lr[0] + 0.05,
        "LeakyReLU: no dead unit anywhere in the "
        "sweep": max(by_bias["leaky_relu"] + by_lr["leaky_relu"]) == 0.0,
        "GELU: fewer dead units than ReLU in every cell": all(
            g < r or r == 0.0 for g, r in zip(by_bias["gelu"] + by_lr["gelu"], relu_b + relu_lr)),
    }

    fig, axes = figure(2, 1, width=4.8, height=3.5, sharey=True)
    colors = {"relu": "C3", "leaky_relu": "C0", "gelu": "C2"}
    for act in ACTIVATIONS:
        axes[0][0].plot(biases, 100 * np.array(by_bias[act]), "o-", color=colors[act], label=act)
        axes[0][1].semilogx(lrs, 100 * np.array(by_lr[act]), "o-", color=colors[act], label=act)
    axes[0][0].set_xlabel("initial bias of the hidden layers")
    axes[0][0].set_title(f"after {steps} SGD steps at lr {lr0}")
    axes[0][1].set_xlabel("learning rate (SGD)")
    axes[0][1].set_title(f"initial bias {b0}, {steps} steps")
    axes[0][0].set_ylabel("dead hidden units (%)")
    for ax in axes[0]:
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle("Dead units: no gradient for any input")

    result = Result(NAME, CLAIM, verdict, table, {"biases": biases, "lrs": lrs, "by_bias": by_bias,
                                                  "by_lr": by_lr}, [fig])
    if out_dir is not None:
        result.write(out_dir)
    return result
