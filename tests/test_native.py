"""The native float32 kernels (actloss._native): they load here, they agree with the reference path, and every
way around them (disabled, no compiler, arrays they do not take, double backward, torch.func) still works.
Their accuracy against mpmath is tested with every other path in test_accuracy.py (the 'default' and
'reference' paths of each float32 case)."""
from __future__ import annotations

import contextlib
import os
import subprocess
import sys

import numpy as np
import pytest

import actloss
from actloss import _native, _registry

torch = pytest.importorskip("torch")

NATIVE_OPS = [s for s in _registry.ops("activation") if s.native is not None]


def _ulp_diff(a: np.ndarray, b: np.ndarray) -> int:
    ai = a.view(np.int32).astype(np.int64)
    bi = b.view(np.int32).astype(np.int64)
    ai = np.where(ai < 0, -(ai & 0x7FFFFFFF), ai)
    bi = np.where(bi < 0, -(bi & 0x7FFFFFFF), bi)
    d = np.abs(ai - bi)
    d[np.isnan(a) & np.isnan(b)] = 0
    return int(d.max())


def test_kernels_load_on_this_machine():
    # The dev machines and CI have a C compiler: the kernels must build there (a silent fallback would hide
    # a broken kernel source behind the reference path).
    assert _native.status() == "loaded"


@pytest.mark.parametrize("spec", NATIVE_OPS, ids=lambda s: s.name)
def test_native_equals_reference_on_a_large_threaded_array(spec):
    # Larger than the threading threshold, with random bit patterns (every exponent, NaN, inf, subnormals):
    # the native result is the reference's to 1 float32 ULP (both are a double result rounded once).
    rng = np.random.default_rng(5)
    bits = rng.integers(0, 2**32, 1 << 17, dtype=np.uint64).astype(np.uint32)
    x = np.concatenate([bits.view(np.float32), np.linspace(-30, 30, 1 << 16, dtype=np.float32)])
    x = x[: len(x) // 8 * 8].reshape(-1, 8)
    for params in spec.sample_params():
        if params.get("axis", -1) != -1:
            continue
        cot = rng.normal(0, 1, x.shape).astype(np.float32)
        platform = spec.numpy_float32 is not None  # the forward is NumPy's own float32 function
        kernels = 1 if platform else 2
        before = _native.calls
        y1, g1 = actloss.value_and_grad(spec.name, x, cotangent=cot, **params)
        assert _native.calls == before + kernels
        with _native.disabled():
            y0, g0 = actloss.value_and_grad(spec.name, x, cotangent=cot, **params)
        assert _native.calls == before + kernels
        assert y1.dtype == np.float32 and g1.dtype == np.float32
        # NumPy's float32 tanh is within 1.37 ULP of the exact value, the reference within 0.5
        assert _ulp_diff(y1.ravel(), y0.ravel()) <= (2 if platform else 1), params
        if spec.elementwise:
            assert _ulp_diff(g1.ravel(), g0.ravel()) <= 1, params
        else:  # a VJP's sum: compare to the largest term's scale
            scale = np.broadcast_to(np.max(np.abs(cot), axis=-1, keepdims=True), x.shape)
            nan = np.isnan(g0)
            np.testing.assert_array_equal(np.isnan(g1), nan)
            assert np.all(np.abs(g1 - g0)[~nan] <= 4e-7 * scale[~nan]), params


def test_numpy_float32_tanh_forward_is_numpys_own():
    # OpSpec.numpy_float32: NumPy float32 arrays take np.tanh (measured within 1.37 ULP over every float32 by
    # scripts/check_numpy_tanh32.py); float64, torch and the derivative keep the kernels.
    x = np.linspace(-12, 12, 1 << 16, dtype=np.float32)
    np.testing.assert_array_equal(actloss.tanh(x), np.tanh(x))
    for a in (np.array(0.5, np.float32), np.float32(0.5), x[::3]):  # 0-d, a NumPy scalar, strided: arrays back
        assert type(actloss.tanh(a)) is type(actloss.sigmoid(a)) is np.ndarray
        assert actloss.tanh(a).dtype == np.float32 and actloss.tanh(a).shape == np.shape(a)
    with _native.disabled():
        ref = actloss.tanh(x)
    assert _ulp_diff(actloss.tanh(x), ref) <= 2
    before = _native.calls
    actloss.tanh(torch.from_numpy(x))
    assert _native.calls == before + 1


def test_torch_autograd_strided_and_expanded_cotangents():
    x = torch.linspace(-10, 10, 1 << 17).requires_grad_()
    y = actloss.gelu(x)
    y.sum().backward()  # the cotangent is an expanded (stride-0) tensor of ones
    expected = actloss.derivative("gelu", x.detach().numpy())
    np.testing.assert_array_equal(x.grad.numpy(), expected)
    base = torch.zeros(2 << 17)
    base[::2] = x.detach()
    xs = base[::2].requires_grad_()  # the same values, strided: the reference path
    before = _native.calls
    actloss.gelu(xs).sum().backward()
    assert _native.calls == before
    np.testing.assert_array_equal(xs.grad.numpy(), expected)


def test_double_backward_takes_the_differentiable_path():
    x = torch.linspace(-4, 4, 101, requires_grad=True)
    (g,) = torch.autograd.grad(actloss.sigmoid(x).sum(), x, create_graph=True)
    (gg,) = torch.autograd.grad(g.sum(), x)
    s = torch.sigmoid(x.detach().double())
    expected = s * (1 - s) * (1 - 2 * s)  # sigmoid''
    torch.testing.assert_close(gg.double(), expected, atol=1e-6, rtol=1e-4)


def test_torch_func_transforms_fall_back():
    x = torch.linspace(-3, 3, 12).reshape(3, 4)
    g = torch.func.vmap(torch.func.grad(lambda r: actloss.silu(r).sum()))(x)
    torch.testing.assert_close(g, torch.func.vmap(torch.func.grad(lambda r: torch.nn.functional.silu(r).sum()))(x))


def _run(env: dict, code: str) -> str:
    full = {**os.environ, **env}
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=full, timeout=300)
    assert res.returncode == 0, res.stderr
    return res.stdout.strip()


