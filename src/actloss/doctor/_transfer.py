"""Device-side statistics are queued here and brought to the host in one transfer at sync time."""
from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["Pending"]


class Pending:
    """Queue of small on-device tensors (0-d or 1-d); ``fetch`` returns them as NumPy arrays, in order.

    Queueing launches nothing and never synchronises; ``fetch`` stacks the scalars, concatenates everything and
    copies it to the host once (for a CUDA model: one synchronisation per sync point instead of one per hook).
    Tensors on several devices (a model split across GPUs) fall back to one copy per tensor.
    """

    __slots__ = ("_scalars", "_vectors", "_slots", "all_finite")

    def __init__(self) -> None:
        self._scalars: list[Any] = []
        self._vectors: list[Any] = []
        self._slots: list[tuple[bool, int]] = []    # (is_scalar, index in its list), per slot
        self.all_finite = True   # after fetch: whether every fetched value was finite (the common, fast case)

    def add(self, tensor: Any) -> int:
        if tensor.ndim == 0:
            self._slots.append((True, len(self._scalars)))
            self._scalars.append(tensor)
        else:
            self._slots.append((False, len(self._vectors)))
            self._vectors.append(tensor if tensor.ndim == 1 else tensor.reshape(-1))
        return len(self._slots) - 1

    def __len__(self) -> int:
        return len(self._slots)

    def fetch(self) -> list[np.ndarray]:
        import torch

        scalars, vectors, slots = self._scalars, self._vectors, self._slots
        self._scalars, self._vectors, self._slots = [], [], []
        self.all_finite = True
        if not slots:
            return []
        try:
            parts = ([torch.stack(scalars)] if scalars else []) + vectors
            # cat promotes mixed dtypes (counts, float16 stats) to one floating dtype: one copy to the host
            host = (torch.cat(parts) if len(parts) > 1 else parts[0]).cpu().numpy()
        except RuntimeError:   # tensors on different devices
            host = np.concatenate([np.atleast_1d(t.detach().cpu().double().numpy()) for t in scalars + vectors])
        self.all_finite = bool(np.isfinite(host).all())
        starts = []
        pos = len(scalars)
        for v in vectors:
            starts.append(pos)
            pos += v.shape[0]
        return [host[i:i + 1] if scalar else host[starts[i]:starts[i] + vectors[i].shape[0]]
                for scalar, i in slots]
