"""Losses: the ``LossSpec`` declaration, validation, and the two shared computations every loss plugs into.

* pointwise losses (MSE, L1, Huber, SmoothL1, BCE with logits, sigmoid focal, Poisson NLL) declare the
  per-element loss and its derivative; an optional elementwise ``weight`` multiplies both.
* class-axis losses (cross-entropy, softmax focal) declare a per-class function f(log p) and f'(log p); the shared
  code builds the per-class coefficients from the targets (class indices or probabilities), class weights, label
  smoothing and ignore_index, and the exact log-softmax. The per-sample loss is sum_j c_j f(log p_j) and its
  gradient is c f'(log p) (1 - p) - p (S - c f'(log p)) with S = sum_j c_j f'(log p_j), where 1 - p is
  -expm1(log p): no cancellation at a confident correct prediction. A spec whose f amplifies rounding (focal:
  (1 - p)^gamma) declares ``double_word``: in float64 its f and f' then take (log p, p, 1 - p) as double-words
  (``_dd.softmax``) and return double-words, and the class sums are compensated (one rounding per result).

Every computation runs in the compute dtype (float64 where available) and is reduced by ``_reduction`` (the one
place reductions are defined).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import math

import array_api_compat
import numpy as np

from actloss import _chunks, _dd, _reduction, _xp
from actloss import _numerics as nx
from actloss._registry import Param, TorchModule
from actloss._native import losses as native_losses
from actloss._xp import Array
from actloss.ops.activations.log_softmax import log_softmax_and_softmax

REDUCTION = Param("reduction", "mean", "choice", "'none' | 'mean' | 'sum'", choices=_reduction.REDUCTIONS)


@dataclass(frozen=True)
class LossSpec:
    """One loss, declared once (see the module docstring for the two structures)."""

    name: str
    summary: str
    formula: str
    derivative_formula: str
    structure: str  # 'pointwise' | 'class'
    target: str  # 'real' | 'unit' (in [0, 1]) | 'count' (>= 0) | 'class' (indices or probabilities)
    reference: Callable[..., Any]
    reference_grad: Callable[..., Any]
    params: tuple[Param, ...] = ()
    arrays: tuple[str, ...] = ()  # optional array arguments: 'weight', 'pos_weight'
    loss: Callable[..., Any] | None = None  # pointwise: (xp, x, y, pw, **params) -> loss per element
    grad: Callable[..., Any] | None = None  # pointwise: (xp, x, y, pw, **params) -> d loss / dx
    target_grad: Callable[..., Any] | None = None  # pointwise: d loss / dy, where targets may carry gradients
    f: Callable[..., Any] | None = None  # class: (xp, logp, **params) -> f(logp)
    fprime: Callable[..., Any] | None = None  # class: (xp, logp, **params) -> f'(logp)
    deriv_scale: Callable[..., Any] | None = None
    value_scale: Callable[..., Any] | None = None  # largest term of a loss that is a sum of terms with zeros
    # 'mean' with an elementwise weight divides by the sum of the (broadcast) weights, as torch's mse/l1/huber
    # do; False: by the element count, as torch's binary_cross_entropy_with_logits does.
    weighted_mean: bool = False
    # A declared float64 bar where the 4 ULP is not met yet (params -> ULP); documented in
    # docs/accuracy.md as an open gap, never a silent tolerance.
    f64_bar: Callable[..., float] | None = None
    # class: params -> whether, in float64, f and f' take the softmax as double-words (keyword ``dd`` = (log p, p,
    # 1 - p)) and return double-words, for an f whose rounding a parameter amplifies (focal: (1 - p)^gamma)
    double_word: Callable[..., bool] | None = None
    properties: frozenset[str] = frozenset()
    torch_functional: str = ""
    torch_module: TorchModule | None = None
    numerics: str = ""
    example: str = ""
    references: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    param_samples: tuple[Mapping[str, Any], ...] = ()
    kind: str = "loss"
    kinks: str = ""
    needs: frozenset[str] = frozenset()

    @property
    def elementwise(self) -> bool:
        return False

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}

    def sample_params(self) -> list[dict[str, Any]]:
        return [self.defaults()] + [{**self.defaults(), **p} for p in self.param_samples]

    def bind(self, kwargs: Mapping[str, Any]) -> dict[str, Any]:
        names = {p.name for p in self.params} | set(self.arrays)
        unknown = sorted(set(kwargs) - names)
        if unknown:
            raise TypeError(
                f"actloss.{self.name}() got unexpected keyword argument(s) {unknown}; expected: {', '.join(sorted(names))}"
            )
        return {p.name: p.validate(self.name, kwargs.get(p.name, p.default)) for p in self.params}


# ----------------------------------------------------------------------------------------------------------
# validation
# ----------------------------------------------------------------------------------------------------------
def _shape(a: Array) -> tuple[int, ...]:
    return tuple(int(d) for d in a.shape)


def _concrete(a: Array) -> bool:
    """False for arrays whose values are not available (jax tracers, torch.func wrappers)."""
    fw = _xp.framework(a)
    if fw == "jax":
        import jax

        return not isinstance(a, jax.core.Tracer)
    if fw == "torch":
        import torch

        return not torch._C._functorch.is_functorch_wrapped_tensor(a) and a.device.type != "meta"
    return True


def _check_same_framework(op: str, fw: str, arg: str, a: Any) -> None:
    fw_a = _xp.check_array(a, op=op, arg=arg)
    if {fw_a, fw} == {"numpy", "jax"}:
        return  # NumPy arrays next to JAX arrays are JAX arrays (as in jax.numpy)
    if fw_a != fw:
        raise TypeError(f"actloss.{op}: argument '{arg}' must be a {fw} array like 'input'; received a {fw_a} array")


def _host(xp: Any, a: Array) -> tuple[Any, Array]:
    """Where value checks run: JAX arrays are checked as NumPy arrays (jnp ops would be staged under jit)."""
    if _xp.framework(a) == "jax":
        return array_api_compat.array_namespace(np.empty(0)), np.asarray(a)
    return xp, a


def _min_max(xp: Any, a: Array) -> tuple[float, float]:
    """min and max of a in one reduction where the framework has one (NaN propagates into both)."""
    if _xp.is_torch_ns(xp):
        import torch

        a = a.detach()
        if a.dtype == torch.bool:
            a = a.to(torch.uint8)
        mn, mx = torch.aminmax(a)
        return float(mn), float(mx)
    return float(xp.min(a)), float(xp.max(a))


def _check_values(op: str, arg: str, xp: Any, a: Array, *, lo: float | None, hi: float | None, what: str) -> None:
    """NaN, and values outside [lo, hi], are errors. One min/max reduction on the valid path (no temporaries
    of a's size); the detailed message is only built when it fails."""
    if not _concrete(a):
        return
    xp, a = _host(xp, a)
    if math.prod(a.shape) == 0:
        return
    mn, mx = _min_max(xp, a)
    if not (math.isnan(mn) or math.isnan(mx)) and (lo is None or mn >= lo) and (hi is None or mx <= hi):
        return
    if bool(xp.any(xp.isnan(a))):
        raise ValueError(f"actloss.{op}: argument '{arg}' must not contain NaN; received {int(xp.sum(xp.astype(xp.isnan(a), xp.int64)))} NaN value(s)")
    bad = xp.zeros(a.shape, dtype=xp.bool, device=array_api_compat.device(a))
    if lo is not None:
        bad = bad | (a < lo)
    if hi is not None:
        bad = bad | (a > hi)
    if bool(xp.any(bad)):
        first = float(a[bad][0]) if hasattr(a[bad], "__getitem__") else float("nan")
        raise ValueError(f"actloss.{op}: argument '{arg}' must be {what}; received a value {first!r}")


def _broadcastable(op: str, arg: str, a: Array, shape: tuple[int, ...], expect: str) -> None:
    sa = _shape(a)
    if len(sa) > len(shape) or any(d not in (1, s) for d, s in zip(reversed(sa), reversed(shape))):
        raise ValueError(f"actloss.{op}: argument '{arg}' must be {expect}; received shape {sa} for an input of shape {shape}")


@dataclass
class Prepared:
    fw: str
    xp: Any
    input: Array
    target: Array
    weight: Array | None
    pos_weight: Array | None
    params: dict[str, Any]
    index_targets: bool = False
    axis: int = -1  # class axis of the input (class losses)
    # a pointwise loss's target value check not run yet: (lo, hi, what). The native kernels check the targets
    # in the pass that reads them (native_losses.run); the reference path's entry points (value, input_grad)
    # run it first (check_target), and so does the torch Function that rebuilds its own Prepared.
    target_check: tuple[float | None, float | None, str] | None = None


def check_target(spec: LossSpec, p: Prepared) -> None:
    """Run the deferred target value check of a pointwise loss (raises the detailed error); once."""
    if p.target_check is not None:
        lo, hi, what = p.target_check
        p.target_check = None
        _check_values(spec.name, "target", p.xp, p.target, lo=lo, hi=hi, what=what)


def prepare(spec: LossSpec, input: Any, target: Any, kwargs: Mapping[str, Any]) -> Prepared:
    """Validate everything a loss receives; errors name the argument, what was expected and what was received."""
    op = spec.name
    fw = _xp.check_array(input, op=op, arg="input")
    _xp.check_float(input, op=op, arg="input")
    _check_same_framework(op, fw, "target", target)
    params = spec.bind(kwargs)
    weight, pos_weight = kwargs.get("weight"), kwargs.get("pos_weight")
    arrays = [input, target, weight, pos_weight]
    if fw == "jax" or any(_xp.framework(a) == "jax" for a in arrays if a is not None):
        import jax.numpy as jnp

        fw = "jax"
        input, target, weight, pos_weight = (None if a is None else jnp.asarray(a) for a in arrays)
    for arg, a in (("weight", weight), ("pos_weight", pos_weight)):
        if a is not None:
            _check_same_framework(op, fw, arg, a)
            _xp.check_float(a, op=op, arg=arg)
    xp = _xp.namespace(input)
    shape = _shape(input)
    prep = Prepared(fw, xp, input, target, weight, pos_weight, params)
    if spec.structure == "pointwise":
        _xp.check_float(target, op=op, arg="target")
        if _shape(target) != shape:
            raise ValueError(
                f"actloss.{op}: 'input' and 'target' must have the same shape (no broadcasting); "
                f"received input shape {shape} and target shape {_shape(target)}"
            )
        limits = {"real": (None, None, "finite or infinite numbers"), "unit": (0.0, 1.0, "in [0, 1]"),
                  "count": (0.0, None, ">= 0")}[spec.target]
        if fw in ("numpy", "torch"):
            prep.target_check = limits  # run by the native kernel's pass or by check_target before the reference path
        else:
            _check_values(op, "target", xp, target, lo=limits[0], hi=limits[1], what=limits[2])
        if weight is not None:
            _broadcastable(op, "weight", weight, shape, f"broadcastable to the input's shape {shape}")
        if pos_weight is not None:
            _broadcastable(op, "pos_weight", pos_weight, shape,
                           f"broadcastable to the input's shape {shape} (one value per class, along the last axis)")
        return prep
    # class-axis losses
    if len(shape) == 0:
        raise ValueError(f"actloss.{op}: argument 'input' must have a class axis; received a 0-dimensional array")
    axis = params.get("axis")
    if axis is None:
        axis = 0 if len(shape) == 1 else 1
    elif not -len(shape) <= axis < len(shape):
        raise ValueError(f"actloss.{op}: argument 'axis' must be in [{-len(shape)}, {len(shape) - 1}] for a {len(shape)}-dimensional input; received {axis}")
    axis %= len(shape)
    prep.axis = axis
    n_classes = shape[axis]
    sample_shape = shape[:axis] + shape[axis + 1:]
    tdt = _xp.dtype_name(target.dtype)
    if _xp.is_float_dtype(target.dtype):
        if _shape(target) != shape:
            raise ValueError(
                f"actloss.{op}: class-probability targets must have the input's shape {shape}; "
                f"received target shape {_shape(target)} (class-index targets have shape {sample_shape})"
            )
        _check_values(op, "target", xp, target, lo=0.0, hi=1.0, what="class probabilities in [0, 1]")
    elif tdt.startswith(("int", "uint")):
        prep.index_targets = True
        if _shape(target) != sample_shape:
            raise ValueError(
                f"actloss.{op}: class-index targets must have shape {sample_shape} (the input's shape {shape} "
                f"without the class axis {axis}); received target shape {_shape(target)}"
            )
        if _concrete(target) and math.prod(_shape(target)):
            ignore = params.get("ignore_index", -100)
            hxp, ht = _host(xp, target)
            mn, mx = _min_max(hxp, ht)
            in_range = 0 <= mn and mx < n_classes  # one reduction; the masked check below only if not
            bad = None if in_range else ((ht < 0) | (ht >= n_classes)) & (ht != ignore)
            if bad is not None and bool(hxp.any(bad)):
                first = int(ht[bad][0])
                raise ValueError(
                    f"actloss.{op}: argument 'target' holds class index {first}, outside [0, {n_classes - 1}] "
                    f"for C={n_classes} classes (and not ignore_index={ignore})"
                )
    else:
        raise TypeError(
            f"actloss.{op}: argument 'target' must hold class indices (an integer dtype) or class probabilities "
            f"(a floating dtype); received dtype {tdt}"
        )
    if weight is not None and _shape(weight) != (n_classes,):
        raise ValueError(f"actloss.{op}: argument 'weight' must have shape ({n_classes},), one weight per class; received shape {_shape(weight)}")
    return prep


# ----------------------------------------------------------------------------------------------------------
# computation (all in the compute dtype)
# ----------------------------------------------------------------------------------------------------------
def _up(xp: Any, a: Array | None, cd: Any) -> Array | None:
    return None if a is None else xp.astype(a, cd, copy=False)


@dataclass
class _ClassParts:
    logp: Array  # log-softmax of a block of rows (rows, C)
    prob: Array  # softmax
    c: Array  # per-class coefficients
    zw: Array | None  # per-sample weight of the z-loss term
    lse: Array | None
    dd: tuple | None = None  # (log p, p, 1 - p) as double-words, for specs with double_word (see _wants_dd)


def _wants_dd(spec: LossSpec, p: Prepared, x: Array) -> bool:
    """Whether f / f' get the softmax as double-words (``LossSpec.double_word``): float64 with compensation only
    (the narrower dtypes, computed in float64, have the bits to spare)."""
    return spec.double_word is not None and nx.compensating() and _xp.is_f64(x) and spec.double_word(**p.params)


def _class_parts(p: Prepared, xp: Any, x: Array, t: Array, w: Array | None, dd: bool = False) -> _ClassParts:
    """Everything a block of rows needs: x (rows, C) and t (rows,) indices or (rows, C) probabilities."""
    n_classes = x.shape[-1]
    eps = p.params.get("label_smoothing", 0.0)
    sm = None
    if dd:
        logp_dd, prob_dd, q_dd, s1_dd = _dd.softmax(xp, x)
        logp, prob, s1, sm = logp_dd[0], prob_dd[0], s1_dd[0], (logp_dd, prob_dd, q_dd)
    else:
        logp, prob, s1 = log_softmax_and_softmax(xp, x, -1)
    cd = x.dtype
    zw = None
    if p.index_targets:
        wt, mask, ti = _index_weights(p, xp, t, w, cd)
        classes = xp.arange(n_classes, device=array_api_compat.device(x))
        c = ((1.0 - eps) * wt)[:, None] * xp.astype(classes == ti[:, None], cd)
        if eps:
            c = c + (eps / n_classes) * (xp.astype(mask, cd)[:, None] if w is None else w * xp.astype(mask, cd)[:, None])
        zw = wt
    else:
        q = (1.0 - eps) * t + eps / n_classes if eps else t
        c = q if w is None else q * w
    lse = None
    if p.params.get("z_loss", 0.0):
        lse = xp.max(x, axis=-1) + xp.log1p(s1[:, 0])
        if zw is None:
            zw = xp.ones_like(lse)
    return _ClassParts(logp, prob, c, zw, lse, sm)


def _index_weights(p: Prepared, xp: Any, t: Array, w: Array | None, cd: Any) -> tuple[Array, Array, Array]:
    """(w[t] with 0 where ignored, the not-ignored mask, t with ignored entries replaced by class 0)."""
    mask = t != p.params.get("ignore_index", -100)
    ti = xp.where(mask, t, xp.zeros_like(t))
    maskf = xp.astype(mask, cd)
    wt = maskf if w is None else xp.take(w, ti, axis=0) * maskf
    return wt, mask, ti


def _fkw(spec: LossSpec, params: Mapping[str, Any], fn: Callable[..., Any]) -> dict[str, Any]:
    import inspect

    names = inspect.signature(fn).parameters
    return {k: v for k, v in params.items() if k in names}


@dataclass
class _Layout:
    """The arrays as rows: pointwise losses flattened to (n,), class losses as (M, C) with the class axis last."""

    x: Array
    t: Array
    w: Array | None  # pointwise: flattened, broadcast weight; class: (C,)
    pw: Array | None
    n_rows: int
    row_size: int
    denom: Array | None  # 'mean' denominator (compute dtype) or None for the row count
    cd: Any


def _layout(spec: LossSpec, p: Prepared) -> _Layout:
    xp = p.xp
    cd = _xp.compute_dtype(xp, p.input)
    x = p.input
    if spec.structure == "pointwise":
        shape = tuple(x.shape)
        flat = lambda a: None if a is None else xp.reshape(xp.broadcast_to(a, shape), (-1,))  # noqa: E731
        w = flat(p.weight)
        denom = xp.sum(_up(xp, w, cd)) if (w is not None and spec.weighted_mean) else None
        return _Layout(flat(x), flat(p.target), w, flat(p.pos_weight), math.prod(shape), 1, denom, cd)
    last = x.ndim - 1
    xm = xp.moveaxis(x, p.axis, -1) if p.axis != last else x
    n_classes = xm.shape[-1]
    x2 = xp.reshape(xm, (-1, n_classes))
    if p.index_targets:
        t2 = xp.reshape(p.target, (-1,))
    else:
        tm = xp.moveaxis(p.target, p.axis, -1) if p.axis != last else p.target
        t2 = xp.reshape(tm, (-1, n_classes))
    w = _up(xp, p.weight, cd)
    denom = xp.sum(_index_weights(p, xp, t2, w, cd)[0]) if p.index_targets else None
    return _Layout(x2, t2, w, None, x2.shape[0], n_classes, denom, cd)


def _upcasting(xp: Any, lay: _Layout, fn: Callable[..., Array]) -> Callable[..., Array]:
    """fn with its floating arguments upcast to the compute dtype; class-index targets keep their integer dtype."""

    def up(*arrs: Array | None) -> Array:
        return fn(*[a if a is None or not _xp.is_float_dtype(a.dtype) else _up(xp, a, lay.cd) for a in arrs])

    return up


def _map(p: Prepared, lay: _Layout, fn: Callable[..., Array], arrays: list[Array | None], out_shape: tuple[int, ...],
         out_dtype: Any) -> Array:
    """fn over blocks of rows (upcast to the compute dtype), or over everything at once where blocks do not apply."""
    xp = p.xp
    up = _upcasting(xp, lay, fn)
    if _chunks.usable(xp, *[a for a in arrays if a is not None]):
        return _chunks.rows(xp, up, arrays, lay.n_rows, lay.row_size, out_shape, out_dtype)
    return xp.astype(up(*arrays), out_dtype, copy=False)


def _rows_loss(spec: LossSpec, p: Prepared, lay: _Layout) -> Callable[..., Array]:
    xp = p.xp
    if spec.structure == "pointwise":
        kw = _fkw(spec, p.params, spec.loss)

        def pointwise(x, t, w, pw):
            loss = spec.loss(xp, x, t, pw, **kw)
            return loss if w is None else loss * w

        return pointwise
    kw_f = _fkw(spec, p.params, spec.f)

    def rows(x, t):
        if _wants_dd(spec, p, x):
            parts = _class_parts(p, xp, x, t, lay.w, dd=True)
            # f as a double-word, times c, summed compensated: one rounding per sample
            fl = _times_c(xp, spec.f(xp, parts.logp, dd=parts.dd, **kw_f), parts.c)
            ovf, far = _spread_overflow(xp, x, parts)
            zero = xp.zeros_like(fl[0])
            fl = (xp.where(ovf, zero, fl[0]), xp.where(ovf, zero, fl[1]))
            loss = _dd.value(xp, _dd.sum_last(xp, fl))[:, 0] + far
            if parts.lse is not None:
                loss = loss + p.params["z_loss"] * parts.zw * parts.lse * parts.lse
            return loss
        parts = _class_parts(p, xp, x, t, lay.w)
        fl = spec.f(xp, parts.logp, **kw_f)
        ovf, far = _spread_overflow(xp, x, parts)
        # a zero coefficient removes its class even where log p = -inf (a -inf logit): 0, not 0 * inf = NaN
        loss = xp.sum(xp.where((parts.c == 0) | ovf, xp.zeros_like(fl), parts.c * fl), axis=-1) + far
        if parts.lse is not None:
            loss = loss + p.params["z_loss"] * parts.zw * parts.lse * parts.lse
        return loss

    return rows


def _spread_overflow(xp: Any, x: Array, parts: _ClassParts) -> tuple[Array | bool, Array | float]:
    """Classes whose x_j - max overflowed (a row spanning more than the largest finite value, so log p_j = -inf)
    and the sum of their terms computed in halves. There p_j = 0, so every class loss's f(log p) is -log p, and
    c_j (-log p_j) = (2 c_j) (L/2 - (x_j/2 - max/2)) with L = log1p(s1) = -max_j log p_j: finite wherever the true
    term is (a weight or label smoothing below 1 can bring it back under the largest finite value).

    Only inputs computed in their own precision can overflow there (a float32 row in float64 cannot): for the
    others (False, 0.0) and no extra pass."""
    if not nx.compensating():
        return False, 0.0
    ovf = (parts.logp == -xp.inf) & xp.isfinite(x) & (parts.c != 0)
    m = xp.max(x, axis=-1, keepdims=True)
    lse_minus_m = -xp.max(parts.logp, axis=-1, keepdims=True)  # log p at the argmax is -log1p(s1)
    half = 0.5 * lse_minus_m - (0.5 * x - 0.5 * m)
    far = xp.sum(xp.where(ovf, (2.0 * parts.c) * half, xp.zeros_like(half)), axis=-1)
    return ovf, far


def _args(spec: LossSpec, p: Prepared, lay: _Layout) -> list[Array | None]:
    return [lay.x, lay.t, lay.w, lay.pw] if spec.structure == "pointwise" else [lay.x, lay.t]


def _sample_shape(spec: LossSpec, p: Prepared) -> tuple[int, ...]:
    shape = tuple(p.input.shape)
    return shape if spec.structure == "pointwise" else shape[: p.axis] + shape[p.axis + 1:]


def value(spec: LossSpec, p: Prepared) -> Array:
    """The reduced loss, in the input's dtype; per-sample losses and the reduction stay in the compute dtype."""
    check_target(spec, p)
    xp = p.xp
    with nx.compensation(_xp.dtype_name(_xp.compute_dtype(xp, p.input)) == _xp.dtype_name(p.input.dtype)):
        lay = _layout(spec, p)
        reduction = p.params["reduction"]
        arrays = _args(spec, p, lay)
        fn = _rows_loss(spec, p, lay)
        if reduction != "none" and _chunks.usable(xp, lay.x):
            # accumulate the sum block by block: no per-sample array in the compute dtype
            total = _chunks.sum_rows(xp, _upcasting(xp, lay, fn), arrays, lay.n_rows, lay.row_size,
                                     xp.zeros((), dtype=lay.cd, device=array_api_compat.device(lay.x)))
            out = _reduction.finish(xp, total, reduction, lay.n_rows, lay.denom)
            return xp.astype(out, p.input.dtype, copy=False)
        per = _map(p, lay, fn, arrays, (lay.n_rows,), lay.cd)
        out = _reduction.reduce(xp, per, reduction, lay.denom)
        if p.params["reduction"] == "none":
            out = xp.reshape(out, _sample_shape(spec, p))
        return xp.astype(out, p.input.dtype, copy=False)


def _cotangent_rows(spec: LossSpec, p: Prepared, lay: _Layout, g: Array) -> Array:
    """d(reduced loss)/d(per-sample loss) * g in the compute dtype: (n_rows,) for 'none', else a 0-d array that
    every row receives (no n-sized array for a reduced loss)."""
    xp = p.xp
    g = _up(xp, g, lay.cd)
    if p.params["reduction"] == "none":
        return xp.reshape(g, (lay.n_rows,))
    return _reduction.scalar_cotangent(xp, g, p.params["reduction"], lay.n_rows, lay.denom)


def input_grad(spec: LossSpec, p: Prepared, g: Array) -> Array:
    """d(reduced loss)/d input, times the incoming cotangent g (a scalar, or per-sample for 'none')."""
    check_target(spec, p)
    xp = p.xp
    with nx.compensation(_xp.dtype_name(_xp.compute_dtype(xp, p.input)) == _xp.dtype_name(p.input.dtype)):
        lay = _layout(spec, p)
        gs = _cotangent_rows(spec, p, lay, g)
        if spec.structure == "pointwise":
            kw = _fkw(spec, p.params, spec.grad)

            def pointwise(x, t, w, pw, gr=gs):
                d = spec.grad(xp, x, t, pw, **kw)
                return (d if w is None else d * w) * gr

            rows_gs = [gs] if gs.ndim else []  # a 0-d cotangent is captured, not sliced
            out = _map(p, lay, pointwise, [lay.x, lay.t, lay.w, lay.pw, *rows_gs], (lay.n_rows,), p.input.dtype)
            return xp.reshape(out, p.input.shape)
        kw = _fkw(spec, p.params, spec.fprime)

        def rows(x, t, gr=gs):
            if _wants_dd(spec, p, x):
                d = _class_grad_dd(spec, p, xp, _class_parts(p, xp, x, t, lay.w, dd=True), kw)
                return (gr[:, None] if gr.ndim else gr) * d
            parts = _class_parts(p, xp, x, t, lay.w)
            cf = parts.c * spec.fprime(xp, parts.logp, **kw)
            s = xp.sum(cf, axis=-1, keepdims=True)
            # c f' (1 - p) - p (S - c f'), with 1 - p = -expm1(log p): exact near p = 1
            d = cf * (-xp.expm1(parts.logp)) - parts.prob * (s - cf)
            if parts.lse is not None:
                d = d + (2.0 * p.params["z_loss"] * parts.zw * parts.lse)[:, None] * parts.prob
            return (gr[:, None] if gr.ndim else gr) * d

        shape2 = (lay.n_rows, lay.row_size)
        rows_gs = [gs] if gs.ndim else []
        out = _map(p, lay, rows, [lay.x, lay.t, *rows_gs], shape2, p.input.dtype)
        shape_m = list(p.input.shape)
        shape_m.append(shape_m.pop(p.axis))
        out = xp.reshape(out, tuple(shape_m))
        return xp.moveaxis(out, -1, p.axis) if p.axis != p.input.ndim - 1 else out


def _times_c(xp: Any, f: tuple[Array, Array], c: Array) -> tuple[Array, Array]:
    """c f for a double-word f: 0 where c = 0 (even where f is infinite); beyond 2^900 (log p of a logit gap
    that large) rounded once, as the exact product would overflow the splitter."""
    prod = _dd.mul_d(xp, f, c)
    zero = xp.zeros_like(c)
    plain = (c == 0) | (xp.abs(f[0]) > 2.0**900)
    return xp.where(plain, xp.where(c == 0, zero, c * f[0]), prod[0]), xp.where(plain, zero, prod[1])


def _class_grad_dd(spec: LossSpec, p: Prepared, xp: Any, parts: _ClassParts, kw: Mapping[str, Any]) -> Array:
    """c f' (1 - p) - p (S - c f') with f', 1 - p and p as double-words and S summed compensated: one rounding."""
    _, prob, q = parts.dd
    cf = _times_c(xp, spec.fprime(xp, parts.logp, dd=parts.dd, **kw), parts.c)
    rest = _dd.add(xp, _dd.sum_last(xp, cf), _dd.neg(cf))  # S - c f'
    d = _dd.value(xp, _dd.add(xp, _dd.mul(xp, cf, q), _dd.neg(_dd.mul(xp, prob, rest))))
    if parts.lse is not None:
        d = d + (2.0 * p.params["z_loss"] * parts.zw * parts.lse)[:, None] * parts.prob
    return d


def target_grad(spec: LossSpec, p: Prepared, g: Array) -> Array:
    xp = p.xp
    with nx.compensation(_xp.dtype_name(_xp.compute_dtype(xp, p.input)) == _xp.dtype_name(p.input.dtype)):
        lay = _layout(spec, p)
        gs = _cotangent_rows(spec, p, lay, g)
        kw = _fkw(spec, p.params, spec.target_grad)

        def pointwise(x, t, w, pw, gr=gs):
            d = spec.target_grad(xp, x, t, pw, **kw)
            return (d if w is None else d * w) * gr

        rows_gs = [gs] if gs.ndim else []
        out = _map(p, lay, pointwise, [lay.x, lay.t, lay.w, lay.pw, *rows_gs], (lay.n_rows,), p.target.dtype)
        return xp.reshape(out, p.target.shape)


# ----------------------------------------------------------------------------------------------------------
# public entry point
# ----------------------------------------------------------------------------------------------------------
def apply(spec: LossSpec, input: Any, target: Any, kwargs: Mapping[str, Any]) -> Array:
    p = prepare(spec, input, target, kwargs)
    if p.fw == "torch":
        from actloss.torch._loss_function import apply_torch_loss

        return apply_torch_loss(spec, p)
    if p.fw == "numpy":
        res = native_losses.run(spec, p, want_grad=False)
        if res is not None:
            return res[0]
    if p.fw == "jax":
        from actloss.jax._loss_adapter import apply_jax_loss

        return apply_jax_loss(spec, p)
    from actloss._dispatch import _errstate

    with _errstate(p.xp):
        out = value(spec, p)
    return np.asarray(out) if p.fw == "numpy" else out


def value_and_grad(spec: LossSpec, input: Any, target: Any, cotangent: Any, kwargs: Mapping[str, Any]) -> tuple[Array, Array]:
    from actloss._dispatch import _errstate

    p = prepare(spec, input, target, kwargs)
    xp = p.xp
    g = xp.ones((), dtype=p.input.dtype) if cotangent is None else cotangent
    native = _native_value_and_grad(spec, p, g)
    if native is not None:
        return native
    with _errstate(xp):
        if p.fw == "torch":
            import torch

            with torch.no_grad():
                return value(spec, p), input_grad(spec, p, g)
        return value(spec, p), input_grad(spec, p, g)


def _native_value_and_grad(spec: LossSpec, p: Prepared, g: Any) -> tuple[Array, Array] | None:
    if p.fw == "torch":
        import torch

        if p.target.requires_grad:
            return None
        with torch.no_grad():
            res = native_losses.run(spec, p, want_grad=True)
    else:
        res = native_losses.run(spec, p, want_grad=True)
    if res is None:
        return None
    value, grad = res
    if p.params["reduction"] == "none":
        gg = g[..., None] if spec.structure == "class" else g
    else:
        gg = g
    return value, p.xp.astype(grad * gg, p.input.dtype, copy=False)
