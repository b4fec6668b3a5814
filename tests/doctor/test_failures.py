"""Each check, triggered by a small model built to exhibit its failure, and the same model trained the healthy way
for 200 steps with no finding."""
from __future__ import annotations

import math

import pytest

from doctor_helpers import Data, codes, mlp, only, train

torch = pytest.importorskip("torch")
nn = torch.nn


# --------------------------------------------------------------------------------------------------- AL202
def test_dead_relu_from_large_negative_bias_names_the_relu() -> None:
    model = mlp([8, 32, 1], nn.ReLU)
    with torch.no_grad():
        model[0].bias[:24] = -10.0     # 24 of 32 units can never turn on; the other 8 keep the gradient flowing
        model[0].weight.mul_(0.3)
    d = Data()
    f = only(train(model, nn.MSELoss(), d.regression, steps=20), "AL202")
    assert f.where == "1"                                  # the ReLU, as in model.named_modules()
    assert f.evidence["dead_units"] >= 24 and f.evidence["units"] == 32
    assert f.evidence["dead_fraction"] >= 0.75
    assert "LeakyReLU" in f.fix


def test_dead_relu_threshold_is_configurable() -> None:
    model = mlp([8, 32, 1], nn.ReLU)
    with torch.no_grad():
        model[0].bias[:24] = -10.0
        model[0].weight.mul_(0.3)
    # 24/32 = 75% dead (a few more may be off by chance): below a 95% threshold, no finding
    assert codes(train(model, nn.MSELoss(), Data().regression, steps=20, dead_fraction=0.95)) == []


def test_dead_relu_from_a_huge_learning_rate() -> None:
    # lr=1.0 on a small regression: the gradient spikes (AL204), the overshooting update drives most units of
    # the second ReLU negative for every input, and they never come back (AL202)
    doctor = train(mlp([8, 32, 32, 1], nn.ReLU), nn.MSELoss(), Data().regression, steps=20, lr=1.0)
    assert sorted(codes(doctor)) == ["AL202", "AL204"], doctor.report()
    dead = next(f for f in doctor.findings if f.code == "AL202")
    assert dead.where == "3"
    assert dead.evidence["dead_fraction"] >= 0.5


def test_relu_mlp_trained_healthily_has_no_finding() -> None:
    d = Data()
    assert codes(train(mlp([8, 32, 1], nn.ReLU), nn.MSELoss(), d.regression, steps=200)) == []


# --------------------------------------------------------------------------------------------------- AL203
def _deep(act: type, depth: int = 10, width: int = 16) -> nn.Sequential:
    return mlp([8] + [width] * depth + [3], act)


def test_ten_layer_sigmoid_mlp_has_vanishing_gradients_at_the_first_layer() -> None:
    f = only(train(_deep(nn.Sigmoid), nn.CrossEntropyLoss(), Data().classes, steps=20), "AL203")
    assert f.where == "0"
    assert f.evidence["ratio_first_to_last"] < 1e-4
    assert f.evidence["last_layer"] == "20"
    # the sigmoids in between are named, in forward order
    assert f.evidence["saturating_activations_between"] == [str(i) for i in range(1, 20, 2)]
    assert "ReLU" in f.fix or "GELU" in f.fix


def test_ten_layer_relu_mlp_with_kaiming_init_has_no_finding() -> None:
    model = _deep(nn.ReLU)
    for m in model:
        if isinstance(m, nn.Linear):
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
            nn.init.zeros_(m.bias)
    assert codes(train(model, nn.CrossEntropyLoss(), Data().classes, steps=200, lr=0.02)) == []


def test_vanishing_ratio_is_configurable() -> None:
    doctor = train(_deep(nn.Sigmoid), nn.CrossEntropyLoss(), Data().classes, steps=20, vanishing_ratio=1e-12)
    assert "AL203" not in codes(doctor)


# --------------------------------------------------------------------------------------------------- AL204
def test_gradient_past_the_threshold_names_the_largest_layer() -> None:
    model = mlp([8, 16, 16, 16, 1], nn.Tanh)   # tanh keeps the forward bounded: no NaN, only large gradients
    with torch.no_grad():
        model[6].weight.mul_(1e4)              # the head: its input is bounded, its gradient is not
    d = Data()
    f = only(train(model, nn.MSELoss(), lambda: (d.x(32, 8), 1e3 * d.x(32, 1)), steps=5, lr=1e-12), "AL204")
    assert f.evidence["trigger"] == "threshold"
    assert f.evidence["total_grad_norm"] > 1e3
    assert f.where == f.evidence["largest_layer"]
    assert "clip_grad_norm_" in f.fix


