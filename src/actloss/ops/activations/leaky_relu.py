from actloss._registry import OpSpec, Param, TorchModule, register


def forward(xp, x, *, negative_slope):
    return xp.where(x > 0, x, x * negative_slope)


def derivative(xp, x, *, negative_slope):
    d = xp.where(x > 0, xp.ones_like(x), xp.full_like(x, negative_slope))
    return xp.where(xp.isnan(x), x, d)


def reference(x, *, negative_slope):
    return x if x > 0 else x * negative_slope


def reference_derivative(x, *, negative_slope):
    return x ** 0 if x > 0 else x * 0 + negative_slope


SPEC = register(OpSpec(
    name="leaky_relu",
    native=lambda negative_slope: ("leaky_relu", float(negative_slope)),
    kind="activation",
    summary="Leaky ReLU: x for x > 0, negative_slope * x otherwise.",
    forward=forward,
    derivative=derivative,
    reference=reference,
    reference_derivative=reference_derivative,
    params=(Param("negative_slope", 0.01, "real", "slope for x <= 0"),),
    formula=r"\mathrm{leaky\_relu}(x) = x \text{ if } x > 0 \text{ else } a x",
    derivative_formula=r"\mathrm{leaky\_relu}'(x) = 1 \text{ if } x > 0 \text{ else } a",
    kinks="derivative at 0 is negative_slope (as torch).",
    properties=frozenset({"zero_at_zero", "identity_for_positive"}),
    in_input_dtype=True,
    torch_functional="torch.nn.functional.leaky_relu",
    torch_module=TorchModule(
        "LeakyReLU", args=(("negative_slope", 0.01), ("inplace", False)), param_map={"negative_slope": "negative_slope"},
        compat_notes="inplace=True writes the result into the input.",
    ),
    numerics="One multiplication, computed in float64 and rounded once.",
    example=">>> actloss.leaky_relu(np.array([-2.0, 3.0]), negative_slope=0.1)\narray([-0.2,  3. ])",
    references=("Maas, Hannun & Ng, Rectifier Nonlinearities Improve Neural Network Acoustic Models, 2013",),
    param_samples=({'negative_slope': 0.2},),
))
