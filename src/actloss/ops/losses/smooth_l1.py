from actloss._losses import REDUCTION, LossSpec
from actloss._registry import Param, TorchModule, register
from actloss.ops.losses._common import diff, half_square, magnitude_minus


def loss(xp, x, y, pw, *, beta):
    d_hi, d_lo = diff(xp, x, y)
    return xp.where(xp.abs(d_hi) < beta, half_square(xp, d_hi, d_lo) / beta, magnitude_minus(xp, d_hi, d_lo, 0.5 * beta))


def grad(xp, x, y, pw, *, beta):
    d_hi, _ = diff(xp, x, y)
    return xp.clip(d_hi / beta, -1.0, 1.0)


def target_grad(xp, x, y, pw, *, beta):
    return -grad(xp, x, y, pw, beta=beta)


def _ref(x, y, *, beta):
    d = abs(x - y)
    return d * d / (2 * beta) if d < beta else d - beta / 2


def _ref_grad(x, y, *, beta):
    return max(min((x - y) / beta, 1), -1)


SPEC = register(LossSpec(
    name="smooth_l1_loss",
    summary="Smooth L1 loss: Huber divided by beta (quadratic below beta, |d| - beta/2 above).",
    formula=r"\ell = \tfrac{d^2}{2\beta} \text{ if } |d| < \beta \text{ else } |d| - \tfrac12\beta,\ d = x - y",
    derivative_formula=r"\partial\ell/\partial x = \operatorname{clip}(d/\beta, -1, 1)",
    structure="pointwise",
    target="real",
    loss=loss,
    grad=grad,
    target_grad=target_grad,
    reference=_ref,
    reference_grad=_ref_grad,
    params=(REDUCTION, Param("beta", 1.0, "positive", "where the loss turns from quadratic to linear (> 0; use l1_loss for 0)")),
    properties=frozenset({"loss_nonnegative", "zero_at_target", "reduction_permutation_invariant"}),
    torch_functional="torch.nn.functional.smooth_l1_loss",
    torch_module=TorchModule("SmoothL1Loss", args=(("size_average", None), ("reduce", None), ("reduction", "mean"), ("beta", 1.0)),
                             param_map={"reduction": "reduction", "beta": "beta"}),
    numerics="As huber_loss, divided by beta; beta = 0 is rejected (torch falls back to L1): call l1_loss.",
    example=">>> actloss.smooth_l1_loss(np.array([0.5, 3.0]), np.array([0.0, 0.0]))\narray(1.3125)",
    references=("Girshick, Fast R-CNN, 2015",),
    param_samples=({"beta": 2.5},),
))
