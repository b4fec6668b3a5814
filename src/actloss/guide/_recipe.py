"""The :class:`Recipe` the guide returns: head, loss, inference transform, reasons and runnable code."""
from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# Registry loss name -> module name in torch.nn and actloss.nn (same arguments as torch.nn).
LOSS_MODULES: dict[str, str] = {
    "mse_loss": "MSELoss",
    "l1_loss": "L1Loss",
    "huber_loss": "HuberLoss",
    "smooth_l1_loss": "SmoothL1Loss",
    "binary_cross_entropy_with_logits": "BCEWithLogitsLoss",
    "cross_entropy": "CrossEntropyLoss",
    "poisson_nll_loss": "PoissonNLLLoss",
    "sigmoid_focal_loss": "SigmoidFocalLoss",
    "softmax_focal_loss": "SoftmaxFocalLoss",
}


def jsonable(obj: Any) -> Any:
    """Convert NumPy scalars, tuples and nested containers to plain JSON types."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, float) and obj != obj:  # pragma: no cover - NaN never reaches a recipe
        return None
    return obj


@dataclass(frozen=True)
class Alternative:
    """Another choice and when to prefer it.

    kind: 'loss' (a registry loss name with kwargs), 'task' (another reading of the targets) or
    'hidden_activation'. ``data_dependent`` names loss arguments to compute from the training labels (with the
    formula) when no targets were given.
    """

    kind: str
    name: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    when: str = ""
    data_dependent: dict[str, str] = field(default_factory=dict)  # arguments to compute from your labels

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "kwargs": jsonable(self.kwargs), "when": self.when,
                "data_dependent": dict(self.data_dependent)}

    def __str__(self) -> str:
        args = ", ".join([f"{k}={_short(v)}" for k, v in self.kwargs.items()]
                         + [f"{k}=<from data>" for k in self.data_dependent])
        call = f"{self.name}({args})" if self.kind == "loss" else self.name
        return f"[{self.kind}] {call}: {self.when}"


def _short(v: Any) -> str:
    if isinstance(v, list) and len(v) > 6:
        return "[" + ", ".join(_short(x) for x in v[:6]) + f", ... ({len(v)} values)]"
    if isinstance(v, list):
        return "[" + ", ".join(_short(x) for x in v) + "]"
    if isinstance(v, float):
        return f"{v:.6g}"
    return repr(v)


@dataclass(frozen=True)
class Recipe:
    """What to put at the end of the network and what to minimise, with the reasons and runnable code.

    Attributes:
        task: 'regression' | 'bounded_regression' | 'count_regression' | 'binary' | 'multiclass' |
            'multilabel'.
        output_activation: what the output layer applies while training; 'identity' (raw logits or log-rates)
            for every task, because the recommended losses apply the link function inside, stably.
        loss: a registry name of the functional API, e.g. 'binary_cross_entropy_with_logits'.
        loss_kwargs: its arguments, e.g. ``{'pos_weight': 99.0}``; numbers and lists only.
        inference: 'sigmoid' | 'softmax' | 'exp' | 'identity': what turns outputs into predictions.
        hidden_activation: the default for hidden layers given the architecture.
        out_features: width of the output layer (None when it depends on data not given).
        module: the loss module's name in ``torch.nn`` and ``actloss.nn``.
        label_mapping: label -> class index for classification targets (None otherwise).
        target_format: dtype and shape the loss expects for its target.
        data_dependent: loss arguments to compute from the training targets (when none were given), with
            their formula.
        alternatives: other choices and when to prefer each.
        reasons: sentences with the statistics used.
        statistics: the numbers behind the reasons.
        source: 'task' (chosen by name) or 'targets' (inferred or checked against data).
        code: a runnable PyTorch snippet: head, loss (torch.nn, with the actloss.nn line), inference.

    Example:
        >>> import actloss
        >>> r = actloss.recommend("binary")
        >>> (r.output_activation, r.loss, r.inference)
        ('identity', 'binary_cross_entropy_with_logits', 'sigmoid')
    """

    task: str
    output_activation: str
    loss: str
    loss_kwargs: dict[str, Any]
    inference: str
    hidden_activation: str
    architecture: str | None
    out_features: int | None
    module: str
    label_mapping: dict[Any, int] | None
    target_format: str
    data_dependent: dict[str, str]
    alternatives: tuple[Alternative, ...]
    reasons: tuple[str, ...]
    statistics: dict[str, Any]
    source: str
    code: str = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of every field (label mappings become lists of ``{'label', 'index'}`` pairs).

        >>> import json, actloss
        >>> json.loads(json.dumps(actloss.recommend("regression").to_dict()))["loss"]
        'mse_loss'
        """
        mapping = None
        if self.label_mapping is not None:
            mapping = [{"label": jsonable(k), "index": v} for k, v in self.label_mapping.items()]
        return {
            "task": self.task,
            "output_activation": self.output_activation,
            "loss": self.loss,
            "loss_kwargs": jsonable(self.loss_kwargs),
            "inference": self.inference,
            "hidden_activation": self.hidden_activation,
            "architecture": self.architecture,
            "out_features": self.out_features,
            "module": self.module,
            "label_mapping": mapping,
            "target_format": self.target_format,
            "data_dependent": dict(self.data_dependent),
            "alternatives": [a.to_dict() for a in self.alternatives],
            "reasons": list(self.reasons),
            "statistics": jsonable(self.statistics),
            "source": self.source,
            "code": self.code,
        }

    def to_json(self, indent: int | None = 2) -> str:
        """``json.dumps(self.to_dict())``."""
        return json.dumps(self.to_dict(), indent=indent)

    def summary_rows(self) -> list[tuple[str, str]]:
        """(field, value) rows of the readable table."""
        args = ", ".join(f"{k}={_short(v)}" for k, v in self.loss_kwargs.items())
        rows = [
            ("task", self.task),
            ("head", f"Linear(..., {self.out_features if self.out_features is not None else 'n_outputs'}) "
                     f"-> {self.output_activation} (raw outputs go to the loss)"),
            ("loss", f"{self.loss}({args})  =  nn.{self.module}"),
            ("target", self.target_format),
            ("inference", self.inference),
            ("hidden layers", self.hidden_activation + (f" ({self.architecture})" if self.architecture else
                                                        "")),
        ]
        if self.label_mapping is not None:
            items = list(self.label_mapping.items())
            shown = ", ".join(f"{k!r} -> {v}" for k, v in items[:8])
            rows.append(("labels", shown + (f", ... ({len(items)} labels)" if len(items) > 8 else "")))
        for name, formula in self.data_dependent.items():
            rows.append(("from your data", f"{name} = {formula}"))
        return rows

    def __str__(self) -> str:
        rows = self.summary_rows()
        width = max(len(k) for k, _ in rows)
        out = [f"{k:<{width}}  {v}" for k, v in rows]
        out.append("")
        out.append("why:")
        out.extend(textwrap.fill(r, 100, initial_indent="  - ", subsequent_indent="    ")
                   for r in self.reasons)
        if self.alternatives:
            out.append("")
            out.append("alternatives:")
            out.extend(textwrap.fill(str(a), 100, initial_indent="  - ", subsequent_indent="    ")
                       for a in self.alternatives)
        return "\n".join(out)
