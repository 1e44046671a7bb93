"""The array-held styles: ``Functional`` (parameters as arrays and a ``step`` function,
seed 001) and ``BlackBox`` (an object whose own training step updates its weights, seed
004), both finding their arrays by name or by shape (``ArraySlots``). The shared interface,
``Observed`` and the layer-object style are in ``styles``."""

from __future__ import annotations

import inspect
import re
import types
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from scratch import get_optimizer

from ..base import optimizer_kwargs
from ..spec import ModelSpec, SpecError, Weights
from .copies import clone
from .styles import Observed, UserNetwork, _n_of, find_by_shape
from .usercode import Caller, UserCodeError, describe

# ---- arrays held by a container (functional params, black-box attributes) -------------------
# Arrays a network keeps besides its parameters, never taken for a weight found by shape.
CACHE_NAMES = {
    "input",
    "inputs",
    "output",
    "outputs",
    "x",
    "y",
    "z",
    "a",
    "cache",
    "caches",
    "activations",
    "zs",
    "delta",
    "deltas",
    "error",
    "errors",
    "mask",
    "binary_mask",
    "probs",
    "scores",
    "last_input",
    "last_output",
    "hidden",
    "velocity",
    "velocities",
    "momentum",
    "momentums",
    "m",
    "v",
    "s",
    "r",
    "moment",
    "moments",
}
MAX_DEPTH = 4
_TOKEN = re.compile(r"""\.?([A-Za-z_]\w*)|\[(-?\d+)\]|\[['"]([^'"]+)['"]\]""")


def _is_cache(name: str) -> bool:
    low = name.lower()
    return (
        low in CACHE_NAMES
        or low.startswith(("d_", "grad", "prev_"))
        or "grad" in low
        or "cache" in low
        or "momentum" in low
        or (len(name) > 1 and name[0] == "d" and (name[1].isupper() or low[1:] in ("w", "b", "weights", "biases")))
    )


def _optimizer_like(obj: Any) -> bool:
    """An object that updates parameters (its arrays are state, not parameters)."""
    return any(callable(getattr(obj, m, None)) for m in ("update", "update_params", "step", "zero_grad"))


def _children(obj: Any) -> Iterator[tuple[str, str, Any]]:
    """(kind, key, value) of a container's or an object's members: kind "key", "index" or "attr"."""
    if isinstance(obj, dict):
        yield from (("key", str(k), v) for k, v in obj.items())
    elif isinstance(obj, (list, tuple)):
        yield from (("index", str(i), v) for i, v in enumerate(obj))
    elif hasattr(obj, "__dict__") and not isinstance(
        obj, (type, types.ModuleType, types.FunctionType, types.MethodType)
    ):
        yield from (("attr", k, v) for k, v in vars(obj).items())


def _join(path: str, kind: str, key: str, root_list: bool) -> str:
    if not path:
        return f"params[{key}]" if root_list and kind == "index" else key
    return f"{path}[{key}]" if kind == "index" else f"{path}[{key!r}]" if kind == "key" else f"{path}.{key}"


