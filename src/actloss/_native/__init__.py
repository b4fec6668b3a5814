"""Native float32 kernels: C source shipped with the package, compiled on first use, called through ctypes.

Why: the reference path computes a float32 op in float64 with eager array operations, one temporary per
operation; that is exact but 5-20x slower than torch's fused float32 kernels. The kernels here do the same
double-precision math in one pass per element (vectorised by the compiler; ``vmath.h``), rounded once to float32.

How it runs:
* The ``*.c`` files beside this module are compiled once per machine and source version with the system C
  compiler (``$CC`` or ``cc``; ``-O3 -march=native``) into a cache directory (``$ACTLOSS_CACHE_DIR``, else
  ``$XDG_CACHE_HOME/actloss`` or ``~/.cache/actloss``). ``pip install`` needs no compiler: without one (or with
  ``ACTLOSS_NATIVE=0``) every op takes the reference path, with the same results to the accuracy bars.
* Taken for float32 NumPy arrays and CPU torch tensors that are contiguous (and not under torch.func transforms
  or double backward), and for float64 ones where an op has a float64 kernel (``ops.F64``); everything else
  (float16, bfloat16, strided, CUDA, JAX) takes the reference path. ``actloss.native_status()`` says whether the kernels are loaded and, if not, why.
* Large arrays are split across threads (``torch.get_num_threads()`` when torch is loaded, else the CPU count);
  ctypes releases the GIL during each call.
"""
from __future__ import annotations

import contextlib
import ctypes
import hashlib
import os
import pathlib
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

_HERE = pathlib.Path(__file__).resolve().parent
FLAGS = ("-O3", "-march=native", "-std=gnu11", "-fno-math-errno", "-fno-trapping-math", "-ffp-contract=off",
         "-fopenmp-simd",
         "-fPIC", "-shared")
_PARALLEL_MIN = 1 << 16  # elements below which one thread does the whole call

_lock = threading.Lock()
_lib: ctypes.CDLL | None = None
_reason = "not loaded yet"
_tried = False
_enabled = os.environ.get("ACTLOSS_NATIVE", "1").strip().lower() not in ("0", "false", "no", "off")
_pool: ThreadPoolExecutor | None = None
_pool_pid = -1
_local = threading.local()
calls = 0  # kernel invocations in this process (the tests check that the native path really ran)


def _sources() -> list[pathlib.Path]:
    return sorted(_HERE.glob("*.c"))


def _cpu_key() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith(("flags", "Features")):
                    return line
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _cache_dir() -> pathlib.Path:
    env = os.environ.get("ACTLOSS_CACHE_DIR")
    if env:
        return pathlib.Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return pathlib.Path(base) / "actloss"


def _build() -> ctypes.CDLL:
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if not cc:
        raise RuntimeError("no C compiler found ($CC, cc, gcc or clang)")
    h = hashlib.sha256()
    for p in sorted(_HERE.glob("*.[ch]")):
        h.update(p.name.encode() + b"\0" + p.read_bytes())
    h.update(" ".join((cc, *FLAGS, _cpu_key(), platform.machine(), sys.platform)).encode())
    name = f"libactloss-{h.hexdigest()[:16]}.so"
    for d in (_cache_dir(), pathlib.Path(tempfile.gettempdir()) / f"actloss-{os.getuid() if hasattr(os, 'getuid') else 0}"):
        target = d / name
        if target.exists():
            return ctypes.CDLL(str(target))
        try:
            d.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(suffix=".so", dir=d)
            os.close(fd)
        except OSError:
            continue
        cmd = [cc, *FLAGS, "-I", str(_HERE), "-o", tmp, *map(str, _sources()), "-lm"]
        try:
            res = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
            if res.returncode != 0:
                raise RuntimeError(f"{' '.join(cmd)} failed:\n{res.stderr.strip()[-2000:]}")
            os.replace(tmp, target)  # atomic: concurrent processes each build, the last rename wins
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        return ctypes.CDLL(str(target))
    raise RuntimeError(f"no writable cache directory ({_cache_dir()} or the temporary directory)")


def lib() -> ctypes.CDLL | None:
    """The loaded kernel library, building it on first use; None when disabled or unavailable."""
    global _lib, _reason, _tried
    if not _enabled or getattr(_local, "off", False):
        return None
    if _tried:
        return _lib
    with _lock:
        if not _tried:
            try:
                _lib = _build()
                _reason = "loaded"
            except Exception as exc:  # noqa: BLE001 - any failure means: use the reference path
                _lib, _reason = None, f"{type(exc).__name__}: {exc}"
            _tried = True
    return _lib


def status() -> str:
    """Whether the native float32 kernels are in use: ``'loaded'``, ``'disabled (ACTLOSS_NATIVE=0)'``, or why
    they could not be built (every op then takes the reference path, with the same accuracy guarantees).

    >>> import actloss
    >>> actloss.native_status()  # doctest: +SKIP
    'loaded'
    """
    if not _enabled:
        return "disabled (ACTLOSS_NATIVE=0)"
    lib()
    return _reason


