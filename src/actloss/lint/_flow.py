"""Follow the data through one file: what each expression is (sigmoid output, a loss object, a model ...).

An abstract interpreter over CPython's ``ast`` tree (libcst is only used by ``--fix``). Statements run in
order with an environment mapping local names (and ``self.x``) to abstract values; the branches of an ``if`` /
loop are joined, keeping a value only when every path agrees (a *must* analysis: a finding needs the bad value
on every path). It never imports or runs the code. Values cross

* local variables inside a function (``probs = torch.sigmoid(z)`` ... ``bce(probs, y)``);
* attributes: ``self.criterion = nn.BCELoss()`` in ``__init__``, used in another method;
* models: a class whose ``forward`` returns an activation output on every path, or an ``nn.Sequential`` whose
  last module is one, in this file or (through ``project``) in another file of the linted tree;
* calls to this file's functions and classes: a parameter takes the value every call site agrees on.

What it finds is a list of facts (a loss called on values, a value compared with a threshold, a stack of
saturating layers); the rules in ``actloss.lint.rules`` turn facts into findings.
"""
from __future__ import annotations

import ast
import builtins
import itertools
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import reduce
from typing import Any

from actloss.lint import _names as N


@dataclass(frozen=True)
class V:
    """An abstract value. ``kind``: act | actmod | loss | layer | logits | out | model | cls | onehot | multihot |
    eye | mlb | lb | weights | self | qual | inst (an instance of an imported class, maybe of another file of the
    tree). ``detail``: the activation, loss family, class or qualified name."""

    kind: str
    detail: str = ""  # dict: its constant keys, joined by NUL
    origin: ast.AST | None = field(default=None, compare=False)
    out: V | None = None  # model: what calling it returns
    depth: int = 0  # saturating hidden activations along a layer chain
    indexed: bool = False  # a column / slice was taken (``p[:, 1]``)
    where: str = ""  # "Net.forward" when the value comes out of a model
    origin_fn: object = field(default=None, compare=False)  # function node where ``origin`` lives
    items: tuple = ()  # tuple: the values of its elements (``return validity, label``); dict: of its keys
    chain: object = field(default=None, compare=False)  # where the layer chain this value ends started
    filled: bool = False  # written into a fresh tensor (``out[:, t] = sigmoid(..)``, ``out = torch.cat((out, p))``)
    width: int = field(default=0, compare=False)  # logits (and their activation): a literal out_features


def join(a: V | None, b: V | None) -> V | None:
    if a is None or b is None:
        return None
    if a == b:
        return a if a.origin is b.origin else replace(a, origin=None)
    for held, other in ((a, b), (b, a)):
        # ``best_model = None`` before a loop that sets ``best_model = model``: the object, where it is used (a
        # model or a loss still None at its call would raise)
        if held.kind == "const" and held.detail == "None" and other.kind in ("model", "inst", "loss"):
            return replace(other, origin=None)
    if a.kind == "blank" and b.filled and b.kind != "seq" or b.kind == "blank" and a.filled and a.kind != "seq":
        # a fresh tensor (``torch.zeros``) before a loop that fills it with one kind of value: that value
        filled = b if a.kind == "blank" else a
        return replace(filled, origin=None)
    if a.depth != b.depth and replace(a, depth=0) == replace(b, depth=0):  # the depth every path has
        return replace(a, depth=min(a.depth, b.depth), origin=a.origin if a.origin is b.origin else None)
    if a.kind == b.kind == "act" and a.detail == "sigmoid" and a.indexed != b.indexed:
        # a sigmoid output, one of them a column of it (an LSTM's ``sigmoid(out[:, -1])`` beside an MLP's): a
        # sigmoid output either way, element by element
        a, b = replace(a, indexed=True), replace(b, indexed=True)
        if a == b:
            return a if a.origin is b.origin else replace(a, origin=None)
    if a.kind == b.kind == "act" and a.where != b.where and replace(a, where="", depth=0) == replace(b, where="", depth=0):
        # the same activation's output from two places (``wce_loss(D1(x), ..)``, ``wce_loss(D2(x), ..)``, both
        # ending in a sigmoid): that activation's output, whichever it came from
        wheres = sorted({w for v in (a, b) for w in v.where.split(" / ") if w})
        origin = a.origin if a.origin is b.origin else None
        return replace(a, where=" / ".join(wheres), depth=min(a.depth, b.depth), origin=origin)
    if a.kind == b.kind == "seq":  # a list after zero or more passes of a loop: the elements every path ends with
        outputs = _fill(_outputs_list(a), _outputs_list(b))
        if outputs is not None and outputs.kind == "act":  # ``outputs.append(torch.sigmoid(..))`` in a loop
            return _outputs_seq(outputs)
        return _seq_join(a, b)
    if a.kind == b.kind == "model" and a.detail == b.detail == "Sequential" and a.items and b.items:
        items = _seq_join(a.items[0], b.items[0])
        out = join(a.out, b.out) if items.items else None
        return V("model", "Sequential", out=out, depth=min(a.depth, b.depth), items=(items,))
    if a.kind == b.kind == "dict" and (a.filled or b.filled):
        # a dict of one activation's outputs after zero or more passes of the loop that fills it
        if a.filled and b.filled:
            return _open_dict(_fill(a.items[0], b.items[0]))
        other = b if a.filled else a
        return (a if a.filled else b) if not other.items else None
    if a.kind == b.kind == "dict":
        return _dict_join(a, b)
    if a.kind in _CLASS_KINDS and b.kind in _CLASS_KINDS:
        # ``return AlexNetWrapper`` on one branch of a factory, ``return VGG16Wrapper`` on another: one of the
        # classes, which a call builds each of (see ``_eval_call``)
        classes = [c for v in (a, b) for c in (v.items if v.kind == "choice" else (replace(v, origin=None),))]
        unique = tuple(dict.fromkeys(classes))
        return V("choice", items=unique) if all(_class_like(c) for c in unique) and len(unique) <= 16 else None
    if a.kind == b.kind == "tuple" and len(a.items) == len(b.items):
        items = tuple(join(x, y) for x, y in zip(a.items, b.items))
        return V("tuple", items=items) if any(i is not None for i in items) else None
    if a.kind == b.kind == "model" and a.detail != b.detail and a.out is not None and b.out is not None:
        # two model classes (``train(Wide())``, ``train(Deep())``) whose outputs agree (both end in a sigmoid):
        # the parameter is a model returning that, whichever it is
        out = join(replace(a.out, where=""), replace(b.out, where=""))
        if out is not None and out.kind == "dict" and out.filled:  # both return a dict of one activation's outputs
            return V("model", f"{a.detail}|{b.detail}", out=out)
        if out is not None and out.kind in ("act", "logits"):
            wheres = sorted({w for w in (a.out.where, b.out.where) if w})
            return V("model", f"{a.detail}|{b.detail}", out=replace(out, where=" / ".join(wheres)))
    return None


_CLASS_KINDS = ("cls", "qual", "choice")


def _class_like(v: V) -> bool:
    """A class of the file, or a qualified name spelled as a class (``models.alexNet.AlexNetWrapper``)."""
    return v.kind == "cls" or (v.kind == "qual" and v.detail.rsplit(".", 1)[-1][:1].isupper())


def _seq_join(a: V, b: V) -> V:
    if not a.detail and not b.detail and len(a.items) == len(b.items) and a.items:
        # two lists of as many entries (``model_set = [...]`` on each side of an ``if``): entry by entry, where
        # every pair agrees
        pairs = tuple(join(x, y) for x, y in zip(a.items, b.items))
        if all(p is not None for p in pairs):
            return V("seq", items=pairs)
    n = 0
    while n < min(len(a.items), len(b.items)) and a.items[-1 - n] == b.items[-1 - n]:
        n += 1
    if a.detail == b.detail and len(a.items) == len(b.items) == n:
        return a
    return V("seq", "open", items=a.items[len(a.items) - n :])


_BLANK_FUNCS = frozenset({"torch.zeros", "torch.empty", "torch.ones", "torch.zeros_like", "torch.empty_like", "torch.ones_like"})


def _fill(held: V | None, value: V | None) -> V | None:
    """A fresh tensor (``blank``) or one already filled, after ``value`` is written into part of it: an activation
    output when every part written is the same one, else unknown."""
    if held is None or value is None:
        return None
    if value.kind == "blank":
        return held
    if value.kind != "act":
        return None
    value = replace(value, filled=True, origin=None, depth=0)  # a column (``p[:, 0]``) stays one
    if held.kind == "blank":
        return value
    return value if held.filled and replace(held, where="") == replace(value, where="") else None


def _outputs_list(v: V | None) -> V | None:
    """A list of tensors every element of which is the same activation's output (``outputs.append(
    torch.sigmoid(..))`` in a loop, ``[torch.softmax(h, 1) for h in hs]``): that output; ``blank`` for an empty
    list; None for anything else."""
    if v is None or v.kind != "seq":
        return None
    if v.filled:
        return v.items[0]
    if v.detail:  # an unknown start
        return None
    result: V | None = V("blank")
    for item in v.items:
        result = _fill(result, item)
    return result


def _open_dict(value: V | None) -> V | None:
    """A dict of any keys whose every entry is ``value`` (an activation's output), or None."""
    return V("dict", "", items=(value,), filled=True) if value is not None and value.kind == "act" else None


def _outputs_seq(value: V) -> V:
    """A list of any length whose every element is ``value`` (an activation's output)."""
    return V("seq", "open", items=(value,), filled=True)


def _seq_concat(a: V | None, b: V | None) -> V | None:
    """``a + b`` of two lists of modules; an unknown start (``open``) stays unknown."""
    if a is None or b is None or a.kind != "seq" or b.kind != "seq":
        return None
    if b.detail == "open":
        return b
    if a.filled:  # a list of one activation's outputs: still one, or an unknown start and then ``b``
        same = _fill(a.items[0], _outputs_list(b))
        return a if same is not None else V("seq", "open", items=b.items[-64:])
    items = a.items + b.items
    return replace(a, items=items[-64:], detail="open" if len(items) > 64 else a.detail)


_MODULE_SITES = "\1sites"  # a function's module-level call sites (see ``_bind_site``)
_GLOBAL_AT_CALL = "\1global:"  # a global's value at a module-level call of a function that reads it
_BOUND = ("loss", "model", "actmod", "cls", "act", "onehot", "multihot", "str", "const", "args", "cat", "fn", "loader")  # what a parameter can take
# a torch name passed uncalled (``activation=nn.Sigmoid``, ``loss_fn=F.binary_cross_entropy``) binds a parameter too
_BOUND_QUALS = frozenset((*N.ACT_MODULES, *N.ACT_FUNCS, *N.LOSS_MODULES, *N.LOSS_FUNCS))


def bindable(v: V | None) -> bool:
    """A value a parameter can take from the calls that agree on it."""
    if v is None:
        return False
    if v.kind == "inst":  # an instance of another file's class (``train(model)``, ``Frame(Net, DiceBCE())``)
        return True
    # a function or class of the linted tree passed uncalled (``Trainer(model, module_loss.ce_loss)``)
    return v.kind in _BOUND or (v.kind == "qual" and (v.detail in _BOUND_QUALS or not v.detail.startswith(_EXTERNAL)))
_FOLLOWED = ("act", "logits", "tuple", "onehot", "multihot", "model", "loss", "cat", "args")  # "args": parsed options


def _joined(values: list[V | None]) -> V | None:
    """The value every one of ``values`` agrees on (the returns or the yields of a function), when it is one
    worth following."""
    result = values[0] if values else None
    for v in values[1:]:
        result = join(result, v)
    if result is not None and result.kind == "dict" and result.filled:  # ``outputs[head] = softmax(..)`` in a loop
        return result
    if result is not None and result.kind == "dict":  # ``return {"probs": torch.sigmoid(..), ...}``
        pairs = [(k, v if v is not None and v.kind in _FOLLOWED else None) for k, v in _dict_pairs(result)]
        return _dict_of(pairs) if any(v is not None for _, v in pairs) else None
    if result is not None and (result.kind == "choice" or (result.kind in _CLASS_KINDS and _class_like(result))):
        return result  # a factory returning a class (``get_model(name)``): what calling its result builds
    return result if result is not None and result.kind in _FOLLOWED else None


@dataclass
class LossCall:
    node: ast.Call
    loss: str  # family: bce, bce_logits, ce, nll, mse, ...
    input: V | None
    target: V | None
    input_expr: ast.expr | None
    ctor: V | None  # the loss object (None for the functional form)
    func: ast.FunctionDef | ast.AsyncFunctionDef | None
    target_expr: ast.expr | None = None


@dataclass
class Threshold:
    node: ast.AST
    value: V
    threshold: float
    op: str  # '>' ... or 'round' or 'name'
    name: str = ""
    func: object = field(default=None, compare=False)  # the function it is in


@dataclass
class Stack:
    node: ast.AST
    depth: int
    act: str


@dataclass
class FileFacts:
    losses: list[LossCall] = field(default_factory=list)
    thresholds: list[Threshold] = field(default_factory=list)
    stacks: list[Stack] = field(default_factory=list)
    loss_ctors: list[V] = field(default_factory=list)  # every loss object built (for AL108 and --fix)
    weight_vars: list[tuple[str, ast.AST]] = field(default_factory=list)  # class-weight variables
    class_outputs: dict[str, V] = field(default_factory=dict)  # class name -> what calling it returns
    # calls of imported functions (maybe of another file of the tree): (qualified name, positional argument
    # values, keyword argument values), every call site, so that a parameter of that file's function can take
    # the value every call site in the tree agrees on
    imported_calls: list[tuple[str, tuple, dict]] = field(default_factory=list)
    # module-level objects another file can import (``netD = Discriminator()``, ``criterion = nn.BCELoss()``,
    # read by ``from train_setup import *``): name -> a model with a known output, or a loss object
    module_values: dict[str, V] = field(default_factory=dict)
    # class name -> its sub-modules set in ``__init__`` (``self.decoder = Decoder()``): a dict value, so that
    # ``model.decoder(z)`` in another file reaches the decoder's output
    class_members: dict[str, V] = field(default_factory=dict)
    # module-level function name -> what it returns on every path with its parameters unknown, when that is a
    # tuple, a model or a loss object (``return Net(), nn.BCELoss()``), for ``model, criterion = build(args)``
    # in another file
    function_returns: dict[str, V] = field(default_factory=dict)
    # class name -> the attributes its ``__init__`` stores from its parameters (``self.D = D``), for a subclass in
    # another file whose ``super().__init__(G, D)`` passes them
    init_stores: dict[str, V] = field(default_factory=dict)
    # class name -> what a subclass of a class of another file of the tree is (``class WADIModel(NebulaModel)``):
    # its base's qualified name, its output and its sub-modules and loss objects, for the base's own methods
    subclasses: dict[str, V] = field(default_factory=dict)
    # class name -> what its instances return for each set of constants its constructions in other files pass
    # (``DomainDiscriminator(1024, sigmoid=False)``), see ``FileAnalysis._output_variants``
    class_variants: dict[str, V] = field(default_factory=dict)
    # method name -> the positions ("1") and keywords of its calls that pass the receiver's own output
    # (``out = model(batch)`` then ``model.module.loss(batch, out)``, the model of unknown class), for the
    # files that define such a method on a model class (see ``FileAnalysis._function_env``)
    self_outputs: dict[str, set[str]] = field(default_factory=dict)


SELF_OUTPUT = "\0self-output"  # project key suffix: ``"loss" + SELF_OUTPUT`` -> V("str", "1|out_dict")
NAMED_ELSEWHERE = "\0named"  # project key suffix: ``"pkg.models.dkt" + NAMED_ELSEWHERE``: another file names it


_WEIGHT_NAME = re.compile(r"^_?(class|cls|label|classes)_?(weights?|wts?)$|^pos_?weights?$", re.IGNORECASE)
_PROB_NAME = re.compile(r"^(y_)?(prob|probs|proba|probas|probabilities|pred_probs?|\w+_probs?)$")
_LOGIT_NAME = re.compile(r"logit", re.IGNORECASE)
_CMP_OPS = {ast.Gt: ">", ast.GtE: ">=", ast.Lt: "<", ast.LtE: "<="}
_FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)


def _float(node: ast.expr) -> float | None:
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return float(node.value)
    return None


def _args(call: ast.Call) -> tuple[list[ast.expr], dict[str, ast.expr], bool]:
    pos: list[ast.expr] = []
    starred = False
    for a in call.args:
        if isinstance(a, ast.Starred):
            starred = True
        else:
            pos.append(a)
    kw: dict[str, ast.expr] = {}
    for k in call.keywords:
        if k.arg is None:
            starred = True
        else:
            kw[k.arg] = k.value
    return pos, kw, starred


def _arg(call: ast.Call, index: int, name: str) -> ast.expr | None:
    pos, kw, _ = _args(call)
    if name in kw:
        return kw[name]
    return pos[index] if index < len(pos) else None


# the name of an object that holds settings: ``config``, ``cfg``, ``self.opt``, ``train_cfg``, ``hparams``
_CONFIG_NAME = re.compile(
    r"(?i)^(?:[a-z0-9]+_)*(?:config|configs|cfg|cfgs|conf|setting|settings|hparams|hyperparams|opt|opts|options|params|hp)(?:_[a-z0-9]+)*$"
)


def _config_scope(configs: tuple, module_name: str) -> dict[tuple[str, ...], tuple[str, ...]]:
    """The settings a module reads: those of the configuration files under its nearest enclosing directory that
    holds any (``proj_a/configs/*.yml`` for ``proj_a/main.py``, not ``proj_b``'s; the tree's root for a script at
    the top), each key's values joined over those files."""
    dirs = {d for d, _, _ in configs}
    parts = module_name.split(".")[:-1]
    for k in range(len(parts), -1, -1):
        top = ".".join(parts[:k])
        inside = {d for d in dirs if not top or d == top or d.startswith(top + ".")}
        if inside:
            break
    scope: dict[tuple[str, ...], set[str]] = {}
    for d, keys, values in configs:
        if d in inside:
            scope.setdefault(keys, set()).update(values)
    return {k: tuple(sorted(v)) for k, v in scope.items()}


def _config_keys(expr: ast.expr, key_of=None) -> tuple[str, ...] | None:  # noqa: ANN001
    """The key path a read of settings spells (``cfg["train"]["mode"]`` -> ``("train", "mode")``,
    ``config.get("loss")`` -> ``("loss",)``), when the object read is named as settings are; ``key_of``: the
    string a key that is not a literal holds (``config[name]["type"]`` with ``name`` a known parameter)."""
    keys: list[str] = []
    node = expr
    while True:
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
            keys.append(node.slice.value)
            node = node.value
        elif isinstance(node, ast.Subscript) and key_of is not None and (held := key_of(node.slice)) is not None:
            keys.append(held)
            node = node.value
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get"
            and 1 <= len(node.args) <= 2
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            keys.append(node.args[0].value)
            node = node.func.value
        else:
            break
    name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None
    if not keys or name is None or not _CONFIG_NAME.match(name):
        return None
    return tuple(reversed(keys))


def _param_names(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    p = fn.args
    return [x.arg for x in (*p.posonlyargs, *p.args, *p.kwonlyargs)]


def _defaults(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, ast.expr]:
    """Parameter -> its default value's expression."""
    p = fn.args
    positional = [*p.posonlyargs, *p.args]
    found = {a.arg: d for a, d in zip(positional[len(positional) - len(p.defaults):], p.defaults)}
    found.update((a.arg, d) for a, d in zip(p.kwonlyargs, p.kw_defaults) if d is not None)
    return found


def _site(fn, skip: int, pos: list, kw: dict, starred: bool):  # noqa: ANN001, ANN202
    """(parameter, argument, False) for each parameter of ``fn`` that one call site passes, and (parameter,
    default expression, True) for each it leaves out that has a default. Behind ``*args`` / ``**kwargs`` only
    the arguments before the first star (``pos``) and the named keywords are known, and defaults are not."""
    p = fn.args
    positional = [a.arg for a in (*p.posonlyargs, *p.args)][skip:]
    defaults = _defaults(fn) if p.defaults or p.kw_defaults else {}
    for i, name in enumerate([*positional, *(a.arg for a in p.kwonlyargs)]):
        if i < len(positional) and i < len(pos):
            yield name, pos[i], False
        elif name in kw:
            yield name, kw[name], False
        elif not starred and name in defaults:
            yield name, defaults[name], True


def absolute(qn: str, module_name: str) -> str:
    """``.models.Net`` imported in ``pkg.train`` is ``pkg.models.Net``."""
    if not qn.startswith("."):
        return qn
    dots = len(qn) - len(qn.lstrip("."))
    package = module_name.split(".")[:-1]
    if dots > 1:
        package = package[: len(package) - (dots - 1)]
    return ".".join([*package, qn.lstrip(".")]).strip(".")


def module_candidates(mod: str, module_name: str) -> tuple[str, ...]:
    """Where ``import mod`` in ``module_name`` can land in the tree: beside the file, then in each directory
    above it, nearest first (a script run from there: ``from src.losses import *`` in ``client/src/agent.py``
    is ``client/src/losses.py``, run from ``client/``), then at the tree's root."""
    parts = module_name.split(".")[:-1]
    return (*(f"{'.'.join(parts[:n])}.{mod}" for n in range(len(parts), 0, -1)), mod)


def folded_modules(names) -> dict[str, str | None]:  # noqa: ANN001
    """The tree's module names by their lower-case spelling (None where two modules share it), for an import
    that resolves only on a case-insensitive file system (``from Unet_model import Unet`` beside
    ``unet_model.py``, written on Windows or macOS)."""
    folded: dict[str, str | None] = {}
    for name in names:
        key = name.lower()
        folded[key] = None if key in folded and folded[key] != name else name
    return folded


def folded_module(mod: str, module_name: str, folded: dict[str, str | None]) -> str | None:
    """The one module of the tree that ``import mod`` in ``module_name`` names when case is ignored."""
    return next((hit for c in module_candidates(mod, module_name) if (hit := folded.get(c.lower()))), None)


_OUTPUTS = ("act", "tuple", "logits", "dict", "cat", "passmod")  # what the project holds for a class: what calling it returns
_RETURNS = ("tuple", "model", "loss", "dict", "onehot", "multihot", "args")  # what the project holds for a function of another file: what it returns (``args``: its parsed command-line options)
_LIBRARIES = ("torch.", "numpy.", "sklearn.", "os.", "sys.", "math.", "time.", "random.", "json.", "logging.")
# names no file of a linted tree defines: a qualified name under them passed uncalled binds no parameter
_EXTERNAL = (*_LIBRARIES, "torchvision.", "torchaudio.", "torchtext.", "transformers.", "timm.", "pandas.", "scipy.",
             "tqdm.", "functools.", "itertools.", "collections.", "copy.", "tensorflow.", "keras.", "jax.",
             "pytorch_lightning.", "lightning.", "matplotlib.", "PIL.", "cv2.", "argparse.", "pathlib.", "re.")


def _carries(v: V | None) -> bool:
    """A layer chain goes on through this value: a layer's output, or a saturating activation of one."""
    return v is not None and (v.kind == "logits" or (v.kind == "act" and v.detail in N.SATURATING))


def _unknown_output(v: V | None) -> bool:
    """Nothing known (None), or only the outputs of unknown callables (``model_class(...)`` of a parameter), alone
    or in a tuple."""
    if v is None or v.kind == "out":
        return True
    return v.kind == "tuple" and all(i is None or i.kind == "out" for i in v.items)


def _through_value(v: V | None) -> bool:
    """A parameter's value (``V("param")``), or a tuple holding at least one and nothing else known."""
    if v is None:
        return False
    if v.kind == "param":
        return True
    return v.kind == "tuple" and any(i is not None and i.kind == "param" for i in v.items) and all(
        i is None or i.kind == "param" for i in v.items
    )


def _selected(v: V | None) -> V | None:
    """Some of the elements of ``v`` (``p.gather(1, idx)``): an output stays that output, marked as a selection."""
    return replace(v, indexed=True) if v is not None and v.kind in ("act", "logits", "onehot", "multihot") else None


def _literal_constant(expr: ast.expr) -> V | None:
    """A bool or number literal (``True``, ``5``, ``-1``, ``0.5``) as a constant value."""
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.USub) and isinstance(expr.operand, ast.Constant):
        inner = expr.operand.value
        return V("const", repr(-inner)) if type(inner) in (int, float) else None
    if isinstance(expr, ast.Constant) and type(expr.value) in (bool, int, float):
        return V("const", repr(expr.value))
    return None


_NONE = V("const", "None")


def _is_none(expr: ast.expr) -> bool:
    return isinstance(expr, ast.Constant) and expr.value is None


def _placeholder(v: V | None) -> bool:
    """A default that says nothing about the calls that leave it out: unknown, or ``None``."""
    return v is None or (v.kind == "const" and v.detail == "None")


def _const_value(v: V) -> object:
    return ast.literal_eval(v.detail)


_CONST_OPS = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Is: operator.is_, ast.IsNot: operator.is_not,
    ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
}


def _member(v: V | None) -> bool:
    """A sub-module worth exporting with its class: a model with a known output (or sub-modules of its own), a
    loss object, an activation module."""
    if v is None or v.kind in ("loss", "actmod"):
        return v is not None
    return v.kind == "model" and (v.out is not None or (bool(v.items) and v.items[0].kind == "dict"))


def _is_act(v: V | None) -> bool:
    return v is not None and v.kind == "act"


def _is_module(v: V | None) -> bool:
    return v is not None and v.kind == "module"