class ArraySlots:
    """Named arrays inside a dict, a list or an object, found at any depth (lists of layers,
    dicts of parameters, sub-objects) and named by their path from the holder:
    ``W1``, ``weights[0]``, ``layers[1].W``, ``params['W1']``. A composite slot is a nested
    list of paths to scalars (``[["w1", "w2"], ["w3", "w4"]]``): the array they form. With a
    ``reader`` (the user's ``weights=fn(holder) -> [(W, b), ...]``), ``layer l W`` and
    ``layer l b`` are what it returns."""

    def __init__(self, holder: Any, composites: dict[str, Any] | None = None, reader: Callable | None = None) -> None:
        self.holder = holder
        self.composites = dict(composites or {})
        self.reader = reader

    def names(self) -> list[tuple[str, np.ndarray]]:
        """Every float array, shallowest first, then in the order they were defined."""
        found, seen, level = [], {id(self.holder)}, [("", self.holder)]
        root_list = isinstance(self.holder, (list, tuple))
        for depth in range(MAX_DEPTH):
            nxt = []
            for path, obj in level:
                for kind, key, v in _children(obj):
                    name = _join(path, kind, key, root_list)
                    if isinstance(v, np.ndarray):
                        if v.dtype.kind == "f" and v.ndim in (1, 2) and not (depth and _is_cache(key)):
                            found.append((name, v))
                    elif (
                        id(v) not in seen
                        and not isinstance(v, (str, bytes, int, float, complex))
                        and not (depth and _optimizer_like(v))
                    ):
                        seen.add(id(v))
                        nxt.append((name, v))
            level = nxt
        return found

    def resolve(self, name: str) -> Any:
        """The object at the path ``name`` (KeyError when there is none)."""
        h = self.holder
        if isinstance(h, dict) and name in h:
            return h[name]
        text = name[len("params") :] if isinstance(h, (list, tuple)) and name.startswith("params[") else name
        pos, obj = 0, h
        for m in _TOKEN.finditer(text):
            if m.start() != pos:
                raise KeyError(name)
            ident, index, key = m.groups()
            pos = m.end()
            try:
                if ident is not None:
                    obj = obj[ident] if isinstance(obj, dict) else getattr(obj, ident)
                else:
                    obj = obj[int(index)] if index is not None else obj[key]
            except (AttributeError, IndexError, KeyError, TypeError):
                raise KeyError(name) from None
        if pos != len(text) or not text:
            raise KeyError(name)
        return obj

    def get(self, name: str) -> np.ndarray:
        if self.reader is not None and name.startswith("layer "):
            _, l, which = name.split(" ")
            return np.asarray(self.reader(self.holder)[int(l)][0 if which == "W" else 1], dtype=np.float64)
        if name in self.composites:
            return np.array(self._scalars(self.composites[name]), dtype=np.float64)
        return self.resolve(name)

    def _scalars(self, entry: Any) -> Any:
        if isinstance(entry, str):
            return float(np.asarray(self.resolve(entry)).reshape(()))
        return [self._scalars(e) for e in entry]


def slot_name(entry: Any) -> str:
    """A path, or a composite's paths written out: ``[[w1, w2], [w3, w4]]``."""
    return entry if isinstance(entry, str) else "[" + ", ".join(slot_name(e) for e in entry) + "]"


class _Slotted(UserNetwork):
    """Shared by the functional and black-box styles: arrays found by name or shape."""

    def _locate(self, holder: Any, spec: ModelSpec, names: Sequence[str] | None, layout: str | None) -> None:
        if spec is None:
            raise SpecError(f"the {self.style} style needs spec=ModelSpec(...) stating the architecture")
        reader = names if callable(names) else None
        if reader is not None:  # weights=fn(holder) -> [(W, b), ...]: read by the user's own function
            names = [
                f"layer {l} {w}" for l in range(len(spec.sizes) - 1) for w in ("W", "b")[: 2 if spec.use_bias else 1]
            ]
        composites = {slot_name(e): e for e in (names or []) if not isinstance(e, str)}
        self.spec, self.slots = spec, ArraySlots(holder, composites, reader)
        named = [] if reader is not None else self.slots.names()
        if names is not None:
            names = [slot_name(e) for e in names]
            per = 2 if spec.use_bias else 1
            if len(names) != per * (len(spec.sizes) - 1):
                raise SpecError(
                    f"weights= needs {per * (len(spec.sizes) - 1)} names (W{', b' if per == 2 else ''} per layer), got {names}"
                )
            sub = []
            for nm in names:
                try:
                    value = np.asarray(self.slots.get(nm))
                except Exception if reader is not None else (KeyError, TypeError, ValueError) as exc:
                    if reader is not None:  # the user's reader: say what it did
                        raise SpecError(
                            f"weights=: your function raised {type(exc).__name__}: {exc}; it must return "
                            "[(W, b), ...], one pair per layer"
                        ) from None
                    raise SpecError(
                        f"weights=: nothing at {nm!r}; arrays found: {', '.join(n for n, _ in named) or 'none'} "
                        "(paths like 'W1', 'weights[0]', 'layers[1].W', or a nested list of scalar names)"
                    ) from None
                if value.dtype.kind not in "fiu":
                    raise SpecError(f"weights=: {nm!r} is {type(value).__name__}, not an array of numbers")
                sub.append((nm, value.astype(np.float64)))
            self.pairs = [(names[i], names[i + 1] if per == 2 else None) for i in range(0, len(names), per)]
            _, found_layout, _ = find_by_shape(sub, spec, layout)
            self.notes = []
        else:
            self.pairs, found_layout, self.notes = find_by_shape(named, spec, layout)
        self.layout = layout or found_layout
        self._bias_shapes = {b: np.shape(self.slots.get(b)) for _, b in self.pairs if b}

    def bias_shape(self, layer: int) -> tuple[int, ...] | None:
        b = self.pairs[layer][1]
        return self._bias_shapes.get(b) if b else None

    def weights(self) -> Weights:
        out = []
        for l, (w, b) in enumerate(self.pairs):
            W = np.array(self.slots.get(w), copy=True)
            W = W.T if self.layout == "out_in" else W
            bias = (
                np.array(self.slots.get(b), copy=True).reshape(-1) if b else np.zeros(self.spec.sizes[l + 1], W.dtype)
            )
            out.append((W, bias))
        return out

    def _updated(self, n: int) -> list[Observed]:
        seen = []
        for l, (w, b) in enumerate(self.pairs):
            for kind, name in (("W", w), ("b", b)):
                if name is None:
                    continue
                o = self.observe(("update", kind, l), name, self.slots.get(name), n)
                if name in self.slots.composites and o.value is not None:  # name the scalar, not the matrix of them
                    names = np.array(self.slots.composites[name], dtype=object)
                    o.elements = names.T if kind == "W" and self.layout == "out_in" else names.reshape(-1)
                seen.append(o)
        return seen


