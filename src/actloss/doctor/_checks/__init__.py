"""One file per run-time check; each reads host-side ``Sample``s and returns ``Finding``s."""
from __future__ import annotations

from ._base import Check
from .dead_relu import DeadReLU
from .gradients import ExplodingGradient, VanishingGradient
from .loss_inputs import LossInputs
from .nonfinite import NonFinite
from .saturation import Saturation
from .targets import Targets

__all__ = ["Check", "all_checks", "batch_checks"]


def all_checks() -> list[Check]:
    return [NonFinite(), LossInputs(), Targets(), DeadReLU(), VanishingGradient(), ExplodingGradient(),
            Saturation()]


def batch_checks() -> list[Check]:
    """The checks that need no model: what ``check_batch`` runs."""
    return [NonFinite(), LossInputs(), Targets()]
