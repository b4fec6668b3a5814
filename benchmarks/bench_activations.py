"""Every registered activation, forward + backward on float32, torch's native kernel vs actloss; and NumPy's
forward against the plain NumPy formula. Cases are generated from the registry."""
from __future__ import annotations

from benchmarks._harness import case
from actloss import _registry

TORCH_NATIVE = {
    "relu": "torch.nn.functional.relu", "leaky_relu": "torch.nn.functional.leaky_relu",
    "gelu": "torch.nn.functional.gelu", "silu": "torch.nn.functional.silu", "sigmoid": "torch.sigmoid",
    "tanh": "torch.tanh", "softplus": "torch.nn.functional.softplus", "log_sigmoid": "torch.nn.functional.logsigmoid",
    "elu": "torch.nn.functional.elu", "mish": "torch.nn.functional.mish",
    "softmax": "torch.softmax", "log_softmax": "torch.log_softmax",
}


def _resolve(path):
    import importlib

    mod, _, name = path.rpartition(".")
    return getattr(importlib.import_module(mod), name)


def _make(spec_name):
    def factory(impl, N):
        import torch

        import actloss

        g = torch.Generator().manual_seed(0)
        vector = not _registry.get(spec_name).elementwise
        x = (torch.randn(N // 1000, 1000, generator=g) if vector else torch.randn(N, generator=g)) * 4
        x.requires_grad_(True)
        if impl == "torch":
            native = _resolve(TORCH_NATIVE[spec_name])
            fn = (lambda a: native(a, -1)) if vector else native
        else:
            fn = getattr(actloss, spec_name)

        def run():
            fn(x).backward(torch.ones(x.shape))
            x.grad = None

        return run

    return factory


for _spec in _registry.ops("activation"):
    if _spec.name in TORCH_NATIVE:
        case(f"activation_{_spec.name}", sizes=[dict(N=16 * 1024 * 1024)], quick=[dict(N=1 << 20)],
             unavoidable=lambda N: N * 4,
             doc=f"fwd+bwd of {_spec.name} on float32, torch native vs actloss (exact, float64 inside)")(_make(_spec.name))
