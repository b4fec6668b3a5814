"""The functional API, generated from the registry: ``actloss.<op>(input, **params)``."""
from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from actloss import _dispatch, _docs
from actloss._registry import OpSpec


def make_loss_function(spec: Any) -> Callable[..., Any]:
    from actloss import _losses

    def loss(input: Any, target: Any, /, **kwargs: Any) -> Any:
        return _losses.apply(spec, input, target, kwargs)

    loss.__name__ = loss.__qualname__ = spec.name
    loss.__module__ = "actloss"
    loss.__doc__ = _docs.loss_docstring(spec)
    parameters = [inspect.Parameter("input", inspect.Parameter.POSITIONAL_ONLY),
                  inspect.Parameter("target", inspect.Parameter.POSITIONAL_ONLY)]
    parameters += [inspect.Parameter(a, inspect.Parameter.KEYWORD_ONLY, default=None) for a in spec.arrays]
    parameters += [inspect.Parameter(p.name, inspect.Parameter.KEYWORD_ONLY, default=p.default) for p in spec.params]
    loss.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    loss.spec = spec  # type: ignore[attr-defined]
    return loss


def make_function(spec: OpSpec) -> Callable[..., Any]:
    if spec.kind == "loss":
        return make_loss_function(spec)
    def op(input: Any, /, **params: Any) -> Any:
        return _dispatch.apply(spec, input, params)

    op.__name__ = op.__qualname__ = spec.name
    op.__module__ = "actloss"
    op.__doc__ = _docs.docstring(spec)
    parameters = [inspect.Parameter("input", inspect.Parameter.POSITIONAL_ONLY)]
    parameters += [inspect.Parameter(p.name, inspect.Parameter.KEYWORD_ONLY, default=p.default) for p in spec.params]
    op.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    op.spec = spec  # type: ignore[attr-defined]
    return op
