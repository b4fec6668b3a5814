from actloss._registry import OpSpec, Param, TorchModule, register


def forward(xp, x, *, alpha):
    # expm1, not exp - 1: keeps full precision for small |x|.
    return xp.where(x > 0, x, alpha * xp.expm1(x))


def derivative(xp, x, *, alpha):
    # alpha exp(x) directly, not elu(x) + alpha, which cancels as x -> -inf.
    return xp.where(x > 0, xp.ones_like(x), alpha * xp.exp(x))


def reference(x, *, alpha):
    import mpmath as mp

    return x if x > 0 else alpha * mp.expm1(x)


def reference_derivative(x, *, alpha):
    import mpmath as mp

    return x ** 0 if x > 0 else alpha * mp.exp(x)


SPEC = register(OpSpec(
    name="elu",
    native=lambda alpha: ("elu", float(alpha)),
    kind="activation",
    summary="Exponential linear unit: x for x > 0, alpha (exp(x) - 1) otherwise.",
    forward=forward,
    derivative=derivative,
    reference=reference,
    reference_derivative=reference_derivative,
    params=(Param("alpha", 1.0, "real", "the value approached as x -> -inf is -alpha"),),
    formula=r"\mathrm{elu}(x) = x \text{ if } x > 0 \text{ else } \alpha\,(e^{x} - 1)",
    derivative_formula=r"\mathrm{elu}'(x) = 1 \text{ if } x > 0 \text{ else } \alpha e^{x}",
    kinks="elu'(0) = alpha (the left derivative), as torch.",
    properties=frozenset({"zero_at_zero", "identity_for_positive"}),
    torch_functional="torch.nn.functional.elu",
    torch_module=TorchModule(
        "ELU", args=(("alpha", 1.0), ("inplace", False)), param_map={"alpha": "alpha"},
        compat_notes="inplace=True writes the result into the input.",
    ),
    numerics="alpha * expm1(x) for x <= 0; the derivative is alpha * exp(x), never elu(x) + alpha.",
    example=">>> actloss.elu(np.array([-1.0, 2.0]))\narray([-0.63212056,  2.        ])",
    references=("Clevert, Unterthiner & Hochreiter, Fast and Accurate Deep Network Learning by ELUs, 2015",),
    param_samples=({'alpha': 0.5},),
))
