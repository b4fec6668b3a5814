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
    return "\n".join(lines + _tail(spec))


def _tail(spec) -> list[str]:  # type: ignore[no-untyped-def]
    """Example, references and see-also: the end of every op's docstring."""
    lines: list[str] = []
    if spec.example:
        lines += ["Example:", "", "    >>> import numpy as np, actloss"]
        lines += ["    " + ln for ln in spec.example.splitlines()] + [""]
    if spec.references:
        lines += ["References:"] + [f"    {r}" for r in spec.references] + [""]
    see = [s for s in (spec.torch_functional, spec.torch_module and f"actloss.nn.{spec.torch_module.name}") if s]
    if see:
        lines += [f"See also: {', '.join(see)}"]
    return lines


def loss_docstring(spec) -> str:  # type: ignore[no-untyped-def]
    lines = [spec.summary, "", "Unreduced, per element (per sample for class-axis losses):", "", ".. math::", "",
             f"    {spec.formula}", "", ".. math::", "", f"    {spec.derivative_formula}", ""]
    if spec.kinks:
        lines += [f"At kinks: {spec.kinks}", ""]
    lines += [
        "Then reduction='none' returns those, 'sum' their sum and 'mean' their sum divided by the number of",
        "elements (samples), or, for class-index targets of a class-axis loss, by the sum of the targets' class",
        "weights over non-ignored samples (0 when there are none).",
        "",
        "Args:",
        "    input: floating NumPy array, torch.Tensor or JAX array (logits or predictions).",
    ]
    if spec.structure == "class":
        lines.append("    target: class indices (integer, the input's shape without the class axis, or ignore_index) or")
        lines.append("        class probabilities (floating, the input's shape).")
    else:
        want = {"real": "any real values", "unit": "values in [0, 1]", "count": "non-negative counts"}[spec.target]
        lines.append(f"    target: floating, exactly the input's shape (no broadcasting), {want}.")
    for a in spec.arrays:
        what = {"weight": "per-element weight broadcastable to the input" if spec.structure == "pointwise"
                else "per-class weight of shape (C,)",
                "pos_weight": "weight of positive targets, broadcastable to the input (one per class on the last axis)"}[a]
        lines.append(f"    {a}: optional {what}.")
    for p in spec.params:
        extra = f" One of {', '.join(repr(c) for c in p.choices)}." if p.choices else ""
        lines.append(f"    {p.name}: {p.doc} (default {p.default!r}).{extra}")
    lines += ["", "Returns:", "    A scalar for 'mean'/'sum', else the per-element (per-sample) losses; in the input's dtype.",
              "", "Numerics:", f"    {spec.numerics}",
              "    float16/bfloat16/float32 inputs compute in float64 (float32 on JAX without x64) and accumulate",
              "    reductions there. NaN in the input propagates; NaN in the target is an error.", ""]
    return "\n".join(lines + _tail(spec))