def _is_name(node: ast.AST | None, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


class _Index:
    """The keys of a tree's index (``project``) by their last dotted part (``"Net#members"``), and its
    ``#subclass`` keys: what the lookups of every file of the tree would otherwise find by reading every key."""

    def __init__(self, project: dict[str, V]) -> None:
        self.by_last: dict[str, list[str]] = {}
        self.by_module: dict[str, list[str]] = {}  # "pkg.models" -> the keys of that module's names
        self.subclass_keys: dict[str, list[str]] = {}  # a base's last dotted part -> its ``#subclass`` keys
        self.modules: list[str] = []
        for key, v in project.items():
            module, _, last = key.rpartition(".")
            self.by_last.setdefault(last, []).append(key)
            self.by_module.setdefault(module, []).append(key)
            if key.endswith("#subclass"):
                self.subclass_keys.setdefault(v.detail.rsplit(".", 1)[-1], []).append(key)
            if v.kind == "module":
                self.modules.append(key)
        self.folded = folded_modules(self.modules)


_INDEX: list = [None, None]  # [(id, size) of the project it was built for, the _Index]


def _index(project: dict[str, V]) -> _Index:
    """The index of ``project``, built once per tree (per worker process) and again when keys come or go."""
    stamp = (id(project), len(project))
    if _INDEX[0] != stamp:
        _INDEX[0], _INDEX[1] = stamp, _Index(project)
    return _INDEX[1]


class FileAnalysis:
    """Run the interpreter over one module. ``project``: ``"pkg.models.Net"`` -> what calling a ``Net``
    returns, for classes of other files; ``module_name``: this file's dotted name (for relative imports)."""

    def __init__(
        self,
        module: ast.Module,
        project: dict[str, V] | None = None,
        module_name: str = "",
        calls_in: dict[str, list[tuple[tuple, dict]]] | None = None,
        configs: tuple | None = None,
    ) -> None:
        self.module = module
        self.configs = configs or ()  # the tree's configuration settings (see ``_configured``)
        self._config_index: dict[tuple[str, ...], tuple[str, ...]] | None = None
        self._sequential_calls: set[int] | None = None  # ids of this file's calls (see ``_stack_start``)
        self.calls_in = calls_in or {}  # function -> (positional, keyword) argument values of other files' calls
        self.imports = N.ImportTable(module, dynamic=True)
        # command-line option defaults, when the file imports an argument parser
        argparse = any(q.split(".", 1)[0] in _PARSERS for q in self.imports.names.values())
        self.options = _options(module) if argparse else {}
        self.project = project or {}
        self.module_name = module_name
        self._folded_names: dict[str, str | None] | None = None  # see ``_folded``
        self._fragments = self._fragment_values()
        self._imported = self._imported_values()
        self.classes: dict[str, ast.ClassDef] = {}
        self.functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
        for stmt in module.body:
            if isinstance(stmt, ast.ClassDef):
                self.classes[stmt.name] = stmt
            elif isinstance(stmt, _FUNCS):
                self.functions[stmt.name] = stmt
        # classes and functions defined inside the module's ``if`` / ``try`` / ``with`` blocks (a script under
        # ``if __name__ == "__main__":``), when the file defines that name nowhere else
        guarded = _guarded_defs(module.body)
        for name, defs in guarded.items():
            if len(defs) == 1 and name not in self.classes and name not in self.functions:
                target = self.classes if isinstance(defs[0], ast.ClassDef) else self.functions
                target[name] = defs[0]
        for fn in list(self.functions.values()):  # classes defined inside a function (``def main(): class MLP``)
            for stmt in fn.body:
                if isinstance(stmt, ast.ClassDef):
                    self.classes.setdefault(stmt.name, stmt)
        self._star_names()
        self._class_attrs: dict[str, dict[str, V | None]] = {}
        # class name -> the attributes ``__init__`` sets on each side of an ``if`` on an option (see ``_correlated``)
        self._class_conds: dict[str, list[tuple[tuple, dict, dict, dict]]] = {}
        # class -> method of a base in another file -> the argument values of this class's ``self.method(..)`` calls
        self._inherited_calls: dict[str, dict[str, list[tuple[tuple, dict]]]] = {}
        # "Base<Sub>" -> what a subclass in another file makes of this file's class ``Base`` (see ``_subclasses_here``)
        self._virtual: dict[str, V] = self._subclasses_here()
        for name in self._virtual:
            self.classes[name] = self.classes[name.split("<", 1)[0]]
        # "Name{i}" -> (class, the arguments one of its constructions in other files passes; see ``_variants_of``)
        self._variants: dict[str, tuple[str, dict[str, V | None]]] = {}
        self._cond_sink: list | None = None
        self._stores: dict[str, V | None] = {}  # see ``init_stores``
        self._class_out: dict[str, V | None] = {}
        self._in_progress: set[str] = set()
        self._class_mixed: set[str] = set()
        self._loss_classes: dict[str, bool] = {}
        self._fn_out: dict[str, tuple[V | None, V | None]] = {}  # function -> (returned, yielded)
        self.bindings: dict[str, dict[str, V | None]] = {}
        self._calls: dict[str, dict[str, list[V | None]]] = {}
        self._calls_elsewhere: set[str] = set()  # this file's functions that other files call
        self.facts = FileFacts()
        self.recording = False
        self.globals: dict[str, V | None] = {}
        self._returns: list[list[V | None]] = []
        self._yields: list[list[V | None]] = []
        self._fn: ast.FunctionDef | ast.AsyncFunctionDef | None = None
        self._stack_reported: set[int] = set()
        # a deep stack's last layer -> that stack's ``nn.Sequential`` call; the stacks called on another one's output
        self._stack_tails: dict[int, ast.AST] = {}
        self._stacks_after: set[int] = set()
        self._inside: dict[int, list[ast.AST]] = {}  # expression -> the calls and comparisons in it
        self._comps: dict[int, dict[int, ast.AST]] = {}  # expression -> the comprehension around each of those
        self._flags: dict[str, V] | None = None
        self._globals_rebound: set[str] | None = None
        self._project_found: dict[tuple, V | None] = {}  # see ``_project_class``
        self._attr_writes: dict[str, int] | None = None
        # ``args.dis = Discriminator()`` on the parsed options (a namespace passed around as a bag of values):
        # attribute -> what every such store agrees on (None: they disagree), from the round before; see ``eval``
        self._ns_stores: dict[str, V | None] = {}
        self._ns_round: dict[str, V | None] = {}
        self._init_str: dict[str, dict[str, V]] = {}

    # ------------------------------------------------------------------ driver
    def run(self) -> FileFacts:
        self.globals = {**self._fragments, **self._imported}
        self._variants = self._construction_variants()
        for name, (base, _) in self._variants.items():
            self.classes[name] = self.classes[base]
        for round_ in range(4):
            self.facts = FileFacts()
            # reset before the other files' calls are sorted: whether a class is a loss class can depend on
            # this round's bindings (``GANLoss(use_lsgan=False)`` in another file choosing ``nn.BCELoss``)
            self._class_out = {}
            self._class_attrs = {}
            self._class_conds = {}
            self._loss_classes = {}
            self._calls = self._calls_from_other_files()
            self._calls_elsewhere = set(self._calls)
            for name, (base, binding) in self._variants.items():  # each construction's own arguments
                for key, params in list(self._calls.items()):
                    if key.startswith(base + ".") and key != f"{base}.__init__":
                        self._calls[name + key[len(base):]] = params
                self._calls[f"{name}.__init__"] = {p: [v] for p, v in binding.items() if v is not None}
            self._inherited_calls = {}
            for name, sub in self._virtual.items():  # the subclass's ``self.make_loss(preds=..)`` calls
                self._bind_inherited(name, sub)
            self._fn_out = {}
            self._stack_reported = set()
            self._stacks_after = set()
            self._ns_round = {}
            self.recording = True
            self.globals = {**self._fragments, **self._imported}
            self._exec_block(self.module.body, self.globals, cls=None)
            for name, fn in self.functions.items():
                self._run_function(fn, cls=None, key=name)
            for name, sub in self._virtual.items():
                self._class_out[name] = sub.out
            for cname, cdef in self.classes.items():
                for stmt in cdef.body:
                    if isinstance(stmt, _FUNCS) and (cname not in self._virtual or stmt.name != "__init__"):
                        self._run_function(stmt, cls=cname, key=f"{cname}.{stmt.name}")
                for fn in self._inherited(cname):  # a base's ``step`` on this class's loss and ``forward``
                    self._run_function(fn, cls=cname, key=f"{cname}.{fn.name}")
            new = self._agreed_bindings()
            stored = self._ns_round != self._ns_stores
            self._ns_stores = self._ns_round
            if (new == self.bindings and not stored) or round_ == 3:
                break
            self.bindings = new
        self.recording = False
        if self._stacks_after:  # an encoder and a decoder, each deep, called one after the other: one chain
            self.facts.stacks = [s for s in self.facts.stacks if id(s.node) not in self._stacks_after]
        for cname in self.classes:
            if cname in self._virtual or cname in self._variants:
                continue
            sub = self._subclass_fact(cname)
            if sub is not None:
                self.facts.subclasses[cname] = sub
        for cname, variants in self._output_variants().items():
            self.facts.class_variants[cname] = variants
        for cname in self.classes:
            if cname in self._virtual or cname in self._variants:
                continue
            out = self.class_output(cname)
            if out is None and _reshapes_only(self._entry(cname)):
                out = V("passmod", cname)
            if out is not None:
                self.facts.class_outputs[cname] = out
            members = self.members(cname)
            if members is not None:
                self.facts.class_members[cname] = members
            stores = self.init_stores(cname)
            if stores is not None:
                self.facts.init_stores[cname] = stores
        script_only = _main_guard_names(self.module)  # not there when another file imports this one
        for name, v in self.globals.items():
            if v is not None and (v.kind in ("loss", "args") or (v.kind == "model" and v.out is not None)):
                if name not in script_only and name not in self._fragments:  # its own, not its directory's
                    self.facts.module_values[name] = v
        top = {id(s) for s in self.module.body}
        for name, fn in self.functions.items():
            v = self.function_output(None, name) if id(fn) in top else None
            if id(fn) in top and _unknown_output(v):  # what it returns depends on what it is passed
                through = self.passed_through(name)
                if through is not None:
                    self.facts.function_returns[name] = through
                    continue
            if v is not None and v.kind in _RETURNS:
                self.facts.function_returns[name] = v
            elif v is not None and v.kind in _CLASS_KINDS:  # a factory of classes, as another file names them
                self.facts.function_returns[name] = self._exported_classes(v)
        return self.facts

    def _exported_classes(self, v: V) -> V:
        """A class value with this file's classes spelled by their qualified names (``Net`` of ``models/net.py``
        is ``models.net.Net``) and imported ones made absolute, for a call in another file to build."""
        if v.kind == "choice":
            return V("choice", items=tuple(self._exported_classes(c) for c in v.items))
        if v.kind == "cls":
            return V("qual", f"{self.module_name}.{v.detail}".lstrip("."))
        return V("qual", absolute(v.detail, self.module_name))

    def _imported_values(self) -> dict[str, V]:
        """Module-level objects of other files of the tree that this file imports by name (``from setup import
        netD``) or with a star import (``from Main.DCGAN import *``: every such object of that module)."""
        found: dict[str, V] = {}
        self._stars: list[str] = []  # the tree's modules this file star-imports (``from net import *``)
        if not self.project:
            return found
        for stmt in module_level(self.module.body):
            if not isinstance(stmt, ast.ImportFrom) or not stmt.module or stmt.module == "__future__":
                continue
            mod = absolute("." * (stmt.level or 0) + stmt.module, self.module_name)
            if mod.startswith(_LIBRARIES) or mod in ("torch", "numpy", "sklearn"):
                continue
            here = self._tree_module(mod)
            if here is None:
                here = folded_module(mod, self.module_name, self._folded())
            if here is None and any(a.name == "*" for a in stmt.names):
                # ``sys.path.append("../Models")`` then ``from LSTM import *``: the one module of the tree so named
                near = [
                    k
                    for k in _index(self.project).by_last.get(mod.rsplit(".", 1)[-1], ())
                    if (k == mod or k.endswith("." + mod)) and _is_module(self.project.get(k))
                ]
                here = near[0] if len(near) == 1 else None
            if here is None:
                continue
            for alias in stmt.names:
                if alias.name == "*":
                    self._stars.append(here)
                    prefix = here + "."
                    for key in _index(self.project).by_module.get(here, ()):
                        v = self.project.get(key)
                        if v is not None and v.kind in ("model", "loss"):
                            found[key[len(prefix):]] = v
                    continue
                v = self.project.get(f"{here}.{alias.name}")
                if v is not None and v.kind in ("model", "loss", "args"):  # ``from args import args``: parsed options
                    found[alias.asname or alias.name] = v
        for name in found:  # a local value now, not a name to qualify
            self.imports.names.pop(name, None)
        return found

    def _fragment_values(self) -> dict[str, V]:
        """Notebook fragments saved as files (``6. Model.py`` defines ``Discriminator``, ``7. Setup.py`` builds
        ``discriminator = Discriminator()`` and ``adversarial_loss``, ``8. Training.py`` trains with them, and
        none imports the others): a name this file uses but binds nowhere (no assignment, parameter, definition
        or import, no star import) is what the files of its directory define under that name. Run on its own
        the file would stop at a ``NameError``; it runs after them. A class or function defined in one of them
        is named as if imported from it; the module-level models and losses they agree on are returned (the
        file's globals)."""
        if not self.project or not self.module_name:
            return {}
        free = _free_names(self.module)  # None: a star import may bind anything
        if not free:
            return {}
        parent = self.module_name.rpartition(".")[0]
        index = _index(self.project)
        found: dict[str, V] = {}
        for name in free:
            values: list[V] = []
            defined: set[str] = set()
            for key in (*index.by_last.get(name, ()), *index.by_last.get(name + "#def", ())):
                mod = key.rpartition(".")[0]
                if not mod or mod == self.module_name or mod.rpartition(".")[0] != parent:
                    continue
                v = self.project[key]
                if v.kind in ("model", "loss"):
                    values.append(v)
                elif v.kind != "module":
                    defined.add(mod)
            agreed = reduce(join, values) if values else None
            if agreed is not None:
                found[name] = agreed
            elif not values and len(defined) == 1:
                self.imports.names[name] = f"{defined.pop()}.{name}"
        return found

    def _star_names(self) -> None:
        """``from net import *`` with ``net.py`` in the tree: the classes and functions the tree knows of that
        module (what calling them returns) are named here as if imported one by one, unless this file binds the
        name itself or two star-imported modules both define it."""
        if not self._stars:
            return
        bound = set(self.imports.names) | set(self.classes) | set(self.functions) | set(self._imported)
        for node in ast.walk(self.module):
            if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
                bound.add(node.id)
            elif isinstance(node, ast.arg):
                bound.add(node.arg)
        offered: dict[str, set[str]] = {}
        for here in self._stars:
            prefix = here + "."
            for key in _index(self.project).by_module.get(here, ()):
                v = self.project.get(key)
                if v is None or v.kind == "module":
                    continue
                name = key[len(prefix):].split("#", 1)[0]
                if name.isidentifier() and not name.startswith("_") and name not in bound:
                    # a PyTorch module it imports (``nn``) is that module here too
                    target = v.detail if key.endswith("#import") else f"{here}.{name}"
                    offered.setdefault(name, set()).add(target)
        for name, targets in offered.items():
            if len(targets) == 1:
                self.imports.names[name] = next(iter(targets))

    def _construction_variants(self) -> dict[str, tuple[str, dict[str, V | None]]]:
        """A class of this file that other files construct with different arguments (``DomainAdversarialLoss(
        discriminator)`` in one script, ``DomainAdversarialLoss(linear_discriminator, sigmoid=False)`` in another;
        ``DomainDiscriminator(1024)`` and ``DomainDiscriminator(1024, sigmoid=False)``): one class "Name{i}" per
        distinct set of arguments, run with them, when the class is a loss of its own (its ``forward`` then sees
        each construction's objects, not what they have in common) or the constructions differ only in constants
        (what each returns is exported, see ``_output_variants``). Two to eight per class, at most 16 per file."""
        found: dict[str, tuple[str, dict[str, V | None]]] = {}
        for cname, sites in self.calls_in.items():
            if cname not in self.classes or cname in self.functions or not 2 <= len(sites) <= 64:
                continue
            init = self._method(cname, "__init__")
            if init is None or any(_is_name(b, cname) for c in self.classes.values() for b in c.bases):
                continue
            bindings: list[dict[str, V | None]] = []
            for pos, kw in sites:
                binding: dict[str, V | None] = {}
                for pname, v, default in _site(init, 1, list(pos), kw, False):
                    v = self._default(v) if default else v
                    binding[pname] = v if bindable(v) else None
                bindings.append(binding)
            names = list(dict.fromkeys(p for b in bindings for p in b))
            varying = [p for p in names if any(b.get(p) != bindings[0].get(p) for b in bindings)]
            groups: list[tuple[tuple, dict[str, V | None]]] = []
            for b in bindings:
                key = tuple(b.get(p) for p in varying)
                if any(k is not None for k in key) and all(key != g for g, _ in groups):
                    groups.append((key, b))
            if not 2 <= len(groups) <= 8:
                continue
            consts = all(v is None or v.kind in ("const", "str") for g, _ in groups for v in g)
            if not consts and not self.loss_class(cname):
                continue
            for i, (_, b) in enumerate(groups):
                found[f"{cname}{{{i}}}"] = (cname, {p: b.get(p) for p in names})
            if len(found) >= 16:
                break
        self._loss_classes = {}
        self._class_attrs = {}
        return found

    def _output_variants(self) -> dict[str, V]:
        """For a class whose constructions in other files differ only in constants (see
        ``_construction_variants``), what an instance returns for each: a dict keyed by those arguments
        (``"3:sigmoid=const:False"``, joined by ``&``), with the defaults of the parameters under the key
        ``"defaults"`` (a dict), for the file that constructs one."""
        by_class: dict[str, list[str]] = {}
        for name, (base, _) in self._variants.items():
            by_class.setdefault(base, []).append(name)
        found: dict[str, V] = {}
        for base, names in by_class.items():
            bindings = [self._variants[n][1] for n in names]
            varying = [p for p in bindings[0] if any(b.get(p) != bindings[0].get(p) for b in bindings)]
            if not varying or any(
                b.get(p) is not None and b[p].kind not in ("const", "str") for b in bindings for p in varying
            ):
                continue
            init = self._method(base, "__init__")
            order = {n: i for i, n in enumerate(_param_names(init)[1:])} if init is not None else {}
            kwonly = {a.arg for a in init.args.kwonlyargs} if init is not None else set()

            def at(p: str) -> str:  # "index:parameter" (-1: keyword-only)
                return f"{-1 if p in kwonly else order.get(p, -1)}:{p}"

            outs = [self.class_output(n) for n in names]
            if all(o is None for o in outs) or all(o == outs[0] for o in outs):
                continue
            pairs = []
            for b, out in zip(bindings, outs):
                parts = [f"{at(p)}={b[p].kind}:{b[p].detail}" for p in varying if b.get(p) is not None]
                pairs.append(("&".join(parts), out))
            defaults = _defaults(init) if init is not None else {}
            dpairs = [(at(p), self._default(defaults[p])) for p in varying if p in defaults]
            pairs.append(("defaults", _dict_of(dpairs)))
            found[base] = _dict_of(pairs)
        return found

    def _variant_output(self, qn: str, call: ast.Call, env, cls) -> V | None:  # noqa: ANN001
        """What this construction of a class of another file returns, when that file exports what its
        constructions with different constants return (see ``_output_variants``) and this one passes (or leaves
        at their defaults) the constants of one of them."""
        variants = self._project_class(qn, "#variants", ("dict",))
        if variants is None:
            return None
        pairs = _dict_pairs(variants)
        defaults = dict(_dict_pairs(dict(pairs).get("defaults") or V("dict")))
        pos, kw, starred = _args(call)
        for key, out in pairs:
            if key == "defaults" or not key:
                continue
            for part in key.split("&"):
                where, _, token = part.partition("=")
                index, _, pname = where.partition(":")
                i = int(index)
                arg = kw.get(pname, pos[i] if 0 <= i < len(pos) and not isinstance(pos[i], ast.Starred) else None)
                if arg is None and (starred or (0 <= i < len(pos))):
                    break
                v = self._arg_value(arg, env, cls) if arg is not None else defaults.get(where)
                if v is None or f"{v.kind}:{v.detail}" != token:
                    break
            else:
                return out
        return None

    def _calls_from_other_files(self) -> dict[str, dict[str, list[V | None]]]:
        """The argument values of the calls of this file's functions made in other files of the tree."""
        calls: dict[str, dict[str, list[V | None]]] = {}
        for name, sites in self.calls_in.items():
            cname, _, method = name.rpartition(".")
            skip = 1 if cname else 0
            if cname:  # ``Class.forward``: the calls of its instances, for a loss class (its ``__call__`` if it has one instead)
                fn = None
                if self.loss_class(cname):
                    fn = self._entry(cname) if method == "forward" else self._method(cname, method)
                    name = f"{cname}.{fn.name}" if fn is not None else name
                elif method not in _CALL_ENTRIES and cname in self.classes:  # ``trainer.fit(model)`` elsewhere
                    fn = self._method(cname, method)
            elif name in self.classes and name not in self.functions:
                # ``Model(config)`` in another file: the arguments of ``__init__`` (a class subclassed here is left out)
                subclassed = any(_is_name(b, name) for c in self.classes.values() for b in c.bases)
                fn = None if subclassed else self._method(name, "__init__")
                name, skip = f"{name}.__init__", 1
            else:
                fn = self.functions.get(name)
            if fn is None:
                continue
            slot = calls.setdefault(name, {})
            for pos, kw in sites:
                for pname, v, default in _site(fn, skip, list(pos), kw, False):
                    if default and _is_none(v):
                        slot.setdefault(_LEFT_NONE + pname, [])
                        continue
                    v = self._default(v) if default else v
                    if not _placeholder(v) or not default:
                        slot.setdefault(pname, []).append(v)
        return calls

    def _agreed_bindings(self) -> dict[str, dict[str, V | None]]:
        result: dict[str, dict[str, V | None]] = {}
        for key, params in self._calls.items():
            agreed: dict[str, V | None] = {}
            for pname, values in params.items():
                if pname.startswith(_GLOBAL_AT_CALL):
                    # a global every call of the function sees the same value of: only when every call of it is
                    # a module-level one of this file, each reading the global after it is bound
                    sites = len(params.get(_MODULE_SITES, ()))
                    calls = _name_uses(self.module).get(key, ([], 0, 0))[0]
                    if key in self._calls_elsewhere or sites != len(calls) or len(values) != sites:
                        continue
                elif pname == _MODULE_SITES:
                    continue
                if pname.startswith("\0"):
                    # ``criterion=None`` that every call leaves out (none passes it, none spreads ``*args``):
                    # ``None``, which ``if criterion is None:`` and ``criterion or nn.BCELoss()`` then decide
                    name = pname[len(_LEFT_NONE):]
                    if pname.startswith(_LEFT_NONE) and name not in params and _STARRED_SITE not in params:
                        if name in _none_tested(self.module):
                            agreed[name] = _NONE
                    continue
                v = values[0]
                for w in values[1:]:
                    v = join(v, w)
                if bindable(v):
                    agreed[pname] = v
            if agreed:
                result[key] = agreed
        return result

    # ------------------------------------------------------------------ classes
    def class_attrs(self, cname: str) -> dict[str, V | None]:
        if cname in self._class_attrs:
            return self._class_attrs[cname]
        attrs: dict[str, V | None] = {}
        self._class_attrs[cname] = attrs
        init = self._method(cname, "__init__")
        saved = self.recording, self._cond_sink
        self.recording = False
        self._cond_sink = sink = []
        try:
            if init is not None:
                env = self._function_env(init, cname, f"{cname}.__init__")
                self._frame(init, env, cname, attrs)
            self._attrs_set_later(cname, init, attrs)
        finally:
            self.recording, self._cond_sink = saved
        sub = self._virtual.get(cname)
        if sub is not None and sub.items:  # the subclass's own sub-modules and losses (its ``self.criterion``)
            attrs.update(_dict_pairs(sub.items[0]))
        # an attribute set again after the ``if`` (or later) is not what that ``if`` decided
        self._class_conds[cname] = [
            (cond, {a: v for a, v in then.items() if attrs.get(a) == after.get(a)},
             {a: v for a, v in other.items() if attrs.get(a) == after.get(a)}, after)
            for cond, then, other, after in sink
        ]
        for m in self.classes[cname].body if cname in self.classes else ():
            if isinstance(m, _FUNCS) and m is not init:  # a string another method may change says nothing
                for a in _self_assignments(m):
                    if a in attrs and attrs[a] is not None and attrs[a].kind in ("str", "const"):
                        attrs[a] = None
        return attrs

    def _attrs_set_later(self, cname: str, init, attrs: dict[str, V | None]) -> None:  # noqa: ANN001
        """Attributes that ``__init__`` leaves unset or sets to ``None`` (a placeholder) and other methods set
        (``self.disc = Discriminator()`` in ``build()``, ``self.criterion = nn.BCELoss()`` in ``train()``): the
        value every such assignment agrees on."""
        init_sets = _self_assignments(init) if init is not None else {}
        placeholders = {a for a, none in init_sets.items() if none}
        setters: list[tuple[ast.FunctionDef | ast.AsyncFunctionDef, set[str]]] = []
        for m in self.classes[cname].body:
            if not isinstance(m, _FUNCS) or m is init:
                continue
            names = {a for a in _self_assignments(m) if a in placeholders or a not in attrs}
            if names:
                setters.append((m, names))
        if not setters or len(setters) > 8:
            return
        values: dict[str, list[V | None]] = {}
        for m, names in setters:
            found: dict[str, V | None] = {}
            env = self._function_env(m, cname, f"{cname}.{m.name}")
            self._frame(m, env, cname, found)
            for a in names:
                values.setdefault(a, []).append(found.get(a))
        for a, vs in values.items():
            v = vs[0]
            for w in vs[1:]:
                v = join(v, w)
            if bindable(v) or (v is not None and v.kind in ("layer", "passmod")):
                attrs[a] = v

    def members(self, cname: str) -> V | None:
        """The sub-modules and loss objects of a class's instances (``self.decoder = Decoder()``, ``self.head =
        nn.Sequential(..., nn.Sigmoid())``), as a dict value looked up by attribute name."""
        if cname not in self.classes:
            return None
        attrs = self.class_attrs(cname)
        found = [(a, v) for a, v in attrs.items() if _member(v) and "\0" not in a]
        if len(found) > 32:
            return None
        found += self._method_outputs(cname)[: 32 - len(found)]
        # constant attributes of a configuration object (``self.multi_class = True``), while there is room
        consts = [(a, v) for a, v in attrs.items() if v is not None and v.kind == "const" and "\0" not in a]
        if len(found) + len(consts) <= 32:
            found += consts
        if not found:
            return None
        return V("dict", "\0".join(a for a, _ in found), items=tuple(v for _, v in found))

    def _method_outputs(self, cname: str) -> list[tuple[str, V]]:
        """The methods of a class other than ``forward`` that return an activation's output on every path
        (``def project(self, x): return self.projection_layer(x)``, a layer ending in ``log_softmax``), as
        ``"project()"`` -> that output, for calls of an instance's method (``model.module.project(h)``)."""
        found: list[tuple[str, V]] = []
        cdef = self.classes.get(cname)
        shown = self._variants[cname][0] if cname in self._variants else cname
        for stmt in cdef.body if cdef is not None else ():
            if not isinstance(stmt, _FUNCS) or stmt.name.startswith("_") or stmt.name in ("forward", "training_step"):
                continue
            body = [s for s in stmt.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
            if not 1 <= len(body) <= 3 or not isinstance(body[-1], ast.Return):
                continue  # a short method ending in its ``return`` (a projection, a head): the others cost too much
            v = self.function_output(cname, stmt.name)
            if v is not None and v.kind == "act":
                found.append((f"{stmt.name}()", replace(v, where=f"{shown}.{stmt.name}")))
            elif v is not None and v.kind == "tuple" and any(i is not None and i.kind == "model" for i in v.items):
                # a getter of the instance's models (``return (self.generator, self.discriminator)``)
                found.append((f"{stmt.name}()", v))
            if len(found) >= 8:
                break
        return found

    def class_output(self, cname: str) -> V | None:
        """What calling an instance of the class returns, joined over every ``return`` of ``forward``."""
        if cname in self._class_out:
            return self._class_out[cname]
        if cname in self._in_progress:
            return None
        self._in_progress.add(cname)
        try:
            fwd = self._entry(cname)
            result: V | None = None
            shown = self._variants[cname][0] if cname in self._variants else cname
            if fwd is None and self._sequential_base(cname):  # the ``nn.Sequential`` its ``__init__`` builds
                seq = self.class_attrs(cname).get(_SEQ)
                out = seq.out if seq is not None else None
                result = replace(out, where=shown) if out is not None and out.kind in ("act", "logits") else None
            elif fwd is not None:
                saved = self.recording
                self.recording = False
                returns, _ = self._run_function(fwd, cls=cname, key=f"{cname}.{fwd.name}")
                self.recording = saved
                if returns:
                    result = returns[0]
                    for r in returns[1:]:
                        result = join(result, r)
                if result is None and any(r is not None and r.kind == "act" for r in returns):
                    self._class_mixed.add(cname)  # e.g. softmax only when not self.training
                if result is not None and result.kind in ("act", "logits"):
                    result = replace(result, where=f"{shown}.forward")
                elif result is not None and result.kind == "tuple":
                    items = tuple(
                        replace(i, where=f"{shown}.forward") if i is not None and i.kind in ("act", "logits") else None
                        for i in result.items
                    )
                    result = V("tuple", items=items) if any(i is not None for i in items) else None
                elif result is not None and result.kind == "dict":
                    # a dict of heads (``return {"genre": torch.sigmoid(..), "rating": ..}``), read with a
                    # constant key (``outputs["genre"]``): the heads that are activation outputs or logits
                    result = _heads(result, f"{shown}.forward")
                else:
                    result = None
            self._class_out[cname] = result
            return result
        finally:
            self._in_progress.discard(cname)

    # ------------------------------------------------------------------ functions
    def _method(self, cls: str, *names: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        """The first method of class ``cls`` named one of ``names``, or, when the class defines none, of its
        first base class defined in this file (``class Inherited(Base)`` without an ``__init__`` runs Base's)."""
        seen: set[str] = set()
        while cls not in seen and len(seen) < 8:
            seen.add(cls)
            cdef = self.classes.get(cls)
            if cdef is None:
                return None
            found = next((s for s in cdef.body if isinstance(s, _FUNCS) and s.name in names), None)
            if found is not None:
                return found
            base = self._local_base(cls)
            if base is None:
                return None
            cls = base
        return None

    def _subclass_fact(self, cname: str) -> V | None:
        """A class whose first base is imported from outside this file and not from a library (``class
        WADIModel(NebulaModel)``): that base's name, and what this class's ``forward`` returns and its sub-modules
        and losses are, when either is known."""
        qn = self._tree_base(cname)
        if qn is None:
            return None
        out = self.class_output(cname)  # its own ``forward`` (a base of another file has none here)
        members = self.members(cname)
        calls = self._inherited_sites(cname)
        if out is None and members is None and calls is None:
            return None
        return V("sub", qn, out=out, items=(members or V("dict"), *((calls,) if calls is not None else ())))

    def _tree_base(self, cname: str) -> str | None:
        """The qualified name of a class's first base when it is imported from outside this file and not from a
        library (``class WADIModel(NebulaModel)``)."""
        cdef = self.classes.get(cname)
        base = cdef.bases[0] if cdef is not None and cdef.bases else None
        qn = self.imports.qualify(base) if isinstance(base, (ast.Name, ast.Attribute)) else None
        if qn is None or qn.startswith(_LIBRARIES) or (isinstance(base, ast.Name) and base.id in self.classes):
            return None
        return absolute(qn, self.module_name)

    def _inherited_sites(self, cname: str) -> V | None:
        """The argument values of a class's calls of its base's methods (``self.make_loss(preds=torch.sigmoid(
        p), metric_name=self.metric_name)``): method -> a dict of ``"0"``, ``"1"`` ... and keyword -> the value
        every call agrees on."""
        methods = self._inherited_calls.get(cname)
        if not methods:
            return None
        pairs = []
        for method, sites in list(methods.items())[:16]:
            args: dict[str, list[V | None]] = {}
            for pos, kw in sites:
                for k, v in [*((str(i), v) for i, v in enumerate(pos)), *kw.items()]:
                    args.setdefault(k, []).append(v)
            agreed = []
            for k, vs in args.items():
                v = vs[0]
                for w in vs[1:]:
                    v = join(v, w)
                if bindable(v) and len(vs) == len(sites):
                    agreed.append((k, v))
            if agreed:
                pairs.append((method, _dict_of(agreed[:16])))
        return _dict_of(pairs) if pairs else None

    def _bind_inherited(self, name: str, sub: V) -> None:
        """A subclass's calls of this file's class's methods (see ``_inherited_sites``) bind their parameters in
        the class "Base<Sub>" that runs them for it."""
        calls = sub.items[1] if len(sub.items) > 1 and sub.items[1] is not None else None
        for method, args in _dict_pairs(calls) if calls is not None else ():
            fn = self._method(name, method)
            if fn is None or args is None:
                continue
            given = dict(_dict_pairs(args))
            pos = []
            while str(len(pos)) in given:
                pos.append(given[str(len(pos))])
            kw = {k: v for k, v in given.items() if not k.isdigit()}
            slot = self._calls.setdefault(f"{name}.{method}", {})
            for pname, v, default in _site(fn, 1, pos, kw, False):
                if not default:
                    slot.setdefault(pname, []).append(v)

    def _subclasses_here(self) -> dict[str, V]:
        """The subclasses other files of the tree make of this file's classes (``project``'s ``#subclass``
        entries whose base is one of them), each as a class "Base<Sub>" whose methods are the base's and whose
        attributes and ``forward`` are the subclass's (at most 32 per base)."""
        found: dict[str, V] = {}
        if not self.project:
            return found
        mine = {f"{self.module_name}.{c}": c for c, d in self.classes.items() if isinstance(d, ast.ClassDef)}
        counts: dict[str, int] = {}
        by_base = _index(self.project).subclass_keys
        for key in (k for c in self.classes if c in by_base for k in by_base[c]):
            v = self.project.get(key)
            if v is None or v.kind != "sub":
                continue
            target = mine.get(v.detail) or next(
                (c for q, c in mine.items() if q.endswith("." + v.detail) or v.detail.endswith("." + q)), None
            )
            if target is None or counts.get(target, 0) >= 32:
                continue
            counts[target] = counts.get(target, 0) + 1
            found[f"{target}<{key[: -len('#subclass')].rsplit('.', 1)[-1]}>"] = v
        return found

    def _inherited(self, cname: str) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
        """The methods a class inherits from its bases in this file and does not define (``Base.step`` calling
        ``self.criterion(self(x), y)``, with the criterion and ``forward`` this class's)."""
        own = {s.name for s in self.classes[cname].body if isinstance(s, _FUNCS)}
        found: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
        base = self._local_base(cname)
        seen = {cname}
        while base is not None and base not in seen and len(seen) < 8:
            seen.add(base)
            for s in self.classes[base].body:
                if isinstance(s, _FUNCS) and s.name not in own and s.name != "__init__":
                    own.add(s.name)
                    found.append(s)
            base = self._local_base(base)
        return found

    def _local_base(self, cls: str) -> str | None:
        """The first base class of ``cls`` when this file defines it (``class Trainer(Base)``)."""
        cdef = self.classes.get(cls)
        base = cdef.bases[0] if cdef is not None and cdef.bases else None
        if isinstance(base, ast.Name) and base.id in self.classes and base.id != cls:
            return base.id
        return None

    def _base_init(self, call: ast.Call, env, cls: str, attrs: dict[str, V | None]) -> None:  # noqa: ANN001
        """``super().__init__(G, D, ...)`` (or ``Base.__init__(self, ...)``) in a class's ``__init__``: the base
        class's ``__init__`` runs on this instance with what the call passes, so the attributes it sets
        (``self.D = D``, ``self.criterion = nn.BCELoss()``) are this instance's. The base in this file runs as
        written; the base in another file of the tree gives the attributes its ``__init__`` stores from its
        parameters and its sub-modules and loss objects."""
        func = call.func
        if not (isinstance(func, ast.Attribute) and func.attr == "__init__"):
            return
        pos, kw, starred = _args(call)
        target = func.value
        if self._sequential_base(cls) and (
            (isinstance(target, ast.Call) and _is_name(target.func, "super"))
            or (pos and _is_name(pos[0], "self") and self.imports.qualify(target) == "torch.nn.Sequential")
        ):
            # ``class Discriminator(nn.Sequential)`` whose ``__init__`` passes its layers up: an instance is that
            # ``nn.Sequential`` (its output, unless the class defines a ``forward`` of its own)
            layers = call.args[1:] if not isinstance(target, ast.Call) else call.args
            seq = ast.Call(func=call.func, args=list(layers), keywords=call.keywords)
            ast.copy_location(seq, call)
            attrs[_SEQ] = self._sequential(seq, env, cls)
            return
        if isinstance(target, ast.Call) and _is_name(target.func, "super"):
            local = self._local_base(cls)
            qn = None if local is not None else self._tree_base(cls)
        elif isinstance(target, (ast.Name, ast.Attribute)) and pos and _is_name(pos[0], "self"):
            pos = pos[1:]
            local = target.id if isinstance(target, ast.Name) and target.id in self.classes and target.id != cls else None
            qn = None if local is not None else self.imports.qualify(target)
        else:
            return
        if starred:
            pos = list(itertools.takewhile(lambda a: not isinstance(a, ast.Starred), pos))
        if local is not None:
            init = self._method(local, "__init__")
            key = f"{local}.__init__#super"
            if init is None or key in self._in_progress:
                return
            self._in_progress.add(key)
            try:
                inner = self._function_env(init, local, f"{local}.__init__")
                for pname, arg, default in _site(init, 1, pos, kw, starred):
                    inner[pname] = self._default(arg) if default else self._arg_value(arg, env, cls)
                self._frame(init, inner, local, attrs)
            finally:
                self._in_progress.discard(key)
            return
        if qn is None or not self.project:
            return
        members = self._project_class(qn, "#members", ("dict",))
        for a, v in _dict_pairs(members) if members is not None else ():
            attrs[a] = v
        stores = self._project_class(qn, "#stores", ("dict",))
        for a, p in _dict_pairs(stores) if stores is not None else ():
            index, _, pname = p.detail.partition(":")
            arg = kw.get(pname)
            if arg is None and int(index) < len(pos):
                arg = pos[int(index)]
            v = self._arg_value(arg, env, cls) if arg is not None else None
            attrs[a] = v if bindable(v) else None

    def _sequential_base(self, cls: str) -> bool:
        """Whether the class's first base is ``nn.Sequential``."""
        cdef = self.classes.get(cls)
        base = cdef.bases[0] if cdef is not None and cdef.bases else None
        return isinstance(base, (ast.Name, ast.Attribute)) and self.imports.qualify(base) == "torch.nn.Sequential"

    def init_stores(self, cname: str) -> V | None:
        """What the class's ``__init__`` stores from its parameters (see ``init_stores``), read once per class:
        every construction of it asks."""
        if cname not in self._stores:
            cdef = self.classes.get(cname)
            self._stores[cname] = init_stores(cdef) if cdef is not None else None
        return self._stores[cname]

    def function_output(self, cls: str | None, name: str, yielded: bool = False) -> V | None:
        """What a call of this file's function (or of ``self.<name>`` in ``cls``) returns on every path,
        with its parameters unknown (``return torch.sigmoid(self.fc4(h))``); ``yielded``: what a generator
        function yields at every ``yield`` (``yield inputs, one_hot_labels``)."""
        key = f"{cls}.{name}" if cls else name
        if key in self._fn_out:
            return self._fn_out[key][yielded]
        if key in self._in_progress:
            return None
        fn = self._method(cls, name) if cls else self.functions.get(name)
        if fn is None:
            return None
        self._in_progress.add(key)
        saved = self.recording
        self.recording = False
        try:
            returns, yields = self._run_function(fn, cls=cls, key=key)
        finally:
            self.recording = saved
            self._in_progress.discard(key)
        self._fn_out[key] = (_joined(returns), _joined(yields))
        return self._fn_out[key][yielded]

    def _output_for_constants(self, name: str, call: ast.Call) -> V | None:
        """What a call of this file's function returns when it passes constants (``std_upconv(features,
        top=True)`` whose ``if top:`` builds the ``nn.Sequential`` ending in ``nn.Sigmoid()``), with those
        parameters bound to them and the others unknown; None when the call passes no constant (at most 8 sets of
        constants per function)."""
        fn = self.functions.get(name)
        if fn is None:
            return None
        pos, kw, starred = _args(call)
        bound: dict[str, V] = {}
        starred_params = {a.arg for a in (fn.args.vararg, fn.args.kwarg) if a is not None}
        for pname, arg, default in _site(fn, 0, pos, kw, starred):
            if pname in starred_params:
                continue
            v = _literal_constant(arg)
            if v is None and isinstance(arg, ast.Constant) and type(arg.value) is str:
                v = V("str", arg.value)
            if v is None and not default and isinstance(arg, (ast.Name, ast.Attribute)):
                # a module of the tree passed in (``get_instance(module_arch, "arch", config)``)
                q = self._qualify(arg, {})
                v = V("qual", q) if q is not None and not q.startswith(_EXTERNAL) else None
            if v is not None and not default:
                bound[pname] = v
        if not any(v.kind != "qual" for v in bound.values()):
            return None
        if not bound:
            return None
        key = f"{name}#" + "&".join(f"{p}={v.kind}:{v.detail}" for p, v in sorted(bound.items()))
        if key in self._fn_out:
            return self._fn_out[key][0]
        if key in self._in_progress or sum(k.startswith(name + "#") for k in self._fn_out) >= 8:
            return None
        env = self._function_env(fn, None, name)
        env.update(bound)
        self._in_progress.add(key)
        saved = self.recording
        self.recording = False
        try:
            returns, _ = self._frame(fn, env, None)
        finally:
            self.recording = saved
            self._in_progress.discard(key)
        self._fn_out[key] = (_joined(returns), None)
        return self._fn_out[key][0]

    def passed_through(self, name: str) -> V | None:
        """For a small function of this file that returns one of its parameters on every path, converted only by
        calls that keep what a value is (``def to_tensor(data): return torch.Tensor(np.array(data))``): that
        parameter, as ``V("param", "<index>\0<name>")``, so that a call returns what it passes there."""
        key = f"#through.{name}"
        if key in self._fn_out:
            return self._fn_out[key][0]
        self._fn_out[key] = (None, None)
        fn = self.functions.get(name)
        body = [s for s in fn.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))] if fn else []
        if fn is None or not 1 <= len(body) <= 12 or fn.args.vararg or fn.args.kwarg:
            return None
        positional = [a.arg for a in (*fn.args.posonlyargs, *fn.args.args)]
        env: dict[str, V | None] = dict(self.globals)
        for i, pname in enumerate(_param_names(fn)):
            env[pname] = V("param", f"{i if pname in positional else -1}\0{pname}")
        saved = self.recording
        self.recording = False
        self._in_progress.add(key)
        try:
            returns, _ = self._frame(fn, env, None)
        finally:
            self.recording = saved
            self._in_progress.discard(key)
        result = returns[0] if returns else None
        for r in returns[1:]:
            result = join(result, r)
        result = result if _through_value(result) else None
        self._fn_out[key] = (result, None)
        return result

    def _argument(self, call: ast.Call, param: V | None, env, cls) -> V | None:  # noqa: ANN001
        """The value a call passes for the parameter ``param`` names (see ``passed_through``); for a parameter the
        function calls (``network = model_class(ngpu, cfg)``), an instance of the class passed; for a tuple of
        them (``return network, optimizer``), the tuple of those values."""
        if param is None:
            return None
        if param.kind == "tuple":
            items = tuple(self._argument(call, i, env, cls) if i is not None and i.kind == "param" else None for i in param.items)
            return V("tuple", items=items) if any(i is not None for i in items) else None
        index, name, *called = param.detail.split("\0")
        pos, kw, starred = _args(call)
        if name in kw:
            value = self.eval(kw[name], env, cls)
        else:
            i = int(index)
            if starred or i < 0 or i >= len(pos):
                return None
            value = self.eval(pos[i], env, cls)
        if not called or value is None:
            return value
        if value.kind == "cls":  # ``build(Discriminator)``: the instance ``model_class(...)`` made in there
            return self._instantiate(value.detail)
        if value.kind == "qual" and self.project and not value.detail.startswith(_LIBRARIES):
            out = self._project_class(value.detail)
            return V("model", value.detail.rsplit(".", 1)[-1], out=out) if out is not None else None
        return None

    def _function_env(self, fn: ast.FunctionDef | ast.AsyncFunctionDef, cls: str | None, key: str) -> dict[str, V | None]:
        env: dict[str, V | None] = dict(self.globals)
        names = _param_names(fn)
        bound = self.bindings.get(key, {})
        unpassed = self._init_defaults(cls) if cls is not None and fn.name == "__init__" else {}
        if cls is None:  # the globals as every (module-level) call of the function sees them
            for bname, v in bound.items():
                if bname.startswith(_GLOBAL_AT_CALL):
                    env[bname[len(_GLOBAL_AT_CALL):]] = v
        for i, name in enumerate(names):
            env[name] = V("self", cls) if (cls is not None and i == 0) else bound.get(name, unpassed.get(name))
        own = self._own_output_params(fn, cls, names) if cls is not None and self.project else ()
        for name in own:
            if env.get(name) is None:
                env[name] = self.class_output(cls)
        return env

    def _own_output_params(self, fn, cls: str, names: list[str]) -> list[str]:  # noqa: ANN001
        """The parameters of a model class's method that the tree's calls fill with that model's own output
        (``output_dict = model(batch)`` then ``model.module.loss(batch, output_dict)`` in a runner that does not
        know the class: the recommender / knowledge-tracing convention of a model computing its own loss)."""
        held = self.project.get(fn.name + SELF_OUTPUT)
        if held is None or fn.name in ("forward", "__init__", "__call__") or not self._method(cls, "forward"):
            return []
        named = (self.module_name + NAMED_ELSEWHERE, f"{self.module_name}.{cls}{NAMED_ELSEWHERE}".lstrip("."))
        if not any(k in self.project for k in named):  # a model no other file names (nothing builds it)
            return []
        found = []
        for where in held.detail.split("|"):
            if where.isdigit() and 0 < int(where) + 1 < len(names):  # position after ``self``
                found.append(names[int(where) + 1])
            elif where in names[1:]:
                found.append(where)
        return found

    def _init_defaults(self, cname: str) -> dict[str, V]:
        """The string defaults of a class's ``__init__`` parameters that no construction of the class passes
        (``method: str = "classification"``, ``loss="bce"`` with no ``TANDEM(..., loss=...)`` in the file or
        from the other files of the tree): the value every instance has. None of them when the class is
        subclassed here, used as a value (``make(TANDEM)``, ``partial``), or built with ``*args`` / ``**kw``."""
        known = self._init_str.get(cname)
        if known is not None:
            return known
        if cname in self._variants:  # its construction's own arguments are bound; the others as for its class
            return self._init_defaults(self._variants[cname][0])
        found: dict[str, V] = {}
        init = self._method(cname, "__init__")
        defaults = _defaults(init) if init is not None else {}
        strs: dict[str, V] = {}
        for n, d in defaults.items():
            if isinstance(d, ast.Constant) and type(d.value) is str and len(d.value) <= 64:
                strs[n] = V("str", d.value)
            elif _literal_constant(d) is not None or _is_none(d):  # ``use_sigmoid=True``, ``norm=None``
                strs[n] = _literal_constant(d) or V("const", "None")
            elif isinstance(d, (ast.Attribute, ast.Name, ast.Call)):  # ``loss=F.cross_entropy``, ``loss=nn.BCELoss()``
                v = self._default(d)
                if v is not None and (v.kind == "loss" or (v.kind == "qual" and v.detail in N.LOSS_FUNCS)):
                    strs[n] = v
        if strs and not any(_is_name(b, cname) for c in self.classes.values() for b in c.bases):
            passed = _passed_names(self.module, cname, init, self.calls_in.get(cname, ()))
            if passed is not None:
                found = {n: v for n, v in strs.items() if n not in passed}
        self._init_str[cname] = found
        return found

    def _run_function(self, fn: ast.FunctionDef | ast.AsyncFunctionDef, cls: str | None, key: str) -> tuple[list, list]:
        return self._frame(fn, self._function_env(fn, cls, key), cls)

    def _frame(self, fn, env, cls, attrs=None) -> tuple[list[V | None], list[V | None]]:  # noqa: ANN001
        """Run a function's body; the values of its ``return`` and of its ``yield`` statements."""
        saved_fn = self._fn
        self._fn = fn
        self._returns.append([])
        self._yields.append([])
        try:
            self._exec_block(fn.body, env, cls=cls, attrs=attrs)
        finally:
            self._fn = saved_fn
        return self._returns.pop(), self._yields.pop()

    # ------------------------------------------------------------------ statements
    def _exec_block(self, body, env, cls, attrs=None) -> bool:  # noqa: ANN001
        """Run the statements in order; True when the block certainly ends the function there (a ``return`` /
        ``raise``, or an ``if`` on a known option whose branch does): what follows still runs, on a copy, for
        the facts in it, but the values it returns are dropped."""
        for i, stmt in enumerate(body):
            if self._exec_stmt(stmt, env, cls, attrs):
                if i + 1 < len(body):
                    self._dead(body[i + 1 :], env, cls)
                return True
        return False

    def _dead(self, body, env, cls, copy: bool = True) -> None:  # noqa: ANN001
        marks = [len(r) for r in (*self._returns[-1:], *self._yields[-1:])]
        self._exec_block(body, dict(env) if copy else env, cls, None)
        for kept, values in zip(marks, (*self._returns[-1:], *self._yields[-1:])):
            del values[kept:]

    def _exec_stmt(self, stmt, env, cls, attrs) -> bool:  # noqa: ANN001, C901
        """Run one statement; True when it certainly ends the function (see ``_exec_block``)."""
        if isinstance(stmt, ast.Assign):
            self._effects(stmt.value, env, cls)
            value = self.eval(stmt.value, env, cls)
            if value is None and attrs is not None and len(stmt.targets) == 1:
                value = self._attr_constant(stmt.targets[0], stmt.value, cls)
            if value is None and _is_none(stmt.value) and all(isinstance(t, ast.Name) for t in stmt.targets):
                value = _NONE  # ``best_model = None``: a placeholder that a later assignment fills (see ``join``)
            for t in stmt.targets:
                self._assign(t, value, env, cls, attrs, stmt.value)
            if isinstance(stmt.value, ast.IfExp) and attrs is None and len(stmt.targets) == 1:
                self._guard_ifexp(stmt.targets[0], stmt.value, env, cls)
        elif isinstance(stmt, ast.Expr):
            self._effects(stmt.value, env, cls)
            if attrs is not None and cls is not None and isinstance(stmt.value, ast.Call):
                self._base_init(stmt.value, env, cls, attrs)
            if isinstance(stmt.value, ast.Call) and isinstance(stmt.value.func, ast.Attribute):
                self._grow(stmt.value, env, cls, attrs)
                self._dict_changed(stmt.value, env, cls, attrs)
                self._scattered(stmt.value, env, cls, attrs)
            if isinstance(stmt.value, ast.Yield) and self._yields:
                self._yields[-1].append(self.eval(stmt.value.value, env, cls))
        elif isinstance(stmt, ast.Return):
            if stmt.value is not None:
                self._effects(stmt.value, env, cls)
                if self._returns:
                    self._returns[-1].append(self.eval(stmt.value, env, cls))
            elif self._returns:
                self._returns[-1].append(None)
            return True
        elif isinstance(stmt, ast.Raise):
            return True
        elif isinstance(stmt, ast.AnnAssign):
            if stmt.value is not None:
                self._effects(stmt.value, env, cls)
                self._assign(stmt.target, self.eval(stmt.value, env, cls), env, cls, attrs, stmt.value)
        elif isinstance(stmt, ast.AugAssign):
            self._effects(stmt.value, env, cls)
            grown = None
            if isinstance(stmt.op, ast.Add) and isinstance(stmt.target, (ast.Name, ast.Attribute)):
                grown = _seq_concat(self.eval(stmt.target, env, cls), self.eval(stmt.value, env, cls))
            self._assign(stmt.target, grown, env, cls, attrs)
        elif isinstance(stmt, ast.If):
            self._effects(stmt.test, env, cls)
            decided = self._decided(stmt.test, env, cls)
            if decided is None:
                then_env = dict(env)
                else_env = dict(env)
                test = _condition(stmt.test)
                cond = test if cls is not None else None
                if cond is not None and attrs is None:
                    self._correlated(cond, cls, then_env, else_env)
                if test is not None and attrs is None:
                    _refine(then_env, test, True)
                    _refine(else_env, test, False)
                if attrs is None:
                    then_ends = self._exec_block(stmt.body, then_env, cls, attrs)
                    else_ends = self._exec_block(stmt.orelse, else_env, cls, attrs)
                    if then_ends != else_ends:  # ``if task != "B": return``: only the other side goes on
                        kept = else_env if then_ends else then_env
                        env.clear()
                        env.update(kept)
                        return False
                    if test is not None:
                        guards = _guards([(((test, True),), then_env), (((test, False),), else_env)])
                        self._merge(env, then_env, else_env)
                        env.update(guards)
                        return then_ends
                else:
                    then_attrs, else_attrs = dict(attrs), dict(attrs)
                    self._exec_block(stmt.body, then_env, cls, then_attrs)
                    self._exec_block(stmt.orelse, else_env, cls, else_attrs)
                    self._merge_attrs(attrs, then_attrs, else_attrs)
                    if cond is not None and self._cond_sink is not None:
                        changed = {a for a in set(then_attrs) | set(else_attrs) if then_attrs.get(a, _UNSET) is not else_attrs.get(a, _UNSET)}
                        self._cond_sink.append(
                            (cond, {a: then_attrs.get(a) for a in changed}, {a: else_attrs.get(a) for a in changed},
                             {a: attrs.get(a) for a in changed})
                        )
                self._merge(env, then_env, else_env)
            else:
                # ``if args.loss == "bce":`` with the option's default known: only that branch's values go on;
                # the other one still runs, on a copy, for the facts in it, and its returns are dropped
                taken, dead = (stmt.body, stmt.orelse) if decided else (stmt.orelse, stmt.body)
                before = dict(env)
                ends = self._exec_block(taken, env, cls, attrs)
                other = dict(before)
                self._dead(dead, other, cls, copy=False)
                if not ends:
                    # ``if args.arch == "my": netD = Discriminator()`` with another default: a name only the other
                    # branch binds is unbound where the default goes on, so where it is used, that branch was taken
                    for k, v in other.items():
                        if k not in env and not k.startswith(_GUARD):
                            env[k] = v
                return ends
        elif isinstance(stmt, _MATCH):
            return self._match(stmt, env, cls, attrs)
        elif isinstance(stmt, ast.For) and self._unrolled(stmt, env, cls, attrs):
            pass
        elif isinstance(stmt, (ast.For, ast.AsyncFor, ast.While)):
            is_for = not isinstance(stmt, ast.While)
            self._effects(stmt.iter if is_for else stmt.test, env, cls)
            body_env = dict(env)
            if is_for:
                self._assign(stmt.target, self._element(stmt.iter, env, cls), body_env, cls, attrs)
            self._exec_block(stmt.body, body_env, cls, attrs)
            self._exec_block(stmt.orelse, body_env, cls, attrs)
            before = env.copy()
            self._merge(env, before, body_env)
            guarded = [k for k in before if k.startswith(_GUARD)]
            if guarded:  # a name the loop never binds holds its choices still (tests inside only narrowed them)
                for k in guarded:
                    name = k[len(_GUARD):]
                    if name in before and not _assigned_in(stmt, name):
                        env[k], env[name] = before[k], before[name]
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            for item in stmt.items:
                self._effects(item.context_expr, env, cls)
                if item.optional_vars is not None:
                    self._assign(item.optional_vars, None, env, cls, attrs)
            self._exec_block(stmt.body, env, cls, attrs)
        elif isinstance(stmt, _TRY):
            body_env = dict(env)
            self._exec_block(stmt.body, body_env, cls, attrs)
            result = body_env
            for h in stmt.handlers:
                h_env = dict(env)
                self._exec_block(h.body, h_env, cls, attrs)
                merged = dict(result)
                self._merge(merged, result, h_env)
                result = merged
            env.clear()
            env.update(result)
            self._exec_block(stmt.orelse, env, cls, attrs)
            self._exec_block(stmt.finalbody, env, cls, attrs)
        elif isinstance(stmt, _FUNCS):
            if self._fn is not None or cls is not None:
                # A nested function (closure): runs with the enclosing environment at its definition.
                inner = dict(env)
                for name in _param_names(stmt):
                    inner[name] = None
                self._frame(stmt, inner, None)
            if self._fn is not None:
                env[stmt.name] = None  # a local function shadows any outer name
        # class definitions, assert, del, ...: nothing to follow
        return False

    def _guard_ifexp(self, target: ast.expr, expr: ast.IfExp, env, cls) -> None:  # noqa: ANN001
        """``loss_func = nn.BCELoss() if task == "B" else nn.MSELoss()``: the two choices, kept as an ``if``'s
        are (``_guards``), for a later test on the same option."""
        test = _condition(expr.test)
        if not isinstance(target, ast.Name) or test is None or self._decided(expr.test, env, cls) is not None:
            return
        a, b = self.eval(expr.body, env, cls), self.eval(expr.orelse, env, cls)
        if a != b:
            env[_GUARD + target.id] = V("guard", items=((((test, True),), a), (((test, False),), b)))

    def _correlated(self, cond: tuple, cls: str, then_env: dict, else_env: dict) -> None:
        """An ``if`` in a method on the same option as an ``if`` of ``__init__`` (``if args.dataset == "PPI":
        self.loss = nn.BCELoss()`` there, ``if self.args.dataset == 'PPI': self.loss(self.m(y), target)`` here):
        on each side, the attributes that ``__init__`` set on the side this test implies."""
        if cls not in self.classes:
            return
        self.class_attrs(cls)
        for known, then, other, _ in self._class_conds.get(cls, ()):
            for env, holds in ((then_env, True), (else_env, False)):
                truth = _implies(cond, holds, known)
                if truth is not None:
                    for a, v in (then if truth else other).items():
                        env["self." + a] = v

    def _match(self, stmt, env, cls, attrs) -> bool:  # noqa: ANN001
        """``match loss: case "bce": return nn.BCELoss() ...``: on a string the analysis knows (a default no
        call overrides), only the case it selects goes on, like a decided ``if``; the others still run, on a
        copy, for their facts. On anything else every case is a branch, joined with not matching at all."""
        self._effects(stmt.subject, env, cls)
        subject = self.eval(stmt.subject, env, cls)
        chosen: int | None = None  # the case taken; len(cases) when none matches
        if subject is not None and subject.kind == "str":
            for i, case in enumerate(stmt.cases):
                hit = _case_matches(case, subject.detail)
                if hit is None:
                    break
                if hit:
                    chosen = i
                    break
            else:
                chosen = len(stmt.cases)
        before = dict(env)
        if chosen is not None:
            ends = False
            for i, case in enumerate(stmt.cases):
                if i == chosen:
                    for name in _captures(case.pattern):
                        self._assign(ast.Name(name, ast.Store()), subject, env, cls, attrs)
                    ends = self._exec_block(case.body, env, cls, attrs)
                else:
                    self._dead(case.body, before, cls)
            return ends
        facts = self._case_facts(stmt) if attrs is None else [None] * (len(stmt.cases) + 1)
        exits = [] if any(_case_matches(c, None) for c in stmt.cases) else [dict(env)]
        paths = [(facts[-1], exits[0])] if exits else []
        for case, fact in zip(stmt.cases, facts):
            case_env = dict(before)
            if fact is not None:
                _refine(case_env, fact, True)
            for name in _captures(case.pattern):
                self._assign(ast.Name(name, ast.Store()), None, case_env, cls, attrs)
            ends = self._exec_block(case.body, case_env, cls, attrs)
            exits.append(case_env)
            if not ends:  # ``case _: raise ValueError``: no value goes on from there
                paths.append((fact, case_env))
        merged = exits[0]
        for other in exits[1:]:
            joined: dict = {}
            self._merge(joined, merged, other)
            merged = joined
        env.clear()
        env.update(merged)
        if attrs is None:
            env.update(_guards([(((f, True),) if f is not None else (), e) for f, e in paths]))
        return False

    def _case_facts(self, stmt) -> list[tuple | None]:  # noqa: ANN001
        """What each case of a ``match`` says about an option, as ``_condition`` does for an ``if`` (one more
        entry: no case taken): ``match args.task: case "binary" | "B":`` is ("task", {"binary", "B"}, True); the
        catch-all after string cases, that none of them is. ``match task + dataset: case "B1" | "B2":`` (a choice
        spelled as two strings run together) says what ``task`` is when every string starts with one value
        ``task`` is compared with elsewhere (``if task == "B":``); the catch-all says nothing then."""
        subject = stmt.subject
        n = len(stmt.cases)
        prefix = None
        if isinstance(subject, ast.BinOp) and isinstance(subject.op, ast.Add):
            prefix = _option_name(subject.left)
            name = None
            if prefix is None:
                return [None] * (n + 1)
            domain = _compared_strings(self._fn if self._fn is not None else self.module).get(prefix, frozenset())
        else:
            name = _option_name(subject)
            if name is None:
                return [None] * (n + 1)
        facts: list[tuple | None] = []
        seen: set = set()
        for case in stmt.cases:
            strings = _case_strings(case)
            if strings is None:  # the catch-all, or a pattern not read: no later case is known either
                catch_all = _case_matches(case, None)
                facts.append((name, frozenset(seen), False) if catch_all and name is not None and seen else None)
                break
            seen |= strings
            if name is not None:
                facts.append((name, frozenset(strings), True))
                continue
            heads = {d for s_ in strings for d in domain if s_.startswith(d)}
            one_each = all(sum(s_.startswith(d) for d in domain) == 1 for s_ in strings)
            facts.append((prefix, frozenset(heads), True) if heads and one_each else None)
        facts += [None] * (n - len(facts))
        facts.append((name, frozenset(seen), False) if name is not None and seen else None)
        return facts

    def _unrolled(self, loop: ast.For, env, cls, attrs) -> bool:  # noqa: ANN001
        """A loop that builds a list of modules ``for _ in range(4):`` a known number of times (a literal, a
        module constant, or a parameter's default that no call of the function overrides), whose body only
        builds: run that many times (the last pass records its facts). False when it is not such a loop."""
        it = loop.iter
        if loop.orelse:
            return False
        items: tuple | None = None  # what the target takes on each pass (None: a number it is not known for)
        if isinstance(it, ast.Call) and _is_name(it.func, "range") and 1 <= len(it.args) <= 2:
            if "range" in env or it.keywords:
                return False
            bounds = [self._int(a, cls, env) for a in it.args]
            if any(b is None for b in bounds):
                return False
            count = bounds[-1] - (bounds[0] if len(bounds) == 2 else 0)
        else:
            # ``for layer in self.hidden:`` over a ModuleList of known length (``enumerate`` of it too): each
            # module in turn, so a forward's ``x = torch.tanh(layer(x))`` counts every layer
            listed = it.args[0] if isinstance(it, ast.Call) and _is_name(it.func, "enumerate") and len(it.args) == 1 else it
            if listed is not it and ("enumerate" in env or it.keywords):
                return False
            if not isinstance(listed, (ast.Name, ast.Attribute)):
                return False
            held = self.eval(listed, env, cls)
            if held is None or held.kind != "seq" or held.detail == "open" or not any(v is not None for v in held.items):
                return False
            items = held.items if listed is it else tuple(V("tuple", items=(None, v)) for v in held.items)
            count = len(items)
        if not 1 <= count <= 12 or not _node_cached(_BUILDS_ONLY, loop, 512, lambda n: _only_builds(n.body)):
            return False
        saved = self.recording
        try:
            for i in range(count):
                self.recording = saved and i == count - 1
                if items is not None:
                    value = items[i]
                else:  # ``for i in range(n)``: the index, for ``self.linears[i]``
                    value = V("const", repr(i + (bounds[0] if len(bounds) == 2 else 0)))
                self._assign(loop.target, value, env, cls, attrs)
                self._exec_block(loop.body, env, cls, attrs)
        finally:
            self.recording = saved
        return True

    def _int(self, expr: ast.expr, cls: str | None, env=None) -> int | None:  # noqa: ANN001
        """A small integer the source states: a literal, ``n - 1``, a module constant, a parameter's default (or
        the number every call passes), and with ``env`` the length of a list of known length (``len(self.linears)``)."""
        if isinstance(expr, ast.Constant) and type(expr.value) is int:
            return expr.value
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, (ast.Add, ast.Sub)):
            a, b = self._int(expr.left, cls, env), self._int(expr.right, cls, env)
            if a is None or b is None:
                return None
            return a + b if isinstance(expr.op, ast.Add) else a - b
        if env is not None and isinstance(expr, ast.Call) and _is_name(expr.func, "len") and len(expr.args) == 1 and "len" not in env:
            arg = expr.args[0]
            held = self.eval(arg, env, cls)
            if held is None and isinstance(arg, ast.Name):
                # ``layers=[2, 20, 20, 20, 1]``: the length every call's list has (a call leaving it out, the default's)
                param = self._param_calls(arg.id, cls)
                if param is None:
                    return None
                passed, default = param
                if not passed:
                    return len(default.elts) if isinstance(default, (ast.List, ast.Tuple)) else None
                return _agreed_size(passed, lambda v: len(v.items) if v.kind in ("seq", "tuple") and v.detail != "open" else None)
            return len(held.items) if held is not None and held.kind in ("seq", "tuple") and held.detail != "open" else None
        if not isinstance(expr, ast.Name):
            return None
        fn = self._fn
        if fn is not None and expr.id in _param_names(fn):
            param = self._param_calls(expr.id, cls)
            if param is None:
                return None
            passed, default = param
            if passed:  # every call agrees on one number (a call that leaves it out gives the default)
                return _agreed_size(passed, lambda v: _const_value(v) if v.kind == "const" else None)
            return self._int(default, cls) if isinstance(default, ast.Constant) else None
        if fn is None or not _assigned_in(fn, expr.id):  # a module constant (``N_LAYERS = 6``): the flags' scan
            v = self._flag_constants().get(expr.id)
            value = None if v is None else _const_value(v)
            if type(value) is int:
                return value
        return None

    def _param_calls(self, name: str, cls: str | None) -> tuple[list, ast.expr | None] | None:
        """For a parameter of the running function that its body never rebinds: the values the calls so far pass
        it (a call leaving it out passing its default) and its default expression; None otherwise."""
        fn = self._fn
        if fn is None or name not in _param_names(fn) or _assigned_in(fn, name):
            return None
        key = f"{cls}.{fn.name}" if cls else fn.name
        return self._calls.get(key, {}).get(name, []), _defaults(fn).get(name)

    def _grow(self, call: ast.Call, env, cls, attrs) -> None:  # noqa: ANN001
        """``layers.append(nn.Sigmoid())``, ``layers.extend([...])``, ``decoder.add_module("out", nn.Sigmoid())``:
        the list (or the ``nn.Sequential``) now ends with those modules."""
        receiver, method = call.func.value, call.func.attr
        if method not in ("append", "extend", "add_module") or not isinstance(receiver, (ast.Name, ast.Attribute)):
            return
        if isinstance(receiver, ast.Attribute) and not _is_name(receiver.value, "self"):
            return
        held = self.eval(receiver, env, cls)
        pos, kw, starred = _args(call)
        if held is None or starred:
            return
        sequential = held.kind == "model" and held.detail == "Sequential" and bool(held.items)
        if method == "add_module":  # ``add_module("out", nn.Sigmoid())``, also ``name=`` / ``module=``
            added_expr = kw.get("module", pos[1] if len(pos) == 2 else None)
            arity = len(pos) + len(kw) == 2 and set(kw) <= {"name", "module"}
        else:
            added_expr = pos[0] if pos else None
            arity = len(pos) == 1 and not kw
        if not (held.kind == "seq" or sequential) or not arity or added_expr is None:
            return
        value = self.eval(added_expr, env, cls)
        added = value if method == "extend" else V("seq", items=(value,))
        grown = _seq_concat(held.items[0] if sequential else held, added)
        if sequential and grown is not None:
            grown = self._sequential_of(grown, call)
        self._assign(receiver, grown, env, cls, attrs)

    def _scattered(self, call: ast.Call, env, cls, attrs) -> None:  # noqa: ANN001
        """``out = torch.zeros(n, 10)`` then ``out.scatter_(1, idx, 1)`` as a statement: the blank tensor now holds
        one-hot rows (what ``torch.zeros(n, 10).scatter_(1, idx, 1)`` evaluates to); ``out.sigmoid_()`` as a
        statement: ``out`` now holds the activation's output."""
        receiver = call.func.value
        if call.func.attr not in ("scatter_", *N.INPLACE_ACT_METHODS) or not isinstance(receiver, (ast.Name, ast.Attribute)):
            return
        if isinstance(receiver, ast.Attribute) and not _is_name(receiver.value, "self"):
            return
        if call.func.attr in N.INPLACE_ACT_METHODS:
            self._assign(receiver, self.eval(call, env, cls), env, cls, attrs)
            return
        held = self.eval(receiver, env, cls)
        if held is None or held.kind != "blank":
            return
        value = self.eval(call, env, cls)
        if value is not None and value.kind == "onehot":
            self._assign(receiver, value, env, cls, attrs)

    def _dict_changed(self, call: ast.Call, env, cls, attrs) -> None:  # noqa: ANN001
        """``config.update(...)``, ``.pop(...)``, ``.setdefault(...)``: the dict no longer says what it holds."""
        receiver = call.func.value
        if call.func.attr not in ("update", "pop", "popitem", "setdefault", "clear"):
            return
        if isinstance(receiver, ast.Name) or (isinstance(receiver, ast.Attribute) and _is_name(receiver.value, "self")):
            held = self.eval(receiver, env, cls)
            if held is not None and held.kind == "dict":
                self._assign(receiver, None, env, cls, attrs)

    def _element(self, expr: ast.expr, env, cls) -> V | None:  # noqa: ANN001
        """What a ``for`` loop over ``expr`` binds on every iteration: what a generator function of this file
        yields (``for x, y in self.batches():``), also through ``enumerate``; the model (or loss) every element of
        a list, tuple or dict of them agrees on (``for model in [mlp, conv]:``, ``for name, model in
        models.items():``); a key of a dict (``for name in models:``), which reads back what every entry agrees on."""
        collection = self._collection(expr, env, cls)
        if collection is not None:
            return collection
        if isinstance(expr, ast.Call) and self._qualify(expr.func, env) == "torch.utils.data.DataLoader":
            held = self.eval(expr, env, cls)  # ``for x, y in DataLoader(ds, batch_size=8):``
            return held.items[0] if held is not None and held.kind == "loader" else None
        if not isinstance(expr, ast.Call) or expr.keywords:
            return None
        func = expr.func
        if isinstance(func, ast.Name) and func.id not in env and self.imports.qualify(func) is None:
            if func.id in self.functions:
                return self.function_output(None, func.id, yielded=True)
            if func.id == "enumerate" and len(expr.args) == 1:
                inner = self._element(expr.args[0], env, cls)
                return V("tuple", items=(None, inner)) if inner is not None else None
        elif isinstance(func, ast.Attribute) and _is_name(func.value, "self") and cls is not None:
            if f"self.{func.attr}" not in env and self._method(cls, func.attr) is not None:
                return self.function_output(cls, func.attr, yielded=True)
        return None

    def _sample(self, ds: V | None) -> V | None:
        """What one sample of a dataset is: a ``TensorDataset``'s rows, or what a ``Dataset`` class of this file
        returns from ``__getitem__`` (``return x, F.one_hot(y, 10).float()``), kept only where it says something
        about the targets (one-hot or multi-hot rows)."""
        if ds is None:
            return None
        if ds.kind == "dataset":
            return ds.items[0]
        if ds.kind == "model" and ds.detail in self.classes and self._method(ds.detail, "__getitem__") is not None:
            out = self.function_output(ds.detail, "__getitem__")
            if out is not None and (_rows_kept(out) or (out.kind == "tuple" and any(_rows_kept(i) for i in out.items))):
                return out
        return None

    def _collection(self, expr: ast.expr, env, cls) -> V | None:  # noqa: ANN001
        """See ``_element``: a loop over a container of models (also ``zip`` of containers, ``enumerate``)."""
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id in ("zip", "enumerate") and (
            expr.func.id not in env and not expr.keywords and expr.args and len(expr.args) <= 8
        ):
            if expr.func.id == "enumerate":
                inner = self._collection(expr.args[0], env, cls) if len(expr.args) == 1 else None
                return V("tuple", items=(None, inner)) if inner is not None else None
            parts = tuple(self._collection(a, env, cls) for a in expr.args)
            return V("tuple", items=parts) if any(p is not None for p in parts) else None
        method = None
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and not expr.args and not expr.keywords:
            method, expr = expr.func.attr, expr.func.value
            if method not in ("items", "values", "keys"):
                return None
        if not isinstance(expr, (ast.Name, ast.Attribute, ast.List, ast.Tuple, ast.Dict)):
            return None
        held = self.eval(expr, env, cls)
        if held is None:
            return None
        if held.kind == "dict":
            if method in (None, "keys"):
                return V("key", items=(held,))
            agreed = _agreed_entry([v for _, v in _dict_pairs(held)])
            if agreed is None:
                return None
            return agreed if method == "values" else V("tuple", items=(None, agreed))
        if method is None and held.kind in ("seq", "tuple") and (held.detail != "open" or held.filled):
            # ``for o in [torch.sigmoid(h(x)) for h in heads]``: a list whose every element is one output
            return _agreed_entry(list(held.items))
        if method is None and held.kind == "act":  # ``for o in torch.softmax(out, 2)``: each row, as ``p[i]``
            return replace(held, indexed=True)
        if method is None and held.kind == "loader":  # ``for x, y in train_loader:``: a batch of samples
            return held.items[0]
        return None

    @staticmethod
    def _merge(env: dict, a: dict, b: dict) -> None:
        """Two paths meet: a name both bind joins; a name only one binds (unbound before) has that path's value
        where it is used (on the other path the use raises NameError: ``else: disc = Discriminator()``)."""
        for k in set(a) | set(b):
            if k.startswith(_GUARD):  # kept where both paths still hold the same choices (see ``_guards``)
                if a.get(k) is b.get(k):
                    env[k] = a[k]
                else:
                    env.pop(k, None)
                continue
            env[k] = join(a[k], b[k]) if k in a and k in b else (a[k] if k in a else b[k])

    @staticmethod
    def _merge_attrs(attrs: dict, a: dict, b: dict) -> None:
        """The instance's attributes after an ``if`` of ``__init__``: one both sides set joins (``if multi:
        self.loss = nn.CrossEntropyLoss() else: self.loss = nn.BCELoss()`` is not known, unless a later test on
        the same option says which: ``_correlated``); one only one side sets or changes keeps that side's value,
        the configuration the rest of the class is written for (``if not self.wass: self.model =
        nn.Sequential(self.model, nn.Sigmoid())``)."""
        for k in set(a) | set(b):
            in_a = a.get(k, _UNSET) is not attrs.get(k, _UNSET)
            in_b = b.get(k, _UNSET) is not attrs.get(k, _UNSET)
            if in_a and in_b:
                attrs[k] = join(a[k], b[k]) if k in a and k in b else a.get(k, b.get(k))
            elif in_a or in_b:
                attrs[k] = a[k] if in_a else b[k]

    def _assign(self, target, value, env, cls, attrs, value_expr=None) -> None:  # noqa: ANN001
        if isinstance(target, ast.Name):
            name = target.id
            env[name] = value
            env.pop(_GUARD + name, None)
            if self.recording:
                self._note_assignment(name, target, value, value_expr)
        elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
            if target.value.id == "self":
                env["self." + target.attr] = value
                if attrs is not None:
                    attrs[target.attr] = value
            else:  # ``config.multi_class = False``: the instance's constant attribute is no longer known
                held = env.get(target.value.id)
                if held is not None and held.kind == "args" and self.recording:
                    attr = target.attr
                    self._ns_round[attr] = join(self._ns_round[attr], value) if attr in self._ns_round else value
                member = _lookup(held.items[0], target.attr) if held is not None and held.kind in ("model", "inst") and held.items else None
                if member is not None and member.kind == "const":
                    dropped = _with_key(held.items[0], target.attr, None)
                    env[target.value.id] = replace(held, items=(dropped,) if dropped is not None else ())
                else:
                    headed = self._new_head(held, target.attr, value)
                    if headed is not None:
                        env[target.value.id] = headed
        elif (
            isinstance(target, ast.Attribute)
            and isinstance(target.value, ast.Attribute)
            and _is_name(target.value.value, "self")
            and cls is not None
        ):
            # ``self.model = models.resnet50()`` then ``self.model.fc = self.classifier`` (a LogSoftmax head)
            headed = self._new_head(self.eval(target.value, env, cls), target.attr, value)
            if headed is not None:
                env["self." + target.value.attr] = headed
                if attrs is not None:
                    attrs[target.value.attr] = headed
        elif isinstance(target, ast.Subscript) and (
            isinstance(target.value, ast.Name) or (isinstance(target.value, ast.Attribute) and _is_name(target.value.value, "self"))
        ):
            held = self.eval(target.value, env, cls)
            if held is not None and (held.kind == "blank" or (held.filled and held.kind != "seq")):
                # ``output = torch.zeros(..)`` then ``output[:, t] = torch.sigmoid(..)``: the tensor holds what
                # every item assignment writes into it, when they agree
                self._assign(target.value, _fill(held, value), env, cls, attrs)
            elif held is not None and held.kind == "seq" and (held.filled or any(_is_act(i) for i in held.items)):
                # ``outputs[t] = ..`` in a list of activation outputs: still one when the same output is written
                kept = _fill(_outputs_list(held), value)
                self._assign(target.value, _outputs_seq(kept) if kept is not None else None, env, cls, attrs)
            elif held is not None and held.kind == "dict":
                # ``config["disc"] = Discriminator()``: the dict now holds that value under a constant key; any
                # other key (computed, or past the size kept) leaves it unknown
                key = self.eval(target.slice, env, cls)
                if key is not None and key.kind == "str" and not held.filled:
                    filled = _with_key(held, key.detail, value)
                elif held.filled or not held.items:
                    # ``outputs[head] = F.softmax(head_module(x), dim=1)`` over a dict of heads: a dict every entry
                    # of which is that activation's output, whatever the keys
                    filled = _open_dict(_fill(held.items[0] if held.filled else V("blank"), value))
                else:
                    filled = None
                self._assign(target.value, filled, env, cls, attrs)
        elif isinstance(target, (ast.Tuple, ast.List)):
            values: list[V | None] = [None] * len(target.elts)
            if isinstance(value_expr, (ast.Tuple, ast.List)) and len(value_expr.elts) == len(values):
                values = [self.eval(_unstar(e), env, cls) for e in value_expr.elts]
            elif value is not None and value.kind == "tuple" and len(value.items) == len(values):
                values = list(value.items)
            elif isinstance(value_expr, ast.Call):
                part = self._part(value_expr, env, cls)
                values = [part] * len(values) if part is not None else values
            for el, v in zip(target.elts, values):
                self._assign(_unstar(el), v, env, cls, attrs)

    def _new_head(self, held: V | None, attr: str, value: V | None) -> V | None:
        """``model = models.densenet121(); model.classifier = nn.Sequential(..., nn.LogSoftmax(dim=1))``: a
        library model whose head is replaced outputs what the new head outputs (unknown unless a layer's or a
        known model's); None when ``held`` is no library model with raw logits."""
        if held is None or held.kind != "model" or held.out is None or held.out.kind != "logits" or held.detail in self.classes:
            return None
        if value is not None and value.kind == "layer":
            out = held.out
        elif value is not None and value.kind == "model" and value.out is not None:
            out = replace(value.out, where=f"{held.detail}.{attr}")
        else:
            out = None
        return replace(held, out=out)

    def _part(self, call: ast.Call, env, cls) -> V | None:  # noqa: ANN001
        """Each part of an activation output (or of logits) split in pieces (``d_s, d_t = d.chunk(2, dim=0)``,
        ``torch.split(p, n)``, ``p.unbind(0)``): an output of that activation too; a column of it when split along
        another dimension than the batch's."""
        func = call.func
        pos, kw, starred = _args(call)
        qn = self._qualify(func, env)
        if qn is None and isinstance(func, ast.Attribute) and func.attr in _SPLITS:
            method, tensor, rest = func.attr, func.value, pos
        elif qn is not None and qn.startswith("torch.") and qn[6:] in _SPLITS and pos:
            method, tensor, rest = qn[6:], pos[0], pos[1:]
        else:
            return None
        if starred:
            return None
        v = self.eval(tensor, env, cls)
        if v is None or v.kind not in ("act", "logits"):
            return None
        at = 0 if method == "unbind" else 1  # ``unbind(dim)``, ``chunk(chunks, dim)``, ``split(size, dim)``
        dim = kw.get("dim", rest[at] if len(rest) > at else None)
        n = _literal_constant(dim) if dim is not None else V("const", "0")
        if n is None:
            return None
        return v if n.detail == "0" else replace(v, indexed=True)

    def _note_assignment(self, name: str, target: ast.Name, value: V | None, value_expr) -> None:  # noqa: ANN001
        if value is not None and value.kind == "weights" or (
            _WEIGHT_NAME.match(name) and not _name_like(value_expr) and _not_none(value_expr)
        ):
            self.facts.weight_vars.append((name, target))
        if value is not None and value.kind in ("out", "logits") and _PROB_NAME.match(name):
            self.facts.thresholds.append(Threshold(target, value, 0.0, "name", name, self._fn))

    # ------------------------------------------------------------------ effects: facts from one expression
    def _effects(self, expr: ast.AST, env, cls) -> None:  # noqa: ANN001
        if not self.recording:
            return
        found = self._inside.get(id(expr))
        if found is None:
            comp_seen: list = []
            found = self._inside[id(expr)] = _calls_and_comparisons(expr, comp_seen)
            self._comps[id(expr)] = _comprehensions_of(expr) if comp_seen and found else {}
        comps = self._comps[id(expr)]
        inner_envs: dict[int, dict] = {}
        for node in found:
            comp = comps.get(id(node))
            here = env
            if comp is not None:  # ``sum(bce(o, y) for o in outs)``: the loop variable is each element
                here = inner_envs.get(id(comp))
                if here is None:
                    here = inner_envs[id(comp)] = self._comprehension_env(comp, env, cls)
            if isinstance(node, ast.Call):
                self._call_effect(node, here, cls)
            else:
                self._compare_effect(node, here, cls)

    def _comprehension_env(self, comp: ast.AST, env, cls) -> dict:  # noqa: ANN001
        """The names a comprehension's ``for`` clauses bind, as a ``for`` loop over the same iterable binds them."""
        inner = dict(env)
        for gen in comp.generators:
            value = self._element(gen.iter, inner, cls)
            targets = [(gen.target, value)]
            while targets:
                target, v = targets.pop()
                if isinstance(target, ast.Name):
                    inner[target.id] = v
                elif isinstance(target, (ast.Tuple, ast.List)):
                    items = v.items if v is not None and v.kind == "tuple" and len(v.items) == len(target.elts) else None
                    targets.extend((t, items[i] if items else None) for i, t in enumerate(target.elts))
        return inner

    def _call_effect(self, call: ast.Call, env, cls) -> None:  # noqa: ANN001, C901
        qn = self._qualify(call.func, env)
        loss: str | None = None
        ctor: V | None = None
        if qn is not None:
            if qn in N.LOSS_FUNCS:
                loss = N.LOSS_FUNCS[qn]
            elif qn in N.LOSS_MODULES or qn == "torch.nn.Sequential":
                v = self.eval(call, env, cls)
                if v is not None and v.kind == "loss":
                    self.facts.loss_ctors.append(v)
                if qn == "torch.nn.Sequential" and v is not None and v.depth >= 4:
                    self.facts.stacks.append(Stack(call, v.depth, "sigmoid/tanh"))
                return
            elif qn in ("torch.round",):
                arg = _arg(call, 0, "input")
                if arg is not None:
                    self._threshold(call, self.eval(arg, env, cls), 0.5, "round")
                return
        callee = None if qn is not None else self.eval(call.func, env, cls)
        if qn is not None and loss is None and self.project and not qn.startswith(_LIBRARIES):
            held = self._module_value(qn)  # ``import Train`` ... ``Train.loss_function(output, label)``
            if held is not None and held.kind == "loss":
                callee = held
        if callee is not None and callee.kind == "qual":  # ``loss_fn=F.binary_cross_entropy``, ``getattr(nn, name)``
            if callee.detail in N.LOSS_FUNCS:
                loss, callee = N.LOSS_FUNCS[callee.detail], None
            elif callee.detail in N.LOSS_MODULES:
                v = self.eval(call, env, cls)
                if v is not None and v.kind == "loss":
                    self.facts.loss_ctors.append(v)
                return
        if callee is not None:
            if callee.kind == "loss":
                loss, ctor = callee.detail, callee
            elif callee.kind == "layer" or (
                callee.kind == "model" and callee.detail in self.classes and self._opens_with_layer(callee.detail)
            ):
                # a layer, or a model of this file whose ``forward`` first passes its input to a layer
                arg = _arg(call, 0, "input")
                v = self.eval(arg, env, cls) if arg is not None else None
                if (
                    v is not None
                    and v.kind == "act"
                    and v.detail in N.SATURATING
                    and v.depth >= 4
                    and id(self._fn) not in self._stack_reported
                ):
                    self._stack_reported.add(id(self._fn))
                    self.facts.stacks.append(Stack(self._stack_start(v) or call, v.depth, v.detail))
            elif callee.kind == "model":
                if callee.depth >= 4 and callee.origin is not None:
                    arg = _arg(call, 0, "input")
                    into = self.eval(arg, env, cls) if arg is not None else None
                    upstream = self._stack_tails.get(id(into.origin)) if into is not None and into.origin else None
                    if upstream is not None and upstream is not callee.origin:
                        self._stacks_after.add(id(callee.origin))
                v = self._chained(callee, call, env, cls)
                if v is not None and v.depth + callee.depth >= 4 > callee.depth and id(self._fn) not in self._stack_reported:
                    # depth across two stacks called one after the other: reported where the chain starts
                    self._stack_reported.add(id(self._fn))
                    self.facts.stacks.append(Stack(v.chain, v.depth + callee.depth, "sigmoid/tanh"))
        if loss is None and isinstance(call.func, ast.Attribute) and call.func.attr == "round":
            if not call.args and not call.keywords and qn is None:
                self._threshold(call, self.eval(call.func.value, env, cls), 0.5, "round")
        if loss is None:
            if callee is None and qn is None and isinstance(call.func, ast.Attribute):
                self._note_own_output(call, env, cls)
            self._record_call_site(call, env, cls, qn)
            return
        input_expr = _arg(call, 0, "input")
        target_expr = _arg(call, 1, "target")
        self.facts.losses.append(
            LossCall(
                node=call,
                loss=loss,
                input=self.eval(input_expr, env, cls) if input_expr is not None else None,
                target=self.eval(target_expr, env, cls) if target_expr is not None else None,
                input_expr=input_expr,
                ctor=ctor,
                func=self._fn,
                target_expr=target_expr,
            )
        )

    def _note_own_output(self, call: ast.Call, env, cls) -> None:  # noqa: ANN001
        """``model.loss(batch, out)`` (or ``model.module.loss``, through DataParallel) where ``out = model(x)``
        and ``model`` is of a class this file does not know: which arguments carry the receiver's own output."""
        receiver = call.func.value
        while isinstance(receiver, ast.Attribute) and receiver.attr == "module":
            receiver = receiver.value
        if not isinstance(receiver, (ast.Name, ast.Attribute)):
            return
        code = _code(receiver)
        where: set[str] = set()
        for i, arg in enumerate(call.args):
            v = self.eval(arg, env, cls) if not isinstance(arg, ast.Starred) else None
            if v is not None and v.kind == "out" and v.detail == code:
                where.add(str(i))
        for kw in call.keywords:
            v = self.eval(kw.value, env, cls) if kw.arg else None
            if v is not None and v.kind == "out" and v.detail == code:
                where.add(kw.arg)
        if where:
            self.facts.self_outputs.setdefault(call.func.attr, set()).update(where)

    def _record_call_site(self, call: ast.Call, env, cls, qn: str | None) -> None:  # noqa: ANN001
        func = call.func
        alias = False
        if qn is None and isinstance(func, (ast.Name, ast.Attribute)):
            held = self.eval(func, env, cls)
            if held is not None and held.kind in ("model", "inst"):
                self._instance_call(call, held, env, cls)
                return
            if held is not None and held.kind == "qual":
                # ``criterion = cross_entropy_one_hot`` (imported) then ``criterion(out, labels)``, or
                # ``self.criterion(output, target)`` holding ``module_loss.ce_loss``: a call of it
                qn, alias = held.detail, True
            elif held is not None and held.kind == "fn" and held.detail in self.functions and not (
                isinstance(func, ast.Name) and func.id == held.detail
            ):  # ``criterion = dice_bce`` (of this file) then ``criterion(out, y)``: a call of that function
                self._bind_site(held.detail, self.functions[held.detail], 0, call, env, cls)
                return
        if qn is not None and not qn.startswith(_LIBRARIES):  # maybe a function of another file of the tree
            pos, kw, starred = _args(call)
            if not starred and (alias or not (isinstance(func, ast.Name) and func.id in env)):
                self.facts.imported_calls.append(
                    (qn, tuple(self._passed(e, env, cls) for e in pos), {k: self._passed(e, env, cls) for k, e in kw.items()})
                )
            return
        key: str | None = None
        fn: ast.FunctionDef | ast.AsyncFunctionDef | None = None
        skip_self = 0
        if isinstance(func, ast.Name) and env.get(func.id) is None:
            if func.id in self.functions:
                key, fn = func.id, self.functions[func.id]
            elif func.id in self.classes:
                fn = self._method(func.id, "__init__")
                key, skip_self = f"{func.id}.__init__", 1
        elif isinstance(func, ast.Attribute) and _is_name(func.value, "self") and cls is not None:
            fn = self._method(cls, func.attr)
            key, skip_self = f"{cls}.{func.attr}", 1
            if fn is None and self.recording and cls in self.classes and self._tree_base(cls) is not None:
                # a method of a base of another file: its values travel with the ``#subclass`` export
                pos, kw, starred = _args(call)
                if not starred and len(self._inherited_calls.get(cls, ())) < 16:
                    site = (tuple(self._passed(e, env, cls) for e in pos), {k: self._passed(e, env, cls) for k, e in kw.items()})
                    self._inherited_calls.setdefault(cls, {}).setdefault(func.attr, []).append(site)
        elif isinstance(func, ast.Attribute) and func.attr not in _CALL_ENTRIES and _instance_like(func.value, self.classes):
            # ``Trainer().train(model, loader)``, ``t = Trainer(); t.fit(model)``: a method of an instance
            owner = self.eval(func.value, env, cls)
            if owner is not None and owner.kind == "model" and owner.detail in self.classes:
                fn = self._method(owner.detail, func.attr)
                key, skip_self = f"{owner.detail}.{func.attr}", 1
            elif owner is not None and owner.kind == "inst" and func.attr not in _MODULE_METHODS:
                # of a class of another file: bound there, when the call passes something known
                pos, kw, starred = _args(call)
                passed = (tuple(self._passed(e, env, cls) for e in pos), {k: self._passed(e, env, cls) for k, e in kw.items()})
                if not starred and any(v is not None for v in (*passed[0], *passed[1].values())):
                    self.facts.imported_calls.append((f"{owner.detail}#{func.attr}", *passed))
                return
        if fn is None or key is None:
            return
        self._bind_site(key, fn, skip_self, call, env, cls)

    def _bind_site(self, key: str, fn, skip_self: int, call: ast.Call, env, cls) -> None:  # noqa: ANN001
        """Note the values one call site gives the parameters of ``fn`` (``key``: the function or method)."""
        pos, kw, starred = _args(call)
        if starred:  # ``f(x, *rest, y)``: what ``y`` fills is not known
            pos = list(itertools.takewhile(lambda a: not isinstance(a, ast.Starred), call.args))
        slot = self._calls.setdefault(key, {})
        if starred:  # what the star fills is not known: no parameter is known to be left out
            slot.setdefault(_STARRED_SITE, [])
        if env is self.globals and cls is None and not skip_self and self.functions.get(key) is fn:
            # a module-level call (a script's, a notebook's cell): the globals the function reads hold what they
            # hold at this point, not what later statements rebind them to (see ``_agreed_bindings``)
            slot.setdefault(_MODULE_SITES, []).append(None)
            rebound = _rebound_at_top(self.module)
            for name in _globals_read(fn) if rebound else ():
                if name in rebound and name in env:
                    slot.setdefault(_GLOBAL_AT_CALL + name, []).append(env[name])
        for name, expr, default in _site(fn, skip_self, pos, kw, starred):
            v = self._default(expr) if default else self._arg_value(expr, env, cls)
            if not _placeholder(v) or not default:  # a default it cannot read, or ``None``, says nothing
                slot.setdefault(name, []).append(v)
            elif _is_none(expr):  # ... unless no call passes the parameter (see ``_agreed_bindings``)
                slot.setdefault(_LEFT_NONE + name, [])

    def _instance_call(self, call: ast.Call, held: V, env, cls) -> None:  # noqa: ANN001
        """A call of an instance (``criterion(torch.sigmoid(out), y)`` with ``criterion = FocalLoss()``): the
        arguments of its ``forward``, which a loss class of this file binds like a function's (every call site
        agreeing), and which a class of another file gets through ``imported_calls``."""
        if held.kind == "inst":
            pos, kw, starred = _args(call)
            if not starred:
                self.facts.imported_calls.append(
                    (f"{held.detail}#forward", tuple(self._passed(e, env, cls) for e in pos),
                     {k: self._passed(e, env, cls) for k, e in kw.items()})
                )
            return
        fn = self._entry(held.detail) if self.loss_class(held.detail) else None
        if fn is not None:
            self._bind_site(f"{held.detail}.{fn.name}", fn, 1, call, env, cls)

    def loss_class(self, cname: str) -> bool:
        """Whether the class is a loss of its own (a focal loss, a VAE loss module): its ``forward`` calls a
        loss, directly (``nn.BCELoss(reduction="none")(inputs, targets)``, ``F.binary_cross_entropy``) or through
        an attribute holding a loss object (``self.BCE(recon_x, x)``). Only such a class's ``forward`` takes its
        parameters' values from the calls of its instances (a model's ``forward`` is left as it is)."""
        known = self._loss_classes.get(cname)
        if known is None:
            known = self._loss_classes[cname] = self._calls_a_loss(cname)
        return known

    def _entry(self, cname: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        """What a call of an instance runs: ``forward``, or a ``__call__`` the class defines in its place (the
        pix2pix ``GANLoss``: ``def __call__(self, input, target_is_real)``)."""
        return self._method(cname, "forward") or self._method(cname, "__call__")

    def _calls_a_loss(self, cname: str) -> bool:
        fwd = self._entry(cname)
        if fwd is None:
            return False
        for node in ast.walk(fwd):
            if not isinstance(node, ast.Call):
                continue
            qn = self.imports.qualify(node.func)
            if qn is not None and (qn in N.LOSS_FUNCS or qn in N.LOSS_MODULES):
                return True
            f = node.func
            if isinstance(f, ast.Attribute) and _is_name(f.value, "self"):
                held = self.class_attrs(cname).get(f.attr)
                if held is not None and held.kind == "loss":
                    return True
        return False

    def _default(self, expr: ast.expr) -> V | None:
        """A parameter's default value, as the module defines it (``activation=nn.ReLU``, ``loss="bce"``,
        ``use_sigmoid=True``, ``n_layers=3``; a ``None`` default is a placeholder and says nothing)."""
        return self._arg_value(expr, self.globals, None)

    def _arg_value(self, expr: ast.expr, env, cls) -> V | None:  # noqa: ANN001
        """An argument's value: what ``eval`` gives, or for a bool, number or ``None`` literal
        (``use_sigmoid=True``, ``n_layers=3``) a constant, which decides ``if`` branches in the callee as a
        string or a module-level flag does."""
        v = self.eval(expr, env, cls)
        if v is None and isinstance(expr, (ast.Constant, ast.UnaryOp)):
            v = _literal_constant(expr) or (V("const", "None") if _is_none(expr) else None)
        elif v is None and isinstance(expr, ast.IfExp):  # ``classification=True if args.task == "c" else False``
            decided = self._decided(expr.test, env, cls)
            if decided is not None:
                return self._arg_value(expr.body if decided else expr.orelse, env, cls)
        return v

    def _passed(self, expr: ast.expr, env, cls) -> V | None:  # noqa: ANN001
        """An argument's value as another file can use it (a class of this file means nothing there; a function
        of this file is its qualified name)."""
        v = self._arg_value(expr, env, cls)
        if v is not None and v.kind == "fn":
            return V("qual", f"{self.module_name}.{v.detail}") if self.module_name else None
        if v is not None and v.kind == "qual" and self.project and "." in v.detail and not v.detail.startswith(_EXTERNAL):
            # ``Trainer(model, module_loss.ce_loss)``: named from the tree's root, as the other file cannot
            # resolve this file's import (``model.loss`` beside this script, not beside ``trainer/trainer.py``)
            mod, _, name = v.detail.rpartition(".")
            where = next((c for c in module_candidates(mod, self.module_name) if c in self.project), None)
            if where is not None and where != mod:
                v = V("qual", f"{where}.{name}")
        return v if bindable(v) and v.kind != "cls" else None

    def _compare_effect(self, node: ast.Compare, env, cls) -> None:  # noqa: ANN001
        if len(node.ops) != 1:
            return
        op = _CMP_OPS.get(type(node.ops[0]))
        if op is None:
            return
        left, right = node.left, node.comparators[0]
        t = _float(right)
        value_expr = left
        if t is None:
            t = _float(left)
            value_expr = right
        if t is None:
            return
        v = self.eval(value_expr, env, cls)
        name = value_expr.id if isinstance(value_expr, ast.Name) else ""
        if v is None and name and _LOGIT_NAME.search(name):
            v = V("logits", name, origin=value_expr)
        if v is not None:
            self._threshold(node, v, t, op, name)

    def _threshold(self, node, v: V | None, t: float, op: str, name: str = "") -> None:  # noqa: ANN001
        if v is not None:
            self.facts.thresholds.append(Threshold(node, v, t, op, name))

    # ------------------------------------------------------------------ expressions
    def eval(self, expr: ast.expr | None, env, cls) -> V | None:  # noqa: ANN001, C901
        if expr is None:
            return None
        if isinstance(expr, ast.Name):
            if expr.id in env:
                held = env[expr.id]
                if held is None:  # ``MULTI_CLASS = True`` at module level, read in a function or at module level
                    return self._flag_constants().get(expr.id)
                return held
            if expr.id in self.classes:
                return V("cls", expr.id)
            qn = self.imports.qualify(expr)
            if qn is None and expr.id in self.functions:  # ``criterion = dice_bce_loss``: the function, uncalled
                return V("fn", expr.id)
            return V("qual", qn) if qn is not None else None
        if isinstance(expr, ast.Attribute):
            base = expr.value
            if _is_name(base, "self") and cls is not None:
                key = "self." + expr.attr
                if key in env:
                    return env[key]
                if cls in self.classes:
                    return self.class_attrs(cls).get(expr.attr)
                return None
            qn = self._qualify(expr, env)
            if qn is not None:
                return V("qual", qn)
            if expr.attr in ("data", "T"):
                return self.eval(base, env, cls)
            if expr.attr == "values":  # ``pd.get_dummies(y).values``
                held = self.eval(base, env, cls)
                return held if held is not None and held.kind in ("onehot", "multihot") else None
            if isinstance(base, (ast.Name, ast.Attribute)):  # ``model.decoder``: a sub-module of an instance
                held = self.eval(base, env, cls)
                if held is not None and held.kind in ("model", "inst") and held.items:
                    found = _lookup(held.items[0], expr.attr)
                    if found is not None or expr.attr != "module" or held.kind != "model":
                        return found
                if expr.attr == "module" and held is not None and held.kind == "model":
                    return held  # ``DDP(model).module``: the wrapped model (the wrapper is the model here)
            if isinstance(base, ast.Name):  # ``args.loss``: the option's default (also of another file's parser)
                held = env.get(base.id)
                if held is not None and held.kind == "args":
                    found = _lookup(held, expr.attr)
                    # not an option: what the file's stores on the namespace agree on (``args.dis = dis``)
                    return found if found is not None or expr.attr in held.detail.split("\0") else self._ns_stores.get(expr.attr)
            return None
        if isinstance(expr, ast.Constant):
            return V("str", expr.value) if type(expr.value) is str and len(expr.value) <= 64 else None
        if isinstance(expr, ast.Call):
            return self._eval_call(expr, env, cls)
        if isinstance(expr, ast.Subscript):
            named = self._named(expr, env, cls)
            if named is not None:
                return named
            base_v = self.eval(expr.value, env, cls)
            if base_v is None or base_v.kind in ("inst", "args"):
                return self._configured(expr, env, cls)
            if base_v.kind == "eye":
                return V("onehot", origin=expr)
            if base_v.kind == "tuple" or base_v.kind == "seq":  # ``nets[0]``, ``layers[-1]``
                idx = _int_index(expr)
                if idx is None and isinstance(expr.slice, ast.Name):  # ``self.linears[i]`` in an unrolled loop
                    at = self.eval(expr.slice, env, cls)
                    value = _const_value(at) if at is not None and at.kind == "const" else None
                    idx = value if type(value) is int else None
                lo = -len(base_v.items)
                hi = len(base_v.items) if base_v.detail != "open" else 0  # an unknown start: from the end only
                if idx is not None and lo <= idx < hi:
                    return base_v.items[idx]
                return None
            if base_v.kind == "dict" and base_v.filled:  # a dict of one activation's outputs: any entry
                return base_v.items[0]
            if base_v.kind == "dict":
                key = self.eval(expr.slice, env, cls)
                if key is not None and key.kind == "key" and key.items and key.items[0] == base_v:
                    # ``for name in models: models[name]``: what every entry agrees on
                    values = [v for _, v in _dict_pairs(base_v)]
                    return reduce(join, values) if values else None
                if key is None or key.kind not in ("str", "key"):
                    # ``archs = {"unet": smp.Unet, "fpn": smp.FPN}`` then ``archs[args.model_name](...)``: one of
                    # the classes, which the call builds each of (see ``_eval_call``)
                    values = [v for _, v in _dict_pairs(base_v)]
                    if 1 < len(values) <= 16 and all(v is not None and v.kind in ("qual", "cls") for v in values):
                        return V("choice", items=tuple(values))
                return _lookup(base_v, key.detail) if key is not None and key.kind == "str" else None
            if base_v.kind in ("act", "onehot", "multihot", "logits", "out"):
                return replace(base_v, indexed=True)
            if base_v.kind == "cat":  # ``p[..., 4]``, ``p[..., 5:]``: the piece of the last dimension it falls in
                want = _last_dim_span(expr.slice)
                if want is None:
                    return None
                for span, part in zip(base_v.detail.split("|"), base_v.items):
                    a, b = span.split(":")
                    lo, hi = int(a), (int(b) if b else None)
                    inside = hi is None or (want[1] is not None and want[1] <= hi)
                    if lo <= want[0] and (hi is None or want[0] < hi) and inside:
                        return replace(part, indexed=True) if part is not None and part.kind in ("act", "logits") else None
            return None
        if isinstance(expr, ast.Tuple) and 1 < len(expr.elts) <= 8:
            if any(isinstance(e, ast.Starred) for e in expr.elts):
                return None
            items = tuple(self.eval(e, env, cls) for e in expr.elts)
            return V("tuple", items=items) if any(i is not None for i in items) else None
        if isinstance(expr, ast.BoolOp) and isinstance(expr.op, ast.Or):
            # ``criterion or nn.BCELoss()``: the first operand that is not ``None`` (or another false constant)
            for operand in expr.values:
                v = self.eval(operand, env, cls)
                if v is None or v.kind != "const" or _const_value(v) not in (None, False, 0):
                    return v
            return None
        if isinstance(expr, ast.IfExp):
            decided = self._decided(expr.test, env, cls)
            if decided is not None:
                return self.eval(expr.body if decided else expr.orelse, env, cls)
            return join(self.eval(expr.body, env, cls), self.eval(expr.orelse, env, cls))
        if isinstance(expr, ast.Dict):
            return self._dict(expr, env, cls)
        if isinstance(expr, ast.List) and len(expr.elts) <= 64:  # a list of modules (``layers = []``)
            result: V | None = V("seq")
            for e in expr.elts:
                if isinstance(e, ast.Starred):
                    result = _seq_concat(result, self.eval(e.value, env, cls))
                else:
                    result = _seq_concat(result, V("seq", items=(self.eval(e, env, cls),)))
            return result
        if isinstance(expr, ast.ListComp):  # ``[nn.Linear(a, b) for a, b in ...]``: elements unknown
            repeated = self._repeated(expr, env, cls)  # ``[nn.Linear(w, w) for _ in range(depth)]``: depth layers
            if repeated is not None:
                return repeated
            inner = dict(env)
            for gen in expr.generators:
                inner.update((n.id, None) for n in ast.walk(gen.target) if isinstance(n, ast.Name))
            element = _fill(V("blank"), self.eval(expr.elt, inner, cls))
            # ``[torch.sigmoid(self.head(h)) for h in hs]``: every element is that output
            return _outputs_seq(element) if element is not None and element.kind == "act" else V("seq", "open")
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, (ast.Add, ast.Sub)):
            guarded = self._guarded(expr, env, cls)
            if guarded is not None or isinstance(expr.op, ast.Sub):
                return guarded
            return _seq_concat(self.eval(expr.left, env, cls), self.eval(expr.right, env, cls))
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mult):
            return self._masked(expr, env, cls)
        return None

    def _guarded(self, expr: ast.BinOp, env, cls) -> V | None:  # noqa: ANN001
        """``probs + 1e-10`` (before a log, or into the loss): a probability moved off 0 by a tiny constant
        (at most 1e-3, written as a number or a name the function assigns once) is still that probability."""
        sides = ((expr.left, expr.right), (expr.right, expr.left)) if isinstance(expr.op, ast.Add) else ((expr.left, expr.right),)
        for a, b in sides:
            c = _float(b)
            if c is None and not (isinstance(b, ast.Name) and self._fn is not None):
                continue
            if c is not None and not 0 < abs(c) <= 1e-3:
                continue
            held = self.eval(a, env, cls)
            if held is None or held.kind != "act" or held.detail not in ("sigmoid", "softmax"):
                continue
            if c is None:  # ``p + eps`` with ``eps = 1e-8`` assigned once in the function
                c = _float(_single_assignments(self._fn).get(b.id, ast.Pass()))
            if c is not None and 0 < abs(c) <= 1e-3:
                return held
        return None

    def _masked(self, expr: ast.BinOp, env, cls) -> V | None:  # noqa: ANN001
        """``torch.sigmoid(out) * mask``: an activation's output times a tensor that is neither a number nor
        another activation's output (a 0/1 mask, a one-hot of the next question) keeps the zeros and picks the
        rest, a selection of the probabilities (as ``p[mask]``). Times a number it is a rescaled value
        (``sigmoid(x) * 4 + 1``, a bounded regression head) and stays unknown."""
        for a, b in ((expr.left, expr.right), (expr.right, expr.left)):
            if not isinstance(b, (ast.Name, ast.Attribute, ast.Subscript)) or _float(b) is not None:
                continue
            held = self.eval(a, env, cls)
            if held is None or held.kind != "act" or held.detail not in ("sigmoid", "softmax"):
                continue
            other = self.eval(b, env, cls)
            if other is None or other.kind in ("onehot", "multihot"):
                return replace(held, indexed=True)
        return None

    def _dict(self, expr: ast.Dict, env, cls) -> V | None:  # noqa: ANN001
        """``{"head": nn.Sequential(...), ...}`` with constant string keys: the values, looked up by key (``{}``:
        a dict that item assignments fill)."""
        if len(expr.keys) > 16:
            return None
        keys = [k.value if isinstance(k, ast.Constant) and isinstance(k.value, str) else None for k in expr.keys]
        if any(k is None or "\0" in k for k in keys) or len(set(keys)) != len(keys):
            return None
        return _dict_of(list(zip(keys, (self.eval(v, env, cls) for v in expr.values))))

    def _decided(self, test: ast.expr, env, cls) -> bool | None:  # noqa: ANN001, C901
        """The truth of a condition on strings the analysis knows (``args.loss == "bce"``, ``name in ("bce",
        "binary")``, ``and`` / ``or`` / ``not`` of those); None when it depends on anything else."""
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            inner = self._decided(test.operand, env, cls)
            return None if inner is None else not inner
        if isinstance(test, ast.BoolOp):
            parts = [self._decided(v, env, cls) for v in test.values]
            short = isinstance(test.op, ast.Or)  # the value that decides the whole: True for or, False for and
            if short in parts:
                return short
            return None if None in parts else not short
        if isinstance(test, ast.Constant) and isinstance(test.value, (bool, int, str)):  # ``if False:``, ``while 1:``
            return bool(test.value)
        if isinstance(test, (ast.Name, ast.Attribute)):  # ``if MULTI_CLASS:``, ``if self.multi_class:``
            held = self.eval(test, env, cls)
            return bool(_const_value(held)) if held is not None and held.kind == "const" else None
        if not isinstance(test, ast.Compare) or len(test.ops) != 1:
            return None
        op, right = test.ops[0], test.comparators[0]
        if self._fn is None and _is_main_guard(test) and "__name__" not in env:
            # ``if __name__ == "__main__":`` at module level: the script's path (what its functions read from
            # the module's names when it runs)
            return isinstance(op, ast.Eq)
        flag = self._decided_constant(test.left, op, right, env, cls)
        if flag is not None:
            return flag
        if not isinstance(op, (ast.Eq, ast.NotEq, ast.In, ast.NotIn)):
            return None
        left_v = self.eval(test.left, env, cls)
        if left_v is None or left_v.kind != "str":
            return None
        if isinstance(op, (ast.Eq, ast.NotEq)):
            right_v = self.eval(right, env, cls)
            if right_v is None or right_v.kind != "str":
                return None
            return (left_v.detail == right_v.detail) == isinstance(op, ast.Eq)
        if not isinstance(right, (ast.Tuple, ast.List, ast.Set)):
            return None
        members = [e.value for e in right.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
        if len(members) != len(right.elts):
            return None
        return (left_v.detail in members) == isinstance(op, ast.In)

    def _decided_constant(self, left: ast.expr, op: ast.cmpop, right: ast.expr, env, cls) -> bool | None:  # noqa: ANN001
        """``self.multi_class == True``, ``FLAG is False``, ``N_LABELS > 1``: a comparison with a module or
        attribute constant (see ``_flag_constants`` / ``_attr_constant``) on one side and a literal or another
        known constant on the other; None unless one side is such a constant."""
        values = []
        for side in (left, right):
            if isinstance(side, ast.Constant) and type(side.value) in (bool, int, float, str, type(None)):
                values.append((side.value, False))
                continue
            held = self.eval(side, env, cls)
            if held == _NONE and isinstance(side, ast.Name) and side.id in self._rebound_globals():
                return None  # ``num_classes = None`` at module level, set by a function through ``global``
            if held is not None and held.kind == "const":
                values.append((_const_value(held), True))
            elif held is not None and held.kind == "str":
                values.append((held.detail, False))
            else:
                return None
        (a, a_flag), (b, b_flag) = values
        if not (a_flag or b_flag):
            return None
        compare = _CONST_OPS.get(type(op))
        if compare is None:
            return None
        try:
            return bool(compare(a, b))
        except TypeError:
            return None

    def _rebound_globals(self) -> set[str]:
        """The module-level names a function of the file rebinds through a ``global`` statement."""
        if self._globals_rebound is None:
            rebound = (node.names for node in ast.walk(self.module) if isinstance(node, ast.Global))
            self._globals_rebound = {n for names in rebound for n in names}
        return self._globals_rebound

    def _flag_constants(self) -> dict[str, V]:
        """Module-level names assigned once, at the top level, to a bool or number literal (``multi_class =
        True``, ``N_CLASSES = 5``) and bound nowhere else in the file (no other assignment, ``global``, loop or
        ``with`` target, parameter, import, function or class of that name): the value every read sees. Decides
        ``if`` branches, and gives the counts of build-only loops (``_int``)."""
        if self._flags is None:
            found: dict[str, V] = {}
            for stmt in self.module.body:
                if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                    v = _literal_constant(stmt.value)
                    if v is not None:
                        found[stmt.targets[0].id] = None if stmt.targets[0].id in found else v
            if found:
                bound: dict[str, int] = {}
                for node in ast.walk(self.module):
                    names: list[str] = []
                    if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
                        names = [node.id]
                    elif isinstance(node, (ast.Global, ast.Nonlocal)):
                        names = list(node.names) * 2
                    elif isinstance(node, ast.arg):
                        names = [node.arg] * 2
                    elif isinstance(node, ast.alias):
                        names = [(node.asname or node.name).split(".")[0]] * 2
                    elif isinstance(node, (*_FUNCS, ast.ClassDef)):
                        names = [node.name] * 2
                    for n in names:
                        if n in found:
                            bound[n] = bound.get(n, 0) + 1
                found = {k: v for k, v in found.items() if v is not None and bound.get(k) == 1}
            self._flags = found
        return self._flags

    def _attr_constant(self, target: ast.expr, value: ast.expr, cls: str | None) -> V | None:
        """``self.multi_class = True`` while a class's attributes are collected: the constant, when nothing else
        in the file writes that attribute of the class's instances: no other ``self.multi_class = ...`` in the
        class or in a subclass of it here, no ``obj.multi_class = ...`` on anything but ``self``, no augmented
        assignment, no ``setattr`` call in the file. Writes from other files are not seen."""
        if cls is None or not (isinstance(target, ast.Attribute) and _is_name(target.value, "self")):
            return None
        v = _literal_constant(value)
        if v is None:
            return None
        if self._attr_writes is None:
            writes: dict[str, list[str]] = {}  # attribute -> the class of each ``self.<attribute>`` write, "" otherwise

            def visit(node: ast.AST, owner: str) -> None:
                for child in ast.iter_child_nodes(node):
                    if isinstance(child, ast.ClassDef):
                        visit(child, child.name)
                        continue
                    if isinstance(child, ast.Attribute) and not isinstance(child.ctx, ast.Load):
                        writes.setdefault(child.attr, []).append(owner if _is_name(child.value, "self") else "")
                    elif isinstance(child, ast.Call) and _is_name(child.func, "setattr"):
                        writes["\0setattr"] = [""]
                    visit(child, owner)

            visit(self.module, "")
            self._attr_writes = writes
        if "\0setattr" in self._attr_writes:
            return None
        owners = self._attr_writes.get(target.attr, [])
        subclasses = {c for c, cdef in self.classes.items() if any(_is_name(b, cls) for b in cdef.bases)}
        if "" in owners or owners.count(cls) != 1 or subclasses & set(owners):
            return None
        return v

    def _named(self, expr: ast.Subscript, env, cls) -> V | None:  # noqa: ANN001
        """A name looked up by a string the analysis knows: ``nn.__dict__[name]``, ``vars(nn)[name]``,
        ``globals()[name]``."""
        base = expr.value
        if isinstance(base, ast.Attribute) and base.attr == "__dict__":
            namespace = base.value
        elif isinstance(base, ast.Call) and isinstance(base.func, ast.Name) and len(base.args) <= 1:
            if base.func.id == "vars" and len(base.args) == 1 and not base.keywords:
                namespace = base.args[0]
            elif base.func.id == "globals" and not base.args and not base.keywords:
                namespace = None
            else:
                return None
        else:
            return None
        key = self.eval(expr.slice, env, cls)
        if key is None or key.kind != "str" or not key.detail.isidentifier():
            return None
        if namespace is None:
            return self.eval(ast.Name(key.detail, ast.Load()), self.globals, None)
        return self._member(namespace, key.detail, env, cls)

    def _member(self, namespace: ast.expr, name: str, env, cls) -> V | None:  # noqa: ANN001
        """``getattr(nn, "BCELoss")``: a member of an imported module or class, by a known name."""
        held = self.eval(namespace, env, cls)
        if held is not None and held.kind == "qual":
            return V("qual", N.canonical(f"{held.detail}.{name}"))
        return None

    def _qualify(self, expr: ast.expr, env) -> str | None:  # noqa: ANN001
        """The qualified name an expression spells through the file's imports, unless its root name now holds a
        model or a loss object (``import model`` then ``model = model.NeuMF(args)``: ``model(x)`` calls it)."""
        root = expr
        while isinstance(root, ast.Attribute):
            root = root.value
        if isinstance(root, ast.Name):
            held = env.get(root.id)
            if held is not None and held.kind in _SHADOWING:
                return None
        return self.imports.qualify(expr)

    def _eval_call(self, call: ast.Call, env, cls) -> V | None:  # noqa: ANN001, C901
        func = call.func
        if isinstance(func, ast.Name) and func.id == "getattr" and func.id not in env and len(call.args) >= 2:
            name = self.eval(call.args[1], env, cls)
            if name is not None and name.kind == "str" and name.detail.isidentifier():
                if _is_name(call.args[0], "self") and cls is not None:
                    return self.eval(ast.Attribute(call.args[0], name.detail, ast.Load()), env, cls)
                return self._member(call.args[0], name.detail, env, cls)
            return None
        qn = self._qualify(func, env)
        if qn is None and self.configs and isinstance(func, ast.Attribute):
            if func.attr in ("init_obj", "initialize"):
                made = self._initialized(call, env, cls)
                if made is not None:
                    return made
            elif func.attr == "get":  # ``config.get("loss")``
                found = self._configured(call, env, cls)
                if found is not None:
                    return found
        if _is_name(func, "dict") and "dict" not in env and not call.args:
            if not call.keywords:
                return V("dict")  # an empty dict that item assignments fill
            # ``dict(genre=torch.sigmoid(..), rating=..)``: the keywords are its constant keys
            if len(call.keywords) > 16 or any(k.arg is None for k in call.keywords):
                return None
            return _dict_of([(k.arg, self.eval(k.value, env, cls)) for k in call.keywords])
        if qn is None and isinstance(func, ast.Name) and func.id not in env and func.id in self.functions:
            return self._local_call(func.id, call, env, cls)
        if qn is None and isinstance(func, ast.Attribute):
            method = func.attr
            receiver = func.value
            is_self = _is_name(receiver, "self")
            if is_self and cls is not None and f"self.{method}" not in env:
                if cls in self._virtual and method in ("forward", "__call__"):
                    return self._virtual[cls].out  # the subclass's ``forward``, not the base's
                if self._method(cls, method) is not None and self.class_attrs(cls).get(method) is None:
                    return self.function_output(cls, method)
            if not is_self:
                if method == "forward":  # ``model.forward(x)``: what calling the model returns
                    held = self.eval(receiver, env, cls)
                    if held is not None and held.kind == "model" and held.out is not None:
                        return held.out
                elif isinstance(receiver, (ast.Name, ast.Attribute, ast.Call)) and not method.startswith("_"):
                    # ``model.project(h)``: what that method of the instance's class returns (see ``members``)
                    held = self.eval(receiver, env, cls)
                    if held is not None and held.kind in ("model", "inst") and held.items:
                        found = _lookup(held.items[0], method + "()")
                        if found is not None:
                            return found
                if method == "get" and call.args and not call.keywords:  # ``losses.get("bce")``
                    held = self.eval(receiver, env, cls)
                    key = self.eval(call.args[0], env, cls) if held is not None and held.kind == "dict" else None
                    return _lookup(held, key.detail) if key is not None and key.kind == "str" else None
                if method in ("parse_args", "parse_known_args") and self.options:
                    parsed = V("args", "\0".join(self.options), items=tuple(self.options.values()))
                    return parsed if method == "parse_args" else V("tuple", items=(parsed, None))
                if method.startswith(("prepare", "make_private", "setup")):
                    held = self.eval(receiver, env, cls)
                    if held is not None and held.kind == "helper":  # ``accelerator.prepare(model, optimizer)``
                        return self._wrapped(held.detail, method, call, env, cls)
                if method in N.ACT_METHODS:
                    return self._act(N.ACT_METHODS[method], self.eval(receiver, env, cls), call)
                if method in N.TRANSPARENT_METHODS:
                    return self.eval(receiver, env, cls)
                if method == "log" and not call.args and not call.keywords:  # ``probs.log()``, as ``torch.log``
                    return _logged(self.eval(receiver, env, cls))
                if method in N.SELECTING_METHODS:
                    return _selected(self.eval(receiver, env, cls))
                if method in N.ARRAY_CONVERSIONS:  # ``enc.fit_transform(y).toarray()``
                    r = self.eval(receiver, env, cls)
                    return r if r is not None and r.kind in ("onehot", "multihot") else None
                if method in ("scatter", "scatter_"):
                    pos, kw, _ = _args(call)
                    src = pos[2] if len(pos) > 2 else kw.get("value", kw.get("src"))
                    if src is not None and _float(src) == 1.0:
                        return V("onehot", origin=call)
                    return None
                if method in ("fit_transform", "transform"):
                    r = self.eval(receiver, env, cls)
                    if r is not None and r.kind == "mlb":
                        return V("multihot", origin=call)
                    if r is not None and r.kind == "lb":
                        return V("onehot", origin=call)
                    return None
        if qn is not None:
            return self._eval_qualified(qn, call, env, cls)
        callee = self.eval(func, env, cls)
        if callee is None or callee.kind == "inst":
            if isinstance(func, (ast.Name, ast.Attribute)):
                # an unknown callable (a model passed in as a parameter): remember which, for AL107
                return V("out", _code(func), origin=call)
            return None
        if callee.kind == "qual":
            return self._eval_qualified(callee.detail, call, env, cls)
        if callee.kind == "fn" and callee.detail in self.functions:  # ``criterion = dice_bce`` then ``criterion(p, y)``
            return self._local_call(callee.detail, call, env, cls)
        if callee.kind == "actmod":
            arg = _arg(call, 0, "input")
            return self._act(callee.detail, self.eval(arg, env, cls), call)
        if callee.kind == "passmod":  # dropout, batch norm, pooling: what goes in comes out
            return self.eval(_arg(call, 0, "input"), env, cls)
        if callee.kind == "layer":
            arg = _arg(call, 0, "input")
            v = self.eval(arg, env, cls) if arg is not None else None
            # the count carries through a saturating activation or straight from another layer (Linear, Linear)
            width = self._out_features(callee.origin)
            if _carries(v):
                return V("logits", "layer", origin=call, depth=v.depth, chain=v.chain or call, width=width)
            return V("logits", "layer", origin=call, chain=call, width=width)
        if callee.kind == "model":
            if callee.out is not None:
                v = self._chained(callee, call, env, cls)
                return callee.out if v is None else replace(callee.out, depth=v.depth + callee.out.depth, chain=v.chain)
            if callee.detail in self._class_mixed:
                return None
            return V("out", _code(func), origin=call)
        if callee.kind == "cls":
            return self._built(callee.detail, call, env, cls)
        if callee.kind == "choice":  # one of several classes: what every one of them builds, when they agree
            outs = [
                self._eval_qualified(c.detail, call, env, cls) if c.kind == "qual" else self._built(c.detail, call, env, cls)
                for c in callee.items
            ]
            return reduce(join, outs) if all(o is not None for o in outs) else None
        if callee.kind == "param" and callee.detail.count("\0") == 1:  # ``model_class(...)`` (see ``passed_through``)
            return V("param", callee.detail + "\0()")
        if callee.kind == "self" and callee.detail in self.classes:
            # ``outputs = self(batch_x)`` in a model's own fit / training_step: what its forward returns
            return self.class_output(callee.detail)
        return None

    def _built(self, cname: str, call: ast.Call, env, cls) -> V | None:  # noqa: ANN001
        """What calling this file's class ``cname`` makes (with what its ``__init__`` stores of the arguments)."""
        made = self._instantiate(cname)
        stores = self.init_stores(cname)
        return self._constructed(made, stores, call, env, cls) if stores is not None else made

    def _configured(self, expr: ast.expr, env=None, cls=None) -> V | None:  # noqa: ANN001
        """``config["loss"]``, ``cfg["train"]["mode"]``, ``self.config.get("arch")`` on an object whose name reads
        as a configuration, read from the tree's configuration files (``"loss": "nll_loss"`` in ``config.json``):
        the string they all give that key (a full key path from a file's top, else a key path any file ends one
        in), or None when they give none or several."""
        if not self.configs:
            return None

        def key_of(slice_: ast.expr) -> str | None:
            held = self.eval(slice_, env, cls) if env is not None and isinstance(slice_, ast.Name) else None
            return held.detail if held is not None and held.kind == "str" else None

        keys = _config_keys(expr, key_of)
        if keys is None:
            return None
        if self._config_index is None:
            self._config_index = _config_scope(self.configs, self.module_name)
        values = self._config_index.get(keys)
        if values is None:  # a key path some file ends one in, found once per module and key path
            n = len(keys)
            found = {v for k, vs in self._config_index.items() if len(k) > n and k[-n:] == keys for v in vs}
            values = self._config_index[keys] = tuple(found)
        return V("str", values[0]) if len(values) == 1 else None

    def _initialized(self, call: ast.Call, env, cls) -> V | None:  # noqa: ANN001
        """pytorch-template's ``config.init_obj("arch", module_arch, ...)`` (``initialize`` in its older
        versions): ``getattr(module_arch, config["arch"]["type"])(...)``, the class the configuration names."""
        func = call.func
        if not (
            isinstance(func, ast.Attribute)
            and func.attr in ("init_obj", "initialize")
            and len(call.args) >= 2
            and isinstance(call.args[0], ast.Constant)
            and isinstance(call.args[0].value, str)
        ):
            return None
        keyed = ast.Subscript(ast.Subscript(func.value, call.args[0], ast.Load()), ast.Constant("type"), ast.Load())
        kind = self._configured(keyed)
        if kind is None or not kind.detail.isidentifier():
            return None
        made = ast.Call(ast.Attribute(call.args[1], kind.detail, ast.Load()), call.args[2:], call.keywords)
        ast.copy_location(made, call)
        ast.fix_missing_locations(made)
        return self.eval(made, env, cls)

    def _local_call(self, name: str, call: ast.Call, env, cls) -> V | None:  # noqa: ANN001
        """What a call of this file's function ``name`` returns."""
        found = self.function_output(None, name)
        if _unknown_output(found) or (found.kind == "model" and found.out is None):
            # ``std_upconv(features, top=True)``: what it returns for these constants
            found = self._output_for_constants(name, call) or found
        if _unknown_output(found):  # ``def to_tensor(data): return torch.Tensor(data)``: what the call passes
            through = self._argument(call, self.passed_through(name), env, cls)
            found = through if through is not None else found
        return found

    def _channels(self, call: ast.Call, parts: list[ast.expr], values: list[V | None]) -> V | None:
        """``torch.cat([torch.sigmoid(y[..., :2]), y[..., 2:4], torch.sigmoid(y[..., 4:])], dim=-1)`` (a YOLO head):
        pieces of the last dimension with different activations, each taken from a literal slice. A ``cat`` value
        whose ``items`` are the pieces and ``detail`` their spans, so that ``p[..., 4]`` is what piece covers
        channel 4. None unless the spans are literal and follow one another."""
        dim = _arg(call, 1, "dim")
        if not (isinstance(dim, ast.UnaryOp) and isinstance(dim.op, ast.USub) and _float(dim.operand) == 1):
            return None
        if not any(v is not None and v.kind == "act" for v in values):
            return None
        spans: list[tuple[int, int | None]] = []
        for e in parts:
            span = self._span(e, 3)
            if span is None or (spans and spans[-1][1] != span[0]):
                return None
            spans.append(span)
        if spans[0][0] != 0 or any(stop is None for _, stop in spans[:-1]):
            return None
        detail = "|".join(f"{a}:{'' if b is None else b}" for a, b in spans)
        return V("cat", detail, origin=call, items=tuple(values))

    def _span(self, expr: ast.expr, depth: int) -> tuple[int, int | None] | None:
        """The channels of the last dimension ``expr`` holds, when it is a literal slice of it (``y[..., 2:4]``),
        an activation of one (``torch.sigmoid(y[..., :2])``, ``y[..., 4:5].sigmoid()``), or a local name set once
        to such an expression."""
        if isinstance(expr, ast.Subscript):
            return _last_dim_span(expr.slice)
        if isinstance(expr, ast.Call):
            if expr.args and not isinstance(expr.args[0], ast.Starred) and isinstance(expr.func, (ast.Name, ast.Attribute)):
                if isinstance(expr.func, ast.Attribute) and isinstance(expr.func.value, ast.Subscript):
                    return _last_dim_span(expr.func.value.slice)  # ``y[..., :2].sigmoid()``
                return self._span(expr.args[0], depth) if depth > 0 else None
            if isinstance(expr.func, ast.Attribute) and not expr.args:
                return self._span(expr.func.value, depth)
            return None
        if isinstance(expr, ast.Name) and depth > 0 and self._fn is not None:
            assigned = _single_assignments(self._fn).get(expr.id)
            return self._span(assigned, depth - 1) if assigned is not None else None
        return None

    def _wrapped(self, helper: str, method: str, call: ast.Call, env, cls) -> V | None:  # noqa: ANN001, C901
        """What a training helper hands back (``N.WRAPPING_HELPERS``): the model, optimizer and data loader it is
        given, wrapped (a distributed, mixed-precision or differentially private module computes what the model
        does), in the order the helper returns them; a lone object when the helper returns one."""
        pos, kw, starred = _args(call)
        if starred:
            return None

        def value(name: str, index: int | None = None) -> V | None:
            arg = kw.get(name, pos[index] if index is not None and index < len(pos) else None)
            return self.eval(arg, env, cls) if arg is not None else None

        def handed(values: list[V | None]) -> V | None:
            return values[0] if len(values) == 1 else V("tuple", items=tuple(values))

        if (helper, method) in (("accelerate", "prepare"), ("fabric", "setup"), ("fabric", "setup_dataloaders")):
            # each positional argument, in the order given (``setup(module, *optimizers)``); their keywords
            # (``device_placement``, ``move_to_device``) hand nothing back
            return handed([self.eval(a, env, cls) for a in pos]) if pos else None
        if helper == "accelerate":
            if method in ("prepare_model", "prepare_data_loader"):
                return value("model" if method == "prepare_model" else "data_loader", 0)
        elif helper == "opacus" and method in ("make_private", "make_private_with_epsilon"):
            parts = [value("module"), value("optimizer")]
            mode = kw.get("grad_sample_mode")
            if isinstance(mode, ast.Constant) and mode.value == "ghost":  # opacus 1.5's ghost clipping
                parts.append(value("criterion"))
            return handed([*parts, value("data_loader")])
        elif helper == "fabric" and method == "setup_module":
            return value("module", 0)
        elif helper == "apex.amp.initialize":  # ``initialize(models, optimizers=None, ...)``
            optimizer = kw.get("optimizers", pos[1] if len(pos) > 1 else None)
            model = value("models", 0)
            return model if optimizer is None else handed([model, self.eval(optimizer, env, cls)])
        elif helper == "intel_extension_for_pytorch.optimize":  # ``optimize(model, dtype=None, optimizer=None, ...)``
            optimizer = kw.get("optimizer", pos[2] if len(pos) > 2 else None)
            model = value("model", 0)
            return model if optimizer is None else handed([model, self.eval(optimizer, env, cls)])
        elif helper == "deepspeed.initialize":  # ``(engine, optimizer, training_dataloader, lr_scheduler)``
            return handed([value("model", 1), None, None, None])
        return None

    def _split(self, call: ast.Call, env, cls) -> V | None:  # noqa: ANN001
        """``train_test_split(X, y_onehot)``: a train and a test part of each array, one-hot where it was."""
        if not 0 < len(call.args) <= 4 or any(isinstance(a, ast.Starred) for a in call.args):
            return None
        kept = [self.eval(a, env, cls) for a in call.args]
        kept = [v if v is not None and v.kind in ("onehot", "multihot") else None for v in kept]
        if not any(kept):
            return None
        return V("tuple", items=tuple(v for v in kept for _ in (0, 1)))

    def _instantiate(self, cname: str) -> V | None:
        if cname in self.classes and _reshapes_only(self._entry(cname)):
            return V("passmod", cname)  # ``class Flatten(nn.Module)``: what goes in comes out, reshaped
        if cname in self.classes:
            members = self.members(cname)
            return V("model", cname, out=self.class_output(cname), items=(members,) if members else ())
        return None

    def _eval_qualified(self, qn: str, call: ast.Call, env, cls) -> V | None:  # noqa: ANN001, C901
        if qn in N.ACT_FUNCS:
            arg = _arg(call, 0, "input")
            return self._act(N.ACT_FUNCS[qn], self.eval(arg, env, cls) if arg is not None else None, call)
        if qn in N.ACT_MODULES:
            return V("actmod", N.ACT_MODULES[qn], origin=call)
        if qn in N.LOSS_MODULES:
            _, kw, _ = _args(call)
            weighted = any(k in kw for k in ("weight", "pos_weight"))
            return V("loss", N.LOSS_MODULES[qn], origin=call, where="weighted" if weighted else "")
        if qn in N.LAYERS:
            return V("layer", qn, origin=call)
        if qn in N.PASS_THROUGH_MODULES:
            return V("passmod", qn, origin=call)
        if qn == "torch.nn.Sequential":
            return self._sequential(call, env, cls)
        if qn == "torch.nn.ModuleList" and len(call.args) == 1 and not call.keywords:
            listed = self.eval(call.args[0], env, cls)  # the modules, in order (a forward's loop runs them)
            return listed if listed is not None and listed.kind == "seq" else None
        if qn in ("torch.nn.ModuleDict", "collections.OrderedDict"):
            arg = _arg(call, 0, "modules")
            if arg is None and not call.args and not call.keywords:
                return V("dict")  # an empty dict that item assignments fill
            return self._dict(arg, env, cls) if isinstance(arg, ast.Dict) else None
        if qn in ("torch.tensor", "torch.Tensor", "torch.FloatTensor", "numpy.array"):
            literal = _indicator_rows(_arg(call, 0, "data"))
            if literal is not None:  # torch.tensor([[1.0, 0.0, 0.0], ...]): a one-hot / multi-hot literal
                return V(literal, origin=call)
        if qn in N.TRANSPARENT_FUNCS:
            return self.eval(_arg(call, 0, "input"), env, cls)
        if qn in N.WRAPPING_HELPERS:
            return V("helper", N.WRAPPING_HELPERS[qn], origin=call)
        if qn in N.WRAPPING_FUNCS:
            return self._wrapped(qn, "", call, env, cls)
        if qn in N.SELECTING_FUNCS:
            return _selected(self.eval(_arg(call, 0, "input"), env, cls))
        if qn in _BLANK_FUNCS:
            return V("blank", origin=call)
        if qn in ("torch.cat", "torch.concat", "torch.stack"):
            # ``outputs = torch.cat((outputs, torch.sigmoid(x)), dim=1)`` from ``torch.empty``: the parts agree
            parts = _arg(call, 0, "tensors")
            if parts is not None and not isinstance(parts, (ast.Tuple, ast.List)):
                # ``torch.stack(outputs)``: a list every element of which is one activation's output
                found = _outputs_list(self.eval(parts, env, cls))
                return found if found is not None and found.kind == "act" else None
            if parts is None or not parts.elts:
                return None
            result: V | None = V("blank")
            values = []
            for e in parts.elts:
                if isinstance(e, ast.Starred):
                    return None
                values.append(self.eval(e, env, cls))
                result = _fill(result, values[-1])
            if result is not None and result.kind != "blank":
                return result
            return self._channels(call, parts.elts, values) if qn != "torch.stack" else None
        if qn == "torch.nn.parallel.data_parallel":  # data_parallel(module, input, device_ids): calls module
            m = self.eval(_arg(call, 0, "module"), env, cls)
            if m is not None and m.kind == "model":
                return m.out
            if m is not None and m.kind == "actmod":
                return V("act", m.detail, origin=call, origin_fn=self._fn)
            return None
        if qn == "torch.log":
            return _logged(self.eval(_arg(call, 0, "input"), env, cls))
        if qn in N.ONE_HOT_FUNCS:
            if qn == "pandas.get_dummies" and (len(call.args) != 1 or any(k.arg == "columns" for k in call.keywords)):
                return None  # ``get_dummies(df, columns=[...])``: a table with some columns encoded
            return V("onehot", origin=call)
        if qn in ("torch.eye", "numpy.eye"):
            return V("eye", origin=call)
        if qn in N.MULTI_HOT_CLASSES:
            return V("mlb", origin=call)
        if qn in N.ONE_HOT_ENCODERS:
            return V("lb", origin=call)
        if qn == "sklearn.model_selection.train_test_split":
            return self._split(call, env, cls)
        if qn in N.CLASS_WEIGHT_FUNCS:
            return V("weights", origin=call)
        if qn == "torch.utils.data.DataLoader":  # its batches are the dataset's samples, stacked
            arg = _arg(call, 0, "dataset")
            if isinstance(arg, ast.Call) and isinstance(arg.func, ast.Name) and arg.func.id in self.classes and arg.func.id not in env:
                ds = V("model", arg.func.id)  # ``DataLoader(Records(root), ...)``: only its ``__getitem__`` matters
            else:
                ds = self.eval(arg, env, cls)
            sample = self._sample(ds)
            return V("loader", items=(sample,)) if sample is not None else None
        if qn == "torch.utils.data.TensorDataset" and call.args and not call.keywords:
            if any(isinstance(a, ast.Starred) for a in call.args):
                return None
            parts = tuple(self.eval(a, env, cls) for a in call.args)  # a sample: one row of each tensor
            return V("dataset", items=(V("tuple", items=parts),)) if any(_rows_kept(p) for p in parts) else None
        if qn.startswith(N.LOGIT_MODEL_PREFIXES):
            return V("model", qn.rsplit(".", 1)[-1], out=V("logits", qn.rsplit(".", 1)[-1]))
        if (qn.startswith(N.SMP_PREFIX) and qn.rsplit(".", 1)[-1][:1].isupper()) or qn == N.SMP_PREFIX + "create_model":
            return self._smp_model(qn, call, env, cls)
        members = None
        if self.project and not qn.startswith(("torch.", "numpy.", "sklearn.")):
            out = self._variant_output(qn, call, env, cls) or self._project_class(qn)
            if out is not None and out.kind == "passmod":  # another file's ``Flatten`` module
                return V("passmod", qn, origin=call)
            members = self._project_class(qn, "#members", ("dict",))
            items = (members,) if members is not None else ()
            if out is not None:
                return V("model", qn.rsplit(".", 1)[-1], out=out, items=items)
        if self.project and not qn.startswith(_LIBRARIES):
            held = self._module_value(qn)  # ``import Train`` ... ``Train.net(x)``: that model
            if held is not None and held.kind == "model" and held.out is not None:
                return held.out
            # a function of another file (``build(args)``)
            returned = self._project_class(qn, "#returns", (*_RETURNS, "param", "choice", "qual"))
            if _through_value(returned):  # it returns one of its arguments (or an instance of one, or a tuple)
                return self._argument(call, returned, env, cls)
            if returned is not None:
                return returned
        if not qn.startswith(_LIBRARIES) and (qn.rsplit(".", 1)[-1][:1].isupper() or self._tree_class(qn)):
            # an instance of a class that may be of another file (``FocalLoss(gamma=1.5)`` from ``model.py``,
            # ``Loss.dice_bce_loss()``): its calls are passed on to that file's ``forward`` (or ``__call__``);
            # its sub-modules are that class's
            made = V("inst", absolute(qn, self.module_name), items=(members,) if members is not None else ())
            stores = self._project_class(qn, "#stores", ("dict",)) if self.project else None
            return self._constructed(made, stores, call, env, cls) if stores is not None else made
        return None

    def _tree_class(self, qn: str) -> bool:
        """Whether ``qn`` names a class another file of the tree defines (a lower-case one: ``dice_bce_loss``)."""
        found = self._project_class(qn, "#def", ("def",)) if self.project else None
        return found is not None and found.detail == "class"

    def _constructed(self, made: V | None, stores: V, call: ast.Call, env, cls) -> V | None:  # noqa: ANN001
        """An instance as this construction makes it: the attributes its class stores from its parameters
        (``self.criterion = criterion``, a dataclass's fields: ``TrainingConfig(loss_function=nn.BCELoss())``)
        hold the objects this call passes, whatever other constructions pass."""
        if made is None or made.kind not in ("model", "inst"):
            return made
        pos, kw, starred = _args(call)
        if starred:
            pos = list(itertools.takewhile(lambda a: not isinstance(a, ast.Starred), pos))
        pairs = dict(_dict_pairs(made.items[0])) if made.items and made.items[0].kind == "dict" else {}
        passed = False
        for attr, p in _dict_pairs(stores):
            index, _, pname = p.detail.partition(":")
            arg = kw.get(pname, pos[int(index)] if int(index) < len(pos) else None)
            v = self._arg_value(arg, env, cls) if arg is not None else None
            if _member(v) or (v is not None and v.kind == "const"):
                pairs[attr] = v
                passed = True
            elif attr in pairs and arg is not None:
                pairs[attr] = None  # this construction passes something else
        if not passed or len(pairs) > 32:
            return made
        return replace(made, items=(_dict_of(list(pairs.items())),))

    def _smp_model(self, qn: str, call: ast.Call, env, cls) -> V | None:  # noqa: ANN001
        """A segmentation_models_pytorch model (``smp.Unet(encoder_name, classes=1, activation="sigmoid")``): its
        output is the activation its ``activation`` argument names, or logits without one; unknown when the
        argument is anything else (a callable, a name the analysis cannot read)."""
        name = qn.rsplit(".", 1)[-1]
        _, kw, starred = _args(call)
        if "activation" not in kw:
            return None if starred else V("model", name, out=V("logits", name))
        held = self.eval(kw["activation"], env, cls)
        if _is_none(kw["activation"]) or (held is not None and held.kind == "str" and held.detail == "identity"):
            return V("model", name, out=V("logits", name))
        act = N.SMP_ACTIVATIONS.get(held.detail) if held is not None and held.kind == "str" else None
        if act is None:
            return None
        return V("model", name, out=V("act", act, origin=call, where=f"smp.{name}(activation={held.detail!r})"))

    def _module_value(self, qn: str) -> V | None:
        """A module-level model or loss object of another file of the tree, named through its module
        (``import Train`` then ``Train.net``, ``Train.loss_function``)."""
        qn = absolute(qn, self.module_name)
        if "." not in qn:
            return None
        mod, name = qn.rsplit(".", 1)
        here = self._tree_module(mod)
        v = self.project.get(f"{here}.{name}") if here is not None else None
        return v if v is not None and v.kind in ("model", "loss") else None

    def _tree_module(self, mod: str) -> str | None:
        """The module of the tree an import of ``mod`` names exactly: beside this file, or at the tree's root."""
        return next((c for c in module_candidates(mod, self.module_name) if _is_module(self.project.get(c))), None)

    def _project_class(self, qn: str, suffix: str = "", kinds: tuple = _OUTPUTS) -> V | None:
        """The output of an imported class of the linted tree: ``from .models import Net`` is
        ``<this package>.models.Net``; the tree's key may be shorter or longer than the import (the tree's root
        is not the import root), so a match at a dot boundary counts. Ambiguous matches count as unknown. Kept per
        file: a tree's index can hold a hundred thousand entries, and a lookup that misses reads them all."""
        key = (qn, suffix, kinds)
        if key not in self._project_found:
            if len(self._project_found) >= 4096:
                self._project_found.clear()
            self._project_found[key] = self._project_lookup(qn, suffix, kinds)
        return self._project_found[key]

    def _project_lookup(self, qn: str, suffix: str, kinds: tuple) -> V | None:
        qn = absolute(qn, self.module_name)
        if "." not in qn:
            return None
        mod, cls = qn.rsplit(".", 1)
        # A module of the tree beside this file, or at the tree's root, answers exactly (even "unknown").
        here = self._tree_module(mod)
        if here is not None:
            out = self.project.get(f"{here}.{cls}{suffix}")
            return out if out is not None and out.kind in kinds else None
        qn += suffix
        found = [
            v
            for key in _index(self.project).by_last.get(qn.rsplit(".", 1)[-1], ())
            if (v := self.project.get(key)) is not None
            and v.kind in kinds
            and (key == qn or key.endswith("." + qn) or qn.endswith("." + key))
        ]
        if not found:  # ``from Unet_model import Unet`` with the file ``unet_model.py``: that module
            here = folded_module(mod, self.module_name, self._folded())
            out = self.project.get(f"{here}.{cls}{suffix}") if here is not None else None
            return out if out is not None and out.kind in kinds else None
        if any(f != found[0] for f in found):
            return None
        return found[0]

    def _folded(self) -> dict[str, str | None]:
        if self._folded_names is None:
            self._folded_names = _index(self.project).folded
        return self._folded_names

    def _out_features(self, node: ast.AST | None) -> int:
        """The literal ``out_features`` of an ``nn.Linear(...)`` construction, else 0."""
        if not isinstance(node, ast.Call) or self.imports.qualify(node.func) != "torch.nn.Linear":
            return 0
        arg = _arg(node, 1, "out_features")
        return arg.value if isinstance(arg, ast.Constant) and type(arg.value) is int else 0

    def _act(self, act: str, arg: V | None, call: ast.Call) -> V:
        width = arg.width if arg is not None and arg.kind == "logits" else 0
        if act in N.SATURATING and arg is not None and arg.kind == "logits":
            return V("act", act, origin=call, depth=arg.depth + 1, origin_fn=self._fn, chain=arg.chain, width=width)
        return V("act", act, origin=call, origin_fn=self._fn, width=width)

    def _stack_start(self, v: V) -> ast.Call | None:
        """The ``nn.Sequential(`` call of this file where a layer chain started, when its last saturating
        activation comes out of an ``nn.Sequential`` too (``self.conv1`` ... ``self.conv4``, blocks called one
        after the other in ``forward``): the stack is reported there. None when the chain started at a layer call
        of a ``forward`` or its last activation is applied in ``forward`` (then the layer call after the 4th
        activation is the position)."""
        chain = v.chain
        if v.where != "nn.Sequential" or not isinstance(chain, ast.Call) or self.imports.qualify(chain.func) != "torch.nn.Sequential":
            return None
        if self._sequential_calls is None:
            self._sequential_calls = {id(n) for n in ast.walk(self.module) if isinstance(n, ast.Call)}
        return chain if id(chain) in self._sequential_calls else None

    def _opens_with_layer(self, cname: str, seen: frozenset[str] = frozenset()) -> bool:
        """Whether the class's ``forward`` first passes its input to a layer (``output = self.conv(input)``), or
        to a sub-module of a class of this file that does so (``self.level1 = ConvBNPReLU(..)``), or to an
        ``nn.Sequential`` opening with a layer: a saturating stack's output called into it meets a layer."""
        fwd = self._entry(cname)
        if fwd is None or cname in seen or len(seen) > 4:
            return False
        params = _param_names(fwd)
        if len(params) < 2:
            return False
        inp = params[1]
        for stmt in fwd.body:
            if not any(isinstance(n, ast.Name) and n.id == inp for n in ast.walk(stmt)):
                continue
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 or isinstance(stmt, ast.Return):
                c = stmt.value
            else:
                return False
            while isinstance(c, ast.Call) and c.args and not _is_name(c.args[0], inp):
                c = c.args[0]
            if not (isinstance(c, ast.Call) and c.args and _is_name(c.args[0], inp)):
                return False
            f = c.func
            if not (isinstance(f, ast.Attribute) and _is_name(f.value, "self")):
                return False
            held = self.class_attrs(cname).get(f.attr)
            if held is None:
                return False
            if held.kind == "layer":
                return True
            if held.kind == "model" and held.detail in self.classes:
                return self._opens_with_layer(held.detail, seen | {cname})
            return held.kind == "model" and held.detail == "Sequential" and held.chain is not None
        return False

    def _chained(self, model: V, call: ast.Call, env, cls) -> V | None:  # noqa: ANN001
        """The input of a call of an ``nn.Sequential`` that opens with a layer and ends in a layer (or a
        saturating activation), when that input ends a layer chain with saturating activations in it (an
        encoder's output into a decoder): the chain goes on through the Sequential. Else None."""
        if model.chain is None or model.out is None or model.out.chain is None:
            return None
        arg = _arg(call, 0, "input")
        v = self.eval(arg, env, cls) if arg is not None else None
        # depth 4 from a stack that ends in its 4th saturating activation (not reported on its own: no layer
        # follows inside it), continued by this one's layer
        four = v is not None and v.depth == 4 and v.where == "nn.Sequential"
        return v if _carries(v) and (0 < v.depth < 4 or four) and v.chain is not None else None

    def _sequential(self, call: ast.Call, env, cls) -> V:  # noqa: ANN001
        args: list[ast.expr] = list(call.args)
        if len(args) == 1 and isinstance(args[0], ast.Call):
            # nn.Sequential(OrderedDict([("fc1", nn.Linear(...)), ...]))
            inner = args[0]
            if self.imports.qualify(inner.func) == "collections.OrderedDict" and inner.args:
                lst = inner.args[0]
                if isinstance(lst, (ast.List, ast.Tuple)):
                    args = [e.elts[1] for e in lst.elts if isinstance(e, ast.Tuple) and len(e.elts) == 2]
        seq: V | None = V("seq")
        for a in args:  # ``nn.Sequential(*layers, nn.Linear(64, 1))``: a list of modules built before
            # (``*[block for _ in range(4)]``: ``eval`` of the comprehension gives the four blocks, ``_repeated``)
            part = self.eval(a.value, env, cls) if isinstance(a, ast.Starred) else V("seq", items=(self.eval(a, env, cls),))
            if isinstance(a, ast.Starred) and (part is None or part.kind != "seq"):
                part = V("seq", "open")  # ``*block(512, 256)`` (a helper not followed): modules not known, an open run
            seq = _seq_concat(seq, part)
        if call.keywords or seq is None:
            return V("model", "Sequential", origin=call)
        return self._sequential_of(seq, call)

    def _repeated(self, expr: ast.expr, env, cls) -> V | None:  # noqa: ANN001
        """``[nn.Sequential(nn.Linear(h, h), nn.Tanh()) for _ in range(4)]``: the one module the comprehension
        builds, that many times over (a count the file spells as a number or a constant, at most 64)."""
        if not isinstance(expr, ast.ListComp) or len(expr.generators) != 1:
            return None
        gen = expr.generators[0]
        it = gen.iter
        if gen.ifs or gen.is_async or not (isinstance(it, ast.Call) and _is_name(it.func, "range")) or it.keywords:
            return None
        bounds = [self._int(b, cls, env) for b in it.args]
        if not 1 <= len(bounds) <= 2 or None in bounds:
            return None
        count = bounds[0] if len(bounds) == 1 else bounds[1] - bounds[0]
        if not 0 < count <= 64:
            return None
        inner = dict(env)
        for name in ast.walk(gen.target):
            if isinstance(name, ast.Name):
                inner[name.id] = None
        one = self.eval(expr.elt, inner, cls)
        if one is None or one.kind not in ("layer", "actmod", "model", "passmod"):
            return None
        return V("seq", items=(one,) * count)

    def _sequential_of(self, seq: V, call: ast.Call) -> V:
        """An ``nn.Sequential`` of the modules ``seq`` holds (an unknown start, ``open``, counts as one unknown
        module): what calling it returns, and its saturating activations between layers."""
        out: V | None = None
        hidden_sat = 0
        pending = False
        seen_layer = False
        kinds = []
        deep: list = []
        for v in _flat_items(seq, call, deep):
            kind = v.kind if v is not None else None
            if kind == "passmod":
                continue
            kinds.append(kind)
            if kind == "layer":
                if pending:
                    hidden_sat += 1
                pending, seen_layer = False, True
                out = V("logits", "layer", origin=v.origin, width=self._out_features(v.origin))
            elif kind == "actmod":
                pending = seen_layer and v.detail in N.SATURATING
                out = V("act", v.detail, origin=v.origin, origin_fn=self._fn)
            elif kind == "model":
                pending = False
                out = v.out
            else:
                pending, out = False, None
        if out is not None and hidden_sat >= 4 and out.origin is not None:
            self._stack_tails[id(out.origin)] = call
        if hidden_sat >= 4:  # a deep stack nested in this one: reported here, where the input enters
            self._stacks_after.update(id(d) for d in deep)
        if out is not None:
            out = replace(out, where="nn.Sequential")
            # what goes on into the next layer (a decoder after this encoder): the saturating activations
            # between layers so far, unless this stack is reported on its own already
            if hidden_sat < 4 and kinds[-1] == "layer":
                out = replace(out, depth=hidden_sat, chain=call)
            elif hidden_sat < 4 and kinds[-1] == "actmod" and pending:
                out = replace(out, depth=hidden_sat + 1, chain=call)
        opens = call if kinds and kinds[0] == "layer" else None
        return V("model", "Sequential", origin=call, out=out, depth=hidden_sat, chain=opens, items=(seq,))


def _instance_like(receiver: ast.expr, classes: dict) -> bool:
    """A receiver cheap to evaluate that may hold an instance: a name, ``self.<name>``, or a call of a class of
    the file (``Trainer()``)."""
    if isinstance(receiver, ast.Name):
        return True
    if isinstance(receiver, ast.Attribute):
        return _is_name(receiver.value, "self")
    return isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Name) and receiver.func.id in classes


