"""Every registered op declares everything the rest of the package is generated from."""
from __future__ import annotations

import inspect

import numpy as np
import pytest

import actloss
from actloss import _registry

ALL = [pytest.param(s, id=s.name) for s in _registry.ops()]


@pytest.mark.parametrize("spec", ALL)
def test_op_declares_everything(spec: _registry.OpSpec) -> None:
    assert spec.summary and spec.formula and spec.derivative_formula and spec.numerics
    if spec.kind == "activation":
        assert callable(spec.forward) and callable(spec.reference) and callable(spec.reference_derivative)
        assert spec.elementwise or (callable(spec.vjp) and callable(spec.jvp))
    else:
        assert callable(spec.reference) and callable(spec.reference_grad)
        if spec.structure == "pointwise":
            assert callable(spec.loss) and callable(spec.grad)
        else:
            assert spec.structure == "class" and callable(spec.f) and callable(spec.fprime)
        assert spec.params[0].name == "reduction"
    assert spec.properties, "declare at least one property (drives the hypothesis tests)"
    assert spec.example.startswith(">>> "), "a doctest example"
    assert spec.torch_module is not None, "the actloss.nn module to generate"
    if spec.torch_module.in_torch:
        assert spec.torch_functional, "the torch equivalent"
    for p in spec.params:
        assert p.doc
        p.validate(spec.name, p.default)  # defaults pass their own validation


@pytest.mark.parametrize("spec", ALL)
def test_public_function_generated(spec: _registry.OpSpec) -> None:
    fn = getattr(actloss, spec.name)
    assert fn.spec is spec
    sig = inspect.signature(fn)
    assert list(sig.parameters)[0] == "input"
    positional = {"input", "target"} if spec.kind == "loss" else {"input"}
    arrays = {a: None for a in getattr(spec, "arrays", ())}
    assert {**arrays, **{p.name: p.default for p in spec.params}} == {
        n: p.default for n, p in sig.parameters.items() if n not in positional
    }
    assert all(sig.parameters[n].kind is inspect.Parameter.KEYWORD_ONLY for n in sig.parameters if n not in positional)
    assert spec.formula in fn.__doc__ and spec.numerics in fn.__doc__


@pytest.mark.parametrize("spec", ALL)
def test_module_generated(spec: _registry.OpSpec) -> None:
    import actloss.nn

    assert isinstance(getattr(actloss.nn, spec.torch_module.name)(), __import__("torch").nn.Module)


def test_docstring_examples_run() -> None:
    import doctest

    for spec in _registry.ops():
        fn = getattr(actloss, spec.name)
        parser = doctest.DocTestParser()
        test = parser.get_doctest(fn.__doc__, {"np": np, "actloss": actloss}, spec.name, None, 0)
        runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
        runner.run(test)
        assert runner.failures == 0, f"{spec.name}: docstring example failed"
        assert test.examples, spec.name


def test_register_rejects_incomplete_specs() -> None:
    base = _registry.get("relu")
    import dataclasses

    with pytest.raises(ValueError, match="registered twice"):
        _registry.register(base)
    with pytest.raises(ValueError, match="unknown properties"):
        _registry.register(dataclasses.replace(base, name="x1", properties=frozenset({"shiny"})))
    with pytest.raises(ValueError, match="exactly one of derivative"):
        _registry.register(dataclasses.replace(base, name="x2", derivative=None))
    assert "x1" not in _registry.REGISTRY and "x2" not in _registry.REGISTRY
