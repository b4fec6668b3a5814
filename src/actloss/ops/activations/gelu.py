from actloss import _numerics as nx
from actloss._registry import OpSpec, Param, TorchModule, register
from actloss._xp import erfc

_SATURATED = 1.0e4  # |x| beyond which gelu'(x) is exactly 0 or 1 in every dtype


def _erfc_neg_x_over_sqrt2(xp, x):
    """erfc(-x / sqrt(2)) with the rounding error of x / sqrt(2) carried to first order, as
    (value, value * 2^64 in the right tail, mask of the right tail): see _numerics.erfc_parts.

    A rounded argument u costs 2 u^2 relative ULP in erfc(u): about 1,350 ULP at x = -37 in float64.
    """
    hi, lo = nx.mul_const(xp, -x, "1/sqrt(2)")
    return nx.erfc_parts(xp, hi, lo)


def _tanh_arg(xp, x):
    """2u = 2 sqrt(2/pi) (x + 0.044715 x^3) as an unevaluated sum hi + lo (double-word arithmetic)."""
    if not nx.compensating():
        k_hi, _ = nx.const("0.044715", nx.is_f64(x))
        s_hi, _ = nx.const("sqrt(2/pi)", nx.is_f64(x))
        return (2.0 * s_hi) * (x + k_hi * (x * x * x)), None
    q_hi, q_lo = nx.two_prod(xp, x, x)
    c_hi, c_err = nx.two_prod(xp, q_hi, x)
    c_lo = c_err + q_lo * x  # x^3 = c_hi + c_lo
    k_hi, k_lo = nx.const("0.044715", nx.is_f64(x))
    a_hi, a_err = nx.two_prod(xp, c_hi, k_hi)
    a_lo = a_err + c_hi * k_lo + c_lo * k_hi  # 0.044715 x^3
    i_hi, i_err = nx.two_sum(xp, x, a_hi)
    i_lo = nx._finite_or_zero(xp, i_err + a_lo)  # x + 0.044715 x^3
    s_hi, s_lo = nx.const("sqrt(2/pi)", nx.is_f64(x))
    u_hi, u_err = nx.two_prod(xp, i_hi, s_hi)
    u_lo = nx._finite_or_zero(xp, u_err + i_hi * s_lo + i_lo * s_hi)
    return 2.0 * u_hi, 2.0 * u_lo


def _plain(xp, x):
    """Uncompensated pieces for inputs narrower than the compute dtype: erfc(-x/sqrt 2) and exp(-x^2/2)/sqrt(2 pi)
    in float64 are ~1e-13 relative at worst there, far below a float32 ULP."""
    c, _ = nx.const("1/sqrt(2)", nx.is_f64(x))
    r, _ = nx.const("1/sqrt(2*pi)", nx.is_f64(x))
    return erfc(xp, -x * c), xp.exp(-0.5 * (x * x)) * r


def forward(xp, x, *, approximate):
    if approximate == "none" and not nx.compensating():
        y = (0.5 * x) * _plain(xp, x)[0]
        return xp.where(x == -float("inf"), xp.zeros_like(x), y)
    if approximate == "tanh":
        # 0.5 x (1 + tanh(u)) = x sigmoid(2u): no cancellation in 1 + tanh(u) for negative x.
        z_hi, z_lo = _tanh_arg(xp, x)
        y = nx.sigmoid_mul(xp, z_hi, z_lo, x)
    else:
        # 0.5 x erfc(-x / sqrt(2)), never 0.5 x (1 + erf(x / sqrt(2))), which is 0 below x = -5.9 in float32.
        near, tail, big = _erfc_neg_x_over_sqrt2(xp, x)
        y = xp.where(big, ((0.5 * x) * tail) * nx.UNSCALE, (0.5 * x) * near)
    return xp.where(x == -float("inf"), xp.zeros_like(x), y)  # the limit, not -inf * 0


