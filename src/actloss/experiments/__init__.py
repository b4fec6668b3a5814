"""Experiments: one module per claim, each writing its figures (PNG) and table (CSV), returning a ``Result``.

Examples:
    >>> from actloss import experiments
    >>> sorted(experiments.EXPERIMENTS)[:2]
    ['bce-stability', 'dead-relu']
    >>> r = experiments.run("vanishing-sigmoid", out_dir="out", size="small")   # doctest: +SKIP
    >>> r.holds, r.verdict, r.files                                            # doctest: +SKIP

``size='small'`` is what the tests run (seconds); ``size='full'`` is what ``actloss experiment`` and the
documentation use. Every run is seeded: the same seed gives the same numbers on the same machine and library
versions.
"""
from __future__ import annotations

import importlib
from pathlib import Path

from ._common import SIZES as SIZES
from ._common import Result as Result

# command-line name -> module in this package
EXPERIMENTS: dict[str, str] = {
    "mse-classification": "mse_classification",
    "vanishing-sigmoid": "vanishing_sigmoid",
    "dead-relu": "dead_relu",
    "bce-stability": "bce_stability",
    "focal-vs-ce": "focal_vs_ce",
    "gallery": "gallery",
}


def claim(name: str) -> str:
    """The sentence experiment ``name`` checks."""
    return _module(name).CLAIM


def run(name: str, out_dir: str | Path | None = None, size: str = "full", seed: int = 0) -> Result:
    """Run experiment ``name``; write its PNG(s) and CSV under ``out_dir`` when given."""
    return _module(name).run(Path(out_dir) if out_dir is not None else None, size=size, seed=seed)


def _module(name: str):  # noqa: ANN202
    if name not in EXPERIMENTS:
        raise ValueError(f"experiment must be one of {', '.join(EXPERIMENTS)}; received {name!r}")
    return importlib.import_module(f"{__name__}.{EXPERIMENTS[name]}")


__all__ = ["EXPERIMENTS", "Result", "SIZES", "claim", "run"]
