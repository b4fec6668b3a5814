from actloss._losses import REDUCTION, LossSpec
from actloss._registry import TorchModule, register
from actloss.ops.losses._common import diff, half_square


def loss(xp, x, y, pw):
    d_hi, d_lo = diff(xp, x, y)
    return 2.0 * half_square(xp, d_hi, d_lo)


def grad(xp, x, y, pw):
    d_hi, d_lo = diff(xp, x, y)
    return 2.0 * d_hi if d_lo is None else 2.0 * d_hi + 2.0 * d_lo


def target_grad(xp, x, y, pw):
    return -grad(xp, x, y, pw)


SPEC = register(LossSpec(
    name="mse_loss",
    summary="Mean squared error, (input - target)^2.",
    formula=r"\ell(x, y) = (x - y)^2",
    derivative_formula=r"\partial\ell/\partial x = 2 (x - y)",
    structure="pointwise",
    target="real",
    loss=loss,
    grad=grad,
    target_grad=target_grad,
    reference=lambda x, y: (x - y) ** 2,
    reference_grad=lambda x, y: 2 * (x - y),
    params=(REDUCTION,),
    arrays=("weight",),
    weighted_mean=True,
    properties=frozenset({"loss_nonnegative", "zero_at_target", "reduction_permutation_invariant"}),
    torch_functional="torch.nn.functional.mse_loss",
    torch_module=TorchModule("MSELoss", args=(("size_average", None), ("reduce", None), ("reduction", "mean")),
                             param_map={"reduction": "reduction"}),
    numerics="x - y is carried as an exact sum and squared with one rounding; reductions accumulate in float64.",
    example=">>> actloss.mse_loss(np.array([1.0, 2.0]), np.array([0.0, 0.0]))\narray(2.5)",
))
