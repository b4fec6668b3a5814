import array_api_compat

from actloss import _numerics as nx
from actloss._registry import OpSpec, Param, TorchModule, register


def stable_exp_parts(xp, x, axis):
    """The pieces softmax, log_softmax and cross-entropy share, along ``axis``.

    Returns (d_hi, d_lo, e, s1, (has_pinf, share)): x - max as an exact sum d_hi + d_lo; e = exp(x - max)
    (exactly 1 at one argmax); s1 = the sum of e over all entries but that argmax, so that
    logsumexp(x) = max + log1p(s1) keeps full precision when one entry dominates; has_pinf marks rows holding
    +inf (and no NaN), where softmax's limit is ``share``: equal shares among the +inf entries.
    """
    m = xp.max(x, axis=axis, keepdims=True)
    # A row's max of +inf is replaced by 0 (those rows take ``share`` below); NaN and -inf stay, so a row holding
    # NaN, or only -inf (softmax undefined), gives NaN.
    m_safe = xp.where(m == float("inf"), xp.zeros_like(m), m)
    d_hi, d_lo = nx.two_sum(xp, x, -m_safe)
    e = xp.exp(d_hi)
    if d_lo is not None:
        e = e + e * d_lo
    n = x.shape[axis]
    shape = [1] * x.ndim
    shape[axis] = n
    idx = xp.reshape(xp.arange(n, device=array_api_compat.device(x)), tuple(shape))
    first_max = idx == xp.argmax(x, axis=axis, keepdims=True)
    s1 = xp.sum(xp.where(first_max, xp.zeros_like(e), e), axis=axis, keepdims=True)
    pinf = x == float("inf")
    has_pinf = (m == float("inf")) & ~xp.isnan(m)
    # No data-dependent Python branch here: this runs under jax.jit and torch.vmap.
    count = xp.sum(xp.astype(pinf, x.dtype), axis=axis, keepdims=True)
    share = xp.astype(pinf, x.dtype) / xp.maximum(count, xp.ones_like(count))
    return d_hi, d_lo, e, s1, (has_pinf, share)


def softmax_compute(xp, x, axis):
    _, _, e, s1, (has_pinf, share) = stable_exp_parts(xp, x, axis)
    return xp.where(has_pinf, share, e / (1.0 + s1))


def forward(xp, x, *, axis):
    return softmax_compute(xp, x, axis)


def vjp(xp, x, g, *, axis):
    y = softmax_compute(xp, x, axis)
    return y * (g - xp.sum(g * y, axis=axis, keepdims=True))


def jvp(xp, x, t, *, axis):
    return vjp(xp, x, t, axis=axis)  # the Jacobian diag(y) - y y^T is symmetric


def reference(xs, *, axis):
    import mpmath as mp

    m = max(xs)
    es = [mp.exp(v - m) for v in xs]
    s = mp.fsum(es)
    return [e / s for e in es]


def reference_derivative(xs, g, *, axis):
    import mpmath as mp

    y = reference(xs, axis=axis)
    dot = mp.fsum(a * b for a, b in zip(g, y))
    return [yi * (gi - dot) for yi, gi in zip(y, g)]


def deriv_scale(xs, g, *, axis):
    import mpmath as mp

    y = reference(xs, axis=axis)
    dot = mp.fsum(a * b for a, b in zip(g, y))
    return [max(abs(yi * gi), abs(yi * dot)) for yi, gi in zip(y, g)]


SPEC = register(OpSpec(
    name="softmax",
    native=lambda axis: ("softmax", 0.0),
    kind="activation",
    summary="Softmax along an axis: exp(x) / sum(exp(x)).",
    forward=forward,
    vjp=vjp,
    jvp=jvp,
    reference=reference,
    reference_derivative=reference_derivative,
    deriv_scale=deriv_scale,
    params=(Param("axis", -1, "axis", "the axis the probabilities sum over"),),
    formula=r"\mathrm{softmax}(x)_i = \frac{e^{x_i - m}}{\sum_j e^{x_j - m}},\ m = \max_j x_j",
    derivative_formula=r"\bar x = y \odot \left(\bar y - \langle \bar y, y\rangle\right)\ \text{(VJP)}",
    properties=frozenset({"bounded_01", "sums_to_one", "shift_invariant"}),
    torch_functional="torch.softmax",
    torch_module=TorchModule("Softmax", args=(("dim", None),), param_map={"dim": "axis"}),
    numerics=(
        "x - max is carried as an exact sum, so entries far below the max keep full relative precision; the sum "
        "of exponentials excludes one argmax (that term is exactly 1). Rows holding +inf give equal shares to "
        "the +inf entries (their limit) instead of NaN; NaN anywhere in a row gives a NaN row."
    ),
    example=">>> actloss.softmax(np.array([1000.0, 0.0]))\narray([1., 0.])",
    param_samples=({'axis': 0},),
))
