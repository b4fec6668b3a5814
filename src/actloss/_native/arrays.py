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

Output buffers (the buffer cache): the native kernels' fresh CPU torch outputs of 4 MiB or more (activation
outputs and vector-Jacobian products, the input gradients the losses write in their forward pass, per-element
losses) come from a small cache of anonymous mappings that takes each buffer back when torch frees its tensor,
as torch's CUDA caching allocator does on GPUs and jemalloc for a few seconds on CPUs. glibc hands every freed
block of 32 MiB or more (and, depending on its heap's state, smaller ones) back to the kernel, so that a training
loop's next step page-faults its outputs again (~0.3 ms per MiB: 155 of the 240 ms of a 4096 x 32768
cross-entropy step here); from the cache the next step writes into mapped memory. A cached buffer serves a
request of its size or up to a quarter smaller; free buffers are kept at most ``ACTLOSS_BUFFER_CACHE_MB`` MiB
(default 2048) and about 10 s unused (a daemon timer unmaps them; at once: ``actloss.empty_cache()``);
``ACTLOSS_BUFFER_CACHE_MB=0`` turns the cache off. Their storage is not resizable (``Tensor.resize_`` to a
larger size raises; ``clone()`` gives an ordinary tensor).
"""
from __future__ import annotations

import ctypes
import functools
import mmap
import os
import sys
import threading
import time
import weakref
from typing import Any

import numpy as np

HUGE_PAGE = 2 << 20
HUGE_MIN_BYTES = 4 << 20  # NumPy's threshold for the same advice
CACHE_MIN_BYTES = 4 << 20  # below this a fresh buffer's page faults cost < 1.5 ms, and glibc's heap recycles most
CACHE_IDLE_S = 10.0  # jemalloc's default decay time for unused dirty pages
_now = time.monotonic  # the buffer cache's clock (a module name, so that tests can move it)


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
    """A fresh C-contiguous array like a (NumPy array or tensor): CPU tensors of CACHE_MIN_BYTES or more from the
    buffer cache, large ones advised for huge pages when asked (module docstring)."""
    if isinstance(a, np.ndarray):
        return np.empty_like(a, order="C")  # NumPy advises its large arrays itself
    torch = sys.modules["torch"]
    nbytes = a.numel() * a.element_size()
    m = buffer_cache.take(nbytes) if nbytes >= CACHE_MIN_BYTES and a.device.type == "cpu" else None
    if m is None:
        out = torch.empty_like(a, memory_format=torch.contiguous_format)
    else:
        view = memoryview(m)
        weakref.finalize(view, buffer_cache.give_back, m).atexit = False
        out = torch.frombuffer(view, dtype=a.dtype, count=a.numel()).view(a.shape)
    if nbytes >= HUGE_MIN_BYTES and out.device.type == "cpu" and hugepages():
        _advise_huge(out.data_ptr(), nbytes)
    return out


def _advise_huge(addr: int, nbytes: int) -> None:
    start, end = -(-addr // HUGE_PAGE) * HUGE_PAGE, (addr + nbytes) // HUGE_PAGE * HUGE_PAGE
    if end > start:
        _madvise()(start, end - start, mmap.MADV_HUGEPAGE)  # advice only: a failure changes nothing


class _BufferCache:
    """Anonymous mappings for output buffers, taken back when their tensor is freed (module docstring).

    ``_free`` holds (size, last_used, mapping) of the free ones; a tensor is a view of a ``memoryview`` of its
    mapping, and a weak-reference finalizer on that memoryview, which torch's storage keeps alive exactly as long
    as the tensor's memory is in use, gives the mapping back."""

    def __init__(self) -> None:
        # re-entrant: a garbage collection inside a locked section can free a cached tensor, whose finalizer
        # then gives its mapping back from the same thread
        self._lock = threading.RLock()
        self._free: list[tuple[int, float, mmap.mmap]] = []
        self._timer: threading.Timer | None = None
        self.hits = self.misses = 0

    def limit(self) -> int:
        try:
            mb = float(os.environ.get("ACTLOSS_BUFFER_CACHE_MB", "2048"))
        except ValueError:
            raise ValueError("ACTLOSS_BUFFER_CACHE_MB must be a number of MiB (0 turns the buffer cache off), got "
                             f"{os.environ['ACTLOSS_BUFFER_CACHE_MB']!r}") from None
        return max(0, int(mb * (1 << 20)))

    def free_bytes(self) -> int:
        with self._lock:
            return sum(size for size, _, _ in self._free)

    def _trim(self, limit: int, now: float) -> list[mmap.mmap]:
        """Drop (under the lock) free mappings unused for CACHE_IDLE_S and the oldest beyond ``limit``."""
        keep: list[tuple[int, float, mmap.mmap]] = []
        drop: list[mmap.mmap] = []
        for f in self._free:
            if now - f[1] < CACHE_IDLE_S:
                keep.append(f)
            else:
                drop.append(f[2])
        keep.sort(key=lambda f: f[1])
        total = sum(f[0] for f in keep)
        while keep and total > limit:
            total -= keep[0][0]
            drop.append(keep.pop(0)[2])
        self._free = keep
        return drop

    @staticmethod
    def _close(maps: list[mmap.mmap]) -> None:
        for m in maps:
            try:
                m.close()
            except BufferError:  # still exported somewhere (cannot happen for a returned mapping): let GC do it
                pass

    def take(self, nbytes: int) -> mmap.mmap | None:
        limit = self.limit()
        if limit == 0:
            return None
        size = -(-nbytes // mmap.PAGESIZE) * mmap.PAGESIZE
        now = _now()
        with self._lock:
            drop = self._trim(limit, now)
            fits = [i for i, f in enumerate(self._free) if size <= f[0] and 4 * size >= 3 * f[0]]
            best = min(fits, key=lambda i: self._free[i][0], default=None)
            m = self._free.pop(best)[2] if best is not None else None
            if m is None:
                self.misses += 1
            else:
                self.hits += 1
        self._close(drop)
        # private: a forked child (a DataLoader worker) writing into a buffer must not change the parent's, and
        # shared anonymous memory (mmap's default) faults ~1.5x slower (tmpfs pages)
        return m if m is not None else mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)

    def give_back(self, m: mmap.mmap) -> None:
        if m.closed:
            return
        try:
            limit = self.limit()
        except ValueError:  # a finalizer cannot report it: the next take() does; keep nothing meanwhile
            limit = 0
        with self._lock:
            now = _now()
            self._free.append((len(m), now, m))
            drop = self._trim(limit, now)
            self._schedule()
        self._close(drop)

    def _schedule(self) -> None:
        """(Under the lock) a daemon timer that unmaps idle buffers even if no call comes (jemalloc's decay)."""
        if self._timer is None and self._free:
            self._timer = threading.Timer(CACHE_IDLE_S, self._expire)
            self._timer.daemon = True
            self._timer.start()

    def _expire(self) -> None:
        with self._lock:
            self._timer = None
            drop = self._trim(sys.maxsize, _now())  # the idle ones only
            self._schedule()
        self._close(drop)

    def clear(self) -> int:
        """Unmap every free buffer; the bytes released."""
        with self._lock:
            drop, self._free = [f[2] for f in self._free], []
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
        n = sum(len(m) for m in drop)
        self._close(drop)
        return n

    def after_fork(self) -> None:
        # the child's copy: a lock held by another thread of the parent would never be released here, and
        # the parent's timer thread does not exist
        self._lock = threading.RLock()
        self._timer = None


buffer_cache = _BufferCache()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=buffer_cache.after_fork)
