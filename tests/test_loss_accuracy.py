"""Per-element loss and gradient of every registered loss, every adapter and dtype, against mpmath.

reduction='none' and a cotangent of ones give the per-element (per-sample) loss and d loss / d input, which are
measured in ULPs as for the activations (actloss.testing.accuracy).
"""
from __future__ import annotations

import zlib
from functools import lru_cache

import contextlib

import numpy as np
import pytest

import actloss
from actloss import _native, _registry
from actloss._native.losses import F64_NATIVE as _NATIVE_F64
from actloss._native.losses import POINTWISE as _NATIVE_POINTWISE
from actloss.testing import accuracy as acc
from actloss.testing.adapters import to_array, to_numpy

FRAMEWORKS = ("numpy", "torch", "jax")
GRID = 240
SOFT = [0.0, 1.0, 0.0, 1.0, 0.1, 0.3, 0.5, 0.75, 0.999]
COUNTS = [0.0, 1.0, 2.0, 3.0, 7.0, 120.0]

NATIVE = {"cross_entropy", "softmax_focal_loss", *_NATIVE_POINTWISE}
CASES = [
    pytest.param(spec.name, i, id=f"{spec.name}-{i}")
    for spec in _registry.ops("loss")
    for i, _ in enumerate(spec.sample_params())
]


def _params(name: str, i: int) -> dict:
    return {k: v for k, v in _registry.get(name).sample_params()[i].items() if k != "reduction"}


@lru_cache(maxsize=None)
def _pointwise_case(name: str, i: int, dtype: str):
    spec, params = _registry.get(name), _params(name, i)
    rng = np.random.default_rng(zlib.crc32(f'{name}-{i}-{dtype}'.encode()))
    x = acc.grid(dtype, GRID, seed=5)
    if spec.target == "real":
        y = rng.permutation(acc.grid(dtype, GRID, seed=6))[: x.size]
        y = np.resize(y, x.shape)
        if name == "poisson_nll_loss":
            y = np.abs(y)
    elif spec.target == "unit":
        y = rng.choice(SOFT, x.size)
    else:
        y = rng.choice(COUNTS, x.size)
    if name == "poisson_nll_loss":  # exp(x) for |x| beyond the float range is not what this loss is for
        x = x[np.abs(x) < 700] if dtype == "float64" else x[np.abs(x) < 80]
        y = y[: x.size]
    y = acc.representable(y, dtype)
    import mpmath as mp

    def pair(fn):
        def g(xy, **kw):
            return fn(xy[0], xy[1], **kw)

        return g

    xs = list(zip(x.tolist(), y.tolist()))
    his, los, his_g, los_g, scales, vscales = [], [], [], [], [], []
    with mp.workprec(acc.REF_PREC):
        for a, b in xs:
            v = spec.reference(mp.mpf(a), mp.mpf(b), **params)
            d = spec.reference_grad(mp.mpf(a), mp.mpf(b), **params)
            for lst_h, lst_l, val in ((his, los, v), (his_g, los_g, d)):
                h, lo = acc._split(mp.mpf(val))
                lst_h.append(h)
                lst_l.append(lo)
            if spec.deriv_scale is not None:
                scales.append(float(spec.deriv_scale(mp.mpf(a), mp.mpf(b), **params)))
            if spec.value_scale is not None:
                vscales.append(float(spec.value_scale(mp.mpf(a), mp.mpf(b), **params)))
    val = acc.Reference(np.array(his), np.array(los), np.array(vscales) if vscales else None)
    der = acc.Reference(np.array(his_g), np.array(los_g), np.array(scales) if scales else None)
    return x, y, val, der


@lru_cache(maxsize=None)
def _class_case(name: str, i: int, dtype: str, soft: bool):
    spec, params = _registry.get(name), _params(name, i)
    params = {k: v for k, v in params.items() if k not in ("axis", "ignore_index")}
    return acc.class_rows(spec, params, dtype, soft)