def _agreed_size(values: list, size_of: Callable[[V], Any]) -> int | None:
    """The one integer ``size_of`` gives every value (an unknown value gives none), else None."""
    sizes = {size_of(v) if v is not None else None for v in values}
    size = sizes.pop() if len(sizes) == 1 else None
    return size if type(size) is int else None


def _rows_kept(v: V | None) -> bool:
    """A value whose rows, stacked into a batch, are still what it is: one-hot or multi-hot targets."""
    return v is not None and v.kind in ("onehot", "multihot")


def _logged(v: V | None) -> V | None:
    """``torch.log(softmax(x))``: log-probabilities, a log_softmax output."""
    if v is not None and v.kind == "act" and v.detail == "softmax":
        return replace(v, detail="log_softmax", origin=None)
    return None


def _flat_items(seq: V, call: ast.Call, deep: list, depth: int = 0) -> tuple:
    """The modules an ``nn.Sequential`` runs, one after the other: an unknown start (``open``) as one unknown
    module, and a nested ``nn.Sequential`` as its own modules (``nn.Sequential(nn.Linear(h, h), nn.Tanh())``
    blocks). A nested one that is a deep stack itself is one module, unless it is written inside ``call``
    (``nn.Sequential(nn.Sequential(...))``): ``deep`` gets those, reported as part of this one."""
    items: tuple = (None,) if seq.detail == "open" else ()
    inside: set[int] | None = None
    for v in seq.items:
        inner = v.items[0] if v is not None and v.kind == "model" and v.detail == "Sequential" and v.items else None
        if inner is not None and inner.kind == "seq" and depth < 8 and v.depth >= 4:
            inside = {id(n) for n in ast.walk(call)} if inside is None else inside
            if v.origin is None or id(v.origin) not in inside:
                inner = None
            else:
                deep.append(v.origin)
        if inner is not None and inner.kind == "seq" and depth < 8:
            items += _flat_items(inner, call, deep, depth + 1)
        else:
            items += (v,)
    return items


