"""Stable primitives, written once against the array namespace ``xp``.

Known limit: under ``jax.jit`` XLA's CPU compiler fuses a product into the following subtraction (an FMA with
the exact product), which defeats Dekker's two_prod; float64 results of jitted JAX code are then only as accurate
as the uncompensated formulas (docs/accuracy.md). Eager JAX, NumPy and torch are unaffected.

The arithmetic works in the compute dtype of ``_xp.compute_dtype`` (float64 almost always; float32 on JAX
without x64). Error-free transformations (Dekker/Knuth) carry the rounding error of an argument such as
``x / sqrt(2)`` or ``beta * x`` to first order, so that functions whose condition number is large in the tails
(exp, erfc) are evaluated at the argument the user meant, not at its rounded value.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from decimal import Decimal, getcontext
from functools import lru_cache
from typing import Any

from actloss._xp import Array, is_f64

getcontext().prec = 60

# Decimal expansions of the constants the ops need (50 significant digits).
CONSTANTS = {
    "1/sqrt(2)": "0.70710678118654752440084436210484903928483593768847",
    "sqrt(2/pi)": "0.79788456080286535587989211986876373695171726232986",
    "1/sqrt(2*pi)": "0.39894228040143267793994605993438186847585863116493",
    "2/sqrt(pi)": "1.1283791670955125738961589031215451716881012586580",
    "1/sqrt(pi)": "0.56418958354775628694807945156077258584405062932900",
    "0.044715": "0.044715",
    "0.134145": "0.134145",  # 3 * 0.044715, exact in decimal
    "2*sqrt(2/pi)*0.134145": "0.21406444881780074632901625683959062298677622431048",
    "64*ln(2)": "44.3614195558364998027028557733233003568320085990563362637235",
}

# Left tails are computed scaled by 2^64 and scaled back once at the end: a subnormal intermediate such as
# exp(-709.9) would otherwise lose bits that a normal final result (x exp(x) ~ 1e-306) needs.
UNSCALE = 2.0**-64


# Error-free transformations are needed only when the math runs in the input's own precision (float64 inputs,
# or float32 on JAX without x64). Inputs narrower than the compute dtype have ~29 spare bits: there the
# compensation terms are skipped (``lo`` is None), which is most of the cost.
_COMPENSATE: ContextVar[bool] = ContextVar("actloss_compensate", default=True)


def compensating() -> bool:
    return _COMPENSATE.get()


@contextlib.contextmanager
def compensation(enabled: bool) -> Iterator[None]:
    token = _COMPENSATE.set(enabled)
    try:
        yield
    finally:
        _COMPENSATE.reset(token)


def neg(lo: Array | None) -> Array | None:
    return None if lo is None else -lo


@lru_cache(maxsize=None)
def const(name: str, f64: bool) -> tuple[float, float]:
    """``(hi, lo)`` with hi + lo equal to the constant to twice the working precision."""
    import numpy as np

    d = Decimal(CONSTANTS[name])
    if f64:
        hi = float(d)
        return hi, float(d - Decimal(hi))
    hi32 = float(np.float32(float(d)))
    return hi32, float(np.float32(float(d - Decimal(hi32))))


def _finite_or_zero(xp: Any, v: Array) -> Array:
    # Error terms of inf/nan operands are meaningless; the main term already carries the inf/nan.
    return xp.where(xp.isfinite(v), v, xp.zeros_like(v))


def split(xp: Any, a: Array) -> tuple[Array, Array]:
    """Dekker split: a == hi + lo exactly, with hi holding the upper half of the significand."""
    if is_f64(a):
        c, big, down = 134217729.0, 2.0**996, 2.0**-28
    else:
        c, big, down = 4097.0, 2.0**115, 2.0**-13
    scale = xp.where(xp.abs(a) > big, xp.full_like(a, down), xp.ones_like(a))  # keep c * a finite
    s = a * scale
    t = c * s
    hi = t - (t - s)
    lo = s - hi
    return hi / scale, lo / scale


@lru_cache(maxsize=None)
def _split_scalar(b: float, f64: bool) -> tuple[float, float]:
    import numpy as np

    t = np.float64 if f64 else np.float32
    c = t(134217729.0 if f64 else 4097.0)
    v = t(b)
    u = c * v
    hi = u - (u - v)
    return float(hi), float(v - hi)


def two_prod(xp: Any, a: Array, b: Array | float) -> tuple[Array, Array | None]:
    """p + err == a * b exactly (up to underflow); err is None when not compensating."""
    p = a * b
    if not compensating():
        return p, None
    ah, al = split(xp, a)
    if isinstance(b, float):  # split the constant here, exactly, not in the traced graph (XLA folds it)
        bh, bl = _split_scalar(b, is_f64(a))
    else:
        bh, bl = split(xp, b)
    err = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    return p, _finite_or_zero(xp, err)


def two_sum(xp: Any, a: Array, b: Array) -> tuple[Array, Array | None]:
    """s + err == a + b exactly; err is None when not compensating."""
    s = a + b
    if not compensating():
        return s, None
    bb = s - a
    err = (a - (s - bb)) + (b - bb)
    return s, _finite_or_zero(xp, err)


def mul_const(xp: Any, x: Array, name: str) -> tuple[Array, Array]:
    """x * c as hi + lo, for a constant c known to twice the working precision."""
    c_hi, c_lo = const(name, is_f64(x))
    p, err = two_prod(xp, x, c_hi)
    return p, (None if err is None else _finite_or_zero(xp, err + x * c_lo))


def sigmoid(xp: Any, x: Array, lo: Array | None = None) -> Array:
    """sigmoid(x + lo) without overflow or cancellation: exp is only taken of -|x|.

    ``lo`` is an optional tiny correction to the argument (the rounding error of a product such as beta * x).
    """
    e = xp.exp(-xp.abs(x))
    if lo is not None:
        # exp(-|x + lo|) = exp(-|x|) * (1 - sign(x) * lo) to first order
        e = e - e * xp.where(x >= 0, lo, -lo)
    r = 1.0 / (1.0 + e)  # sigmoid(|x|)
    return xp.where(x >= 0, r, e * r)  # sigmoid(-|x|) = e / (1 + e): never 1 - sigmoid(|x|)


def exp_scaled(xp: Any, t: Array, t_lo: Array | None = None) -> Array:
    """exp(t + t_lo) * 2^64, for t <= 0, computed as exp(t + 64 ln 2) with the shift carried exactly."""
    if not compensating():  # no subnormal intermediate can matter to a narrower output
        return xp.exp(t) * 2.0**64
    k_hi, k_lo = const("64*ln(2)", is_f64(t))
    s, err = two_sum(xp, t, xp.full_like(t, k_hi))
    err = err + k_lo if t_lo is None else err + k_lo + t_lo
    e = xp.exp(s)
    return e + e * err


def sigmoid_mul(xp: Any, hi: Array, lo: Array, f: Array) -> Array:
    """sigmoid(hi + lo) * f with no subnormal intermediate in the left tail (f is O(|hi|) or smaller there)."""
    a_lo = None if lo is None else xp.where(hi >= 0, -lo, lo)  # -|hi + lo| = -|hi| + a_lo
    big_e = exp_scaled(xp, -xp.abs(hi), a_lo)  # exp(-|z|) * 2^64
    r = 1.0 / (1.0 + big_e * UNSCALE)  # sigmoid(|z|)
    return xp.where(hi >= 0, r * f, ((big_e * r) * f) * UNSCALE)


def sigmoid_pair(xp: Any, z: Array) -> tuple[Array, Array]:
    """(sigmoid(z), sigmoid(-z)) from one exp(-|z|): neither is formed as 1 minus the other."""
    e = xp.exp(-xp.abs(z))
    r = 1.0 / (1.0 + e)
    er = e * r
    pos = z >= 0
    return xp.where(pos, r, er), xp.where(pos, er, r)


def sigmoid_derivative(xp: Any, x: Array, lo: Array | None = None) -> Array:
    """sigmoid'(x) = sigmoid(x) * sigmoid(-x) = e / (1 + e)^2 with e = exp(-|x|): no 1 - s cancellation."""
    e = xp.exp(-xp.abs(x))
    if lo is not None:
        e = e - e * xp.where(x >= 0, lo, -lo)
    r = 1.0 / (1.0 + e)
    # near 0 the product can round one ulp above the maximum 1/4, which is also the correctly rounded value there
    return xp.minimum((e * r) * r, 0.25)


