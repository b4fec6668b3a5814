"""The JAX adapter: ``actloss.jax.<op>`` is ``actloss.<op>`` restricted to JAX arrays.

Each op is a ``jax.custom_jvp`` whose JVP is the registry's analytic derivative (forward mode is kept; reverse
mode follows by transposition), so ``jit``, ``vmap``, ``grad`` and ``jacfwd`` all work.
"""
from actloss.jax._adapter import apply_jax as apply_jax
