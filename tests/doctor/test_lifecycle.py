"""Hooks, sampling, references: what the doctor leaves on the model and what it keeps alive."""
from __future__ import annotations

import functools
import gc
import weakref

import pytest

from doctor_helpers import Data, codes, mlp, only, train

torch = pytest.importorskip("torch")
nn = torch.nn
F = torch.nn.functional

import actloss  # noqa: E402


def _hooks(model: nn.Module, criterion: nn.Module | None = None) -> int:
    """Every hook the doctor could have left: module forward hooks and parameter gradient hooks."""
    n = sum(len(m._forward_hooks) + len(m._forward_pre_hooks) + len(m._backward_hooks) for m in model.modules())
    n += sum(len(p._backward_hooks or {}) for p in model.parameters())
    if criterion is not None:
        n += len(criterion._forward_hooks)
    return n


def test_close_removes_every_hook() -> None:
    model, loss = mlp([4, 8, 8, 2], nn.ReLU), nn.CrossEntropyLoss()
    doctor = actloss.watch(model, criterion=loss)
    # 6 modules (root + 5) and the criterion; gradients are read through a hook on each step's output tensor
    assert _hooks(model, loss) == 7
    x, y = torch.randn(8, 4), torch.randint(0, 2, (8,))
    loss(model(x), y).backward()
    doctor.step()
    doctor.close()
    assert _hooks(model, loss) == 0
    assert doctor.closed
    assert doctor.close() == []      # idempotent


def test_leaving_the_with_block_closes_even_on_error() -> None:
    model = mlp([4, 8, 2], nn.ReLU)
    with pytest.raises(RuntimeError, match="boom"):
        with actloss.watch(model) as doctor:
            raise RuntimeError("boom")
    assert doctor.closed and _hooks(model) == 0


def test_step_after_close_is_an_error() -> None:
    doctor = actloss.watch(mlp([4, 8, 2], nn.ReLU))
    doctor.close()
    with pytest.raises(RuntimeError, match="after close"):
        doctor.step()


@pytest.mark.parametrize("close", [True, False])
def test_doctor_does_not_keep_the_model_alive(close: bool) -> None:
    model, loss = mlp([4, 8, 2], nn.ReLU), nn.CrossEntropyLoss()
    doctor = actloss.watch(model, criterion=loss)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(3):
        out = loss(model(torch.randn(8, 4)), torch.randint(0, 2, (8,)))
        out.backward()
        opt.step()
        opt.zero_grad()
        doctor.step(out)
    if close:
        doctor.close()
    ref = weakref.ref(model)
    del model, opt, out
    gc.collect()
    assert ref() is None
    assert "collected" in repr(doctor)


def test_with_every_10_hooks_exist_only_on_sampled_steps() -> None:
    model, loss = mlp([4, 8, 2], nn.ReLU), nn.CrossEntropyLoss()
    doctor = actloss.watch(model, criterion=loss, every=10)
    installed = []
    for _ in range(21):
        installed.append(_hooks(model, loss) > 0)
        out = loss(model(torch.randn(8, 4)), torch.randint(0, 2, (8,)))
        out.backward()
        doctor.step(out)
    assert [i for i, on in enumerate(installed) if on] == [0, 10, 20]
    doctor.close()
    assert _hooks(model, loss) == 0


def test_every_10_still_finds_the_softmax_head() -> None:
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3), nn.Softmax(dim=1))
    f = only(train(model, nn.CrossEntropyLoss(), Data().classes, steps=25, every=10), "AL102")
    assert f.where == "3" and f.step == 0


def test_step_returns_the_findings_new_at_that_step() -> None:
    model = nn.Sequential(nn.Linear(8, 3), nn.Softmax(dim=1))
    loss = nn.CrossEntropyLoss()
    doctor = actloss.watch(model, criterion=loss)
    x, y = Data().classes()
    first = doctor.step(loss(model(x), y))
    second = doctor.step(loss(model(x), y))
    assert codes(first) == ["AL102"] and second == []
    assert doctor.findings == first
    doctor.close()


def test_evaluation_under_no_grad_is_not_recorded() -> None:
    model, loss = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2)), nn.CrossEntropyLoss()
    doctor = actloss.watch(model, criterion=loss)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(3):
        out = loss(model(torch.randn(8, 4)), torch.randint(0, 2, (8,)))
        out.backward()
        opt.step()
        opt.zero_grad()
        with torch.no_grad():   # a validation pass on broken data in the middle of the step
            model(torch.full((8, 4), float("nan")))
        doctor.step(out)
    doctor.close()
    assert doctor.findings == []