_LEAVES = frozenset({"ctx", "op", "ops", "type_comment", "kind", "conversion", "is_async"})
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


# what a name that also names an imported module can be rebound to and then called (see ``_qualify``)
_SHADOWING = frozenset({"model", "inst", "loss"})
_LEFT_NONE = "\0none:"  # a call site key: the parameter's ``None`` default, left out by the call
_STARRED_SITE = "\0starred"  # a call site key: a call spreading ``*args`` / ``**kwargs``
# ``nn.Module``'s own methods (``model.to(device)``, ``model.load_state_dict(sd)``): nothing of a class of the tree
_MODULE_METHODS = frozenset({
    "to", "cuda", "cpu", "parameters", "named_parameters", "state_dict", "load_state_dict",
    "zero_grad", "apply", "modules", "named_modules", "children", "named_children", "register_buffer", "half",
    "float", "double", "bfloat16", "requires_grad_", "share_memory", "add_module", "register_forward_hook",
})
_CALL_ENTRIES = frozenset({"forward", "__call__", "__init__"})  # an instance's call and construction, bound elsewhere
_SPLITS = ("chunk", "split", "tensor_split", "unbind")  # a tensor in pieces (see ``_part``)
_SEQ = "\0sequential"  # the attribute that holds what an ``nn.Sequential`` subclass's ``__init__`` passes up
_UNSET = V("unset")  # an attribute one side of an ``if`` does not set (see ``_exec_stmt``)


