"""The blocked evaluation path (large NumPy arrays; torch outside graph recording) gives bit-identical results
to evaluating the same elements in small, unblocked pieces."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import actloss
from actloss import _chunks, _registry

N = 3 * _chunks.BLOCK + 123


def _pieces(fn, *arrays, size=1000):
    return np.concatenate([np.atleast_1d(fn(*[a[i:i + size] for a in arrays])) for i in range(0, arrays[0].shape[0], size)])


@pytest.mark.parametrize("spec", [s for s in _registry.ops("activation")], ids=lambda s: s.name)
def test_activations_blocked_equals_unblocked(spec):
    rng = np.random.default_rng(0)
    if spec.elementwise:
        x = rng.normal(0, 20, N)
    else:
        x = rng.normal(0, 20, (N // 7, 7))
    for params in spec.sample_params():
        if params.get("axis", -1) != -1:
            continue
        big = getattr(actloss, spec.name)(x, **params)
        small = _pieces(lambda a: getattr(actloss, spec.name)(a, **params), x)
        np.testing.assert_array_equal(big, small)
        gbig = actloss.value_and_grad(spec.name, x, cotangent=np.cos(x), **params)[1]
        gsmall = _pieces(lambda a, c: actloss.value_and_grad(spec.name, a, cotangent=c, **params)[1], x, np.cos(x))
        np.testing.assert_array_equal(gbig, gsmall)
        xt = torch.tensor(x, dtype=torch.float32, requires_grad=True)
        y = getattr(actloss, spec.name)(xt, **params)
        y.backward(torch.ones_like(y))
        xs = torch.tensor(x[:1000], dtype=torch.float32, requires_grad=True)
        ys = getattr(actloss, spec.name)(xs, **params)
        ys.backward(torch.ones_like(ys))
        assert torch.equal(y[:1000], ys) and torch.equal(xt.grad[:1000], xs.grad)


@pytest.mark.parametrize("name", ["cross_entropy", "softmax_focal_loss", "binary_cross_entropy_with_logits", "huber_loss"])
def test_losses_blocked_equals_unblocked(name):
    rng = np.random.default_rng(1)
    spec = _registry.get(name)
    if spec.structure == "class":
        x = rng.normal(0, 5, (N // 5, 5))
        t = rng.integers(0, 5, x.shape[0])
    else:
        x = rng.normal(0, 5, N)
        t = rng.uniform(0, 1, N) if spec.target == "unit" else rng.normal(0, 5, N)
    fn = getattr(actloss, name)
    np.testing.assert_array_equal(fn(x, t, reduction="none"), _pieces(lambda a, b: fn(a, b, reduction="none"), x, t))
    g = actloss.value_and_grad(name, x, t, reduction="sum")[1]
    gs = _pieces(lambda a, b: actloss.value_and_grad(name, a, b, reduction="sum")[1], x, t)
    np.testing.assert_array_equal(g, gs)
