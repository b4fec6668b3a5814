"""Each experiment at small size, fixed seed: the claim asserted from the data it returns (no snapshot)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from actloss import experiments


def _wrote_png(result: experiments.Result) -> None:
    pngs = [p for p in result.files if p.suffix == ".png"]
    assert pngs and all(p.stat().st_size > 5_000 for p in pngs)
    assert len(pngs) == len(result.figures)


def test_mse_classification(tmp_path: Path) -> None:
    r = experiments.run("mse-classification", tmp_path, size="small", seed=0)
    res = r.data["results"]
    ce, mse, idx = res["ce"], res["mse-onehot"], res["mse-index"]
    # outputs of the MSE head are not probabilities; softmax's are
    assert mse["outside_01"] > 0.05 and mse["row_sum_off"] > 0.05
    assert np.all((ce["raw"] >= 0) & (ce["raw"] <= 1)) and np.allclose(ce["raw"].sum(1), 1.0)
    # worse log-loss even after the most generous repair
    assert mse["log_loss"] > ce["log_loss"]
    # the class index regressed: less accurate than the classifier
    assert idx["accuracy"] < ce["accuracy"]
    assert r.holds
    _wrote_png(r)


def test_vanishing_sigmoid(tmp_path: Path) -> None:
    r = experiments.run("vanishing-sigmoid", tmp_path, size="small", seed=0)
    grads = r.data["grads"]
    depths = r.data["depths"]
    first = np.array([grads[("sigmoid", d)][0] for d in depths])
    # first-layer gradient against depth: a per-layer factor near 0.25 (within a factor 2)
    slope = np.polyfit(depths, np.log(first), 1)[0]
    assert 0.125 < np.exp(slope) < 0.5
    # no other activation loses more than 1e-5 of the signal over 20 layers; sigmoid loses more than 1e-8
    for act in ("tanh", "relu", "gelu", "silu"):
        g = grads[(act, 20)]
        assert g[0] / g[-1] > 1e-5, act
    g = grads[("sigmoid", 20)]
    assert g[0] / g[-1] < 1e-8
    _wrote_png(r)


def test_dead_relu(tmp_path: Path) -> None:
    r = experiments.run("dead-relu", tmp_path, size="small", seed=0)
    biases, lrs = r.data["biases"], r.data["lrs"]
    by_bias, by_lr = r.data["by_bias"], r.data["by_lr"]
    i_neg, i_zero = biases.index(min(biases)), biases.index(0.0)
    assert by_bias["relu"][i_neg] > 0.5 > by_bias["relu"][i_zero]          # a negative bias kills ReLU units
    assert by_lr["relu"][lrs.index(max(lrs))] > by_lr["relu"][lrs.index(min(lrs))]   # so does a large step
    assert max(by_bias["leaky_relu"] + by_lr["leaky_relu"]) == 0.0
    assert by_bias["gelu"][i_neg] < by_bias["relu"][i_neg]
    _wrote_png(r)


def test_dead_unit_definition() -> None:
    """The dead-unit measure itself: a ReLU layer whose pre-activations are all negative is 100 % dead."""
    import torch

    from actloss.experiments.dead_relu import dead_fraction

    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 4),
                                torch.nn.ReLU(), torch.nn.Linear(4, 1))
    with torch.no_grad():
        model[0].weight.zero_()
        model[0].bias.fill_(-1.0)          # layer 1: all dead
        model[2].weight.zero_()
        model[2].bias.copy_(torch.tensor([-1.0, 1.0, 1.0, 1.0]))   # layer 2: one dead of four
    assert dead_fraction("relu", model, torch.randn(16, 3)) == pytest.approx(5 / 8)
    assert dead_fraction("leaky_relu", model, torch.randn(16, 3)) == 0.0


def test_bce_stability(tmp_path: Path) -> None:
    r = experiments.run("bce-stability", tmp_path, size="small", seed=0)
    rows = {(t["method"], t["dtype"]): t for t in r.table}
    naive, bce = rows[("naive sigmoid + log", "float32")], rows[("sigmoid + BCELoss", "float32")]
    assert naive["nan"] + naive["inf"] > 0
    assert bce["clamped_at_100"] > 0 and bce["grad_lost"] > 0 and bce["largest_lost_grad"] > 0.5
    logits = rows[("BCEWithLogitsLoss", "float32")]
    assert logits["nan"] == logits["inf"] == logits["clamped_at_100"] == 0
    for dtype in ("float32", "float16"):
        a = rows[("actloss", dtype)]
        assert a["nan"] == a["inf"] == a["clamped_at_100"] == a["grad_lost"] == 0, dtype
    _wrote_png(r)


def test_bce_reference_is_exact() -> None:
    """The experiment's float64 reference against closed forms at a few points."""
    from actloss.experiments.bce_stability import reference

    loss, grad = reference(np.array([0.0, 800.0, -800.0]), 1.0)
    assert loss[0] == pytest.approx(np.log(2)) and grad[0] == pytest.approx(-0.5)
    assert loss[2] == pytest.approx(800.0) and grad[2] == pytest.approx(-1.0)
    assert loss[1] == 0.0 or loss[1] < 1e-300


def test_focal_vs_ce(tmp_path: Path) -> None:
    r = experiments.run("focal-vs-ce", tmp_path, size="small", seed=0)
    auc = r.data["mean"]
    focal = [auc[f"focal, gamma={g}"] for g in ("0.5", "1", "2", "5")]
    assert np.mean(focal) > auc["CE"]
    assert r.data["recall"]["weighted CE"] > r.data["recall"]["CE"]
    assert all(0.01 < a < 1 for a in auc.values())      # every model ranks better than chance
    _wrote_png(r)


def test_gallery(tmp_path: Path) -> None:
    import actloss

    r = experiments.run("gallery", tmp_path, size="small", seed=0)
    acts = {s.name for s in actloss.list_ops("activation")}
    titles = {ax.get_title() for ax in r.figures[0].axes if ax.get_visible()}
    assert acts <= titles
    assert set(r.data["agree"]) == acts and all(r.data["agree"].values())
    assert set(r.data["losses"]) == set(r.data["registered_losses"] or r.data["losses"])
    x = r.data["x"]
    for name, y in r.data["losses"].items():
        assert np.all(np.isfinite(y)), name
        if name == "poisson_nll_loss":      # exp(log rate) - target * log rate: lowest where rate == target
            assert abs(x[np.argmin(y)]) < 0.1
        else:
            assert np.all(y >= -1e-12), name
        if name in ("mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss"):
            assert abs(x[np.argmin(y)]) < 0.1 and np.min(y) < 1e-3, name       # zero at zero error
    _wrote_png(r)


def test_gallery_derivative_check_can_fail() -> None:
    from actloss.experiments.gallery import curve, derivative_matches

    x = np.linspace(-5, 5, 201)
    y, d = curve("gelu", x)
    assert derivative_matches(x, y, d)
    assert not derivative_matches(x, y, 1.1 * d)                 # a 10 % wrong derivative is caught
    y_s, d_s = curve("silu", x)
    assert not derivative_matches(x, y, d_s)                      # another op's derivative is caught