CODE = ("import numpy as np, actloss; from actloss import _native; "
        "y = actloss.sigmoid(np.array([-100.0, 0.0, 3.0], np.float32)); print(_native.status()); print(repr(y))")


def test_disabled_by_environment():
    out = _run({"ACTLOSS_NATIVE": "0"}, CODE)
    assert out.splitlines()[0] == "disabled (ACTLOSS_NATIVE=0)"
    assert "3.7835059e-44" in out  # sigmoid(-100) in float32, a subnormal, from the reference path


def test_no_compiler_falls_back_with_a_reason(tmp_path):
    out = _run({"CC": "/bin/false", "ACTLOSS_CACHE_DIR": str(tmp_path), "TMPDIR": str(tmp_path)}, CODE)
    lines = out.splitlines()
    status, value = lines[0], lines[-1]
    assert status.startswith("RuntimeError") and "failed" in status
    assert "3.7835059e-44" in value and "9.5257413e-01" in value


def test_public_status():
    assert actloss.native_status() == _native.status()


# ---- losses -------------------------------------------------------------------------------------------------
def _ce_case(n=257, c=301, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, c, generator=g) * 5
    t = torch.randint(0, c, (n,), generator=g)
    t[::7] = -100
    return x, t


@pytest.mark.parametrize("kw", [{}, {"label_smoothing": 0.1}, {"weight": "w"}, {"reduction": "sum", "z_loss": 1e-3},
                                {"reduction": "none", "label_smoothing": 0.2, "weight": "w"}])