def empty_cache() -> int:
    """Unmap the free buffers of the buffer cache and return how many bytes that released.

    The native kernels write their outputs of 4 MiB or more on CPU tensors (activation outputs and gradients,
    the input gradients the losses compute in their forward pass) into buffers that come from a small cache:
    when torch frees such a tensor, its memory stays mapped for the next step instead of being page-faulted
    again (in a training loop a 4096 x 32768 cross-entropy step takes ~85 ms instead of ~230 ms here). Free
    buffers are kept at most ``ACTLOSS_BUFFER_CACHE_MB`` MiB (default 2048) and about 10 s unused;
    ``ACTLOSS_BUFFER_CACHE_MB=0`` turns the cache off. Like ``torch.cuda.empty_cache()``, this frees nothing
    that is in use. The storage of such a tensor is not resizable (``clone()`` gives an ordinary one).

    >>> import actloss
    >>> actloss.empty_cache()  # doctest: +SKIP
    536870912
    """
    from actloss._native import arrays

    return arrays.buffer_cache.clear()


@contextlib.contextmanager
def disabled() -> Iterator[None]:
    """Within this context (this thread), every op takes the reference path; the tests compare both."""
    old = getattr(_local, "off", False)
    _local.off = True
    try:
        yield
    finally:
        _local.off = old


def num_threads() -> int:
    env = os.environ.get("ACTLOSS_NUM_THREADS")
    if env:
        return max(1, int(env))
    torch = sys.modules.get("torch")
    if torch is not None:
        return max(1, torch.get_num_threads())
    return max(1, os.cpu_count() or 1)


def _executor(n: int) -> ThreadPoolExecutor:
    global _pool, _pool_pid
    # A forked child (a DataLoader worker, say) inherits the pool object but not its threads: work submitted
    # there would never run. A new process gets a new pool.
    if _pool is None or _pool._max_workers < n or _pool_pid != os.getpid():  # noqa: SLF001
        _pool = ThreadPoolExecutor(max_workers=n, thread_name_prefix="actloss")
        _pool_pid = os.getpid()
    return _pool


def parallel(calls: list[Any]) -> None:
    """Run zero-argument callables (ctypes calls, which release the GIL) on the pool; the first in this thread."""
    if len(calls) == 1:
        calls[0]()
        return
    futures = [_executor(len(calls) - 1).submit(c) for c in calls[1:]]
    calls[0]()
    for f in futures:
        f.result()


def split(total: int, unit: int = 1) -> list[tuple[int, int]]:
    """[start, stop) pieces of range(total) for the threads, each a multiple of ``unit`` elements of work."""
    t = num_threads() if total * unit >= _PARALLEL_MIN else 1
    t = max(1, min(t, total))
    step = -(-total // t)
    return [(s, min(total, s + step)) for s in range(0, total, step)]


def fn(name: str, argtypes: list[Any]) -> Any:
    lb = lib()
    assert lb is not None
    f = getattr(lb, name)
    if f.argtypes is None:
        f.argtypes = argtypes
        f.restype = None
    return f


_P, _I, _D = ctypes.c_void_p, ctypes.c_int64, ctypes.c_double
F32 = 4


def elementwise_fwd(kernel: str, x: int, out: int, n: int, p: float, itemsize: int = F32) -> None:
    f = fn(f"al_{kernel}_fwd{'64' if itemsize == 8 else ''}", [_P, _P, _I, _D])
    global calls
    calls += 1
    parallel([lambda a=a, b=b: f(x + a * itemsize, out + a * itemsize, b - a, p) for a, b in split(n)])


def elementwise_bwd(kernel: str, x: int, g: int, out: int, n: int, p: float, itemsize: int = F32) -> None:
    f = fn(f"al_{kernel}_bwd{'64' if itemsize == 8 else ''}", [_P, _P, _P, _I, _D])
    global calls
    calls += 1
    parallel([lambda a=a, b=b: f(x + a * itemsize, g + a * itemsize, out + a * itemsize, b - a, p)
              for a, b in split(n)])


def rows_fwd(kernel: str, x: int, out: int, rows: int, n: int, itemsize: int = F32) -> None:
    f = fn(f"al_{kernel}_fwd{'64' if itemsize == 8 else ''}", [_P, _P, _I, _I])
    global calls
    calls += 1
    parallel([lambda a=a, b=b: f(x + a * n * itemsize, out + a * n * itemsize, b - a, n) for a, b in split(rows, n)])


def rows_bwd(kernel: str, x: int, g: int, out: int, rows: int, n: int, itemsize: int = F32) -> None:
    f = fn(f"al_{kernel}_bwd{'64' if itemsize == 8 else ''}", [_P, _P, _P, _I, _I])
    global calls
    calls += 1
    parallel([lambda a=a, b=b: f(x + a * n * itemsize, g + a * n * itemsize, out + a * n * itemsize, b - a, n)
              for a, b in split(rows, n)])
