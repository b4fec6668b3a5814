"""The losses, forward + backward, float32, against torch eager (focal: the torchvision / log-softmax formulas
under autograd)."""
from __future__ import annotations

from benchmarks._harness import case

# "floor": what any implementation that returns a fresh gradient must at least do, timed the same way: read the
# inputs once and write one fresh gradient-sized tensor, with one torch op (x - y for the pointwise losses, -x for
# the class-index losses, whose targets are small). In a fresh process its cost is mostly the page faults of that
# fresh tensor. A target ratio below floor/torch cannot be met by any implementation that returns a new gradient.
FLOOR = ("torch", "actloss", "floor")


def _floor_run(x, y=None):
    import torch

    a = x.detach()

    def run():
        out = torch.neg(a) if y is None else torch.sub(a, y)
        del out

    return run


def _ce(impl, N, C, smoothing=0.0):
    import torch
    import torch.nn.functional as F

    import actloss

    g = torch.Generator().manual_seed(0)
    x = torch.randn(N, C, generator=g).requires_grad_(True)
    t = torch.randint(0, C, (N,), generator=g)
    if impl == "floor":
        return _floor_run(x)
    if impl == "floor_inplace":  # the in-place call's floor: read and write the logits' own (mapped) memory
        a = x.detach()

        def run_inplace_floor():
            a.neg_()

        return run_inplace_floor
    if impl == "actloss_inplace":
        # the gradient is written over the logits (they are gone after the call; one call per process)
        def run():
            actloss.cross_entropy(x, t, label_smoothing=smoothing, inplace_backward=True).backward()
            x.grad = None

        return run
    fn = F.cross_entropy if impl == "torch" else actloss.cross_entropy

    def run():
        fn(x, t, label_smoothing=smoothing).backward()
        x.grad = None

    return run


@case("cross_entropy_inplace", sizes=[dict(N=8192, C=1000), dict(N=4096, C=32768)], quick=[dict(N=512, C=1000)],
      impls=("torch", "actloss_inplace", "floor_inplace"), unavoidable=lambda N, C: 0,
      doc="fwd+bwd of cross_entropy, mean, float32; actloss with inplace_backward=True (the gradient overwrites "
          "the logits, so it needs no memory of its own: 'extra' here is the whole peak)")
def cross_entropy_inplace(impl, N, C):
    return _ce(impl, N, C)


@case("cross_entropy", impls=FLOOR, sizes=[dict(N=8192, C=1000), dict(N=4096, C=32768)], quick=[dict(N=512, C=1000)],
      unavoidable=lambda N, C: N * C * 4, doc="fwd+bwd of cross_entropy, mean, float32")
def cross_entropy(impl, N, C):
    return _ce(impl, N, C)


@case("cross_entropy_smoothing", impls=FLOOR, sizes=[dict(N=8192, C=1000)], quick=[dict(N=512, C=1000)],
      unavoidable=lambda N, C: N * C * 4, doc="fwd+bwd of cross_entropy with label_smoothing=0.1, float32")
def cross_entropy_smoothing(impl, N, C):
    return _ce(impl, N, C, 0.1)


@case("sigmoid_focal_loss", impls=FLOOR, sizes=[dict(N=4 * 1024 * 1024)], quick=[dict(N=1 << 18)],
      unavoidable=lambda N: N * 4, doc="fwd+bwd, gamma=2, alpha=0.25, mean; torch: torchvision's formula")
def sigmoid_focal(impl, N):
    import torch
    import torch.nn.functional as F

    import actloss

    g = torch.Generator().manual_seed(0)
    x = torch.randn(N, generator=g).requires_grad_(True)
    y = (torch.rand(N, generator=g) < 0.1).float()

    def torchvision(a):
        p = torch.sigmoid(a)
        ce = F.binary_cross_entropy_with_logits(a, y, reduction="none")
        p_t = p * y + (1 - p) * (1 - y)
        return ((0.25 * y + 0.75 * (1 - y)) * ce * (1 - p_t) ** 2).mean()

    if impl == "floor":
        return _floor_run(x, y)
    fn = torchvision if impl == "torch" else (lambda a: actloss.sigmoid_focal_loss(a, y))

    def run():
        fn(x).backward()
        x.grad = None

    return run


def _pointwise(impl, N, name, uniform_target):
    import torch
    import torch.nn.functional as F

    import actloss

    g = torch.Generator().manual_seed(0)
    x = torch.randn(N, generator=g).requires_grad_(True)
    y = torch.rand(N, generator=g) if uniform_target else torch.randn(N, generator=g)
    if impl == "floor":
        return _floor_run(x, y)
    fn = getattr(F if impl == "torch" else actloss, name)

    def run():
        fn(x, y).backward()
        x.grad = None

    return run


@case("bce_with_logits", impls=FLOOR, sizes=[dict(N=4 * 1024 * 1024)], quick=[dict(N=1 << 18)],
      unavoidable=lambda N: N * 4, doc="fwd+bwd of binary_cross_entropy_with_logits, mean, float32")
def bce(impl, N):
    return _pointwise(impl, N, "binary_cross_entropy_with_logits", True)


@case("mse_loss", impls=FLOOR, sizes=[dict(N=4 * 1024 * 1024)], quick=[dict(N=1 << 18)],
      unavoidable=lambda N: N * 4, doc="fwd+bwd of mse_loss, mean, float32")
def mse(impl, N):
    return _pointwise(impl, N, "mse_loss", False)


@case("huber_loss", impls=FLOOR, sizes=[dict(N=4 * 1024 * 1024)], quick=[dict(N=1 << 18)],
      unavoidable=lambda N: N * 4, doc="fwd+bwd of huber_loss, delta=1, mean, float32")
def huber(impl, N):
    return _pointwise(impl, N, "huber_loss", False)


@case("softmax_focal_loss", impls=FLOOR, sizes=[dict(N=8192, C=1000)], quick=[dict(N=512, C=1000)],
      unavoidable=lambda N, C: N * C * 4,
      doc="fwd+bwd, gamma=2, mean, class-index targets; torch: the log_softmax formula under autograd")
def softmax_focal(impl, N, C):
    import torch
    import torch.nn.functional as F

    import actloss

    g = torch.Generator().manual_seed(0)
    x = torch.randn(N, C, generator=g).requires_grad_(True)
    t = torch.randint(0, C, (N,), generator=g)

    def formula(a):
        logpt = F.log_softmax(a, 1).gather(1, t[:, None])[:, 0]
        return (-((1 - logpt.exp()) ** 2) * logpt).mean()

    if impl == "floor":
        return _floor_run(x)
    fn = formula if impl == "torch" else (lambda a: actloss.softmax_focal_loss(a, t))

    def run():
        fn(x).backward()
        x.grad = None

    return run