def _option_name(expr: ast.expr) -> str | None:
    """The name an option is read by, whatever holds it: ``args.dataset``, ``self.args.dataset``, ``dataset``."""
    if isinstance(expr, ast.Attribute):
        return expr.attr
    if isinstance(expr, ast.Name):
        return expr.id
    return None


def _condition(test: ast.expr) -> tuple | None:
    """A test on one option as (name, constants, positive): ``args.dataset == "PPI"`` is ("dataset",
    {"PPI"}, True), ``opt.loss not in ("bce", "focal")`` ("loss", {...}, False), ``if self.use_sigmoid:``
    ("use_sigmoid", None, True); None for anything else."""
    positive = True
    while isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        test, positive = test.operand, not positive
    if isinstance(test, ast.Attribute) or (isinstance(test, ast.Name) and test.id not in ("True", "False")):
        name = _option_name(test)
        return (name, None, positive) if name is not None else None
    if not isinstance(test, ast.Compare) or len(test.ops) != 1:
        return None
    name, op, right = _option_name(test.left), test.ops[0], test.comparators[0]
    if name is None:
        return None
    if isinstance(op, (ast.Eq, ast.NotEq)) and isinstance(right, ast.Constant) and isinstance(right.value, (str, int)):
        return (name, frozenset([right.value]), isinstance(op, ast.Eq))
    if isinstance(op, (ast.In, ast.NotIn)) and isinstance(right, (ast.Tuple, ast.List, ast.Set)):
        values = [e.value for e in right.elts if isinstance(e, ast.Constant) and isinstance(e.value, (str, int))]
        if values and len(values) == len(right.elts):
            return (name, frozenset(values), isinstance(op, ast.In))
    return None


