"""Accuracy measurement against mpmath: input grids, references, and errors in ULPs of the target dtype.

Used by the test-suite (a representative subset) and by ``scripts/accuracy_report.py`` (the full sweep that
writes ``docs/accuracy.md``). Needs mpmath (the ``dev`` extra).

Error measure: ``|computed - exact| / ulp_dtype(exact)``, where ``exact`` is the mpmath value at the input
(inputs of every dtype are exactly representable in float64) and ``ulp_dtype`` is the spacing of the target
dtype at that magnitude (fixed at the subnormal spacing below the normal range). A correctly rounded result
scores <= 0.5; "within N ULP of the correctly rounded value" is <= N + 0.5. For derivatives with a declared
``deriv_scale`` the error is measured against ``max(ulp(exact), ulp(largest term))``: the absolute error allowed
near an interior zero of the derivative, where the exact value falls between representable numbers.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

# (precision p including the implicit bit, minimum normal exponent, maximum finite value)
FORMATS: dict[str, tuple[int, int, float]] = {
    "float64": (53, -1022, float(np.finfo(np.float64).max)),
    "float32": (24, -126, float(np.finfo(np.float32).max)),
    "float16": (11, -14, 65504.0),
    "bfloat16": (8, -126, 3.3895313892515355e38),
}
# Bars against the exact value (see module docstring): float64 4 ULP; float32 2 ULP and float16/bfloat16 1 ULP
# from the correctly rounded value, i.e. 2.5 and 1.5 against the exact value.
BARS = {"float64": 4.0, "float32": 2.5, "float16": 1.5, "bfloat16": 1.5}
DTYPES = tuple(FORMATS)
REF_PREC = 160  # bits of working precision for the references


def np_dtype(name: str) -> Any:
    if name == "bfloat16":
        import ml_dtypes

        return np.dtype(ml_dtypes.bfloat16)
    return np.dtype(name)


def representable(values: np.ndarray, dtype: str) -> np.ndarray:
    """Round float64 values to ``dtype`` and back (so every grid point is exact in every dtype)."""
    with np.errstate(over="ignore"):
        return np.asarray(values, np.float64).astype(np_dtype(dtype)).astype(np.float64)


# Points where naive formulas break, in every dtype that can hold them.
SPECIAL = [
    0.0, -0.0, 1e-300, -1e-300, 1e-40, -1e-40, 1e-8, -1e-8, 0.5, -0.5, 1.0, -1.0, 2.0, -2.0,
    -0.7518, -1.2785, -1.19, -5.51, -5.9, 5.9, 6.25, -6.25, 9.02, -9.02, 14.56, -14.56, 16.6, -16.6, 17.0, -17.0,
    20.0, 20.000000000000004, -20.0, 36.8, -36.8, 37.0, -37.0, -38.5, 88.7, -88.7, 103.9, -103.9, 120.0, -120.0,
    709.8, -709.8, 745.1, -745.1, 1e10, -1e10, 1e30, -1e30, 1e300, -1e300,
]


def grid(dtype: str, size: int, seed: int = 0) -> np.ndarray:
    """Inputs over the whole range of ``dtype``: log-spaced magnitudes from the smallest subnormal to the largest
    finite value (both signs), a dense uniform band around the interesting region, and the special points."""
    p, emin, fmax = FORMATS[dtype]
    rng = np.random.default_rng(seed)
    lo_exp = emin - p + 1
    hi_exp = np.log2(fmax)
    n_log = size // 2
    mags = np.exp2(rng.uniform(lo_exp, hi_exp, n_log))
    signs = rng.choice([-1.0, 1.0], n_log)
    band = rng.uniform(-60.0, 60.0, size - n_log)
    x = np.concatenate([mags * signs, band, SPECIAL, [fmax, -fmax]])
    x = representable(x, dtype)
    return np.unique(x[np.isfinite(x)])


def all_finite_values(dtype: str) -> np.ndarray:
    """Every finite value of a 16-bit dtype (the exhaustive sweep of the accuracy report)."""
    bits = np.arange(2**16, dtype=np.uint16)
    x = bits.view(np_dtype(dtype)).astype(np.float64)
    return x[np.isfinite(x)]


def ulp(values: np.ndarray, dtype: str) -> np.ndarray:
    p, emin, _ = FORMATS[dtype]
    a = np.abs(np.asarray(values, np.float64))
    _, e = np.frexp(a)  # a = m 2^e with m in [0.5, 1): floor(log2 a) = e - 1
    e = np.where(a > 0, e - 1, emin)
    return np.exp2(np.maximum(e, emin) - (p - 1)).astype(np.float64)


# ----------------------------------------------------------------------------------------------------------
# references
# ----------------------------------------------------------------------------------------------------------
@dataclass
class Reference:
    """Exact values as float64 double-words (hi + lo) and, for derivatives, the largest-term scale."""

    hi: np.ndarray
    lo: np.ndarray
    scale: np.ndarray | None = None


def _split(v: Any) -> tuple[float, float]:
    import mpmath as mp

    if mp.isnan(v):
        return float("nan"), 0.0
    hi = float(v)
    if not np.isfinite(hi):
        return hi, 0.0
    return hi, float(v - hi)


def elementwise_reference(fn: Callable[..., Any], xs: np.ndarray, params: Mapping[str, Any],
                          scale_fn: Callable[..., Any] | None = None) -> Reference:
    import mpmath as mp

    his, los, scales = [], [], []
    with mp.workprec(REF_PREC):
        for x in xs.tolist():
            v = fn(mp.mpf(x), **params)
            h, lo = _split(v)
            his.append(h)
            los.append(lo)
            if scale_fn is not None:
                scales.append(float(scale_fn(mp.mpf(x), **params)))
    return Reference(np.array(his), np.array(los), np.array(scales) if scale_fn else None)


def vector_reference(fn: Callable[..., Any], rows: np.ndarray, params: Mapping[str, Any],
                     cot: np.ndarray | None = None, scale_fn: Callable[..., Any] | None = None) -> Reference:
    """References for ops along the last axis of 2-D ``rows`` (reference functions take lists of mpf)."""
    import mpmath as mp

    his, los, scales = np.zeros_like(rows), np.zeros_like(rows), np.zeros_like(rows)
    with mp.workprec(REF_PREC):
        for i, row in enumerate(rows.tolist()):
            xs = [mp.mpf(v) for v in row]
            if cot is None:
                out = fn(xs, **params)
            else:
                g = [mp.mpf(v) for v in cot[i].tolist()]
                out = fn(xs, g, **params)
                if scale_fn is not None:
                    scales[i] = [float(s) for s in scale_fn(xs, g, **params)]
            for j, v in enumerate(out):
                his[i, j], los[i, j] = _split(v)
    return Reference(his, los, scales if scale_fn is not None and cot is not None else None)


def class_rows(spec: Any, params: Mapping[str, Any], dtype: str, soft: bool, sizes: Sequence[int] = (2, 3, 5),
               rows_per_size: int = 16, seed: int = 11) -> list[tuple[np.ndarray, np.ndarray, Reference, Reference]]:
    """Rows of logits for a class loss (cross-entropy, softmax focal), with their targets and exact references.

    For each class count in ``sizes``, ``rows_per_size`` rows in four kinds (moderate logits, one dominant
    logit, logits spread over the dtype's exp range, magnitudes up to the largest finite value); class-index
    targets, or (``soft``) probability targets with every third row one-hot. Returns blocks of (rows, targets,
    per-row loss Reference, per-logit gradient Reference with the largest-term scale)."""
    import mpmath as mp

    rng = np.random.default_rng(seed)
    _, _, fmax = FORMATS[dtype]
    blocks = []
    for n in sizes:
        rows = []
        for r in range(rows_per_size):
            kind = r % 4
            if kind == 0:
                v = rng.normal(0, 3, n)
            elif kind == 1:
                v = rng.normal(0, 1, n)
                v[r % n] += rng.uniform(10, 40)
            elif kind == 2:
                v = rng.uniform(-700, 700, n) if dtype == "float64" else rng.uniform(-80, 80, n)
            else:
                v = rng.choice([-1, 1], n) * np.exp2(rng.uniform(0, np.log2(fmax) - 2, n))
            rows.append(v)
        rows_a = representable(np.array(rows), dtype)
        if soft:
            t = rng.dirichlet(np.ones(n), rows_a.shape[0])
            t[::3] = np.eye(n)[rng.integers(0, n, t[::3].shape[0])]
            t = representable(t, dtype) / 1.0
        else:
            t = rng.integers(0, n, rows_a.shape[0])
        vh, vl, gh, gl, sc = [], [], [], [], []
        with mp.workprec(REF_PREC):
            for row, tt in zip(rows_a.tolist(), t.tolist()):
                mrow = [mp.mpf(v) for v in row]
                mt = tt if not soft else [mp.mpf(v) for v in tt]
                h, lo = _split(spec.reference(mrow, mt, **params))
                vh.append(h)
                vl.append(lo)
                pairs = [_split(gv) for gv in spec.reference_grad(mrow, mt, **params)]
                gh.append([q[0] for q in pairs])
                gl.append([q[1] for q in pairs])
                sc.append([float(s) for s in spec.deriv_scale(mrow, mt, **params)])
        blocks.append((rows_a, t, Reference(np.array(vh), np.array(vl)),
                       Reference(np.array(gh), np.array(gl), np.array(sc))))
    return blocks


# ----------------------------------------------------------------------------------------------------------
# errors
# ----------------------------------------------------------------------------------------------------------
@dataclass
class Errors:
    ulps: np.ndarray  # error in ULPs per point (NaN where the point is a non-finite / flush failure)
    nonfinite: int  # non-finite results where the true value is finite (and representable)
    flushed: int  # 0 or -0.0 where the true value is a normal number of the dtype
    nan_mismatch: int  # NaN where the reference is not NaN, or a number where it is NaN
    ref_hi: np.ndarray | None = None
    inputs: np.ndarray | None = None
    flushed_mask: np.ndarray | None = None

    @property
    def worst_input(self) -> float:
        if self.inputs is None or not np.isfinite(self.ulps).any():
            return float("nan")
        return float(self.inputs[int(np.nanargmax(self.ulps))])

    @property
    def max(self) -> float:
        return float(np.nanmax(self.ulps)) if np.isfinite(self.ulps).any() else 0.0

    @property
    def p99(self) -> float:
        return float(np.nanpercentile(self.ulps, 99)) if np.isfinite(self.ulps).any() else 0.0

    def ok(self, dtype: str, bar: float | None = None) -> bool:
        bar = BARS[dtype] if bar is None else bar
        return self.max <= bar and self.nonfinite == 0 and self.flushed == 0 and self.nan_mismatch == 0


def errors(computed: np.ndarray, ref: Reference, dtype: str, inputs: np.ndarray | None = None) -> Errors:
    c = np.asarray(computed, np.float64).ravel()
    hi, lo = ref.hi.ravel(), ref.lo.ravel()
    p, emin, fmax = FORMATS[dtype]
    ref_nan = np.isnan(hi)
    nan_mismatch = int(np.sum(ref_nan != np.isnan(c)))
    with np.errstate(invalid="ignore"):  # true values from fmax + ulp/2 up round to inf in the dtype
        overflow = (np.abs(hi) - fmax) >= ulp(np.array([fmax]), dtype)[0] / 2
    finite_ref = ~ref_nan & ~overflow & np.isfinite(hi)
    nonfinite = int(np.sum(finite_ref & ~np.isfinite(c)))
    normal = np.abs(hi) >= 2.0**emin
    flushed_mask = finite_ref & normal & (c == 0)
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.abs((c - hi) - lo)
        u = ulp(hi, dtype)
        if ref.scale is not None:
            u = np.maximum(u, ulp(ref.scale.ravel(), dtype))
        e = diff / u
    # ULP bars hold in the normal range: a true value below the smallest normal number (subnormal output) is
    # judged only by the flush and non-finite counts.
    in_range = normal if ref.scale is None else (normal | (np.abs(ref.scale.ravel()) >= 2.0**emin))
    e = np.where(finite_ref & np.isfinite(c) & in_range, e, np.nan)
    if ref.scale is not None:  # near an interior zero, 0 is an acceptable answer within the absolute bar
        flushed_mask &= ~(e <= BARS[dtype])
    flushed = int(np.sum(flushed_mask))
    # a true value beyond the largest finite number must come back as +-inf (or the largest finite number)
    bad_overflow = overflow & ~ref_nan & ~((np.sign(c) == np.sign(hi)) & (np.abs(c) >= fmax))
    nonfinite += int(np.sum(bad_overflow))
    x = None if inputs is None else np.asarray(inputs, np.float64).ravel()
    return Errors(e, nonfinite, flushed, nan_mismatch, hi, x, flushed_mask)


def summarize(errs: Sequence[Errors]) -> dict[str, float]:
    allu = np.concatenate([e.ulps for e in errs])
    fin = allu[np.isfinite(allu)]
    return {
        "max": float(fin.max()) if fin.size else 0.0,
        "p99": float(np.percentile(fin, 99)) if fin.size else 0.0,
        "nonfinite": sum(e.nonfinite for e in errs),
        "flushed": sum(e.flushed for e in errs),
        "nan_mismatch": sum(e.nan_mismatch for e in errs),
    }
