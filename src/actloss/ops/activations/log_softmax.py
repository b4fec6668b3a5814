from actloss._registry import OpSpec, Param, TorchModule, register
from actloss.ops.activations.softmax import reference as softmax_reference
from actloss.ops.activations.softmax import softmax_compute, stable_exp_parts


def _logp(xp, d_hi, d_lo, s1, has_pinf, share):
    # x - logsumexp(x) = (x - max) - log1p(s1): both terms <= 0, and the argmax entry is -log1p(s1) exactly,
    # so a dominant logit gives a tiny negative number, never -0.0 or 0.
    y = d_hi - xp.log1p(s1)
    if d_lo is not None:
        y = y + d_lo
    return xp.where(has_pinf, xp.log(share), y)


def log_softmax_compute(xp, x, axis):
    d_hi, d_lo, _, s1, (has_pinf, share) = stable_exp_parts(xp, x, axis)
    return _logp(xp, d_hi, d_lo, s1, has_pinf, share)


def log_softmax_and_softmax(xp, x, axis):
    """Both from one pass over x: log p from the exact log-form, p = e / (1 + s1) with full relative precision
    (exp(log p) would carry log p's absolute error, 256 ULP at log p = -300)."""
    d_hi, d_lo, e, s1, (has_pinf, share) = stable_exp_parts(xp, x, axis)
    p = xp.where(has_pinf, share, e / (1.0 + s1))
    return _logp(xp, d_hi, d_lo, s1, has_pinf, share), p, s1


def forward(xp, x, *, axis):
    return log_softmax_compute(xp, x, axis)


def vjp(xp, x, g, *, axis):
    p = softmax_compute(xp, x, axis)
    return g - p * xp.sum(g, axis=axis, keepdims=True)


def jvp(xp, x, t, *, axis):
    p = softmax_compute(xp, x, axis)
    return t - xp.sum(p * t, axis=axis, keepdims=True)


def reference(xs, *, axis):
    import mpmath as mp

    # (x_i - m) exactly, minus log1p of the others' sum: a dominant entry's value is ~ -1e-278 next to m ~ 700.
    k = xs.index(max(xs))
    d = [mp.fsub(v, xs[k], exact=True) for v in xs]
    s = mp.fsum(mp.exp(v) for j, v in enumerate(d) if j != k)
    return [v - mp.log1p(s) for v in d]


def reference_derivative(xs, g, *, axis):
    import mpmath as mp

    p, sg = softmax_reference(xs, axis=axis), mp.fsum(g)
    return [gi - pi * sg for gi, pi in zip(g, p)]


def deriv_scale(xs, g, *, axis):
    import mpmath as mp

    p, sg = softmax_reference(xs, axis=axis), mp.fsum(g)
    return [max(abs(gi), abs(pi * sg)) for gi, pi in zip(g, p)]


SPEC = register(OpSpec(
    name="log_softmax",
    native=lambda axis: ("log_softmax", 0.0),
    kind="activation",
    summary="log(softmax(x)) along an axis, computed without forming softmax(x).",
    forward=forward,
    vjp=vjp,
    jvp=jvp,
    reference=reference,
    reference_derivative=reference_derivative,
    deriv_scale=deriv_scale,
    params=(Param("axis", -1, "axis", "the axis the probabilities sum over"),),
    formula=r"\mathrm{log\_softmax}(x)_i = (x_i - m) - \log\left(1 + \sum_{j \ne j^*} e^{x_j - m}\right)",
    derivative_formula=r"\bar x = \bar y - \mathrm{softmax}(x) \textstyle\sum_j \bar y_j\ \text{(VJP)}",
    properties=frozenset({"nonpositive", "shift_invariant"}),
    torch_functional="torch.log_softmax",
    torch_module=TorchModule("LogSoftmax", args=(("dim", None),), param_map={"dim": "axis"}),
    numerics=(
        "logsumexp = max + log1p(sum of the others), with x - max carried exactly: the dominant entry gets "
        "-log1p(s), a tiny negative number (torch returns -0.0 for [17, 0] in float32; true -4.1e-8)."
    ),
    example=">>> actloss.log_softmax(np.array([17.0, 0.0]))\narray([-4.13993763e-08, -1.70000000e+01])",
    param_samples=({'axis': 0},),
))
