"""The registry's losses on the native kernels (loss.c): the value and the input gradient from one pass.

``run(spec, p, want_grad)`` returns ``(value, grad)`` or None when the call is not for the kernels (then the
caller takes the reference path). ``grad`` is d(value)/d(input) for a cotangent of 1 (for reduction 'none':
per sample, before the per-sample cotangent), in the input's dtype and shape; with ``inplace`` it is the input's
own storage (cross-entropy's ``inplace_backward``).

Taken when: the input is a contiguous float32 NumPy array or CPU torch tensor (see arrays.takes; float64 too
for the losses in F64_NATIVE: the float64 pointwise kernels, cross-entropy, and softmax focal loss with gamma = 0);
cross-entropy with class-index targets along the last axis (any weight, label smoothing, z_loss), softmax focal
loss likewise without label smoothing (float32); pointwise losses (mse, huber, BCE with logits,
l1, smooth_l1, sigmoid focal) with targets of the input's shape and weight / pos_weight absent, of the input's shape, or (for
pos_weight) one value per class along the last axis.
"""
from __future__ import annotations

import ctypes
import math
import sys
from typing import Any

import numpy as np

from actloss import _native
from actloss._native import arrays
from actloss._native import fn

_P, _I, _D = ctypes.c_void_p, ctypes.c_int64, ctypes.c_double
F32, I64 = 4, 8

# loss name -> (kernel, params -> (p1, p2))
POINTWISE = {
    "mse_loss": ("mse", lambda q: (0.0, 0.0)),
    "l1_loss": ("l1", lambda q: (0.0, 0.0)),
    "smooth_l1_loss": ("smooth_l1", lambda q: (float(q["beta"]), 0.0)),
    "huber_loss": ("huber", lambda q: (float(q["delta"]), 0.0)),
    "binary_cross_entropy_with_logits": ("bce", lambda q: (float(q["label_smoothing"]), 0.0)),
    "sigmoid_focal_loss": ("sigmoid_focal", lambda q: (-1.0 if q["alpha"] is None else float(q["alpha"]),
                                                       float(q["gamma"]))),
}
# pointwise losses with a float64 kernel (loss.c, POINTWISE64)
F64_POINTWISE = frozenset({"mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy_with_logits"})

CLASS = ("cross_entropy", "softmax_focal_loss")
# losses with a float64 kernel: the pointwise ones above and cross-entropy with class indices (al_ce_rows64),
# which softmax focal loss with gamma = 0 shares (takes_float64)
F64_NATIVE = F64_POINTWISE | {"cross_entropy", "softmax_focal_loss"}


def takes_float64(spec: Any, params: Any) -> bool:
    """Whether a float64 call of this loss has a kernel: softmax focal loss only with gamma = 0 (cross-entropy)."""
    if spec.name == "softmax_focal_loss":
        return float(params.get("gamma", 2.0)) == 0.0
    return spec.name in F64_NATIVE


def _float_operand(a: Any, x: Any) -> Any | None:
    """a (weight / pos_weight / target) as a contiguous array of x's dtype beside x, or None if the kernels
    cannot read it without a conversion or a broadcast."""
    if isinstance(x, np.ndarray):
        if not isinstance(a, np.ndarray) or a.dtype != x.dtype:
            return None
        return np.ascontiguousarray(a)
    torch = sys.modules["torch"]
    if type(a) is not torch.Tensor or a.dtype != x.dtype or a.device != x.device or a.requires_grad:
        return None
    return a.contiguous()


def _zeros(x: Any, shape: tuple[int, ...]) -> Any:
    if isinstance(x, np.ndarray):
        return np.zeros(shape, x.dtype)
    return sys.modules["torch"].zeros(shape, dtype=x.dtype, device=x.device)


def _result(x: Any, value: float) -> Any:
    if isinstance(x, np.ndarray):
        return np.asarray(x.dtype.type(value))
    return sys.modules["torch"].tensor(value, dtype=x.dtype, device=x.device)


def _sum64(a: Any) -> float:
    if isinstance(a, np.ndarray):
        return float(np.sum(a, dtype=np.float64))
    return float(a.sum(dtype=sys.modules["torch"].float64))


def _finish(reduction: str, total: float, denom: float) -> float:
    if reduction == "sum":
        return total
    return 0.0 if denom == 0 else total / denom


