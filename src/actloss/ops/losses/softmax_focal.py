from actloss import _dd
from actloss._losses import REDUCTION, LossSpec
from actloss._registry import Param, TorchModule, register
from actloss.ops.losses.cross_entropy import _ref_logp, coefficients


def _one_minus_p_pow(xp, logp, gamma):
    # (1 - p)^gamma with 1 - p = -expm1(log p): exact as p -> 1
    return xp.pow(-xp.expm1(logp), gamma)


def f(xp, logp, *, gamma, dd=None):
    """f(log p); with ``dd`` = (log p, p, 1 - p) as double-words (float64, gamma > 0), f as a double-word:
    (1 - p)^gamma from the double-word 1 - p amplifies no rounding."""
    if dd is not None:
        lp, _, q = dd
        v = _dd.mul(xp, _dd.pow(xp, q, gamma), lp)
        huge = lp[0] < -(2.0**900)  # p = 0 and 1 - p = 1 there: f = -log p (whose product would overflow)
        return -xp.where(huge, lp[0], v[0]), -xp.where(huge, xp.zeros_like(v[1]), v[1])
    if gamma == 0:
        return -logp
    return -_one_minus_p_pow(xp, logp, gamma) * logp


def _fprime_dd(xp, dd, gamma):
    # -(1 - p)^gamma (1 + gamma p r), p r = -p log p / (1 - p): 1 where p = 1 (the limit), 0 where p = 0
    lp, p, q = dd
    zero, one = xp.zeros_like(q[0]), xp.ones_like(q[0])
    pr = _dd.div(xp, _dd.neg(_dd.mul(xp, p, lp)), (xp.where(q[0] > 0, q[0], one), q[1]))
    top, p0 = q[0] == 0, p[0] == 0
    pr = (xp.where(top, one, xp.where(p0, zero, pr[0])), xp.where(top | p0, zero, pr[1]))
    bracket = _dd.add(xp, (one, zero), _dd.mul_d(xp, pr, gamma))
    return _dd.neg(_dd.mul(xp, _dd.pow(xp, q, gamma), bracket))


def fprime(xp, logp, *, gamma, dd=None):
    if dd is not None:
        return _fprime_dd(xp, dd, gamma)
    if gamma == 0:
        return xp.full_like(logp, -1.0)
    # d/dL [-(1 - e^L)^gamma L] = -(1 - p)^gamma (1 + gamma p r), r = L / expm1(L) in (0, 1]: the
    # (1 - p)^(gamma - 1) of the textbook form is folded into r, so gamma < 1 gives no inf * 0 at p -> 1.
    r = xp.where(logp == 0, xp.ones_like(logp), logp / xp.expm1(logp))
    pr = xp.where(logp == -float("inf"), xp.zeros_like(logp), xp.exp(logp) * r)
    return -_one_minus_p_pow(xp, logp, gamma) * (1.0 + gamma * pr)


def _fl(lj, gamma):
    import mpmath as mp

    return -lj if gamma == 0 else -((-mp.expm1(lj)) ** gamma) * lj


def _flp(lj, gamma):
    import mpmath as mp

    if gamma == 0:
        return mp.mpf(-1)
    p = mp.exp(lj)
    r = 1 if lj == 0 else lj / mp.expm1(lj)
    return -((-mp.expm1(lj)) ** gamma) * (1 + gamma * p * r)


def reference(row, target, *, gamma, weight=None, label_smoothing=0.0, **_):
    logp, _ = _ref_logp(row)
    c = coefficients(row, target, weight=weight, label_smoothing=label_smoothing)
    return sum(cj * _fl(lj, gamma) for cj, lj in zip(c, logp))


def _grad_terms(row, target, gamma, weight, label_smoothing):
    import mpmath as mp

    logp, _ = _ref_logp(row)
    c = coefficients(row, target, weight=weight, label_smoothing=label_smoothing)
    cf = [cj * _flp(lj, gamma) for cj, lj in zip(c, logp)]
    s = mp.fsum(cf)
    p = [mp.exp(v) for v in logp]
    return cf, p, s


