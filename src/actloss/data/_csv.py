"""A small standard-library CSV reader: one NumPy array per column, typed int64, float64 or str (object)."""
from __future__ import annotations

import csv
import os

import numpy as np

_MISSING = {"", "na", "nan", "null", "none", "n/a"}


def _column(name: str, cells: list[str], path: str) -> np.ndarray:
    missing = [i for i, c in enumerate(cells) if c.strip().lower() in _MISSING]
    if missing:
        raise ValueError(f"column {name!r} of {path!r} has {len(missing)} missing value(s), the first in "
                         f"data row {missing[0] + 1}; expected complete targets")
    try:
        return np.array([int(c) for c in cells], dtype=np.int64)
    except (ValueError, OverflowError):
        pass
    try:
        return np.array([float(c) for c in cells], dtype=np.float64)
    except ValueError:
        pass
    lowered = {c.strip().lower() for c in cells}
    if lowered <= {"true", "false"}:
        return np.array([c.strip().lower() == "true" for c in cells], dtype=bool)
    return np.array(cells, dtype=object)


def read_csv_columns(path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """Read a CSV file with a header row into ``{column: array}``.

    Integers become int64, other numbers float64, 'true'/'false' bool, anything else str (object arrays).
    """
    p = os.fspath(path)
    with open(p, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    if not rows:
        raise ValueError(f"{p!r} is empty; expected a header row and data rows")
    header, data = rows[0], rows[1:]
    if not data:
        raise ValueError(f"{p!r} has a header but no data rows")
    ragged = [i + 2 for i, r in enumerate(data) if len(r) != len(header)]
    if ragged:
        raise ValueError(f"{p!r}: line {ragged[0]} has a different number of fields than the header "
                         f"({len(header)})")
    return {name: _column(name, [r[j] for r in data], p) for j, name in enumerate(header)}
