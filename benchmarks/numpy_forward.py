"""NumPy forward of each activation against the plain NumPy formula a user would write (4M elements, one
process, medians of 7 calls). ``python -m benchmarks.numpy_forward [float32|float64]``; prints a Markdown table.

The plain formulas are the textbook ones (``1 / (1 + exp(-x))``, SciPy's erf for GELU, ...): fast and wrong in
the tails (see docs/accuracy.md); actloss's are exact. NumPy runs on one thread; actloss's native kernels split
large calls across ``ACTLOSS_NUM_THREADS`` (default: the CPU count), so the table gives both.
"""
from __future__ import annotations

import os
import statistics
import time

import numpy as np

import actloss
from actloss import _native


def _plain():
    from scipy.special import erf

    def softmax(x):
        e = np.exp(x - x.max(-1, keepdims=True))
        return e / e.sum(-1, keepdims=True)

    def log_softmax(x):
        m = x.max(-1, keepdims=True)
        return x - m - np.log(np.exp(x - m).sum(-1, keepdims=True))

    return {
        "relu": lambda x: np.maximum(x, 0),
        "leaky_relu": lambda x: np.where(x > 0, x, 0.01 * x),
        "elu": lambda x: np.where(x > 0, x, np.expm1(x)),
        "gelu": lambda x: 0.5 * x * (1 + erf(x / x.dtype.type(np.sqrt(2)))),
        "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
        "tanh": np.tanh,
        "silu": lambda x: x / (1 + np.exp(-x)),
        "softplus": lambda x: np.log1p(np.exp(x)),
        "log_sigmoid": lambda x: -np.log1p(np.exp(-x)),
        "mish": lambda x: x * np.tanh(np.log1p(np.exp(x))),
        "softmax": softmax,
        "log_softmax": log_softmax,
    }


def _median_ms(f, x, k=7):
    ts = []
    for _ in range(k):
        t0 = time.perf_counter()
        f(x)
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts) * 1e3


def main() -> None:
    import sys

    dtype = sys.argv[1] if len(sys.argv) > 1 else "float32"
    rng = np.random.default_rng(0)
    x = (rng.standard_normal(1 << 22) * 4).astype(dtype)
    rows = x.reshape(-1, 1024)
    print(f"{dtype}; native kernels: {_native.status()}; threads: {_native.num_threads()}; "
          f"load {os.getloadavg()[0]:.1f}")
    print("| op | plain NumPy ms | actloss ms | ratio | actloss 1 thread ms | ratio (1 thread) |")
    print("|---|---|---|---|---|---|")
    for name, plain in _plain().items():
        arr = rows if name in ("softmax", "log_softmax") else x
        fn = getattr(actloss, name)
        with np.errstate(all="ignore"):
            plain(arr)
            fn(arr)
            tp = _median_ms(plain, arr)
            ta = _median_ms(fn, arr)
            os.environ["ACTLOSS_NUM_THREADS"] = "1"
            t1 = _median_ms(fn, arr)
            del os.environ["ACTLOSS_NUM_THREADS"]
        print(f"| {name} | {tp:.1f} | {ta:.1f} | {ta / tp:.2f} | {t1:.1f} | {t1 / tp:.2f} |")


if __name__ == "__main__":
    main()