def _run(fw: str, name: str, x, t, dtype: str, params: dict, index: bool):
    fn = getattr(actloss, name)
    xa = to_array(fw, x, dtype)
    if index:
        ta = to_array(fw, t, "float64")
        ta = ta.long() if fw.startswith("torch") else ta.astype("int64") if fw == "numpy" else ta.astype("int32")
    else:
        ta = to_array(fw, t, dtype)
    kw = {**params, "reduction": "none"}
    if fw == "numpy":
        y, g = actloss.value_and_grad(name, xa, ta, cotangent=np.ones(np.shape(xa)[:-1] if index or x.ndim == 2 else np.shape(xa), dtype=xa.dtype), **kw)
        return to_numpy(y), to_numpy(g)
    if fw == "torch":
        xa.requires_grad_(True)
        y = fn(xa, ta, **kw)
        y.sum().backward()
        return to_numpy(y), to_numpy(xa.grad)
    import jax

    y, pull = jax.vjp(lambda a: fn(a, ta, **kw), xa)
    (g,) = pull(jax.numpy.ones_like(y))
    return to_numpy(y), to_numpy(g)


@pytest.mark.parametrize("fw", FRAMEWORKS)
@pytest.mark.parametrize("dtype", acc.DTYPES)
@pytest.mark.parametrize("name,i", CASES)
def test_loss_accuracy(name: str, i: int, dtype: str, fw: str) -> None:
    """The default dispatch: for float32 NumPy/torch inputs the native kernels where they take the loss (asserted)."""
    calls = _native.calls
    _check(name, i, dtype, fw, "default")
    if _expects_native(name, i, dtype, fw) and _native.status() == "loaded":
        assert _native.calls > calls, f"{name}: {dtype} {fw} did not take the native kernel"


def _expects_native(name: str, i: int, dtype: str, fw: str) -> bool:
    if fw not in ("numpy", "torch") or name not in NATIVE:
        return False
    if name == "softmax_focal_loss" and dtype == "float64":  # native only as cross-entropy (gamma = 0)
        return _params(name, i).get("gamma") == 0.0
    if name == "softmax_focal_loss" and _params(name, i).get("label_smoothing"):  # not native
        return False
    return dtype == "float32" or (dtype == "float64" and name in _NATIVE_F64)


@pytest.mark.parametrize("fw", ["numpy", "torch"])
@pytest.mark.parametrize("name,i,dtype", [
    pytest.param(c.values[0], c.values[1], dt, id=f"{c.id}-{dt}")
    for c in CASES for dt in ("float32", "float64") if _expects_native(c.values[0], c.values[1], dt, "numpy")
])
def test_loss_accuracy_reference_path_where_native(name: str, i: int, dtype: str, fw: str) -> None:
    """The cases the native kernels take, with the kernels off: the reference path keeps its guarantee."""
    _check(name, i, dtype, fw, "reference")


def _check(name: str, i: int, dtype: str, fw: str, path: str) -> None:
    with _native.disabled() if path == "reference" else contextlib.nullcontext():
        _check_path(name, i, dtype, fw, path)


def _check_path(name: str, i: int, dtype: str, fw: str, path: str) -> None:
    spec, params = _registry.get(name), _params(name, i)
    checks = []
    if spec.structure == "pointwise":
        x, y, val, der = _pointwise_case(name, i, dtype)
        v, g = _run(fw, name, x, y, dtype, params, index=False)
        checks = [("loss", acc.errors(v, val, dtype, x)), ("grad", acc.errors(g, der, dtype, x))]
    else:
        p = {k: v for k, v in params.items() if k not in ("ignore_index",)}
        for soft in (False, True):
            for rows, t, val, der in _class_case(name, i, dtype, soft):
                v, g = _run(fw, name, rows, t, dtype, {**p, "axis": -1}, index=not soft)
                checks += [(f"loss{'-soft' if soft else ''}", acc.errors(v, val, dtype, rows[:, 0])),
                           (f"grad{'-soft' if soft else ''}", acc.errors(g, der, dtype, rows))]
    failures = []
    for what, e in checks:
        if fw == "jax":
            pnum, emin, _ = acc.FORMATS[dtype]
            near = (np.abs(e.ref_hi) < 2.0 ** (emin + pnum)) | (np.abs(e.inputs if e.inputs.size == e.ulps.size else np.zeros_like(e.ulps)) < 2.0**emin)
            e.ulps[near] = np.nan
            e.flushed -= int(np.sum(near & e.flushed_mask))
        bar = spec.f64_bar(**params) if (dtype == "float64" and spec.f64_bar) else acc.BARS[dtype]
        if not e.ok(dtype, bar):
            failures.append(f"{what}: max {e.max:.2f} ULP (bar {bar}) at x={e.worst_input!r}, "
                            f"non-finite {e.nonfinite}, flushed {e.flushed}, NaN mismatches {e.nan_mismatch}")
    assert not failures, f"{name}{params} {dtype} via {fw} ({path} path): " + "; ".join(failures)
