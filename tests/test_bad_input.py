"""Bad input gets a TypeError/ValueError that names the argument, what was expected and what was received."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import actloss
from actloss import _registry

NAMES = [s.name for s in _registry.ops("activation")]


@pytest.mark.parametrize("name", NAMES)
def test_unsupported_array_type(name: str) -> None:
    with pytest.raises(TypeError, match=r"argument 'input' must be a NumPy array, a torch.Tensor or a JAX array; received builtins.list"):
        getattr(actloss, name)([1.0, 2.0])


@pytest.mark.parametrize("name", NAMES)
def test_non_floating_input(name: str) -> None:
    with pytest.raises(TypeError, match=r"argument 'input' must have a floating dtype .* received dtype int64"):
        getattr(actloss, name)(np.array([1, 2]))
    with pytest.raises(TypeError, match=r"received dtype int64"):
        getattr(actloss, name)(torch.tensor([1, 2]))


@pytest.mark.parametrize("name", NAMES)
def test_unknown_keyword(name: str) -> None:
    with pytest.raises(TypeError, match=r"unexpected keyword argument\(s\) \['bogus'\]"):
        getattr(actloss, name)(np.ones(2), bogus=1)


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda x: actloss.gelu(x, approximate="fast"), r"argument 'approximate' must be one of 'none', 'tanh'; received 'fast'"),
        (lambda x: actloss.gelu(x, approximate=True), r"argument 'approximate' must be one of .*received True"),
        (lambda x: actloss.softplus(x, beta=0), r"argument 'beta' must be > 0; received 0"),
        (lambda x: actloss.softplus(x, beta=-2.0), r"argument 'beta' must be > 0; received -2.0"),
        (lambda x: actloss.softplus(x, beta=float("nan")), r"argument 'beta' must be finite; received nan"),
        (lambda x: actloss.swish(x, beta=0.0), r"argument 'beta' must be > 0"),
        (lambda x: actloss.leaky_relu(x, negative_slope="0.1"), r"argument 'negative_slope' must be a real number; received str"),
        (lambda x: actloss.elu(x, alpha=float("inf")), r"argument 'alpha' must be finite"),
        (lambda x: actloss.softmax(x, axis=2), r"argument 'axis' must be in \[-2, 1\] for a 2-dimensional input; received 2"),
        (lambda x: actloss.log_softmax(x, axis=1.0), r"argument 'axis' must be an int; received float"),
        (lambda x: actloss.softmax(x, axis=True), r"argument 'axis' must be an int; received bool"),
    ],
)
def test_bad_parameters(call, match: str) -> None:
    with pytest.raises((TypeError, ValueError), match=match):
        call(np.ones((2, 3)))


def test_softmax_of_a_scalar() -> None:
    with pytest.raises(ValueError, match="0-dimensional"):
        actloss.softmax(np.float64(1.0))


def test_value_and_grad_bad_cotangent() -> None:
    with pytest.raises(ValueError, match=r"argument 'cotangent' must have the input's shape \(3,\); received shape \(2,\)"):
        actloss.value_and_grad("relu", np.ones(3), cotangent=np.ones(2))
    with pytest.raises(ValueError, match="unknown op 'relux'"):
        actloss.value_and_grad("relux", np.ones(3))
    with pytest.raises(ValueError, match="not elementwise"):
        actloss.derivative("softmax", np.ones(3))


def test_array_api_strict_arrays_use_only_the_standard() -> None:
    """Ops written against xp run on array-api-strict (which rejects anything outside the standard)."""
    import array_api_strict as xps

    x = xps.asarray([-2.0, -0.5, 0.0, 0.5, 3.0], dtype=xps.float64)
    for spec in _registry.ops("activation"):
        if "erfc" in spec.needs:
            with pytest.raises(TypeError, match="needs erfc"):
                getattr(actloss, spec.name)(x)
            continue
        for params in spec.sample_params():
            y = getattr(actloss, spec.name)(x, **params)
            ref = getattr(actloss, spec.name)(np.asarray([-2.0, -0.5, 0.0, 0.5, 3.0]), **params)
            np.testing.assert_allclose(np.asarray(y), ref, rtol=1e-15)
