from actloss import _numerics as nx
from actloss._registry import OpSpec, TorchModule, register

_SATURATED = 1.0e4


def _tanh_softplus(xp, x):
    """tanh(softplus(x)) as a rational function of e = exp(-|x|), with no cancellation on either side.

    Returns (t for x >= 0, t * 2^64 for x < 0, e, e * 2^64): the left branch is scaled (see _numerics.UNSCALE).
    """
    big_e = nx.exp_scaled(xp, -xp.abs(x))
    e = big_e * nx.UNSCALE
    e2 = e * e
    pos = 1.0 - (2.0 * e2) / (1.0 + 2.0 * e + 2.0 * e2)  # x >= 0: 1 - 2e^2 / (1 + 2e + 2e^2)
    # x < 0: n / (n + 2), n = e^x (e^x + 2), written as e - e t with t = e (1 + e) / 2 / (1 + e (1 + e / 2))
    # <= 0.4: the error of e plus one rounding (the plain quotient cost up to 4.1 ULP in float64 near x = -28)
    t = (0.5 * e * (1.0 + e)) / (1.0 + e * (1.0 + 0.5 * e))
    neg_scaled = big_e - big_e * t
    return pos, neg_scaled, e, big_e


def forward(xp, x):
    pos, neg_scaled, _, _ = _tanh_softplus(xp, x)
    y = xp.where(x >= 0, x * pos, (x * neg_scaled) * nx.UNSCALE)
    return xp.where(x == -float("inf"), xp.zeros_like(x), y)


def derivative(xp, x):
    x = nx.clip_abs(xp, x, _SATURATED)
    pos, neg_scaled, e, big_e = _tanh_softplus(xp, x)
    # sech^2(softplus(x)) * sigmoid(x) in the same variable e:
    d_pos = 1.0 + 2.0 * e + 2.0 * e * e
    g_pos = 4.0 * (1.0 + e) * (e * e) / (d_pos * d_pos)
    # x < 0: tanh(sp) + x sech^2(sp) sigmoid(x) over one denominator,
    # e [(1 + x) + e (1.5 + x) + (e + e^2 / 4) e] / (1 + q)^2 with q = e (1 + e / 2), i.e. (e^2 + 2e + 2)^2 / 4
    # written as 1 + q (2 + q): no cancellation between two separately rounded terms in the left tail (the
    # sum form lost up to 4.4 ULP in float64 at x in [-20, -6], where x sech^2 sigmoid is ~|x| tanh(sp))
    q = e * (1.0 + 0.5 * e)
    bracket = (1.0 + x) + e * (1.5 + x) + (e + 0.25 * (e * e)) * e
    return xp.where(x >= 0, pos + x * g_pos, ((big_e * bracket) / (1.0 + q * (2.0 + q))) * nx.UNSCALE)


def _terms(x):
    import mpmath as mp

    sp = mp.log1p(mp.exp(x))
    return mp.tanh(sp), x * mp.sech(sp) ** 2 / (1 + mp.exp(-x))


def reference(x):
    import mpmath as mp

    return x * mp.tanh(mp.log1p(mp.exp(x)))


def reference_derivative(x):
    a, b = _terms(x)
    return a + b


def deriv_scale(x):
    a, b = _terms(x)
    return max(abs(a), abs(b))


SPEC = register(OpSpec(
    name="mish",
    native=lambda: ("mish", 0.0),
    kind="activation",
    summary="Mish, x tanh(softplus(x)).",
    forward=forward,
    derivative=derivative,
    reference=reference,
    reference_derivative=reference_derivative,
    deriv_scale=deriv_scale,
    formula=r"\mathrm{mish}(x) = x \tanh(\mathrm{softplus}(x))",
    derivative_formula=(
        r"\mathrm{mish}'(x) = \tanh(\mathrm{softplus}(x)) + x\,\operatorname{sech}^2(\mathrm{softplus}(x))\,\sigma(x)"
    ),
    properties=frozenset({"zero_at_zero"}),
    torch_functional="torch.nn.functional.mish",
    torch_module=TorchModule("Mish", args=(("inplace", False),), compat_notes="inplace=True writes the result into the input."),
    numerics=(
        "tanh(softplus(x)) is written as a rational function of exp(-|x|): 1 - 2e^2/(1 + 2e + 2e^2) for x >= 0 and "
        "n/(n + 2), n = e(e + 2), for x < 0, so neither side cancels or overflows. Derivative near its zero at "
        "-1.19 bounded by the largest term."
    ),
    example=">>> actloss.mish(np.array([-1.0, 0.0, 1.0]))\narray([-0.30340146,  0.        ,  0.86509839])",
    references=("Misra, Mish: A Self Regularized Non-Monotonic Activation Function, 2019",),
))
