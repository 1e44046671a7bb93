"""The array-held styles: ``Functional`` (parameters as arrays and a ``step`` function,
seed 001) and ``BlackBox`` (an object whose own training step updates its weights, seed
004), both finding their arrays by name or by shape (``ArraySlots``). The shared interface,
``Observed`` and the layer-object style are in ``styles``."""

from __future__ import annotations

import copy
import inspect
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from scratch import get_optimizer

from ..base import optimizer_kwargs
from ..spec import ModelSpec, SpecError, Weights
from .styles import Observed, UserNetwork, _n_of, find_by_shape
from .usercode import Caller, UserCodeError, describe

# ---- arrays held by a container (functional params, black-box attributes) -------------------
class ArraySlots:
    """Named arrays inside a dict, a list or an object's attributes (one level deep)."""

    def __init__(self, holder: Any) -> None:
        self.holder = holder

    def names(self) -> list[tuple[str, np.ndarray]]:
        return [(name, a) for name, a in self._items() if isinstance(a, np.ndarray) and a.dtype.kind == "f"]

    def _items(self) -> Iterator[tuple[str, Any]]:
        h = self.holder
        if isinstance(h, dict):
            yield from ((str(k), v) for k, v in h.items())
        elif isinstance(h, (list, tuple)):
            yield from ((f"params[{i}]", v) for i, v in enumerate(h))
        else:
            for attr, v in vars(h).items():
                if isinstance(v, dict):
                    yield from ((f"{attr}[{k!r}]", w) for k, w in v.items())
                else:
                    yield attr, v

    def get(self, name: str) -> np.ndarray:
        return dict(self._items())[name]


class _Slotted(UserNetwork):
    """Shared by the functional and black-box styles: arrays found by name or shape."""

    def _locate(self, holder: Any, spec: ModelSpec, names: Sequence[str] | None, layout: str | None) -> None:
        if spec is None:
            raise SpecError(f"the {self.style} style needs spec=ModelSpec(...) stating the architecture")
        self.spec, self.slots = spec, ArraySlots(holder)
        named = self.slots.names()
        if names is not None:
            names = list(names)
            per = 2 if spec.use_bias else 1
            if len(names) != per * (len(spec.sizes) - 1):
                raise SpecError(f"weights= needs {per * (len(spec.sizes) - 1)} names (W{', b' if per == 2 else ''} per layer), got {names}")
            table = dict(named)
            missing = [nm for nm in names if nm not in table]
            if missing:
                raise SpecError(f"no array named {', '.join(missing)}; arrays found: {', '.join(table)}")
            self.pairs = [(names[i], names[i + 1] if per == 2 else None) for i in range(0, len(names), per)]
            sub = [(nm, table[nm]) for nm in names]
            _, found_layout, _ = find_by_shape(sub, spec)
            self.notes = []
        else:
            self.pairs, found_layout, self.notes = find_by_shape(named, spec)
        self.layout = layout or found_layout

    def weights(self) -> Weights:
        out = []
        for l, (w, b) in enumerate(self.pairs):
            W = np.array(self.slots.get(w), copy=True)
            W = W.T if self.layout == "out_in" else W
            bias = np.array(self.slots.get(b), copy=True).reshape(-1) if b else np.zeros(self.spec.sizes[l + 1], W.dtype)
            out.append((W, bias))
        return out

    def _updated(self, n: int) -> list[Observed]:
        seen = []
        for l, (w, b) in enumerate(self.pairs):
            seen.append(self.observe(("update", "W", l), w, self.slots.get(w), n))
            if b:
                seen.append(self.observe(("update", "b", l), b, self.slots.get(b), n))
        return seen


# ---- 2. arrays and functions ----------------------------------------------------------------
def _copy_params(params: Any) -> Any:
    if isinstance(params, dict):
        return {k: np.array(v, copy=True) if isinstance(v, np.ndarray) else v for k, v in params.items()}
    return type(params)(np.array(v, copy=True) if isinstance(v, np.ndarray) else v for v in params)


