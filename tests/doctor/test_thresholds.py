"""The host-side checks at their documented thresholds, on hand-made samples (no model, no torch ops)."""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch")

from actloss.doctor._checks.dead_relu import DeadReLU  # noqa: E402
from actloss.doctor._checks.gradients import ExplodingGradient, VanishingGradient  # noqa: E402
from actloss.doctor._checks.saturation import Saturation  # noqa: E402
from actloss.doctor._config import Thresholds  # noqa: E402
from actloss.doctor._sample import PLAIN, RELU, SQUASH, ActRecord, Context, GradRecord, Sample  # noqa: E402


def _ctx(**kw: float) -> Context:
    return Context(Thresholds(**kw), window=10)


def _relu_sample(step: int, maxima: list[float]) -> Sample:
    return Sample(step=step, acts=[ActRecord("act", RELU, np.asarray(maxima, float), len(maxima), "ReLU")])


@pytest.mark.parametrize(("dead", "reported"), [(5, True), (4, False)])
def test_dead_relu_at_exactly_half(dead: int, reported: bool) -> None:
    check, ctx = DeadReLU(), _ctx()
    for step in range(3):
        maxima = [0.0] * dead + [1.0] * (10 - dead)
        check.observe(_relu_sample(step, maxima), ctx)
    found = check.end_window(2, ctx)
    assert bool(found) is reported
    if reported:
        assert found[0].evidence["dead_fraction"] == 0.5 and found[0].evidence["window_steps"] == [0, 2]


def test_a_unit_alive_once_in_the_window_is_not_dead() -> None:
    check, ctx = DeadReLU(), _ctx()
    check.observe(_relu_sample(0, [0.0] * 10), ctx)
    check.observe(_relu_sample(1, [1.0] * 6 + [0.0] * 4), ctx)    # 6 units fire once
    assert check.end_window(1, ctx) == []


def test_dead_relu_partial_window_needs_three_samples_at_close() -> None:
    check, ctx = DeadReLU(), _ctx()
    check.observe(_relu_sample(0, [0.0] * 10), ctx)
    check.observe(_relu_sample(1, [0.0] * 10), ctx)
    assert check.end_window(1, ctx, final=True) == []


def _grad_sample(step: int, norms: dict[str, float], acts: list[tuple[str, str]] = ()) -> Sample:  # type: ignore[assignment]
    records = [ActRecord(n, role, np.zeros(1), 1, "Sigmoid" if role == SQUASH else "Linear") for n, role in acts]
    return Sample(step=step, acts=records,
                  grads=[GradRecord(list(norms), np.asarray(list(norms.values()), float))])


def test_vanishing_uses_the_median_ratio_of_the_window() -> None:
    acts = [("0", PLAIN), ("1", SQUASH), ("2", PLAIN), ("3", SQUASH), ("4", PLAIN)]
    check, ctx = VanishingGradient(), _ctx()
    for step, first in enumerate([1e-6, 1e-6, 1.0]):                # one healthy step: the median still vanishes
        check.observe(_grad_sample(step, {"0": first, "2": 0.1, "4": 1.0}, acts), ctx)
    (f,) = check.end_window(2, ctx)
    assert f.where == "0" and f.evidence["ratio_first_to_last"] == pytest.approx(1e-6)
    assert f.evidence["saturating_activations_between"] == ["1", "3"]


def test_vanishing_threshold_boundary() -> None:
    check, ctx = VanishingGradient(), _ctx()
    check.observe(_grad_sample(0, {"0": 1e-4, "1": 1.0}), ctx)     # exactly 1e-4: not below
    assert check.end_window(0, ctx) == []
    check.observe(_grad_sample(1, {"0": 0.99e-4, "1": 1.0}), ctx)
    assert [f.code for f in check.end_window(1, ctx)] == ["AL203"]


def test_exploding_threshold_and_growth() -> None:
    ctx = _ctx()
    check = ExplodingGradient()
    assert check.observe(_grad_sample(0, {"a": 600.0, "b": 800.0}), ctx) == []     # total 1000: not past it
    (f,) = check.observe(_grad_sample(1, {"a": 600.0, "b": 801.0}), ctx)
    assert f.evidence["trigger"] == "threshold" and f.where == "b"

    grow = ExplodingGradient()
    found = []
    for step, total in enumerate([0.5, 0.5, 0.5, 1.0, 2.0, 6.0]):
        found += grow.observe(_grad_sample(step, {"a": total}), ctx)
    assert found == []                           # 6.0 / 0.5 = 12x, but the last third is (2.0, 6.0): min 4x
    found += grow.observe(_grad_sample(6, {"a": 8.0}), ctx)
    found += grow.observe(_grad_sample(7, {"a": 9.0}), ctx)
    assert [f.evidence["trigger"] for f in found] == ["growth"]


def test_growth_below_the_floor_is_not_reported() -> None:
    check, ctx = ExplodingGradient(), _ctx()
    found = []
    for step, total in enumerate([1e-3] * 3 + [0.5] * 3):       # 500x, but ends at 0.5 < growth_floor=1
        found += check.observe(_grad_sample(step, {"a": total}), ctx)
    assert found == []


@pytest.mark.parametrize(("fraction", "reported"), [(0.9, True), (0.89, False)])
def test_saturation_boundary_and_heads(fraction: float, reported: bool) -> None:
    ctx = _ctx()
    check = Saturation()
    sample = Sample(step=0, acts=[ActRecord("h", SQUASH, np.asarray([fraction * 100, 0.0]), 100, "Tanh"),
                                  ActRecord("out", SQUASH, np.asarray([100.0, 0.0]), 100, "Sigmoid")])
    ctx.heads.add("out")                         # the output sigmoid feeding the loss: AL101's business
    check.observe(sample, ctx)
    assert [f.where for f in check.end_window(0, ctx)] == (["h"] if reported else [])