def test_cross_entropy_native_matches_torch_float64(kw):
    x, t = _ce_case()
    if kw.get("weight") == "w":
        kw = {**kw, "weight": torch.rand(x.shape[1], generator=torch.Generator().manual_seed(1)) + 0.1}
    z = kw.get("z_loss", 0.0)
    tkw = {k: v for k, v in kw.items() if k != "z_loss"}
    xa = x.clone().requires_grad_()
    before = _native.calls
    la = actloss.cross_entropy(xa, t, **kw)
    assert _native.calls == before + 1
    cot = torch.rand(la.shape) if la.ndim else torch.tensor(1.7)
    (la * cot).sum().backward()
    x64 = x.double().requires_grad_()
    w64 = tkw["weight"].double() if "weight" in tkw else None
    lt = torch.nn.functional.cross_entropy(x64, t, **{**tkw, "weight": w64})
    if z:
        lse = torch.logsumexp(x64, -1)
        lt = lt + z * (lse**2 * (t != -100)).sum()
    (lt * cot.double()).sum().backward()
    torch.testing.assert_close(la.double(), lt.detach(), rtol=2e-6, atol=1e-6)
    torch.testing.assert_close(xa.grad.double(), x64.grad, rtol=1e-5, atol=1e-7)


def test_cross_entropy_inplace_backward():
    x, t = _ce_case(seed=3)
    ref = x.clone().requires_grad_()
    actloss.cross_entropy(ref, t).backward()
    leaf = x.clone().requires_grad_()
    logits = leaf * 1.0  # a non-leaf, as the output of a model
    version = logits._version
    loss = actloss.cross_entropy(logits, t, inplace_backward=True)
    assert logits._version > version  # autograd knows the logits changed
    loss.backward()
    torch.testing.assert_close(leaf.grad, ref.grad, rtol=0, atol=0)
    assert torch.equal(logits.detach(), ref.grad)  # the logits' storage now holds the gradient
    again = x.clone().requires_grad_()
    out = actloss.cross_entropy(again * 1.0, t, inplace_backward=True)
    with pytest.raises(RuntimeError, match="inplace_backward"):
        torch.autograd.grad(out, again, create_graph=True)


def test_native_loss_retain_graph_and_nan_rows():
    x, t = _ce_case(seed=4)
    xa = x.clone().requires_grad_()
    loss = actloss.cross_entropy(xa, t)
    loss.backward(retain_graph=True)
    first = xa.grad.clone()
    loss.backward()
    torch.testing.assert_close(xa.grad, 2 * first)
    x[5, 3] = float("nan")
    x[9, 0] = float("inf")
    xb = x.clone().requires_grad_()
    lb = actloss.cross_entropy(xb, t, reduction="none")  # such rows take the reference path, which has the limits
    with _native.disabled():
        lr = actloss.cross_entropy(x.clone(), t, reduction="none")
    torch.testing.assert_close(lb.detach(), lr, equal_nan=True)


_CE_ROW_CASES = [("cross_entropy", {}), ("cross_entropy", {"reduction": "sum", "label_smoothing": 0.1}),
                 ("cross_entropy", {"reduction": "none", "weight": "w", "z_loss": 1e-3})]


@pytest.mark.parametrize("name,kw,inplace", [
    *[(*c, False) for c in _CE_ROW_CASES], *[(*c, True) for c in _CE_ROW_CASES],  # inplace: cross_entropy's option
    ("softmax_focal_loss", {"gamma": 2.0}, False),
    ("softmax_focal_loss", {"reduction": "none", "gamma": 0.5, "weight": "w"}, False)])
