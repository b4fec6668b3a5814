from actloss import _xp
from actloss._registry import OpSpec, TorchModule, register


def forward(xp, x):
    return _xp.tanh(xp, x)


def derivative(xp, x):
    # sech^2(x) = 4 e / (1 + e)^2 with e = exp(-2|x|): 1 - tanh(x)^2 cancels to 0 long before sech^2 underflows.
    # Near 0 the product can round one ulp above sech^2's maximum, 1 (a quarter of |x| < 1e-15 did); sech^2 rounds
    # to 1 there (|x| < 1e-8 in float64), so the bound is also the correctly rounded value.
    e = xp.exp(-2.0 * xp.abs(x))
    r = 1.0 / (1.0 + e)
    return xp.minimum((4.0 * e) * r * r, 1.0)


def reference(x):
    import mpmath as mp

    return mp.tanh(x)


def reference_derivative(x):
    import mpmath as mp

    return mp.sech(x) ** 2


SPEC = register(OpSpec(
    name="tanh",
    native=lambda: ("tanh", 0.0),
    # np.tanh on float32: a SIMD kernel at ~0.36 ns per element, at most 1.37 ULP over every finite float32 with no
    # flush to zero (scripts/check_numpy_tanh32.py); the double kernel (0.5 ULP) took 2.2x its time
    numpy_float32="tanh",
    kind="activation",
    summary="Hyperbolic tangent.",
    forward=forward,
    derivative=derivative,
    reference=reference,
    reference_derivative=reference_derivative,
    formula=r"\tanh(x) = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}}",
    derivative_formula=r"\tanh'(x) = \operatorname{sech}^2 x = \frac{4 e^{-2|x|}}{(1 + e^{-2|x|})^2}",
    properties=frozenset({"monotone", "bounded_pm1", "odd", "zero_at_zero", "lipschitz_1"}),
    torch_functional="torch.tanh",
    torch_module=TorchModule("Tanh"),
    numerics=(
        "The value is the platform tanh computed in float64 (float32 on JAX without x64). The derivative is "
        "4e/(1+e)^2 with e = exp(-2|x|), exact into the tails, and never above its maximum 1 (near 0 the product "
        "could round one ulp above it); 1 - tanh^2 is 0 in float32 from |x| = 9.02."
    ),
    example=">>> actloss.tanh(np.array([-1.0, 0.0, 1.0]))\narray([-0.76159416,  0.        ,  0.76159416])",
))
