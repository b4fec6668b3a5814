"""Array-namespace helpers: which framework an array belongs to, its floating dtypes, and the shim for what
the Array API standard lacks (erfc).

Everything above this module works on ``xp = namespace(x)`` only; framework-specific calls live here.
"""
from __future__ import annotations

import math
from typing import Any

import array_api_compat
import numpy as np

Array = Any

_SUPPORTED = "a NumPy array, a torch.Tensor or a JAX array"


def framework(x: object) -> str:
    """Return 'numpy', 'torch', 'jax' or 'other' (any other Array API array) for an array ``x``."""
    if isinstance(x, np.ndarray) or isinstance(x, np.generic):
        return "numpy"
    if array_api_compat.is_torch_array(x):
        return "torch"
    if array_api_compat.is_jax_array(x):
        return "jax"
    if hasattr(x, "__array_namespace__"):
        return "other"
    return "none"


def check_array(x: object, *, op: str, arg: str) -> str:
    """Validate that ``x`` is a supported array; return its framework name."""
    fw = framework(x)
    if fw == "none":
        raise TypeError(
            f"actloss.{op}: argument '{arg}' must be {_SUPPORTED}; received {type(x).__module__}.{type(x).__qualname__}"
        )
    return fw


def namespace(*arrays: Array) -> Any:
    return array_api_compat.array_namespace(*arrays)


def is_numpy_ns(xp: Any) -> bool:
    return array_api_compat.is_numpy_namespace(xp)


def is_torch_ns(xp: Any) -> bool:
    return array_api_compat.is_torch_namespace(xp)


def is_jax_ns(xp: Any) -> bool:
    return array_api_compat.is_jax_namespace(xp)


# ----------------------------------------------------------------------------------------------------------
# dtypes
# ----------------------------------------------------------------------------------------------------------
def dtype_name(dtype: Any) -> str:
    """'float64', 'float32', 'float16', 'bfloat16', 'int64', ... for a NumPy, torch or JAX dtype."""
    name = getattr(dtype, "name", None)
    if not isinstance(name, str):  # scalar types such as np.float64 / jnp.float64
        try:
            name = np.dtype(dtype).name
        except TypeError:
            name = str(dtype)
    return name.rsplit(".", 1)[-1]  # 'torch.float32', 'array_api_strict.float64' -> 'float32', 'float64' 


FLOAT_NAMES = ("float64", "float32", "float16", "bfloat16")


def is_float_dtype(dtype: Any) -> bool:
    return dtype_name(dtype) in FLOAT_NAMES


def check_float(x: Array, *, op: str, arg: str) -> None:
    if not is_float_dtype(x.dtype):
        raise TypeError(
            f"actloss.{op}: argument '{arg}' must have a floating dtype (float16, bfloat16, float32 or float64); "
            f"received dtype {dtype_name(x.dtype)}"
        )


def compute_dtype(xp: Any, x: Array) -> Any:
    """The dtype the math runs in: float64 where the framework and device have it, else float32.

    Inputs narrower than float64 are computed in float64 and rounded once at the end, which makes float32,
    float16 and bfloat16 results correctly rounded or within 1 ULP. JAX without ``jax_enable_x64`` and devices
    without float64 (Apple MPS) compute in float32 with compensated formulas instead.
    """
    if is_jax_ns(xp):
        import jax

        return xp.float64 if jax.config.jax_enable_x64 else xp.float32
    if is_torch_ns(xp) and getattr(getattr(x, "device", None), "type", "cpu") == "mps":  # pragma: no cover
        return xp.float32
    return xp.float64


def is_f64(x: Array) -> bool:
    return dtype_name(x.dtype) == "float64"


# ----------------------------------------------------------------------------------------------------------
# the shim: functions the Array API standard does not have
# ----------------------------------------------------------------------------------------------------------
_np_erfc_vec = np.vectorize(math.erfc, otypes=[np.float64])


def erfc(xp: Any, x: Array) -> Array:
    """Complementary error function, accurate in the tails (never computed as 1 - erf)."""
    if is_torch_ns(xp):
        import torch

        return torch.special.erfc(x)
    if is_jax_ns(xp):
        import jax

        return jax.scipy.special.erfc(x)
    if is_numpy_ns(xp):
        try:
            from scipy.special import erfc as sp_erfc
        except ImportError:  # exact but slow fallback: libm's erfc per element
            return _np_erfc_vec(np.asarray(x, dtype=np.float64)).astype(x.dtype, copy=False)
        return sp_erfc(x)
    raise NotImplementedError(f"erfc is not available for the array namespace {getattr(xp, '__name__', xp)}")


def erfcx(xp: Any, x: Array) -> Array | None:
    """Scaled complementary error function exp(x^2) erfc(x), or None where no vectorised one is available."""
    if is_torch_ns(xp):
        import torch

        return torch.special.erfcx(x)
    if is_jax_ns(xp):
        import jax

        return jax.scipy.special.erfcx(x)
    if is_numpy_ns(xp):
        try:
            from scipy.special import erfcx as sp_erfcx
        except ImportError:
            return None
        return sp_erfcx(x)
    return None


def tanh(xp: Any, x: Array) -> Array:
    """tanh: the platform's where it is accurate (NumPy/libm, torch/SLEEF); on JAX (XLA's tanh is a fast
    approximation, 5.5 ULP off in float64) -expm1(-2|x|) / (2 + expm1(-2|x|)) with the sign restored."""
    if is_jax_ns(xp):
        m = xp.expm1(-2.0 * xp.abs(x))
        t = -m / (2.0 + m)
        return xp.where(x < 0, -t, t)
    return xp.tanh(x)
