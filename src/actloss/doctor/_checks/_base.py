from __future__ import annotations

from .._finding import Finding
from .._sample import Context, Sample


class Check:
    """``observe`` runs at every sync; ``end_window`` every ``window`` sampled steps and when the doctor closes
    (``final=True``, possibly with a partial window)."""

    codes: tuple[str, ...] = ()

    def observe(self, sample: Sample, ctx: Context) -> list[Finding]:
        return []

    def end_window(self, step: int, ctx: Context, final: bool = False) -> list[Finding]:
        return []
