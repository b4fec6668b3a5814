"""Bad input: each error names the argument, what was expected and what was received."""
from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

import actloss  # noqa: E402
from actloss.doctor import Thresholds  # noqa: E402


def _model() -> nn.Module:
    return nn.Sequential(nn.Linear(2, 2))


def test_model_must_be_a_module() -> None:
    with pytest.raises(TypeError, match=r"model must be a torch\.nn\.Module; received str"):
        actloss.watch("resnet")


@pytest.mark.parametrize("every", [0, -1, 1.5, True, "10"])
def test_every_must_be_a_positive_int(every: object) -> None:
    with pytest.raises(ValueError, match=rf"every must be an int >= 1; received every={every!r}"):
        actloss.watch(_model(), every=every)


def test_window_must_be_a_positive_int() -> None:
    with pytest.raises(ValueError, match=r"window must be an int >= 1; received window=0"):
        actloss.watch(_model(), window=0)


def test_criterion_must_be_callable() -> None:
    with pytest.raises(TypeError, match=r"criterion must be a loss function.*received int: 42"):
        actloss.watch(_model(), criterion=42)
    with pytest.raises(TypeError, match=r"criterion must be a loss function.*received str"):
        actloss.check_batch(torch.zeros(2, 2), None, "mse")


def test_unknown_threshold_is_named_with_the_known_ones() -> None:
    with pytest.raises(TypeError, match=r"unknown threshold\(s\) dead_frac; expected keywords among .*dead_fraction"):
        actloss.watch(_model(), dead_frac=0.3)


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("dead_fraction", 1.5, r"dead_fraction must be a fraction in \(0, 1\]; received dead_fraction=1.5"),
        ("saturated_fraction", 0.0, r"saturated_fraction must be a finite number > 0; received"),
        ("vanishing_ratio", 2.0, r"vanishing_ratio must be in \(0, 1\); received vanishing_ratio=2.0"),
        ("max_grad_norm", float("inf"), r"max_grad_norm must be a finite number > 0; received max_grad_norm=inf"),
        ("growth", 1.0, r"growth must be > 1; received growth=1.0"),
        ("imbalance_ratio", "10", r"imbalance_ratio must be a finite number > 0; received imbalance_ratio='10'"),
        ("max_label", 2.5, r"max_label must be an int > 0; received max_label=2.5"),
    ],
)
def test_threshold_values_are_validated(name: str, value: object, expected: str) -> None:
    with pytest.raises(ValueError, match=expected):
        actloss.watch(_model(), **{name: value})
    with pytest.raises(ValueError, match=expected):
        Thresholds(**{name: value})


def test_loss_must_be_a_scalar() -> None:
    doctor = actloss.watch(_model())
    with pytest.raises(ValueError, match=r"loss must be a scalar .* received a tensor of shape \(3,\)"):
        doctor.step(torch.ones(3))
    with pytest.raises(TypeError, match=r"loss must be a scalar tensor or a real number; received str"):
        doctor.step("0.3")
    with pytest.raises(TypeError, match=r"targets must be a torch\.Tensor; received list"):
        doctor.step(0.3, targets=[1, 0])
    doctor.step(0.3)          # a plain number is fine
    doctor.close()


def test_report_format() -> None:
    doctor = actloss.watch(_model())
    with pytest.raises(ValueError, match=r"format must be one of 'text', 'json'; received format='xml'"):
        doctor.report(format="xml")
    doctor.close()


def test_check_batch_argument_types() -> None:
    with pytest.raises(TypeError, match=r"outputs must be a torch\.Tensor or a NumPy array; received list"):
        actloss.check_batch([0.1, 0.9], torch.zeros(2), nn.BCELoss())
    with pytest.raises(TypeError, match=r"targets must be a torch\.Tensor or a NumPy array; received tuple"):
        actloss.check_batch(torch.zeros(2), (0, 1), nn.BCELoss())
