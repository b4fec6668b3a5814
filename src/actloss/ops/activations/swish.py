from actloss import _numerics as nx
from actloss._registry import OpSpec, Param, TorchModule, register

_SATURATED = 1.0e4  # |beta x| beyond which the derivative is exactly 0 or 1 in every dtype


def swish_forward(xp, x, beta):
    if not nx.compensating():  # a wider compute dtype than the input: the plain stable form suffices
        y = x * nx.sigmoid(xp, x * beta)
        return xp.where(x == -float("inf"), xp.zeros_like(x), y)
    hi, lo = nx.two_prod(xp, x, beta)
    y = nx.sigmoid_mul(xp, hi, lo, x)
    return xp.where(x == -float("inf"), xp.zeros_like(x), y)  # the limit, not -inf * 0


def swish_derivative(xp, x, beta):
    # d/dx x sigmoid(z) with z = beta x is sigmoid(z) (1 + z sigmoid(-z)): a function of z alone.
    hi, lo = nx.two_prod(xp, x, beta)
    hi = nx.clip_abs(xp, hi, _SATURATED)
    if lo is None:  # one exp for both sigmoids
        s, sn = nx.sigmoid_pair(xp, hi)
        return s * xp.where(hi < 0, (1.0 + hi) - hi * s, 1.0 + hi * sn)
    # 1 + z sigmoid(-z); for z < 0 as (1 + z) - z sigmoid(z): sigmoid(-z) = 1 - sigmoid(z) would round there
    one_plus_z = 1.0 + hi if lo is None else (1.0 + hi) + lo
    f = xp.where(hi < 0, one_plus_z - hi * nx.sigmoid(xp, hi, lo), 1.0 + hi * nx.sigmoid(xp, -hi, nx.neg(lo)))
    return nx.sigmoid_mul(xp, hi, lo, f)


def swish_reference(x, beta):
    import mpmath as mp

    return x / (1 + mp.exp(-beta * x))


def swish_reference_derivative(x, beta):
    import mpmath as mp

    s = 1 / (1 + mp.exp(-beta * x))
    sn = 1 / (1 + mp.exp(beta * x))
    return s * (1 + beta * x * sn)


def swish_deriv_scale(x, beta):
    import mpmath as mp

    s = 1 / (1 + mp.exp(-beta * x))
    sn = 1 / (1 + mp.exp(beta * x))
    return max(abs(s), abs(beta * x * s * sn))


def forward(xp, x, *, beta):
    return swish_forward(xp, x, beta)


def derivative(xp, x, *, beta):
    return swish_derivative(xp, x, beta)


SPEC = register(OpSpec(
    name="swish",
    native=lambda beta: ("swish", float(beta)),
    kind="activation",
    summary="Swish, x * sigmoid(beta x); silu is beta = 1.",
    forward=forward,
    derivative=derivative,
    reference=lambda x, *, beta: swish_reference(x, beta),
    reference_derivative=lambda x, *, beta: swish_reference_derivative(x, beta),
    deriv_scale=lambda x, *, beta: swish_deriv_scale(x, beta),
    params=(Param("beta", 1.0, "positive", "sharpness of the gate"),),
    formula=r"\mathrm{swish}(x) = x\,\sigma(\beta x)",
    derivative_formula=r"\mathrm{swish}'(x) = \sigma(\beta x)\left(1 + \beta x\,\sigma(-\beta x)\right)",
    properties=frozenset({"zero_at_zero"}),
    torch_functional="",
    torch_module=TorchModule("Swish", args=(("beta", 1.0),), param_map={"beta": "beta"}, in_torch=False),
    numerics=(
        "beta x is carried as an exact sum hi + lo into the sigmoid; the derivative uses sigmoid(-z) rather than "
        "1 - sigmoid(z). Near the derivative's zero at beta x = -1.2785 its error is bounded by the largest term."
    ),
    example=">>> actloss.swish(np.array([-1.0, 0.0, 1.0]), beta=2.0)\narray([-0.11920292,  0.        ,  0.88079708])",
    references=("Ramachandran, Zoph & Le, Searching for Activation Functions, 2017",),
    param_samples=({'beta': 1.7},),
))
