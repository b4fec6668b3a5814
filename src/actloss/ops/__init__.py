"""Every op, one module each; importing this package registers them all."""
from actloss.ops import activations as activations  # noqa: F401
from actloss.ops import losses as losses  # noqa: F401