def _pointwise(spec: Any, p: Any, want_grad: bool) -> tuple[Any, Any] | None:
    kernel, pfn = POINTWISE[spec.name]
    x = p.input
    shape = tuple(x.shape)
    t = _float_operand(p.target, x)
    if t is None or tuple(t.shape) != shape:
        return None
    w = pw = None
    pw_cols = 0
    if p.weight is not None:
        w = _float_operand(p.weight, x)
        if w is None or tuple(w.shape) != shape:
            return None
    if p.pos_weight is not None:
        pw = _float_operand(p.pos_weight, x)
        if pw is None:
            return None
        if tuple(pw.shape) != shape:
            if pw.ndim != 1 or not shape or pw.shape[0] != shape[-1]:
                return None
            pw_cols = shape[-1]
    if _native.lib() is None:
        return None
    p1, p2 = pfn(p.params)
    n = math.prod(shape)
    reduction = p.params["reduction"]
    denom = float(n)
    if reduction == "mean" and w is not None and spec.weighted_mean:
        denom = _sum64(w)  # accumulated in float64, as the reference path does
    gscale = 1.0 if reduction != "mean" else (0.0 if denom == 0 else 1.0 / denom)
    per = arrays.empty_like(x) if reduction == "none" else None
    grad = arrays.empty_like(x) if want_grad else None
    pieces = _native.split(n)
    sums = np.zeros(len(pieces))
    size = x.itemsize if isinstance(x, np.ndarray) else x.element_size()
    f = _native.fn(f"al_{kernel}{'64' if size == 8 else ''}",
                   [_P, _P, _P, _P, _I, _I, _I, _D, _D, _P, _P, _P, _D, _D, _D, _P])
    xp_, tp, wp, pwp = (arrays.ptr(a) if a is not None else None for a in (x, t, w, pw))
    perp = arrays.ptr(per) if per is not None else None
    gp = arrays.ptr(grad) if grad is not None else None
    # the target check (NaN, values outside the loss's range) counted in the kernel's pass over the targets
    lo, hi, _ = p.target_check or (None, None, "")
    tlo, thi = (-math.inf if lo is None else lo), (math.inf if hi is None else hi)
    bad = np.zeros(len(pieces), np.int64)

    def call(k: int, a: int, b: int) -> None:
        off = a * size
        pw_at = None if pwp is None else (pwp if pw_cols else pwp + off)
        f(xp_ + off, tp + off, None if wp is None else wp + off, pw_at, b - a, pw_cols, a, p1, p2,
          sums.ctypes.data + 8 * k, None if perp is None else perp + off, None if gp is None else gp + off, gscale,
          tlo, thi, bad.ctypes.data + 8 * k)

    _native.parallel([lambda k=k, a=a, b=b: call(k, a, b) for k, (a, b) in enumerate(pieces)])
    if bad.any():
        from actloss import _losses

        _losses.check_target(spec, p)  # raises, naming the first offending value
    p.target_check = None
    value = per if per is not None else _result(x, _finish(reduction, float(sums.sum()), denom))
    return value, grad


def _int64_targets(t: Any, x: Any) -> Any | None:
    if isinstance(x, np.ndarray):
        if not isinstance(t, np.ndarray) or t.dtype.kind not in "iu":
            return None
        return np.ascontiguousarray(t, dtype=np.int64)
    torch = sys.modules["torch"]
    if type(t) is not torch.Tensor or t.device != x.device or t.dtype.is_floating_point or t.dtype == torch.bool:
        return None
    return t.to(torch.int64).contiguous()


