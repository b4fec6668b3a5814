"""Which arrays the native kernels take, their data pointers, and fresh outputs like them.

``ACTLOSS_HUGEPAGES=1`` (opt-in, like torch's ``THP_MEM_ALLOC_ENABLE=1``): fresh torch outputs of 4 MiB or more
(gradients, activation outputs) are advised for transparent huge pages (``madvise(MADV_HUGEPAGE)`` over the
2 MiB-aligned part of their memory, before anything touches it) where Linux offers them on request (THP mode
``madvise``), as NumPy does for its own arrays of 4 MiB or more. A fresh mapping's cost is its page faults, one
per 4 KiB page (~0.35 ms per MiB measured here), where a huge page faults once per 2 MiB; memory that malloc
recycles is already mapped and the advice changes nothing there. Measured on this project's machine (a VM): in
a loop, a 512 MiB cross-entropy gradient costs 135-151 ms per call instead of 210-227 ms; but the first calls
of a process took 611-657 ms, and a cold 31 MiB one 43-59 ms instead of 17 ms, while the VM's host backed the
2 MiB pages (free huge blocks are handed back to the host there). Hence off by default.
"""
from __future__ import annotations

import ctypes
import functools
import mmap
import os
import sys
from typing import Any

import numpy as np

HUGE_PAGE = 2 << 20
HUGE_MIN_BYTES = 4 << 20  # NumPy's threshold for the same advice


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


@functools.cache
def _thp_mode() -> str:
    """'always' / 'madvise' / 'never' (or '' off Linux): the system's transparent huge page setting."""
    try:
        with open("/sys/kernel/mm/transparent_hugepage/enabled") as f:
            text = f.read()
    except OSError:
        return ""
    return text[text.index("[") + 1:text.index("]")] if "[" in text else ""


@functools.cache
def _madvise() -> Any:
    f = ctypes.CDLL(None, use_errno=True).madvise
    f.argtypes, f.restype = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int], ctypes.c_int
    return f


def hugepages() -> bool:
    """Whether fresh outputs of HUGE_MIN_BYTES or more are advised for huge pages (see the module docstring)."""
    if os.environ.get("ACTLOSS_HUGEPAGES", "0") != "1" or not hasattr(mmap, "MADV_HUGEPAGE"):
        return False
    return _thp_mode() == "madvise"  # 'always': every allocation gets them already; 'never': none can


def empty_like(a: Any) -> Any:
    """A fresh C-contiguous array like a (NumPy array or tensor); large CPU tensors advised for huge pages."""
    if isinstance(a, np.ndarray):
        return np.empty_like(a, order="C")  # NumPy advises its large arrays itself
    torch = sys.modules["torch"]
    out = torch.empty_like(a, memory_format=torch.contiguous_format)
    nbytes = out.numel() * out.element_size()
    if nbytes >= HUGE_MIN_BYTES and out.device.type == "cpu" and hugepages():
        addr = out.data_ptr()
        start, end = -(-addr // HUGE_PAGE) * HUGE_PAGE, (addr + nbytes) // HUGE_PAGE * HUGE_PAGE
        if end > start:
            _madvise()(start, end - start, mmap.MADV_HUGEPAGE)  # advice only: a failure changes nothing
    return out
