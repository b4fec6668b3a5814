"""Device-side statistics are queued here and brought to the host in one transfer per device at sync time."""
from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["Pending"]


class Pending:
    """Queue of small on-device tensors (0-d or 1-d); ``fetch`` returns them as NumPy arrays, in order.

    Queueing launches nothing and never synchronises; ``fetch`` does one ``torch.cat`` and one copy to the host per
    device (for a CUDA model: one synchronisation per sync point instead of one per hook).
    """

    __slots__ = ("_tensors", "all_finite")

    def __init__(self) -> None:
        self._tensors: list[Any] = []
        self.all_finite = True   # after fetch: whether every fetched value was finite (the common, fast case)

    def add(self, tensor: Any) -> int:
        self._tensors.append(tensor)
        return len(self._tensors) - 1

    def __len__(self) -> int:
        return len(self._tensors)

    def fetch(self) -> list[np.ndarray]:
        import torch

        tensors, self._tensors = self._tensors, []
        self.all_finite = True
        if not tensors:
            return []
        by_device: dict[Any, list[int]] = {}
        for i, t in enumerate(tensors):
            by_device.setdefault(t.device, []).append(i)
        out: list[np.ndarray] = [np.empty(0)] * len(tensors)
        for idx in by_device.values():
            scalars = [i for i in idx if tensors[i].ndim == 0]
            vectors = [i for i in idx if tensors[i].ndim != 0]
            parts = [torch.stack([tensors[i] for i in scalars])] if scalars else []
            parts += [t if t.ndim == 1 else t.reshape(-1) for t in (tensors[i] for i in vectors)]
            # cat promotes mixed dtypes (counts, float16 stats) to one floating dtype; one copy per device
            host = (torch.cat(parts) if len(parts) > 1 else parts[0]).cpu().numpy()
            self.all_finite = self.all_finite and bool(np.isfinite(host).all())
            for k, i in enumerate(scalars):
                out[i] = host[k:k + 1]
            pos = len(scalars)
            for i in vectors:
                n = tensors[i].numel()
                out[i] = host[pos:pos + n]
                pos += n
        return out
