"""``bce-stability``: four ways to compute binary cross-entropy for logits in [-1000, 1000], float32/16.

For a positive target the exact loss is softplus(-z) and its gradient is -sigmoid(-z); for a negative target
softplus(z) and sigmoid(z). The reference is computed in float64 with the stable forms (``np.logaddexp``).

- ``naive``: p = 1 / (1 + exp(-z)), loss = -(y log p + (1 - y) log(1 - p)), in the input's dtype;
- ``sigmoid + BCELoss``: torch.sigmoid then torch.nn.BCELoss (log clamped at -100);
- ``BCEWithLogitsLoss``: torch.nn.BCEWithLogitsLoss on the raw logits;
- ``actloss``: actloss's binary cross-entropy on the raw logits (its exact log-sigmoid until the loss lands).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import numpy as np

from ._common import Result, check_size, figure, fmt

NAME = "bce-stability"
CLAIM = ("Sigmoid followed by BCELoss (or a hand-written log of a sigmoid) returns NaN/inf or a loss clamped "
         "at 100 with a zero gradient for large logits; BCE on logits (torch's BCEWithLogitsLoss, actloss) "
         "stays finite and keeps the gradient.")
DTYPES = ("float32", "float16")


def _naive(z: Any, y: Any) -> Any:
    import torch

    p = 1.0 / (1.0 + torch.exp(-z))
    return -(y * torch.log(p) + (1 - y) * torch.log(1 - p))


def _sigmoid_bce(z: Any, y: Any) -> Any:
    import torch

    return torch.nn.functional.binary_cross_entropy(torch.sigmoid(z), y, reduction="none")


def _with_logits(z: Any, y: Any) -> Any:
    import torch

    return torch.nn.functional.binary_cross_entropy_with_logits(z, y, reduction="none")


def _actloss(z: Any, y: Any) -> Any:
    import actloss

    if hasattr(actloss, "binary_cross_entropy_with_logits"):
        return actloss.binary_cross_entropy_with_logits(z, y, reduction="none")
    # log p = log_sigmoid(z), log(1 - p) = log_sigmoid(-z): exact for every z, no 1 - sigmoid(z)
    return -(y * actloss.log_sigmoid(z) + (1 - y) * actloss.log_sigmoid(-z))


METHODS: dict[str, Callable[[Any, Any], Any]] = {
    "naive sigmoid + log": _naive,
    "sigmoid + BCELoss": _sigmoid_bce,
    "BCEWithLogitsLoss": _with_logits,
    "actloss": _actloss,
}


def reference(z: np.ndarray, y: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact loss and d(loss)/dz in float64, stable forms."""
    z = np.asarray(z, dtype=np.float64)
    s = -z if y == 1 else z
    loss = np.logaddexp(0.0, s)                       # softplus(s)
    sig = np.exp(-np.logaddexp(0.0, -s))              # sigmoid(s), stable
    return loss, (-sig if y == 1 else sig)


def evaluate(method: Callable[[Any, Any], Any], z: np.ndarray, y: float, dtype: str) -> dict[str, Any]:
    import torch

    zt = torch.tensor(z, dtype=getattr(torch, dtype), requires_grad=True)
    yt = torch.full_like(zt, y).detach()
    try:
        loss = method(zt, yt)
        loss.sum().backward()
    except (RuntimeError, NotImplementedError) as exc:   # an op without a kernel for this dtype
        return {"error": str(exc).splitlines()[0]}
    return {"loss": loss.detach().double().numpy(), "grad": zt.grad.double().numpy()}


def summarise(out: dict[str, Any], z: np.ndarray, y: float, dtype: str) -> dict[str, Any]:
    """Counts over the grid: NaN, inf, loss clamped at 100, gradient lost, worst relative error elsewhere."""
    if "error" in out:
        keys = ("nan", "inf", "clamped_at_100", "grad_lost", "largest_lost_grad", "max_rel_err")
        return {**dict.fromkeys(keys), "error": out["error"]}
    loss, grad = out["loss"], out["grad"]
    ref_loss, ref_grad = reference(z, y)
    tiny = float(np.finfo(dtype).tiny)
    # the gradient is lost where the exact one is representable in the dtype but the computed one is 0 or NaN
    representable = np.abs(ref_grad) >= tiny
    lost = representable & ((grad == 0) | ~np.isfinite(grad)
                            | (np.abs(grad - ref_grad) > 0.5 * np.abs(ref_grad)))
    finite = np.isfinite(loss)
    rel = np.abs(loss[finite] - ref_loss[finite]) / np.maximum(np.abs(ref_loss[finite]), 1e-300)
    rel = rel[ref_loss[finite] >= float(np.finfo(dtype).eps)]    # relative error only where it can be small
    return {
        "nan": int(np.isnan(loss).sum() + np.isnan(grad).sum()),
        "inf": int(np.isinf(loss).sum()),
        "clamped_at_100": int(np.sum(np.isclose(loss, 100.0) & ~np.isclose(ref_loss, 100.0, atol=0.5))),
        "grad_lost": int(lost.sum()),
        "largest_lost_grad": float(np.abs(ref_grad[lost]).max()) if lost.any() else 0.0,
        "max_rel_err": float(rel.max()) if rel.size else 0.0,
        "error": "",
    }


