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


def test_without_a_process_group_the_error_says_what_is_missing():
    from actloss.distributed import vocab_parallel_cross_entropy

    if dist.is_initialized():
        pytest.skip("a default process group exists in this process")
    with pytest.raises(RuntimeError, match="init_process_group"):
        vocab_parallel_cross_entropy(torch.zeros(3, 4), torch.tensor([0, 1, 2]))


@pytest.mark.parametrize(
    "logits, target, kw, exc, words",
    [
        (
            torch.zeros(3, 4),
            torch.zeros(2, dtype=torch.long),
            {},
            ValueError,
            ["target.shape", "(3,)", "(2,)"],
        ),
        (torch.zeros(3, 4), torch.zeros(3), {}, TypeError, ["target.dtype", "integer"]),
        (
            torch.zeros(3, 4, dtype=torch.long),
            torch.zeros(3, dtype=torch.long),
            {},
            TypeError,
            ["floating-point"],
        ),
        (
            torch.zeros(3, 4),
            torch.zeros(3, dtype=torch.long),
            {"reduction": "avg"},
            ValueError,
            ["reduction", "'avg'"],
        ),
        (
            torch.zeros(3, 4),
            torch.zeros(3, dtype=torch.long),
            {"label_smoothing": -0.1},
            ValueError,
            ["label_smoothing", "-0.1"],
        ),
    ],
)
def test_bad_input_is_rejected_before_any_communication(logits, target, kw, exc, words):
    from actloss.distributed import vocab_parallel_cross_entropy

    with pytest.raises(exc) as info:
        vocab_parallel_cross_entropy(logits, target, **kw)
    for word in words:
        assert word in str(info.value), (word, str(info.value))
