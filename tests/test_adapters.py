"""The adapters: autograd correctness (gradcheck, gradgradcheck, check_grads), transforms, cross-framework
agreement, dtypes and special values, for every registered activation."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch
from jax.test_util import check_grads

import actloss
from actloss import _registry

CASES = [
    pytest.param(spec.name, params, id=f"{spec.name}-{i}")
    for spec in _registry.ops("activation")
    for i, params in enumerate(spec.sample_params())
]
DTYPES_TORCH = [torch.float64, torch.float32, torch.float16, torch.bfloat16]


def _inputs(shape=(3, 5), seed=0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 3, shape)
    return np.where(np.abs(x) < 1e-3, 0.5, x)  # keep away from relu's kink for finite differences


@pytest.mark.parametrize("name,params", CASES)
def test_torch_gradcheck_and_gradgradcheck(name: str, params: dict) -> None:
    fn = getattr(actloss, name)
    x = torch.tensor(_inputs(), dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a: fn(a, **params), (x,))
    assert torch.autograd.gradgradcheck(lambda a: fn(a, **params), (x,))


@pytest.mark.parametrize("name,params", CASES)
def test_torch_func_transforms(name: str, params: dict) -> None:
    if params.get("axis", -1) != -1:
        pytest.skip("per-row transforms only match the batched op along the last axis")
    fn = getattr(actloss, name)
    x = torch.tensor(_inputs(), dtype=torch.float64)
    w = torch.linspace(-1.0, 2.0, x.shape[1], dtype=torch.float64)
    x.requires_grad_(True)
    (fn(x, **params) * w).sum().backward()
    expected = x.grad
    x = x.detach()
    # torch.func.grad under vmap (the generated vmap rule) agrees with plain autograd
    per_row = torch.func.vmap(torch.func.grad(lambda r: (fn(r, **params) * w).sum()))(x)
    torch.testing.assert_close(per_row, expected, rtol=1e-12, atol=1e-15)
    jac = torch.func.jacrev(lambda r: fn(r, **params))(x[0])
    torch.testing.assert_close(w @ jac, expected[0], rtol=1e-12, atol=1e-15)
    # forward mode (the Function's jvp)
    jf = torch.func.jacfwd(lambda r: fn(r, **params))(x[0])
    torch.testing.assert_close(jf, jac, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name,params", CASES)
def test_jax_grads_and_transforms(name: str, params: dict) -> None:
    fn = getattr(actloss, name)
    x = jnp.asarray(_inputs())
    check_grads(lambda a: fn(a, **params), (x,), order=2, modes=("fwd", "rev"))
    if params.get("axis", -1) != -1:
        return  # per-row transforms only match the batched op along the last axis
    w = jnp.linspace(-1.0, 2.0, x.shape[1])
    f = jax.jit(lambda a: (fn(a, **params) * w).sum())
    g = jax.grad(f)(x)
    gv = jax.vmap(jax.grad(lambda r: (fn(r, **params) * w).sum()))(x)
    np.testing.assert_allclose(np.asarray(gv), np.asarray(g), rtol=1e-12, atol=1e-15)
    jf = jax.jacfwd(lambda r: fn(r, **params))(x[0])
    np.testing.assert_allclose(np.asarray(w @ jf), np.asarray(g[0]), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name,params", CASES)
def test_numpy_torch_jax_agree(name: str, params: dict) -> None:
    """Same inputs, same math: the three adapters agree to within a couple of float64 ULP (platform exp/erfc
    differ in the last bit), values and gradients."""
    fn = getattr(actloss, name)
    x = _inputs((4, 6), seed=3)
    g = np.random.default_rng(4).normal(size=x.shape)
    y_np, d_np = actloss.value_and_grad(name, x, cotangent=g, **params)
    xt = torch.tensor(x, requires_grad=True)
    y_t = fn(xt, **params)
    y_t.backward(torch.tensor(g))
    y_j, pull = jax.vjp(lambda a: fn(a, **params), jnp.asarray(x))
    (d_j,) = pull(jnp.asarray(g))
    for y, d in ((y_t.detach().numpy(), xt.grad.numpy()), (np.asarray(y_j), np.asarray(d_j))):
        np.testing.assert_allclose(y, y_np, rtol=4e-16 * 4, atol=1e-300)
        np.testing.assert_allclose(d, d_np, rtol=4e-16 * 8, atol=4e-16 * np.abs(g).max())


@pytest.mark.parametrize("dtype", DTYPES_TORCH, ids=str)
@pytest.mark.parametrize("name,params", CASES)
def test_dtype_shape_device_preserved(name: str, params: dict, dtype: torch.dtype) -> None:
    fn = getattr(actloss, name)
    x = torch.tensor(_inputs(), dtype=dtype, requires_grad=True)
    y = fn(x, **params)
    assert y.dtype == dtype and y.shape == x.shape and y.device == x.device
    y.sum().backward()
    assert x.grad.dtype == dtype
    xn = _inputs().astype(np.float32)
    assert fn(xn, **params).dtype == np.float32
    assert fn(jnp.asarray(xn), **params).dtype == jnp.float32
    if _registry.get(name).elementwise:  # NumPy scalars are accepted as 0-d arrays
        assert fn(np.float64(1.5), **params).shape == ()


@pytest.mark.parametrize("name,params", CASES)
def test_nan_propagates(name: str, params: dict) -> None:
    fn = getattr(actloss, name)
    x = np.array([[np.nan, 1.0, -2.0], [0.5, 1.0, -2.0]])
    y, d = actloss.value_and_grad(name, x, **params)
    if _registry.get(name).elementwise:
        assert np.isnan(y[0, 0]) and np.isnan(d[0, 0])
        assert np.isfinite(y[1:]).all() and np.isfinite(d[1:]).all()
        assert np.isfinite(y[0, 1:]).all()
    else:  # NaN anywhere along the axis makes that slice NaN; the other slices are untouched
        if params["axis"] == 0:
            y, d = y.T, d.T
            x = x.T
        assert np.isnan(y[0]).all()
        others = ~np.isnan(x).any(axis=1)
        assert np.isfinite(y[others]).all() and np.isfinite(d[others]).all()
    assert np.isnan(np.asarray(fn(jnp.asarray(x), **params))[0, 0])


# The true limits at +-inf, and what torch returns there for comparison.
LIMITS = {
    "relu": (0.0, np.inf, 0.0, 1.0),
    "sigmoid": (0.0, 1.0, 0.0, 0.0),
    "tanh": (-1.0, 1.0, 0.0, 0.0),
    "softplus": (0.0, np.inf, 0.0, 1.0),
    "log_sigmoid": (-np.inf, 0.0, 1.0, 0.0),
    "gelu": (0.0, np.inf, 0.0, 1.0),
    "silu": (0.0, np.inf, 0.0, 1.0),
    "swish": (0.0, np.inf, 0.0, 1.0),
    "mish": (0.0, np.inf, 0.0, 1.0),
}


@pytest.mark.parametrize("name", sorted(LIMITS))
def test_infinities_give_limits(name: str) -> None:
    y_lo, y_hi, d_lo, d_hi = LIMITS[name]
    for params in _registry.get(name).sample_params():
        y, d = actloss.value_and_grad(name, np.array([-np.inf, np.inf]), **params)
        np.testing.assert_array_equal(y, [y_lo, y_hi])
        np.testing.assert_array_equal(d, [d_lo, d_hi])


def test_softmax_with_infinite_logits() -> None:
    x = np.array([[np.inf, 0.0, np.inf], [-np.inf, 0.0, 1.0]])
    np.testing.assert_array_equal(actloss.softmax(x)[0], [0.5, 0.0, 0.5])
    assert actloss.softmax(x)[1, 0] == 0.0
    np.testing.assert_array_equal(actloss.log_softmax(x)[0], [np.log(0.5), -np.inf, np.log(0.5)])
    assert np.isnan(actloss.softmax(np.array([-np.inf, -np.inf]))).all()  # undefined: 0 / 0


def test_examples_from_the_issue() -> None:
    """The failures of torch 2.13 named in the foundation issue, and actloss's answers."""
    f32 = np.float32
    assert actloss.gelu(np.array([-5.51], f32))[0] < 0  # torch: -0.0 (true -9.9e-8)
    import mpmath as mp

    x32 = float(f32(-5.51))
    assert actloss.gelu(np.array([x32], f32))[0] == f32(float(x32 / 2 * mp.erfc(-mp.mpf(x32) / mp.sqrt(2))))
    assert actloss.derivative("sigmoid", np.array([16.6], f32))[0] > 0  # torch: 0 (true 6.2e-8)
    assert actloss.derivative("tanh", np.array([-9.02], f32))[0] > 0  # torch: 0
    x = np.array([20.000000000000004])
    with mp.workdps(40):
        exact = float(mp.log1p(mp.exp(mp.mpf(x[0]))))
    assert abs(actloss.softplus(x)[0] - exact) <= np.spacing(exact)  # torch: 20.000000000000004, 580,163 ULP off
    assert actloss.log_softmax(np.array([17.0, 0.0], f32))[0] < 0  # torch: -0.0 (true -4.1e-8)


def test_module_inplace_semantics() -> None:
    import actloss.nn as ann

    x = torch.tensor([-1.0, 2.0])
    out = ann.ReLU(inplace=True)(x)
    assert out is x and x.tolist() == [0.0, 2.0]
    x = torch.tensor([-1.0, 2.0], requires_grad=True)
    y = ann.ReLU(inplace=True)(x)  # under autograd: a new tensor, the input kept for the exact derivative
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 1.0] and x.tolist() == [-1.0, 2.0]
