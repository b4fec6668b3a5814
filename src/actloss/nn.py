"""``torch.nn.Module`` classes generated from the registry, drop-in for ``torch.nn``.

Same class names, constructor arguments (order and defaults) and ``extra_repr`` as torch where torch has the
class; the forward is actloss's exact autograd Function. Importing this module imports torch.
"""
from __future__ import annotations

import inspect
import warnings
from typing import Any

import torch

from actloss import _dispatch, _docs
from actloss._registry import OpSpec, TorchModule, ops

__all__: list[str] = []


def _implicit_softmax_dim(ndim: int) -> int:
    # torch.nn.functional._get_softmax_dim, the legacy rule for dim=None, with torch's warning
    warnings.warn(
        "Implicit dimension choice for softmax has been deprecated. Change the call to include dim=X as an argument.",
        UserWarning,
        stacklevel=3,
    )
    return 0 if ndim in (0, 1, 3) else 1


class _ActivationModule(torch.nn.Module):
    _spec: OpSpec
    _info: TorchModule

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()
        bound = self._signature.bind(*args, **kwargs)
        bound.apply_defaults()
        for name, value in bound.arguments.items():
            setattr(self, name, value)
        # validate now, not at the first forward (dim is validated against the input's rank later)
        params = {self._info.param_map[k]: v for k, v in bound.arguments.items() if k in self._info.param_map}
        params = {k: v for k, v in params.items() if not (k == "axis" and v is None)}
        self._spec.bind(params)

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        params = {self._info.param_map[k]: getattr(self, k) for k in self._info.param_map}
        if params.get("axis", 0) is None:
            params["axis"] = _implicit_softmax_dim(input.dim())
        if getattr(self, "inplace", False) and not (torch.is_grad_enabled() and input.requires_grad):
            # Overwriting the input under autograd would destroy what the exact derivative needs: there the
            # result is a new tensor (documented); outside autograd the input is overwritten as in torch.
            with torch.no_grad():
                return input.copy_(_dispatch.apply(self._spec, input, params))
        return _dispatch.apply(self._spec, input, params)

    def extra_repr(self) -> str:
        parts = []
        for name, default in self._info.args:
            value = getattr(self, name)
            if name == "inplace":
                if value:
                    parts.append("inplace=True")
                continue
            parts.append(f"{name}={value!r}" if isinstance(value, str) else f"{name}={value}")
        return ", ".join(parts)


def _make_module(spec: OpSpec) -> type[_ActivationModule]:
    info = spec.torch_module
    assert info is not None
    signature = inspect.Signature(
        [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        + [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=d) for n, d in info.args]
    )
    doc = _docs.docstring(spec)
    if info.compat_notes:
        doc += f"\n\nCompatibility: {info.compat_notes}"
    if info.in_torch:
        doc = f"Drop-in for ``torch.nn.{info.name}``: {doc}"
    def __init__(self: _ActivationModule, *args: Any, **kwargs: Any) -> None:
        _ActivationModule.__init__(self, *args, **kwargs)

    __init__.__signature__ = signature  # type: ignore[attr-defined]
    cls = type(
        info.name,
        (_ActivationModule,),
        {
            "__init__": __init__,
            "__doc__": doc,
            "__module__": __name__,
            "_spec": spec,
            "_info": info,
            "_signature": inspect.Signature(list(signature.parameters.values())[1:]),
            "__constants__": [n for n, _ in info.args],
        },
    )
    return cls


class _LossModule(torch.nn.Module):
    """Base of the generated loss modules: torch's constructor arguments, weights as buffers."""

    _spec: Any
    _info: TorchModule

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()
        bound = self._signature.bind(*args, **kwargs)
        bound.apply_defaults()
        arguments = dict(bound.arguments)
        for legacy in ("size_average", "reduce"):
            if arguments.pop(legacy, None) is not None:
                raise TypeError(
                    f"actloss.nn.{type(self).__name__}: argument '{legacy}' (deprecated in torch) is not supported; "
                    "use reduction='none' | 'mean' | 'sum'"
                )
        for name in ("weight", "pos_weight"):
            if name in arguments:
                self.register_buffer(name, arguments.pop(name))
        for name, value in arguments.items():
            setattr(self, name, value)
        self._spec.bind({self._info.param_map[k]: v for k, v in arguments.items() if k in self._info.param_map})

    def forward(self, input: Any, target: Any) -> Any:
        kwargs = {param: getattr(self, arg) for arg, param in self._info.param_map.items()}
        kwargs = {k: v for k, v in kwargs.items() if not (k in ("weight", "pos_weight") and v is None)}
        return _dispatch_loss(self._spec, input, target, kwargs)


def _dispatch_loss(spec: Any, input: Any, target: Any, kwargs: dict[str, Any]) -> Any:
    from actloss import _losses

    return _losses.apply(spec, input, target, kwargs)


def _make_loss_module(spec: Any) -> type[_LossModule]:
    info = spec.torch_module
    signature = inspect.Signature(
        [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        + [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=d) for n, d in info.args]
    )

    def __init__(self: _LossModule, *args: Any, **kwargs: Any) -> None:
        _LossModule.__init__(self, *args, **kwargs)

    __init__.__signature__ = signature  # type: ignore[attr-defined]
    doc = _docs.loss_docstring(spec)
    if info.in_torch:
        doc = f"Drop-in for ``torch.nn.{info.name}``: {doc}"
    return type(info.name, (_LossModule,), {
        "__init__": __init__, "__doc__": doc, "__module__": __name__, "_spec": spec, "_info": info,
        "_signature": inspect.Signature(list(signature.parameters.values())[1:]),
    })


for _spec in ops():
    if _spec.torch_module is not None:
        make = _make_module if _spec.kind == "activation" else _make_loss_module
        globals()[_spec.torch_module.name] = make(_spec)
        __all__.append(_spec.torch_module.name)
del _spec

from actloss.torch._linear_ce import LinearCrossEntropyLoss as LinearCrossEntropyLoss  # noqa: E402
from actloss.torch._linear_ce import LinearSoftmaxFocalLoss as LinearSoftmaxFocalLoss  # noqa: E402

__all__ += ["LinearCrossEntropyLoss", "LinearSoftmaxFocalLoss"]
