"""Double-word ("dd") arithmetic on float64 arrays, written once against the array namespace ``xp``.

A dd value is a pair ``(hi, lo)`` of float64 arrays that stands for the exact sum hi + lo. The pairs are not
renormalised after every operation: |lo| stays below about 2^-50 |hi|, which is all the functions here assume of
their arguments. Errors are stated relative to the exact result unless said otherwise (u = 2^-53 is float64's
unit roundoff, so 2^-60 relative is 2^-7 ULP).

Used where a float64 result must not carry more than one rounding through a step that amplifies relative
errors, such as (1 - p)^gamma (it multiplies the relative error of 1 - p by gamma). Everything is for float64
only (the splitter and the tables are float64's), and for finite arguments unless a function says otherwise:
callers map +-inf to a finite stand-in and restore the limits. NaN arguments give NaN results.

Known limit (as for ``_numerics``): under ``jax.jit`` XLA's CPU compiler may fuse a product into the following
subtraction, which defeats Dekker's splitting; jitted float64 JAX code is then only about as accurate as the
plain formulas. Eager JAX, NumPy and torch are unaffected.
"""
from __future__ import annotations

import decimal
import math
from functools import cache
from typing import Any

import array_api_compat

from actloss import _xp
from actloss._xp import Array

DD = tuple  # (hi, lo)

_SPLITTER = 134217729.0  # 2^27 + 1
_Q_MIN, _Q_MAX = -1077, 1023  # powers of two in the scale table: exp(t) for t in [-746, 709.7]


# ----------------------------------------------------------------------------------------------------------
# error-free transformations
# ----------------------------------------------------------------------------------------------------------
def split(xp: Any, a: Array) -> tuple[Array, Array]:
    """Dekker's split: a == hi + lo exactly, each with at most 26 significant bits (|a| < 2^996)."""
    t = _SPLITTER * a
    hi = t - (t - a)
    return hi, a - hi


@cache
def _split_const(b: float) -> tuple[float, float]:
    t = _SPLITTER * b
    hi = t - (t - b)
    return hi, b - hi


def _exact_scale(b: Any) -> bool:
    return isinstance(b, (int, float)) and (b == 0 or abs(math.frexp(b)[0]) == 0.5)


