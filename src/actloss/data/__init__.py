"""Small generated example data sets bundled with actloss (no downloads), for the tests and the demo.

Each set is written by a seeded generator in :mod:`actloss.data._generate`;
``python -m actloss.data._generate`` rewrites them and a test checks that the bundled files match.

>>> sorted(EXAMPLES)[:3]
['bike_counts', 'click_rate', 'fraud']
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class Example:
    """One bundled data set: its file, the target column(s) and what it shows."""

    name: str
    filename: str
    target: str | None  # column name(s) separated by commas; None for a .npy array used whole
    description: str


EXAMPLES: dict[str, Example] = {e.name: e for e in (
    Example("fraud", "fraud.csv", "is_fraud", "binary, 2 % positives (severe imbalance)"),
    Example("spam", "spam.csv", "label", "binary with string labels 'ham'/'spam'"),
    Example("species", "species.csv", "species", "multiclass with string labels, counts 220/140/40"),
    Example("house_prices", "house_prices.csv", "price_k", "regression with 4 % gross outliers"),
    Example("temperature", "temperature.csv", "temp_c", "regression with Gaussian noise"),
    Example("click_rate", "click_rate.csv", "ctr", "bounded regression: rates in (0, 1)"),
    Example("bike_counts", "bike_counts.csv", "rentals", "count regression: Poisson rentals"),
    Example("tags", "tags.csv", "sport,politics,science,obituary", "multilabel: four tags, one rare"),
    Example("onehot", "onehot.npy", None, "multiclass as one-hot rows (4 classes)"),
)}


def example_path(name: str) -> Path:
    """Path of the bundled file of example ``name``.

    >>> example_path("fraud").name
    'fraud.csv'
    """
    if name not in EXAMPLES:
        raise ValueError(f"name must be one of {', '.join(sorted(EXAMPLES))}; received {name!r}")
    return Path(__file__).resolve().parent / EXAMPLES[name].filename


def load_example(name: str) -> dict[str, np.ndarray] | np.ndarray:
    """The example's columns as ``{name: array}`` (CSV), or the array (``.npy``).

    >>> cols = load_example("spam")
    >>> sorted(set(cols["label"]))
    ['ham', 'spam']
    """
    path = example_path(name)
    if path.suffix == ".npy":
        return np.load(path, allow_pickle=False)
    from actloss.data._csv import read_csv_columns

    return read_csv_columns(path)