def _implies(fact: tuple, holds: bool, cond: tuple) -> bool | None:
    """Whether ``cond`` is true where test ``fact`` is ``holds`` (both on the same option; None: not known)."""
    name, values, positive = fact
    if name != cond[0] or (values is None) != (cond[1] is None):
        return None
    inside = positive == holds  # the option's value is in ``values`` (or truthy)
    if values is None:
        return inside == cond[2]
    if inside and values <= cond[1]:
        member = True
    elif (inside and not values & cond[1]) or (not inside and cond[1] <= values):
        member = False
    else:
        return None
    return member == cond[2]


def _dataclass_fields(cdef: ast.ClassDef) -> V | None:
    """A ``@dataclass``'s fields in order (``loss_function: Callable = None``): its generated ``__init__`` stores
    each parameter under the field's name."""
    def named(d: ast.expr) -> bool:
        d = d.func if isinstance(d, ast.Call) else d
        return (isinstance(d, ast.Name) and d.id == "dataclass") or (isinstance(d, ast.Attribute) and d.attr == "dataclass")

    if not any(named(d) for d in cdef.decorator_list):
        return None
    fields = [
        s.target.id for s in cdef.body
        if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name) and not _code(s.annotation).startswith(("ClassVar", "typing.ClassVar"))
    ]
    return _dict_of([(f, V("str", f"{i}:{f}")) for i, f in enumerate(fields[:32])]) if fields else None