# ---- 2. arrays and functions ----------------------------------------------------------------
def _copy_params(params: Any) -> Any:
    if isinstance(params, dict):
        return {k: np.array(v, copy=True) if isinstance(v, np.ndarray) else v for k, v in params.items()}
    return type(params)(np.array(v, copy=True) if isinstance(v, np.ndarray) else v for v in params)


class Functional(_Slotted):
    style = "arrays and functions"

    def __init__(
        self,
        step: Callable,
        params: Any,
        spec: ModelSpec,
        *,
        returns: str = "auto",
        forward: Callable | None = None,
        weights: Sequence[Any] | Callable | None = None,
        weight_layout: str | None = None,
    ) -> None:
        if not callable(step):
            raise SpecError("step must be a function step(params, X, y)")
        if not isinstance(params, (dict, list, tuple)):
            raise SpecError(f"params must be a dict or list of arrays, got {type(params).__name__}")
        if returns not in ("auto", "params", "gradients"):
            raise SpecError(f"returns must be 'auto', 'params' or 'gradients', got {returns!r}")
        self._init = clone(
            (step, _copy_params(params), spec, returns, forward, weights)
        )  # before any step: state and all
        self.fn, self.params, self.returns, self.forward_fn = step, _copy_params(params), returns, forward
        self._locate(self.params, spec, weights, weight_layout)
        self._optimizer = None
        self._said_ambiguous = False

    def fresh(self) -> Functional:
        step, params, spec, returns, forward, weights = clone(self._init)
        net = Functional(
            step, params, spec, returns=returns, forward=forward, weights=weights, weight_layout=self.layout
        )
        net.samples_as, net.notes = self.samples_as, list(self.notes)
        return net

    def _same_structure(self, value: Any) -> bool:
        if isinstance(self.params, dict):
            return isinstance(value, dict) and set(value) == set(self.params)
        return (
            isinstance(value, (list, tuple))
            and len(value) == len(self.params)
            and all(np.shape(a) == np.shape(b) for a, b in zip(value, self.params))
        )

    def _gradient_names(self, grads: Any) -> dict[str, str] | None:
        """``{param name: gradient name}`` when ``grads`` holds one gradient per parameter."""
        if isinstance(self.params, dict) and isinstance(grads, dict):
            match = {}
            for p in self.params:
                names = (p, f"d{p}", f"grad_{p}", f"{p}_grad", f"d_{p}")  # cs231n keys gradients like the params
                g = next((k for k in grads if str(k).lower() in {n.lower() for n in names}), None)
                if g is None:
                    return None
                match[p] = g
            return match
        if isinstance(grads, (list, tuple)) and len(grads) == len(self.params):
            return {f"params[{i}]": i for i in range(len(grads))}
        return None

    def step(self, X, y, caller: Caller) -> list[Observed]:
        n = _n_of(X, self.samples_as)
        seen: list[Observed] = []
        if self.forward_fn is not None:
            seen += self._forward(X, n, caller)
        result = caller(self.fn, None, _copy_params(self.params), X, y, where=describe(self.fn), phase="gradient")
        new, loss, grads = self._read(result, caller)
        if loss is not None:
            seen.append(self.observe(("loss",), f"loss returned by {describe(self.fn)}", loss, n))
        if grads is not None:
            new = self._apply(grads, seen, n, caller.step)
        self._store(new)
        return seen + self._updated(n)

    def _forward(self, X, n: int, caller: Caller) -> list[Observed]:
        out = caller(
            self.forward_fn, None, _copy_params(self.params), X, where=describe(self.forward_fn), phase="forward"
        )
        name = describe(self.forward_fn)
        L = len(self.spec.sizes) - 1
        if isinstance(out, (tuple, list)) and len(out) == 2 * L:  # z1, a1, z2, a2, ...
            return [self.observe(("forward", i), f"{name}(...)[{i}]", o, n) for i, o in enumerate(out)]
        if isinstance(out, (tuple, list)):
            out = out[-1]
        return [self.observe(("forward", 2 * L - 1), f"{name}(...)", out, n)]

    def _read(self, result: Any, caller: Caller) -> tuple[Any, Any, Any]:
        """(new params, loss, gradients) from what the step function returned."""
        where = describe(self.fn)
        if self.returns != "gradients" and self._same_structure(result):
            return result, None, None
        if isinstance(result, tuple) and len(result) == 2:
            a, b = result
            scalar_a, scalar_b = (
                np.ndim(a) == 0 and not isinstance(a, (dict, list, tuple)),
                np.ndim(b) == 0 and not isinstance(b, (dict, list, tuple)),
            )
            if scalar_a or scalar_b:
                loss, other = (a, b) if scalar_a else (b, a)
                # (loss, dict keyed like params) is cs231n's ``loss, grads = net.loss(X, y)``:
                # loss first reads as gradients, loss second as (new params, loss).
                ambiguous = self.returns == "auto" and self._same_structure(other)
                if ambiguous and scalar_a and self._gradient_names(other) and not self._said_ambiguous:
                    self._said_ambiguous = True
                    self.notes.append(
                        f"{where} returns (loss, arrays keyed like params): read as (loss, gradients), "
                        "as in cs231n; pass returns='params' if they are the new parameters"
                    )
                if self.returns == "gradients" or (
                    self.returns == "auto"
                    and (scalar_a or not self._same_structure(other))
                    and self._gradient_names(other)
                ):
                    if self._gradient_names(other) is None:
                        raise UserCodeError(
                            f"{where} returned gradients that do not match params one to one",
                            step=caller.step,
                            where=where,
                            phase="gradient",
                        )
                    return None, loss, other
                if self._same_structure(other):
                    return other, loss, None
        raise UserCodeError(
            f"{where} returned {type(result).__name__}; return the new params (same keys as params), "
            "(new params, loss), or (loss, gradients) with returns='gradients'",
            step=caller.step,
            where=where,
            phase="update",
        )

    def _apply(self, grads: Any, seen: list[Observed], n: int, step: int) -> Any:
        """The spec's optimizer applied to the user's gradients (the update is then ours)."""
        names = self._gradient_names(grads)
        if self._optimizer is None:
            self._optimizer = get_optimizer(self.spec.optimizer, **optimizer_kwargs(self.spec))
        params, pairs = _copy_params(self.params), []
        for l, (w, b) in enumerate(self.pairs):
            for kind, pname in (("W", w), ("b", b)):
                if pname is None:
                    continue
                g = np.asarray(grads[names[pname]])
                seen.append(self.observe(("gradient", kind, l), f"{names[pname]}", g, n))
                key = pname if isinstance(params, dict) else int(pname[7:-1])
                pairs.append((params[key], g))
        for (p, g), o in zip(pairs, seen[-len(pairs) :]):
            if np.shape(g) != np.shape(p):  # what was seen is still compared: the shape is the first divergence
                exc = UserCodeError(
                    f"gradient {o.name} has shape {np.shape(g)} but its parameter has {np.shape(p)}",
                    step=step,
                    where=describe(self.fn),
                    phase="gradient",
                )
                exc.seen = seen
                raise exc
        pairs = [(p, g.astype(p.dtype)) for p, g in pairs]
        self._optimizer.step(pairs)  # in place, in the user's own layout (elementwise rules)
        return params

    def _store(self, new: Any) -> None:
        self.params = _copy_params(new)
        self.slots = ArraySlots(
            self.params, self.slots.composites, self.slots.reader
        )  # the same names, read the same way