def run(out_dir: Path | None = None, size: str = "full", seed: int = 0) -> Result:
    check_size(size)
    n = 4001 if size == "full" else 801
    z = np.linspace(-1000.0, 1000.0, n)
    z = np.unique(np.r_[z, np.linspace(-40.0, 40.0, n // 4)])     # dense where the float16/32 limits are
    raw: dict[tuple[str, str, float], dict[str, Any]] = {}
    table = []
    for dtype in DTYPES:
        zd = z.astype(dtype).astype(np.float64)                   # the logits as the dtype holds them
        for y in (1.0, 0.0):
            for name, method in METHODS.items():
                out = evaluate(method, zd, y, dtype)
                raw[(name, dtype, y)] = out
        for name in METHODS:
            parts = [summarise(raw[(name, dtype, y)], zd, y, dtype) for y in (1.0, 0.0)]
            row: dict[str, Any] = {"method": name, "dtype": dtype, "points": 2 * len(zd)}
            for key in ("nan", "inf", "clamped_at_100", "grad_lost"):
                vals = [p[key] for p in parts]
                row[key] = None if None in vals else int(sum(vals))
            for key in ("largest_lost_grad", "max_rel_err"):
                vals = [p[key] for p in parts if p[key] is not None]
                row[key] = max(vals) if vals else None
            row["error"] = "; ".join(sorted({p["error"] for p in parts if p["error"]}))
            table.append(row)

    def row(method: str, dtype: str) -> dict[str, Any]:
        return next(r for r in table if r["method"] == method and r["dtype"] == dtype)

    def bad(r: dict[str, Any]) -> int:
        return sum(r[k] or 0 for k in ("nan", "inf", "clamped_at_100", "grad_lost"))

    f32 = "float32"
    verdict = {
        "the naive formula gives NaN or inf in float32": (row("naive sigmoid + log", f32)["nan"] or 0)
        + (row("naive sigmoid + log", f32)["inf"] or 0) > 0,
        "sigmoid + BCELoss clamps the loss at 100 and loses the gradient in float32":
            (row("sigmoid + BCELoss", f32)["clamped_at_100"] or 0) > 0
            and (row("sigmoid + BCELoss", f32)["grad_lost"] or 0) > 0,
        "sigmoid + BCELoss loses gradients of magnitude ~1 (a wrong prediction stops learning)":
            (row("sigmoid + BCELoss", f32)["largest_lost_grad"] or 0) > 0.5,
        "BCEWithLogitsLoss: no NaN, inf or clamp, and no lost gradient above 1e-6 in float32":
            sum(row("BCEWithLogitsLoss", f32)[k] for k in ("nan", "inf", "clamped_at_100")) == 0
            and row("BCEWithLogitsLoss", f32)["largest_lost_grad"] < 1e-6,
        "actloss: no NaN, inf, clamp or lost gradient in float32 and float16":
            all(bad(row("actloss", d)) == 0 and not row("actloss", d)["error"] for d in DTYPES),
        "actloss's loss is within 1e-6 (float32) of the exact "
        "value": (row("actloss", f32)["max_rel_err"] or 0) < 1e-6,
    }

    fig, axes = figure(2, len(DTYPES), width=5.0, height=3.3)
    styles = {"naive sigmoid + log": ("C3", "-", 2.5), "sigmoid + BCELoss": ("C1", "-", 2.0),
              "BCEWithLogitsLoss": ("C0", "--", 1.5), "actloss": ("C2", ":", 2.0)}
    for i, dtype in enumerate(DTYPES):
        zd = z.astype(dtype).astype(np.float64)
        ref_loss, ref_grad = reference(zd, 1.0)
        ax_l, ax_g = axes[i]
        ax_l.plot(zd, ref_loss, color="0.7", lw=5, label="exact")
        ax_g.plot(zd, ref_grad, color="0.7", lw=5, label="exact")
        for name, (c, ls, lw) in styles.items():
            out = raw[(name, dtype, 1.0)]
            if "error" in out:
                continue
            loss = np.where(np.isfinite(out["loss"]), out["loss"], np.nan)
            ax_l.plot(zd, loss, color=c, ls=ls, lw=lw, label=name)
            ax_g.plot(zd, out["grad"], color=c, ls=ls, lw=lw, label=name)
            nan_at = zd[~np.isfinite(out["loss"])]
            if nan_at.size:
                ax_l.plot(nan_at, np.zeros_like(nan_at), "x", color=c, ms=3)
        for ax in (ax_l, ax_g):
            ax.set_xscale("symlog", linthresh=10)
            ax.grid(True, alpha=0.3)
            ax.set_xlabel("logit z (target y = 1)")
        ax_l.set_yscale("symlog", linthresh=1)
        ax_l.set_title(f"{dtype}: loss (x on the axis: NaN/inf)")
        ax_g.set_title(f"{dtype}: dloss/dz")
    axes[0][0].legend(fontsize=7)
    fig.suptitle("Binary cross-entropy for logits in [-1000, 1000]")

    result = Result(NAME, CLAIM, verdict, table, {"z": z, "raw": raw}, [fig])
    for r in table:
        if r["error"]:
            result.notes.append(f"{r['method']} ({r['dtype']}): {r['error']}")
    if out_dir is not None:
        result.write(out_dir)
    return result


def table_text(result: Result) -> list[list[str]]:
    keys = ("nan", "inf", "clamped_at_100", "grad_lost", "largest_lost_grad", "max_rel_err")
    return [[r["method"], r["dtype"]] + [fmt(r[k]) if r[k] is not None else "n/a" for k in keys]
            for r in result.table]
