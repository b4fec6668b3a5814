from actloss import _numerics as nx
from actloss._registry import OpSpec, TorchModule, register


def forward(xp, x):
    return nx.sigmoid(xp, x)


def derivative(xp, x):
    return nx.sigmoid_derivative(xp, x)


def reference(x):
    import mpmath as mp

    return 1 / (1 + mp.exp(-x))


def reference_derivative(x):
    import mpmath as mp

    e = mp.exp(-x)
    return e / (1 + e) ** 2


SPEC = register(OpSpec(
    name="sigmoid",
    native=lambda: ("sigmoid", 0.0),
    kind="activation",
    summary="Logistic sigmoid, 1 / (1 + exp(-x)).",
    forward=forward,
    derivative=derivative,
    reference=reference,
    reference_derivative=reference_derivative,
    formula=r"\sigma(x) = \frac{1}{1 + e^{-x}}",
    derivative_formula=r"\sigma'(x) = \sigma(x)\,\sigma(-x) = \frac{e^{-|x|}}{(1 + e^{-|x|})^2}",
    properties=frozenset({"monotone", "bounded_01", "lipschitz_1"}),
    torch_functional="torch.sigmoid",
    torch_module=TorchModule("Sigmoid"),
    numerics=(
        "exp is only taken of -|x|, so it never overflows; sigmoid(-|x|) is e / (1 + e), never 1 - sigmoid(|x|), "
        "so the left tail keeps full relative precision down to the smallest subnormal. The derivative is "
        "e / (1 + e)^2, not s * (1 - s), which is 0 in float32 from x = 16.6 (torch gives 0 there), and never "
        "above its maximum 1/4 (near 0 the product could round one ulp above it)."
    ),
    example=">>> actloss.sigmoid(np.array([-800.0, 0.0, 40.0]))\narray([0. , 0.5, 1. ])",
))
