"""The op registry: every activation and loss is one ``OpSpec`` registered here.

An ``OpSpec`` holds the math (forward and analytic derivative written against the array namespace), a
high-precision reference (mpmath, used by the tests and the accuracy report), its parameters with validation and
defaults, and metadata (formulas, properties, the torch equivalent, the module to generate). Everything else (the
functional API, the torch autograd Functions and ``actloss.nn`` modules, the JAX wrappers, the tests, the docs
list and the CLI list) iterates over ``REGISTRY``.
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

# ----------------------------------------------------------------------------------------------------------
# parameters
# ----------------------------------------------------------------------------------------------------------
KINDS = ("real", "positive", "nonnegative", "unit", "choice", "axis", "flag", "int")


@dataclass(frozen=True)
class Param:
    """A scalar hyperparameter of an op, validated in the public entry point.

    kind: 'real' (finite number), 'positive' (> 0), 'nonnegative' (>= 0), 'unit' (in [0, 1]),
    'choice' (one of ``choices``), 'axis' (an int within the input's dimensions), 'flag' (bool).
    """

    name: str
    default: Any
    kind: str
    doc: str
    choices: tuple[Any, ...] = ()
    optional: bool = False  # None is accepted (and means the documented default behaviour)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"Param {self.name}: kind must be one of {KINDS}; received {self.kind!r}")

    def validate(self, op: str, value: Any, ndim: int | None = None) -> Any:
        where = f"actloss.{op}: argument '{self.name}'"
        if self.optional and value is None:
            return None
        if self.kind == "choice":
            if value not in self.choices:
                allowed = ", ".join(repr(c) for c in self.choices)
                raise ValueError(f"{where} must be one of {allowed}; received {value!r}")
            return value
        if self.kind == "flag":
            if not isinstance(value, bool):
                raise TypeError(f"{where} must be a bool; received {type(value).__name__} {value!r}")
            return value
        if self.kind in ("axis", "int"):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral):
                raise TypeError(f"{where} must be an int; received {type(value).__name__} {value!r}")
            if self.kind == "int":
                return int(value)
            if ndim is not None:
                if ndim == 0:
                    raise ValueError(f"{where}: the input is 0-dimensional and has no axis {value}")
                if not -ndim <= value < ndim:
                    raise ValueError(
                        f"{where} must be in [{-ndim}, {ndim - 1}] for a {ndim}-dimensional input; received {value}"
                    )
                return int(value) % ndim
            return int(value)
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"{where} must be a real number; received {type(value).__name__} {value!r}")
        v = float(value)
        if not math.isfinite(v):
            raise ValueError(f"{where} must be finite; received {value!r}")
        if self.kind == "positive" and not v > 0:
            raise ValueError(f"{where} must be > 0; received {value!r}")
        if self.kind == "nonnegative" and not v >= 0:
            raise ValueError(f"{where} must be >= 0; received {value!r}")
        if self.kind == "unit" and not 0 <= v <= 1:
            raise ValueError(f"{where} must be in [0, 1]; received {value!r}")
        return v


@dataclass(frozen=True)
class TorchModule:
    """How ``actloss.nn`` builds the module for an op, drop-in for ``torch.nn.<name>`` where torch has it.

    args: the constructor's arguments in torch's order as (name, default). param_map: constructor argument ->
    op parameter (e.g. dim -> axis). Arguments not in ``param_map`` are accepted for drop-in compatibility and
    documented in ``compat_notes`` (for example Softplus' threshold, which exact math does not need).
    """

    name: str
    args: tuple[tuple[str, Any], ...] = ()
    param_map: Mapping[str, str] = field(default_factory=dict)
    compat_notes: str = ""
    in_torch: bool = True


# ----------------------------------------------------------------------------------------------------------
# op specs
# ----------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class OpSpec:
    """One op, declared once.

    forward(xp, x, **params) -> y, in the compute dtype.
    Elementwise ops give derivative(xp, x, **params) -> dy/dx. Other ops give vjp(xp, x, g, **params) and
    jvp(xp, x, t, **params). reference(x, **params) / reference_derivative(x, **params) take mpmath numbers
    (vector ops: lists of mpf along the reduced axis; reference_derivative is then the VJP with cotangent g).
    deriv_scale(x, **params) -> mpf, optional: the magnitude of the largest term of the derivative formula;
    near interior zeros the derivative's error is measured against it (see docs/accuracy.md).
    """

    name: str
    kind: str  # 'activation' | 'loss'
    summary: str
    forward: Callable[..., Any]
    reference: Callable[..., Any]
    reference_derivative: Callable[..., Any]
    formula: str
    derivative_formula: str
    params: tuple[Param, ...] = ()
    derivative: Callable[..., Any] | None = None
    vjp: Callable[..., Any] | None = None
    jvp: Callable[..., Any] | None = None
    deriv_scale: Callable[..., Any] | None = None
    properties: frozenset[str] = frozenset()
    torch_functional: str = ""
    torch_module: TorchModule | None = None
    numerics: str = ""
    kinks: str = ""
    example: str = ""
    references: tuple[str, ...] = ()
    needs: frozenset[str] = frozenset()  # shim functions beyond the Array API standard ('erfc')
    aliases: tuple[str, ...] = ()
    # The math is exact (or one rounding) in any floating dtype: computed in the input's dtype, no upcast and no
    # blocks (relu: a select; leaky_relu: one multiplication).
    in_input_dtype: bool = False
    # A declared float64 bar where the 4 ULP promise is not met yet (params -> ULP): an open gap, shown in
    # docs/accuracy.md, never a silent tolerance.
    f64_bar: Callable[..., float] | None = None
    # Parameter sets the tests and the accuracy report run (besides the defaults), like OpInfo's sample inputs.
    param_samples: tuple[Mapping[str, Any], ...] = ()
    # The native float32 kernel (src/actloss/_native/*.c) for these params: (kernel name, its scalar parameter),
    # or None where there is none for them. Elementwise kernels take any shape; the others work along the last
    # axis only (params['axis'] == ndim - 1).
    native: Callable[..., tuple[str, float] | None] | None = None
    # A NumPy ufunc (its name) that computes the forward of float32 NumPy arrays in place of the native kernel,
    # where that ufunc is measured within the float32 bar over every float32 and the double kernel cannot keep
    # up with it (tanh: scripts/check_numpy_tanh32.py). Taken with the native kernels on; derivatives, torch and
    # float64 keep the kernels.
    numpy_float32: str | None = None

    def sample_params(self) -> list[dict[str, Any]]:
        return [self.defaults()] + [{**self.defaults(), **p} for p in self.param_samples]

    @property
    def elementwise(self) -> bool:
        return self.derivative is not None

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}

    def bind(self, kwargs: Mapping[str, Any], ndim: int | None = None) -> dict[str, Any]:
        """Validate keyword arguments against the declared params; fill in defaults."""
        names = {p.name for p in self.params}
        unknown = sorted(set(kwargs) - names)
        if unknown:
            expected = ", ".join(sorted(names)) or "no keyword arguments"
            raise TypeError(f"actloss.{self.name}() got unexpected keyword argument(s) {unknown}; expected: {expected}")
        out = {}
        for p in self.params:
            out[p.name] = p.validate(self.name, kwargs.get(p.name, p.default), ndim)
        return out


# Properties an op may declare; each drives a hypothesis test in tests/test_properties.py.
PROPERTIES = {
    "monotone": "non-decreasing: x <= y implies f(x) <= f(y)",
    "bounded_01": "values in [0, 1]",
    "bounded_pm1": "values in [-1, 1]",
    "nonnegative": "f(x) >= 0",
    "nonpositive": "f(x) <= 0",
    "convex": "convex in x (checked by midpoint convexity)",
    "odd": "f(-x) = -f(x)",
    "zero_at_zero": "f(0) = 0",
    "identity_for_positive": "f(x) = x for x > 0",
    "lipschitz_1": "|f'(x)| <= 1",
    "sums_to_one": "values along the axis sum to 1",
    "shift_invariant": "f(x + c) = f(x) along the axis",
    # losses
    "loss_nonnegative": "per-element loss >= 0 for every input and valid target",
    "zero_at_target": "loss is 0 (with zero gradient) where the input equals the target",
    "reduction_permutation_invariant": "'mean' and 'sum' do not depend on the order of the samples",
}

REGISTRY: dict[str, Any] = {}  # name -> OpSpec | LossSpec


def register(spec: Any) -> Any:
    """Register an ``OpSpec`` (activation) or ``actloss._losses.LossSpec`` (loss)."""
    if spec.name in REGISTRY:
        raise ValueError(f"op {spec.name!r} is registered twice")
    unknown = spec.properties - PROPERTIES.keys()
    if unknown:
        raise ValueError(f"op {spec.name!r} declares unknown properties {sorted(unknown)}")
    if spec.kind == "activation" and (spec.derivative is None) == (spec.vjp is None):
        raise ValueError(f"op {spec.name!r} must define exactly one of derivative (elementwise) or vjp")
    REGISTRY[spec.name] = spec
    return spec


def get(name: str) -> OpSpec:
    try:
        return REGISTRY[name]
    except KeyError:
        for spec in REGISTRY.values():
            if name in spec.aliases:
                return spec
        raise ValueError(f"unknown op {name!r}; registered ops: {', '.join(sorted(REGISTRY))}") from None


def ops(kind: str | None = None) -> list[OpSpec]:
    return [s for s in REGISTRY.values() if kind is None or s.kind == kind]
