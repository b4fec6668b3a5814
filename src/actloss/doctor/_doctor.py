"""``Doctor``: forward hooks on every module, gradient hooks on the parameters, a hook on the criterion.

Cost model. On a sampled step (every ``every``-th step) each hook queues one or two reductions of its tensor on the
tensor's device and never reads a value back; ``step()`` then brings everything to the host in one transfer per
device and runs the checks there, on a few numbers per layer. On the other steps no hook is installed at all (with
``every > 1`` the hooks are added before a sampled step and removed after it): ``step()`` only keeps the detached
loss, checked for NaN/inf at the next sync.
"""
from __future__ import annotations

import functools
import math
import numbers
import weakref
from typing import Any, Callable

from ._batch import UNKNOWN_PRODUCER, CallRecord, queue_call, resolve_call
from ._checks import all_checks
from ._checks.loss_inputs import LossInputs
from ._checks.targets import Targets
from ._config import Thresholds
from ._criterion import CriterionInfo, describe
from ._finding import Finding, render_json, render_text
from ._sample import PLAIN, RELU, SQUASH, ActRecord, Context, GradRecord, Sample
from ._transfer import Pending

__all__ = ["Doctor", "watch"]

_RELU_FAMILY = {"ReLU", "ReLU6"}          # output exactly 0 for every negative input: units can die
_SQUASHING = {"Sigmoid", "Tanh"}          # derivative ~0 for large |z|


def _role(module: Any) -> str:
    name = type(module).__name__
    if name in _RELU_FAMILY:
        return RELU
    if name in _SQUASHING:
        return SQUASH
    return PLAIN


def _first_tensor(value: Any) -> Any:
    import torch

    if isinstance(value, torch.Tensor):
        return value
    if isinstance(value, (tuple, list)):
        for v in value:
            if isinstance(v, torch.Tensor):
                return v
    return None


# wrappers whose named_modules() put their own attribute in front of the wrapped model's paths
_WRAPPERS = {"OptimizedModule": "_orig_mod", "DistributedDataParallel": "module", "DataParallel": "module"}


def _path(name: str, prefix: str | None) -> str:
    """Module path as in the wrapped model (torch.compile adds '_orig_mod.', DDP and DataParallel 'module.')."""
    if prefix is None:
        return name
    if name == prefix:
        return ""
    return name[len(prefix) + 1:] if name.startswith(prefix + ".") else name


def _check_int(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}; received {name}={value!r}")
    return int(value)