def derivative(xp, x, *, approximate):
    x = nx.clip_abs(xp, x, _SATURATED)
    if approximate == "none" and not nx.compensating():
        e, phi = _plain(xp, x)
        return 0.5 * e + x * phi
    if approximate == "tanh" and not nx.compensating():
        z, _ = _tanh_arg(xp, x)
        c1, _ = nx.const("sqrt(2/pi)", nx.is_f64(x))
        c3, _ = nx.const("2*sqrt(2/pi)*0.134145", nx.is_f64(x))
        s, sn = nx.sigmoid_pair(xp, z)
        return s * (1.0 + x * sn * (2.0 * c1 + c3 * (x * x)))
    if approximate == "tanh":
        return _tanh_derivative_compensated(xp, x)
    # Phi(x) + x phi(x), with exp(-x^2 / 2) evaluated at the exact square x^2 = q_hi + q_lo.
    # Both terms are scaled by 2^64 in the left tail (see _numerics.UNSCALE).
    q_hi, q_lo = nx.two_prod(xp, x, x)
    g = nx.exp_scaled(xp, -0.5 * q_hi, None if q_lo is None else -0.5 * q_lo)  # exp(-x^2 / 2) * 2^64
    r_hi, _ = nx.const("1/sqrt(2*pi)", nx.is_f64(x))
    near, tail, big = _erfc_neg_x_over_sqrt2(xp, x)
    phi_x = x * (g * r_hi)
    return xp.where(big, (0.5 * tail + phi_x) * nx.UNSCALE, 0.5 * near + phi_x * nx.UNSCALE)


def _tanh_derivative_compensated(xp, x):
    """sigmoid(z) (1 + x sigmoid(-z) z') over one denominator, with e = exp(-|z|) (z = 2u in two words):

        z < 0:  e ((1 + e) + x z') / (1 + e)^2        z >= 0:  r (1 + x z' e r),  r = 1 / (1 + e)

    z' = 2 sqrt(2/pi) (1 + 0.134145 x^2), x z' and 1 + e are carried in two words, so that the sum that cancels
    for x < 0 (near the zero at x = -0.7517 and, partially, everywhere left of it) is rounded once. The left tail
    is scaled by 2^64 (see _numerics.UNSCALE)."""
    z_hi, z_lo = _tanh_arg(xp, x)
    neg = z_hi < 0
    a_lo = None if z_lo is None else xp.where(neg, z_lo, -z_lo)  # -|z| = -|z_hi| + a_lo
    big_e = nx.exp_scaled(xp, -xp.abs(z_hi), a_lo)  # exp(-|z|) * 2^64
    e = big_e * nx.UNSCALE
    q_hi, q_lo = nx.two_prod(xp, x, x)
    k_hi, k_lo = nx.const("2*sqrt(2/pi)*0.134145", True)
    p_hi, p_err = nx.two_prod(xp, q_hi, k_hi)
    p_lo = p_err + q_lo * k_hi + q_hi * k_lo  # 2 sqrt(2/pi) 0.134145 x^2
    c_hi, c_lo = nx.const("sqrt(2/pi)", True)
    d_hi, d_err = nx.two_sum(xp, xp.full_like(x, 2.0 * c_hi), p_hi)
    d_lo = d_err + p_lo + 2.0 * c_lo  # z'
    m_hi, m_err = nx.two_prod(xp, x, d_hi)
    m_lo = m_err + x * d_lo  # x z'
    o_hi, o_lo = nx.two_sum(xp, xp.ones_like(x), e)  # 1 + e
    n_hi, n_err = nx.two_sum(xp, o_hi, m_hi)
    num_neg = n_hi + ((n_err + o_lo) + m_lo)
    den, den_err = nx.two_prod(xp, o_hi, o_hi)
    den_lo = den_err + 2.0 * (o_hi * o_lo)  # (1 + e)^2 = den + den_lo
    t = num_neg / den
    t = t - t * (den_lo / den)
    r0 = 1.0 / o_hi
    r = r0 - (r0 * r0) * o_lo  # 1 / (1 + e)
    pos = r + r * ((m_hi * e) * r)  # r (1 + x z' e r): the second term is at most 0.3 of the first
    return xp.where(neg, (big_e * t) * nx.UNSCALE, pos)