def test_learning_rate_blow_up_grows_the_gradient_then_turns_to_nan() -> None:
    d = Data()
    doctor = train(mlp([8, 32, 32, 1], nn.ReLU), nn.MSELoss(), d.regression, steps=30, lr=3.0)
    found = codes(doctor)
    assert found[0] == "AL204", doctor.report()          # growth is caught before the NaN
    assert doctor.findings[0].evidence["trigger"] == "growth"
    assert set(found) == {"AL204", "AL201"}, doctor.report()
    nan = doctor.findings[found.index("AL201")]
    assert nan.step > doctor.findings[0].step


def test_the_blow_up_mlp_at_a_sane_learning_rate_has_no_finding() -> None:
    assert codes(train(mlp([8, 32, 32, 1], nn.ReLU), nn.MSELoss(), Data().regression, steps=200, lr=0.05)) == []


def test_the_large_head_mlp_without_the_scaling_has_no_finding() -> None:
    d = Data()
    model = mlp([8, 16, 16, 16, 1], nn.Tanh)
    assert codes(train(model, nn.MSELoss(), lambda: (d.x(32, 8), d.x(32, 1)), steps=200, lr=0.01)) == []


def test_growth_factor_is_configurable() -> None:
    d = Data()
    doctor = train(mlp([8, 32, 32, 1], nn.ReLU), nn.MSELoss(), d.regression, steps=30, lr=3.0, growth=1e30,
                   max_grad_norm=1e30)
    assert "AL204" not in codes(doctor)
    assert "AL201" in codes(doctor)


# --------------------------------------------------------------------------------------------------- AL201
class Log(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.log(x)


def test_nan_from_log_of_negative_names_the_module() -> None:
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1), Log())
    d = Data()
    f = only(train(model, nn.MSELoss(), lambda: (d.x(32, 4), d.x(32, 1)), steps=3), "AL201")
    assert f.where == "3"
    assert f.step == 0
    assert f.evidence["origin"] == "activation"
    assert math.isnan(f.evidence["loss"])


def test_log_of_a_positive_activation_has_no_finding() -> None:
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1), nn.Softplus(), Log())   # log(softplus) > -inf
    d = Data()
    assert codes(train(model, nn.MSELoss(), lambda: (d.x(32, 4), d.x(32, 1)), steps=200, lr=0.01)) == []


def test_inf_from_log_of_zero_in_the_loss_names_the_loss() -> None:
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))

    def hand_written_bce(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        p = torch.sigmoid(logits * 100)          # saturates to exactly 0.0 or 1.0 in float32
        return -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()

    d = Data()
    f = only(train(model, hand_written_bce, d.binary, steps=3), "AL201")
    assert f.where == "loss"
    assert f.evidence["origin"] == "loss"
    assert f.step == 0
    assert "BCEWithLogitsLoss" in f.fix


def test_nan_caught_at_the_right_step_with_every_5() -> None:
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
    d = Data()
    state = {"i": 0}

    def loss_fn(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        state["i"] += 1
        loss = nn.functional.mse_loss(out, y)
        return loss * float("nan") if state["i"] == 8 else loss    # step 7 only

    f = only(train(model, loss_fn, lambda: (d.x(16, 4), d.x(16, 1)), steps=12, every=5), "AL201")
    assert f.step == 7
    # the NaN loss made every weight NaN: at the next sampled step the first module is non-finite
    assert f.where == "0" and f.evidence["activation_step"] == 10


# --------------------------------------------------------------------------------------------------- AL205
def test_saturated_tanh_behind_a_frozen_projection() -> None:
    proj = nn.Linear(8, 16)
    with torch.no_grad():
        proj.weight.mul_(100)     # unnormalised features: |z| >> 6 for nearly every value
    proj.requires_grad_(False)    # a frozen encoder: nothing below the tanh is trained
    model = nn.Sequential(proj, nn.Tanh(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 1))
    f = only(train(model, nn.MSELoss(), Data().regression, steps=12), "AL205")
    assert f.where == "1"
    assert f.evidence["saturated_fraction"] >= 0.9
    assert "LayerNorm" in f.fix


def test_tanh_with_normalised_input_has_no_finding() -> None:
    model = nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 1))
    assert codes(train(model, nn.MSELoss(), Data().regression, steps=200)) == []