def _class_loss(spec: Any, p: Any, want_grad: bool, inplace: bool) -> tuple[Any, Any] | None:
    """cross_entropy, and softmax_focal_loss without label smoothing: class-index targets, class axis last."""
    x = p.input
    if not p.index_targets or x.ndim < 1 or p.axis != x.ndim - 1:
        return None
    focal = spec.name == "softmax_focal_loss"
    size = x.itemsize if isinstance(x, np.ndarray) else x.element_size()
    f64 = size == 8
    if f64 and focal:
        # gamma = 0 (takes_float64): cross-entropy, label smoothing included, which it must stay bit-identical
        # to: the same kernel (float64 focal with gamma > 0 is the reference path's double-word form)
        focal = False
    elif focal and p.params.get("label_smoothing", 0.0):
        return None
    t = _int64_targets(p.target, x)
    if t is None:
        return None
    C = x.shape[-1]
    w = None
    if p.weight is not None:
        w = _float_operand(p.weight, x)
        if w is None or tuple(w.shape) != (C,):
            return None
    lb = _native.lib()
    if lb is None:
        return None
    rows = math.prod(x.shape[:-1])
    ignore = int(p.params.get("ignore_index", -100))
    eps = float(p.params.get("label_smoothing", 0.0))
    z = float(p.params.get("z_loss", 0.0))
    reduction = p.params["reduction"]
    wp = arrays.ptr(w) if w is not None else None
    den = _native.fn("al_ce_denominator64" if f64 else "al_ce_denominator", [_P, _P, _I, _I])
    den.restype = ctypes.c_double
    denom = float(den(arrays.ptr(t), wp, rows, ignore)) if reduction == "mean" else float(rows)
    gscale = 1.0 if reduction != "mean" else (0.0 if denom == 0 else 1.0 / denom)
    per = _zeros(x, tuple(x.shape[:-1])) if reduction == "none" else None
    grad = (x if inplace else arrays.empty_like(x)) if want_grad else None
    pieces = _native.split(rows, C)
    sums = np.zeros(len(pieces))
    bad = np.zeros(len(pieces), np.int32)
    # float32: rows holding NaN/inf are marked here and left alone by the kernel (in place too: their logits
    # survive), then completed on the reference path; float64: such a row sends the whole call there
    rowbad = None if f64 else np.zeros(rows, np.uint8)
    if focal:
        f = _native.fn("al_softmax_focal_rows", [_P, _P, _P, _I, _I, _I, _D, _P, _P, _P, _D, _P, _P])
        scalars: tuple[float, ...] = (float(p.params["gamma"]),)
    elif f64:
        f = _native.fn("al_ce_rows64", [_P, _P, _P, _I, _I, _I, _D, _D, _P, _P, _P, _D])
        scalars = (eps, z)
    else:
        f = _native.fn("al_ce_rows", [_P, _P, _P, _I, _I, _I, _D, _D, _P, _P, _P, _D, _P, _P])
        scalars = (eps, z)
    f.restype = ctypes.c_int
    xp_, tp = arrays.ptr(x), arrays.ptr(t)
    perp = arrays.ptr(per) if per is not None else None
    gp = arrays.ptr(grad) if grad is not None else None

    def call(k: int, a: int, b: int) -> None:
        tail = () if rowbad is None else (None, rowbad.ctypes.data + a)  # rscale (none here), rowbad
        bad[k] = f(xp_ + a * C * size, tp + a * I64, wp, b - a, C, ignore, *scalars, sums.ctypes.data + 8 * k,
                   None if perp is None else perp + a * size, None if gp is None else gp + a * C * size, gscale,
                   *tail)

    if f64 and inplace and want_grad and not _finite(x):
        return None  # float64 in place: a NaN/inf row must not be half-written before the fallback
    _native.parallel([lambda k=k, a=a, b=b: call(k, a, b) for k, (a, b) in enumerate(pieces)])
    if (bad == 2).any():  # a scratch row could not be allocated
        if inplace and want_grad:
            raise MemoryError("actloss: the native cross-entropy kernel could not allocate a row of scratch")
        return None
    if bad.any() and rowbad is None:
        return None
    total = float(sums.sum())
    if bad.any():
        total += _complete_rows(spec, p, np.flatnonzero(rowbad), per, grad, gscale)
    value = per if per is not None else _result(x, _finish(reduction, total, denom))
    return value, grad


