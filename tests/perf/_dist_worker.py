"""Rank body for the vocabulary-parallel tests (imported by spawned processes; not a test module).

Every rank builds the same full problem from one seed, keeps its own slice of the classes, runs the
vocabulary-parallel function and checks its value and its slice of the gradients against single-process
``torch.nn.functional.cross_entropy`` on the full logits. A failure raises AssertionError with the case,
which torch.multiprocessing.spawn re-raises in the parent.
"""

from __future__ import annotations

import os

import torch
import torch.distributed as dist
import torch.nn.functional as F

RTOL = 1e-9


def _rel(a: torch.Tensor, b: torch.Tensor) -> float:
    scale = b.abs().max().item()
    err = (a - b).abs().max().item()
    return err / scale if scale > 0 else err


def _ref_loss(z, t, reduction, eps, z_loss, ignore_index=-100):
    rows = F.cross_entropy(z, t, reduction="none", label_smoothing=eps, ignore_index=ignore_index)
    mask = t != ignore_index
    if z_loss:
        rows = rows + z_loss * torch.logsumexp(z, 1) ** 2 * mask
    if reduction == "none":
        return rows
    if reduction == "sum":
        return rows.sum()
    n = int(mask.sum())
    return rows.sum() / n if n else rows.sum() * 0.0


def _check(name, got, want):
    r = _rel(got, want)
    if not r <= RTOL:
        raise AssertionError(
            f"rank {dist.get_rank()} of {dist.get_world_size()}: {name}: relative error {r:.3e} > {RTOL}"
        )


def run(rank: int, world: int, port: int, plans: list[tuple[list[int], bool]]) -> None:
    """Each plan is (shard sizes, full): run on the first len(sizes) ranks, through a sub-group when smaller
    than the world (so that the ``group=`` argument is exercised too)."""
    os.environ.setdefault("GLOO_SOCKET_IFNAME", "lo")
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world)
    try:
        for sizes, full in plans:
            ranks = list(range(len(sizes)))
            group = None if len(sizes) == world else dist.new_group(ranks)  # collective: every rank calls it
            if rank in ranks:
                _cases(dist.get_rank(group), sizes, full, group)
                _bad_input(dist.get_rank(group), sizes, group)
    finally:
        dist.destroy_process_group()


def _cases(rank: int, sizes: list[int], full: bool, group) -> None:
    """``full``: every combination; otherwise a cover (each option at least once) to keep 4 ranks fast."""
    from actloss.distributed import vocab_parallel_cross_entropy, vocab_parallel_linear_cross_entropy

    V = sum(sizes)
    lo = sum(sizes[:rank])
    hi = lo + sizes[rank]
    N, H = 13, 6
    g = torch.Generator().manual_seed(1234)
    z_full = torch.randn(N, V, generator=g, dtype=torch.float64) * 3
    hidden = torch.randn(N, H, generator=g, dtype=torch.float64)
    W = torch.randn(V, H, generator=g, dtype=torch.float64)
    b = torch.randn(V, generator=g, dtype=torch.float64)
    t = torch.randint(0, V, (N,), generator=g)
    # Targets on the first and last class of every shard (the same on every rank), and a dominant correct
    # logit at the end of shard 0 (its row maximum sits on a shard boundary).
    for r, size in enumerate(sizes):
        t[2 * r] = sum(sizes[:r])
        t[2 * r + 1] = sum(sizes[: r + 1]) - 1
    z_full[N - 1, sizes[0] - 1] = 40.0
    t[N - 1] = sizes[0] - 1
    t_ign = t.clone()
    t_ign[::3] = -100
    go_none = torch.randn(N, generator=g, dtype=torch.float64)

    target_sets = (("all", t), ("ignored", t_ign), ("all-ignored", torch.full_like(t, -100)))
    combos = [
        (tn, tt, reduction, eps)
        for tn, tt in target_sets
        for reduction in ("mean", "sum", "none")
        for eps in (0.0, 0.2)
        if full or (tn, eps) in (("ignored", 0.2), ("all", 0.0)) or (tn, reduction) == ("all-ignored", "mean")
    ]
    for targets_name, tt, reduction, eps in combos:
        case = f"{targets_name}/{reduction}/eps={eps}"
        # logits form
        zl = z_full[:, lo:hi].clone().requires_grad_(True)
        out = vocab_parallel_cross_entropy(zl, tt, group=group, reduction=reduction, label_smoothing=eps)
        zr = z_full.clone().requires_grad_(True)
        ref = _ref_loss(zr, tt, reduction, eps, 0.0)
        go = go_none if reduction == "none" else torch.tensor(0.7, dtype=torch.float64)
        out.backward(go)
        ref.backward(go)
        _check(f"CE value {case}", out.detach(), ref.detach())
        _check(f"CE grad {case}", zl.grad, zr.grad[:, lo:hi])
        # linear form, with z_loss and a chunk size that splits the rows unevenly
        for zloss in (0.0, 1e-3) if full else (1e-3,):
            h = hidden.clone().requires_grad_(True)
            wl = W[lo:hi].clone().requires_grad_(True)
            bl = b[lo:hi].clone().requires_grad_(True)
            out = vocab_parallel_linear_cross_entropy(
                h,
                wl,
                tt,
                local_bias=bl,
                group=group,
                reduction=reduction,
                label_smoothing=eps,
                z_loss=zloss,
                chunk_size=5,
            )
            hr = hidden.clone().requires_grad_(True)
            Wr = W.clone().requires_grad_(True)
            br = b.clone().requires_grad_(True)
            ref = _ref_loss(hr @ Wr.T + br, tt, reduction, eps, zloss)
            out.backward(go)
            ref.backward(go)
            lcase = f"{case}/z_loss={zloss}"
            _check(f"linear value {lcase}", out.detach(), ref.detach())
            _check(f"linear grad hidden {lcase}", h.grad, hr.grad)
            _check(f"linear grad weight {lcase}", wl.grad, Wr.grad[lo:hi])
            _check(f"linear grad bias {lcase}", bl.grad, br.grad[lo:hi])
    # default chunk size (computed from the widest shard, identical on every rank), no bias, float32
    h = hidden.float().requires_grad_(True)
    wl = W[lo:hi].float().requires_grad_(True)
    out = vocab_parallel_linear_cross_entropy(h, wl, t, group=group)
    out.backward()
    ref = F.cross_entropy(hidden @ W.T, t)
    if not abs(out.item() - ref.item()) <= 1e-5 * abs(ref.item()):
        raise AssertionError(f"rank {rank}: float32 default chunk: {out.item()} vs {ref.item()}")


def _bad_input(rank: int, sizes: list[int], group) -> None:
    from actloss.distributed import vocab_parallel_cross_entropy

    V = sum(sizes)
    z = torch.zeros(4, sizes[rank], dtype=torch.float64)
    try:
        vocab_parallel_cross_entropy(z, torch.tensor([0, 1, V, 2]), group=group)
    except ValueError as e:
        msg = str(e)
        if not ("target" in msg and f"[0, {V})" in msg and f"received target={V}" in msg):
            raise AssertionError(f"rank {rank}: unhelpful message: {msg}") from e
    else:
        raise AssertionError(f"rank {rank}: target={V} out of range was accepted")
