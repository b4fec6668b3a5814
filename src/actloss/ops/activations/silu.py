from actloss._registry import OpSpec, TorchModule, register
from actloss.ops.activations.swish import (
    swish_derivative,
    swish_deriv_scale,
    swish_forward,
    swish_reference,
    swish_reference_derivative,
)

SPEC = register(OpSpec(
    name="silu",
    native=lambda: ("swish", 1.0),
    kind="activation",
    summary="SiLU (swish with beta = 1), x * sigmoid(x).",
    forward=lambda xp, x: swish_forward(xp, x, 1.0),
    derivative=lambda xp, x: swish_derivative(xp, x, 1.0),
    reference=lambda x: swish_reference(x, 1),
    reference_derivative=lambda x: swish_reference_derivative(x, 1),
    deriv_scale=lambda x: swish_deriv_scale(x, 1),
    formula=r"\mathrm{silu}(x) = x\,\sigma(x)",
    derivative_formula=r"\mathrm{silu}'(x) = \sigma(x)\left(1 + x\,\sigma(-x)\right)",
    properties=frozenset({"zero_at_zero"}),
    torch_functional="torch.nn.functional.silu",
    torch_module=TorchModule("SiLU", args=(("inplace", False),), compat_notes="inplace=True writes the result into the input."),
    numerics="x sigmoid(x) with the stable sigmoid; derivative near its zero at -1.2785 bounded by the largest term.",
    example=">>> actloss.silu(np.array([-1.0, 0.0, 1.0]))\narray([-0.26894142,  0.        ,  0.73105858])",
    references=("Elfwing, Uchibe & Doya, Sigmoid-Weighted Linear Units, 2017",),
    aliases=(),
))
