"""Qualified names of the PyTorch APIs the rules know, and resolution of a file's imports to them.

Resolution is done from the file's own import statements (``import torch.nn as nn``,
``from torch.nn import functional as F``, ``from torch import sigmoid``): the same answers libcst's
``QualifiedNameProvider`` gives for these forms (``tests/lint/test_names.py`` checks that against it), at a
fraction of the cost, which is what lets 1,000 files lint in seconds. Local shadowing of an imported alias
(``F = 3``) is not tracked.
"""
from __future__ import annotations

import libcst as cst

# Activation functions (called on a tensor) -> activation.
ACT_FUNCS: dict[str, str] = {
    "torch.sigmoid": "sigmoid",
    "torch.nn.functional.sigmoid": "sigmoid",
    "torch.special.expit": "sigmoid",
    "torch.softmax": "softmax",
    "torch.nn.functional.softmax": "softmax",
    "torch.special.softmax": "softmax",
    "torch.log_softmax": "log_softmax",
    "torch.nn.functional.log_softmax": "log_softmax",
    "torch.special.log_softmax": "log_softmax",
    "torch.tanh": "tanh",
    "torch.nn.functional.tanh": "tanh",
}
# Tensor methods: ``x.sigmoid()``, ``x.softmax(dim=1)``.
ACT_METHODS: dict[str, str] = {
    "sigmoid": "sigmoid",
    "softmax": "softmax",
    "log_softmax": "log_softmax",
    "tanh": "tanh",
}
# Activation modules -> activation; calling an instance applies it.
ACT_MODULES: dict[str, str] = {
    "torch.nn.Sigmoid": "sigmoid",
    "torch.nn.Softmax": "softmax",
    "torch.nn.Softmax2d": "softmax",
    "torch.nn.LogSoftmax": "log_softmax",
    "torch.nn.Tanh": "tanh",
}
SATURATING = frozenset({"sigmoid", "tanh"})

# Loss modules and functions -> loss family.
LOSS_MODULES: dict[str, str] = {
    "torch.nn.BCELoss": "bce",
    "torch.nn.BCEWithLogitsLoss": "bce_logits",
    "torch.nn.CrossEntropyLoss": "ce",
    "torch.nn.NLLLoss": "nll",
    "torch.nn.MSELoss": "mse",
    "torch.nn.L1Loss": "l1",
    "torch.nn.HuberLoss": "huber",
    "torch.nn.SmoothL1Loss": "smooth_l1",
}
LOSS_FUNCS: dict[str, str] = {
    "torch.nn.functional.binary_cross_entropy": "bce",
    "torch.nn.functional.binary_cross_entropy_with_logits": "bce_logits",
    "torch.binary_cross_entropy_with_logits": "bce_logits",
    "torch.nn.functional.cross_entropy": "ce",
    "torch.nn.functional.nll_loss": "nll",
    "torch.nn.functional.mse_loss": "mse",
    "torch.nn.functional.l1_loss": "l1",
    "torch.nn.functional.huber_loss": "huber",
    "torch.nn.functional.smooth_l1_loss": "smooth_l1",
}
REGRESSION_LOSSES = frozenset({"mse", "l1", "huber", "smooth_l1"})
CLASSIFICATION_LOSSES = frozenset({"bce", "bce_logits", "ce", "nll"})
LOSS_DISPLAY: dict[str, str] = {
    "bce": "BCELoss / binary_cross_entropy",
    "bce_logits": "BCEWithLogitsLoss / binary_cross_entropy_with_logits",
    "ce": "CrossEntropyLoss / cross_entropy",
    "nll": "NLLLoss / nll_loss",
    "mse": "MSELoss / mse_loss",
    "l1": "L1Loss / l1_loss",
    "huber": "HuberLoss / huber_loss",
    "smooth_l1": "SmoothL1Loss / smooth_l1_loss",
}

# Weight layers: their output is a raw (pre-activation) value.
LAYERS = frozenset(
    {
        "torch.nn.Linear",
        "torch.nn.LazyLinear",
        "torch.nn.Bilinear",
        "torch.nn.Conv1d",
        "torch.nn.Conv2d",
        "torch.nn.Conv3d",
        "torch.nn.LazyConv1d",
        "torch.nn.LazyConv2d",
        "torch.nn.LazyConv3d",
    }
)
# Modules that leave the nature of a value alone inside an ``nn.Sequential``.
PASS_THROUGH_MODULES = frozenset(
    {
        "torch.nn.Dropout",
        "torch.nn.Dropout1d",
        "torch.nn.Dropout2d",
        "torch.nn.Identity",
        "torch.nn.Flatten",
        "torch.nn.Unflatten",
        "torch.nn.BatchNorm1d",
        "torch.nn.BatchNorm2d",
        "torch.nn.LayerNorm",
        "torch.nn.AlphaDropout",
        "torch.nn.BatchNorm3d",
        "torch.nn.GroupNorm",
        "torch.nn.InstanceNorm1d",
        "torch.nn.InstanceNorm2d",
        "torch.nn.MaxPool1d",
        "torch.nn.MaxPool2d",
        "torch.nn.MaxPool3d",
        "torch.nn.AvgPool1d",
        "torch.nn.AvgPool2d",
        "torch.nn.AvgPool3d",
        "torch.nn.AdaptiveAvgPool1d",
        "torch.nn.AdaptiveAvgPool2d",
    }
)
ONE_HOT_FUNCS = frozenset(
    {
        "torch.nn.functional.one_hot",
        "keras.utils.to_categorical",
        "tensorflow.keras.utils.to_categorical",
        "sklearn.preprocessing.label_binarize",
    }
)
MULTI_HOT_CLASSES = frozenset({"sklearn.preprocessing.MultiLabelBinarizer"})
CLASS_WEIGHT_FUNCS = frozenset(
    {
        "sklearn.utils.class_weight.compute_class_weight",
        "sklearn.utils.compute_class_weight",
        "sklearn.utils.class_weight.compute_sample_weight",
    }
)
NO_GRAD_CONTEXTS = frozenset({"torch.no_grad", "torch.inference_mode", "torch.autograd.no_grad"})

