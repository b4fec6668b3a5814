"""Generators of the bundled example data sets: small, seeded, written with fixed formatting.

``python -m actloss.data._generate`` rewrites the files in this folder; a test checks that the bundled files
equal what the generators produce, so the two cannot drift apart.
"""
from __future__ import annotations

import io
import os
from collections.abc import Callable

import numpy as np

N = 400


def _csv(header: list[str], columns: list[list[str]]) -> bytes:
    out = io.StringIO()
    out.write(",".join(header) + "\n")
    for row in zip(*columns):
        out.write(",".join(row) + "\n")
    return out.getvalue().encode("utf-8")


def _features(rng: np.random.Generator, n: int, k: int = 3) -> tuple[np.ndarray, list[list[str]]]:
    x = rng.standard_normal((n, k))
    return x, [[f"{v:.4f}" for v in x[:, j]] for j in range(k)]


def fraud() -> bytes:
    """Binary, severely imbalanced: 8 frauds in 400 transactions (2 %)."""
    rng = np.random.default_rng(101)
    x, cols = _features(rng, N)
    y = np.zeros(N, dtype=int)
    y[np.argsort(-(x[:, 0] + 0.5 * rng.standard_normal(N)))[:8]] = 1
    return _csv(["amount_z", "hour_z", "merchant_z", "is_fraud"], cols + [[str(v) for v in y]])


def spam() -> bytes:
    """Binary with string labels, mildly imbalanced (about 35 % spam)."""
    rng = np.random.default_rng(102)
    x, cols = _features(rng, N, 2)
    y = np.where(x[:, 0] + 0.8 * rng.standard_normal(N) > 0.45, "spam", "ham")
    return _csv(["links_z", "caps_z", "label"], cols + [list(y)])


def species() -> bytes:
    """Multiclass with string labels and imbalance 220 / 140 / 40."""
    rng = np.random.default_rng(103)
    labels = np.array(["setosa"] * 220 + ["versicolor"] * 140 + ["virginica"] * 40)
    labels = labels[rng.permutation(N)]
    centre = {"setosa": 0.0, "versicolor": 1.5, "virginica": 3.0}
    petal = np.array([centre[s] for s in labels]) + 0.5 * rng.standard_normal(N)
    return _csv(["petal_z", "species"], [[f"{v:.4f}" for v in petal], list(labels)])


def house_prices() -> bytes:
    """Regression with gross outliers: log-normal-ish prices, 4 % of them typed wrong (x10)."""
    rng = np.random.default_rng(104)
    x, cols = _features(rng, N, 2)
    price = 250.0 + 40.0 * x[:, 0] + 25.0 * x[:, 1] + 15.0 * rng.standard_normal(N)
    wrong = rng.choice(N, size=16, replace=False)
    price[wrong] *= 10.0
    return _csv(["size_z", "location_z", "price_k"], cols + [[f"{v:.2f}" for v in price]])


def temperature() -> bytes:
    """Regression with Gaussian noise: no outliers."""
    rng = np.random.default_rng(105)
    x, cols = _features(rng, N, 2)
    t = 12.0 + 6.0 * x[:, 0] - 2.0 * x[:, 1] + 1.5 * rng.standard_normal(N)
    return _csv(["season_z", "altitude_z", "temp_c"], cols + [[f"{v:.2f}" for v in t]])


def click_rate() -> bytes:
    """Bounded regression: click-through rates in (0, 1)."""
    rng = np.random.default_rng(106)
    x, cols = _features(rng, N, 2)
    rate = 1.0 / (1.0 + np.exp(-(-1.0 + 0.8 * x[:, 0] + 0.3 * rng.standard_normal(N))))
    return _csv(["position_z", "relevance_z", "ctr"], cols + [[f"{v:.4f}" for v in rate]])


def bike_counts() -> bytes:
    """Count regression: hourly rentals, Poisson with a rate that depends on the weather."""
    rng = np.random.default_rng(107)
    x, cols = _features(rng, N, 2)
    rentals = rng.poisson(np.exp(2.3 + 0.6 * x[:, 0]))
    return _csv(["temp_z", "rain_z", "rentals"], cols + [[str(v) for v in rentals]])


def tags() -> bytes:
    """Multilabel: four tags per article, some rare."""
    rng = np.random.default_rng(108)
    x, cols = _features(rng, N, 2)
    rates = {"sport": 0.4, "politics": 0.3, "science": 0.12, "obituary": 0.03}
    tag_cols = [[str(int(v)) for v in (rng.random(N) < r)] for r in rates.values()]
    return _csv(["topic_z", "length_z", *rates], cols + tag_cols)


def onehot() -> bytes:
    """Multiclass given as one-hot rows (4 classes), saved as .npy."""
    rng = np.random.default_rng(109)
    idx = rng.choice(4, size=N, p=[0.4, 0.3, 0.2, 0.1])
    out = io.BytesIO()
    np.save(out, np.eye(4, dtype=np.int8)[idx], allow_pickle=False)
    return out.getvalue()


GENERATORS: dict[str, tuple[str, Callable[[], bytes]]] = {
    "fraud": ("fraud.csv", fraud),
    "spam": ("spam.csv", spam),
    "species": ("species.csv", species),
    "house_prices": ("house_prices.csv", house_prices),
    "temperature": ("temperature.csv", temperature),
    "click_rate": ("click_rate.csv", click_rate),
    "bike_counts": ("bike_counts.csv", bike_counts),
    "tags": ("tags.csv", tags),
    "onehot": ("onehot.npy", onehot),
}


def write_all(folder: str | os.PathLike[str] | None = None) -> list[str]:
    """Write every example file into ``folder`` (default: this package) and return the paths."""
    folder = os.fspath(folder) if folder is not None else os.path.dirname(os.path.abspath(__file__))
    paths = []
    for filename, gen in GENERATORS.values():
        path = os.path.join(folder, filename)
        with open(path, "wb") as fh:
            fh.write(gen())
        paths.append(path)
    return paths


if __name__ == "__main__":  # pragma: no cover
    for written in write_all():
        print(written)
