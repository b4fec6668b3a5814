from __future__ import annotations

from .._finding import Finding
from .._sample import Context, Sample


class Check:
    """``observe`` runs at every sync; ``end_window`` every ``window`` sampled steps and when the doctor
    closes (``final=True``, possibly with a partial window)."""

    codes: tuple[str, ...] = ()

    def observe(self, sample: Sample, ctx: Context) -> list[Finding]:
        return []

    def end_window(self, step: int, ctx: Context, final: bool = False) -> list[Finding]:
        return []

    def settled(self, ctx: Context) -> bool:
        """True once nothing this check could still see would change its verdict: the doctor then stops
        measuring for it (the loss-input and target checks judge properties of the model's head and of the
        data, which do not change during training)."""
        return False