class Doctor:
    """Watches a PyTorch model while it trains; see :func:`watch`."""

    def __init__(self, model: Any, criterion: Any = None, every: int = 1, *, window: int = 10,
                 **thresholds: Any) -> None:
        import torch

        if not isinstance(model, torch.nn.Module):
            raise TypeError(f"model must be a torch.nn.Module; received {type(model).__name__}: {model!r:.80}")
        self._every = _check_int("every", every, 1)
        self._window = _check_int("window", window, 1)
        self._ctx = Context(Thresholds.from_kwargs(thresholds), self._window)
        self._info: CriterionInfo | None = describe(criterion) if criterion is not None else None
        self._criterion_module = None
        self._criterion_fn: Callable[..., Any] | None = None
        if self._info is not None:
            if isinstance(criterion, torch.nn.Module):
                self._criterion_module = criterion   # a loss module is small; the model is held weakly
            else:
                self._criterion_fn = criterion
        self._model = weakref.ref(model)
        self._compiled = type(model).__name__ == "OptimizedModule"   # what torch.compile(model) returns
        prefix = _WRAPPERS.get(type(model).__name__)
        self._modules: list[tuple[str, Any, str, str, bool]] = [
            (_path(name, prefix), weakref.ref(m), _role(m), type(m).__name__,
             next(iter(m.children()), None) is not None)
            for name, m in model.named_modules()
        ]
        self._params: list[tuple[str, Any]] = [
            (_path(name.rpartition(".")[0], prefix), weakref.ref(p))
            for name, p in model.named_parameters() if p.requires_grad
        ]
        self._checks = all_checks()
        self._loss_inputs = next(c for c in self._checks if isinstance(c, LossInputs))
        self._targets = next(c for c in self._checks if isinstance(c, Targets))
        self._need_inputs = self._need_targets = True
        self._findings: list[Finding] = []
        self._seen: set[tuple[str, str]] = set()
        self._step = 0
        self._samples_in_window = 0
        self._closed = False
        self._handles: list[Any] = []
        # per sampled step, cleared at each sync
        self._pending = Pending()
        self._acts: list[list[Any]] = []   # [name, role, kind, slots, numel] per module call, forward order
        self._calls: list[CallRecord] = []
        self._grads: list[tuple[list[str], int]] = []
        self._losses: list[tuple[int, Any]] = []
        # id(output) -> (module path, weak reference to the output): which module made the loss's input. Weak,
        # so that outputs autograd does not keep (a Linear's before a ReLU) are freed as without the doctor.
        self._produced: dict[int, tuple[str, Any]] = {}
        self._root_out: Any = None
        self._last_out: Any = None
        self._deferred: tuple[Any, int] | None = None   # (output, index in _acts) of a module measured later
        self._grad_queued = False
        self._install()

    # ------------------------------------------------------------------ hooks
    def _install(self) -> None:
        if self._handles:
            return
        for name, ref, role, kind, container in self._modules:
            m = ref()
            if m is not None:
                hook = self._forward_hook(name, role, kind, container)
                self._handles.append(m.register_forward_hook(self._eager(hook)))
        crit = self._criterion_module
        if crit is not None:
            self._handles.append(crit.register_forward_hook(self._eager(self._criterion_hook), with_kwargs=True))

    def _eager(self, hook: Callable[..., Any]) -> Callable[..., Any]:
        """Under torch.compile, run the hook eagerly instead of tracing it (it has Python side effects); the
        wrapper costs a few microseconds per call, so it is used only on compiled models."""
        if not self._compiled:
            return hook
        import torch

        return torch.compiler.disable(hook)

    def _uninstall(self) -> None:
        handles, self._handles = self._handles, []
        for h in handles:
            h.remove()

    def _forward_hook(self, name: str, role: str, kind: str, container: bool) -> Callable[..., None]:
        import torch

        f32 = torch.float32
        threshold = self._ctx.thresholds.saturation
        pending, acts, produced = self._pending, self._acts, self._produced
        grad_enabled = torch.is_grad_enabled
        ref = weakref.ref
        tensor = torch.Tensor

        def hook(module: Any, args: tuple[Any, ...], output: Any) -> None:
            if not grad_enabled():
                return  # evaluation passes under no_grad are not training
            out = output if type(output) is tensor else _first_tensor(output)
            if out is None or not out.is_floating_point():
                return
            deferred = self._deferred
            if deferred is not None:
                self._deferred = None
                if role == PLAIN or not args or args[0] is not deferred[0]:
                    self._flush(deferred)
                    deferred = None
            if not name:
                self._root_out = out
                if out.requires_grad:
                    # the model's backward starts here: the hook queues one callback for the end of backward,
                    # where all parameter gradients are read at once (no hook on every parameter)
                    out.register_hook(self._grad_hook)
            if container:
                produced.setdefault(id(out), (name, ref(out)))  # an inner module made it: keep the inner name
                if out is self._last_out:
                    return  # a container passing its last child's output through: already measured
            else:
                produced[id(out)] = (name, ref(out))   # later leaves win: an in-place ReLU owns its output
            self._last_out = out
            if role == PLAIN:
                # measured later: by the next module's statistic when that module is a ReLU/sigmoid/tanh fed
                # this very tensor (they cannot make a finite input non-finite), else by a sum at the next
                # hook
                acts.append([name, role, kind, None, out.numel()])
                if not container:
                    self._deferred = (out, len(acts) - 1)
                else:
                    self._flush((out, len(acts) - 1))
                return
            o = out.detach()
            if role == RELU:
                if o.ndim >= 4:      # (N, C, H, W...): a unit is a channel
                    v = o.amax(dim=(0, *range(2, o.ndim)))
                elif o.ndim == 2:    # (N, F): a unit is a feature
                    v = o.amax(0)
                elif o.ndim == 3:    # (N, L, F): a unit is a feature
                    v = o.reshape(-1, o.shape[-1]).amax(0)
                else:
                    v = o.reshape(-1)
                slot = pending.add(v)     # NaN and +inf propagate through max: a non-finite input shows here
                acts.append([name, role, kind, (slot,), v.numel()])
            else:  # SQUASH: measured on the input z, whose sum is non-finite exactly when z has NaN/inf
                z = args[0].detach() if args and isinstance(args[0], tensor) else o
                slot = pending.add(z.sum(dtype=f32))
                acts.append([name, role, kind, (pending.add((z.abs() > threshold).sum()), slot), z.numel()])
            if deferred is not None:
                acts[deferred[1]][3] = (slot,)   # the module that produced our input is judged by our statistic

        return hook

    def _flush(self, deferred: tuple[Any, int]) -> None:
        """Measure a module output whose statistic was deferred: one sum."""
        import torch

        out, index = deferred
        self._acts[index][3] = (self._pending.add(out.detach().sum(dtype=torch.float32)),)

    def _criterion_hook(self, module: Any, args: tuple[Any, ...], kwargs: dict[str, Any], output: Any) -> None:
        import torch

        if not torch.is_grad_enabled() or self._info is None:
            return
        x = args[0] if args else kwargs.get("input")
        y = args[1] if len(args) > 1 else kwargs.get("target")
        self._record_call(x, y, self._info.weighted_call(kwargs))

    def _record_call(self, x: Any, y: Any, weighted: bool) -> None:
        import torch

        if self._info is None or not isinstance(x, torch.Tensor):
            return
        if self._deferred is not None:
            self._flush(self._deferred)
            self._deferred = None
        if not (self._need_inputs or self._need_targets or self._info.kind == "binary_probs"):
            return  # every verdict about the loss's inputs and targets is settled
        made = self._produced.get(id(x))
        producer = made[0] if made is not None and made[1]() is x else UNKNOWN_PRODUCER
        self._calls.append(queue_call(self._pending, self._info, x, y, producer, weighted,
                                      inputs=self._need_inputs, targets=self._need_targets))

    def _grad_hook(self, grad: Any) -> None:  # on the model's output: once per backward pass
        if not self._grad_queued:
            import torch

            self._grad_queued = True
            # runs once, when the whole backward pass is done (what DDP uses to all-reduce buckets)
            torch.autograd.Variable._execution_engine.queue_callback(self._after_backward)

    def _after_backward(self) -> None:
        import torch

        self._grad_queued = False
        modules, grads = [], []
        for module, ref in self._params:
            p = ref()
            g = None if p is None else p.grad
            if g is not None and not g.is_sparse:
                modules.append(module)
                grads.append(g)
        if grads:
            # one fused launch for all parameters; NaN/inf in a gradient makes its norm NaN/inf (so does a
            # norm
            # past ~1e19 in float32, long after AL204 has fired). Runs outside autograd: no graph is recorded.
            l2 = torch.stack(torch._foreach_norm(grads))
            self._grads.append((modules, self._pending.add(l2)))

    # ------------------------------------------------------------------ public API
    @property
    def criterion(self) -> Any:
        """The criterion to call in the training loop so that the doctor sees its inputs and targets.

        A loss module is hooked and returned as is. A loss function is returned wrapped: call the wrapper (or pass
        ``targets=`` to :meth:`step`) for the target checks; without either, only the model's output is checked.
        """
        if self._criterion_module is not None:
            return self._criterion_module
        fn = self._criterion_fn
        if fn is None:
            return None

        @functools.wraps(fn)
        def recorded(*args: Any, **kwargs: Any) -> Any:
            import torch

            out = fn(*args, **kwargs)
            if torch.is_grad_enabled() and self._handles and self._info is not None:
                x = args[0] if args else kwargs.get("input")
                y = args[1] if len(args) > 1 else kwargs.get("target")
                self._record_call(x, y, self._info.weighted_call(kwargs))
            return out

        return recorded

    @property
    def findings(self) -> list[Finding]:
        """Findings so far, deduplicated by (code, where), in the order they were found."""
        return list(self._findings)

    @property
    def steps(self) -> int:
        return self._step

    @property
    def closed(self) -> bool:
        return self._closed

    def step(self, loss: Any = None, *, targets: Any = None) -> list[Finding]:
        """Close one training step: call it once per step, after ``backward()`` (before or after the optimizer).

        ``loss`` (a scalar tensor or number, optional) is checked for NaN/inf; ``targets`` are used for the target
        checks when the criterion is a plain function called directly. Returns the findings new at this step
        (always empty between sampled steps).
        """
        import torch

        if self._closed:
            raise RuntimeError("Doctor.step() called after close(); create a new doctor with actloss.watch()")
        if loss is not None:
            if isinstance(loss, torch.Tensor):
                if loss.numel() != 1:
                    raise ValueError(
                        f"loss must be a scalar (one-element) tensor or a number; received a tensor of shape "
                        f"{tuple(loss.shape)}")
                self._losses.append((self._step, loss.detach() if loss.ndim == 0 else loss.detach().reshape(())))
            elif isinstance(loss, numbers.Real) and not isinstance(loss, bool):
                self._losses.append((self._step, float(loss)))
            else:
                raise TypeError(
                    f"loss must be a scalar tensor or a real number; received {type(loss).__name__}: {loss!r:.80}")
        if targets is not None and not isinstance(targets, torch.Tensor):
            raise TypeError(f"targets must be a torch.Tensor; received {type(targets).__name__}")
        new: list[Finding] = []
        if self._step % self._every == 0:
            if not self._calls and self._info is not None and self._root_out is not None:
                # a loss function called directly (or another instance of the loss module than the one given):
                # the model's output is what it was fed
                self._record_call(self._root_out, targets, self._info.weighted if self._info else False)
            new += self._sync()
            self._samples_in_window += 1
            if self._samples_in_window >= self._window:
                new += self._end_window(final=False)
        self._step += 1
        if self._every > 1:
            if self._step % self._every == 0:
                self._install()
            else:
                self._uninstall()
        return new

    def close(self) -> list[Finding]:
        """Remove every hook; judge a partial window (at least 3 sampled steps). Idempotent."""
        if self._closed:
            return []
        self._uninstall()
        self._closed = True
        self._clear()
        self._pending = Pending()   # statistics of a step that never reached step(): dropped
        if self._samples_in_window:
            return self._end_window(final=True)
        return []

    def report(self, format: str = "text") -> str:
        """The findings as readable text (``format='text'``) or JSON (``format='json'``)."""
        if format == "text":
            return render_text(self._findings, self._step)
        if format == "json":
            return render_json(self._findings, self._step)
        raise ValueError(f"format must be one of 'text', 'json'; received format={format!r}")

    def __enter__(self) -> "Doctor":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        model = self._model()
        what = type(model).__name__ if model is not None else "<collected model>"
        state = "closed" if self._closed else f"{len(self._handles)} hooks"
        return (f"Doctor({what}, every={self._every}, window={self._window}, steps={self._step}, "
                f"findings={len(self._findings)}, {state})")

    # ------------------------------------------------------------------ sync and checks
    def _clear(self) -> None:
        self._acts.clear()
        self._calls.clear()
        self._grads.clear()
        self._losses.clear()
        self._produced.clear()
        self._root_out = None
        self._last_out = None
        self._deferred = None

    def _sync(self) -> list[Finding]:
        if self._deferred is not None:
            self._flush(self._deferred)
            self._deferred = None
        pending = self._pending
        loss_slots = [(s, pending.add(v) if not isinstance(v, float) else v) for s, v in self._losses]
        host = pending.fetch()
        sample = Sample(step=self._step)
        sample.losses = [(s, v if isinstance(v, float) else float(host[v][0])) for s, v in loss_slots]
        finite = pending.all_finite and all(math.isfinite(v) for _, v in sample.losses)
        sample.all_finite = finite
        known = True if finite else None
        acts = sample.acts
        for name, role, kind, slots, numel in self._acts:
            if slots is None:
                continue
            values = host[slots[0]] if len(slots) == 1 else _arr([float(host[i][0]) for i in slots])
            acts.append(ActRecord(name, role, values, numel, kind, known))
        for modules, l2 in self._grads:
            sample.grads.append(GradRecord(modules, host[l2]))
        sample.calls = [resolve_call(rec, host) for rec in self._calls]
        self._clear()
        new: list[Finding] = []
        for check in self._checks:
            new += check.observe(sample, self._ctx)
        return self._keep(new)

    def _end_window(self, final: bool) -> list[Finding]:
        self._samples_in_window = 0
        new: list[Finding] = []
        step = max(0, self._step - 1) if final else self._step   # close() comes after the last step's step()
        for check in self._checks:
            new += check.end_window(step, self._ctx, final=final)
        self._need_inputs = not self._loss_inputs.settled(self._ctx)
        self._need_targets = not self._targets.settled(self._ctx)
        return self._keep(new)

    def _keep(self, new: list[Finding]) -> list[Finding]:
        kept = []
        for f in new:
            key = (f.code, f.where)
            if key not in self._seen:
                self._seen.add(key)
                kept.append(f)
        self._findings += kept
        return kept


