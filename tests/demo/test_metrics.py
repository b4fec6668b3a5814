"""The experiments' metrics against hand-computed values (independent of the code under test)."""
from __future__ import annotations

import numpy as np
import pytest

from actloss.experiments import _common as c


def test_pr_auc_hand_computed() -> None:
    # ranking: + - + -  -> precision at the two positives: 1/1 and 2/3; AP = (1 + 2/3) / 2
    scores = np.array([0.9, 0.8, 0.7, 0.1])
    y = np.array([1, 0, 1, 0])
    assert c.pr_auc(scores, y) == pytest.approx((1 + 2 / 3) / 2)
    assert c.pr_auc(-scores, y) == pytest.approx((1 / 2 + 2 / 4) / 2)   # reversed: positives at ranks 2 and 4


def test_pr_auc_ties_share_one_threshold() -> None:
    # every score equal: one threshold, precision = prevalence at recall 1
    assert c.pr_auc(np.zeros(10), np.r_[np.ones(3), np.zeros(7)]) == pytest.approx(0.3)


def test_pr_auc_needs_a_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        c.pr_auc(np.zeros(3), np.zeros(3))


def test_ece_zero_when_calibrated_and_large_when_not() -> None:
    rng = np.random.default_rng(0)
    p = rng.uniform(0, 1, 200_000)
    y = (rng.uniform(0, 1, p.size) < p).astype(int)
    assert c.ece(p, y) < 0.01
    assert c.ece(np.full(p.size, 0.99), y) > 0.4     # claims 99 % confidence, right about half the time


def test_log_loss_and_repair() -> None:
    prob = np.array([[0.5, 0.5], [0.25, 0.75]])
    assert c.log_loss(prob, np.array([0, 1])) == pytest.approx(-(np.log(0.5) + np.log(0.75)) / 2)
    fixed = c.as_probabilities(np.array([[-0.2, 1.2]]))
    assert fixed.sum() == pytest.approx(1.0) and fixed.min() > 0


def test_f1() -> None:
    assert c.f1_at(np.array([0.9, 0.6, 0.2, 0.1]), np.array([1, 0, 1, 0])) == pytest.approx(0.5)


def test_bad_size_is_refused() -> None:
    from actloss import experiments

    with pytest.raises(ValueError, match="size must be one of"):
        experiments.run("gallery", size="huge")
    with pytest.raises(ValueError, match="experiment must be one of"):
        experiments.run("no-such-experiment")
