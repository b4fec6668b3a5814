"""actloss's float64 erfcx (the table of scripts/gen_native_coeffs.py) against mpmath, and the two copies of the
table (the array path's _erfcx_table.py, the native kernels' coeffs.h) against each other; NumPy's float32 tanh,
which the NumPy float32 tanh forward uses, on random bit patterns."""
from __future__ import annotations

import re
from pathlib import Path

import mpmath as mp
import numpy as np
import pytest

from actloss import _erfcx_table as tab
from actloss import _numerics as nx

NATIVE = Path(nx.__file__).parent / "_native" / "coeffs.h"


def _erfcx(z: float) -> mp.mpf:
    with mp.workprec(200):
        zm = mp.mpf(z)
        return mp.exp(zm * zm) * mp.erfc(zm)


def test_erfcx64_within_0_65_ulp():
    # interval edges and midpoints of the table, the switch to the asymptotic series at 12, and a log grid
    edges = np.arange(0, tab.END * tab.PER_UNIT + 1) / tab.PER_UNIT
    z = np.concatenate([edges, np.nextafter(edges, -1)[1:], edges + 0.5 / tab.PER_UNIT,
                        np.geomspace(1e-300, 1e-3, 40), np.geomspace(1e-3, 1e150, 400)])
    z = np.unique(z[z >= 0])
    with np.errstate(all="ignore"):  # as under the dispatcher: the unused branch divides by zero at z = 0
        got = nx.erfcx64(np, z)
    worst = max(float(abs(mp.mpf(float(g)) - _erfcx(float(v))) / np.spacing(float(_erfcx(float(v)))))
                for v, g in zip(z, got))
    assert worst <= 0.65, worst


def test_erfcx64_special_values():
    with np.errstate(all="ignore"):
        got = nx.erfcx64(np, np.array([0.0, -0.0, np.inf, np.nan]))
    assert got[0] == 1.0 and got[1] == 1.0 and got[2] == 0.0 and np.isnan(got[3])


def test_native_table_is_the_array_table():
    text = NATIVE.read_text()
    block = re.search(r"ERFCX64_CT\[ERFCX64_DEG \+ 1\]\[(\d+)\] = \{(.*?)\n\};", text, re.S)
    assert block is not None
    rows = re.findall(r"\{([^{}]*)\}", block.group(2))
    native = [[float(v) for v in r.split(",") if v.strip()] for r in rows]
    assert native == [list(c) for c in tab.COEFFS]
    lo = re.search(r"ERFCX64_C0_LO\[\d+\] = \{([^}]*)\}", text)
    assert [float(v) for v in lo.group(1).split(",")] == list(tab.C0_LO)
    asym = re.search(r"ERFCX64_ASYM_C\[ERFCX64_ASYM \+ 1\] = \{([^}]*)\}", text)
    assert [float(v) for v in asym.group(1).split(",")] == list(tab.ASYM)


@pytest.mark.parametrize("seed", [0, 1])
def test_numpy_float32_tanh_within_the_bar(seed):
    # actloss.tanh's NumPy float32 forward is np.tanh (the tanh entry's OpSpec.numpy_float32): it must stay within the float32
    # bar, 2 ULP from the correctly rounded value (measured exhaustively: 1.37, scripts/check_numpy_tanh32.py)
    bits = np.random.default_rng(seed).integers(0, 2**32, 1 << 20, dtype=np.uint64).astype(np.uint32)
    x = bits.view(np.float32)
    x = np.concatenate([x[np.isfinite(x)], np.linspace(-10, 10, 1 << 16, dtype=np.float32)])
    exact = np.tanh(x.astype(np.float64))
    r = exact.astype(np.float32)
    spacing = np.spacing(np.abs(r)).astype(np.float64)
    spacing[r == 0] = float(np.spacing(np.float32(0)))
    err = np.abs(np.tanh(x).astype(np.float64) - exact) / spacing
    assert err.max() <= 2.0
    assert not np.any((np.tanh(x) == 0) & (r != 0))
