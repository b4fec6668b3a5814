"""The demo's figures: training curves and held-out results of the wrong setups against the recipes."""
from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import numpy as np

from actloss.experiments._common import figure, reliability

from ._runs import Run


def write_all(out: Path, tasks: list[Any], runs: list[Run]) -> list[Path]:
    from . import main_metric

    paths = []
    # 1. training curves, one panel per task (each loss on its own scale: compare shapes, not levels)
    fig, axes = figure(len(tasks), 1, width=4.4, height=3.3)
    for ax, t in zip(axes[0], tasks):
        for r in (r for r in runs if r.setup.task == t.name):
            ls = "-" if not r.setup.wrong else "--"
            ax.plot(np.arange(1, len(r.losses) + 1), r.losses, ls=ls, lw=1.5, label=r.setup.label[:45])
        ax.set_yscale("log")
        ax.set_xlabel("step")
        ax.set_title(t.name)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=6.5)
    axes[0][0].set_ylabel("training loss (each its own loss)")
    fig.suptitle("Training loss: wrong setups dashed, the guide's recipe solid")
    paths.append(out / "demo-training.png")
    fig.savefig(paths[-1], dpi=110)

    # 2. held-out metric per setup
    fig, axes = figure(len(tasks), 1, width=4.4, height=3.6)
    for ax, t in zip(axes[0], tasks):
        key, higher = main_metric(t.kind)
        rs = [r for r in runs if r.setup.task == t.name]
        vals = [r.metrics.get(key) for r in rs]
        ax.bar(range(len(rs)), [v if v is not None else 0 for v in vals],
               color=["C3" if r.setup.wrong else "C2" if r.setup.label.startswith("recipe") else "C0"
                      for r in rs])
        ax.set_xticks(range(len(rs)), [textwrap.fill(r.setup.label, 24) for r in rs], fontsize=7)
        ax.set_title(f"{t.name}: {key} ({'higher' if higher else 'lower'} is better)")
        ax.grid(True, axis="y", alpha=0.3)
    fig.suptitle("Held-out results: wrong setups red, the recipe green, the guide's alternative blue")
    paths.append(out / "demo-results.png")
    fig.savefig(paths[-1], dpi=110)

    # 3. binary task: reliability of the predicted probabilities
    binary = [t for t in tasks if t.kind == "binary"]
    if binary:
        t = binary[0]
        fig, axes = figure(1, 1, width=4.6, height=3.6)
        ax = axes[0][0]
        for r in (r for r in runs if r.setup.task == t.name):
            p = r.metrics.get("_prob")
            if p is None:
                continue
            xs, ys = reliability(p, t.y_test)
            ax.plot(xs, ys, "o-", label=r.setup.label[:40])
        ax.plot([0, 1], [0, 1], "k--", lw=1, label="perfect calibration")
        ax.set_xlabel("predicted probability")
        ax.set_ylabel("observed frequency")
        ax.set_title("binary task: reliability (held out)")
        ax.legend(fontsize=7)
        paths.append(out / "demo-reliability.png")
        fig.savefig(paths[-1], dpi=110)
    return paths
