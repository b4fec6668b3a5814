"""Activations, one module each. Importing a module registers its op."""
from actloss.ops.activations import (  # noqa: F401
    elu,
    gelu,
    leaky_relu,
    log_sigmoid,
    log_softmax,
    mish,
    relu,
    sigmoid,
    silu,
    softmax,
    softplus,
    swish,
    tanh,
)