def test_in_place_relu_is_named_for_its_dead_units() -> None:
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(inplace=True), nn.Linear(16, 1))
    with torch.no_grad():
        model[0].bias[:12] = -10.0
        model[0].weight.mul_(0.3)
    f = only(train(model, nn.MSELoss(), Data().regression, steps=10), "AL202")
    assert f.where == "1" and f.evidence["units"] == 16


def test_conv_relu_units_are_channels() -> None:
    model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                          nn.Linear(8, 1))
    with torch.no_grad():
        model[0].bias[:6] = -10.0
        model[0].weight.mul_(0.1)
    g = torch.Generator().manual_seed(0)

    def batch() -> tuple[torch.Tensor, torch.Tensor]:
        return torch.randn(8, 1, 6, 6, generator=g), torch.randn(8, 1, generator=g)

    f = only(train(model, nn.MSELoss(), batch, steps=10), "AL202")
    assert f.where == "1" and f.evidence["units"] == 8 and f.evidence["dead_units"] >= 6


def test_modules_returning_tuples_are_handled() -> None:
    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.rnn = nn.GRU(4, 8, batch_first=True)
            self.head = nn.Linear(8, 3)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            out, _ = self.rnn(x)
            return self.head(out[:, -1])

    g = torch.Generator().manual_seed(0)

    def batch() -> tuple[torch.Tensor, torch.Tensor]:
        return torch.randn(8, 5, 4, generator=g), torch.randint(0, 3, (8,), generator=g)

    assert codes(train(Net(), nn.CrossEntropyLoss(), batch, steps=20)) == []


def test_gradient_accumulation_uses_the_accumulated_gradient() -> None:
    model, loss = mlp([4, 8, 2], nn.ReLU), nn.CrossEntropyLoss()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with actloss.watch(model, criterion=loss) as doctor:
        for _ in range(12):
            for _ in range(3):   # three micro-batches per step
                loss(model(torch.randn(8, 4)), torch.randint(0, 2, (8,))).backward()
            opt.step()
            opt.zero_grad()
            doctor.step()
    assert doctor.findings == []


# ------------------------------------------------------------------------------- functional criteria
def _softmax_head() -> nn.Sequential:
    return nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4), nn.Softmax(dim=1))


def test_functional_loss_called_directly_is_checked_on_the_model_output() -> None:
    f = only(train(_softmax_head(), F.cross_entropy, Data().classes, steps=3), "AL102")
    assert f.where == "3"


def test_functional_loss_targets_through_step() -> None:
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))
    doctor = actloss.watch(model, criterion=F.cross_entropy)
    x, y = Data().multi_hot()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    f = only_new(doctor.step(loss, targets=y), "AL105")
    assert f.where == "criterion:cross_entropy"
    doctor.close()


def only_new(findings: list, code: str):  # type: ignore[no-untyped-def]
    assert [f.code for f in findings] == [code], findings
    return findings[0]


def test_functional_loss_through_doctor_criterion_sees_the_targets() -> None:
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))
    doctor = actloss.watch(model, criterion=F.cross_entropy)
    loss_fn = doctor.criterion
    assert loss_fn.__name__ == "cross_entropy"
    x, y = Data().multi_hot()
    loss = loss_fn(model(x), y)
    loss.backward()
    assert codes(doctor.step(loss)) == ["AL105"]
    doctor.close()


def test_partial_with_pos_weight_counts_as_weighted() -> None:
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))
    weighted = functools.partial(F.binary_cross_entropy_with_logits, pos_weight=torch.tensor(99.0))
    d = Data()
    doctor = actloss.watch(model, criterion=weighted)
    for _ in range(12):
        x, y = d.rare_positives()
        loss = weighted(model(x), y)
        loss.backward()
        doctor.step(loss, targets=y)
    doctor.close()
    assert doctor.findings == []
    unweighted = train(nn.Sequential(nn.Linear(8, 1)), F.binary_cross_entropy_with_logits, d.rare_positives,
                       steps=12, call=None)
    assert codes(unweighted) == []   # called directly without targets: class balance cannot be seen


def test_sigmoid_applied_outside_the_model_is_blamed_on_the_loss_input() -> None:
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
    loss = nn.BCEWithLogitsLoss()
    f = only(train(model, loss, Data().binary, steps=12,
                   call=lambda out, y: loss(torch.sigmoid(out), y)), "AL101")
    assert f.where == "criterion:BCEWithLogitsLoss"
    assert "between the model and the loss call" in f.fix