def two_prod(xp: Any, a: Array, b: Array | float) -> tuple[Array, Array | float]:
    """(p, e) with p = fl(a b) and p + e == a b exactly (no underflow; |a|, |b| < 2^996). b may be a Python
    float: split here, exactly; a power of two (or 0) gives e = 0.0, a Python float."""
    p = a * b
    if _exact_scale(b):
        return p, 0.0
    ah, al = split(xp, a)
    bh, bl = _split_const(float(b)) if isinstance(b, (int, float)) else split(xp, b)
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def two_sum(xp: Any, a: Array | float, b: Array | float) -> tuple[Array, Array]:
    """(s, e) with s = fl(a + b) and s + e == a + b exactly (Knuth; any order of magnitude)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def fast_two_sum(xp: Any, a: Array | float, b: Array | float) -> tuple[Array, Array]:
    """As two_sum, where |a| >= |b| (or a == 0) is known: three operations instead of six."""
    s = a + b
    return s, b - (s - a)


# ----------------------------------------------------------------------------------------------------------
# dd arithmetic
# ----------------------------------------------------------------------------------------------------------
def add(xp: Any, x: DD, y: DD) -> DD:
    """x + y. Absolute error below 2^-103 (|x| + |y|): full dd precision unless x and y nearly cancel, and always
    within a tiny fraction of an ULP of the larger operand (what a largest-term bound asks of a sum)."""
    s, e = two_sum(xp, x[0], y[0])
    return s, e + (x[1] + y[1])


def neg(x: DD) -> DD:
    return -x[0], -x[1]


def mul(xp: Any, x: DD, y: DD) -> DD:
    """x y, relative error below 2^-102."""
    p, e = two_prod(xp, x[0], y[0])
    return p, e + (x[0] * y[1] + x[1] * y[0])


def mul_d(xp: Any, x: DD, b: Array | float) -> DD:
    """x b for a float64 array or a Python float b, relative error below 2^-103."""
    p, e = two_prod(xp, x[0], b)
    return p, e + x[1] * b


def div(xp: Any, x: DD, y: DD) -> DD:
    """x / y (y != 0), relative error below 2^-101. x may be a pair of Python floats, such as (1.0, 0.0)."""
    q = x[0] / y[0]
    p, e = two_prod(xp, q, y[0])
    return q, (((x[0] - p) - e) + x[1] - q * y[1]) / y[0]


def value(xp: Any, x: DD) -> Array:
    """The float64 nearest hi + lo (one rounding); +-inf and NaN in hi are kept (their lo is meaningless)."""
    return xp.where(xp.isfinite(x[0]), x[0] + x[1], x[0])


# ----------------------------------------------------------------------------------------------------------
# exp, expm1, log1p, pow
# ----------------------------------------------------------------------------------------------------------
@cache
def _constants() -> dict[str, Any]:
    """ln(2)/64 in three parts (the first two with 36 significant bits, so that k * part is exact for
    |k| < 2^17), 64/ln 2, and the tables 2^(j/64) (hi, lo) for j = 0..63 and 2^q for the scale."""
    import numpy as np

    ctx = decimal.Context(prec=80)
    c = ctx.divide(ctx.ln(decimal.Decimal(2)), 64)
    c1 = ctx.divide(ctx.multiply(c, 2**42).to_integral_value(rounding=decimal.ROUND_FLOOR), 2**42)
    r = ctx.subtract(c, c1)
    c2 = ctx.divide(ctx.multiply(r, 2**78).to_integral_value(rounding=decimal.ROUND_FLOOR), 2**78)
    c3 = ctx.subtract(r, c2)
    t_hi, t_lo = [], []
    for j in range(64):
        v = ctx.exp(ctx.multiply(c, j))
        h = float(v)
        t_hi.append(h)
        t_lo.append(float(ctx.subtract(v, decimal.Decimal(h))))
    p2 = [math.ldexp(1.0, q) for q in range(_Q_MIN, _Q_MAX + 1)]
    return {
        "c1": float(c1), "c2": float(c2), "c3": float(c3), "inv": float(ctx.divide(1, c)),
        "t_hi": np.array(t_hi), "t_lo": np.array(t_lo), "p2": np.array(p2),
    }


def _take(xp: Any, table: Any, idx: Array) -> Array:
    """table[idx] for an index array of any shape (integer, or float holding integers; the Array API's take is
    1-D)."""
    tab = xp.asarray(table, device=array_api_compat.device(idx))
    flat = xp.reshape(idx, (-1,))
    if _xp.is_float_dtype(flat.dtype):
        flat = xp.astype(flat, xp.int64)
    return xp.reshape(xp.take(tab, flat, axis=0), idx.shape)


def _exp_parts(xp: Any, t: Array, t_lo: Array | None):
    """exp(t + t_lo) = 2^q 2^(j/64) (1 + expm1(r)): returns 2^q, 2^(j/64) as a dd, and expm1(r) as a dd of
    relative error < 2^-59.

    t = k ln2/64 + r with k = 64 q + j, |r| <= ln2/128: the reduction is exact (Cody-Waite, three parts of ln2/64)
    and expm1(r) = r + r^2 P(r), P of degree 5 (truncation below 2^-67 relative); the reduced argument's low word
    (t_lo and the reduction's remainder) enters to first order.
    """
    cst = _constants()
    k = xp.round(t * cst["inv"])
    k = xp.clip(xp.where(xp.isnan(k), 0.0, k), 64.0 * _Q_MIN, 64.0 * _Q_MAX + 63.0)  # NaN: any index, r stays NaN
    kc2 = k * cst["c2"]  # exact
    r_h, r_l = two_sum(xp, t - k * cst["c1"], -kc2)  # t - k c1 is exact (Sterbenz)
    r_l = r_l - k * cst["c3"]
    if t_lo is not None:
        r_l = r_l + t_lo
    poly = 1.0 / 2 + r_h * (1.0 / 6 + r_h * (1.0 / 24 + r_h * (1.0 / 120 + r_h * (1.0 / 720 + r_h * (1.0 / 5040)))))
    ki = xp.astype(k, xp.int64)
    j, q = xp.bitwise_and(ki, 63), xp.bitwise_right_shift(ki, 6)  # k = 64 q + j, 0 <= j < 64
    # expm1(r_h + r_l) = expm1(r_h) + r_l exp(r_h) + O(r_l^2): r_l holds t_lo, up to 2^-43 for |t| ~ 700, so its
    # product with exp(r_h) - 1 counts; renormalised, as r^2 P is up to 2^-8 r
    em = two_sum(xp, r_h, r_l * (1.0 + r_h * (1.0 + 0.5 * r_h)) + (r_h * r_h) * poly)
    scale = _take(xp, cst["p2"], q - _Q_MIN)
    return scale, _take(xp, cst["t_hi"], j), _take(xp, cst["t_lo"], j), em[0], em[1]


def exp(xp: Any, t: Array, t_lo: Array | None = None) -> DD:
    """exp(t + t_lo) for t in [-746, 709.7] (t_lo a small correction or None): relative error < 2^-60 down to
    results of 2^-969; below, lo is subnormal and the error grows to the subnormal range's absolute 2^-1075.
    (The one product left rounded, 2^(j/64) expm1(r) with |expm1(r)| < 2^-7.5, costs at most 2^-60.5.)"""
    scale, th, tl, em_h, em_l = _exp_parts(xp, t, t_lo)
    s, se = fast_two_sum(xp, th, th * em_h)
    return s * scale, (se + (tl + th * em_l + tl * em_h)) * scale


def expm1(xp: Any, t: Array) -> DD:
    """exp(t) - 1 for t in [0, 36], relative error < 2^-58 (the 1 is subtracted exactly while 2^q < 2^52; beyond
    36, up to 709.7, the relative error is 2^-53, as the 1 is then below the high word's last bit)."""
    scale, th, tl, em_h, em_l = _exp_parts(xp, t, None)
    hi0 = scale * th - 1.0  # exact for 0 <= q < 52: 2^q th >= 1 is a multiple of 2^(q-52)
    p, pe = two_prod(xp, th, em_h)
    s, se = two_sum(xp, hi0, scale * p)
    return s, se + scale * (pe + tl + th * em_l + tl * em_h)


def log1p(xp: Any, x: DD) -> DD:
    """log(1 + x) for 0 <= x < 2^51: the platform's log1p of hi, corrected by one Newton step on exp (the residual
    x - expm1(l0) is computed in dd). Relative error < 2^-57 (larger finite x: 2^-53 relative, as expm1)."""
    l0 = xp.log1p(x[0])
    e_h, e_l = expm1(xp, l0)
    return l0, ((x[0] - e_h) + (x[1] - e_l)) / (1.0 + x[0])  # x hi - e hi is exact (Sterbenz)


def pow(xp: Any, x: DD, gamma: float) -> DD:
    """x^gamma for x >= 0 (finite): pow(hi, gamma) (1 + gamma lo / hi). The low word's contribution is exact to
    second order (gamma^2 2^-101), so the only error is the platform pow's rounding of hi^gamma (< 1 ULP)."""
    h = xp.pow(x[0], gamma)
    rho = x[1] / xp.where(x[0] > 0, x[0], xp.ones_like(x[0]))
    return h, h * (gamma * rho)


# ----------------------------------------------------------------------------------------------------------
# reductions and softmax
# ----------------------------------------------------------------------------------------------------------
def sum_last(xp: Any, x: DD) -> DD:
    """The sum of x along the last axis (keepdims), with absolute error below n^2 2^-82 max|x| for n terms
    (n < 2^22), and exact for a row with one nonzero term: each high word is cut into a part on a per-row grid of
    2^-30 of the largest (summed exactly, in any order) and a remainder; the remainders and the low words are
    summed apart. For terms of one sign that is a relative error below n^2 2^-80 (2^-60 up to n = 1000): a
    compensated sum with no sequential loop over the axis. A row holding +-inf or NaN gives the plain sum."""
    h, lo = x
    plain = xp.sum(h, axis=-1, keepdims=True)
    big = xp.max(xp.abs(h), axis=-1, keepdims=True)
    # rows beyond 2^1000 are summed scaled by 2^-64 (exact), so that the grid's offset stays finite
    sc = xp.where(big > 2.0**1000, xp.full_like(big, 2.0**-64), xp.ones_like(big))
    h, lo = h * sc, lo * sc
    # log2 may round up to the next power; +1 keeps 2^ex above the max (a zero row: the smallest grid)
    ex = xp.ceil(xp.log2(xp.maximum(big * sc, xp.full_like(big, 2.0**-1074)))) + 1.0
    ex = xp.clip(xp.where(xp.isnan(ex), float(_Q_MIN), ex), float(_Q_MIN), float(_Q_MAX - 23))
    k = 1.5 * 2.0**22 * _take(xp, _constants()["p2"], ex - _Q_MIN)  # ulp(k) = 2^ex 2^-30
    a = (h + k) - k  # h rounded to the grid: exact, and so is every partial sum of a
    s, e = two_sum(xp, xp.sum(a, axis=-1, keepdims=True), xp.sum(h - a, axis=-1, keepdims=True))
    e = e + xp.sum(lo, axis=-1, keepdims=True)
    fin = xp.isfinite(plain)
    return xp.where(fin, s / sc, plain), xp.where(fin, e / sc, xp.zeros_like(e))


def softmax(xp: Any, x: Array) -> tuple[DD, DD, DD, DD]:
    """log p, p, 1 - p and s1 (keepdims) along the last axis of float64 rows, each as a dd.

    x - max is exact (two_sum); e = exp(x - max) as a dd (relative error 2^-60); s1 = the sum of e over all
    entries but the first argmax, compensated (``sum_last``), so that 1 - p of a dominant entry, s1 / (1 + s1),
    keeps its full relative precision however small; 1 - p of every other entry is >= 1/2 and is 1 - p in dd.
    log p = (x - max) - log1p(s1) (``log1p``). Relative errors stay below 2^-56 (p, 1 - p, log p, away from
    the subnormal range). Rows holding +inf take softmax's limit (equal shares among the +inf entries), as
    ``ops.activations.softmax``; -inf entries give p = 0, log p = -inf; NaN rows give NaN.
    """
    from actloss import _numerics as nx

    inf = float("inf")
    m = xp.max(x, axis=-1, keepdims=True)
    # a row holding +inf (and no NaN) is the row with 0 at its +inf entries and -inf elsewhere: the same limit
    x = xp.where((m == inf) & ~xp.isnan(m), xp.where(x == inf, xp.zeros_like(x), xp.full_like(x, -inf)), x)
    m = xp.where(m == inf, xp.zeros_like(m), m)
    d_h, d_l = nx.two_sum(xp, x, -m)  # exact; its error term is 0 where d is infinite
    e = exp(xp, xp.clip(d_h, -746.0, 0.0), d_l)
    n = x.shape[-1]
    idx = xp.reshape(xp.arange(n, device=array_api_compat.device(x)), (1, n))
    first = idx == xp.argmax(x, axis=-1, keepdims=True)
    zero = xp.zeros_like(e[0])
    s1 = sum_last(xp, (xp.where(first, zero, e[0]), xp.where(first, zero, e[1])))
    big_s = two_sum(xp, 1.0, s1[0])
    inv = div(xp, (1.0, 0.0), (big_s[0], big_s[1] + s1[1]))  # 1 / (1 + s1)
    p = mul(xp, e, inv)
    q_rest = fast_two_sum(xp, 1.0, -p[0])  # 1 - p >= 1/2 off the first argmax
    q_top = mul(xp, s1, inv)
    q = (xp.where(first, q_top[0], q_rest[0]), xp.where(first, q_top[1], q_rest[1] - p[1]))
    lam = log1p(xp, s1)
    lp_h, lp_l = two_sum(xp, d_h, -lam[0])
    logp = (lp_h, xp.where(xp.isfinite(lp_h), lp_l + (d_l - lam[1]), zero))
    return logp, p, q, s1
