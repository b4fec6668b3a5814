"""Exhaustive check of NumPy's float32 tanh, which the NumPy float32 forward of actloss.tanh uses
(OpSpec.numpy_float32 of the tanh entry): the largest error in ULP over every finite float32, against float64 tanh (whose
error, ~1e-16 relative, is 1e-9 of a float32 ULP), and the number of results flushed to zero.

Run: python scripts/check_numpy_tanh32.py  (about 80 s on 2 cores). Measured with NumPy 2.x on AVX-512:
1.37 ULP at x = +-0.50255, 0 flushed.
"""
from __future__ import annotations

import numpy as np


def main() -> None:
    worst, worst_x, flushed = 0.0, 0.0, 0
    for chunk in range(256):
        bits = np.arange(chunk << 24, (chunk + 1) << 24, dtype=np.uint64).astype(np.uint32)
        x = bits.view(np.float32)
        x = x[np.isfinite(x)]
        y = np.tanh(x)
        exact = np.tanh(x.astype(np.float64))
        r = exact.astype(np.float32)
        spacing = np.spacing(np.abs(r)).astype(np.float64)
        spacing[r == 0] = float(np.spacing(np.float32(0)))
        err = np.abs(y.astype(np.float64) - exact) / spacing
        i = int(np.argmax(err))
        if err[i] > worst:
            worst, worst_x = float(err[i]), float(x[i])
        flushed += int(np.sum((y == 0) & (r != 0)))
    print(f"numpy {np.__version__} float32 tanh: max {worst:.3f} ULP at x = {worst_x!r}; {flushed} flushed to 0")


if __name__ == "__main__":
    main()
