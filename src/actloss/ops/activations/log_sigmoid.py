from actloss import _numerics as nx
from actloss._registry import OpSpec, TorchModule, register


def forward(xp, x):
    # log sigmoid(x) = min(x, 0) - log1p(exp(-|x|)): both terms <= 0, no cancellation, no overflow.
    return xp.minimum(x, xp.zeros_like(x)) - xp.log1p(xp.exp(-xp.abs(x)))


def derivative(xp, x):
    return nx.sigmoid(xp, -x)


def reference(x):
    import mpmath as mp

    return -mp.log1p(mp.exp(-x))


def reference_derivative(x):
    import mpmath as mp

    return 1 / (1 + mp.exp(x))


SPEC = register(OpSpec(
    name="log_sigmoid",
    native=lambda: ("log_sigmoid", 0.0),
    kind="activation",
    summary="log(sigmoid(x)), computed without forming sigmoid(x).",
    forward=forward,
    derivative=derivative,
    reference=reference,
    reference_derivative=reference_derivative,
    formula=r"\log\sigma(x) = -\log\left(1 + e^{-x}\right)",
    derivative_formula=r"(\log\sigma)'(x) = \sigma(-x)",
    properties=frozenset({"monotone", "nonpositive", "lipschitz_1"}),
    torch_functional="torch.nn.functional.logsigmoid",
    torch_module=TorchModule("LogSigmoid"),
    numerics="min(x, 0) - log1p(exp(-|x|)): exact for every x; log(sigmoid(x)) is -inf below x = -745 in float64.",
    example=">>> actloss.log_sigmoid(np.array([-1000.0, 0.0]))\narray([-1.00000000e+03, -6.93147181e-01])",
))
