"""The PyTorch adapter: one ``torch.autograd.Function`` per call path, generated from the registry."""
from actloss.torch._function import OpFunction as OpFunction
from actloss.torch._function import apply_torch as apply_torch