def log1p_exp(xp: Any, x: Array) -> Array:
    """softplus(x) = log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)), exact for every x."""
    return xp.maximum(x, xp.zeros_like(x)) + xp.log1p(xp.exp(-xp.abs(x)))


def erfcx64(xp: Any, z: Array) -> Array:
    """erfcx(z) = exp(z^2) erfc(z) for float64 z >= 0 (NaN propagates), within ~0.6 ULP.

    The table of ``_erfcx_table`` (scripts/gen_native_coeffs.py, mpmath): below z = 12 a degree-11 Taylor
    polynomial about the midpoint of z's interval of width 1/8 (truncation error 4e-18 relative), its constant
    term in two words, so that the result is one rounding of a dominant term plus a correction below 0.07 of
    it; from z = 12 the asymptotic series (13 terms, error below 1e-19). The platform erfcx (SciPy's Faddeeva,
    torch, JAX) is measured at up to 7 ULP on [0, 27]; native kernels use the same table.
    """
    from actloss import _erfcx_table as tab

    *cols, c0_lo = _erfcx_columns(xp, z)
    inside = z < float(tab.END)  # False for NaN and the asymptotic range
    zt = xp.where(inside, z, xp.zeros_like(z))
    f = xp.floor(zt * float(tab.PER_UNIT))
    k = xp.astype(f, xp.int64)
    s = zt - (f + 0.5) * (1.0 / tab.PER_UNIT)  # exact: z and the midpoint are within a factor 2 (or z is tiny)
    p = cols[-1][k]
    for c in cols[-2:0:-1]:
        p = p * s + c[k]
    near = cols[0][k] + (c0_lo[k] + s * p)
    # far: (1 / (z sqrt(pi))) (1 + w G(w)), w = z^-2, with 1 / (z sqrt(pi)) as d + rem (one division
    # corrected by its exact remainder) and the small w G(w) term added last: ~0.5 ULP.
    w = 1.0 / (z * z)
    g = xp.full_like(z, tab.ASYM[-1])
    for c in tab.ASYM[-2:0:-1]:
        g = g * w + c
    r_hi, r_lo = const("1/sqrt(pi)", True)
    d = r_hi / z
    t_hi, t_lo = two_prod(xp, d, z)
    rem = _finite_or_zero(xp, (((r_hi - t_hi) - t_lo) + r_lo) / z)
    far = d + (d * (w * g) + rem)
    return xp.where(inside, near, far)