def _complete_rows(spec: Any, p: Any, idx: np.ndarray, per: Any, grad: Any, gscale: float) -> float:
    """The rows the kernel left alone (holding NaN or inf) on the reference path, which gives them their limits:
    their losses go into per (or the returned sum), their gradient rows into grad. Rows are independent, so this
    equals the reference path's answer for the whole call."""
    from actloss import _losses
    from actloss._dispatch import _errstate

    x, C = p.input, p.input.shape[-1]
    x2, t1 = x.reshape(-1, C), p.target.reshape(-1)
    if not isinstance(x, np.ndarray):
        idx = sys.modules["torch"].from_numpy(idx).to(x.device)
    q = _losses.Prepared(p.fw, p.xp, x2[idx], t1[idx], p.weight, None, {**p.params, "reduction": "none"}, True, 1)
    with _errstate(p.xp):
        loss_rows = _losses.value(spec, q)
        if grad is not None:
            g_rows = _losses.input_grad(spec, q, p.xp.full((len(idx),), gscale, dtype=x.dtype))
    if grad is not None:
        grad.reshape(-1, C)[idx] = g_rows  # (in place: over rows whose logits the kernel left intact)
    if per is not None:
        per.reshape(-1)[idx] = loss_rows
    return _sum64(loss_rows)


def _finite(x: Any) -> bool:
    """All of x finite, from one sum (no x-sized temporary): any NaN or inf makes the sum non-finite; a sum that
    overflows from finite values only sends the call to the reference path."""
    if isinstance(x, np.ndarray):
        return bool(np.isfinite(np.sum(x)))
    return bool(sys.modules["torch"].sum(x).isfinite())


def run(spec: Any, p: Any, want_grad: bool, inplace: bool = False) -> tuple[Any, Any] | None:
    """(value, grad), or None for the reference path. A pointwise loss's deferred target check is done by the
    kernel's pass when it takes the call; otherwise the reference path's entry points run it."""
    if p.fw not in ("numpy", "torch") or not arrays.takes(p.input, float64=takes_float64(spec, p.params)):
        return None
    if spec.name in CLASS:
        res = _class_loss(spec, p, want_grad, inplace and spec.name == "cross_entropy")
    elif spec.name in POINTWISE:
        res = _pointwise(spec, p, want_grad)
    else:
        return None
    if res is not None:
        _native.calls += 1
    return res


def chunk_rows_(z: Any, target: Any, kind: str, *, label_smoothing: float, z_loss: float, gamma: float,
                row_scale: Any, want_grad: bool) -> Any | None:
    """For the chunked linear + cross-entropy (torch/_linear_ce.py): per-row losses of float32 logits ``z``
    (rows, V) against class indices (no ignored rows), overwriting ``z`` with ``row_scale * d loss / d z`` when
    ``want_grad``. None (z untouched) when the kernels cannot take the call."""
    torch = sys.modules["torch"]
    if not arrays.takes(z) or z.ndim != 2 or _native.lib() is None or not _finite(z):
        return None
    rows, C = z.shape
    t = target.to(torch.int64).contiguous()
    per = torch.empty(rows, dtype=z.dtype, device=z.device)
    rs = None
    gscale = 1.0
    if isinstance(row_scale, torch.Tensor):
        rs = row_scale.to(torch.float32).contiguous()
    else:
        gscale = float(row_scale)
    if kind == "focal":
        f = fn("al_softmax_focal_rows", [_P, _P, _P, _I, _I, _I, _D, _P, _P, _P, _D, _P, _P])
        scalars: tuple[float, ...] = (float(gamma),)
    else:
        f = fn("al_ce_rows", [_P, _P, _P, _I, _I, _I, _D, _D, _P, _P, _P, _D, _P, _P])
        scalars = (float(label_smoothing), float(z_loss))
    f.restype = ctypes.c_int
    pieces = _native.split(rows, C)
    sums = np.zeros(len(pieces))
    bad = np.zeros(len(pieces), np.int32)
    zp, tp, pp, rp = z.data_ptr(), t.data_ptr(), per.data_ptr(), None if rs is None else rs.data_ptr()
    no_ignore = -(1 << 63)

    def call(k: int, a: int, b: int) -> None:
        bad[k] = f(zp + a * C * F32, tp + a * I64, None, b - a, C, no_ignore, *scalars, sums.ctypes.data + 8 * k,
                   pp + a * F32, (zp + a * C * F32) if want_grad else None, gscale,
                   None if rp is None else rp + a * F32, None)

    _native.parallel([lambda k=k, a=a, b=b: call(k, a, b) for k, (a, b) in enumerate(pieces)])
    if bad.any():  # only a failed scratch allocation can get here (z was checked finite)
        raise MemoryError("actloss: the native cross-entropy kernel could not allocate a row of scratch")
    _native.calls += 1
    return per