_SELF_RETURNING = frozenset({"to", "cuda", "cpu", "float", "double", "half", "bfloat16", "train", "eval"})


def init_stores(cdef: ast.ClassDef) -> V | None:
    """The attributes a class's own ``__init__`` sets to one of its parameters as passed (``self.D = D``), for
    the subclasses in other files: a dict of attribute -> ``"index:parameter"`` (a keyword-only parameter's index
    lies past every positional one)."""
    init = next((s for s in cdef.body if isinstance(s, _FUNCS) and s.name == "__init__"), None)
    if init is None:
        return _dataclass_fields(cdef)
    p = init.args
    positional = [a.arg for a in (*p.posonlyargs, *p.args)][1:]
    params = {n: f"{i}:{n}" for i, n in enumerate(positional)}
    params.update((a.arg, f"{len(positional) + 255}:{a.arg}") for a in p.kwonlyargs)
    rebound = {n.id for n in ast.walk(init) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    pairs = []
    for stmt in init.body:
        value = stmt.value if isinstance(stmt, ast.Assign) else None
        while (  # ``self.model = model.to(self.device)``: the module itself (``to`` / ``cuda`` ... return it)
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Attribute)
            and value.func.attr in _SELF_RETURNING
            and isinstance(value.func.value, (ast.Name, ast.Call))
        ):
            value = value.func.value
        if (
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Attribute)
            and _is_name(stmt.targets[0].value, "self")
            and isinstance(value, ast.Name)
            and value.id in params
            and value.id not in rebound
        ):
            pairs.append((stmt.targets[0].attr, V("str", params[value.id])))
    return _dict_of(pairs[:32]) if pairs else None


_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)


def _comprehensions_of(expr: ast.AST) -> dict[int, ast.AST]:
    """The innermost comprehension around each call and comparison inside ``expr`` (by id); empty when the
    expression holds no comprehension."""
    found: dict[int, ast.AST] = {}
    stack: list[tuple[ast.AST, ast.AST | None]] = [(expr, None)]
    while stack:
        node, comp = stack.pop()
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, _COMPREHENSIONS):
            for gen in node.generators:  # the first iterable is evaluated outside; later ones inside
                stack.append((gen.iter, comp if gen is node.generators[0] else node))
                stack.extend((c, node) for c in gen.ifs)
            for part in ("elt", "key", "value"):
                child = getattr(node, part, None)
                if child is not None:
                    stack.append((child, node))
            continue
        if comp is not None and isinstance(node, (ast.Call, ast.Compare)):
            found[id(node)] = comp
        stack.extend((c, comp) for c in ast.iter_child_nodes(node) if isinstance(c, ast.expr))
    return found


def _calls_and_comparisons(expr: ast.AST, comp_seen: list | None = None) -> list[ast.AST]:
    """The calls and comparisons inside an expression (itself included; not inside a lambda), depth first,
    later children first. Children come from a per-class list of the fields that can hold expressions.
    ``comp_seen`` gets an entry when the expression holds a comprehension."""
    found: list[ast.AST] = []
    stack: list[ast.AST] = [expr]
    while stack:
        node = stack.pop()
        cls = type(node)
        if cls is ast.Lambda:
            continue
        if comp_seen is not None and not comp_seen and cls in _COMPREHENSIONS:
            comp_seen.append(node)
        if cls is ast.Call or cls is ast.Compare:
            found.append(node)
        fields = _CHILD_FIELDS.get(cls)
        if fields is None:
            fields = _CHILD_FIELDS[cls] = tuple(f for f in cls._fields if f not in _LEAVES)
        for name in fields:
            value = getattr(node, name, None)
            if isinstance(value, ast.AST):
                stack.append(value)
            elif isinstance(value, list):
                stack.extend(v for v in value if isinstance(v, ast.AST))
    return found


_PARSERS = frozenset({"argparse", "configargparse"})