_ERFCX_COLUMNS: dict[tuple[Any, ...], list[Array]] = {}


def _erfcx_columns(xp: Any, like: Array) -> list[Array]:
    """The table's coefficient columns (j = 0..deg) and the constant term's low word, on ``like``'s device;
    kept per namespace, device and dtype (a blocked call would otherwise build them once per block), except on
    JAX, where arrays made while tracing must not outlive the trace."""
    import array_api_compat

    from actloss import _erfcx_table as tab
    from actloss._xp import is_jax_ns

    dev = array_api_compat.device(like)
    key = (xp.__name__, str(dev), str(like.dtype))
    cols = None if is_jax_ns(xp) else _ERFCX_COLUMNS.get(key)
    if cols is None:
        cols = [xp.asarray(c, dtype=like.dtype, device=dev) for c in (*tab.COEFFS, tab.C0_LO)]
        if not is_jax_ns(xp):
            _ERFCX_COLUMNS[key] = cols
    return cols


def erfc_parts(xp: Any, hi: Array, lo: Array) -> tuple[Array, Array, Array]:
    """erfc(hi + lo) for a double-word argument, accurate in the right tail.

    Returns (near, tail_scaled, big): erfc where hi <= 0.75 (``near``), erfc * 2^64 where hi > 0.75
    (``tail_scaled``, so that callers can multiply before leaving the scaled range), and the mask ``big``.

    erfc(u) is erfcx(|u|) exp(-u^2) with u^2 carried exactly (2 - that for u < 0: in [1, 2], no cancellation):
    implementations that evaluate exp(-u * u) with a rounded square (Cephes, and so SciPy and torch) lose
    2 u^2 ULP, 1,000 ULP at u = 23. The argument's low word enters to first order:
    erfc'(u) = -2/sqrt(pi) exp(-u^2). float64 uses ``erfcx64``; narrower compute dtypes (JAX without x64)
    the platform's erfc/erfcx.
    """
    from actloss import _xp

    c, _ = const("2/sqrt(pi)", is_f64(hi))
    big = hi > 0.75
    if is_f64(hi):
        a = xp.abs(hi)
        cx = erfcx64(xp, a)
        q_hi, q_lo = two_prod(xp, a, a)
        g = exp_scaled(xp, -q_hi, neg(q_lo))  # exp(-u^2) * 2^64 at the exact square
        if lo is None:
            tail = g * cx
            near = xp.where(hi < 0, 2.0 - tail * UNSCALE, tail * UNSCALE)
        else:
            tail = g * (cx - lo * c)
            near = xp.where(hi < 0, 2.0 - (g * (cx + lo * c)) * UNSCALE, tail * UNSCALE)
        return near, tail, big
    hs = xp.where(big, hi, xp.ones_like(hi))
    scaled = _xp.erfcx(xp, hs)
    near = _xp.erfc(xp, hi)
    if lo is not None:
        near = near - lo * c * xp.exp(-(hi * hi))
    if scaled is None:  # no vectorised erfcx (NumPy without SciPy): libm's erfc is already accurate there
        return near, near * 2.0**64, big
    q_hi, q_lo = two_prod(xp, hs, hs)
    g = exp_scaled(xp, -q_hi, neg(q_lo))  # exp(-u^2) * 2^64 at the exact square
    return near, g * (scaled if lo is None else scaled - lo * c), big


def clip_abs(xp: Any, x: Array, bound: float) -> Array:
    """Clamp to [-bound, bound], keeping NaN (for derivatives that are constant beyond the bound)."""
    return xp.clip(x, -bound, bound)
