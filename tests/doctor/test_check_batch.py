"""``actloss.check_batch``: one batch, no model."""
from __future__ import annotations

import functools

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nn = torch.nn
F = torch.nn.functional

import actloss  # noqa: E402


def _codes(findings: list) -> list[str]:  # type: ignore[type-arg]
    return [f.code for f in findings]


@pytest.fixture()
def logits() -> torch.Tensor:
    return torch.randn(64, 5, generator=torch.Generator().manual_seed(1)) * 3


@pytest.fixture()
def labels() -> torch.Tensor:
    return torch.randint(0, 5, (64,), generator=torch.Generator().manual_seed(2))


@pytest.mark.parametrize("criterion", [nn.CrossEntropyLoss(), F.cross_entropy])
def test_softmax_probabilities_to_cross_entropy(criterion, logits, labels) -> None:  # type: ignore[no-untyped-def]
    (f,) = actloss.check_batch(torch.softmax(logits, 1), labels, criterion)
    assert f.code == "AL102" and f.where == "outputs" and f.step == 0
    assert actloss.check_batch(logits, labels, criterion) == []


def test_log_softmax_to_cross_entropy(logits, labels) -> None:  # type: ignore[no-untyped-def]
    assert _codes(actloss.check_batch(torch.log_softmax(logits, 1), labels, nn.CrossEntropyLoss())) == ["AL102"]


def test_nll_loss_inputs(logits, labels) -> None:  # type: ignore[no-untyped-def]
    assert _codes(actloss.check_batch(logits, labels, nn.NLLLoss())) == ["AL103"]
    assert _codes(actloss.check_batch(torch.softmax(logits, 1), labels, F.nll_loss)) == ["AL103"]
    assert actloss.check_batch(torch.log_softmax(logits, 1), labels, nn.NLLLoss()) == []


def test_probabilities_to_bce_with_logits(logits) -> None:  # type: ignore[no-untyped-def]
    y = (logits > 0).float()
    assert _codes(actloss.check_batch(torch.sigmoid(logits), y, nn.BCEWithLogitsLoss())) == ["AL101"]
    assert actloss.check_batch(logits, y, nn.BCEWithLogitsLoss()) == []


def test_bce_loss_inputs_saturated_at_exactly_one() -> None:
    p = torch.sigmoid(torch.tensor([[0.5], [20.0], [-3.0], [30.0]]))     # sigmoid(20) rounds to 1.0 in float32
    (f,) = actloss.check_batch(p, torch.tensor([[1.0], [0.0], [0.0], [1.0]]), nn.BCELoss())
    assert f.code == "AL101" and f.evidence["saturated_inputs"] == 2
    assert actloss.check_batch(torch.sigmoid(torch.tensor([[0.5], [3.0]])), torch.ones(2, 1), nn.BCELoss()) == []


def test_regression_loss_on_labels_one_hot_and_soft_labels(labels) -> None:  # type: ignore[no-untyped-def]
    out = torch.randn(64, 1)
    (f,) = actloss.check_batch(out, labels.float().unsqueeze(1), nn.MSELoss())
    assert f.code == "AL104" and f.where == "criterion:MSELoss"
    one_hot = F.one_hot(labels, 5).float()
    assert _codes(actloss.check_batch(torch.randn(64, 5), one_hot, F.smooth_l1_loss)) == ["AL104"]
    soft = torch.softmax(torch.randn(64, 5), 1)
    (g,) = actloss.check_batch(torch.randn(64, 5), soft, nn.HuberLoss())
    assert g.evidence["looks_like"] == "probability rows summing to 1"
    assert actloss.check_batch(out, torch.randn(64, 1), nn.MSELoss()) == []


def test_max_label_bounds_what_counts_as_class_labels() -> None:
    y = torch.arange(64).remainder(12).float().unsqueeze(1)       # integers 0..11
    assert actloss.check_batch(torch.randn(64, 1), y, nn.L1Loss()) == []
    assert _codes(actloss.check_batch(torch.randn(64, 1), y, nn.L1Loss(), max_label=11)) == ["AL104"]