# --------------------------------------------------------------------------------------------------- AL101
def test_sigmoid_and_bce_loss_with_growing_logits() -> None:
    model = nn.Sequential(nn.Linear(4, 1), nn.Sigmoid())
    f = only(train(model, nn.BCELoss(), Data().binary, steps=60, lr=5.0), "AL101")
    assert f.where == "1"               # the sigmoid whose output saturated at exactly 0 or 1
    assert f.evidence["saturated_inputs"] >= 1
    assert "BCEWithLogitsLoss" in f.fix
    # saturation of the output sigmoid is AL101's business, not AL205's: no double report


def test_sigmoid_before_bce_with_logits() -> None:
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1), nn.Sigmoid())
    f = only(train(model, nn.BCEWithLogitsLoss(), Data().binary, steps=12), "AL101")
    assert f.where == "3" and f.step == 9  # judged over a window of 10 sampled calls
    assert f.evidence["input_min"] >= 0 and f.evidence["input_max"] <= 1


def test_fresh_logits_inside_0_1_are_not_mistaken_for_probabilities() -> None:
    """A logits head that starts with every output in [0, 1] (here exactly 0.5) leaves that range as it trains:
    no AL101 (the demo's step-0 false alarm)."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 1))
    nn.init.zeros_(model[0].weight)
    nn.init.constant_(model[0].bias, 0.5)
    assert codes(train(model, nn.BCEWithLogitsLoss(), Data().binary, steps=40, lr=1.0)) == []


def test_logits_and_bce_with_logits_trained_hard_has_no_finding() -> None:
    model = nn.Sequential(nn.Linear(4, 1))
    assert codes(train(model, nn.BCEWithLogitsLoss(), Data().binary, steps=200, lr=5.0)) == []


# --------------------------------------------------------------------------------------------------- AL102
def _head(last: nn.Module | None, out: int = 3) -> nn.Sequential:
    layers = [nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, out)]
    return nn.Sequential(*layers, *([last] if last is not None else []))


def test_softmax_in_the_model_before_cross_entropy() -> None:
    f = only(train(_head(nn.Softmax(dim=1)), nn.CrossEntropyLoss(), Data().classes, steps=3), "AL102")
    assert f.where == "3"
    assert f.evidence["looks_like"] == "softmax probabilities"
    assert "remove nn.Softmax" in f.fix


def test_log_softmax_in_the_model_before_cross_entropy() -> None:
    f = only(train(_head(nn.LogSoftmax(dim=1)), nn.CrossEntropyLoss(), Data().classes, steps=3), "AL102")
    assert f.where == "3"
    assert f.evidence["looks_like"] == "log_softmax output"


def test_softmax_in_a_nested_head_is_named_by_its_path() -> None:
    model = nn.Sequential()
    model.add_module("body", nn.Sequential(nn.Linear(8, 16), nn.ReLU()))
    model.add_module("head", nn.Sequential(nn.Linear(16, 3), nn.Softmax(dim=1)))
    f = only(train(model, nn.CrossEntropyLoss(), Data().classes, steps=3), "AL102")
    assert f.where == "head.1"


def test_logits_and_cross_entropy_have_no_finding() -> None:
    assert codes(train(_head(None), nn.CrossEntropyLoss(), Data().classes, steps=200)) == []


# --------------------------------------------------------------------------------------------------- AL103
def test_nll_loss_fed_raw_logits() -> None:
    f = only(train(_head(None), nn.NLLLoss(), Data().classes, steps=3), "AL103")
    assert f.where == "2"                    # the Linear head
    assert f.evidence["looks_like"] == "raw logits"
    assert "LogSoftmax" in f.fix


def test_nll_loss_fed_softmax_probabilities() -> None:
    f = only(train(_head(nn.Softmax(dim=1)), nn.NLLLoss(), Data().classes, steps=3), "AL103")
    assert f.where == "3"
    assert f.evidence["looks_like"] == "softmax probabilities"


def test_log_softmax_and_nll_loss_have_no_finding() -> None:
    assert codes(train(_head(nn.LogSoftmax(dim=1)), nn.NLLLoss(), Data().classes, steps=200)) == []


# --------------------------------------------------------------------------------------------------- AL104
def test_mse_on_class_labels() -> None:
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))
    f = only(train(model, nn.MSELoss(), Data().labels_as_floats, steps=3), "AL104")
    assert f.where == "criterion:MSELoss"
    assert f.evidence["looks_like"] == "integer class labels in 0..2"
    assert "CrossEntropyLoss" in f.fix


def test_l1_on_one_hot_rows() -> None:
    d = Data()

    def batch() -> tuple[torch.Tensor, torch.Tensor]:
        x, y = d.classes()
        return x, nn.functional.one_hot(y, 3).float()

    f = only(train(_head(None), nn.L1Loss(), batch, steps=3), "AL104")
    assert f.evidence["looks_like"] == "one-hot rows" and f.evidence["columns"] == 3


def test_mse_on_continuous_targets_has_no_finding() -> None:
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))
    assert codes(train(model, nn.MSELoss(), Data().regression, steps=200)) == []


# --------------------------------------------------------------------------------------------------- AL105
def test_cross_entropy_with_multi_hot_targets() -> None:
    f = only(train(_head(None, out=4), nn.CrossEntropyLoss(), Data().multi_hot, steps=3), "AL105")
    assert f.where == "criterion:CrossEntropyLoss"
    assert f.evidence["max_ones_per_row"] >= 2
    assert "BCEWithLogitsLoss" in f.fix


def test_multi_hot_targets_with_bce_with_logits_have_no_finding() -> None:
    assert codes(train(_head(None, out=4), nn.BCEWithLogitsLoss(), Data().multi_hot, steps=200)) == []


# --------------------------------------------------------------------------------------------------- AL108
def test_one_percent_positives_with_unweighted_bce() -> None:
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))
    f = only(train(model, nn.BCEWithLogitsLoss(), Data().rare_positives, steps=20), "AL108")
    assert f.where == "criterion:BCEWithLogitsLoss"
    assert f.evidence["positive_rate"] < 0.03
    assert "pos_weight" in f.fix


def test_one_percent_positives_with_pos_weight_have_no_finding() -> None:
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))
    loss = nn.BCEWithLogitsLoss(pos_weight=torch.tensor(99.0))
    assert codes(train(model, loss, Data().rare_positives, steps=200)) == []


def test_skewed_classes_with_unweighted_cross_entropy() -> None:
    d = Data()

    def batch() -> tuple[torch.Tensor, torch.Tensor]:
        x = d.x(64, 8)
        y = torch.zeros(64, dtype=torch.long)
        y[:2] = 1          # ~3% class 1, ~1.5% class 2
        y[2] = 2
        return x, y

    f = only(train(_head(None), nn.CrossEntropyLoss(), batch, steps=20), "AL108")
    assert f.evidence["rarest_class"] == 2
    assert f.evidence["ratio_most_to_least"] == pytest.approx(61.0)
    assert "weight=" in f.fix
    weighted = nn.CrossEntropyLoss(weight=torch.tensor([1.0, 30.0, 60.0]))
    assert codes(train(_head(None), weighted, batch, steps=20)) == []


def test_ignore_index_targets_are_not_counted() -> None:
    d = Data()

    def batch() -> tuple[torch.Tensor, torch.Tensor]:
        x, y = d.classes(64)
        y[:40] = -100      # mostly ignored: the remaining classes are balanced enough
        return x, y

    assert "AL108" not in codes(train(_head(None), nn.CrossEntropyLoss(), batch, steps=20))


@pytest.mark.parametrize("act", [nn.ReLU, nn.Sigmoid, nn.Tanh])
def test_nan_weights_are_blamed_on_the_linear_not_the_activation_after_it(act: type) -> None:
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), act(), nn.Linear(8, 1))
    with torch.no_grad():
        model[2].weight[3, 5] = float("nan")
    d = Data()
    f = only(train(model, nn.MSELoss(), lambda: (d.x(16, 4), d.x(16, 1)), steps=2), "AL201")
    assert f.where == "2" and f.evidence["module"] == "Linear"


def test_inf_from_a_head_without_activation_is_blamed_on_the_head() -> None:
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
    with torch.no_grad():
        model[2].bias.fill_(float("inf"))
    d = Data()
    f = only(train(model, nn.MSELoss(), lambda: (d.x(16, 4), d.x(16, 1)), steps=2), "AL201")
    assert f.where == "2"
