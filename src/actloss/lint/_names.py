"""Qualified names of the PyTorch APIs the rules know, and resolution of a file's imports to them.

Resolution is done from the file's own import statements (``import torch.nn as nn``,
``from torch.nn import functional as F``, ``from torch import sigmoid``): the same answers libcst's
``QualifiedNameProvider`` gives for these forms (``tests/lint/test_names.py`` checks that against it), on
CPython's own ``ast``, at a fraction of the cost, which is what lets 1,000 files lint in seconds. Local shadowing of an imported alias
(``F = 3``) is not tracked.
"""
from __future__ import annotations

import ast

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
    "torch.sigmoid_": "sigmoid",  # in place, returning the tensor
    "torch.tanh_": "tanh",
}
# Tensor methods: ``x.sigmoid()``, ``x.softmax(dim=1)``.
ACT_METHODS: dict[str, str] = {
    "sigmoid": "sigmoid",
    "softmax": "softmax",
    "log_softmax": "log_softmax",
    "tanh": "tanh",
    "sigmoid_": "sigmoid",
    "tanh_": "tanh",
}
# The in-place forms: as a statement (``out.sigmoid_()``) they change what the name holds.
INPLACE_ACT_METHODS = frozenset({"sigmoid_", "tanh_"})
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
        "keras.utils.np_utils.to_categorical",
        "tensorflow.keras.utils.np_utils.to_categorical",
        "pandas.get_dummies",  # of a label column; with ``columns=`` it encodes features of a table (see _flow)
    }
)
# encoders whose ``fit_transform`` / ``transform`` returns one indicator column per class
ONE_HOT_ENCODERS = frozenset({"sklearn.preprocessing.LabelBinarizer", "sklearn.preprocessing.OneHotEncoder"})
# conversions between array types that keep the values (a one-hot matrix stays one)
ARRAY_CONVERSIONS = frozenset({"toarray", "todense", "to_numpy", "numpy", "astype"})
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
        # copies of the elements (``p.sigmoid().unsqueeze(1).repeat(1, n, 1)``): still what they were
        "repeat",
        "repeat_interleave",
        "expand",
        "expand_as",
        "tile",
        # module methods that return the module itself (``net = Net().to(device).train()``)
        "train",
        "eval",
        "requires_grad_",
    }
)
# Tensor methods that pick some of the elements (``p.gather(1, idx)``): what is picked stays what it was, a
# selection of it (as ``p[:, 1]``)
SELECTING_METHODS = frozenset({"gather", "index_select", "masked_select", "take_along_dim", "narrow", "select", "take"})
SELECTING_FUNCS = frozenset(
    {"torch.gather", "torch.index_select", "torch.masked_select", "torch.take_along_dim", "torch.narrow", "torch.select", "torch.take"}
)
TRANSPARENT_FUNCS = frozenset(
    {
        "torch.squeeze",
        "torch.unsqueeze",
        "torch.flatten",
        "torch.reshape",
        "torch.atleast_1d",
        "torch.atleast_2d",
        "torch.atleast_3d",
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
        "pandas.DataFrame",  # a table of the array's values (one-hot rows stay one-hot)
        "copy.deepcopy",  # a copy of the model computes what it does (``local.train(copy.deepcopy(global_model))``)
        "copy.copy",
        # wrappers that return a module computing the same function
        "torch.nn.DataParallel",
        "torch.nn.parallel.DataParallel",
        "torch.nn.parallel.DistributedDataParallel",
        "torch.compile",
        # PEFT's LoRA / adapter wrappers: the base model's function plus trained low-rank deltas, same output head
        "peft.get_peft_model",
        "peft.PeftModel",
        "peft.mapping.get_peft_model",
    }
)
# Training helpers whose methods hand back the objects they are given, wrapped to compute the same function
# (``model, optimizer, loader = accelerator.prepare(model, optimizer, loader)``): the helper classes, under the
# name of the one each is (see ``_flow.FileAnalysis._wrapped``), and the functions of the same kind
# (``model, optimizer = amp.initialize(model, optimizer)``).
WRAPPING_HELPERS: dict[str, str] = {
    "accelerate.Accelerator": "accelerate",
    "accelerate.accelerator.Accelerator": "accelerate",
    "opacus.PrivacyEngine": "opacus",
    "opacus.privacy_engine.PrivacyEngine": "opacus",
    "lightning.Fabric": "fabric",
    "lightning.fabric.Fabric": "fabric",
    "lightning_fabric.Fabric": "fabric",
}
WRAPPING_FUNCS = frozenset({"apex.amp.initialize", "intel_extension_for_pytorch.optimize", "deepspeed.initialize"})
# Bare names that TorchVision / timm model constructors return: raw logits.
LOGIT_MODEL_PREFIXES = ("torchvision.models.", "timm.create_model")
# segmentation_models_pytorch (``smp.Unet(..., activation="sigmoid")``): the model applies the activation its
# ``activation`` argument names to its output; without one (``None``, ``"identity"``) it returns logits.
SMP_PREFIX = "segmentation_models_pytorch."
SMP_ACTIVATIONS: dict[str, str] = {
    "sigmoid": "sigmoid",
    "softmax": "softmax",
    "softmax2d": "softmax",
    "logsoftmax": "log_softmax",
    "tanh": "tanh",
}


