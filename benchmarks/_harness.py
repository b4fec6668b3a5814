"""Registry of benchmark cases and the measurement of one case in a fresh process.

Adding a case is one decorated function in a ``bench_*.py`` module::

    from benchmarks._harness import case

    @case("cross_entropy", sizes=[dict(N=4096, C=32768)], quick=[dict(N=512, C=1000)],
          unavoidable=lambda N, C: N * C * 4)      # bytes every implementation must allocate (input's grad)
    def cross_entropy(impl, N, C):
        x = torch.randn(N, C, requires_grad=True); t = torch.randint(0, C, (N,))
        fn = {"torch": torch.nn.functional.cross_entropy, "actloss": actloss.cross_entropy}[impl]
        def run():
            fn(x, t).backward()
            x.grad = None      # leave nothing behind, so that the measured call's peak includes its gradient
        return run

The factory builds the inputs (not measured) and returns a zero-argument ``run`` (measured: time and peak
memory above the resident set before the call). ``run`` must free what it allocates before returning (set
``.grad`` back to None), otherwise leftovers hide part of the measured call's peak. ``impls`` lists the
implementations; the first one (default ``torch``) is the baseline of every ratio.
"""

from __future__ import annotations

import dataclasses
import gc
import importlib
import os
import resource
import time
from pathlib import Path
from typing import Callable, Optional

BENCH_DIR = Path(__file__).resolve().parent


@dataclasses.dataclass(frozen=True)
class Case:
    name: str
    factory: Callable[..., Callable[[], object]]
    module: str
    sizes: tuple
    quick: tuple
    impls: tuple = ("torch", "actloss")
    unavoidable: Optional[Callable[..., float]] = None  # bytes excluded from "extra" memory (e.g. grads)
    warmup: int = 1  # untimed calls (on the first quick size) per process before the measured one(s)
    number: int = 1  # timed calls per process (median taken); peak memory is the maximum over them
    timeout_s: float = 900.0
    doc: str = ""

    @property
    def baseline(self) -> str:
        return self.impls[0]


CASES: dict[str, Case] = {}


def case(
    name: str,
    *,
    sizes,
    quick=None,
    impls=("torch", "actloss"),
    unavoidable=None,
    warmup=1,
    number=1,
    timeout_s=900.0,
    doc="",
):
    """Register ``factory(impl, **size) -> run`` as benchmark case ``name``."""

    def deco(factory):
        if name in CASES and CASES[name].module != factory.__module__:
            raise ValueError(
                f"benchmark case {name!r} registered twice ({CASES[name].module}, {factory.__module__})"
            )
        CASES[name] = Case(
            name=name,
            factory=factory,
            module=factory.__module__,
            sizes=tuple(sizes),
            quick=tuple(quick if quick is not None else sizes),
            impls=tuple(impls),
            unavoidable=unavoidable,
            warmup=warmup,
            number=number,
            timeout_s=timeout_s,
            doc=doc or (factory.__doc__ or "").strip(),
        )
        return factory

    return deco


def discover() -> tuple[dict[str, Case], list[str]]:
    """Import every ``benchmarks/bench_*.py`` that uses this registry; returns (cases, problems)."""
    problems = []
    for path in sorted(BENCH_DIR.glob("bench_*.py")):
        if "_harness" not in path.read_text(encoding="utf-8", errors="replace"):
            continue  # a standalone script (not a registry case module): leave it alone
        try:
            importlib.import_module(f"benchmarks.{path.stem}")
        except Exception as e:  # a broken case module must not stop the others
            problems.append(f"{path.name}: {type(e).__name__}: {e}")
    return CASES, problems


# ------------------------------------------------------------------------------------------------------------
# Memory: the peak resident set of this process during run(), measured from a reset high-water mark.
# ------------------------------------------------------------------------------------------------------------
def _status_kib(key: str) -> Optional[int]:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak() -> bool:
    """Linux: writing 5 to clear_refs resets VmHWM to the current RSS (since 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _timed_calls(run: Callable[[], object], n: int) -> tuple[list[float], list[float]]:
    """Wall and process CPU seconds of n calls of run."""
    times, cpu = [], []
    for _ in range(n):
        c0 = time.process_time()
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return times, cpu


def measure(case_name: str, module: str, impl: str, size: dict) -> dict:
    """Build the inputs, warm up, then time run() and record its peak memory above the pre-run RSS."""
    importlib.import_module(module)
    c = CASES[case_name]
    if c.warmup:
        # Warm up (thread pools, kernel selection, lazy imports) on the case's smallest size: cheap for the
        # large sizes, and the measured call still starts from the same allocator state as a training step.
        warm = c.factory(impl, **c.quick[0])
        for _ in range(c.warmup):
            warm()
        del warm
    run = c.factory(impl, **size)
    gc.collect()
    exact = _reset_peak()
    if exact:
        before = _status_kib("VmRSS")
        method = "VmHWM-after-clear_refs"
    else:  # ru_maxrss is a lifetime high-water mark: only meaningful when warmup=0 and setup is small
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        method = "ru_maxrss-delta"
    times, cpu = _timed_calls(run, c.number)
    steady = int(os.environ.get("ACTLOSS_BENCH_STEADY", "0"))
    if steady:  # a training loop's steady state: the calls after the first
        times, cpu = _timed_calls(run, steady)
    after = _status_kib("VmHWM") if exact else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    times.sort()
    return {
        "time_s": times[len(times) // 2],
        "cpu_s": sorted(cpu)[len(cpu) // 2],  # CPU time of all threads: less sensitive to others' load
        "peak_mib": max(0, after - before) / 1024,
        "memory_method": method,
    }
