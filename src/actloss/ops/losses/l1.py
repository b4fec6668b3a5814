from actloss._losses import REDUCTION, LossSpec
from actloss._registry import TorchModule, register
from actloss.ops.losses._common import diff


def loss(xp, x, y, pw):
    d_hi, _ = diff(xp, x, y)
    return xp.abs(d_hi)  # the correctly rounded |x - y|


def grad(xp, x, y, pw):
    d_hi, _ = diff(xp, x, y)
    return xp.sign(d_hi)  # sign(0) = 0, as torch


def target_grad(xp, x, y, pw):
    return -grad(xp, x, y, pw)


def _ref_grad(x, y):
    return (x - y) * 0 + (1 if x > y else (-1 if x < y else 0))


SPEC = register(LossSpec(
    name="l1_loss",
    summary="Mean absolute error, |input - target|.",
    formula=r"\ell(x, y) = |x - y|",
    derivative_formula=r"\partial\ell/\partial x = \operatorname{sign}(x - y)",
    kinks="the derivative at x = y is 0 (as torch).",
    structure="pointwise",
    target="real",
    loss=loss,
    grad=grad,
    target_grad=target_grad,
    reference=lambda x, y: abs(x - y),
    reference_grad=_ref_grad,
    params=(REDUCTION,),
    arrays=("weight",),
    weighted_mean=True,
    properties=frozenset({"loss_nonnegative", "zero_at_target", "reduction_permutation_invariant"}),
    torch_functional="torch.nn.functional.l1_loss",
    torch_module=TorchModule("L1Loss", args=(("size_average", None), ("reduce", None), ("reduction", "mean")),
                             param_map={"reduction": "reduction"}),
    numerics="|x - y| correctly rounded; sign(0) = 0.",
    example=">>> actloss.l1_loss(np.array([1.0, -2.0]), np.array([0.0, 0.0]))\narray(1.5)",
    aliases=("mae_loss",),
))
