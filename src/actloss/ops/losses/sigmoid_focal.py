from actloss import _dd as dd
from actloss import _numerics as nx
from actloss._losses import REDUCTION, LossSpec
from actloss._registry import Param, TorchModule, register
from actloss._xp import is_f64


def _parts(xp, x, y):
    """ce, 1 - p_t, and sigmoid(x) sigmoid(-x) / (1 - p_t), without ever forming 1 - p_t by subtraction."""
    s, sn = nx.sigmoid(xp, x), nx.sigmoid(xp, -x)
    zero = xp.zeros_like(x)
    ce = xp.where(y == 0, zero, y * nx.log1p_exp(xp, -x)) + xp.where(y == 1, zero, (1.0 - y) * nx.log1p_exp(xp, x))
    # 1 - p_t = y sigmoid(-x) + (1 - y) sigmoid(x): a sum of positive terms, full relative precision
    m = xp.where(y == 1, sn, xp.where(y == 0, s, y * sn + (1.0 - y) * s))
    # sigmoid(x) sigmoid(-x) / (1 - p_t) <= 1; exactly sigmoid(+-x) for hard targets (no 0 / 0 as p_t -> 1)
    ratio = xp.where(y == 1, s, xp.where(y == 0, sn, (s * sn) / m))
    return ce, m, ratio, s, sn


def _alpha_t(xp, y, alpha):
    if alpha is None or alpha < 0:
        return None
    return alpha * y + (1.0 - alpha) * (1.0 - y)


def _alpha_dd(xp, y, alpha):
    """alpha_t = (1 - alpha) + (2 alpha - 1) y as a dd (both constants formed exactly, in Python)."""
    if alpha is None or alpha < 0:
        return None
    c0, c0_lo = dd.two_sum(None, 1.0, -float(alpha))
    c1, c1_lo = dd.two_sum(None, 2.0 * alpha, -1.0)
    p, e = dd.two_prod(xp, y, c1)  # exact (e = 0) where 2 alpha - 1 is a power of two: alpha = 0.25, 0.75
    if c1_lo:
        e = e + y * c1_lo
    s, se = dd.two_sum(xp, c0, p)
    return s, se + (e + c0_lo)


_FMAX = 1.7976931348623157e308
_BIG = 2.0**900  # |x| beyond is carried scaled by 2^-200 (an exact product would overflow the splitter)
_UNBIG = 2.0**200


def _parts_dd(xp, x, y):
    """float64: every piece as a dd, so that (1 - p_t)^gamma amplifies no rounding.

    Returns (a, ce, m, t1, t2, s, sn): a = |x|, ce = w |x| + log1p(e^-|x|) with w = 1 - y for x >= 0, else y,
    m = 1 - p_t = t1 + t2 with t1 = (1 - y) sigmoid(x), t2 = y sigmoid(-x); ce and m carry relative errors below
    2^-56. Where |x| > 2^900, ce is returned times 2^-200 (there log1p(e^-|x|) = 0
    and sigmoid(x) sigmoid(-x) = 0, so only the loss's value needs rescaling), and +-inf stands as the largest
    finite number.
    """
    pos = x >= 0
    a = xp.abs(x)
    e = dd.exp(xp, -xp.minimum(a, 746.0))  # exp(-|x|); 0 from 746 on (NaN stays NaN)
    u = dd.fast_two_sum(xp, 1.0, e[0])
    er = dd.div(xp, e, (u[0], u[1] + e[1]))  # sigmoid(-|x|) = e / (1 + e) <= 1/2
    r = dd.fast_two_sum(xp, 1.0, -er[0])  # sigmoid(|x|) = 1 - sigmoid(-|x|) >= 1/2: no relative error grows
    r = (r[0], r[1] - er[1])
    s = (xp.where(pos, r[0], er[0]), xp.where(pos, r[1], er[1]))
    sn = (xp.where(pos, er[0], r[0]), xp.where(pos, er[1], r[1]))
    omy = dd.fast_two_sum(xp, 1.0, -y)  # 1 - y, exactly
    w = (xp.where(pos, omy[0], y), xp.where(pos, omy[1], xp.zeros_like(y)))
    a_s = xp.where(a > _BIG, xp.minimum(a, _FMAX) / _UNBIG, a)
    ce = dd.add(xp, dd.mul_d(xp, w, a_s), dd.log1p(xp, e))
    t1, t2 = dd.mul(xp, omy, s), dd.mul_d(xp, sn, y)
    return a, ce, dd.add(xp, t1, t2), t1, t2, s, sn


def _loss_dd(xp, x, y, alpha, gamma):
    a, ce, m, _, _, _, _ = _parts_dd(xp, x, y)
    out = ce if gamma == 0 else dd.mul(xp, ce, dd.pow(xp, m, gamma))
    at = _alpha_dd(xp, y, alpha)
    v = dd.value(xp, out if at is None else dd.mul(xp, at, out))
    v = xp.where(a > _BIG, v * _UNBIG, v)
    # +-inf: the limit is +-inf where the loss grows with |x| (w alpha_t > 0), else 0 (p_t -> 1 of a hard target)
    return xp.where(a == float("inf"), xp.where(v == 0, v, v * float("inf")), v)