@pytest.mark.parametrize("n", [257, 70_001])  # one kernel piece; several threads' pieces
def test_class_loss_rows_with_nan_or_inf_are_completed_on_the_reference_path(name, kw, inplace, n):
    """The kernel leaves rows holding NaN or inf alone (their logits intact, in place too) and the reference path
    completes exactly those rows: loss and gradient equal the reference path's for the whole call, where the
    old code sent the whole call there (and, in place, scanned every logit first)."""
    c = 301 if n == 257 else 5
    g = torch.Generator().manual_seed(n)
    x = torch.randn(n, c, generator=g) * 5
    t = torch.randint(0, c, (n,), generator=g)
    t[::7] = -100
    rows = [5, 9, 10, n // 2, n - 1]  # NaN; +inf at the target (a finite limit); -inf; +inf off the target; both
    x[5, 3] = float("nan")
    x[9, t[9]] = float("inf")
    x[10, 0] = -float("inf")
    x[n // 2, (t[n // 2] + 1) % c] = float("inf")
    x[n - 1, 0], x[n - 1, 1] = float("inf"), -float("inf")
    t[rows] = torch.tensor([1, t[9].item() % c, 2, t[n // 2].item() % c, 0]).clamp(0, c - 1)
    x[9, t[9]] = float("inf")
    if kw.get("weight") == "w":
        kw = {**kw, "weight": torch.rand(c, generator=g) + 0.1}
    fn = getattr(actloss, name)
    extra = {"inplace_backward": True} if inplace else {}
    leaf = x.clone().requires_grad_()
    before = _native.calls
    got = fn(leaf * 1.0, t, **kw, **extra)
    assert _native.calls == before + 1  # the kernels took the call despite the bad rows
    cot = torch.rand(got.shape, generator=g) if got.ndim else torch.tensor(1.5)
    (got * cot).sum().backward()
    with _native.disabled():
        ref = x.clone().requires_grad_()
        want = fn(ref, t, **kw)
        (want * cot).sum().backward()
    torch.testing.assert_close(got.detach(), want.detach(), rtol=2e-6, atol=1e-30, equal_nan=True)
    torch.testing.assert_close(leaf.grad, ref.grad, rtol=2e-6, atol=1e-37, equal_nan=True)
    good = torch.ones(n, dtype=torch.bool)
    good[rows] = False
    assert torch.isfinite(leaf.grad[good]).all() and torch.isnan(leaf.grad[5]).all()


_POINTWISE_NATIVE = sorted(__import__("actloss._native.losses", fromlist=["POINTWISE"]).POINTWISE)


@pytest.mark.parametrize("name", _POINTWISE_NATIVE)
@pytest.mark.parametrize("where", ["torch-grad", "torch-nograd", "torch-f16", "numpy", "numpy-f64", "value_and_grad",
                                   "module", "disabled"])
@pytest.mark.parametrize("n", [7, 300_001])  # one piece; several threads' pieces (the bad value in the last)
def test_pointwise_target_check_on_every_path(name, where, n):
    """The native kernels check the targets in their own pass (no separate reduction): a NaN or out-of-range
    target raises the same error on the kernel path as on the reference path, wherever it sits."""
    unit = _registry.get(name).target == "unit"
    np_dtype = np.float64 if where == "numpy-f64" else np.float32
    x = np.linspace(-3, 3, n).astype(np_dtype)
    y = np.full(n, 0.25, np_dtype)
    fn = getattr(actloss, name)
    for bad, match in [(np.nan, "must not contain NaN; received 1 NaN"),
                       *([(1.5, r"must be in \[0, 1\]; received a value 1.5"),
                          (-(2.0 ** -20), r"must be in \[0, 1\]; received a value -9.5367")] if unit else [])]:
        yb = y.copy()
        yb[-1] = bad

        def call(yb=yb):
            if where in ("numpy", "numpy-f64"):
                return fn(x, yb)
            xt, yt = torch.from_numpy(x), torch.from_numpy(yb)
            if where == "torch-f16":
                return fn(xt.half(), yt.half())
            if where == "torch-nograd":
                with torch.no_grad():
                    return fn(xt.requires_grad_(), yt)
            if where == "value_and_grad":
                return actloss.value_and_grad(name, xt, yt)
            if where == "module":
                return getattr(actloss.nn, _registry.get(name).torch_module.name)()(xt.requires_grad_(), yt)
            if where == "disabled":
                with _native.disabled():
                    return fn(xt.requires_grad_(), yt)
            return fn(xt.requires_grad_(), yt)

        with pytest.raises(ValueError, match=f"actloss.{name}: argument 'target' " + match):
            call()
    before = _native.calls
    call(y)  # valid targets: no error, and the kernels took the call where they can
    takes = where not in ("torch-f16", "disabled") and (where != "numpy-f64" or name != "sigmoid_focal_loss")
    assert (_native.calls > before) == takes


@pytest.mark.parametrize("name", sorted(__import__("actloss._native.losses", fromlist=["POINTWISE"]).POINTWISE))
def test_pointwise_native_equals_reference(name):
    g = torch.Generator().manual_seed(2)
    x = torch.randn(300, 700, generator=g) * 8
    y = torch.rand(300, 700, generator=g)
    y[::3] = (y[::3] > 0.5).float()
    kws = [{}, {"reduction": "none"}]
    if "weight" in _registry.get(name).arrays:  # torch's signature decides (torchvision's focal, smooth_l1: none)
        kws.append({"weight": torch.rand(300, 700, generator=g), "reduction": "sum"})
    if name == "binary_cross_entropy_with_logits":
        kws += [{"pos_weight": torch.rand(700, generator=g) * 3}, {"label_smoothing": 0.1}]
    if name == "sigmoid_focal_loss":
        kws += [{"gamma": 0.5}, {"gamma": 3.0, "alpha": None}, {"gamma": 0.0}]
    for kw in kws:
        xa = x.clone().requires_grad_()
        before = _native.calls
        la = getattr(actloss, name)(xa, y, **kw)
        assert _native.calls == before + 1, kw
        la.sum().backward()
        with _native.disabled():
            xr = x.clone().requires_grad_()
            lr = getattr(actloss, name)(xr, y, **kw)
            lr.sum().backward()
        torch.testing.assert_close(la, lr, rtol=1e-6, atol=1e-30)
        torch.testing.assert_close(xa.grad, xr.grad, rtol=3e-7, atol=1e-37)


@pytest.mark.parametrize("name", ["mse_loss", "binary_cross_entropy_with_logits", "cross_entropy"])
def test_native_loss_without_a_graph_computes_no_gradient(name, monkeypatch):
    # torch.no_grad (evaluation) or an input that does not require grad: the kernel runs without a gradient
    # buffer (want_grad=False), and the value is the one grad mode gives
    g = torch.Generator().manual_seed(3)
    x = torch.randn(256, 100, generator=g) * 4
    y = torch.randint(0, 100, (256,), generator=g) if name == "cross_entropy" else torch.rand(256, 100, generator=g)
    fn = getattr(actloss, name)
    expected = fn(x.clone().requires_grad_(), y).detach()
    from actloss._native import losses as native_losses

    seen = []
    run = native_losses.run
    monkeypatch.setattr(native_losses, "run", lambda *a, **k: seen.append(k["want_grad"]) or run(*a, **k))
    with torch.no_grad():
        a = fn(x.clone().requires_grad_(), y)
    b = fn(x, y)
    assert seen == [False, False]
    assert not a.requires_grad and not b.requires_grad
    assert torch.equal(a, expected) and torch.equal(b, expected)


@pytest.mark.parametrize("kw", [{}, {"label_smoothing": 0.1, "reduction": "sum"}, {"z_loss": 1e-3},
                                {"reduction": "none"}])
def test_linear_cross_entropy_float32_chunks_take_the_native_kernel(kw):
    g = torch.Generator().manual_seed(6)
    n, h, v = 300, 64, 5000
    hid = torch.randn(n, h, generator=g).requires_grad_()
    w = (torch.randn(v, h, generator=g) * 0.3).requires_grad_()
    b = torch.randn(v, generator=g).requires_grad_()
    t = torch.randint(0, v, (n,), generator=g)
    t[::5] = -100
    before = _native.calls
    loss = actloss.linear_cross_entropy(hid, w, t, bias=b, chunk_size=128, **kw)
    assert _native.calls >= before + 2  # one call per chunk: 240 kept rows in chunks of 128
    cot = torch.rand(loss.shape, generator=g) if loss.ndim else torch.tensor(0.7)
    (loss * cot).sum().backward()
    h64, w64, b64 = (x.detach().double().requires_grad_() for x in (hid, w, b))
    z = kw.get("z_loss", 0.0)
    logits = h64 @ w64.T + b64
    ref = torch.nn.functional.cross_entropy(logits, t, **{k: v for k, v in kw.items() if k != "z_loss"})
    if z:
        keep = t != -100
        ref = ref + z * (torch.logsumexp(logits, -1) ** 2 * keep).sum() / keep.sum()
    (ref * cot.double()).sum().backward()
    torch.testing.assert_close(loss.double(), ref.detach(), rtol=2e-6, atol=1e-5)
    for got, want in ((hid.grad, h64.grad), (w.grad, w64.grad), (b.grad, b64.grad)):
        torch.testing.assert_close(got.double(), want, rtol=1e-5, atol=1e-6 * float(want.abs().max()))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
@pytest.mark.filterwarnings("ignore:.*fork.*:DeprecationWarning", "ignore:.*fork.*:RuntimeWarning",
                            "ignore::pytest.PytestUnraisableExceptionWarning")  # JAX, if loaded, warns at fork
def test_threaded_call_in_a_forked_child():
    # The parent's thread pool exists before the fork; the child must not wait on the parent's (absent) threads.
    x = np.linspace(-5, 5, 1 << 18, dtype=np.float32)
    expected = actloss.sigmoid(x)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        try:
            ok = np.array_equal(actloss.sigmoid(x), expected)
            os.write(w, b"1" if ok else b"0")
        finally:
            os._exit(0)
    os.close(w)
    import select

    ready, _, _ = select.select([r], [], [], 60)
    if not ready:
        os.kill(pid, 9)
    os.waitpid(pid, 0)
    assert ready, "the forked child hung on the native kernels' thread pool"
    assert os.read(r, 1) == b"1"


def test_inplace_backward_must_be_a_bool():
    x, t = _ce_case()
    with pytest.raises(TypeError, match="argument 'inplace_backward' must be a bool; received str"):
        actloss.cross_entropy(x, t, inplace_backward="yes")
    # ignored (no error, same value) where the native kernels do not run: float64 takes the reference path
    xd = x.double()
    assert torch.equal(actloss.cross_entropy(xd, t, inplace_backward=True), actloss.cross_entropy(xd, t))


_SPANNING = [{}, {"label_smoothing": 0.1}, {"label_smoothing": 0.2, "weight": [0.5, 1.0, 2.0]},
             {"weight": [0.3, 0.3, 0.3]}]


@pytest.mark.parametrize("path", ["native", "reference"])
@pytest.mark.parametrize("name,kw", [("cross_entropy", kw) for kw in [*_SPANNING, {"z_loss": 1e-4}]]
                         + [("softmax_focal_loss", kw) for kw in _SPANNING])
def test_class_losses_float64_rows_spanning_the_range(kw, name, path):
    # logits at +-the largest finite value: x - max overflows, lse^2 overflows, the label-smoothing sum may. Both
    # paths give the exact value's rounding wherever it is finite (within the 4 ULP bar), inf where it is not,
    # never NaN; gradients within the bar of their largest term. (The reference path returned inf for such
    # rows whose loss a weight or label smoothing brings back under the largest finite value.)
    import mpmath as mp

    from actloss.testing import accuracy as acc

    if name == "softmax_focal_loss":
        kw = {**kw, "gamma": 2.0}
    big = 1.7e308
    rows = [[big, -big, 0.0], [big, -big, -big], [-big, big, 1.0], [big, big * 0.5, -big * 0.9],
            [big, -0.9 * big, 1.0], [1.0, 2.0, 3.0], [-30.0, 700.0, 2.0]]
    t = [0, 1, 2, 2, 0, 1, 0]
    spec = _registry.get(name)
    params = {k: v for k, v in kw.items()}
    x = torch.tensor(rows, dtype=torch.float64, requires_grad=True)
    tw = {k: (torch.tensor(v, dtype=torch.float64) if k == "weight" else v) for k, v in kw.items()}
    before = _native.calls
    with _native.disabled() if path == "reference" else contextlib.nullcontext():
        loss = getattr(actloss, name)(x, torch.tensor(t), reduction="none", **tw)
        loss.sum().backward()
    if path == "native" and name == "cross_entropy":
        assert _native.calls == before + 1
    with mp.workprec(acc.REF_PREC):
        for i, (row, ti) in enumerate(zip(rows, t)):
            mrow = [mp.mpf(v) for v in row]
            ref = spec.reference(mrow, ti, **params)
            got = float(loss.detach()[i])
            if abs(ref) > 1.7976931348623157e308:
                assert got == float("inf"), (i, got)
            else:
                assert abs(mp.mpf(got) - ref) <= 4 * acc.ulp(np.array([float(ref)]), "float64")[0], (i, got, ref)
            grads = spec.reference_grad(mrow, ti, **params)
            scales = spec.deriv_scale(mrow, ti, **params)
            for j, (gv, sv) in enumerate(zip(grads, scales)):
                bound = 4 * acc.ulp(np.array([float(sv)]), "float64")[0]
                assert abs(mp.mpf(float(x.grad[i, j])) - gv) <= bound, (i, j, float(x.grad[i, j]), gv)



def _vma_flags(addr: int) -> str:
    """VmFlags of the mapping holding addr (/proc/self/smaps)."""
    inside = False
    with open("/proc/self/smaps") as f:
        for line in f:
            head = line.split()[0]
            if "-" in head and all(c in "0123456789abcdef-" for c in head):
                lo, hi = (int(v, 16) for v in head.split("-"))
                inside = lo <= addr < hi
            elif inside and line.startswith("VmFlags:"):
                return line
    return ""


@pytest.mark.skipif(__import__("actloss._native.arrays", fromlist=["_thp_mode"])._thp_mode() != "madvise",
                    reason="transparent huge pages are not offered on request here (THP mode is not 'madvise')")
def test_large_outputs_are_advised_for_huge_pages_when_asked(monkeypatch):
    from actloss._native import arrays

    assert not arrays.hugepages() or os.environ.get("ACTLOSS_HUGEPAGES") == "1"  # opt-in
    monkeypatch.setenv("ACTLOSS_HUGEPAGES", "1")
    x = torch.randn(arrays.HUGE_MIN_BYTES // 4 * 2, requires_grad=True)  # 8 MiB of float32
    y = actloss.silu(x)
    y.sum().backward()
    for t in (y, x.grad):  # the output and the gradient: the middle of each lies in an advised range
        assert " hg" in _vma_flags(t.data_ptr() + t.numel() * 2), "no MADV_HUGEPAGE on a fresh output"
    monkeypatch.setenv("ACTLOSS_HUGEPAGES", "0")  # the same kernels into plain memory: bit-identical
    xr = x.detach().clone().requires_grad_()
    yr = actloss.silu(xr)
    yr.sum().backward()
    monkeypatch.setenv("ACTLOSS_HUGEPAGES", "1")
    torch.testing.assert_close(y, yr, rtol=0, atol=0)
    torch.testing.assert_close(x.grad, xr.grad, rtol=0, atol=0)
    advised = []
    monkeypatch.setattr(arrays, "_madvise", lambda: lambda *a: advised.append(a))
    actloss.silu(x.detach())
    assert len(advised) == 1 and advised[0][1] >= 3 * arrays.HUGE_PAGE
    actloss.silu(x.detach()[: arrays.HUGE_MIN_BYTES // 4 - 1])  # under 4 MiB: not advised
    monkeypatch.setenv("ACTLOSS_HUGEPAGES", "0")
    actloss.silu(x.detach())
    assert len(advised) == 1


def _regression_pairs(n: int, seed: int = 1) -> list[tuple[np.ndarray, np.ndarray]]:
    """float32 (x, y) pairs for the regression kernels: ordinary values; exponents up to 120 apart (x - y not exact
    in double); x^2 on or near float32 rounding midpoints against tiny y; values on the Huber / SmoothL1 boundary;
    zeros, infs and NaNs (NaN inputs; targets may not hold NaN); each kind both alone in its kernel blocks and mixed into ordinary ones."""
    rng = np.random.default_rng(seed)
    sign = lambda: rng.choice([-1.0, 1.0], n)  # noqa: E731
    f32 = lambda a: np.ascontiguousarray(a, dtype=np.float32)  # noqa: E731
    wide = lambda: sign() * np.ldexp(rng.uniform(1, 2, n), rng.integers(-60, 60, n))  # noqa: E731
    mid = 1 + rng.integers(0, 4096, n) * 2.0**-12
    tiny = sign() * np.ldexp(1.0, rng.integers(-140, -20, n))
    edge = 1 + rng.integers(-50, 50, n) * 2.0**-23
    special = rng.choice([0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, 2.0**-149], n)
    ordinary = rng.standard_normal((2, n))
    mixed = ordinary.copy()
    hit = rng.random(n) < 1e-3
    mixed[1, hit] = np.ldexp(mixed[0, hit], -40)  # a few pairs 40 exponents apart inside ordinary blocks
    return [(f32(a), f32(b)) for a, b in [
        ordinary, (wide(), wide()), (mid, tiny), (edge, np.zeros(n)), (edge + 0.5, np.full(n, 0.5)),
        (special, rng.choice([0.0, 1.0, np.inf, -np.inf, -3.0], n)), mixed,
    ]]


@pytest.mark.parametrize("name", ["mse_loss", "huber_loss", "smooth_l1_loss"])
def test_regression_float32_kernels_equal_the_exact_float64_kernel_rounded(name):
    """The float32 regression kernels run a fast form (x - y in double, no compensation) on blocks where every
    x - y is exact in double and the compensated form elsewhere: per-element losses and gradients must be the
    float64 kernel's (compensated, correctly rounded to double) rounded to float32, bit for bit, on pairs chosen
    where dropping the compensation would show (1,837 of 31M such pairs differed when the check was left out)."""
    fn = getattr(actloss, name)
    calls = _native.calls
    for x, y in _regression_pairs(1 << 14):
        x32 = torch.from_numpy(x).requires_grad_(True)
        x64 = torch.from_numpy(x.astype(np.float64)).requires_grad_(True)
        l32 = fn(x32, torch.from_numpy(y), reduction="none")
        l64 = fn(x64, torch.from_numpy(y.astype(np.float64)), reduction="none")
        l32.backward(torch.ones_like(l32))
        l64.backward(torch.ones_like(l64))
        for got, want in ((l32.detach().numpy(), l64.detach().numpy()), (x32.grad.numpy(), x64.grad.numpy())):
            want = want.astype(np.float32)
            same = (got.view(np.uint32) == want.view(np.uint32)) | (np.isnan(got) & np.isnan(want))
            assert same.all(), (name, x[~same][:3], y[~same][:3], got[~same][:3], want[~same][:3])
    assert _native.calls > calls
