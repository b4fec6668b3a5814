"""Blocked evaluation: the math runs over blocks of rows so that its float64 temporaries stay in cache.

Eager frameworks allocate a fresh array per operation; for 16M elements each float64 temporary is 128 MiB, and
first-touch page faults (~0.3 ms per MiB here) cost more than the arithmetic. Evaluating block by block keeps the
temporaries small and reused, and the only large allocation is the output, in the input's dtype (as the
framework's own kernel). Used for NumPy and for torch outside autograd recording (the Functions' forward and
backward); JAX needs none of it: XLA fuses the elementwise graph.
"""
from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import array_api_compat

from actloss import _xp
from actloss._xp import Array

BLOCK = 1 << 14  # elements per block: 128 KiB per float64 temporary; below torch's parallel grain (32768)


def usable(xp: Any, *arrays: Array) -> bool:
    """Whether blocked evaluation applies (large enough, NumPy or torch with no graph being recorded)."""
    a = arrays[0]
    if math.prod(a.shape) <= BLOCK:
        return False
    if _xp.is_numpy_ns(xp):
        return True
    if _xp.is_torch_ns(xp):
        import torch

        if torch.is_grad_enabled():
            return False
        return not any(torch._C._functorch.is_functorch_wrapped_tensor(b) for b in arrays if b is not None)
    return False


def rows(xp: Any, fn: Callable[..., Array], arrays: Sequence[Array | None], n_rows: int, row_size: int,
         out_shape: tuple[int, ...], out_dtype: Any) -> Array:
    """out[i:j] = fn(*[a[i:j] for a in arrays]) over blocks of rows; arrays have n_rows leading rows (None passes
    through). ``out_shape`` is the full output shape (leading n_rows)."""
    step = max(1, BLOCK // max(1, row_size))
    out = xp.empty(out_shape, dtype=out_dtype, device=array_api_compat.device(arrays[0]))
    with _serial(xp, arrays[0]):
        for i in range(0, n_rows, step):
            j = min(n_rows, i + step)
            out[i:j, ...] = xp.astype(fn(*[None if a is None else a[i:j, ...] for a in arrays]), out_dtype, copy=False)
    return out


def sum_rows(xp: Any, fn: Callable[..., Array], arrays: Sequence[Array | None], n_rows: int, row_size: int,
             like: Array) -> Array:
    """sum(fn(block)) over blocks of rows, accumulated in ``like``'s dtype: a reduced loss without storing the
    per-sample losses."""
    step = max(1, BLOCK // max(1, row_size))
    total = xp.zeros((), dtype=like.dtype, device=array_api_compat.device(like))
    with _serial(xp, arrays[0]):
        for i in range(0, n_rows, step):
            j = min(n_rows, i + step)
            total = total + xp.sum(fn(*[None if a is None else a[i:j, ...] for a in arrays]))
    return total


@contextlib.contextmanager
def _serial(xp: Any, a: Array) -> Iterator[None]:
    """One intra-op thread for the blocks of a CPU tensor: torch parallelises even 4K-element exp calls, and each
    parallel region costs a thread hand-off (measured: 11.7 ms instead of 30 us per exp call when the other core
    is busy). The previous setting is restored afterwards (torch's thread count is process-wide)."""
    if not _xp.is_torch_ns(xp) or a.device.type != "cpu":
        yield
        return
    import torch

    prev = torch.get_num_threads()
    if prev == 1:
        yield
        return
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(prev)