def _erfc_ref(z):
    """mpmath erfc, with its asymptotic series where mpmath's own series overflows (|z| > 1e4, where
    erfc(z) = 2 to 160 bits for z < 0 and is below every dtype's smallest subnormal for z > 0)."""
    import mpmath as mp

    if z < -1e4:
        return mp.mpf(2)
    if z > 1e4:
        return mp.exp(-z * z) / (z * mp.sqrt(mp.pi)) * (1 - 1 / (2 * z * z))
    return mp.erfc(z)


def reference(x, *, approximate):
    import mpmath as mp

    if approximate == "tanh":
        z = 2 * mp.sqrt(2 / mp.pi) * (x + mp.mpf("0.044715") * x**3)
        return x / (1 + mp.exp(-z))
    return x / 2 * _erfc_ref(-x / mp.sqrt(2))


def _terms(x, approximate):
    import mpmath as mp

    if approximate == "tanh":
        z = 2 * mp.sqrt(2 / mp.pi) * (x + mp.mpf("0.044715") * x**3)
        dz = 2 * mp.sqrt(2 / mp.pi) * (1 + 3 * mp.mpf("0.044715") * x**2)
        s, sn = 1 / (1 + mp.exp(-z)), 1 / (1 + mp.exp(z))
        return s, x * s * sn * dz
    return _erfc_ref(-x / mp.sqrt(2)) / 2, x * mp.npdf(x)


def reference_derivative(x, *, approximate):
    a, b = _terms(x, approximate)
    return a + b


def deriv_scale(x, *, approximate):
    a, b = _terms(x, approximate)
    return max(abs(a), abs(b))


SPEC = register(OpSpec(
    name="gelu",
    native=lambda approximate: ("gelu" if approximate == "none" else "gelu_tanh", 0.0),
    kind="activation",
    summary="Gaussian error linear unit, x Phi(x) (exact) or its tanh approximation.",
    forward=forward,
    derivative=derivative,
    reference=reference,
    reference_derivative=reference_derivative,
    deriv_scale=deriv_scale,
    params=(Param("approximate", "none", "choice", "'none' for x Phi(x), 'tanh' for the tanh approximation",
                  choices=("none", "tanh")),),
    formula=(
        r"\mathrm{gelu}(x) = x\,\Phi(x) = \tfrac{x}{2}\operatorname{erfc}\left(-\tfrac{x}{\sqrt 2}\right)"
        r"\quad\text{or}\quad x\,\sigma\left(2\sqrt{2/\pi}\,(x + 0.044715\,x^3)\right)"
    ),
    derivative_formula=(
        r"\mathrm{gelu}'(x) = \Phi(x) + x\,\varphi(x)\quad\text{or}\quad"
        r"\sigma(z)\left(1 + x\,\sigma(-z)\,z'\right),\ z = 2\sqrt{2/\pi}(x + 0.044715x^3)"
    ),
    properties=frozenset({"zero_at_zero"}),
    torch_functional="torch.nn.functional.gelu",
    torch_module=TorchModule("GELU", args=(("approximate", "none"),), param_map={"approximate": "approximate"}),
    numerics=(
        "Exact: erfc(-x/sqrt 2) with the rounding error of x/sqrt 2 carried to first order (torch's float32 GELU is "
        "off by up to 8.7e8 ULP in the left tail; torch returns -0.0 at x = -5.51 in float32). In float64, erfc(u) "
        "= exp(-u^2) erfcx(u) with u^2 exact and actloss's own erfcx (a table of Taylor polynomials generated with "
        "mpmath, ~0.6 ULP; SciPy's and torch's erfcx are up to 7 ULP off). tanh form: x sigmoid(2u) with 2u "
        "computed in double-word arithmetic, never 1 + tanh(u); its derivative over one denominator (1 + e)^2. "
        "Derivative near its zero at -0.7518 bounded by the largest term."
    ),
    example=">>> actloss.gelu(np.array([-1.0, 0.0, 1.0]))\narray([-0.15865525,  0.        ,  0.84134475])",
    references=("Hendrycks & Gimpel, Gaussian Error Linear Units (GELUs), 2016",),
    needs=frozenset({"erfc"}),
    param_samples=({'approximate': 'tanh'},),
))