# ---- 3. a black box with its own training step ----------------------------------------------
X_NAMES = ("x", "X", "inputs", "input", "data", "features")
Y_NAMES = ("y", "Y", "targets", "target", "labels", "y_true", "t")
LR_NAMES = ("learning_rate", "lr", "eta", "alpha", "step_size")
OUT_NAMES = ("output", "outputs", "y_pred", "pred", "predictions", "y_hat", "out")


def _is_number(value: Any) -> bool:
    """A plain number (a float, or a 0-d or one-element float array), not a flag or a count."""
    if isinstance(value, (bool, int, np.integer)) or value is None:
        return False
    return isinstance(value, (float, np.floating)) or (
        isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind == "f"
    )


class BlackBox(_Slotted):
    style = "black box"

    def __init__(
        self,
        model: Any,
        spec: ModelSpec,
        *,
        step: Callable | None = None,
        weights: Sequence[Any] | Callable | None = None,
        weight_layout: str | None = None,
    ) -> None:
        self.model, self.step_fn = model, step
        self._locate(model, spec, weights, weight_layout)
        if step is None:
            for method in ("forward", "backward"):
                if not callable(getattr(model, method, None)):
                    raise SpecError(
                        f"{type(model).__name__} has no {method}(); pass step=lambda model, X, y: ... that takes one training step"
                    )
            self._check_backward_signature()
        self._init = clone((model, spec, step, weights))  # before any step: the model and the step's own state

    def fresh(self) -> BlackBox:
        model, spec, step, weights = clone(self._init)
        net = BlackBox(model, spec, step=step, weights=weights, weight_layout=self.layout)
        net.samples_as, net.notes = self.samples_as, list(self.notes)
        return net

    @property
    def call_name(self) -> str:
        fn = self.step_fn
        if fn is None:
            return f"{type(self.model).__name__}.backward"
        return "your step function" if getattr(fn, "__name__", "") == "<lambda>" else describe(fn)

    def _check_backward_signature(self) -> None:
        params = inspect.signature(self.model.backward).parameters
        unknown = [
            p
            for p, v in params.items()
            if v.default is inspect.Parameter.empty
            and v.kind in (v.POSITIONAL_OR_KEYWORD, v.POSITIONAL_ONLY)
            and p not in X_NAMES + Y_NAMES + LR_NAMES + OUT_NAMES
        ]
        if unknown:
            raise SpecError(
                f"cannot tell what {type(self.model).__name__}.backward's argument(s) {', '.join(unknown)} are; "
                "pass step=lambda model, X, y: ... that takes one training step"
            )
        lr = next((p for p in params if p in LR_NAMES), None)
        self.takes_lr = lr is not None  # the spec's lr is what the network steps with
        default = params[lr].default if lr else None
        if lr and default is not inspect.Parameter.empty and default != self.spec.lr:
            self.notes.append(f"backward's {lr} defaults to {default}; validate passes the spec's lr {self.spec.lr}")

    def _backward_args(self, X, y, out) -> dict[str, Any]:
        args = {}
        for p in inspect.signature(self.model.backward).parameters:
            if p in X_NAMES:
                args[p] = X
            elif p in Y_NAMES:
                args[p] = y
            elif p in LR_NAMES:
                args[p] = self.spec.lr
            elif p in OUT_NAMES:
                args[p] = out
        return args

    def step(self, X, y, caller: Caller) -> list[Observed]:
        n = _n_of(X, self.samples_as)
        seen: list[Observed] = []
        cls = type(self.model).__name__
        if self.step_fn is not None:
            returned = caller(self.step_fn, None, self.model, X, y, where="step", phase="update")
            loss = returned[0] if isinstance(returned, tuple) and returned else returned
            if self.steps_per_call == 1 and _is_number(loss):  # a step that returns its loss has it compared too
                seen.append(self.observe(("loss",), f"loss returned by {self.call_name}", loss, n))
            return seen + self._updated(n)
        out = caller(self.model, "forward", X, where=cls, phase="forward")
        if isinstance(out, np.ndarray):
            L = len(self.spec.sizes) - 1
            seen.append(self.observe(("forward", 2 * L - 1), f"{cls}.forward(X)", out, n))
        caller(self.model, "backward", where=cls, phase="update", **self._backward_args(X, y, out))
        return seen + self._updated(n)
