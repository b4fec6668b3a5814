from actloss import _numerics as nx
from actloss._losses import REDUCTION, LossSpec
from actloss._registry import Param, TorchModule, register


def _targets(xp, y, label_smoothing):
    """(y', 1 - y') with y' = y (1 - eps) + eps / 2, each from its own formula (no 1 - y' cancellation)."""
    if not label_smoothing:
        return y, 1.0 - y
    e = label_smoothing
    return y * (1.0 - e) + 0.5 * e, (1.0 - y) * (1.0 - e) + 0.5 * e


def _times(xp, coef, value):
    # coef * value with 0 * inf = 0: a target of exactly 0 or 1 removes that term even at infinite logits
    return xp.where(coef == 0, xp.zeros_like(value), coef * value)


def loss(xp, x, y, pw, *, label_smoothing):
    yp, yn = _targets(xp, y, label_smoothing)
    pos = yp if pw is None else pw * yp
    # -[pw y log sigmoid(x) + (1 - y) log sigmoid(-x)] = pw y softplus(-x) + (1 - y) softplus(x)
    return _times(xp, pos, nx.log1p_exp(xp, -x)) + _times(xp, yn, nx.log1p_exp(xp, x))


def grad(xp, x, y, pw, *, label_smoothing):
    yp, yn = _targets(xp, y, label_smoothing)
    pos = yp if pw is None else pw * yp
    return yn * nx.sigmoid(xp, x) - pos * nx.sigmoid(xp, -x)  # never sigmoid(x) - y with 1 - sigmoid


def _refs(x, y, *, label_smoothing, pos_weight=1):
    import mpmath as mp

    e = mp.mpf(label_smoothing)
    yp = y * (1 - e) + e / 2
    sp = lambda v: mp.log1p(mp.exp(v))  # noqa: E731
    s = lambda v: 1 / (1 + mp.exp(-v))  # noqa: E731
    terms_loss = (pos_weight * yp * sp(-x) if yp else 0, (1 - yp) * sp(x) if yp != 1 else 0)
    terms_grad = ((1 - yp) * s(x), -pos_weight * yp * s(-x))
    return terms_loss, terms_grad


SPEC = register(LossSpec(
    name="binary_cross_entropy_with_logits",
    summary="Binary cross-entropy on logits, with optional pos_weight and label smoothing.",
    formula=r"\ell = w\left[p\,y\,\mathrm{softplus}(-x) + (1 - y)\,\mathrm{softplus}(x)\right]",
    derivative_formula=r"\partial\ell/\partial x = w\left[(1 - y)\,\sigma(x) - p\,y\,\sigma(-x)\right]",
    structure="pointwise",
    target="unit",
    loss=loss,
    grad=grad,
    reference=lambda x, y, *, label_smoothing: sum(_refs(x, y, label_smoothing=label_smoothing)[0]),
    reference_grad=lambda x, y, *, label_smoothing: sum(_refs(x, y, label_smoothing=label_smoothing)[1]),
    deriv_scale=lambda x, y, *, label_smoothing: max(abs(t) for t in _refs(x, y, label_smoothing=label_smoothing)[1]),
    params=(REDUCTION, Param("label_smoothing", 0.0, "unit", "targets become y (1 - eps) + eps / 2 (Keras' convention)")),
    arrays=("weight", "pos_weight"),
    properties=frozenset({"loss_nonnegative", "reduction_permutation_invariant"}),
    torch_functional="torch.nn.functional.binary_cross_entropy_with_logits",
    torch_module=TorchModule(
        "BCEWithLogitsLoss",
        args=(("weight", None), ("size_average", None), ("reduce", None), ("reduction", "mean"), ("pos_weight", None)),
        param_map={"reduction": "reduction", "weight": "weight", "pos_weight": "pos_weight"},
    ),
    numerics=(
        "softplus(+-x) = max(+-x, 0) + log1p(exp(-|x|)): exact for every logit, so the loss for target 0 at "
        "z <= -14.56 in float32 is 4.7e-7-like and not 0 (torch), pos_weight at logit -120 is finite "
        "(pytorch #13773), and +-inf logits give the true limits 0 or inf (pytorch #102894 gives NaN). "
        "Probabilities are never formed or clipped. Label smoothing maps y to y (1 - eps) + eps / 2 (Keras; "
        "Optax has no binary smoothing, torch none at all)."
    ),
    example=(
        ">>> actloss.binary_cross_entropy_with_logits(np.array([-20.0, 3.0]), np.array([0.0, 1.0]), reduction='none')\n"
        "array([2.06115362e-09, 4.85873516e-02])"
    ),
    param_samples=({"label_smoothing": 0.1},),
))
