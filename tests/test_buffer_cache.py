"""The buffer cache (actloss._native.arrays.buffer_cache): the native kernels' CPU torch outputs of 4 MiB or more
(activation outputs and VJPs, the losses' input gradients and per-element losses) come from mappings taken back
when torch frees the tensor. A cached buffer must never be handed out while a tensor still uses it, results must
be bit-identical with the cache off, and the limits (size, idle time, ACTLOSS_BUFFER_CACHE_MB, empty_cache)
must hold."""
from __future__ import annotations

import gc
import os
import subprocess
import sys
import threading
import time

import pytest

import actloss
from actloss import _native
from actloss._native import arrays

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.skipif(_native.lib() is None, reason="native kernels unavailable")

N, C = 2048, 1024  # 8 MiB of float32 logits: over CACHE_MIN_BYTES


@pytest.fixture(autouse=True)
def _fresh_cache(monkeypatch):
    monkeypatch.delenv("ACTLOSS_BUFFER_CACHE_MB", raising=False)
    arrays.buffer_cache.clear()
    yield
    arrays.buffer_cache.clear()


def _ce_grad(x, t):
    x = x.detach().clone().requires_grad_()
    actloss.cross_entropy(x, t).backward()
    return x.grad


def _inputs(seed=0, n=N, c=C):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, c, generator=g) * 4, torch.randint(0, c, (n,), generator=g)


def test_a_freed_gradient_buffer_serves_the_next_call_and_results_are_bit_identical(monkeypatch):
    x, t = _inputs()
    g1 = _ce_grad(x, t)
    first = g1.data_ptr()
    expected = g1.clone()
    hits = arrays.buffer_cache.hits
    del g1
    gc.collect()
    assert arrays.buffer_cache.free_bytes() >= N * C * 4
    g2 = _ce_grad(x, t)
    assert arrays.buffer_cache.hits == hits + 1 and g2.data_ptr() == first  # the same mapping, reused
    torch.testing.assert_close(g2, expected, rtol=0, atol=0)
    monkeypatch.setenv("ACTLOSS_BUFFER_CACHE_MB", "0")  # off: plain torch.empty memory, same bits
    g3 = _ce_grad(x, t)
    assert g3.untyped_storage().resizable()
    torch.testing.assert_close(g3, expected, rtol=0, atol=0)


@pytest.mark.parametrize("loss", ["cross_entropy", "mse_loss", "huber_loss", "binary_cross_entropy_with_logits",
                                  "sigmoid_focal_loss", "softmax_focal_loss", "gelu", "softmax"])
def test_a_live_gradient_is_never_handed_out_again(loss):
    # every native gradient path that takes a buffer from the cache: while g1 lives, the next call must get
    # other memory, and g1 must keep its values
    x, t = _inputs(1)
    tf = torch.rand(N, C)

    def grad():
        xx = x.detach().clone().requires_grad_()
        if loss in ("cross_entropy", "softmax_focal_loss"):
            y = getattr(actloss, loss)(xx, t)
        elif loss in ("gelu", "softmax"):
            y = getattr(actloss, loss)(xx).square().sum()
        else:
            y = getattr(actloss, loss)(xx, tf)
        y.backward()
        return xx.grad

    g1 = grad()
    keep = g1.clone()
    g2 = grad()
    assert g2.data_ptr() != g1.data_ptr()
    torch.testing.assert_close(g1, keep, rtol=0, atol=0)
    torch.testing.assert_close(g2, keep, rtol=0, atol=0)
    ptr = g1.data_ptr()
    del g1
    gc.collect()
    assert grad().data_ptr() == ptr  # freed now: reused


@pytest.mark.parametrize("call", ["silu", "log_softmax", "mse_none"])
def test_a_live_output_is_never_handed_out_again(call, monkeypatch):
    # forward outputs are the user's tensors: the same rule, also when the output is saved for backward
    x, _ = _inputs(2)
    tf = torch.rand(N, C)

    def out():
        if call == "mse_none":
            return actloss.mse_loss(x, tf, reduction="none")
        return getattr(actloss, call)(x)

    y1 = out()
    keep = y1.clone()
    y2 = out()
    assert y2.data_ptr() != y1.data_ptr()
    torch.testing.assert_close(y1, keep, rtol=0, atol=0)
    ptr = y1.data_ptr()
    del y1
    gc.collect()
    y3 = out()
    assert y3.data_ptr() == ptr
    torch.testing.assert_close(y3, keep, rtol=0, atol=0)
    monkeypatch.setenv("ACTLOSS_BUFFER_CACHE_MB", "0")
    torch.testing.assert_close(out(), keep, rtol=0, atol=0)
    g = torch.randn(N, C, generator=torch.Generator().manual_seed(4))
    xr = x.detach().clone().requires_grad_()
    actloss.log_softmax(actloss.silu(xr)).backward(g)  # the expected gradient, with the cache still off
    monkeypatch.delenv("ACTLOSS_BUFFER_CACHE_MB")
    xx = x.detach().clone().requires_grad_()
    h = actloss.silu(xx)  # a cached output ...
    assert not h.untyped_storage().resizable()
    y = actloss.log_softmax(h)  # ... that log_softmax saves for its backward (activations save their input)
    del h  # now only autograd holds it: reusing it would corrupt the gradient
    gc.collect()
    for _ in range(3):
        actloss.silu(x).fill_(7.0)
    y.backward(g)
    torch.testing.assert_close(xx.grad, xr.grad, rtol=0, atol=0)


