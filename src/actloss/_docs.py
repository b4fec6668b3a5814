"""Docstrings and listings generated from the registry (one template for every op)."""
from __future__ import annotations

from actloss._registry import OpSpec


def param_line(spec: OpSpec) -> str:
    return ", ".join(f"{p.name}={p.default!r}" for p in spec.params)


def docstring(spec: OpSpec) -> str:
    lines = [spec.summary, "", ".. math::", "", f"    {spec.formula}", "", ".. math::", "", f"    {spec.derivative_formula}", ""]
    if spec.kinks:
        lines += [f"At kinks: {spec.kinks}", ""]
    lines += ["Args:", "    input: a floating NumPy array, torch.Tensor or JAX array of any shape."]
    for p in spec.params:
        extra = f" One of {', '.join(repr(c) for c in p.choices)}." if p.choices else ""
        lines.append(f"    {p.name}: {p.doc} (default {p.default!r}).{extra}")
    lines += [
        "",
        "Returns:",
        "    An array of the input's type, shape and dtype.",
        "",
        "Numerics:",
        f"    {spec.numerics}",
        "    float16, bfloat16 and float32 inputs are computed in float64 (float32 on JAX without x64) and rounded",
        "    once. NaN propagates.",
        "",
    ]
    if spec.example:
        lines += ["Example:", "", "    >>> import numpy as np, actloss"]
        lines += ["    " + ln for ln in spec.example.splitlines()]
        lines.append("")
    if spec.references:
        lines += ["References:"] + [f"    {r}" for r in spec.references] + [""]
    see = [s for s in (spec.torch_functional, spec.torch_module and f"actloss.nn.{spec.torch_module.name}") if s]
    if see:
        lines += [f"See also: {', '.join(see)}"]
    return "\n".join(lines)