def reference_grad(row, target, *, gamma, weight=None, label_smoothing=0.0, **_):
    cf, p, s = _grad_terms(row, target, gamma, weight, label_smoothing)
    return [ck - pk * s for ck, pk in zip(cf, p)]


def deriv_scale(row, target, *, gamma, weight=None, label_smoothing=0.0, **_):
    cf, p, s = _grad_terms(row, target, gamma, weight, label_smoothing)
    return [max(abs(ck), abs(pk * s)) for ck, pk in zip(cf, p)]


SPEC = register(LossSpec(
    name="softmax_focal_loss",
    summary="Softmax (multi-class) focal loss, -(1 - p_t)^gamma log p_t, with class weights as alpha.",
    formula=(
        r"\ell = \sum_j c_j\,f(\log p_j),\ f(L) = -(1 - e^{L})^\gamma L,\ "
        r"c = (1 - \varepsilon)\,w_y\,e_y + \tfrac{\varepsilon}{C} w"
    ),
    derivative_formula=r"f'(L) = -(1 - p)^\gamma\left(1 + \gamma\,p\,\tfrac{L}{e^{L} - 1}\right)",
    structure="class",
    target="class",
    f=f,
    fprime=fprime,
    double_word=lambda gamma, **_: gamma != 0,  # gamma = 0 stays bit-identical to cross_entropy
    reference=reference,
    reference_grad=reference_grad,
    deriv_scale=deriv_scale,
    params=(
        REDUCTION,
        Param("gamma", 2.0, "nonnegative", "focusing exponent; 0 gives cross_entropy exactly"),
        Param("ignore_index", -100, "int", "class-index targets equal to this contribute nothing"),
        Param("label_smoothing", 0.0, "unit", "as cross_entropy: c = (1 - eps) w_y e_y + eps w / C"),
        Param("axis", None, "axis", "the class axis; None means torch's: 1 (or 0 for a 1-D input)", optional=True),
    ),
    arrays=("weight",),
    properties=frozenset({"loss_nonnegative", "reduction_permutation_invariant"}),
    torch_functional="",
    torch_module=TorchModule(
        "SoftmaxFocalLoss",
        args=(("weight", None), ("gamma", 2.0), ("ignore_index", -100), ("reduction", "mean"), ("label_smoothing", 0.0)),
        param_map={"weight": "weight", "gamma": "gamma", "ignore_index": "ignore_index", "reduction": "reduction",
                   "label_smoothing": "label_smoothing"},
        in_torch=False,
    ),
    numerics=(
        "Built on the exact log-softmax: 1 - p_t = -expm1(log p_t), so (1 - p_t)^gamma is exact as p_t -> 1, and "
        "the gradient's (1 - p_t)^(gamma - 1) is folded into L / expm1(L), finite for every gamma >= 0. float64 "
        "(gamma > 0) carries the softmax as double-words (exp(x - max), the others' sum s1 compensated, "
        "1 - p = s1 / (1 + s1) for the top class, log p; actloss._dd), (1 - p)^gamma as pow(hi, gamma) "
        "(1 + gamma lo / hi), and sums the classes compensated: gamma amplifies no rounding. 'mean' is "
        "the weighted mean of cross_entropy; gamma = 0 equals cross_entropy exactly."
    ),
    example=(
        ">>> actloss.softmax_focal_loss(np.array([[2.0, 0.0, -1.0]]), np.array([0]))\n"
        "array(0.00414426)"
    ),
    references=("Lin et al., Focal Loss for Dense Object Detection, 2017",),
    param_samples=({"gamma": 0.5}, {"gamma": 0.0}, {"gamma": 3.0, "label_smoothing": 0.2}),
))
