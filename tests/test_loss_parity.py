"""Losses against torch (float64, relative 1e-9) with every reduction and option, torch autograd checks, JAX
gradient checks, and the focal-loss identities."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from jax.test_util import check_grads

import actloss
import actloss.nn as ann
from actloss import _registry

REDUCTIONS = ("none", "mean", "sum")
G = torch.Generator().manual_seed(0)


def _t(*shape, scale=3.0):
    return (torch.randn(*shape, dtype=torch.float64, generator=G) * scale).requires_grad_(True)


def _compare(ours, theirs, inputs):
    """Values and gradients (of a random weighting of the output) agree to 1e-9 relative."""
    torch.testing.assert_close(ours, theirs, rtol=1e-9, atol=1e-12)
    w = torch.rand(ours.shape, dtype=torch.float64, generator=G)
    g1 = torch.autograd.grad((ours * w).sum(), inputs, retain_graph=True)
    g2 = torch.autograd.grad((theirs * w).sum(), inputs, retain_graph=True)
    for a, b in zip(g1, g2):
        torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name,kw", [("mse_loss", {}), ("l1_loss", {}), ("huber_loss", {"delta": 0.7}),
                                     ("smooth_l1_loss", {"beta": 1.3})])
def test_regression_losses_match_torch(name, kw, reduction):
    x, y = _t(6, 5), _t(6, 5)
    _compare(getattr(actloss, name)(x, y, reduction=reduction, **kw),
             getattr(F, name)(x, y, reduction=reduction, **kw), (x, y))
    if name != "smooth_l1_loss":  # torch's weight argument
        w = torch.rand(6, 5, dtype=torch.float64, generator=G)
        _compare(getattr(actloss, name)(x, y, weight=w, reduction=reduction, **kw),
                 getattr(F, name)(x, y, weight=w, reduction=reduction, **kw), (x, y))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits_matches_torch(reduction):
    x = _t(8, 4)
    y = torch.rand(8, 4, dtype=torch.float64, generator=G)
    y[:4] = y[:4].round()
    w = torch.rand(8, 1, dtype=torch.float64, generator=G)
    pw = torch.rand(4, dtype=torch.float64, generator=G) * 5
    for kw in ({}, {"weight": w}, {"pos_weight": pw}, {"weight": w, "pos_weight": pw}):
        _compare(actloss.binary_cross_entropy_with_logits(x, y, reduction=reduction, **kw),
                 F.binary_cross_entropy_with_logits(x, y, reduction=reduction, **kw), (x,))


def test_bce_label_smoothing_is_bce_on_smoothed_targets():
    x = _t(5, 3)
    y = torch.randint(0, 2, (5, 3), generator=G).double()
    eps = 0.2
    _compare(actloss.binary_cross_entropy_with_logits(x, y, label_smoothing=eps),
             F.binary_cross_entropy_with_logits(x, y * (1 - eps) + eps / 2), (x,))


CE_CASES = [
    ("index-1d", lambda: (_t(5), torch.tensor(3))),
    ("index-2d", lambda: (_t(6, 5), torch.randint(0, 5, (6,), generator=G))),
    ("index-kdim", lambda: (_t(3, 4, 2, 2), torch.randint(0, 4, (3, 2, 2), generator=G))),
    ("ignored", lambda: (_t(6, 5), torch.tensor([1, -100, 4, 0, -100, 2]))),
    ("probs-2d", lambda: (_t(6, 5), torch.softmax(torch.randn(6, 5, dtype=torch.float64, generator=G), 1))),
    ("probs-kdim", lambda: (_t(2, 3, 4), torch.softmax(torch.randn(2, 3, 4, dtype=torch.float64, generator=G), 1))),
]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.0, 0.15])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("case", [c[1] for c in CE_CASES], ids=[c[0] for c in CE_CASES])
def test_cross_entropy_matches_torch(case, weighted, smoothing, reduction):
    x, t = case()
    w = torch.rand(x.shape[0] if x.dim() == 1 else x.shape[1], dtype=torch.float64, generator=G) + 0.1 if weighted else None
    kw = {"weight": w, "reduction": reduction, "label_smoothing": smoothing}
    _compare(actloss.cross_entropy(x, t, **kw), F.cross_entropy(x, t, **kw), (x,))
    _compare(ann.CrossEntropyLoss(**kw)(x, t), torch.nn.CrossEntropyLoss(**kw)(x, t), (x,))


def test_cross_entropy_last_axis_and_z_loss():
    x = _t(4, 3, 6)
    t = torch.randint(0, 6, (4, 3), generator=G)
    ours = actloss.cross_entropy(x, t, axis=-1)
    _compare(ours, F.cross_entropy(x.permute(0, 2, 1), t), (x,))
    z = 1e-3
    lse = torch.logsumexp(x, -1)
    _compare(actloss.cross_entropy(x, t, axis=-1, z_loss=z, reduction="none"),
             F.cross_entropy(x.permute(0, 2, 1), t, reduction="none") + z * lse**2, (x,))


def test_all_ignored_mean_is_zero_with_zero_gradient():
    x = _t(3, 4)
    t = torch.full((3,), -100)
    loss = actloss.cross_entropy(x, t)
    assert loss.item() == 0.0 and torch.isnan(F.cross_entropy(x, t))  # torch gives NaN (pytorch #70348)
    (g,) = torch.autograd.grad(loss, x)
    assert torch.count_nonzero(g) == 0
    assert actloss.softmax_focal_loss(x, t).item() == 0.0


def _torchvision_focal(x, y, alpha=0.25, gamma=2.0):
    """torchvision.ops.sigmoid_focal_loss's formula, reduction='none'."""
    p = torch.sigmoid(x)
    ce = F.binary_cross_entropy_with_logits(x, y, reduction="none")
    p_t = p * y + (1 - p) * (1 - y)
    loss = ce * ((1 - p_t) ** gamma)
    if alpha is not None and alpha >= 0:
        loss = (alpha * y + (1 - alpha) * (1 - y)) * loss
    return loss


