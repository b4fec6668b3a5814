"""Read targets from a file: CSV, Parquet (with pandas and pyarrow/fastparquet) or ``.npy``.

CSV is read with pandas when it is installed, otherwise with the standard library; both give the same arrays.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from actloss.data._csv import read_csv_columns

FORMATS = (".csv", ".parquet", ".pq", ".npy")


def _split_target(target: str | Sequence[str] | None) -> list[str] | None:
    if target is None:
        return None
    if isinstance(target, str):
        names = [s.strip() for s in target.split(",") if s.strip()]
    else:
        names = [str(s) for s in target]
    if not names:
        raise ValueError(f"target must name one or more columns; received {target!r}")
    return names


def _pick(columns: dict[str, Any], names: list[str] | None, path: str) -> Any:
    available = list(columns)
    if names is None:
        if len(available) == 1:
            return columns[available[0]]
        raise ValueError(f"{path} has {len(available)} columns {available}; pass target= (--target) to name "
                         "the target column, or several separated by commas for multi-label targets")
    missing = [n for n in names if n not in columns]
    if missing:
        raise ValueError(f"target column(s) {missing} not found in {path}; available columns: {available}")
    if len(names) == 1:
        return columns[names[0]]
    return {n: columns[n] for n in names}


def read_targets(path: str | os.PathLike[str], target: str | Sequence[str] | None = None,
                 *, use_pandas: bool | None = None) -> Any:
    """Load targets from ``path`` for :func:`actloss.recommend`.

    Args:
        path: a ``.csv``, ``.parquet`` or ``.npy`` file.
        target: the target column, or several (a list, or one string separated by commas) for multi-label or
            multi-output targets. For ``.npy`` files, column indices of a 2-D array; omit it to use the array.
        use_pandas: read CSV with pandas (True), with the standard library (False), or pandas when installed
            (None).

    Returns:
        A 1-D NumPy array for one column, or a pandas DataFrame / dict-built 2-D array for several columns.

    Example:
        >>> from actloss.data import example_path
        >>> y = read_targets(example_path("fraud"), target="is_fraud")
        >>> int(y.sum()) > 0
        True
    """
    p = os.fspath(path)
    ext = os.path.splitext(p)[1].lower()
    if ext not in FORMATS:
        raise ValueError(f"path must end in one of {', '.join(FORMATS)}; received {p!r}")
    if not os.path.isfile(p):
        raise ValueError(f"path {p!r} does not exist or is not a file")
    names = _split_target(target)
    if ext == ".npy":
        try:
            arr = np.load(p, allow_pickle=False)
        except (ValueError, OSError) as exc:
            raise ValueError(f"cannot read {p!r} as a .npy array: {exc}") from None
        if names is None:
            return arr
        if arr.ndim != 2:
            raise ValueError(f"target= selects columns of a 2-D .npy array; {p!r} holds a {arr.ndim}-D array")
        try:
            idx = [int(n) for n in names]
        except ValueError:
            raise ValueError(f"target= for a .npy file must be column indices; received {target!r}") from None
        bad = [i for i in idx if not -arr.shape[1] <= i < arr.shape[1]]
        if bad:
            raise ValueError(f"target column indices {bad} out of range for {arr.shape[1]} columns in {p!r}")
        return arr[:, idx[0]] if len(idx) == 1 else arr[:, idx]
    if ext in (".parquet", ".pq"):
        try:
            import pandas as pd

            frame = pd.read_parquet(p)
        except ImportError as exc:
            raise ValueError(f"reading Parquet needs pandas with pyarrow or fastparquet installed ({exc}); "
                             "convert the file to CSV or .npy, or install pyarrow") from None
        columns = {str(c): frame[c] for c in frame.columns}
        picked = _pick(columns, names, p)
        if isinstance(picked, dict):
            return pd.DataFrame(picked)
        return picked
    if use_pandas is None:
        try:
            import pandas  # noqa: F401

            use_pandas = True
        except ImportError:  # pragma: no cover - pandas is in the dev set
            use_pandas = False
    if use_pandas:
        import pandas as pd

        try:
            frame = pd.read_csv(p)
        except (ValueError, pd.errors.ParserError) as exc:
            raise ValueError(f"cannot read {p!r} as CSV: {exc}") from None
        columns = {str(c): frame[c] for c in frame.columns}
        picked = _pick(columns, names, p)
        return pd.DataFrame(picked) if isinstance(picked, dict) else picked
    cols = read_csv_columns(p)
    picked = _pick(cols, names, p)
    if isinstance(picked, dict):
        return _stack(picked)
    return picked


def _stack(cols: dict[str, np.ndarray]) -> Any:
    arrays = list(cols.values())
    if any(a.dtype == object for a in arrays):
        raise ValueError(f"several target columns must all be numeric; columns {list(cols)} include text")
    return np.column_stack(arrays)
