"""Values and derivatives of every registered activation, every adapter and dtype, against mpmath.

A representative subset of the full sweep (``make accuracy`` runs every float16/bfloat16 value and a dense
float32/float64 grid). See actloss.testing.accuracy for the error measure and the bars.
"""
from __future__ import annotations

import contextlib
import zlib
from functools import lru_cache

import numpy as np
import pytest

import actloss
from actloss import _native, _registry
from actloss._native import ops as _native_ops
from actloss.testing import accuracy as acc
from actloss.testing.adapters import FRAMEWORKS, to_array, value_and_grad

GRID = 400  # points per dtype (plus the special points)
ROWS = 48  # rows per dtype for ops along an axis

CASES = [
    pytest.param(spec.name, i, id=f"{spec.name}-{i}")
    for spec in _registry.ops("activation")
    for i, _ in enumerate(spec.sample_params())
]


def _params(name: str, i: int) -> dict:
    return _registry.get(name).sample_params()[i]


@lru_cache(maxsize=None)
def _elementwise_case(name: str, i: int, dtype: str):
    spec, params = _registry.get(name), _params(name, i)
    x = acc.grid(dtype, GRID, seed=zlib.crc32(f'{name}-{dtype}'.encode()))
    val = acc.elementwise_reference(spec.reference, x, params)
    der = acc.elementwise_reference(spec.reference_derivative, x, params, spec.deriv_scale)
    return x, val, der


def _rows(dtype: str, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    _, _, fmax = acc.FORMATS[dtype]
    rows = []
    for r in range(ROWS):
        n = int(rng.integers(2, 9))
        kind = r % 4
        if kind == 0:
            v = rng.normal(0, 3, n)
        elif kind == 1:  # one dominant logit
            v = rng.normal(0, 1, n)
            v[0] += rng.uniform(10, 40)
        elif kind == 2:  # spread over the exp range
            v = rng.uniform(-800, 800, n) if dtype == "float64" else rng.uniform(-100, 100, n)
        else:  # huge magnitudes
            v = rng.choice([-1, 1], n) * np.exp2(rng.uniform(0, np.log2(fmax) - 1, n))
        v = np.pad(v, (0, 8 - n), constant_values=np.nan)
        rows.append(v)
    return acc.representable(np.array(rows), dtype)


@lru_cache(maxsize=None)
def _vector_case(name: str, i: int, dtype: str):
    spec, params = _registry.get(name), dict(_params(name, i))
    rng = np.random.default_rng(1)
    rows = _rows(dtype, seed=7)
    lengths = np.sum(~np.isnan(rows), axis=1)
    out = []
    for n in sorted(set(lengths.tolist())):
        block = rows[lengths == n][:, :n]
        cot = acc.representable(rng.normal(0, 1, block.shape), dtype)
        ref_params = {**params, "axis": -1}
        val = acc.vector_reference(spec.reference, block, ref_params)
        der = acc.vector_reference(spec.reference_derivative, block, ref_params, cot, spec.deriv_scale)
        out.append((block, cot, val, der))
    return out


def _drop_ftz_points(e: acc.Errors, dtype: str) -> None:
    """XLA on CPU flushes subnormal inputs and results to zero by design (jax#16200): drop, for JAX only, the
    points whose inputs are subnormal or whose results lie within 2^p of the subnormal range (where an
    intermediate such as exp(x) may be subnormal). docs/accuracy.md states this exclusion."""
    p, emin, _ = acc.FORMATS[dtype]
    near = (np.abs(e.ref_hi) < 2.0 ** (emin + p)) | (np.abs(e.inputs) < 2.0**emin)
    e.ulps[near] = np.nan
    e.flushed -= int(np.sum(near & e.flushed_mask))


def _native_input(spec, params: dict, dtype: str, fw: str) -> bool:
    """Whether the default dispatch must take a native kernel here (when the kernels are loaded)."""
    if fw not in ("numpy", "torch") or spec.native is None or params.get("axis", -1) != -1:
        return False
    if dtype == "float32":
        return True
    kernel = spec.native(**params)
    return dtype == "float64" and kernel is not None and kernel[0] in _native_ops.F64


def _check(spec, name: str, i: int, params: dict, dtype: str, fw: str, path: str) -> None:
    failures = []
    calls = _native.calls
    with _native.disabled() if path == "reference" else contextlib.nullcontext():
        checks = _checks(spec, name, i, params, dtype, fw)
    if path == "default" and _native_input(spec, params, dtype, fw) and _native.status() == "loaded":
        assert _native.calls > calls, f"{name}: {dtype} {fw} did not take the native kernel"
    for what, e in checks:
        if fw == "jax":
            _drop_ftz_points(e, dtype)
        bar = spec.f64_bar(**params) if (dtype == "float64" and spec.f64_bar) else acc.BARS[dtype]
        if not e.ok(dtype, bar):
            failures.append(
                f"{what}: max {e.max:.2f} ULP (bar {bar}) at x={e.worst_input!r}, "
                f"non-finite {e.nonfinite}, flushed {e.flushed}, NaN mismatches {e.nan_mismatch}"
            )
    assert not failures, f"{name}{params} {dtype} via {fw} ({path} path): " + "; ".join(failures)


@pytest.mark.parametrize("fw", FRAMEWORKS)
@pytest.mark.parametrize("dtype", acc.DTYPES)
@pytest.mark.parametrize("name,i", CASES)
def test_accuracy(name: str, i: int, dtype: str, fw: str) -> None:
    """The default dispatch: for contiguous float32 NumPy/torch arrays that is the native kernel (asserted)."""
    _check(_registry.get(name), name, i, _params(name, i), dtype, fw, "default")


@pytest.mark.parametrize("fw", ["numpy", "torch"])
@pytest.mark.parametrize("name,i,dtype", [
    pytest.param(c.values[0], c.values[1], dt, id=f"{c.id}-{dt}")
    for c in CASES for dt in ("float32", "float64")
    if _native_input(_registry.get(c.values[0]), _params(*c.values), dt, "numpy")
])
def test_accuracy_reference_path_where_native(name: str, i: int, dtype: str, fw: str) -> None:
    """The cases the native kernels take, with the kernels off: the reference path keeps its own guarantee."""
    _check(_registry.get(name), name, i, _params(name, i), dtype, fw, "reference")


def _checks(spec, name: str, i: int, params: dict, dtype: str, fw: str) -> list:
    fn = getattr(actloss, name)
    if spec.elementwise:
        x, val, der = _elementwise_case(name, i, dtype)
        cot = np.ones_like(x)
        y, g = value_and_grad(fw, fn, to_array(fw, x, dtype), to_array(fw, cot, dtype), params)
        checks = [("value", acc.errors(y, val, dtype, x)), ("derivative", acc.errors(g, der, dtype, x))]
    else:
        checks = []
        for block, cot, val, der in _vector_case(name, i, dtype):
            axis = params["axis"]
            xb, cb = (block, cot) if axis == -1 else (block.T.copy(), cot.T.copy())
            y, g = value_and_grad(fw, fn, to_array(fw, xb, dtype), to_array(fw, cb, dtype), params)
            if axis != -1:
                y, g = y.T, g.T
            checks += [("value", acc.errors(y, val, dtype, block)), ("vjp", acc.errors(g, der, dtype, block))]
    return checks
