from actloss._losses import REDUCTION, LossSpec
from actloss._registry import Param, TorchModule, register


def _stirling(xp, y):
    # y log y - y + log(2 pi y) / 2 for y > 1, else 0 (torch's 'full' term)
    safe = xp.where(y > 1, y, xp.ones_like(y))
    term = safe * xp.log(safe) - safe + 0.5 * xp.log(2.0 * 3.141592653589793 * safe)
    return xp.where(y > 1, term, xp.zeros_like(y))


def loss(xp, x, y, pw, *, log_input, full, eps):
    if log_input:
        out = xp.exp(x) - y * x
    else:
        out = x - y * xp.log(x + eps)
    return out + _stirling(xp, y) if full else out


def grad(xp, x, y, pw, *, log_input, full, eps):
    return xp.exp(x) - y if log_input else 1.0 - y / (x + eps)


def _ref(x, y, *, log_input, full, eps):
    import mpmath as mp

    out = mp.exp(x) - y * x if log_input else x - y * mp.log(x + eps)
    if full and y > 1:
        out += y * mp.log(y) - y + mp.log(2 * mp.pi * y) / 2
    return out


def _ref_grad(x, y, *, log_input, full, eps):
    import mpmath as mp

    return mp.exp(x) - y if log_input else 1 - y / (x + eps)


def _scale(x, y, *, log_input, full, eps):
    import mpmath as mp

    return max(abs(mp.exp(x)), abs(y)) if log_input else max(1, abs(y / (x + eps)))


def _value_scale(x, y, *, log_input, full, eps):
    import mpmath as mp

    terms = [mp.exp(x), y * x] if log_input else [x, y * mp.log(x + eps)]
    if full and y > 1:
        terms += [y * mp.log(y), y, mp.log(2 * mp.pi * y) / 2]
    return max(abs(t) for t in terms)


SPEC = register(LossSpec(
    name="poisson_nll_loss",
    summary="Poisson negative log-likelihood for count targets.",
    formula=r"\ell = e^{x} - y x \text{ (log\_input) or } x - y \log(x + \epsilon)",
    derivative_formula=r"\partial\ell/\partial x = e^{x} - y \text{ or } 1 - y / (x + \epsilon)",
    structure="pointwise",
    target="count",
    loss=loss,
    grad=grad,
    reference=_ref,
    reference_grad=_ref_grad,
    deriv_scale=_scale,
    value_scale=_value_scale,
    params=(
        REDUCTION,
        Param("log_input", True, "flag", "the input is log(rate) (True) or the rate itself"),
        Param("full", False, "flag", "add the Stirling approximation of log(y!) for y > 1"),
        Param("eps", 1e-8, "positive", "added to the rate before the log when log_input=False"),
    ),
    properties=frozenset({"reduction_permutation_invariant"}),
    torch_functional="torch.nn.functional.poisson_nll_loss",
    torch_module=TorchModule(
        "PoissonNLLLoss",
        args=(("log_input", True), ("full", False), ("size_average", None), ("eps", 1e-8), ("reduce", None), ("reduction", "mean")),
        param_map={"log_input": "log_input", "full": "full", "eps": "eps", "reduction": "reduction"},
    ),
    numerics=(
        "exp(x) - y x (+ Stirling's terms): a sum of terms that can cancel (the loss has zeros, e.g. y = e at "
        "x = 1), so its error, and the gradient's near the optimum x = log y, is bounded by the largest term."
    ),
    example=">>> actloss.poisson_nll_loss(np.array([0.0, 1.0]), np.array([1.0, 2.0]))\narray(0.85914091)",
    param_samples=({"full": True},),
))
