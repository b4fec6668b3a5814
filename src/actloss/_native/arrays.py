"""Which arrays the native kernels take, their data pointers, and fresh outputs like them."""
from __future__ import annotations

import sys
from typing import Any

import numpy as np


def _torch_ok(a: Any, float64: bool) -> bool:
    torch = sys.modules["torch"]
    dtypes = (torch.float32, torch.float64) if float64 else (torch.float32,)
    if type(a) is not torch.Tensor or a.dtype not in dtypes or a.device.type != "cpu":
        return False
    if a.layout != torch.strided or not a.is_contiguous() or a.numel() == 0:
        return False
    if torch.is_grad_enabled() and a.requires_grad:  # double backward: the reference path is differentiable
        return False
    return not torch._C._functorch.is_functorch_wrapped_tensor(a)  # noqa: SLF001 - vmap/grad wrappers


def takes(a: Any, float64: bool = False) -> bool:
    """A float32 (or, with ``float64``, float64) array the kernels read in place: C-contiguous NumPy, or a plain
    contiguous CPU torch tensor."""
    if isinstance(a, np.ndarray):
        ok = a.dtype == np.float32 or (float64 and a.dtype == np.float64)
        return ok and a.flags.c_contiguous and a.flags.aligned and a.size > 0
    if "torch" in sys.modules:
        return _torch_ok(a, float64)
    return False


def contiguous_like(g: Any, x: Any) -> Any | None:
    """g as a C-contiguous array of x's kind, dtype and shape (a copy only if needed), or None."""
    if isinstance(x, np.ndarray):
        if not isinstance(g, np.ndarray) or g.dtype != x.dtype or g.shape != x.shape:
            return None
        return np.ascontiguousarray(g)
    torch = sys.modules["torch"]
    if type(g) is not torch.Tensor or g.dtype != x.dtype or g.device != x.device or g.shape != x.shape:
        return None
    if torch.is_grad_enabled() and g.requires_grad:
        return None
    if torch._C._functorch.is_functorch_wrapped_tensor(g):  # noqa: SLF001
        return None
    return g.contiguous()


def ptr(a: Any) -> int:
    if isinstance(a, np.ndarray):
        return a.ctypes.data
    return a.data_ptr()


def empty_like(a: Any) -> Any:
    if isinstance(a, np.ndarray):
        return np.empty_like(a, order="C")
    return sys.modules["torch"].empty_like(a, memory_format=sys.modules["torch"].contiguous_format)