def canonical(qualified: str) -> str:
    """Map the public aliases of a torch name onto one spelling (``torch.nn.modules.loss.BCELoss`` ->
    ``torch.nn.BCELoss``)."""
    if qualified.startswith("torch.nn.modules."):
        return "torch.nn." + qualified.rsplit(".", 1)[1]
    if qualified.startswith("torch.nn.functional."):
        return qualified
    return qualified


_CONVENTIONAL = {"torch": "torch", "nn": "torch.nn", "F": "torch.nn.functional"}
# What a file that imports other things must use a conventional name for, to read it as PyTorch's: an attribute
# only PyTorch spells that way (``nn.BCELoss``, ``nn.Module``, ``F.cross_entropy``, ``torch.no_grad``).
_IDIOMS: dict[str, frozenset[str]] = {
    "nn": frozenset(
        q.rsplit(".", 1)[1]
        for q in (*ACT_MODULES, *LOSS_MODULES, *LAYERS, *PASS_THROUGH_MODULES)
    )
    | frozenset({"Module", "Sequential", "ModuleList", "ModuleDict", "ReLU", "LeakyReLU", "GELU", "Embedding",
                 "LSTM", "GRU", "RNN", "ConvTranspose2d", "Parameter"}),
    "F": frozenset(q.rsplit(".", 1)[1] for q in (*ACT_FUNCS, *LOSS_FUNCS) if q.startswith("torch.nn.functional."))
    | frozenset({"relu", "leaky_relu", "gelu", "dropout", "max_pool2d", "avg_pool2d", "one_hot"}),
    "torch": frozenset({"tensor", "Tensor", "FloatTensor", "LongTensor", "no_grad", "optim", "nn", "sigmoid",
                        "softmax", "zeros", "ones", "randn", "cat", "from_numpy", "device", "manual_seed"}),
}
# Libraries whose star import hands on PyTorch under its conventional names (``from fastai.vision.all import *``
# binds ``torch``, ``nn`` and ``F``, as fastai's ``torch_core`` imports them).
_TORCH_REEXPORTS = frozenset({"fastai", "fastbook"})
# Frameworks whose files are not read as PyTorch's by convention.
_OTHER_FRAMEWORKS = frozenset({"tensorflow", "keras", "jax", "flax", "mxnet", "chainer", "paddle", "mindspore"})


