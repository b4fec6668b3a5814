"""The double-word helpers (actloss._dd) meet the error bounds their docstrings state, and the float64 focal
losses built on them keep the limits at +-inf and NaN propagation."""
from __future__ import annotations

import array_api_compat.numpy as xnp
import mpmath as mp
import numpy as np
import pytest
import torch

import actloss
from actloss import _dd

RNG = np.random.default_rng(20)


def _rel(pair, ref) -> float:
    """log2 of the largest relative error of hi + lo against the mpmath values ``ref`` (-inf if exact)."""
    worst = 0.0
    for h, lo, r in zip(np.ravel(pair[0]).tolist(), np.ravel(pair[1]).tolist(), ref):
        if r != 0:
            worst = max(worst, abs(float((mp.mpf(h) + mp.mpf(lo) - r) / r)))
    return float(np.log2(worst)) if worst else -np.inf


def test_exp_expm1_log1p_bounds() -> None:
    with mp.workprec(200):
        t = np.concatenate([-(10.0 ** RNG.uniform(-20, np.log10(669.0), 300)), [0.0, -1e-300]])
        t_lo = t * 2.0**-54 * RNG.uniform(-1, 1, t.size)
        ref = [mp.exp(mp.mpf(a) + mp.mpf(b)) for a, b in zip(t.tolist(), t_lo.tolist())]
        assert _rel(_dd.exp(xnp, t, t_lo), ref) < -60
        u = np.concatenate([10.0 ** RNG.uniform(-20, np.log10(36.0), 300), [0.0, 5e-324]])
        assert _rel(_dd.expm1(xnp, u), [mp.expm1(mp.mpf(a)) for a in u.tolist()]) < -58
        x = np.concatenate([10.0 ** RNG.uniform(-300, 3, 300), [0.0, 1.0]])
        x_lo = x * 2.0**-55 * RNG.uniform(-1, 1, x.size)
        ref = [mp.log1p(mp.mpf(a) + mp.mpf(b)) for a, b in zip(x.tolist(), x_lo.tolist())]
        assert _rel(_dd.log1p(xnp, (x, x_lo)), ref) < -57


def test_sum_last_exact_for_one_term_and_compensated() -> None:
    h = np.zeros((3, 7))
    h[0, 3], h[1, 0] = 0.1, -3.0e300
    lo = h * 2.0**-60
    s = _dd.sum_last(xnp, (h, lo))
    assert np.array_equal(s[0][:, 0], h.sum(1)) and np.array_equal(s[1][:, 0], lo.sum(1))
    # 1 + many tiny terms, which a plain float64 sum rounds away
    h = np.concatenate([[1.0], np.full(999, 2.0**-60) * RNG.uniform(1, 2, 999)])[None, :]
    with mp.workprec(200):
        exact = mp.fsum(mp.mpf(v) for v in h[0].tolist())
        assert _rel(_dd.sum_last(xnp, (h, np.zeros_like(h))), [exact]) < -100


def test_softmax_dominant_entry_keeps_one_minus_p() -> None:
    x = np.array([[0.0, -600.0, -601.5], [3.0, -np.inf, 1.0], [np.inf, 2.0, np.inf], [np.nan, 0.0, 1.0]])
    with np.errstate(all="ignore"):  # as under actloss's dispatch: inf - inf in error terms that are discarded
        logp, p, q, _ = _dd.softmax(xnp, x)
    with mp.workprec(200):
        s1 = mp.exp(-600) + mp.exp(mp.mpf(-601.5))  # 1 - p ~ 1e-261: a plain 1 - p would be 0
        assert _rel((q[0][:1, 0], q[1][:1, 0]), [s1 / (1 + s1)]) < -59
        assert _rel((logp[0][:1, 0], logp[1][:1, 0]), [-mp.log1p(s1)]) < -59
    assert p[0][1, 1] == 0 and q[0][1, 1] == 1 and logp[0][1, 1] == -np.inf
    assert np.array_equal(p[0][2], [0.5, 0.0, 0.5]) and np.array_equal(q[0][2], [0.5, 1.0, 0.5])
    assert np.isnan(p[0][3]).all() and np.isnan(logp[0][3]).all()


@pytest.mark.parametrize("fw", ["numpy", "torch"])
def test_float64_focal_limits_and_nan(fw: str) -> None:
    x = np.array([np.inf, -np.inf, np.inf, -np.inf, np.nan, 1e308, -1e308])
    y = np.array([0.0, 1.0, 1.0, 0.0, 0.5, 0.3, 0.3])
    want = np.array([np.inf, np.inf, 0.0, 0.0, np.nan])
    conv = (lambda a: a) if fw == "numpy" else torch.tensor
    v, g = actloss.value_and_grad("sigmoid_focal_loss", conv(x), conv(y), cotangent=conv(np.ones(7)),
                                  reduction="none", alpha=0.25, gamma=0.5)
    v, g = np.asarray(v), np.asarray(g)
    assert np.array_equal(v[:5], want, equal_nan=True)
    assert np.isfinite(v[5:]).all() and np.isfinite(g[5:]).all()
    assert np.array_equal(g[:4], [0.75, -0.25, 0.0, 0.0]) and np.isnan(g[4])
    rows = np.array([[np.inf, 0.0, 1.0], [-np.inf, 0.0, 1.0], [np.nan, 0.0, 1.0], [1e308, -1e308, 0.0],
                     [1e308, -1e308, 0.0]])
    t = np.array([1, 0, 1, 1, 0])
    v, g = actloss.value_and_grad("softmax_focal_loss", conv(rows), conv(t), cotangent=conv(np.ones(5)),
                                  reduction="none", axis=-1, gamma=5.0)
    v, g = np.asarray(v), np.asarray(g)
    assert np.array_equal(v, [np.inf, np.inf, np.nan, np.inf, 0.0], equal_nan=True)  # log p = -2e308 is -inf
    assert np.array_equal(g[[0, 3, 4]], [[1.0, -1.0, 0.0], [1.0, -1.0, 0.0], [0.0, 0.0, 0.0]])
    assert g[1, 0] == -1.0 and np.isnan(g[2]).all()