@pytest.mark.parametrize("alpha,gamma", [(0.25, 2.0), (None, 0.5), (0.6, 1.0), (-1.0, 3.0), (0.25, 0.0)])
def test_sigmoid_focal_matches_torchvision_in_the_bulk(alpha, gamma):
    x = _t(50, scale=2.0)
    y = torch.rand(50, dtype=torch.float64, generator=G)
    y[:25] = y[:25].round()
    _compare(actloss.sigmoid_focal_loss(x, y, alpha=alpha, gamma=gamma, reduction="none"),
             _torchvision_focal(x, y, alpha, gamma), (x,))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_softmax_focal_gamma_zero_is_cross_entropy_exactly(reduction):
    x = _t(7, 5)
    t = torch.tensor([0, 1, -100, 4, 2, 2, 3])
    w = torch.rand(5, dtype=torch.float64, generator=G) + 0.5
    for kw in ({}, {"weight": w}, {"weight": w, "label_smoothing": 0.1}):
        a = actloss.softmax_focal_loss(x, t, gamma=0.0, reduction=reduction, **kw)
        b = actloss.cross_entropy(x, t, reduction=reduction, **kw)
        assert torch.equal(a, b)
        assert torch.equal(*(torch.autograd.grad(v.sum(), x)[0] for v in (a, b)))
    _compare(actloss.cross_entropy(x, t, weight=w, reduction=reduction),
             F.cross_entropy(x, t, weight=w, reduction=reduction), (x,))


