"""Rewrites shared by the fixable rules: drop an activation call, rename a loss to its logits form.

The rules run on CPython's ``ast``; an ``Edit`` names the ``ast`` node to rewrite and how. ``--fix``
(``actloss.lint._fix``) finds the same node in libcst's tree by its position and rewrites it there, keeping
formatting and comments.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

from actloss.lint import _names as N
from actloss.lint._flow import V


@dataclass(frozen=True)
class Edit:
    """Replace ``node`` by its sub-expression ``by`` (drop an activation call), or rename the attribute
    ``node`` (an ``ast.Attribute``) to ``attr`` (``nn.BCELoss`` -> ``nn.BCEWithLogitsLoss``)."""

    node: ast.expr
    by: ast.expr | None = None
    attr: str = ""


Edits = dict[int, Edit]


def reaches(expr: ast.expr | None, target: ast.AST | None) -> bool:
    """True when ``target`` is ``expr`` itself or sits under it behind shape-only methods / indexing
    (``torch.sigmoid(z).squeeze(1)``): dropping it then changes nothing but the activation."""
    while expr is not None and target is not None:
        if expr is target:
            return True
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute):
            if expr.func.attr in N.TRANSPARENT_METHODS:
                expr = expr.func.value
                continue
            return False
        if isinstance(expr, ast.Subscript):
            expr = expr.value
            continue
        return False
    return False


def drop_activation(call: ast.AST | None, imports: N.ImportTable) -> Edits | None:
    """``torch.sigmoid(z)`` / ``F.softmax(z, 1)`` / ``z.softmax(1)`` / ``self.act(z)`` -> ``z``."""
    if not isinstance(call, ast.Call):
        return None
    inner: ast.expr | None = None
    if isinstance(call.func, ast.Attribute) and call.func.attr in N.ACT_METHODS:
        receiver = call.func.value
        # a tensor method (``z.sigmoid()``): the receiver is the input, unless it is an imported module path
        # (``torch.sigmoid(z)``, ``F.softmax(z, 1)``) or ``self`` (``self.softmax(z)``, a module attribute)
        is_self = isinstance(receiver, ast.Name) and receiver.id == "self"
        if not is_self and imports.qualify(receiver) is None:
            inner = receiver
    if inner is None:
        positional = [a for a in call.args if not isinstance(a, ast.Starred)]
        named = {k.arg: k.value for k in call.keywords if k.arg is not None}
        inner = positional[0] if positional else named.get("input")
    if inner is None:
        return None
    return {id(call): Edit(call, by=inner)}


def rename_callee(call: ast.AST | None, old: str, new: str) -> Edits | None:
    """``nn.BCELoss(...)`` -> ``nn.BCEWithLogitsLoss(...)`` when the callee is an attribute (``nn.X`` / ``F.x``)."""
    if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Attribute):
        return None
    if call.func.attr != old:
        return None
    return {id(call.func): Edit(call.func, attr=new)}


def loss_switch_edits(ctor: V | None, call: ast.Call) -> Edits | None:
    """Edits that turn a BCE into its logits form: the module's constructor or the functional call."""
    if ctor is None:
        return rename_callee(call, "binary_cross_entropy", "binary_cross_entropy_with_logits")
    return rename_callee(ctor.origin, "BCELoss", "BCEWithLogitsLoss")