class Functional(_Slotted):
    style = "arrays and functions"

    def __init__(self, step: Callable, params: Any, spec: ModelSpec, *, returns: str = "auto", forward: Callable | None = None,
                 weights: Sequence[str] | None = None, weight_layout: str | None = None) -> None:
        if not callable(step):
            raise SpecError("step must be a function step(params, X, y)")
        if not isinstance(params, (dict, list, tuple)):
            raise SpecError(f"params must be a dict or list of arrays, got {type(params).__name__}")
        if returns not in ("auto", "params", "gradients"):
            raise SpecError(f"returns must be 'auto', 'params' or 'gradients', got {returns!r}")
        self.fn, self.params, self.returns, self.forward_fn = step, _copy_params(params), returns, forward
        self._locate(self.params, spec, weights, weight_layout)
        self._init = (step, _copy_params(params), spec, returns, forward, weights, self.layout)
        self._optimizer = None
        self._said_ambiguous = False

    def fresh(self) -> "Functional":
        step, params, spec, returns, forward, weights, layout = self._init
        net = Functional(step, params, spec, returns=returns, forward=forward, weights=weights, weight_layout=layout)
        net.samples_as, net.notes = self.samples_as, list(self.notes)
        return net

    def _same_structure(self, value: Any) -> bool:
        if isinstance(self.params, dict):
            return isinstance(value, dict) and set(value) == set(self.params)
        return isinstance(value, (list, tuple)) and len(value) == len(self.params) and all(
            np.shape(a) == np.shape(b) for a, b in zip(value, self.params))

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
        out = caller(self.forward_fn, None, _copy_params(self.params), X, where=describe(self.forward_fn), phase="forward")
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
            scalar_a, scalar_b = np.ndim(a) == 0 and not isinstance(a, (dict, list, tuple)), np.ndim(b) == 0 and not isinstance(b, (dict, list, tuple))
            if scalar_a or scalar_b:
                loss, other = (a, b) if scalar_a else (b, a)
                # (loss, dict keyed like params) is cs231n's ``loss, grads = net.loss(X, y)``:
                # loss first reads as gradients, loss second as (new params, loss).
                ambiguous = self.returns == "auto" and self._same_structure(other)
                if ambiguous and scalar_a and self._gradient_names(other) and not self._said_ambiguous:
                    self._said_ambiguous = True
                    self.notes.append(f"{where} returns (loss, arrays keyed like params): read as (loss, gradients), "
                                      "as in cs231n; pass returns='params' if they are the new parameters")
                if self.returns == "gradients" or (self.returns == "auto" and (scalar_a or not self._same_structure(other))
                                                   and self._gradient_names(other)):
                    if self._gradient_names(other) is None:
                        raise UserCodeError(f"{where} returned gradients that do not match params one to one", step=caller.step, where=where, phase="gradient")
                    return None, loss, other
                if self._same_structure(other):
                    return other, loss, None
        raise UserCodeError(
            f"{where} returned {type(result).__name__}; return the new params (same keys as params), "
            "(new params, loss), or (loss, gradients) with returns='gradients'",
            step=caller.step, where=where, phase="update",
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
                if np.shape(g) != np.shape(params[key]):
                    raise UserCodeError(f"gradient {names[pname]} has shape {np.shape(g)} but {pname} has {np.shape(params[key])}",
                                        step=step, where=describe(self.fn), phase="gradient")
                pairs.append((params[key], g.astype(params[key].dtype)))
        self._optimizer.step(pairs)  # in place, in the user's own layout (elementwise rules)
        return params

    def _store(self, new: Any) -> None:
        self.params = _copy_params(new)
        self.slots = ArraySlots(self.params)


# ---- 3. a black box with its own training step ----------------------------------------------
X_NAMES = ("x", "X", "inputs", "input", "data", "features")
Y_NAMES = ("y", "Y", "targets", "target", "labels", "y_true", "t")
LR_NAMES = ("learning_rate", "lr", "eta", "alpha", "step_size")
OUT_NAMES = ("output", "outputs", "y_pred", "pred", "predictions", "y_hat", "out")


class BlackBox(_Slotted):
    style = "black box"

    def __init__(self, model: Any, spec: ModelSpec, *, step: Callable | None = None, weights: Sequence[str] | None = None,
                 weight_layout: str | None = None) -> None:
        self.model, self.step_fn = model, step
        self._locate(model, spec, weights, weight_layout)
        if step is None:
            for method in ("forward", "backward"):
                if not callable(getattr(model, method, None)):
                    raise SpecError(
                        f"{type(model).__name__} has no {method}(); pass step=lambda model, X, y: ... that takes one training step"
                    )
            self._check_backward_signature()
        self._init = (copy.deepcopy(model), spec, step, weights, self.layout)

    def fresh(self) -> "BlackBox":
        model, spec, step, weights, layout = self._init
        net = BlackBox(copy.deepcopy(model), spec, step=step, weights=weights, weight_layout=layout)
        net.samples_as, net.notes = self.samples_as, list(self.notes)
        return net

    def _check_backward_signature(self) -> None:
        params = inspect.signature(self.model.backward).parameters
        unknown = [p for p, v in params.items() if v.default is inspect.Parameter.empty
                   and v.kind in (v.POSITIONAL_OR_KEYWORD, v.POSITIONAL_ONLY) and p not in X_NAMES + Y_NAMES + LR_NAMES + OUT_NAMES]
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
            caller(self.step_fn, None, self.model, X, y, where="step", phase="update")
            return self._updated(n)
        out = caller(self.model, "forward", X, where=cls, phase="forward")
        if isinstance(out, np.ndarray):
            L = len(self.spec.sizes) - 1
            seen.append(self.observe(("forward", 2 * L - 1), f"{cls}.forward(X)", out, n))
        caller(self.model, "backward", where=cls, phase="update", **self._backward_args(X, y, out))
        return seen + self._updated(n)
