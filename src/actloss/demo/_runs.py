"""The demo's training runs: per task the wrong setup(s) and the guide's recipe, same seed, data and budget.

Wrong setups, as people write them: sigmoid + BCELoss (unweighted) for the binary task; softmax +
CrossEntropyLoss, and MSE on the class index, for the multiclass task; MSE on outlier-ridden targets for the
regression. The right setup is whatever ``actloss.recommend(targets=y_train)`` returns: its loss module (from
``actloss.nn`` when it exists, else ``torch.nn``: one line in ``experiments._common.loss_module``) with its
arguments, raw outputs during training, its inference transform afterwards.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from actloss.experiments._common import ece, f1_at, log_loss, loss_module, loss_source, pr_auc

from ._data import Task


@dataclass
class Setup:
    task: str
    label: str           # what the row says
    wrong: bool
    head: str            # 'sigmoid' | 'softmax' | 'none' (what the model applies last while training)
    loss: str            # torch.nn / actloss.nn module name
    loss_kwargs: dict[str, Any] = field(default_factory=dict)
    target: str = "as is"   # 'as is' | 'float labels'
    inference: str = "identity"


@dataclass
class Run:
    setup: Setup
    losses: list[float]
    metrics: dict[str, Any]
    findings: list[Any] | None      # the doctor's findings (None when the doctor is unavailable)
    loss_impl: str


def setups(task: Task, recipe: Any) -> list[Setup]:
    """The wrong setup(s) for the task, the recipe's, then the recipe's first alternative loss (if any)."""
    args = f"({_args(recipe.loss_kwargs)})" if recipe.loss_kwargs else "()"
    right = Setup(task.name, f"recipe: {recipe.module}{args}", False, "none", recipe.module,
                  dict(recipe.loss_kwargs), inference=recipe.inference)
    if task.kind == "binary":
        wrong = [Setup(task.name, "sigmoid + BCELoss()", True, "sigmoid", "BCELoss", inference="identity")]
    elif task.kind == "multiclass":
        wrong = [Setup(task.name, "softmax + CrossEntropyLoss()", True, "softmax", "CrossEntropyLoss",
                       inference="identity"),
                 Setup(task.name, "MSELoss() on class labels", True, "none", "MSELoss", target="float labels",
                       inference="round")]
    else:
        wrong = [Setup(task.name, "MSELoss() on outlier-ridden targets", True, "none", "MSELoss")]
    out = wrong + [right]
    alt = next((a for a in recipe.alternatives if a.kind == "loss" and not a.data_dependent), None)
    if alt is not None:
        import actloss

        spec = actloss.get_op(alt.name)
        if spec.torch_module is not None:
            module = spec.torch_module.name
            args = f"({_args(alt.kwargs)})" if alt.kwargs else "()"
            out.append(Setup(task.name, f"guide's alternative: {module}{args}", False, "none", module,
                             dict(alt.kwargs), inference=recipe.inference))
    return out


def _args(kwargs: dict[str, Any]) -> str:
    out = []
    for k, v in kwargs.items():
        if isinstance(v, list):
            out.append(f"{k}=[{', '.join(f'{x:.3g}' for x in v)}]")
        elif isinstance(v, float):
            out.append(f"{k}={v:.3g}")
        else:
            out.append(f"{k}={v!r}")
    return ", ".join(out)


def _build_loss(setup: Setup) -> tuple[Any, str]:
    import torch

    kwargs = {k: (torch.tensor(v if isinstance(v, list) else [v], dtype=torch.float32)
                  if k in ("weight", "pos_weight") else v) for k, v in setup.loss_kwargs.items()}
    if setup.wrong:
        return getattr(torch.nn, setup.loss)(**kwargs), "torch.nn"     # the mistake as people write it
    return loss_module(setup.loss, **kwargs), loss_source(setup.loss)


def _model(task: Task, setup: Setup, hidden: str, width: int) -> Any:
    import torch

    import actloss.nn as ann

    act = {"relu": "ReLU", "gelu": "GELU", "silu": "SiLU", "tanh": "Tanh"}.get(hidden, "ReLU")
    d = task.x.shape[1]
    if task.kind == "multiclass" and setup.target != "float labels":
        out = int(task.y.max()) + 1
    else:
        out = 1
    layers = [torch.nn.Linear(d, width), getattr(ann, act)(), torch.nn.Linear(width, width),
              getattr(ann, act)(), torch.nn.Linear(width, out)]
    if setup.head == "sigmoid":
        layers.append(torch.nn.Sigmoid())
    elif setup.head == "softmax":
        layers.append(torch.nn.Softmax(dim=1))
    return torch.nn.Sequential(*layers)


def _targets(task: Task, setup: Setup, y: np.ndarray) -> Any:
    import torch

    if task.kind == "multiclass" and setup.target != "float labels":
        return torch.from_numpy(y)
    return torch.from_numpy(y.astype(np.float32)).unsqueeze(1)


def train(task: Task, setup: Setup, hidden: str, steps: int, seed: int, width: int = 32,
          doctor: bool = True) -> Run:
    import torch

    torch.manual_seed(seed)
    model = _model(task, setup, hidden, width)
    crit, impl = _build_loss(setup)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    x, y = torch.from_numpy(task.x), _targets(task, setup, task.y)
    doc = None
    if doctor:
        try:
            import actloss

            doc = actloss.watch(model, criterion=crit, every=5)
        except ImportError:   # the doctor's optional dependencies are missing
            doc = None
    losses: list[float] = []
    for _ in range(steps):
        opt.zero_grad()
        loss = crit(model(x), y)
        if torch.isfinite(loss):
            loss.backward()
            opt.step()
        if doc is not None:
            doc.step(loss)
        losses.append(float(loss.detach()))
    findings = None
    if doc is not None:
        doc.close()
        findings = doc.findings
    model.eval()
    with torch.no_grad():
        out = model(torch.from_numpy(task.x_test)).double().numpy()
    return Run(setup, losses, metrics(task, setup, out), findings, impl)


def metrics(task: Task, setup: Setup, out: np.ndarray) -> dict[str, Any]:
    """Held-out metrics from the model's outputs, turned into predictions as the setup's user would."""
    import actloss

    y = task.y_test
    m: dict[str, Any] = {}
    if task.kind == "binary":
        p = out[:, 0] if setup.head == "sigmoid" else actloss.sigmoid(out[:, 0])
        m["pr_auc"] = pr_auc(p, y) if np.all(np.isfinite(p)) else float("nan")
        m["f1"] = f1_at(p, y)
        m["accuracy"] = float(np.mean((p >= 0.5) == (y == 1)))
        m["ece"] = ece(p, y.astype(int))
        m["_prob"] = p                                    # for the reliability figure; not a table column
    elif task.kind == "multiclass":
        k = int(task.y.max()) + 1
        if setup.target == "float labels":
            pred = np.clip(np.rint(out[:, 0]), 0, k - 1).astype(int)
            m["accuracy"] = float(np.mean(pred == y))
            m["ece"] = None
            m["log_loss"] = None
        else:
            prob = out if setup.head == "softmax" else actloss.softmax(out, axis=1)
            m["accuracy"] = float(np.mean(prob.argmax(1) == y))
            m["ece"] = ece(prob, y)
            m["log_loss"] = log_loss(prob, y)
    else:
        m["mae"] = float(np.mean(np.abs(out[:, 0] - y)))
    return m


def nan_count(run: Run) -> int:
    return int(sum(1 for v in run.losses if not math.isfinite(v)))