def test_softmax_focal_matches_the_log_softmax_formula():
    x = _t(8, 4)
    t = torch.randint(0, 4, (8,), generator=G)
    w = torch.rand(4, dtype=torch.float64, generator=G) + 0.5
    logp = F.log_softmax(x, 1).gather(1, t[:, None])[:, 0]
    ref = -(w[t]) * (1 - logp.exp()) ** 2.0 * logp
    _compare(actloss.softmax_focal_loss(x, t, weight=w, reduction="none"), ref, (x,))
    _compare(actloss.softmax_focal_loss(x, t, weight=w), ref.sum() / w[t].sum(), (x,))


@pytest.mark.parametrize("log_input,full", [(True, False), (True, True), (False, False), (False, True)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_poisson_nll_matches_torch(log_input, full, reduction):
    x = _t(20, scale=1.0)
    if not log_input:
        x = (x.detach().abs() + 0.1).requires_grad_(True)
    y = torch.poisson(torch.full((20,), 3.0, dtype=torch.float64), generator=G)
    kw = {"log_input": log_input, "full": full, "reduction": reduction}
    _compare(actloss.poisson_nll_loss(x, y, **kw), F.poisson_nll_loss(x, y, **kw), (x,))


LOSS_CASES = [pytest.param(s.name, p, id=f"{s.name}-{i}") for s in _registry.ops("loss")
              for i, p in enumerate(s.sample_params())]


def _inputs_for(name, params, lib):
    spec = _registry.get(name)
    rng = np.random.default_rng(1)
    if spec.structure == "class":
        x = rng.normal(0, 2, (4, 3))
        t = np.array([0, 2, 1, 2])
        if params.get("axis") == -1:
            pass
    else:
        x = rng.normal(0, 2, (6,))
        t = {"real": rng.normal(0, 2, 6), "unit": np.array([0, 1, 0.3, 0.7, 1, 0]),
             "count": np.array([0, 1, 2, 5, 3, 1.0])}[spec.target]
        if name == "poisson_nll_loss" and not params.get("log_input", True):
            x = np.abs(x) + 0.5
    if lib == "torch":
        return torch.tensor(x, requires_grad=True), torch.tensor(t)
    return jnp.asarray(x), jnp.asarray(t)


@pytest.mark.parametrize("name,params", LOSS_CASES)
def test_gradcheck_gradgradcheck_and_jax(name, params):
    fn = getattr(actloss, name)
    x, t = _inputs_for(name, params, "torch")
    for reduction in ("mean", "none"):
        kw = {**params, "reduction": reduction}
        assert torch.autograd.gradcheck(lambda a: fn(a, t, **kw), (x,))
        assert torch.autograd.gradgradcheck(lambda a: fn(a, t, **kw), (x,))
    xj, tj = _inputs_for(name, params, "jax")
    check_grads(lambda a: fn(a, tj, **params), (xj,), order=1, modes=("rev",))
    g = jax.jit(jax.grad(lambda a: fn(a, tj, **params)))(xj)
    np.testing.assert_allclose(np.asarray(g), actloss.value_and_grad(name, np.asarray(xj), np.asarray(tj), **params)[1],
                               rtol=1e-12, atol=1e-15)


def test_regression_target_gradients():
    x, y = _t(5), _t(5)
    _compare(actloss.huber_loss(x, y), F.huber_loss(x, y), (x, y))
    with pytest.raises(ValueError, match="gradients with respect to 'target' are not supported"):
        actloss.binary_cross_entropy_with_logits(x, torch.rand(5, dtype=torch.float64, requires_grad=True))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float16, torch.bfloat16])
def test_low_precision_inputs_keep_their_dtype(dtype):
    x = torch.randn(8, 5).to(dtype).requires_grad_(True)
    t = torch.randint(0, 5, (8,))
    loss = actloss.cross_entropy(x, t)
    assert loss.dtype == dtype
    loss.backward()
    assert x.grad.dtype == dtype
    ref = F.cross_entropy(x.detach().double(), t)
    assert abs(loss.double() - ref) <= 2 * torch.finfo(dtype).eps * abs(ref)
