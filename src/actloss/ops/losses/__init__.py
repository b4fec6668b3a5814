"""Losses, one module each. Importing a module registers its loss."""
from actloss.ops.losses import (  # noqa: F401
    bce_with_logits,
    cross_entropy,
    huber,
    l1,
    mse,
    poisson_nll,
    sigmoid_focal,
    smooth_l1,
    softmax_focal,
)