def test_a_buffer_serves_requests_of_its_size_or_up_to_a_quarter_smaller():
    cache = arrays.buffer_cache
    big = arrays.empty_like(torch.empty(N, C))
    ptr = big.data_ptr()
    del big
    gc.collect()
    smaller = arrays.empty_like(torch.empty(N - N // 4, C))  # 3/4 of it: served
    assert smaller.data_ptr() == ptr and smaller.shape == (N - N // 4, C)
    del smaller
    gc.collect()
    tiny = arrays.empty_like(torch.empty(N // 2, C))  # half: a buffer of its own
    assert tiny.data_ptr() != ptr
    larger = arrays.empty_like(torch.empty(N + 1, C))  # larger: never the smaller buffer
    assert larger.data_ptr() != ptr
    assert cache.free_bytes() == N * C * 4  # the big buffer is still there, free


def test_small_requests_bypass_the_cache():
    small = arrays.empty_like(torch.empty(arrays.CACHE_MIN_BYTES // 4 - 1))
    assert small.untyped_storage().resizable()  # plain torch memory
    assert arrays.buffer_cache.free_bytes() == 0


def test_limits_idle_time_and_empty_cache(monkeypatch):
    cache = arrays.buffer_cache
    nbytes = N * C * 4
    a = arrays.empty_like(torch.empty(N, C))
    del a
    gc.collect()
    assert cache.free_bytes() == nbytes
    assert actloss.empty_cache() == nbytes and cache.free_bytes() == 0
    monkeypatch.setenv("ACTLOSS_BUFFER_CACHE_MB", str(nbytes / 2 / (1 << 20)))  # smaller than one buffer
    b = arrays.empty_like(torch.empty(N, C))
    del b
    gc.collect()
    assert cache.free_bytes() == 0  # unmapped when it came back: over the limit
    monkeypatch.delenv("ACTLOSS_BUFFER_CACHE_MB")
    c = arrays.empty_like(torch.empty(N, C))
    del c
    gc.collect()
    assert cache.free_bytes() == nbytes
    later = arrays._now() + arrays.CACHE_IDLE_S + 1
    monkeypatch.setattr(arrays, "_now", lambda: later)  # the cache's clock only (not time.monotonic itself)
    d = arrays.empty_like(torch.empty(N // 2, C))  # a miss: and the idle buffer is dropped on the way
    assert cache.free_bytes() == 0
    del d


def test_a_bad_limit_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("ACTLOSS_BUFFER_CACHE_MB", "lots")
    with pytest.raises(ValueError, match="ACTLOSS_BUFFER_CACHE_MB must be a number of MiB"):
        arrays.empty_like(torch.empty(N, C))


def test_threads_sharing_the_cache_get_their_own_buffers():
    # several threads in training loops at once: each result equals the single-threaded one
    inputs = [_inputs(s) for s in range(4)]
    expected = [_ce_grad(x, t).clone() for x, t in inputs]
    errors: list[str] = []

    def loop(k):
        x, t = inputs[k]
        for _ in range(5):
            g = _ce_grad(x, t)
            if not torch.equal(g, expected[k]):
                errors.append(f"thread {k}: wrong gradient")

    threads = [threading.Thread(target=loop, args=(k,)) for k in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors
    assert arrays.buffer_cache.hits > 0


def test_idle_buffers_are_unmapped_without_another_call(monkeypatch):
    # a loop that stops must not keep its buffers: a timer unmaps them after the idle time
    monkeypatch.setattr(arrays, "CACHE_IDLE_S", 1.0)
    a = arrays.empty_like(torch.empty(N, C))
    del a  # freed at once (reference counting): no gc.collect, which can outlast the idle time in a big process
    assert arrays.buffer_cache.free_bytes() == N * C * 4
    deadline = time.monotonic() + 10
    while arrays.buffer_cache.free_bytes() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert arrays.buffer_cache.free_bytes() == 0


_FORK_CHILD = """
import ctypes, os, sys
import torch
import actloss
x = torch.randn(2048, 1024)
y = actloss.silu(x)
assert not y.untyped_storage().resizable(), "not from the buffer cache"
keep = y.clone()
pid = os.fork()
if pid == 0:  # the child overwrites the buffer (memset: torch's OpenMP pool can hang in a forked child)
    ctypes.memset(y.data_ptr(), 0xFF, y.numel() * y.element_size())
    os._exit(0)
_, status = os.waitpid(pid, 0)
assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
sys.exit(0 if torch.equal(y, keep) else 3)
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork here")
def test_a_forked_child_writing_a_cached_buffer_leaves_the_parents_alone():
    # a DataLoader worker is a fork: the buffers must be private copy-on-write memory, not shared mappings. In a
    # fresh interpreter: this test process may hold JAX, which warns (an error here) on any fork.
    r = subprocess.run([sys.executable, "-c", _FORK_CHILD], capture_output=True, text=True, timeout=120, check=False)
    assert r.returncode == 0, (r.returncode, r.stderr[-2000:])


def test_a_bad_limit_set_while_buffers_live_does_not_break_their_release(monkeypatch):
    # the finalizer that gives a buffer back cannot raise: it keeps nothing, and the next request reports it
    a = arrays.empty_like(torch.empty(N, C))
    monkeypatch.setenv("ACTLOSS_BUFFER_CACHE_MB", "lots")
    del a
    assert arrays.buffer_cache.free_bytes() == 0
    with pytest.raises(ValueError, match="ACTLOSS_BUFFER_CACHE_MB"):
        arrays.empty_like(torch.empty(N, C))