def _arr(values: list[float]) -> Any:
    import numpy as np

    return np.asarray(values, dtype=float)


def watch(model: Any, criterion: Any = None, every: int = 1, *, window: int = 10, **thresholds: Any) -> Doctor:
    """Watch ``model`` while it trains and report activation and loss failures with the catalogue's codes.

    Args:
        model: the ``torch.nn.Module`` being trained. The doctor keeps only a weak reference to it.
        criterion: the loss: a ``torch.nn`` loss module, a ``torch.nn.functional`` loss, an actloss loss, or
            ``None`` (model-side checks only). A module is hooked; a function is seen through
            :attr:`Doctor.criterion` or through the model's output and ``step(loss, targets=y)``.
        every: collect statistics on every ``every``-th step (hooks are absent on the other steps).
        window: number of sampled steps over which the window checks (AL202, AL203, AL205, AL108) judge.
        **thresholds: any field of :class:`actloss.doctor.Thresholds` (``dead_fraction=0.5``,
            ``vanishing_ratio=1e-4``, ``max_grad_norm=1e3``, ``growth=10``, ``saturation=6``,
            ``saturated_fraction=0.9``, ``imbalance_ratio=10``, ...).

    Returns:
        a :class:`Doctor`; call ``doctor.step(loss)`` once per training step and ``doctor.close()`` at the end
        (or use it as a context manager).

    Example:
        >>> import torch, actloss
        >>> model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
        >>> loss_fn = torch.nn.CrossEntropyLoss()
        >>> opt = torch.optim.SGD(model.parameters(), lr=0.1)
        >>> with actloss.watch(model, criterion=loss_fn) as doctor:
        ...     for _ in range(3):
        ...         x, y = torch.randn(16, 4), torch.randint(0, 3, (16,))
        ...         loss = loss_fn(model(x), y)
        ...         loss.backward(); opt.step(); opt.zero_grad()
        ...         _ = doctor.step(loss)
        >>> doctor.findings
        []
    """
    return Doctor(model, criterion, every, window=window, **thresholds)
