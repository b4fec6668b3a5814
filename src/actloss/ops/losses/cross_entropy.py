from actloss._losses import REDUCTION, LossSpec
from actloss._registry import Param, TorchModule, register


def f(xp, logp):
    return -logp


def fprime(xp, logp):
    return xp.full_like(logp, -1.0)


def _ref_logp(row):
    import mpmath as mp

    k = row.index(max(row))
    d = [mp.fsub(v, row[k], exact=True) for v in row]
    s = mp.fsum(mp.exp(v) for j, v in enumerate(d) if j != k)
    return [v - mp.log1p(s) for v in d], row[k] + mp.log1p(s)


def coefficients(row, target, *, weight, label_smoothing):
    """Per-class coefficients c_j for one sample (a class index or a list of probabilities)."""
    n = len(row)
    w = weight or [1] * n
    e = label_smoothing
    if isinstance(target, int):
        return [(1 - e) * w[j] * (j == target) + e / n * w[j] for j in range(n)]
    return [w[j] * ((1 - e) * target[j] + e / n) for j in range(n)]


def reference(row, target, *, weight=None, label_smoothing=0.0, z_loss=0.0, **_):
    logp, lse = _ref_logp(row)
    c = coefficients(row, target, weight=weight, label_smoothing=label_smoothing)
    zw = (weight[target] if weight else 1) if isinstance(target, int) else 1
    return sum(-cj * lj for cj, lj in zip(c, logp)) + z_loss * zw * lse**2


def reference_grad(row, target, *, weight=None, label_smoothing=0.0, z_loss=0.0, **_):
    import mpmath as mp

    logp, lse = _ref_logp(row)
    p = [mp.exp(v) for v in logp]
    c = coefficients(row, target, weight=weight, label_smoothing=label_smoothing)
    s = mp.fsum(c)
    zw = (weight[target] if weight else 1) if isinstance(target, int) else 1
    return [-cj + pj * s + 2 * z_loss * zw * lse * pj for cj, pj in zip(c, p)]


def deriv_scale(row, target, *, weight=None, label_smoothing=0.0, z_loss=0.0, **_):
    import mpmath as mp

    logp, lse = _ref_logp(row)
    p = [mp.exp(v) for v in logp]
    c = coefficients(row, target, weight=weight, label_smoothing=label_smoothing)
    s = mp.fsum(c)
    return [max(abs(cj), abs(pj * s), abs(2 * z_loss * lse * pj)) for cj, pj in zip(c, p)]


SPEC = register(LossSpec(
    name="cross_entropy",
    summary="Cross-entropy on logits with class-index or class-probability targets.",
    formula=(
        r"\ell = -\sum_j c_j \log\mathrm{softmax}(x)_j + z\,\mathrm{lse}(x)^2,\ "
        r"c = (1 - \varepsilon)\,w_y\,e_y + \tfrac{\varepsilon}{C} w"
    ),
    derivative_formula=r"\partial\ell/\partial x_k = -c_k + p_k \textstyle\sum_j c_j + 2 z\,\mathrm{lse}\,p_k",
    structure="class",
    target="class",
    f=f,
    fprime=fprime,
    reference=reference,
    reference_grad=reference_grad,
    deriv_scale=deriv_scale,
    params=(
        REDUCTION,
        Param("ignore_index", -100, "int", "class-index targets equal to this contribute nothing"),
        Param("label_smoothing", 0.0, "unit", "mix the targets with the uniform distribution (torch's definition)"),
        Param("axis", None, "axis", "the class axis; None means torch's: 1 (or 0 for a 1-D input); -1 for JAX's convention", optional=True),
        Param("z_loss", 0.0, "nonnegative", "adds z_loss * logsumexp(input)^2 per sample (PaLM)"),
        Param("inplace_backward", False, "flag",
              "torch, float32 CPU: write the gradient over the logits during the forward pass (no extra memory; the "
              "logits are overwritten, as in Liger-Kernel); elsewhere ignored"),
    ),
    arrays=("weight",),
    properties=frozenset({"loss_nonnegative", "reduction_permutation_invariant"}),
    torch_functional="torch.nn.functional.cross_entropy",
    torch_module=TorchModule(
        "CrossEntropyLoss",
        args=(("weight", None), ("size_average", None), ("ignore_index", -100), ("reduce", None), ("reduction", "mean"),
              ("label_smoothing", 0.0), ("inplace_backward", False)),
        param_map={"weight": "weight", "ignore_index": "ignore_index", "reduction": "reduction", "label_smoothing": "label_smoothing",
                   "inplace_backward": "inplace_backward"},
    ),
    numerics=(
        "log-softmax with x - max carried exactly and logsumexp = max + log1p(sum of the others): a dominant "
        "correct logit gives a tiny positive loss (torch: -0.0 for [17, 0] in float32, true 4.1e-8) and a nonzero "
        "gradient, p - 1 computed as expm1(log p). 'mean' with class-index targets divides by the sum of the "
        "targets' class weights (torch); with probability targets by the number of samples (torch); with every "
        "target ignored it is 0 with a zero gradient (torch: NaN). The z-loss term is weighted like its sample."
    ),
    example=(
        ">>> actloss.cross_entropy(np.array([[17.0, 0.0]]), np.array([0]))\n"
        "array(4.13993763e-08)"
    ),
    references=("Chowdhery et al., PaLM, 2022 (z-loss)", "Szegedy et al., Rethinking the Inception Architecture, 2016 (label smoothing)"),
    param_samples=({"label_smoothing": 0.1}, {"z_loss": 1e-4}, {"axis": -1}),
))
