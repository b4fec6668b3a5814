"""Pieces the pointwise regression losses share: the exact difference and its square."""
from actloss import _numerics as nx


def diff(xp, x, y):
    """x - y as an exact sum hi + lo."""
    return nx.two_sum(xp, x, -y)


def half_square(xp, d_hi, d_lo):
    """(d_hi + d_lo)^2 / 2 with one rounding: the square is carried as an exact product."""
    if d_lo is None:
        return 0.5 * (d_hi * d_hi)
    s_hi, s_err = nx.two_prod(xp, d_hi, d_hi)
    return 0.5 * (s_hi + nx._finite_or_zero(xp, s_err + 2.0 * d_hi * d_lo))


def magnitude_minus(xp, d_hi, d_lo, c):
    """|d| - c for c >= 0, with the difference carried exactly."""
    a_hi = xp.abs(d_hi)
    if d_lo is None:
        return a_hi - c
    a_lo = xp.where(d_hi >= 0, d_lo, -d_lo)
    s, err = nx.two_sum(xp, a_hi, xp.full_like(a_hi, -c))
    return s + (err + a_lo)


