"""Rewrites shared by the fixable rules: drop an activation call, rename a loss to its logits form."""
from __future__ import annotations

import libcst as cst

from actloss.lint import _names as N
from actloss.lint._flow import V

Edits = dict[int, tuple[cst.CSTNode, cst.CSTNode]]


def reaches(expr: cst.BaseExpression | None, target: cst.CSTNode | None) -> bool:
    """True when ``target`` is ``expr`` itself or sits under it behind shape-only methods / indexing
    (``torch.sigmoid(z).squeeze(1)``): dropping it then changes nothing but the activation."""
    while expr is not None and target is not None:
        if expr is target:
            return True
        if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute):
            if expr.func.attr.value in N.TRANSPARENT_METHODS:
                expr = expr.func.value
                continue
            return False
        if isinstance(expr, cst.Subscript):
            expr = expr.value
            continue
        return False
    return False


def drop_activation(call: cst.CSTNode | None, imports: N.ImportTable) -> Edits | None:
    """``torch.sigmoid(z)`` / ``F.softmax(z, 1)`` / ``z.softmax(1)`` / ``self.act(z)`` -> ``z``."""
    if not isinstance(call, cst.Call):
        return None
    inner: cst.BaseExpression | None = None
    positional = [a for a in call.args if a.keyword is None and not a.star]
    named = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
    if isinstance(call.func, cst.Attribute) and call.func.attr.value in N.ACT_METHODS:
        receiver = call.func.value
        # a tensor method (``z.sigmoid()``): the receiver is the input, unless it is an imported module path
        # (``torch.sigmoid(z)``, ``F.softmax(z, 1)``) or ``self`` (``self.softmax(z)``, a module attribute)
        is_self = isinstance(receiver, cst.Name) and receiver.value == "self"
        if not is_self and imports.qualify(receiver) is None:
            inner = receiver
    if inner is None:
        inner = positional[0].value if positional else named.get("input")
    if inner is None:
        return None
    if call.lpar and not inner.lpar:
        inner = inner.with_changes(lpar=call.lpar, rpar=call.rpar)
    return {id(call): (call, inner)}


def rename_callee(call: cst.CSTNode | None, old: str, new: str) -> Edits | None:
    """``nn.BCELoss(...)`` -> ``nn.BCEWithLogitsLoss(...)`` when the callee is an attribute (``nn.X`` / ``F.x``)."""
    if not isinstance(call, cst.Call) or not isinstance(call.func, cst.Attribute):
        return None
    if call.func.attr.value != old:
        return None
    attr = call.func
    return {id(attr): (attr, attr.with_changes(attr=cst.Name(new)))}


def loss_switch_edits(ctor: V | None, call: cst.Call) -> Edits | None:
    """Edits that turn a BCE into its logits form: the module's constructor or the functional call."""
    if ctor is None:
        return rename_callee(call, "binary_cross_entropy", "binary_cross_entropy_with_logits")
    return rename_callee(ctor.origin, "BCELoss", "BCEWithLogitsLoss")
