"""``Finding``: one diagnosis, with the catalogue's code, title and name, where it was seen, and its numbers."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from actloss.catalogue import get as _catalogue_entry

__all__ = ["Finding", "make_finding", "render_text", "render_json"]


@dataclass(frozen=True)
class Finding:
    """A mistake seen at run time.

    ``code``/``title``/``name`` come from :mod:`actloss.catalogue`; ``where`` is the module path as in
    ``model.named_modules()`` (``'encoder.layers.3.act'``), ``'loss'`` for the loss value or
    ``'criterion:<Name>'`` for the loss function's inputs; ``step`` is the 0-based training step (the number of
    ``Doctor.step`` calls before it) at which it was seen; ``evidence`` holds the numbers; ``fix`` is concrete.
    """

    code: str
    title: str
    where: str
    step: int
    evidence: dict[str, Any] = field(compare=False)
    fix: str
    name: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "title": self.title,
            "where": self.where,
            "step": self.step,
            "evidence": _jsonable(self.evidence),
            "fix": self.fix,
        }

    def __str__(self) -> str:
        ev = ", ".join(f"{k}={_fmt(v)}" for k, v in self.evidence.items())
        return (
            f"{self.code} {self.name} at {self.where or '<model>'} (step {self.step}): {self.title}\n"
            f"    evidence: {ev}\n"
            f"    fix: {self.fix}"
        )


def make_finding(code: str, where: str, step: int, evidence: dict[str, Any], fix: str) -> Finding:
    entry = _catalogue_entry(code)
    return Finding(code=entry.code, title=entry.title, where=where, step=int(step), evidence=evidence,
                   fix=fix, name=entry.name)


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.3g}"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_fmt(x) for x in v) + "]"
    return str(v)


def _jsonable(v: Any) -> Any:
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, float) and not math.isfinite(v):
        return repr(v)  # 'nan', 'inf', '-inf': JSON has no literal for them
    if hasattr(v, "item"):  # NumPy scalar
        return _jsonable(v.item())
    return v


def render_text(findings: list[Finding], steps: int) -> str:
    if not findings:
        return f"actloss doctor: no finding in {steps} step(s)."
    lines = [f"actloss doctor: {len(findings)} finding(s) in {steps} step(s)."]
    lines += [str(f) for f in findings]
    lines.append("Run `actloss explain CODE` for what each code means, why it hurts and a before/after example.")
    return "\n".join(lines)


def render_json(findings: list[Finding], steps: int) -> str:
    return json.dumps({"steps": steps, "findings": [f.to_dict() for f in findings]}, indent=2)
