"""The runnable PyTorch snippet of a recipe: a tiny batch, the model with its head, the loss, one forward and
backward pass, and the inference transform.

The executed loss is ``torch.nn.<Module>``; the ``actloss.nn`` equivalent is shown as a commented line.
``render(spec, flavour="actloss")`` gives the same snippet with the actloss line active.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

BATCH = 16
PLACEHOLDER_OUTPUTS = 3
MAX_MAPPING_SHOWN = 50


@dataclass(frozen=True)
class CodeSpec:
    task: str
    module: str
    loss_kwargs: dict[str, Any]
    data_dependent: dict[str, str]
    out_features: int | None
    architecture: str | None
    hidden: str
    target_kind: str
    label_mapping: dict[Any, int] | None


def _float(x: float) -> str:
    return repr(float(x))


def _wrapped(opening: str, items: list[str], closing: str, width: int = 110) -> list[str]:
    """``opening + items + closing`` on one line if it fits, else the items wrapped on indented lines."""
    one = opening + ", ".join(items) + closing
    if len(one) <= width:
        return [one]
    body, line = [], ""
    for item in items:  # break between items only: an item may contain spaces (string labels)
        if line and len(line) + len(item) + 6 > width:
            body.append(line.rstrip())
            line = ""
        line += item + ", "
    body.append(line.rstrip(", ") if body else line.rstrip(", "))
    return [opening] + ["    " + b for b in body] + [closing]


def _tensor_lines(spec: CodeSpec) -> tuple[list[str], str]:
    """Lines defining the tensor-valued loss arguments, and the argument list of the loss."""
    lines, parts = [], []
    for k, v in spec.loss_kwargs.items():
        if k in ("pos_weight", "weight"):
            values = v if isinstance(v, list) else [v]
            lines += _wrapped(f"{k} = torch.tensor([", [_float(x) for x in values], "])")
            parts.append(f"{k}={k}")
        elif isinstance(v, bool):
            parts.append(f"{k}={v!r}")
        else:
            parts.append(f"{k}={_float(v)}")
    parts += [f"{k}={k}" for k in spec.data_dependent]
    return lines, ", ".join(parts)


_HIDDEN_MODULE = {"relu": "nn.ReLU()", "gelu": "nn.GELU()", "tanh": "nn.Tanh()"}


def _model(spec: CodeSpec, out: str) -> tuple[list[str], str]:
    """Lines building ``model``, and the expression for the input batch ``x``."""
    head = "raw outputs, no activation"
    if spec.architecture == "cnn":
        return [
            "model = nn.Sequential(",
            "    nn.Conv2d(3, 8, kernel_size=3, padding=1),",
            f"    {_HIDDEN_MODULE[spec.hidden]},  # hidden activation",
            "    nn.AdaptiveAvgPool2d(1),",
            "    nn.Flatten(),",
            f"    nn.Linear(8, {out}),  # output layer: {head}",
            ")",
        ], f"torch.randn({BATCH}, 3, 8, 8)  # (batch, channels, height, width)"
    if spec.architecture == "transformer":
        return [
            "",
            "class Model(nn.Module):",
            "    def __init__(self):",
            "        super().__init__()",
            "        self.encoder = nn.TransformerEncoderLayer(",
            f'            d_model=16, nhead=2, dim_feedforward=32, dropout=0.0, activation="{spec.hidden}", '
            "batch_first=True",
            "        )",
            f"        self.head = nn.Linear(16, {out})  # output layer: {head}",
            "",
            "    def forward(self, x):",
            "        return self.head(self.encoder(x).mean(dim=1))",
            "",
            "",
            "model = Model()",
        ], f"torch.randn({BATCH}, 5, 16)  # (batch, tokens, features)"
    if spec.architecture == "rnn":
        return [
            "",
            "class Model(nn.Module):",
            "    def __init__(self):",
            "        super().__init__()",
            "        self.rnn = nn.LSTM(8, 32, batch_first=True)  # tanh inside the cells, sigmoid gates",
            f"        self.head = nn.Linear(32, {out})  # output layer: {head}",
            "",
            "    def forward(self, x):",
            "        states, _ = self.rnn(x)",
            "        return self.head(states[:, -1])",
            "",
            "",
            "model = Model()",
        ], f"torch.randn({BATCH}, 5, 8)  # (batch, time steps, features)"
    return [
        "model = nn.Sequential(",
        "    nn.Linear(8, 32),",
        f"    {_HIDDEN_MODULE[spec.hidden]},  # hidden activation",
        f"    nn.Linear(32, {out}),  # output layer: {head}",
        ")",
    ], f"torch.randn({BATCH}, 8)  # (batch, features)"


def _targets(spec: CodeSpec, out: str) -> list[str]:
    k = spec.target_kind
    if k == "binary":
        return [f"y = torch.randint(0, 2, ({BATCH},)).float()  # float 0/1, shape (batch,)"]
    if k == "indices":
        return [f"y = torch.randint(0, {out}, ({BATCH},))  # int64 class indices, shape (batch,)"]
    if k == "one_hot":
        return [f"y_onehot = nn.functional.one_hot(torch.randint(0, {out}, ({BATCH},)), {out})",
                "y = y_onehot.argmax(dim=1)  # CrossEntropyLoss wants class indices, not one-hot rows"]
    if k == "probabilities":
        return [f"y = torch.softmax(torch.randn({BATCH}, {out}), dim=1)  # probabilities, rows sum to 1"]
    if k == "indicators":
        return [f"y = torch.randint(0, 2, ({BATCH}, {out})).float()  # float 0/1, shape (batch, labels)"]
    shape = f"({BATCH})" if spec.out_features in (None, 1) else f"({BATCH}, {out})"
    if k == "fractions":
        return [f"y = torch.rand{shape}  # values in [0, 1]"]
    if k == "counts":
        size = f"({BATCH},)" if spec.out_features in (None, 1) else f"({BATCH}, {out})"
        return [f"y = torch.poisson(torch.full({size}, 3.0))  # non-negative counts (as floats)"]
    return [f"y = torch.randn{shape}  # real values"]


def _data_dependent(spec: CodeSpec, out: str) -> list[str]:
    lines: list[str] = []
    if not spec.data_dependent:
        return lines
    lines.append("y_train = y  # use all your training targets here")
    for name in spec.data_dependent:
        if name == "pos_weight" and spec.task == "binary":
            lines += ["n_pos = y_train.sum()",
                      "pos_weight = ((len(y_train) - n_pos) / n_pos.clamp(min=1)).reshape(1)  # n_neg/n_pos"]
        elif name == "pos_weight":
            lines += ["n_pos = y_train.sum(dim=0)",
                      "pos_weight = (len(y_train) - n_pos) / n_pos.clamp(min=1)  # n_neg / n_pos per label"]
        elif name == "weight":
            lines += [f"counts = torch.bincount(y_train, minlength={out}).float()",
                      "weight = counts.max() / counts.clamp(min=1)  # n_majority / n_class"]
        elif name == "delta":
            lines += ["mad = (y_train - y_train.median()).abs().median()",
                      "delta = max((1.345 * 1.4826 * mad).item(), 1e-12)  # 1.345 robust SDs (Huber)"]
    return lines + [""]


def _forward(spec: CodeSpec) -> list[str]:
    squeeze = spec.target_kind in ("binary", "real", "fractions", "counts") and spec.out_features in (None, 1)
    out = "model(x).squeeze(-1)" if squeeze else "model(x)"
    lines = [f"output = {out}", "loss = loss_fn(output, y)", "loss.backward()", ""]
    inf = {
        "binary": ["# Inference: sigmoid turns the logit into P(positive class).",
                   "model.eval()", "with torch.no_grad():",
                   f"    proba = torch.sigmoid({out})", "    pred = (proba > 0.5).long()"],
        "multiclass": ["# Inference: softmax gives class probabilities, argmax the class.",
                       "model.eval()", "with torch.no_grad():",
                       f"    proba = torch.softmax({out}, dim=1)", "    pred = proba.argmax(dim=1)"],
        "multilabel": ["# Inference: one sigmoid per label, each thresholded on its own.",
                       "model.eval()", "with torch.no_grad():",
                       f"    proba = torch.sigmoid({out})", "    pred = (proba > 0.5).long()"],
        "regression": ["# Inference: the raw output is the prediction.",
                       "model.eval()", "with torch.no_grad():", f"    pred = {out}"],
        "bounded_regression": ["# Inference: sigmoid maps the logit into (0, 1).",
                               "model.eval()", "with torch.no_grad():", f"    pred = torch.sigmoid({out})"],
        "count_regression": ["# Inference: exp turns the log-rate into the expected count.",
                             "model.eval()", "with torch.no_grad():", f"    rate = torch.exp({out})"],
    }[spec.task]
    return lines + inf


def render(spec: CodeSpec, flavour: str = "torch") -> str:
    """The snippet as text: ``flavour='torch'`` runs torch.nn, ``'actloss'`` the actloss.nn line instead."""
    if flavour not in ("torch", "actloss"):
        raise ValueError(f"flavour must be 'torch' or 'actloss'; received {flavour!r}")
    out = str(spec.out_features) if spec.out_features is not None else "n_outputs"
    lines = ["import torch", "from torch import nn", ""]
    lines.insert(2, "# import actloss  # for the actloss.nn line below")
    if spec.label_mapping is not None and spec.task != "multilabel":
        items = list(spec.label_mapping.items())
        if not all(k == v for k, v in items):
            lines.append("# Map your labels to these indices before the loss:")
            if len(items) <= MAX_MAPPING_SHOWN:
                lines += _wrapped("label_to_index = {", [f"{k!r}: {v}" for k, v in items], "}")
            else:
                lines.append(f"# label_to_index = {{label: i for i, label in enumerate(sorted(labels))}}  "
                             f"# {len(items)} labels")
    if spec.out_features is None:
        what = {"multiclass": "classes", "multilabel": "labels"}.get(spec.task, "outputs")
        lines.append(f"n_outputs = {PLACEHOLDER_OUTPUTS}  # set to your number of {what}")
    lines.append("torch.manual_seed(0)")
    model_lines, x = _model(spec, out)
    lines.append("# A tiny batch in the format the loss expects (replace with your data).")
    lines.append(f"x = {x}")
    lines += _targets(spec, out)
    lines.append("")
    lines += _data_dependent(spec, out)
    lines += model_lines
    tensor_lines, args = _tensor_lines(spec)
    lines += tensor_lines
    torch_line = f"loss_fn = nn.{spec.module}({args})"
    actloss_line = f"loss_fn = actloss.nn.{spec.module}({args})"
    lines += [torch_line, f"# {actloss_line}  # the same loss from actloss"]
    lines.append("")
    lines += _forward(spec)
    code = "\n".join(lines) + "\n"
    return code if flavour == "torch" else to_actloss(code)


def to_actloss(code: str) -> str:
    """The ``'actloss'`` flavour of a torch snippet: the actloss.nn loss line active, the torch one shown."""
    out = []
    for line in code.splitlines():
        if line == "# import actloss  # for the actloss.nn line below":
            out.append("import actloss")
        elif line.startswith("loss_fn = nn."):
            out.append(f"# {line}  # the same loss from torch")
        elif line.startswith("# loss_fn = actloss.nn.") and line.endswith("  # the same loss from actloss"):
            out.append(line[2:-len("  # the same loss from actloss")])
        else:
            out.append(line)
    return "\n".join(out) + "\n"