def test_model_only_doctor_without_criterion() -> None:
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3), nn.Softmax(dim=1))
    doctor = train(model, nn.CrossEntropyLoss(), Data().classes, steps=12, criterion=None)
    assert doctor.findings == []      # no criterion: the loss checks cannot run, and nothing else is wrong
    assert doctor.criterion is None


# dynamo itself reads .grad of the non-leaf tensors passed between the graphs that the eager hooks split: a
# warning inside torch, not from the doctor
@pytest.mark.filterwarnings("ignore:The .grad attribute of a Tensor that is not a leaf Tensor:UserWarning")
def test_compiled_model_layers_are_named_as_in_the_original() -> None:
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3), nn.Softmax(dim=1))
    compiled = torch.compile(model, backend="eager")   # the eager backend: dynamo's tracing, no C++ toolchain
    loss = nn.CrossEntropyLoss()
    f = only(train(compiled, loss, Data().classes, steps=3), "AL102")
    assert f.where == "3"


def test_loss_input_and_target_statistics_stop_once_settled() -> None:
    model, loss = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3)), nn.CrossEntropyLoss()
    doctor = actloss.watch(model, criterion=loss, window=5)
    d = Data()
    queued = []
    for step in range(40):
        x, y = d.classes(64)
        out = loss(model(x), y)
        queued.append(len(doctor._pending))
        out.backward()
        doctor.step(out)
    doctor.close()
    assert doctor.findings == []
    # a window (5 calls) settles what the head emits; class counts settle at 10x the 200 targets AL108 needs
    # (2000 targets: 32 batches of 64, judged at the window end after step 34)
    assert not doctor._need_inputs and not doctor._need_targets
    assert queued[0] - queued[-1] >= 5          # aminmax (2), row sums, exp sums, bincount no longer queued
    assert queued[5] < queued[0] and queued[5] > queued[-1]


def test_bce_loss_saturation_is_measured_after_settling() -> None:
    model = nn.Sequential(nn.Linear(4, 1), nn.Sigmoid())
    f = only(train(model, nn.BCELoss(), Data().binary, steps=60, lr=5.0, window=2), "AL101")
    assert f.step > 2 and f.where == "1"


def test_another_instance_of_the_loss_module_falls_back_to_the_model_output() -> None:
    # watch() got one CrossEntropyLoss, the loop calls another: the doctor still checks what the model emits
    f = only(train(_softmax_head(), nn.CrossEntropyLoss(), Data().classes, steps=3,
                   criterion=nn.CrossEntropyLoss()), "AL102")
    assert f.where == "3"


def test_data_parallel_wrapper_paths_are_those_of_the_wrapped_model() -> None:
    model = nn.DataParallel(nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3), nn.Softmax(dim=1)))
    f = only(train(model, nn.CrossEntropyLoss(), Data().classes, steps=3), "AL102")
    assert f.where == "3"


def test_window_findings_at_close_carry_the_last_step() -> None:
    model = mlp([8, 32, 1], nn.ReLU)
    with torch.no_grad():
        model[0].bias[:24] = -10.0
        model[0].weight.mul_(0.3)
    f = only(train(model, nn.MSELoss(), Data().regression, steps=5), "AL202")   # a partial window of 5
    assert f.step == 4


def test_one_relu_module_applied_after_every_layer_is_judged_per_call() -> None:
    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc1, self.fc2, self.head = nn.Linear(8, 32), nn.Linear(32, 16), nn.Linear(16, 1)
            self.act = nn.ReLU()

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.head(self.act(self.fc2(self.act(self.fc1(x)))))

    healthy = Net()
    assert codes(train(healthy, nn.MSELoss(), Data().regression, steps=30)) == []
    sick = Net()
    with torch.no_grad():
        sick.fc2.bias[:12] = -10.0      # 12 of the 16 units of the second call die
        sick.fc2.weight.mul_(0.1)
    f = only(train(sick, nn.MSELoss(), Data().regression, steps=12), "AL202")
    assert f.where == "act" and f.evidence["call"] == 1 and f.evidence["units"] == 16


def test_the_doctor_does_not_keep_activations_alive() -> None:
    model, loss_fn = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2)), nn.CrossEntropyLoss()
    refs = []
    model[0].register_forward_hook(lambda m, a, out: refs.append(weakref.ref(out)))
    doctor = actloss.watch(model, criterion=loss_fn)
    loss = loss_fn(model(torch.randn(8, 4)), torch.randint(0, 2, (8,)))
    loss.backward()
    gc.collect()
    # the first Linear's output is not saved by autograd (ReLU keeps its own output): without the doctor it is
    # freed during the forward pass, and so it must be with the doctor, before step()
    assert refs[0]() is None
    doctor.step(loss)
    doctor.close()
