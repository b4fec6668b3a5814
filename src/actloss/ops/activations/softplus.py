from actloss import _numerics as nx
from actloss._registry import OpSpec, Param, TorchModule, register


def _beta_abs_x(xp, x, beta):
    # beta * |x| as hi + lo: the rounding of the product would cost |beta x| / 2 ULP in exp(-beta |x|).
    return nx.two_prod(xp, xp.abs(x), beta)


def forward(xp, x, *, beta):
    hi, lo = _beta_abs_x(xp, x, beta)
    e = xp.exp(-hi)
    if lo is not None:
        e = e - e * lo  # exp(-(hi + lo)) to first order
    # softplus(x) = max(x, 0) + log1p(exp(-beta |x|)) / beta: no threshold switch, no overflow.
    return xp.maximum(x, xp.zeros_like(x)) + xp.log1p(e) / beta


def derivative(xp, x, *, beta):
    hi, lo = nx.two_prod(xp, x, beta)
    return nx.sigmoid(xp, hi, lo)


def reference(x, *, beta):
    import mpmath as mp

    return mp.log1p(mp.exp(beta * x)) / beta


def reference_derivative(x, *, beta):
    import mpmath as mp

    return 1 / (1 + mp.exp(-beta * x))


SPEC = register(OpSpec(
    name="softplus",
    native=lambda beta: ("softplus", float(beta)),
    kind="activation",
    summary="Softplus, log(1 + exp(beta x)) / beta: a smooth ReLU.",
    forward=forward,
    derivative=derivative,
    reference=reference,
    reference_derivative=reference_derivative,
    params=(Param("beta", 1.0, "positive", "sharpness; softplus tends to relu as beta grows"),),
    formula=r"\mathrm{softplus}(x) = \frac{1}{\beta}\log\left(1 + e^{\beta x}\right)",
    derivative_formula=r"\mathrm{softplus}'(x) = \sigma(\beta x)",
    properties=frozenset({"monotone", "nonnegative", "convex", "lipschitz_1"}),
    torch_functional="torch.nn.functional.softplus",
    torch_module=TorchModule(
        "Softplus", args=(("beta", 1.0), ("threshold", 20.0)), param_map={"beta": "beta"},
        compat_notes=(
            "threshold is accepted for drop-in compatibility and has no effect: the formula is exact everywhere, "
            "so there is no switch to the linear function (the switch is what makes torch's softplus inexact "
            "just above 20)."
        ),
    ),
    numerics=(
        "max(x, 0) + log1p(exp(-beta |x|)) / beta, with beta |x| carried as an exact sum hi + lo. No threshold: "
        "torch returns x for beta x > 20, which is 580,163 ULP off at 20.000000000000004 in float64."
    ),
    example=">>> actloss.softplus(np.array([-1000.0, 0.0, 1000.0]))\narray([0.00000000e+00, 6.93147181e-01, 1.00000000e+03])",
    references=("Dugas et al., Incorporating Second-Order Functional Knowledge for Better Option Pricing, 2001",),
    param_samples=({'beta': 2.5}, {'beta': 0.3}),
))
