"""The PyTorch adapter: one ``torch.autograd.Function`` per call path, generated from the registry."""
from actloss.torch._function import OpFunction as OpFunction
from actloss.torch._function import apply_torch as apply_torch
from actloss.torch._linear_ce import linear_cross_entropy as linear_cross_entropy
from actloss.torch._linear_ce import linear_softmax_focal_loss as linear_softmax_focal_loss
