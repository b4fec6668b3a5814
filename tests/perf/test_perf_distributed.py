"""Vocabulary-parallel cross-entropy on 2 and 4 gloo ranks (CPU, spawned processes, 127.0.0.1 only)."""
from __future__ import annotations

import socket

import pytest

torch = pytest.importorskip("torch")
dist = pytest.importorskip("torch.distributed")
if not dist.is_available() or not dist.is_gloo_available():
    pytest.skip("torch.distributed with gloo is not available", allow_module_level=True)

import torch.multiprocessing as mp  # noqa: E402

from _dist_worker import run  # noqa: E402  (tests/perf is on sys.path under pytest's rootdir import mode)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize(
    "sizes",
    [
        pytest.param([9, 14], id="2-ranks-uneven"),
        pytest.param([3, 7, 1, 12], id="4-ranks-uneven-with-1-class-shard"),
    ],
)
def test_vocab_parallel_matches_single_process(sizes):
    # Values and per-rank gradient slices vs F.cross_entropy on the full logits, float64, rtol 1e-9:
    # mean/sum/none, label smoothing, ignored and all-ignored targets, z_loss, targets on shard edges.
    mp.spawn(run, args=(len(sizes), _free_port(), sizes), nprocs=len(sizes), join=True)
