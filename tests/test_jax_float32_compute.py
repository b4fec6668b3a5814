"""JAX without x64 (its default): the math runs in float32 with the error-free transformations on. Checked in
a subprocess, since x64 is a process-wide switch (the rest of the suite enables it)."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np

import actloss
from actloss import _registry

SCRIPT = r"""
import json, sys
import jax, jax.numpy as jnp, numpy as np
assert not jax.config.jax_enable_x64
import actloss
from actloss import _registry
x = np.linspace(-30, 30, 241).astype(np.float32)
out = {}
for spec in _registry.ops("activation"):
    f = lambda a: getattr(actloss, spec.name)(a)
    y = jax.jit(f)(jnp.asarray(x))
    g = jax.jit(lambda a: jax.vjp(f, a)[1](jnp.cos(a))[0])(jnp.asarray(x))
    assert y.dtype == jnp.float32 and g.dtype == jnp.float32
    out[spec.name] = [np.asarray(y).tolist(), np.asarray(g).tolist()]
json.dump(out, sys.stdout)
"""


def test_jax_without_x64_computes_in_float32_accurately():
    env = {**os.environ, "JAX_ENABLE_X64": "0", "JAX_PLATFORMS": "cpu"}
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    got = json.loads(done.stdout)
    x = np.linspace(-30, 30, 241).astype(np.float32)
    for spec in _registry.ops("activation"):
        y_ref = getattr(actloss, spec.name)(x.astype(np.float64))
        g_ref = actloss.value_and_grad(spec.name, x.astype(np.float64), cotangent=np.cos(x.astype(np.float64)))[1]
        y, g = (np.asarray(v, np.float64) for v in got[spec.name])
        assert np.all(np.isfinite(y)) and np.all(np.isfinite(g)), spec.name
        # float32 arithmetic throughout: a few float32 ULP of the largest value involved
        np.testing.assert_allclose(y, y_ref, rtol=2e-6, atol=1e-30, err_msg=spec.name)
        np.testing.assert_allclose(g, g_ref, rtol=1e-5, atol=4e-6 * np.abs(g_ref).max(), err_msg=spec.name)