def _lookup(held: V | None, key: str) -> V | None:
    """The value a dict literal (or the parsed options) holds under a key."""
    if held is None or held.kind not in ("dict", "args") or not held.items:
        return None
    if held.filled:  # a dict of one activation's outputs, whatever the keys (``outputs[head] = softmax(..)``)
        return held.items[0]
    keys = held.detail.split("\0")
    return held.items[keys.index(key)] if key in keys else None


def _heads(held: V, where: str) -> V | None:
    """A dict a model returns, with only its activation and logits values (marked as coming out of ``where``);
    None when it has none."""
    if held.filled:
        return replace(held, items=(replace(held.items[0], where=where),))
    pairs = [(k, replace(v, where=where) if v is not None and v.kind in ("act", "logits") else None)
             for k, v in _dict_pairs(held)]
    return _dict_of(pairs) if any(v is not None for _, v in pairs) else None


def _dict_of(pairs: list[tuple[str, V | None]]) -> V:
    return V("dict", "\0".join(k for k, _ in pairs), items=tuple(v for _, v in pairs))


def _agreed_entry(values: list[V | None]) -> V | None:
    """The model, loss or nested dict every entry of a container agrees on (see ``FileAnalysis._collection``)."""
    if not values or len(values) > 64:
        return None
    agreed = reduce(join, values)
    return agreed if agreed is not None and agreed.kind in ("model", "loss", "inst", "dict", "act") else None


def _dict_pairs(held: V) -> list[tuple[str, V | None]]:
    return list(zip(held.detail.split("\0"), held.items)) if held.items else []


def _with_key(held: V, key: str, value: V | None) -> V | None:
    """A dict after ``held[key] = value`` (None past 16 keys or for a key with a NUL)."""
    pairs = [(k, v) for k, v in _dict_pairs(held) if k != key]
    if "\0" in key or len(pairs) >= 16:
        return None
    return _dict_of([*pairs, (key, value)])


def _dict_join(a: V, b: V) -> V:
    """The keys both paths set, each with the value both agree on (a key set on one path only is unknown)."""
    theirs = dict(_dict_pairs(b))
    return _dict_of([(k, join(v, theirs[k])) for k, v in _dict_pairs(a) if k in theirs])


def _options(module: ast.Module) -> dict[str, V]:
    """The defaults of the command-line options the module declares: strings (``parser.add_argument("--loss",
    default="bce")`` -> ``{"loss": V("str", "bce")}``), bool and number literals, and a flag's implied default
    (``action="store_true"`` -> ``False``); an option declared twice with different defaults is left out."""
    found: dict[str, V | None] = {}
    stack: list[ast.stmt] = list(module.body)
    calls: list[ast.Call] = []
    while stack:  # statements only: ``parser.add_argument(...)`` is a statement of its own, at any depth
        stmt = stack.pop()
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            func = stmt.value.func
            if isinstance(func, ast.Attribute) and func.attr == "add_argument":
                calls.append(stmt.value)
        elif not isinstance(stmt, ast.ClassDef):
            for name in ("body", "orelse", "finalbody"):
                stack.extend(getattr(stmt, name, ()) or ())
            for h in getattr(stmt, "handlers", ()):
                stack.extend(h.body)
    for node in reversed(calls):
        flags = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        kw = {k.arg: k.value for k in node.keywords if k.arg}
        default = kw.get("default")
        dest = kw.get("dest")
        if isinstance(dest, ast.Constant) and isinstance(dest.value, str):
            name = dest.value
        else:
            longs = [f for f in flags if f.startswith("--")]
            name = (longs or flags or [""])[0].lstrip("-").replace("-", "_")
        if not name.isidentifier() or "\0" in name:
            continue
        value: V | None = None
        if isinstance(default, ast.Constant) and isinstance(default.value, str):
            if len(default.value) <= 64 and "\0" not in default.value:
                value = V("str", default.value)
        elif default is not None:
            value = _literal_constant(default)
        else:
            action = kw.get("action")
            if isinstance(action, ast.Constant) and action.value in ("store_true", "store_false"):
                value = V("const", repr(action.value == "store_false"))
        found[name] = value if found.get(name, value) == value else None
    return {k: v for k, v in found.items() if v is not None}


def _indicator_rows(expr: ast.expr | None) -> str | None:
    """'onehot' for a literal list of rows of 0/1 with exactly one 1 each, 'multihot' when some row has
    several; None for anything else (a single row, other numbers, a computed value)."""
    if not isinstance(expr, (ast.List, ast.Tuple)) or not expr.elts:
        return None
    ones_per_row = []
    for row in expr.elts:
        if not isinstance(row, (ast.List, ast.Tuple)) or len(row.elts) < 2:
            return None
        values = [_float(e) for e in row.elts]
        if any(v not in (0.0, 1.0) for v in values):
            return None
        ones_per_row.append(sum(1 for v in values if v == 1.0))
    if any(n == 0 for n in ones_per_row):
        return None
    return "onehot" if all(n == 1 for n in ones_per_row) else "multihot"


_GUARD = "\0guard "  # env key: the choices a name holds on each path (see ``_guards``)


def _guards(paths: list[tuple[tuple, dict]]) -> dict[str, V]:
    """Paths that meet after an ``if`` or a ``match`` on one option, each with what its test says: for a name the
    paths bind to values that do not join (``if task == "B": loss = nn.BCELoss() else: loss = nn.MSELoss()``),
    the choices with the tests each was made under, kept in the environment beside it so that a later test on the
    same option picks them again (``if task == "B": loss(model(x), y)``: ``_refine``). A path's own choices
    (an ``elif``) take its test too."""
    if len(paths) < 2:
        return {}
    names = {k for _, e in paths for k in e if not k.startswith(_GUARD)}
    out: dict[str, V] = {}
    for k in names:
        bound = [(f, e) for f, e in paths if k in e]  # where a path leaves it unbound, using it raises there
        values = [e[k] for _, e in bound]
        if len(bound) < 2 or all(v is None for v in values) or all(v == values[0] for v in values):
            continue
        options = []
        for facts, e in bound:
            held = e.get(_GUARD + k)
            if held is not None:
                options.extend((facts + f, v) for f, v in held.items)
            else:
                options.append((facts, e[k]))
        if len(options) <= 16:
            out[_GUARD + k] = V("guard", items=tuple(options))
    return out


def _refine(env: dict, cond: tuple, holds: bool) -> None:
    """On the side of a test where ``cond`` is ``holds``: a name whose choices (``_guards``) made under tests
    that say this side is taken agree is that choice (a choice made under a test saying nothing about ``cond``
    does not hold it back: a ``case _:`` beside ``case "B1" | "B2":``); choices this side excludes are dropped."""
    for key in [k for k in env if k.startswith(_GUARD)]:
        kept, taken = [], []
        for facts, v in env[key].items:
            verdicts = [_implies(f, h, cond) for f, h in facts]
            if any(t is not None and t != holds for t in verdicts):
                continue
            kept.append((facts, v))
            if holds in verdicts:
                taken.append((facts, v))
        value = reduce(join, [v for _, v in taken]) if taken else None
        if value is not None:  # from here on the name is that choice: the others are no longer followed
            env[key[len(_GUARD):]] = value
            kept = taken
        env[key] = V("guard", items=tuple(kept))


def _case_strings(case) -> frozenset | None:  # noqa: ANN001
    """The strings a ``case`` takes (``case "a" | "b":``), None for any other pattern or a guard."""
    if case.guard is not None:
        return None
    pats = case.pattern.patterns if isinstance(case.pattern, ast.MatchOr) else [case.pattern]
    found = set()
    for p_ in pats:
        if not (isinstance(p_, ast.MatchValue) and isinstance(p_.value, ast.Constant) and type(p_.value.value) is str):
            return None
        found.add(p_.value.value)
    return frozenset(found)


_RESHAPES = frozenset({"view", "reshape", "flatten", "squeeze", "unsqueeze", "permute", "transpose", "contiguous", "view_as"})


def _reshapes_only(fwd: ast.AST | None) -> bool:
    """A ``forward(self, x)`` that only returns its input reshaped (``return x.view(x.size(0), -1)``,
    ``torch.flatten(x, 1)``): a flatten module, through which a layer stack goes on."""
    if not isinstance(fwd, _FUNCS):
        return False
    params = _param_names(fwd)
    body = [st for st in fwd.body if not (isinstance(st, ast.Expr) and isinstance(st.value, ast.Constant))]
    if len(params) != 2 or len(body) != 1 or not isinstance(body[0], ast.Return) or body[0].value is None:
        return False
    expr = body[0].value
    while isinstance(expr, ast.Call):
        f = expr.func
        if isinstance(f, ast.Attribute) and f.attr in _RESHAPES and not _is_name(f.value, "torch"):
            expr = f.value
        elif isinstance(f, ast.Attribute) and f.attr in ("flatten", "reshape", "squeeze") and _is_name(f.value, "torch") and expr.args:
            expr = expr.args[0]
        else:
            return False
    return _is_name(expr, params[1])


def module_level(body: list[ast.stmt]):  # noqa: ANN201
    """The statements run at module level: the module's own and those inside its ``if`` / ``try`` blocks (an
    import under ``if args.arch == "my":``), not those of functions or classes."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, ast.If):
            yield from module_level(stmt.body)
            yield from module_level(stmt.orelse)
        elif isinstance(stmt, _TRY):
            yield from module_level(stmt.body)
            for h in stmt.handlers:
                yield from module_level(h.body)
            yield from module_level(stmt.orelse)
            yield from module_level(stmt.finalbody)


def _node_cached(store: dict, node: ast.AST, limit: int, build: Callable[[Any], Any]) -> Any:
    """``build(node)``, kept per node in ``store`` (by id, with the node, so that a new node at a freed address is not
    taken for it); ``store`` is emptied at ``limit`` entries, since a cached node keeps its tree alive."""
    hit = store.get(id(node))
    if hit is not None and hit[0] is node:
        return hit[1]
    value = build(node)
    if len(store) >= limit:
        store.clear()
    store[id(node)] = (node, value)
    return value


_COMPARED: dict[int, tuple[ast.AST, dict[str, frozenset]]] = {}


def _compared_strings(scope: ast.AST) -> dict[str, frozenset]:
    """The strings each option is tested against in ``scope`` (``task == "B"``, ``case "B":`` of ``match task``)."""
    return _node_cached(_COMPARED, scope, 4, _build_compared)


def _build_compared(scope: ast.AST) -> dict[str, frozenset]:
    found: dict[str, set] = {}
    for node in ast.walk(scope):
        if isinstance(node, ast.Compare):
            cond = _condition(node)
            if cond is not None and cond[1] is not None:
                found.setdefault(cond[0], set()).update(v for v in cond[1] if isinstance(v, str))
        elif _MATCH and isinstance(node, _MATCH):
            name = _option_name(node.subject)
            if name is not None:
                for case in node.cases:
                    strings = _case_strings(case)
                    if strings:
                        found.setdefault(name, set()).update(strings)
    return {k: frozenset(v) for k, v in found.items()}


def _last_dim_span(index: ast.expr) -> tuple[int, int | None] | None:
    """The channels ``[..., 4]`` (4, 5), ``[..., 2:4]`` (2, 4), ``[..., 5:]`` (5, None) take from the last dimension;
    None for any other index (a step, a name, a negative bound)."""
    if not (isinstance(index, ast.Tuple) and len(index.elts) == 2):
        return None
    first, last = index.elts
    if not (isinstance(first, ast.Constant) and first.value is Ellipsis):
        return None
    if isinstance(last, ast.Constant) and type(last.value) is int and last.value >= 0:
        return (last.value, last.value + 1)
    if isinstance(last, ast.Slice) and last.step is None:
        bounds = []
        for b in (last.lower, last.upper):
            if b is None:
                bounds.append(None)
            elif isinstance(b, ast.Constant) and type(b.value) is int and b.value >= 0:
                bounds.append(b.value)
            else:
                return None
        lo, hi = bounds
        lo = lo or 0
        return (lo, hi) if hi is None or hi > lo else None
    return None


_ASSIGNED: dict[int, tuple[ast.AST, dict[str, ast.expr]]] = {}
_BUILDS_ONLY: dict[int, tuple[ast.AST, bool]] = {}


def _none_tested(module: ast.Module) -> frozenset:
    """The names the module tests for ``None`` or falsity (``x is None``, ``x is not None``, ``x or default``,
    ``if not x:``, ``if x:``): the parameters whose ``None`` default is worth binding (a ``None`` passed on to
    another function would only cost the analysis another round). Found by ``_name_uses``'s walk."""
    return _node_cached(_NAME_USES, module, 4, _build_name_uses)[1]


def _none_test(node: ast.AST) -> str | None:
    """The name a node tests for ``None`` or falsity, if it is such a test (see ``_none_tested``)."""
    if isinstance(node, ast.Compare):
        if isinstance(node.left, ast.Name) and len(node.comparators) == 1 and _is_none(node.comparators[0]):
            return node.left.id if isinstance(node.ops[0], (ast.Is, ast.IsNot, ast.Eq, ast.NotEq)) else None
    elif isinstance(node, ast.BoolOp):
        return node.values[0].id if isinstance(node.values[0], ast.Name) else None
    elif isinstance(node, (ast.If, ast.IfExp, ast.While)):
        test = node.test.operand if isinstance(node.test, ast.UnaryOp) and isinstance(node.test.op, ast.Not) else node.test
        return test.id if isinstance(test, ast.Name) else None
    return None


def _single_assignments(fn: ast.AST) -> dict[str, ast.expr]:
    """The local names ``fn`` assigns exactly once (``name = expr``), each with its expression."""
    return _node_cached(_ASSIGNED, fn, 512, _build_single_assignments)


def _build_single_assignments(fn: ast.AST) -> dict[str, ast.expr]:
    stores: dict[str, int] = {}
    values: dict[str, ast.expr] = {}
    for node in ast.walk(fn):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            stores[node.id] = stores.get(node.id, 0) + 1
        elif isinstance(node, ast.Assign):
            values.update((t.id, node.value) for t in node.targets if isinstance(t, ast.Name))
    return {k: v for k, v in values.items() if stores.get(k) == 1}


def _int_index(expr: ast.Subscript) -> int | None:
    v = expr.slice
    if isinstance(v, ast.Constant) and type(v.value) is int:
        return v.value
    if (
        isinstance(v, ast.UnaryOp)
        and isinstance(v.op, ast.USub)
        and isinstance(v.operand, ast.Constant)
        and type(v.operand.value) is int
    ):
        return -v.operand.value
    return None


_TRY = (ast.Try, ast.TryStar) if hasattr(ast, "TryStar") else (ast.Try,)


def _is_main_guard(test: ast.expr) -> bool:
    """``__name__ == "__main__"`` (either way round, or ``!=``)."""
    if not isinstance(test, ast.Compare) or len(test.ops) != 1 or not isinstance(test.ops[0], (ast.Eq, ast.NotEq)):
        return False
    sides = (test.left, test.comparators[0])
    return any(_is_name(a, "__name__") for a in sides) and any(
        isinstance(b, ast.Constant) and b.value == "__main__" for b in sides
    )


def _blocks(stmt: ast.stmt) -> list[list[ast.stmt]]:
    """The statement lists inside a module-level ``if`` / ``try`` / ``with``."""
    if isinstance(stmt, ast.If):
        return [stmt.body, stmt.orelse]
    if isinstance(stmt, _TRY):
        return [stmt.body, *(h.body for h in stmt.handlers), stmt.orelse, stmt.finalbody]
    if isinstance(stmt, (ast.With, ast.AsyncWith)):
        return [stmt.body]
    return []


_BUILTINS = frozenset(dir(builtins))


def _free_names(module: ast.Module) -> set[str] | None:
    """The names a module reads but binds nowhere (not a builtin); None when it star-imports a module."""
    bound: set[str] = set()
    read: set[str] = set()
    for n in ast.walk(module):
        if isinstance(n, ast.Name):
            (read if isinstance(n.ctx, ast.Load) else bound).add(n.id)
        elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(n.name)
        elif isinstance(n, ast.arg):
            bound.add(n.arg)
        elif isinstance(n, ast.alias):
            if n.name == "*":
                return None
            bound.add((n.asname or n.name).split(".", 1)[0])
        elif isinstance(n, (ast.Global, ast.Nonlocal)):
            bound.update(n.names)
        elif isinstance(n, ast.ExceptHandler) and n.name:
            bound.add(n.name)
        elif isinstance(n, (ast.MatchAs, ast.MatchStar)) and n.name:
            bound.add(n.name)
    return read - bound - _BUILTINS


def _guarded_defs(body: list[ast.stmt]) -> dict[str, list[ast.stmt]]:
    """Name -> the class and function definitions of that name inside the module's ``if`` / ``try`` / ``with``
    blocks (nested such blocks included, not inside functions or classes)."""
    found: dict[str, list[ast.stmt]] = {}
    pending = [b for s in body for b in _blocks(s)]
    while pending:
        for stmt in pending.pop():
            if isinstance(stmt, (ast.ClassDef, *_FUNCS)):
                found.setdefault(stmt.name, []).append(stmt)
            else:
                pending.extend(_blocks(stmt))
    return found


def _main_guard_names(module: ast.Module) -> set[str]:
    """Names bound inside the module's ``if __name__ == "__main__":`` blocks (absent when it is imported)."""
    names: set[str] = set()
    for stmt in module.body:
        if isinstance(stmt, ast.If) and _is_main_guard(stmt.test):
            pending: list[ast.AST] = list(stmt.body if isinstance(stmt.test.ops[0], ast.Eq) else stmt.orelse)
            while pending:
                node = pending.pop()
                if isinstance(node, (ast.ClassDef, *_FUNCS)):  # not the names bound inside them
                    names.add(node.name)
                    continue
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                    names.add(node.id)
                pending.extend(ast.iter_child_nodes(node))
    return names
_MATCH = (ast.Match,) if hasattr(ast, "Match") else ()


def _case_matches(case, subject: str | None) -> bool | None:  # noqa: ANN001
    """Whether a ``case`` of a ``match`` on the string ``subject`` is taken: string literals, ``|`` of them, a
    capture or ``_``; None when it cannot be told (a guard, any other pattern). ``subject`` None: whether the
    case takes every value."""
    if case.guard is not None:
        return None
    return _pattern_matches(case.pattern, subject)


def _pattern_matches(pattern, subject: str | None) -> bool | None:  # noqa: ANN001
    if isinstance(pattern, ast.MatchAs):
        return True if pattern.pattern is None else _pattern_matches(pattern.pattern, subject)
    if subject is None:
        return False
    if isinstance(pattern, ast.MatchValue):
        v = pattern.value
        return v.value == subject if isinstance(v, ast.Constant) and isinstance(v.value, str) else None
    if isinstance(pattern, ast.MatchOr):
        hits = [_pattern_matches(p, subject) for p in pattern.patterns]
        return True if True in hits else (None if None in hits else False)
    return None


def _captures(pattern) -> list[str]:  # noqa: ANN001
    """The names a pattern binds (``case x:``, ``case "a" | "b" as name:``, any nested capture)."""
    return [n.name for n in ast.walk(pattern) if isinstance(n, (ast.MatchAs, ast.MatchStar)) and n.name]
_SELF_SETS: dict[int, tuple[ast.AST, dict[str, bool]]] = {}


def _self_assignments(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, bool]:
    """The attributes a method assigns (``self.x = ...``, in its statements at any depth, not in nested
    functions), each with whether one of those assignments is a ``None`` placeholder. Cached per node."""
    return _node_cached(_SELF_SETS, fn, 512, _build_self_assignments)


def _build_self_assignments(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, bool]:
    found: dict[str, bool] = {}
    stack: list[ast.stmt] = list(fn.body)
    while stack:
        stmt = stack.pop()
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            none = isinstance(stmt.value, ast.Constant) and stmt.value.value is None
            targets = list(stmt.targets if isinstance(stmt, ast.Assign) else (stmt.target,))
            while targets:  # ``self.pred_real, self.feat_real = self.netd(x)``: each element
                t = _unstar(targets.pop())
                if isinstance(t, (ast.Tuple, ast.List)):
                    targets.extend(t.elts)
                elif isinstance(t, ast.Attribute) and _is_name(t.value, "self"):
                    found[t.attr] = found.get(t.attr, False) or none
        elif not isinstance(stmt, (*_FUNCS, ast.ClassDef)):
            for name in ("body", "orelse", "finalbody"):
                stack.extend(getattr(stmt, name, ()) or ())
            for h in getattr(stmt, "handlers", ()):
                stack.extend(h.body)
    return found


_TYPE_TESTS = frozenset({"super", "isinstance", "issubclass", "type"})


_GLOBALS_READ: dict[int, tuple[ast.AST, frozenset[str]]] = {}
_REBOUND_AT_TOP: dict[int, tuple[ast.AST, frozenset[str]]] = {}


def _rebound_at_top(module: ast.Module) -> frozenset[str]:
    """The names the module's own statements (outside functions and classes) bind more than once: the only
    globals whose value at a call can differ from their last one."""
    found = _REBOUND_AT_TOP.get(id(module))
    if found is not None and found[0] is module:
        return found[1]
    counts: dict[str, int] = {}
    stack: list[ast.AST] = list(module.body)
    while stack:
        node = stack.pop()
        names: list[str] = []
        if isinstance(node, (*_FUNCS, ast.ClassDef)):
            names = [node.name]  # binds its name; its body is its own scope
        elif isinstance(node, ast.alias):
            names = [(node.asname or node.name).split(".")[0]]  # ``import model`` then ``model = model.Net()``
        elif isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            names = [node.id]
        for n in names:
            counts[n] = counts.get(n, 0) + 1
        if not isinstance(node, (*_FUNCS, ast.ClassDef, ast.Lambda)):
            stack.extend(ast.iter_child_nodes(node))
    names = frozenset(n for n, c in counts.items() if c > 1)
    if len(_REBOUND_AT_TOP) > 64:
        _REBOUND_AT_TOP.clear()
    _REBOUND_AT_TOP[id(module)] = (module, names)
    return names


def _globals_read(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> frozenset[str]:
    """The names a function reads and never binds itself (nor takes as parameters): the globals it reads."""
    found = _GLOBALS_READ.get(id(fn))
    if found is not None and found[0] is fn:
        return found[1]
    loads: set[str] = set()
    stores = set(_param_names(fn))
    for node in ast.walk(fn):
        if isinstance(node, ast.Name):
            (loads if isinstance(node.ctx, ast.Load) else stores).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node is not fn:
            stores.add(node.name)
        elif isinstance(node, ast.Global):
            stores.update(node.names)  # rebound inside: its value at the call does not last
    names = frozenset(loads - stores)
    if len(_GLOBALS_READ) > 4096:
        _GLOBALS_READ.clear()
    _GLOBALS_READ[id(fn)] = (fn, names)
    return names


_NAME_USES: dict[int, tuple[ast.AST, tuple[dict[str, tuple[list[ast.Call], int, int]], frozenset]]] = {}


def _name_uses(module: ast.Module) -> dict[str, tuple[list[ast.Call], int, int]]:
    """One walk of a module, for every name: the calls of it (``Net(..)``, ``models.Net(..)``), how many type
    tests name it (``super(Net, self)``, ``isinstance(m, Net)``) and how many times it occurs (as a name or an
    attribute). Cached per module: every class with constant ``__init__`` defaults asks (``_passed_names``)."""
    # a file's analysis asks about its own module: the trees of a few files only
    return _node_cached(_NAME_USES, module, 4, _build_name_uses)[0]


def _build_name_uses(module: ast.Module) -> tuple[dict[str, tuple[list[ast.Call], int, int]], frozenset]:
    calls: dict[str, list[ast.Call]] = {}
    tests: dict[str, int] = {}
    names: dict[str, int] = {}
    none_tested: set[str] = set()
    for node in ast.walk(module):
        if isinstance(node, ast.Name):
            names[node.id] = names.get(node.id, 0) + 1
        elif isinstance(node, ast.Attribute):
            names[node.attr] = names.get(node.attr, 0) + 1
        elif isinstance(node, (ast.Compare, ast.BoolOp, ast.If, ast.IfExp, ast.While)):
            tested = _none_test(node)
            if tested is not None:
                none_tested.add(tested)
        elif isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Name):
                calls.setdefault(f.id, []).append(node)
                if f.id in _TYPE_TESTS:
                    for a in node.args:
                        if isinstance(a, ast.Name):
                            tests[a.id] = tests.get(a.id, 0) + 1
            elif isinstance(f, ast.Attribute):
                calls.setdefault(f.attr, []).append(node)
    return {n: (calls.get(n, []), tests.get(n, 0), c) for n, c in names.items()}, frozenset(none_tested)


def _passed_names(module: ast.Module, cname: str, init, sites_in) -> set[str] | None:  # noqa: ANN001
    """The ``__init__`` parameters that some construction of ``cname`` passes (``Net(8, loss="mse")``, in this
    module or, ``sites_in``, from other files); None when the class's name is used otherwise than called or
    behind ``*args`` / ``**kw``, so that what is passed cannot be told."""
    params = [a.arg for a in (*init.args.posonlyargs, *init.args.args)][1:] if init is not None else []
    passed: set[str] = set()
    sites, tests, names = _name_uses(module).get(cname, ([], 0, 0))
    for node in sites:
        pos, kw, starred = _args(node)
        if starred:
            return None
        passed.update(params[: len(pos)])
        passed.update(kw)
    if cname in _TYPE_TESTS:  # a class named like a type test: its calls are constructions, not tests
        tests = 0
    if names > len(sites) + tests:  # the class as a value: ``partial(Net, ...)``, ``models = {"net": Net}``
        return None
    for pos, kw in sites_in:
        passed.update(params[: len(pos)])
        passed.update(kw)
    return passed


_BUILDING = (ast.Assign, ast.AugAssign, ast.Expr, ast.If, ast.Pass)


def _only_builds(body: list[ast.stmt]) -> bool:
    """Statements that build values and cannot leave the loop early (no return, break, yield, nested loop)."""
    for stmt in body:
        if not isinstance(stmt, _BUILDING):
            return False
        if isinstance(stmt, ast.If) and not (_only_builds(stmt.body) and _only_builds(stmt.orelse)):
            return False
        if any(isinstance(n, (ast.Yield, ast.YieldFrom, ast.Await, ast.Lambda)) for n in ast.walk(stmt)):
            return False
    return len(body) <= 16


def _assigned_in(fn: ast.AST, name: str) -> bool:
    """``name`` is (re)bound somewhere inside the function (not only a parameter)."""
    for n in ast.walk(fn):
        if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Store):
            return True
    return False


def _unstar(node: ast.expr) -> ast.expr:
    return node.value if isinstance(node, ast.Starred) else node


def _name_like(expr: ast.AST | None) -> bool:
    """A bare name, or one of the constants libcst spells as a name (``None``, ``True``, ``False``)."""
    return isinstance(expr, ast.Name) or (
        isinstance(expr, ast.Constant) and (expr.value is None or type(expr.value) is bool)
    )


def _not_none(expr) -> bool:  # noqa: ANN001
    return expr is not None and not (isinstance(expr, ast.Constant) and expr.value is None)


def _code(node: ast.AST) -> str:
    """``model`` / ``self.model``: the dotted name of a callee (cheap; no code generation)."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return "<expr>"
