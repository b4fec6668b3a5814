import os

os.environ.setdefault("JAX_PLATFORMS", "cpu")

import jax  # noqa: E402

# float64 JAX arrays need x64; the float32-compute path of JAX without x64 is tested in a subprocess.
jax.config.update("jax_enable_x64", True)
