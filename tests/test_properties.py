"""Hypothesis tests generated from the properties each op declares in the registry."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import actloss
from actloss import _registry

SETTINGS = settings(max_examples=60, deadline=None)
wide = st.floats(allow_nan=False, allow_infinity=False, width=64)
moderate = st.floats(-200, 200, allow_nan=False)
vectors = arrays(np.float64, st.integers(1, 6), elements=st.floats(-300, 300))


def _declaring(prop: str) -> list:
    return [
        pytest.param(s.name, p, id=f"{s.name}-{i}")
        for s in _registry.ops()
        if prop in s.properties
        for i, p in enumerate(s.sample_params())
    ]


def _f(name: str, x, params):
    return getattr(actloss, name)(np.asarray(x, np.float64), **params)


def _slack(v) -> np.ndarray:
    with np.errstate(over="ignore"):
        return 4 * np.spacing(np.abs(np.asarray(v, np.float64)))


@pytest.mark.parametrize("name,params", _declaring("monotone"))
@SETTINGS
@given(a=wide, b=wide)
def test_monotone(name, params, a, b):
    lo, hi = sorted((a, b))
    fa, fb = _f(name, [lo], params)[0], _f(name, [hi], params)[0]
    assert fa <= fb or fa - fb <= _slack(fb)


@pytest.mark.parametrize("name,params", _declaring("bounded_01"))
@SETTINGS
@given(x=vectors)
def test_bounded_01(name, params, x):
    y = _f(name, x, params)
    assert np.all((y >= 0) & (y <= 1))


@pytest.mark.parametrize("name,params", _declaring("bounded_pm1"))
@SETTINGS
@given(x=wide)
def test_bounded_pm1(name, params, x):
    assert -1 <= _f(name, [x], params)[0] <= 1


@pytest.mark.parametrize("name,params", _declaring("nonnegative"))
@SETTINGS
@given(x=wide)
def test_nonnegative(name, params, x):
    assert _f(name, [x], params)[0] >= 0


@pytest.mark.parametrize("name,params", _declaring("nonpositive"))
@SETTINGS
@given(x=vectors)
def test_nonpositive(name, params, x):
    assert np.all(_f(name, x, params) <= 0)


@pytest.mark.parametrize("name,params", _declaring("convex"))
@SETTINGS
@given(a=moderate, b=moderate)
def test_midpoint_convex(name, params, a, b):
    m = (a + b) / 2
    fm, fa, fb = (_f(name, [v], params)[0] for v in (m, a, b))
    assert fm <= (fa + fb) / 2 + _slack(max(abs(fa), abs(fb)))


@pytest.mark.parametrize("name,params", _declaring("odd"))
@SETTINGS
@given(x=wide)
def test_odd(name, params, x):
    assert _f(name, [-x], params)[0] == -_f(name, [x], params)[0]


@pytest.mark.parametrize("name,params", _declaring("zero_at_zero"))
def test_zero_at_zero(name, params):
    assert _f(name, [0.0], params)[0] == 0


@pytest.mark.parametrize("name,params", _declaring("identity_for_positive"))
@SETTINGS
@given(x=st.floats(min_value=5e-324, allow_infinity=False, allow_nan=False))
def test_identity_for_positive(name, params, x):
    assert _f(name, [x], params)[0] == x


@pytest.mark.parametrize("name,params", _declaring("lipschitz_1"))
@SETTINGS
@given(x=wide)
@example(x=8.725047887891147e-17)  # tanh's 4e/(1+e)^2 rounded one ulp above 1 here (found by hypothesis in CI)
def test_lipschitz_1(name, params, x):
    assert abs(actloss.derivative(name, np.array([x]), **params)[0]) <= 1


@SETTINGS
@given(x=wide, x32=st.floats(allow_nan=False, allow_infinity=False, width=32))
@example(x=-2.5719224061887073e-16, x32=0.0)  # e / (1 + e)^2 rounded one ulp above 1/4 for many |x| < 1e-8
def test_sigmoid_derivative_at_most_a_quarter(x, x32):
    # sigmoid'(x) = sigmoid(x) sigmoid(-x) <= 1/4, the bound the mistake catalogue quotes (AL106, AL203)
    assert 0 <= actloss.derivative("sigmoid", np.array([x]))[0] <= 0.25
    assert 0 <= actloss.derivative("sigmoid", np.array([x32], dtype=np.float32))[0] <= 0.25


@pytest.mark.parametrize("name,params", _declaring("sums_to_one"))
@SETTINGS
@given(x=vectors)
def test_sums_to_one(name, params, x):
    assert abs(_f(name, x, {**params, "axis": 0}).sum() - 1) <= 8 * np.finfo(np.float64).eps


@pytest.mark.parametrize("name,params", _declaring("shift_invariant"))
@SETTINGS
@given(x=vectors, c=st.integers(-64, 64))
def test_shift_invariant(name, params, x, c):
    p = {**params, "axis": 0}
    y0, y1 = _f(name, x, p), _f(name, x + c, p)
    # the shift itself rounds x + c; compare against what that rounding allows
    tol = np.abs(((x + c) - c) - x) + 8 * np.spacing(np.maximum(np.abs(x), abs(c)))
    assert np.all(np.abs(y0 - y1) <= np.maximum(np.abs(y0), 1) * tol * 4 + 1e-300)


def test_every_declared_property_is_tested() -> None:
    tested = {n[len("test_"):] for n in globals() if n.startswith("test_")}
    aliases = {"midpoint_convex": "convex"}
    tested = {aliases.get(t, t) for t in tested}
    declared = set().union(*(s.properties for s in _registry.ops("activation")))
    assert declared <= tested  # loss properties: tests/test_losses_misc.py
