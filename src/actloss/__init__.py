"""actloss: activations and losses that are exact over their whole input range.

One registry defines every op once; ``actloss.<op>`` dispatches on the array type (NumPy, PyTorch, JAX).
No framework is imported eagerly: torch and jax are loaded only when their arrays are passed in, or when
``actloss.nn`` / ``actloss.jax`` are imported.
"""
from __future__ import annotations

import importlib
from typing import Any

from actloss import ops as _ops  # noqa: F401  (registers every op)
from actloss._dispatch import derivative as derivative
from actloss._dispatch import value_and_grad as value_and_grad
from actloss._native import empty_cache as empty_cache
from actloss._native import status as native_status
from actloss._functional import make_function as _make_function
from actloss._registry import REGISTRY as REGISTRY
from actloss._registry import OpSpec as OpSpec
from actloss._registry import get as get_op
from actloss._registry import ops as list_ops
from actloss._weights import class_weights as class_weights
from actloss._weights import pos_weight as pos_weight

__version__ = "0.1.0"

# actloss.<op> for every registered op (and its aliases), generated from the registry.
for _spec in list(REGISTRY.values()):
    for _name in (_spec.name, *_spec.aliases):
        globals()[_name] = _make_function(_spec)
del _spec, _name

# Public names that live in optional sub-packages, imported on first use.
_LAZY: dict[str, str] = {
    "recommend": "actloss.guide",
    "Recipe": "actloss.guide",
    "watch": "actloss.doctor",
    "check_batch": "actloss.doctor",
    "nn": "actloss.nn",
    "catalogue": "actloss.catalogue",
    "distributed": "actloss.distributed",
    "linear_cross_entropy": "actloss.torch._linear_ce",
    "linear_softmax_focal_loss": "actloss.torch._linear_ce",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'actloss' has no attribute {name!r}")
    mod = importlib.import_module(module)
    value = mod if module.endswith("." + name) else getattr(mod, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
