"""actloss.nn modules are drop-in for torch.nn: same constructor signature and defaults, same repr, same
state_dict, and outputs that agree with torch wherever torch is accurate."""
from __future__ import annotations

import inspect

import pytest
import torch

import actloss.nn as ann
from actloss import _registry

IN_TORCH = [pytest.param(s, id=s.torch_module.name) for s in _registry.ops("activation") if s.torch_module.in_torch]


@pytest.mark.parametrize("spec", IN_TORCH)
def test_same_signature_repr_and_state(spec: _registry.OpSpec) -> None:
    name = spec.torch_module.name
    ours, theirs = getattr(ann, name), getattr(torch.nn, name)
    sig_ours = inspect.signature(ours.__init__)
    sig_theirs = inspect.signature(theirs.__init__)
    plain = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    assert [(p.name, p.default) for p in sig_ours.parameters.values()] == [
        (p.name, p.default) for p in sig_theirs.parameters.values() if p.kind not in plain
    ]
    kwargs = {"dim": 1} if "dim" in sig_theirs.parameters else {}
    assert repr(ours(**kwargs)) == repr(theirs(**kwargs))
    assert ours(**kwargs).state_dict().keys() == theirs(**kwargs).state_dict().keys()


@pytest.mark.parametrize("spec", IN_TORCH)
def test_agrees_with_torch_in_the_bulk(spec: _registry.OpSpec) -> None:
    name = spec.torch_module.name
    sig = inspect.signature(getattr(torch.nn, name).__init__)
    kwargs = {"dim": 1} if "dim" in sig.parameters else {}
    x = torch.randn(64, 8, dtype=torch.float64, generator=torch.Generator().manual_seed(0)) * 3
    x1, x2 = x.clone().requires_grad_(True), x.clone().requires_grad_(True)
    y1, y2 = getattr(ann, name)(**kwargs)(x1), getattr(torch.nn, name)(**kwargs)(x2)
    torch.testing.assert_close(y1, y2, rtol=1e-13, atol=1e-15)
    y1.pow(2).sum().backward()
    y2.pow(2).sum().backward()
    torch.testing.assert_close(x1.grad, x2.grad, rtol=1e-12, atol=1e-15)


def test_module_parameters_are_validated_at_construction() -> None:
    with pytest.raises(ValueError, match="approximate"):
        ann.GELU(approximate="fast")
    with pytest.raises(ValueError, match="beta"):
        ann.Softplus(beta=0.0)
    with pytest.raises(ValueError, match="beta"):
        ann.Swish(beta=-1.0)


def test_softmax_dim_none_follows_torch_with_its_warning() -> None:
    x = torch.randn(2, 3)
    with pytest.warns(UserWarning, match="Implicit dimension"):
        y = ann.Softmax()(x)
    torch.testing.assert_close(y.sum(1), torch.ones(2))


def test_modules_in_a_model_train() -> None:
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), ann.GELU(), torch.nn.Linear(8, 8), ann.Mish(),
                                torch.nn.Linear(8, 3), ann.LogSoftmax(dim=1))
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    x, y = torch.randn(32, 4), torch.randint(0, 3, (32,))
    losses = []
    for _ in range(40):
        loss = torch.nn.functional.nll_loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
    assert "GELU(approximate='none')" in repr(model)
