from actloss._registry import OpSpec, TorchModule, register


def forward(xp, x):
    # x <= 0 -> 0; NaN fails the comparison and passes through unchanged.
    return xp.where(x <= 0, xp.zeros_like(x), x)


def derivative(xp, x):
    d = xp.where(x > 0, xp.ones_like(x), xp.zeros_like(x))
    return xp.where(xp.isnan(x), x, d)


def reference(x):
    return x if x > 0 else x * 0


def reference_derivative(x):
    return x ** 0 if x > 0 else x * 0


SPEC = register(OpSpec(
    name="relu",
    native=lambda: ("relu", 0.0),
    kind="activation",
    summary="Rectified linear unit, max(x, 0).",
    forward=forward,
    derivative=derivative,
    reference=reference,
    reference_derivative=reference_derivative,
    formula=r"\mathrm{relu}(x) = \max(x, 0)",
    derivative_formula=r"\mathrm{relu}'(x) = 1 \text{ if } x > 0 \text{ else } 0",
    kinks="relu'(0) = 0 (as torch, JAX and Optax); relu(-0.0) = +0.0.",
    properties=frozenset({"monotone", "nonnegative", "convex", "zero_at_zero", "identity_for_positive", "lipschitz_1"}),
    in_input_dtype=True,
    torch_functional="torch.nn.functional.relu",
    torch_module=TorchModule("ReLU", args=(("inplace", False),), compat_notes="inplace=True writes the result into the input."),
    numerics="Exact: a comparison and a select.",
    example=">>> actloss.relu(np.array([-2.0, 0.0, 3.0]))\narray([0., 0., 3.])",
    references=("Nair & Hinton, Rectified Linear Units Improve Restricted Boltzmann Machines, 2010",),
))
