"""Linear + cross-entropy (and linear + softmax focal loss) for large vocabularies, fwd+bwd, float32.

Baseline: torch eager on the materialised logits, ``F.cross_entropy(hidden @ weight.T, target)``; actloss:
``linear_cross_entropy(hidden, weight, target)`` (chunked, gradients computed in the forward pass).
'extra' memory excludes the gradients of hidden and weight, which both must allocate.
"""

from __future__ import annotations

from benchmarks._harness import case


def _grads_bytes(N, H, V):
    return (N * H + V * H) * 4


def _inputs(N, H, V):
    import torch

    g = torch.Generator().manual_seed(0)
    hidden = torch.randn(N, H, generator=g).requires_grad_(True)
    weight = (torch.randn(V, H, generator=g) * 0.02).requires_grad_(True)
    target = torch.randint(0, V, (N,), generator=g)
    return hidden, weight, target


@case(
    "linear_cross_entropy",
    sizes=[dict(N=4096, H=1024, V=32768), dict(N=1024, H=1024, V=128256)],
    quick=[dict(N=512, H=256, V=8192), dict(N=256, H=256, V=32768)],
    unavoidable=_grads_bytes,
    doc="fwd+bwd of cross-entropy(hidden @ weight.T, target), mean, float32; torch eager vs actloss chunked.",
)
def linear_cross_entropy(impl, N, H, V):
    import torch.nn.functional as F

    from actloss.torch._linear_ce import linear_cross_entropy as fused

    hidden, weight, target = _inputs(N, H, V)
    loss = (
        (lambda: F.cross_entropy(hidden @ weight.T, target))
        if impl == "torch"
        else (lambda: fused(hidden, weight, target))
    )

    def run():
        loss().backward()
        hidden.grad = weight.grad = None  # leave nothing behind: the next call's peak then counts its grads

    return run


@case(
    "linear_cross_entropy_llama3_vocab",
    sizes=[dict(N=4096, H=1024, V=128256)],
    quick=[dict(N=512, H=256, V=128256)],
    unavoidable=_grads_bytes,
    timeout_s=1800.0,
    doc="The issue's target size (Llama-3 vocabulary V=128256, N=4096, H=1024), fwd+bwd, mean, float32.",
)
def linear_cross_entropy_llama3_vocab(impl, N, H, V):
    return linear_cross_entropy(impl, N, H, V)


@case(
    "linear_softmax_focal_loss",
    sizes=[dict(N=4096, H=1024, V=32768)],
    quick=[dict(N=512, H=256, V=8192)],
    unavoidable=_grads_bytes,
    doc="fwd+bwd of softmax focal loss (gamma=2) of hidden @ weight.T, mean, float32; torch eager: the "
    "log_softmax formula under autograd; actloss: linear_softmax_focal_loss (chunked).",
)
def linear_softmax_focal_loss(impl, N, H, V):
    import torch

    from actloss.torch._linear_ce import linear_softmax_focal_loss as fused

    hidden, weight, target = _inputs(N, H, V)

    def eager():
        logp = torch.log_softmax(hidden @ weight.T, dim=1).gather(1, target[:, None]).squeeze(1)
        return (-((1 - logp.exp()) ** 2) * logp).mean()

    loss = eager if impl == "torch" else (lambda: fused(hidden, weight, target, gamma=2.0))

    def run():
        loss().backward()
        hidden.grad = weight.grad = None  # leave nothing behind: the next call's peak then counts its grads

    return run


@case(
    "linear_cross_entropy_chunk_tradeoff",
    sizes=[dict(N=1024, H=1024, V=128256)],
    quick=[dict(N=256, H=256, V=32768)],
    impls=("torch", "actloss", "actloss_chunk256"),
    unavoidable=_grads_bytes,
    doc="The chunk-size trade-off at V=128256 with a small batch: the default chunk (N/8 = 128 rows) against "
    "chunk_size=256 (more memory, fewer passes over the weight).",
)
def linear_cross_entropy_chunk_tradeoff(impl, N, H, V):
    import torch.nn.functional as F

    from actloss.torch._linear_ce import linear_cross_entropy as fused

    hidden, weight, target = _inputs(N, H, V)
    loss = {
        "torch": lambda: F.cross_entropy(hidden @ weight.T, target),
        "actloss": lambda: fused(hidden, weight, target),
        "actloss_chunk256": lambda: fused(hidden, weight, target, chunk_size=256),
    }[impl]

    def run():
        loss().backward()
        hidden.grad = weight.grad = None

    return run
