"""Turn user targets (NumPy, torch, JAX, list, pandas) into a validated NumPy array, with clear errors.

Every failure is a ``ValueError`` naming ``targets``, what was expected and what was received; nothing
here lets a NumPy or pandas traceback escape. No framework is imported: torch, JAX and pandas objects are
recognised by the module of their type.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

EXPECTED = "a 1-D array of labels or values, or a 2-D (samples x outputs) array"


@dataclass(frozen=True)
class Targets:
    """Validated targets.

    values: 1-D or 2-D array; dtype bool, int64, float64, or object holding str labels only.
    kind: 'bool' | 'numeric' | 'label' (strings).
    columns: output names for 2-D targets (DataFrame column names or '0', '1', ...).
    source: a short description of what was received, for the reasons.
    """

    values: np.ndarray
    kind: str
    columns: tuple[Any, ...]  # output names: DataFrame column names, else indices 0..k-1
    source: str

    @property
    def n_samples(self) -> int:
        return int(self.values.shape[0])


def _type_name(obj: Any) -> str:
    t = type(obj)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__name__}"


def _err(msg: str) -> ValueError:
    return ValueError(f"targets: {msg}")


def _from_torch(obj: Any) -> np.ndarray:
    t = obj.detach()
    if t.is_complex():
        raise _err(f"expected real or label targets; received a complex torch tensor ({t.dtype})")
    if str(t.dtype) in ("torch.bfloat16", "torch.float16"):
        t = t.float()  # NumPy has no bfloat16; float32 holds both exactly
    try:
        return t.cpu().numpy()
    except (TypeError, RuntimeError) as exc:  # e.g. quantized or sparse layouts
        raise _err(f"cannot read a torch tensor of dtype {t.dtype} and layout {t.layout}: {exc}") from None


def _from_pandas(obj: Any) -> tuple[np.ndarray, tuple[str, ...]]:
    name = type(obj).__name__
    if name == "DataFrame":
        cols = [str(c) for c in obj.columns]
        if not cols:
            raise _err("received a pandas DataFrame with no columns")
        _check_missing_pandas(obj, "DataFrame")
        arrays = [_series_values(obj.iloc[:, j]) for j in range(len(cols))]
        if len(arrays) == 1:
            return arrays[0], ()
        kinds = {a.dtype.kind for a in arrays}
        if "O" in kinds or "U" in kinds:
            raise _err(
                "a DataFrame with several columns must hold numbers or booleans in every column "
                f"(multi-label or multi-output targets); received columns {cols} with dtypes "
                f"{[str(d) for d in obj.dtypes]}. Pass a single column for string labels."
            )
        return np.column_stack([a.astype(np.float64) if len(kinds) > 1 else a for a in arrays]), tuple(cols)
    if name == "Series":
        _check_missing_pandas(obj, "Series")
        return _series_values(obj), ()
    raise _err(f"expected a pandas Series or DataFrame; received {_type_name(obj)}")


def _check_missing_pandas(obj: Any, what: str) -> None:
    missing = obj.isna()
    n = int(missing.to_numpy().sum())
    if n:
        raise _err(f"the {what} contains {n} missing value(s) (NaN/None/NA); expected complete targets. "
                   "Drop or impute them first.")


def _series_values(s: Any) -> np.ndarray:
    dtype = s.dtype
    if str(dtype) == "category":
        return s.astype(object).to_numpy(dtype=object)
    kind = getattr(dtype, "kind", "O")
    if kind == "b":
        return s.to_numpy(dtype=bool)
    if kind in "iu":
        return s.to_numpy(dtype=np.int64)
    if kind == "f":
        return s.to_numpy(dtype=np.float64)
    if kind == "M" or kind == "m":
        raise _err(f"expected numbers or labels; received a pandas column of dtype {dtype}")
    return s.to_numpy(dtype=object)


def _classify_objects(arr: np.ndarray) -> np.ndarray:
    """Give an object array a proper dtype, or raise for missing values, nesting and mixed types."""
    flat = arr.ravel()
    groups: dict[str, int] = {}
    first_bad: dict[str, int] = {}
    for i, v in enumerate(flat):
        if v is None or (isinstance(v, float) and v != v):
            g = "missing"
        elif isinstance(v, (bool, np.bool_)):
            g = "bool"
        elif isinstance(v, numbers.Integral):
            g = "int"
        elif isinstance(v, numbers.Real):
            g = "float"
        elif isinstance(v, (str, np.str_)):
            g = "str"
        elif isinstance(v, (bytes, np.bytes_)):
            g = "bytes"
        elif isinstance(v, (list, tuple, np.ndarray)):
            g = "sequence"
        else:
            g = type(v).__name__
        groups[g] = groups.get(g, 0) + 1
        first_bad.setdefault(g, i)
    if "missing" in groups:
        raise _err(f"found {groups['missing']} missing value(s) (None/NaN), the first at flat index "
                   f"{first_bad['missing']}; expected complete targets")
    if "sequence" in groups:
        raise _err("found nested sequences of different lengths (ragged targets); expected " + EXPECTED)
    found = ", ".join(f"{g} ({n})" for g, n in sorted(groups.items()))
    numeric = {"int", "float"}
    if set(groups) <= {"bool"}:
        return flat.astype(bool).reshape(arr.shape)
    if set(groups) <= {"int"}:
        try:
            return flat.astype(np.int64).reshape(arr.shape)
        except OverflowError:
            return flat.astype(np.float64).reshape(arr.shape)
    if set(groups) <= numeric:
        return flat.astype(np.float64).reshape(arr.shape)
    if set(groups) <= {"str"}:
        return np.array([str(v) for v in flat], dtype=object).reshape(arr.shape)
    if set(groups) <= {"bytes"}:
        return np.array([bytes(v).decode("utf-8", "replace") for v in flat], dtype=object).reshape(arr.shape)
    raise _err(f"found values of mixed types: {found}; expected all numbers, all booleans or all strings")


def to_array(targets: Any) -> tuple[np.ndarray, tuple[Any, ...]]:
    """Convert anything array-like to a NumPy array, without validation of the values."""
    if targets is None:
        raise _err("received None; expected " + EXPECTED)
    mod = type(targets).__module__.split(".")[0]
    columns: tuple[Any, ...] = ()
    if mod == "torch" and hasattr(targets, "detach"):
        arr = _from_torch(targets)
    elif mod == "pandas":
        arr, columns = _from_pandas(targets)
    elif isinstance(targets, (str, bytes)):
        raise _err(f"received a single string {targets!r}; expected " + EXPECTED)
    elif isinstance(targets, np.ndarray):
        arr = targets
    elif mod in ("jax", "jaxlib") or hasattr(targets, "__array__"):
        try:
            arr = np.asarray(targets)
        except (TypeError, ValueError) as exc:
            raise _err(f"cannot convert {_type_name(targets)} to an array: {exc}") from None
    elif isinstance(targets, (dict, set, frozenset)):
        raise _err(f"received a {type(targets).__name__}, which has no sample order; expected " + EXPECTED)
    elif isinstance(targets, (list, tuple, range)) or hasattr(targets, "__iter__"):
        seq = list(targets)
        try:
            arr = np.array(seq, dtype=object)
        except ValueError:
            msg = "nested sequences have different lengths (ragged targets); expected " + EXPECTED
            raise _err(msg) from None
    elif isinstance(targets, numbers.Number):
        raise _err(f"received a single number {targets!r}; expected " + EXPECTED)
    else:
        raise _err(f"cannot read {_type_name(targets)}; expected " + EXPECTED +
                   " (NumPy, torch, JAX, list, pandas Series or DataFrame)")
    return arr, columns


def validate(targets: Any) -> Targets:
    "Return validated :class:`Targets`, or raise ``ValueError`` saying what was found and what is expected."
    arr, columns = to_array(targets)
    source = _type_name(targets)
    if arr.dtype.kind == "V" or arr.dtype.kind not in "biufcOUSMm":  # ml_dtypes (bfloat16, float8), ...
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError):
            msg = f"cannot read an array of dtype {arr.dtype}; expected numbers, booleans or strings"
            raise _err(msg) from None
    if arr.ndim == 0:
        raise _err(f"received a 0-dimensional array (a single value); expected {EXPECTED}")
    if arr.ndim > 2:
        raise _err(f"received a {arr.ndim}-D array of shape {tuple(arr.shape)}; expected {EXPECTED}. "
                   "Flatten the extra dimensions (e.g. segmentation maps to one row per pixel) first.")
    if arr.size == 0:
        raise _err(f"received an empty array of shape {tuple(arr.shape)}; expected at least two samples")
    kind = arr.dtype.kind
    if kind == "c":
        raise _err(f"expected real numbers or labels; received complex values (dtype {arr.dtype})")
    if kind in "Mm":
        raise _err(f"expected numbers or labels; received dates or durations (dtype {arr.dtype})")
    if kind == "O":
        arr = _classify_objects(arr)
        kind = arr.dtype.kind
    elif kind in "US":
        arr = _classify_objects(arr.astype(object))
        kind = arr.dtype.kind
    if kind == "b":
        values, tkind = arr.astype(bool), "bool"
    elif kind in "iu":
        if kind == "u" and arr.size and int(arr.max()) > np.iinfo(np.int64).max:
            values = arr.astype(np.float64)
        else:
            values = arr.astype(np.int64)
        tkind = "numeric"
    elif kind == "f":
        values = arr.astype(np.float64)
        bad = ~np.isfinite(values)
        if bad.any():
            n_nan = int(np.isnan(values).sum())
            n_inf = int(bad.sum()) - n_nan
            first = int(np.flatnonzero(bad.ravel())[0])
            raise _err(f"found {n_nan} NaN and {n_inf} infinite value(s), the first at flat index {first}; "
                       "expected finite numbers. Drop or impute them first.")
        tkind = "numeric"
    elif kind == "O":
        values, tkind = arr, "label"
    else:  # pragma: no cover - every dtype kind is handled above
        raise _err(f"cannot read an array of dtype {arr.dtype}")
    if values.ndim == 2 and values.shape[1] == 1:
        values = values[:, 0]
        columns = ()
    if values.ndim == 2:
        if tkind == "label":
            raise _err(f"received a 2-D array of strings of shape {tuple(values.shape)}; string labels must "
                       "be a single column (1-D)")
        if not columns:
            columns = tuple(range(values.shape[1]))
    if values.shape[0] < 2:
        raise _err(f"received {values.shape[0]} sample; expected at least two samples to infer anything")
    return Targets(values=values, kind=tkind, columns=columns, source=source)
