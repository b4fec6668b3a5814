"""The decision guide: which head, which loss (and its parameters), which inference transform, for every task.

State the task, or hand over the targets, and get a :class:`Recipe` with the reasons and runnable code.

>>> import actloss
>>> r = actloss.recommend("multiclass", architecture="transformer")
>>> r.loss, r.inference, r.hidden_activation
('cross_entropy', 'softmax', 'gelu')
"""
from __future__ import annotations

from actloss.guide._io import read_targets as read_targets
from actloss.guide._recipe import Alternative as Alternative
from actloss.guide._recipe import Recipe as Recipe
from actloss.guide._recommend import recommend as recommend
from actloss.guide._rules import RULES as RULES
from actloss.guide._table import decision_table as decision_table
from actloss.guide._tasks import ARCHITECTURES as ARCHITECTURES
from actloss.guide._tasks import TASKS as TASKS
from actloss.guide._thresholds import THRESHOLDS as THRESHOLDS

__all__ = [
    "ARCHITECTURES", "Alternative", "RULES", "Recipe", "TASKS", "THRESHOLDS", "decision_table",
    "read_targets", "recommend",
]