class ImportTable:
    """Local names bound by the import statements of one module (at any depth), mapped to qualified names.
    Statements are read in source order, so a later import of a name replaces an earlier one."""

    def __init__(self, module: ast.Module, dynamic: bool = False) -> None:
        self.names: dict[str, str] = {}
        self.by_convention: set[str] = set()
        self._imports = False
        self._module: ast.Module | None = module
        self._collect(module.body)
        if dynamic:  # ``importlib.import_module`` with a literal name (the analysis; libcst does not know it)
            self._imported_modules(module)
        if not self.names and not self._imports:
            self._conventional(module, idioms=False)
            self._module = None

    def _conventional(self, module: ast.Module, idioms: bool) -> None:
        """A fragment that uses ``torch`` / ``nn`` / ``F`` without binding them anywhere (a notebook's cells
        saved as separate files, a snippet from a course page) means PyTorch's modules by their conventional
        names: with no import at all, any use; in a file that imports other things (``numpy``, ``matplotlib``
        in the fragment, torch in an earlier one), only when the name is used the PyTorch way (``nn.BCELoss``,
        ``F.cross_entropy``: ``idioms``) and the file imports no other deep-learning framework."""
        bound: set[str] = set(self.names)
        if idioms and any(q.split(".", 1)[0] in _OTHER_FRAMEWORKS for q in self.names.values()):
            return
        used: set[str] = set()
        for node in ast.walk(module):
            if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
                bound.add(node.id)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                bound.add(node.name)
            elif isinstance(node, ast.arg):
                bound.add(node.arg)
            elif isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
                if (node.level or 0) or (node.module or "").split(".", 1)[0] not in _TORCH_REEXPORTS:
                    return  # a star import may bind anything
            elif isinstance(node, ast.alias):
                bound.add((node.asname or node.name).split(".", 1)[0])
            elif isinstance(node, ast.ExceptHandler) and node.name:
                bound.add(node.name)
            elif idioms and isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                if node.attr in _IDIOMS.get(node.value.id, ()):
                    used.add(node.value.id)
        for name, qualified in _CONVENTIONAL.items():
            if name not in bound and (not idioms or name in used):
                self.names[name] = qualified
                self.by_convention.add(name)

    def _imported_modules(self, module: ast.Module) -> None:
        """``x = import_module("models." + "textCNN")`` (``importlib.import_module``) with a module name the
        source spells out in string literals, the name assigned nowhere else: ``x`` is that module."""
        if not any(q == "importlib" or q.startswith("importlib.") for q in self.names.values()):
            return
        found: dict[str, str | None] = {}
        stores: dict[str, int] = {}
        for node in ast.walk(module):
            if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
                stores[node.id] = stores.get(node.id, 0) + 1
            if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
                continue
            call = node.value
            if not (isinstance(call, ast.Call) and len(call.args) == 1 and not call.keywords):
                continue
            if self.qualify(call.func) != "importlib.import_module":
                continue
            name = _literal_string(call.args[0])
            if name and not name.startswith(".") and all(p.isidentifier() for p in name.split(".")):
                found[node.targets[0].id] = name
        for target, name in found.items():
            if stores.get(target) == 1 and target not in self.names:
                self.names[target] = name

    def _collect(self, body: list[ast.stmt]) -> None:
        # Statements only (imports can sit inside functions, ifs and trys); expressions are never entered.
        for n in body:
            if isinstance(n, (ast.Import, ast.ImportFrom)):
                self._imports = True
            if isinstance(n, ast.Import):
                for alias in n.names:
                    if alias.asname is not None:
                        self.names[alias.asname] = alias.name
                    else:
                        head = alias.name.split(".", 1)[0]
                        self.names.setdefault(head, head)
            elif isinstance(n, ast.ImportFrom):
                dots = "." * (n.level or 0)
                prefix = f"{dots}{n.module}" if n.module else dots
                for alias in n.names:
                    if alias.name == "*":
                        continue
                    sep = "" if prefix.endswith(".") else "."
                    self.names[alias.asname or alias.name] = f"{prefix}{sep}{alias.name}" if prefix else alias.name
            else:
                for name in _BODIES:
                    sub = getattr(n, name, None)
                    if sub:
                        self._collect(sub)
                for h in getattr(n, "handlers", ()):
                    self._collect(h.body)
                for case in getattr(n, "cases", ()):
                    self._collect(case.body)

    def qualify(self, expr: ast.expr) -> str | None:
        """Qualified name of a ``Name`` / ``Attribute`` chain whose head is an imported name, else None."""
        parts: list[str] = []
        node = expr
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        head = self.names.get(node.id)
        if head is None:
            if node.id not in _CONVENTIONAL or self._module is None:
                return None
            module, self._module = self._module, None  # looked at once per file, when first needed
            self._conventional(module, idioms=True)
            head = self.names.get(node.id)
            if head is None:
                return None
        parts.append(head)
        return canonical(".".join(reversed(parts)))


_BODIES = ("body", "orelse", "finalbody")


def _literal_string(expr: ast.expr) -> str | None:
    """A string written as literals: ``"models.textCNN"``, ``"models." + "textCNN"``."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return expr.value
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
        left, right = _literal_string(expr.left), _literal_string(expr.right)
        return left + right if left is not None and right is not None else None
    return None
