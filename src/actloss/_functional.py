"""The functional API, generated from the registry: ``actloss.<op>(input, **params)``."""
from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from actloss import _dispatch, _docs
from actloss._registry import OpSpec


def make_function(spec: OpSpec) -> Callable[..., Any]:
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
