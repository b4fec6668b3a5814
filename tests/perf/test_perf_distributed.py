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


def test_vocab_parallel_matches_single_process_on_4_and_2_ranks():
    # One spawn of 4 gloo ranks (process start-up dominates the cost): 4 uneven shards [3, 7, 1, 12] on the
    # world group (a cover of the options), then 2 uneven shards [9, 14] on a sub-group of ranks 0-1 (every
    # combination). Values and per-rank gradient slices vs F.cross_entropy on the full logits, float64,
    # rtol 1e-9: mean/sum/none, label smoothing, ignored and all-ignored targets, z_loss, targets on shard
    # edges, a dominant logit on a shard boundary; and the out-of-range target error.
    plans = [([3, 7, 1, 12], False), ([9, 14], True)]
    mp.spawn(run, args=(4, _free_port(), plans), nprocs=4, join=True)
