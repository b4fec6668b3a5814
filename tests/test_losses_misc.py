"""Losses: bad input, declared properties (hypothesis), the extreme cases named in the losses issue, and the
class-imbalance helpers."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import actloss
import actloss.nn as ann
from actloss import _registry

LOSSES = [s.name for s in _registry.ops("loss")]
X2 = np.zeros((4, 3))


def _valid_target(name, shape=(4, 3)):
    spec = _registry.get(name)
    if spec.structure == "class":
        return np.zeros(shape[:1], dtype=np.int64)
    return np.full(shape, 0.5)


# ---------------------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("name", LOSSES)
def test_common_bad_input(name):
    fn = getattr(actloss, name)
    t = _valid_target(name)
    with pytest.raises(TypeError, match="argument 'input' must have a floating dtype .* received dtype int64"):
        fn(np.zeros((4, 3), dtype=np.int64), t)
    with pytest.raises(ValueError, match=r"argument 'reduction' must be one of 'none', 'mean', 'sum'; received 'avg'"):
        fn(X2, t, reduction="avg")
    with pytest.raises(TypeError, match="argument 'target' must be a numpy array like 'input'; received a torch array"):
        fn(X2, torch.as_tensor(t))
    with pytest.raises(TypeError, match=r"unexpected keyword argument\(s\) \['size_average'\]"):
        fn(X2, t, size_average=True)
    if _registry.get(name).structure == "pointwise":
        with pytest.raises(ValueError, match=r"'input' and 'target' must have the same shape .* input shape \(4, 1\) and target shape \(4,\)"):
            fn(np.zeros((4, 1)), np.zeros(4))
        bad = np.full((4, 3), 0.5)
        bad[1, 2] = np.nan
        with pytest.raises(ValueError, match="argument 'target' must not contain NaN; received 1 NaN"):
            fn(X2, bad)


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda: actloss.huber_loss(X2, X2, delta=0), r"argument 'delta' must be > 0; received 0"),
        (lambda: actloss.smooth_l1_loss(X2, X2, beta=-1.0), r"argument 'beta' must be > 0"),
        (lambda: actloss.sigmoid_focal_loss(X2, X2, gamma=-0.5), r"argument 'gamma' must be >= 0; received -0.5"),
        (lambda: actloss.softmax_focal_loss(X2, np.zeros(4, np.int64), gamma=-1), r"argument 'gamma' must be >= 0"),
        (lambda: actloss.cross_entropy(X2, np.zeros(4, np.int64), label_smoothing=1.5), r"argument 'label_smoothing' must be in \[0, 1\]; received 1.5"),
        (lambda: actloss.binary_cross_entropy_with_logits(X2, X2 + 2), r"argument 'target' must be in \[0, 1\]; received a value 2.0"),
        (lambda: actloss.sigmoid_focal_loss(X2, X2 - 1), r"argument 'target' must be in \[0, 1\]; received a value -1.0"),
        (lambda: actloss.poisson_nll_loss(X2, X2 - 1), r"argument 'target' must be >= 0"),
        (lambda: actloss.cross_entropy(X2, np.array([0, 1, 3, 0])), r"class index 3, outside \[0, 2\] for C=3 classes"),
        (lambda: actloss.cross_entropy(X2, np.array([0, -1, 2, 0])), r"class index -1, outside"),
        (lambda: actloss.cross_entropy(X2, np.zeros((4, 1), np.int64)), r"class-index targets must have shape \(4,\) .* received target shape \(4, 1\)"),
        (lambda: actloss.cross_entropy(X2, np.zeros((4, 2))), r"class-probability targets must have the input's shape \(4, 3\); received target shape \(4, 2\)"),
        (lambda: actloss.cross_entropy(X2, np.zeros(4, bool)), r"argument 'target' must hold class indices .* received dtype bool"),
        (lambda: actloss.cross_entropy(X2, np.zeros(4, np.int64), weight=np.ones(4)), r"argument 'weight' must have shape \(3,\), one weight per class; received shape \(4,\)"),
        (lambda: actloss.binary_cross_entropy_with_logits(X2, X2, pos_weight=np.ones(5)), r"argument 'pos_weight' must be broadcastable to the input's shape \(4, 3\)"),
        (lambda: actloss.binary_cross_entropy_with_logits(X2, X2, weight=np.ones((2, 3))), r"argument 'weight' must be broadcastable"),
        (lambda: actloss.cross_entropy(X2, np.zeros(4, np.int64), axis=2), r"argument 'axis' must be in \[-2, 1\]"),
        (lambda: actloss.cross_entropy(np.float64(1.0), np.int64(0)), r"must have a class axis"),
        (lambda: actloss.value_and_grad("mse_loss", X2), r"takes \(input, target\)"),
    ],
)
def test_bad_loss_arguments(call, match):
    with pytest.raises((TypeError, ValueError), match=match):
        call()


def test_modules_reject_deprecated_twins_and_take_torch_arguments():
    with pytest.raises(TypeError, match="'size_average' .* use reduction="):
        ann.MSELoss(size_average=True)
    m = ann.BCEWithLogitsLoss(pos_weight=torch.tensor([3.0]))
    assert set(m.state_dict()) == {"pos_weight"}
    assert torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor([3.0])).state_dict().keys() == m.state_dict().keys()
    assert repr(ann.CrossEntropyLoss()) == repr(torch.nn.CrossEntropyLoss())
    with pytest.raises(ValueError, match="label_smoothing"):
        ann.CrossEntropyLoss(label_smoothing=2.0)


# ---------------------------------------------------------------------------------------------- properties
finite = st.floats(-1e6, 1e6, allow_nan=False)
vec = arrays(np.float64, st.integers(1, 8), elements=finite)


@settings(max_examples=50, deadline=None)
@given(x=vec, data=st.data())
def test_pointwise_losses_nonnegative_zero_at_target_and_order_free(x, data):
    perm = np.random.default_rng(data.draw(st.integers(0, 1000))).permutation(x.size)
    for spec in _registry.ops("loss"):
        if spec.structure != "pointwise":
            continue
        fn = getattr(actloss, spec.name)
        if spec.target == "real":
            y = data.draw(arrays(np.float64, x.shape, elements=finite))
        elif spec.target == "unit":
            y = data.draw(arrays(np.float64, x.shape, elements=st.floats(0, 1)))
        else:
            y = data.draw(arrays(np.float64, x.shape, elements=st.integers(0, 50).map(float)))
        xx = np.clip(x, -50, 50) if spec.name == "poisson_nll_loss" else x
        per = fn(xx, y, reduction="none")
        if "loss_nonnegative" in spec.properties:
            assert np.all(per >= 0), spec.name
        if "zero_at_target" in spec.properties:
            assert np.all(fn(y, y, reduction="none") == 0), spec.name
            assert np.all(actloss.value_and_grad(spec.name, y, y, reduction="none", cotangent=np.ones_like(y))[1] == 0)
        for reduction in ("mean", "sum"):  # reduction_permutation_invariant
            a, b = fn(xx, y, reduction=reduction), fn(xx[perm], y[perm], reduction=reduction)
            assert abs(a - b) <= 1e-12 * max(abs(a), 1e-300) + 1e-300, spec.name


@settings(max_examples=40, deadline=None)
@given(x=arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(2, 5)), elements=st.floats(-500, 500)), data=st.data())
def test_class_losses_nonnegative_and_order_free(x, data):
    t = np.array(data.draw(st.lists(st.integers(0, x.shape[1] - 1), min_size=x.shape[0], max_size=x.shape[0])))
    perm = np.random.default_rng(0).permutation(x.shape[0])
    for name in ("cross_entropy", "softmax_focal_loss"):
        fn = getattr(actloss, name)
        assert np.all(fn(x, t, reduction="none") >= 0)
        a, b = fn(x, t), fn(x[perm], t[perm])
        assert abs(a - b) <= 1e-12 * abs(a) + 1e-300


def test_every_loss_property_is_exercised():
    # every property a loss may declare is declared by some loss and checked by the tests above
    used = set().union(*(s.properties for s in _registry.ops("loss")))
    assert used == {"loss_nonnegative", "zero_at_target", "reduction_permutation_invariant"}


# ---------------------------------------------------------------------------------------------- extremes
def test_bce_target_zero_tiny_loss_is_not_rounded_to_zero():
    z = torch.tensor([-14.56, -20.0, -80.0], dtype=torch.float32)
    ours = actloss.binary_cross_entropy_with_logits(z, torch.zeros(3), reduction="none")
    theirs = F.binary_cross_entropy_with_logits(z, torch.zeros(3), reduction="none")
    assert theirs[0] == 0 and torch.all(ours > 0)  # torch 2.13: exactly 0 (true 4.7e-7)
    torch.testing.assert_close(ours.double(), torch.log1p(torch.exp(z.double())), rtol=2 ** -23, atol=0)


def test_infinite_logits_give_true_limits():
    x = torch.tensor([np.inf, -np.inf, np.inf, -np.inf], dtype=torch.float64, requires_grad=True)
    y = torch.tensor([1.0, 0.0, 0.0, 1.0], dtype=torch.float64)
    loss = actloss.binary_cross_entropy_with_logits(x, y, reduction="none")
    assert loss.tolist() == [0.0, 0.0, np.inf, np.inf]  # pytorch #102894: NaN
    loss[:2].sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0, 0.0]
    ce = actloss.cross_entropy(torch.tensor([[np.inf, 0.0], [0.0, -np.inf]], dtype=torch.float64), torch.tensor([0, 0]), reduction="none")
    assert ce.tolist() == [0.0, 0.0]


def test_pos_weight_with_very_negative_logit():
    x = torch.tensor([-120.0], dtype=torch.float64)
    loss = actloss.binary_cross_entropy_with_logits(x, torch.ones(1, dtype=torch.float64), pos_weight=torch.tensor([3.0], dtype=torch.float64))
    assert loss.item() == 360.0  # 3 * softplus(120), finite (pytorch #13773)


def test_cross_entropy_dominant_logit_is_tiny_positive_with_gradient():
    x = torch.tensor([[17.0, 0.0]], requires_grad=True)
    ours, theirs = actloss.cross_entropy(x, torch.tensor([0])), F.cross_entropy(x, torch.tensor([0]))
    assert theirs.item() <= 0  # torch: -0.0 (true 4.1e-8)
    assert ours.item() == pytest.approx(4.139937633e-08, rel=1e-6)
    ours.backward()
    assert x.grad[0, 0] < 0 and x.grad[0, 1] > 0


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_focal_gamma_below_one_has_finite_gradients_everywhere(dtype):
    z = torch.linspace(-60, 60, 24873).to(dtype).requires_grad_(True)
    y = (torch.arange(z.numel()) % 2).to(dtype)
    actloss.sigmoid_focal_loss(z, y, gamma=0.5, reduction="sum").backward()
    assert torch.isfinite(z.grad).all()
    tv = z.detach().clone().requires_grad_(True)
    p = torch.sigmoid(tv)  # torchvision.ops.sigmoid_focal_loss's formula
    ce = F.binary_cross_entropy_with_logits(tv, y, reduction="none")
    p_t = p * y + (1 - p) * (1 - y)
    ((0.25 * y + 0.75 * (1 - y)) * ce * ((1 - p_t) ** 0.5)).sum().backward()
    assert torch.isnan(tv.grad).any()  # what torchvision's formula gives
    xs = torch.tensor([[30.0, 0.0, -5.0]], dtype=dtype, requires_grad=True)
    actloss.softmax_focal_loss(xs, torch.tensor([0]), gamma=0.5).backward()
    assert torch.isfinite(xs.grad).all()


def test_half_precision_losses_accumulate_in_float32_or_wider():
    x = torch.full((70000,), 3.0, dtype=torch.float16)
    y = torch.zeros(70000, dtype=torch.float16)
    assert actloss.mse_loss(x, y).item() == 9.0  # the sum 630000 exists only in the wider accumulator
    assert actloss.mse_loss(x, y, reduction="sum").item() == np.inf  # and is beyond float16's 65504
    assert actloss.mse_loss(x, y).dtype == torch.float16


# ---------------------------------------------------------------------------------------------- helpers
def test_class_weights_and_pos_weight():
    np.testing.assert_allclose(actloss.class_weights([900, 90, 10]), [1, 10, 90])
    w = actloss.class_weights([900, 90, 10], "effective_number", beta=0.99)
    eff = (1 - 0.99 ** np.array([900, 90, 10])) / (1 - 0.99)
    np.testing.assert_allclose(w, (1 / eff) / (1 / eff).sum() * 3)
    assert actloss.pos_weight([990, 10]) == 99.0
    np.testing.assert_allclose(actloss.pos_weight([[90, 10], [50, 50]]), [9.0, 1.0])
    with pytest.raises(ValueError, match="every class needs at least one sample"):
        actloss.class_weights([10, 0])
    with pytest.raises(ValueError, match="argument 'method' must be one of"):
        actloss.class_weights([10, 2], method="sqrt")
    with pytest.raises(ValueError, match=r"argument 'beta' must be in \[0, 1\)"):
        actloss.class_weights([10, 2], "effective_number", beta=1.0)
    with pytest.raises(ValueError, match="no positive sample"):
        actloss.pos_weight([10, 0])
    with pytest.raises(ValueError, match="non-negative whole numbers"):
        actloss.pos_weight([1.5, 2])