# Tensor methods that keep what a value is (probabilities stay probabilities).
TRANSPARENT_METHODS = frozenset(
    {
        "float",
        "double",
        "half",
        "bfloat16",
        "to",
        "cuda",
        "cpu",
        "type",
        "type_as",
        "view",
        "view_as",
        "reshape",
        "reshape_as",
        "squeeze",
        "unsqueeze",
        "flatten",
        "contiguous",
        "permute",
        "transpose",
        "clamp",
        "clip",
        "clamp_",
        "clip_",
        "detach",
        "squeeze_",
        "unsqueeze_",
    }
)
TRANSPARENT_FUNCS = frozenset(
    {
        "torch.squeeze",
        "torch.unsqueeze",
        "torch.flatten",
        "torch.reshape",
        "torch.clamp",
        "torch.clip",
        "torch.transpose",
        "torch.permute",
        "torch.autograd.Variable",
        "torch.tensor",
        "torch.as_tensor",
        "torch.from_numpy",
        "torch.Tensor",
        "torch.FloatTensor",
        "numpy.array",
        "numpy.asarray",
        # wrappers that return a module computing the same function
        "torch.nn.DataParallel",
        "torch.nn.parallel.DataParallel",
        "torch.nn.parallel.DistributedDataParallel",
        "torch.compile",
    }
)
# Bare names that TorchVision / timm model constructors return: raw logits.
LOGIT_MODEL_PREFIXES = ("torchvision.models.", "timm.create_model")


def canonical(qualified: str) -> str:
    """Map the public aliases of a torch name onto one spelling (``torch.nn.modules.loss.BCELoss`` ->
    ``torch.nn.BCELoss``)."""
    if qualified.startswith("torch.nn.modules."):
        return "torch.nn." + qualified.rsplit(".", 1)[1]
    if qualified.startswith("torch.nn.functional."):
        return qualified
    return qualified


class ImportTable:
    """Local names bound by the import statements of one module (at any depth), mapped to qualified names."""

    def __init__(self, module: cst.Module) -> None:
        self.names: dict[str, str] = {}
        self._collect(module)

    def _collect(self, node: cst.CSTNode) -> None:
        # An explicit stack, not recursion: imports can sit inside functions, ifs and trys.
        stack: list[cst.CSTNode] = [node]
        while stack:
            n = stack.pop()
            if isinstance(n, cst.Import):
                for alias in n.names:
                    full = _dotted(alias.name)
                    if full is None:
                        continue
                    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                        self.names[alias.asname.name.value] = full
                    else:
                        head = full.split(".", 1)[0]
                        self.names.setdefault(head, head)
            elif isinstance(n, cst.ImportFrom):
                if isinstance(n.names, cst.ImportStar):
                    continue
                base = _dotted(n.module) if n.module is not None else ""
                dots = "." * len(n.relative)
                prefix = f"{dots}{base}" if base else dots
                for alias in n.names:
                    name = _dotted(alias.name)
                    if name is None:
                        continue
                    local = (
                        alias.asname.name.value
                        if alias.asname is not None and isinstance(alias.asname.name, cst.Name)
                        else name
                    )
                    sep = "" if prefix.endswith(".") else "."
                    self.names[local] = f"{prefix}{sep}{name}" if prefix else name
            elif isinstance(n, (cst.Module, cst.IndentedBlock, cst.SimpleStatementLine)):
                stack.extend(n.body)  # type: ignore[arg-type]
            elif isinstance(n, (cst.FunctionDef, cst.ClassDef, cst.With, cst.For, cst.While)):
                stack.append(n.body)
            elif isinstance(n, cst.If):
                stack.append(n.body)
                if n.orelse is not None:
                    stack.append(n.orelse)
            elif isinstance(n, cst.Else):
                stack.append(n.body)
            elif isinstance(n, cst.Try):
                stack.append(n.body)
                stack.extend(h.body for h in n.handlers)
                if n.orelse is not None:
                    stack.append(n.orelse)
                if n.finalbody is not None:
                    stack.append(n.finalbody.body)

    def qualify(self, expr: cst.BaseExpression) -> str | None:
        """Qualified name of a ``Name`` / ``Attribute`` chain whose head is an imported name, else None."""
        parts: list[str] = []
        node = expr
        while isinstance(node, cst.Attribute):
            parts.append(node.attr.value)
            node = node.value
        if not isinstance(node, cst.Name):
            return None
        head = self.names.get(node.value)
        if head is None:
            return None
        parts.append(head)
        return canonical(".".join(reversed(parts)))


def _dotted(node: cst.BaseExpression | None) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = _dotted(node.value)
        return None if base is None else f"{base}.{node.attr.value}"
    return None
