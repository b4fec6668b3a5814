from actloss import _numerics as nx
from actloss._losses import REDUCTION, LossSpec
from actloss._registry import Param, TorchModule, register
from actloss.ops.activations.log_sigmoid import forward as log_sigmoid


def _parts(xp, x, y, gamma):
    """ce, log(1 - p_t), and log(sigmoid(x) sigmoid(-x) / (1 - p_t)), all in log space."""
    ce = xp.where(y == 0, xp.zeros_like(x), y * nx.log1p_exp(xp, -x)) + xp.where(
        y == 1, xp.zeros_like(x), (1.0 - y) * nx.log1p_exp(xp, x)
    )
    lsx, lsnx = log_sigmoid(xp, x), log_sigmoid(xp, -x)
    # 1 - p_t = y sigmoid(-x) + (1 - y) sigmoid(x), never 1 - p_t: exact as p_t -> 1
    log_m = xp.logaddexp(xp.log(y) + lsnx, xp.log1p(-y) + lsx)
    log_r = xp.where(y == 1, lsx, xp.where(y == 0, lsnx, lsx + lsnx - log_m))
    return ce, log_m, log_r


def _alpha_t(xp, y, alpha):
    if alpha is None or alpha < 0:
        return None
    return alpha * y + (1.0 - alpha) * (1.0 - y)


def loss(xp, x, y, pw, *, alpha, gamma):
    ce, log_m, _ = _parts(xp, x, y, gamma)
    out = ce if gamma == 0 else ce * xp.exp(gamma * log_m)
    at = _alpha_t(xp, y, alpha)
    return out if at is None else at * out


def grad(xp, x, y, pw, *, alpha, gamma):
    ce, log_m, log_r = _parts(xp, x, y, gamma)
    dce = (1.0 - y) * nx.sigmoid(xp, x) - y * nx.sigmoid(xp, -x)
    if gamma == 0:
        d = dce
    else:
        # (1 - p_t)^gamma dce + gamma ce (1 - 2y) sigmoid(x) sigmoid(-x) (1 - p_t)^(gamma - 1), the last factor
        # as exp(log_r + gamma log_m): finite for every gamma > 0, including gamma < 1 at p_t -> 1.
        e = xp.exp(log_r + gamma * log_m)
        second = xp.where(e == 0, xp.zeros_like(e), gamma * ce * (1.0 - 2.0 * y) * e)
        d = xp.exp(gamma * log_m) * dce + second
    at = _alpha_t(xp, y, alpha)
    return d if at is None else at * d


def _ref_terms(x, y, alpha, gamma):
    import mpmath as mp

    s, sn = 1 / (1 + mp.exp(-x)), 1 / (1 + mp.exp(x))
    ce = (y * mp.log1p(mp.exp(-x)) if y else 0) + ((1 - y) * mp.log1p(mp.exp(x)) if y != 1 else 0)
    m = y * sn + (1 - y) * s
    at = 1 if alpha is None or alpha < 0 else alpha * y + (1 - alpha) * (1 - y)
    loss = at * ce * (m**gamma if gamma else 1)
    g1 = at * (m**gamma if gamma else 1) * ((1 - y) * s - y * sn)
    g2 = at * gamma * ce * (1 - 2 * y) * s * sn * m ** (gamma - 1) if gamma and m else 0
    return loss, g1, g2


SPEC = register(LossSpec(
    name="sigmoid_focal_loss",
    summary="Sigmoid focal loss (torchvision's definition), computed in log space.",
    formula=r"\ell = \alpha_t\,\mathrm{BCE}(x, y)\,(1 - p_t)^\gamma,\ p_t = p y + (1 - p)(1 - y),\ p = \sigma(x)",
    derivative_formula=(
        r"\partial\ell/\partial x = \alpha_t\left[(1 - p_t)^\gamma(\sigma(x) - y) + "
        r"\gamma\,\mathrm{BCE}\,(1 - 2y)\,\sigma(x)\sigma(-x)(1 - p_t)^{\gamma - 1}\right]"
    ),
    structure="pointwise",
    target="unit",
    loss=loss,
    grad=grad,
    reference=lambda x, y, *, alpha, gamma: _ref_terms(x, y, alpha, gamma)[0],
    reference_grad=lambda x, y, *, alpha, gamma: sum(_ref_terms(x, y, alpha, gamma)[1:]),
    deriv_scale=lambda x, y, *, alpha, gamma: max(abs(t) for t in _ref_terms(x, y, alpha, gamma)[1:]),
    params=(
        REDUCTION,
        Param("alpha", 0.25, "real", "weight of the positive class; None or negative disables alpha weighting", optional=True),
        Param("gamma", 2.0, "nonnegative", "focusing exponent; 0 gives (alpha-weighted) BCE"),
    ),
    properties=frozenset({"loss_nonnegative", "reduction_permutation_invariant"}),
    torch_functional="torchvision.ops.sigmoid_focal_loss",
    torch_module=TorchModule("SigmoidFocalLoss", args=(("alpha", 0.25), ("gamma", 2.0), ("reduction", "mean")),
                             param_map={"alpha": "alpha", "gamma": "gamma", "reduction": "reduction"}, in_torch=False),
    numerics=(
        "log(1 - p_t) = logaddexp(log y + log sigmoid(-x), log(1 - y) + log sigmoid(x)), never 1 - p_t; the "
        "gradient's (1 - p_t)^(gamma - 1) factor is folded into exp(...) with sigmoid(x) sigmoid(-x), so it is "
        "finite for every gamma >= 0 (torchvision, kornia, smp and Keras give NaN gradients for gamma < 1 at "
        "p_t -> 1). Default reduction is 'mean' (torchvision's is 'none')."
    ),
    example=(
        ">>> actloss.sigmoid_focal_loss(np.array([-3.0, 3.0]), np.array([0.0, 1.0]), reduction='none')\n"
        "array([1.54437935e-05, 5.14793115e-06])"
    ),
    references=("Lin et al., Focal Loss for Dense Object Detection, 2017",),
    param_samples=({"gamma": 0.5}, {"gamma": 0.0, "alpha": None}, {"gamma": 5.0, "alpha": 0.75}),
))
