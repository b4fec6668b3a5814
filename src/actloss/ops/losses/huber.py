from actloss._losses import REDUCTION, LossSpec
from actloss._registry import Param, TorchModule, register
from actloss.ops.losses._common import diff, half_square, magnitude_minus


def loss(xp, x, y, pw, *, delta):
    d_hi, d_lo = diff(xp, x, y)
    quad = half_square(xp, d_hi, d_lo)
    lin = delta * magnitude_minus(xp, d_hi, d_lo, 0.5 * delta)
    return xp.where(xp.abs(d_hi) < delta, quad, lin)


def grad(xp, x, y, pw, *, delta):
    d_hi, _ = diff(xp, x, y)
    return xp.clip(d_hi, -delta, delta)


def target_grad(xp, x, y, pw, *, delta):
    return -grad(xp, x, y, pw, delta=delta)


def _ref(x, y, *, delta):
    d = abs(x - y)
    return d * d / 2 if d < delta else delta * (d - delta / 2)


def _ref_grad(x, y, *, delta):
    d = x - y
    return max(min(d, delta), -delta)


SPEC = register(LossSpec(
    name="huber_loss",
    summary="Huber loss: quadratic for |input - target| < delta, linear beyond.",
    formula=r"\ell = \tfrac12 d^2 \text{ if } |d| < \delta \text{ else } \delta\,(|d| - \tfrac12\delta),\ d = x - y",
    derivative_formula=r"\partial\ell/\partial x = \operatorname{clip}(d, -\delta, \delta)",
    structure="pointwise",
    target="real",
    loss=loss,
    grad=grad,
    target_grad=target_grad,
    reference=_ref,
    reference_grad=_ref_grad,
    params=(REDUCTION, Param("delta", 1.0, "positive", "where the loss turns from quadratic to linear")),
    arrays=("weight",),
    weighted_mean=False,  # torch 2.13: huber_loss(weight=) 'mean' divides by numel, mse/l1 by sum(weight)
    properties=frozenset({"loss_nonnegative", "zero_at_target", "reduction_permutation_invariant"}),
    torch_functional="torch.nn.functional.huber_loss",
    torch_module=TorchModule("HuberLoss", args=(("reduction", "mean"), ("delta", 1.0)),
                             param_map={"reduction": "reduction", "delta": "delta"}),
    numerics="x - y carried exactly; |d| - delta/2 with an exact sum; one rounding in each branch.",
    example=">>> actloss.huber_loss(np.array([0.5, 3.0]), np.array([0.0, 0.0]))\narray(1.3125)",
    references=("Huber, Robust Estimation of a Location Parameter, 1964",),
    param_samples=({"delta": 0.3},),
))