def _grad_dd(xp, x, y, alpha, gamma):
    _, ce, m, t1, t2, s, sn = _parts_dd(xp, x, y)
    d = dd.add(xp, t1, dd.neg(t2))  # sigmoid(x) - y, to a tiny fraction of an ULP of the larger term
    if gamma != 0:
        # m^gamma [dce + gamma ce (1 - 2y) ratio], ratio = s sn / m (exactly s or sn for hard targets; m = 0 only
        # where s sn = 0 too, at |x| >= 746)
        ratio = dd.div(xp, dd.mul(xp, s, sn), (xp.where(m[0] > 0, m[0], xp.ones_like(m[0])), m[1]))
        g = dd.mul_d(xp, dd.two_sum(xp, 1.0, -2.0 * y), gamma)  # gamma (1 - 2y)
        d = dd.mul(xp, dd.pow(xp, m, gamma), dd.add(xp, d, dd.mul(xp, dd.mul(xp, ce, ratio), g)))
    at = _alpha_dd(xp, y, alpha)
    return dd.value(xp, d if at is None else dd.mul(xp, at, d))


def _use_dd(x):
    """float64 inputs (compensating): the narrower dtypes, computed in float64, have ~29 bits to spare."""
    return nx.compensating() and is_f64(x)


def loss(xp, x, y, pw, *, alpha, gamma):
    if _use_dd(x):
        return _loss_dd(xp, x, y, alpha, gamma)
    ce, m, _, _, _ = _parts(xp, x, y)
    out = ce if gamma == 0 else xp.where(m == 0, xp.zeros_like(ce), ce * xp.pow(m, gamma))
    at = _alpha_t(xp, y, alpha)
    return out if at is None else at * out


def grad(xp, x, y, pw, *, alpha, gamma):
    if _use_dd(x):
        return _grad_dd(xp, x, y, alpha, gamma)
    ce, m, ratio, s, sn = _parts(xp, x, y)
    dce = (1.0 - y) * s - y * sn  # sigmoid(x) - y without 1 - sigmoid
    if gamma == 0:
        d = dce
    else:
        # (1 - p_t)^gamma dce + gamma ce (1 - 2y) sigmoid(x) sigmoid(-x) (1 - p_t)^(gamma - 1)
        # = m^gamma [dce + gamma ce (1 - 2y) ratio]: finite for every gamma > 0, including gamma < 1 at p_t -> 1
        mg = xp.pow(m, gamma)
        second = gamma * (1.0 - 2.0 * y) * ratio
        second = xp.where(second == 0, xp.zeros_like(ce), ce * second)  # 0 * inf at infinite logits is 0
        d = xp.where(mg == 0, xp.zeros_like(mg), mg * (dce + second))
    at = _alpha_t(xp, y, alpha)
    return d if at is None else at * d


def _ref_terms(x, y, alpha, gamma):
    """loss, and the gradient's terms: (1-y) s m^g, -y sn m^g, gamma ce (1-2y) s sn m^(g-1) (all times alpha_t)."""
    import mpmath as mp

    s, sn = 1 / (1 + mp.exp(-x)), 1 / (1 + mp.exp(x))
    ce = (y * mp.log1p(mp.exp(-x)) if y else 0) + ((1 - y) * mp.log1p(mp.exp(x)) if y != 1 else 0)
    m = y * sn + (1 - y) * s
    at = 1 if alpha is None or alpha < 0 else alpha * y + (1 - alpha) * (1 - y)
    mg = m**gamma if gamma else 1
    loss = at * ce * mg
    g1 = at * mg * (1 - y) * s
    g2 = -at * mg * y * sn
    g3 = at * gamma * ce * (1 - 2 * y) * s * sn * m ** (gamma - 1) if gamma and m else 0
    return loss, g1, g2, g3


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
        "1 - p_t = y sigmoid(-x) + (1 - y) sigmoid(x), a sum of positive terms, never 1 - p_t by subtraction; "
        "BCE from softplus. The gradient's (1 - p_t)^(gamma - 1) factor is folded into "
        "sigmoid(x) sigmoid(-x) / (1 - p_t) <= 1 (exactly sigmoid(+-x) for hard targets), so it is finite for "
        "every gamma >= 0 (torchvision, kornia, smp and Keras give NaN gradients for gamma < 1 at p_t -> 1). "
        "float64 carries every piece as a double-word (exp(-|x|), sigmoid(+-x), 1 - p_t, BCE, alpha_t; "
        "actloss._dd) and (1 - p_t)^gamma as pow(hi, gamma) (1 + gamma lo / hi): gamma amplifies no rounding, "
        "value and gradient are rounded once (plus pow's own rounding), at about 2.5x the plain formula's time. "
        "Default reduction is 'mean' (torchvision's is 'none')."
    ),
    example=(
        ">>> actloss.sigmoid_focal_loss(np.array([-3.0, 3.0]), np.array([0.0, 1.0]), reduction='none')\n"
        "array([8.19624934e-05, 2.73208311e-05])"
    ),
    references=("Lin et al., Focal Loss for Dense Object Detection, 2017",),
    param_samples=({"gamma": 0.5}, {"gamma": 0.0, "alpha": None}, {"gamma": 5.0, "alpha": 0.75}),
))