def test_multi_hot_targets_to_cross_entropy() -> None:
    y = torch.zeros(8, 4)
    y[:, 0] = 1
    y[0, 2] = 1
    (f,) = actloss.check_batch(torch.randn(8, 4), y, nn.CrossEntropyLoss())
    assert f.code == "AL105" and f.evidence["max_ones_per_row"] == 2
    soft = torch.full((8, 4), 0.25)                               # probability targets are fine
    assert actloss.check_batch(torch.randn(8, 4), soft, nn.CrossEntropyLoss()) == []


def test_class_imbalance_needs_enough_targets_and_no_weight() -> None:
    y = torch.zeros(1000, 1)
    y[:10] = 1                                                     # 1% positives
    out = torch.randn(1000, 1)
    (f,) = actloss.check_batch(out, y, nn.BCEWithLogitsLoss())
    assert f.code == "AL108" and f.evidence["positive_rate"] == pytest.approx(0.01)
    assert "pos_weight=torch.tensor(99)" in f.fix
    assert actloss.check_batch(out, y, nn.BCEWithLogitsLoss(pos_weight=torch.tensor(99.0))) == []
    assert actloss.check_batch(out[:50], y[:50], nn.BCEWithLogitsLoss()) == []       # 50 targets: too few
    weighted = functools.partial(F.binary_cross_entropy_with_logits, pos_weight=torch.tensor(99.0))
    assert actloss.check_batch(out, y, weighted) == []


def test_class_imbalance_multi_label_names_the_rare_label() -> None:
    g = torch.Generator().manual_seed(0)
    y = (torch.rand(500, 3, generator=g) < torch.tensor([0.5, 0.4, 0.02])).float()
    (f,) = actloss.check_batch(torch.randn(500, 3), y, nn.BCEWithLogitsLoss())
    assert f.evidence["label"] == 2 and f.evidence["labels_past_threshold"] == 1


def test_imbalance_ratio_is_configurable() -> None:
    y = torch.cat([torch.zeros(450), torch.ones(50)]).long()      # 9:1
    assert actloss.check_batch(torch.randn(500, 2), y, nn.CrossEntropyLoss()) == []
    (f,) = actloss.check_batch(torch.randn(500, 2), y, nn.CrossEntropyLoss(), imbalance_ratio=5)
    assert f.code == "AL108" and f.evidence["ratio_most_to_least"] == pytest.approx(9.0)


def test_non_finite_outputs() -> None:
    out = torch.randn(8, 3)
    out[2, 1] = float("nan")
    (f,) = actloss.check_batch(out, torch.randint(0, 3, (8,)), nn.CrossEntropyLoss())
    assert f.code == "AL201" and f.where == "outputs"


def test_numpy_arrays_are_accepted(logits, labels) -> None:  # type: ignore[no-untyped-def]
    probs = torch.softmax(logits, 1).numpy()
    assert _codes(actloss.check_batch(probs, labels.numpy(), nn.CrossEntropyLoss())) == ["AL102"]
    assert isinstance(np.asarray(probs), np.ndarray)


def test_unrecognised_criterion_gets_only_the_non_finite_check(logits, labels) -> None:  # type: ignore[no-untyped-def]
    def my_loss(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(x, y)

    assert actloss.check_batch(torch.softmax(logits, 1), labels, my_loss) == []
    bad = torch.full((4, 5), float("inf"))
    assert _codes(actloss.check_batch(bad, labels[:4], my_loss)) == ["AL201"]


def test_targets_may_be_omitted(logits) -> None:  # type: ignore[no-untyped-def]
    assert _codes(actloss.check_batch(torch.softmax(logits, 1), None, nn.CrossEntropyLoss())) == ["AL102"]
