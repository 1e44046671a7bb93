"""The array-held styles: ``Functional`` (parameters as arrays and a ``step`` function,
seed 001) and ``BlackBox`` (an object whose own training step updates its weights, seed
004), both finding their arrays by name or by shape (``ArraySlots``). The shared interface,
``Observed`` and the layer-object style are in ``styles``."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from scratch import get_optimizer

from ..base import optimizer_kwargs
from ..spec import ModelSpec, SpecError
from .copies import clone
from .slots import ArraySlots, SlottedNetwork
from .styles import Observed, _n_of
from .usercode import Caller, UserCodeError, describe

WHOLE = object()  # a gradient returned alone for the one array of parameters (not a key into a container)


# ---- 2. arrays and functions ----------------------------------------------------------------
def _copy_params(params: Any) -> Any:
    if isinstance(params, dict):
        return {k: np.array(v, copy=True) if isinstance(v, np.ndarray) else v for k, v in params.items()}
    return type(params)(np.array(v, copy=True) if isinstance(v, np.ndarray) else v for v in params)


class Functional(SlottedNetwork):
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
        if isinstance(grads, np.ndarray) and len(self.params) == 1:  # one array of parameters, its gradient alone
            (key,) = self.params if isinstance(self.params, dict) else ("params[0]",)
            only = self.params[key] if isinstance(self.params, dict) else self.params[0]
            return {key: WHOLE} if np.shape(only) == grads.shape else None
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
        if self.slots.reader is not None:
            return self._apply_held(grads, names, seen, n)
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

    def _apply_held(self, grads: Any, names: dict, seen: list[Observed], n: int) -> Any:
        """Gradients held the way the parameters are (an unrolled vector, Theta matrices),
        read per layer by the same reader as the weights; the optimizer steps each held array."""
        params = _copy_params(self.params)
        keys = list(params) if isinstance(params, dict) else list(range(len(params)))
        held = {k: np.asarray(grads if g is WHOLE else grads[g]) for k, g in zip(keys, names.values())}
        as_params = held if isinstance(params, dict) else [held[k] for k in keys]
        label = "the gradient" if any(g is WHOLE for g in names.values()) else "the gradients"
        for l, (gW, gb) in enumerate(self.slots.reader(as_params)):
            for kind, g in (("W", gW), ("b", gb))[: 2 if self.spec.use_bias else 1]:
                seen.append(self.observe(("gradient", kind, l), f"{label}'s layer {l} {kind}", g, n))
        pairs = [(params[k], held[k].astype(params[k].dtype).reshape(params[k].shape)) for k in keys]
        self._optimizer.step(pairs)  # elementwise rules: the held arrays step as the layers would
        return params

    def _store(self, new: Any) -> None:
        self.params = _copy_params(new)
        self.slots = ArraySlots(
            self.params, self.slots.composites, self.slots.reader
        )  # the same names, read the same way


# ---- 3. a black box with its own training step ----------------------------------------------
X_NAMES = ("x", "X", "inputs", "input", "data", "features", "inputs_list", "x_train", "X_train")
Y_NAMES = ("y", "Y", "targets", "target", "labels", "y_true", "t", "targets_list", "y_train")
LR_NAMES = ("learning_rate", "lr", "eta", "alpha", "step_size")
OUT_NAMES = ("output", "outputs", "y_pred", "pred", "predictions", "y_hat", "out")
EPOCH_NAMES = ("epochs", "n_epochs", "num_epochs", "epoch", "iterations", "n_iter", "num_iterations", "iters")
# what a model calls its update when backward only computes gradients (taking nothing, or the rate)
UPDATE_NAMES = (
    "step",
    "update",
    "update_weights",
    "update_params",
    "update_parameters",
    "apply_gradients",
    "optimize",
    "gradient_descent",
    "optimizer_step",
)
# what a model calls one training call on a batch, when it has no forward/backward pair to drive
TRAIN_NAMES = ("train_step", "train_on_batch", "training_step", "fit_batch", "train", "fit")


def _params(fn: Callable) -> list[str]:
    """``fn``'s parameter names (none where Python cannot read its signature)."""
    try:
        return list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return []


def _is_number(value: Any) -> bool:
    """A plain number (a float, or a 0-d or one-element float array), not a flag or a count."""
    if isinstance(value, (bool, int, np.integer)) or value is None:
        return False
    return isinstance(value, (float, np.floating)) or (
        isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind == "f"
    )


class BlackBox(SlottedNetwork):
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
        self.update_method = self.train_method = None  # found when no step= is given
        self._locate(model, spec, weights, weight_layout)
        if step is None:
            self._find_training_call()
        self._init = clone((model, spec, step, weights))  # before any step: the model and the step's own state

    def fresh(self) -> BlackBox:
        model, spec, step, weights = clone(self._init)
        net = BlackBox(model, spec, step=step, weights=weights, weight_layout=self.layout)
        net.samples_as, net.notes = self.samples_as, list(self.notes)
        return net

    def _find_training_call(self) -> None:
        """How to take one step without ``step=``: ``forward(X)`` then ``backward(...)``, and
        the model's own update method when backward takes no learning rate; or else one
        training call on the batch (``train``, ``fit``... with epochs set to 1). What was
        chosen is a note, so that a user sees what validate called."""
        cls, model = type(self.model).__name__, self.model
        lacks = [m for m in ("forward", "backward") if not callable(getattr(model, m, None))]
        if not lacks and self._resolvable(model.backward, X_NAMES + Y_NAMES + LR_NAMES + OUT_NAMES):
            self._check_backward_signature()
            self.update_method = None if self.takes_lr else self._first(UPDATE_NAMES, LR_NAMES)
            if self.update_method:
                self.takes_lr = any(p in LR_NAMES for p in _params(getattr(model, self.update_method)))
                self.notes.append(
                    f"each step calls {cls}.forward(X), {cls}.backward, then {cls}.{self.update_method}()"
                )
            return
        self.train_method = self._first(TRAIN_NAMES, X_NAMES + Y_NAMES + LR_NAMES + EPOCH_NAMES)
        if self.train_method is None:
            raise SpecError(
                (f"{cls} has no {lacks[0]}()" if lacks else f"cannot tell what {cls}.backward's arguments are")
                + f" and no training call validate can make ({', '.join(TRAIN_NAMES[:4])}... taking X and y); "
                "pass step=lambda model, X, y: ... that takes one training step"
            )
        self.takes_lr = any(p in LR_NAMES for p in _params(getattr(model, self.train_method)))
        self.notes.append(f"each step calls {cls}.{self.train_method}(X, y) (epochs set to 1 where it takes them)")

    def _first(self, methods: tuple[str, ...], names: tuple[str, ...]) -> str | None:
        """The first of ``methods`` the model has whose required arguments are all in ``names``."""
        found = (m for m in methods if callable(getattr(self.model, m, None)))
        return next((m for m in found if self._resolvable(getattr(self.model, m), names)), None)

    @staticmethod
    def _resolvable(fn: Callable, names: tuple[str, ...]) -> bool:
        """Whether every required positional parameter of ``fn`` is one validate can give."""
        try:
            params = inspect.signature(fn).parameters.values()
        except (TypeError, ValueError):
            return False
        return all(
            v.name in names
            for v in params
            if v.default is inspect.Parameter.empty and v.kind in (v.POSITIONAL_OR_KEYWORD, v.POSITIONAL_ONLY)
        )

    def _call_args(self, fn: Callable, X, y, out=None) -> dict[str, Any]:
        """The arguments validate gives ``fn`` by their names: the batch, the spec's rate, the
        output forward returned, one epoch."""
        args = {}
        for p in _params(fn):
            if p in X_NAMES:
                args[p] = X
            elif p in Y_NAMES:
                args[p] = y
            elif p in LR_NAMES:
                args[p] = self.spec.lr
            elif p in OUT_NAMES and out is not None:
                args[p] = out
            elif p in EPOCH_NAMES:
                args[p] = 1
        return args

    @property
    def call_name(self) -> str:
        fn = self.step_fn
        if fn is None and self.train_method:
            return f"{type(self.model).__name__}.{self.train_method}"
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
        if self.train_method:
            fn = getattr(self.model, self.train_method)
            returned = caller(self.model, self.train_method, where=cls, phase="update", **self._call_args(fn, X, y))
            if self.steps_per_call == 1 and _is_number(returned):
                seen.append(self.observe(("loss",), f"loss returned by {self.call_name}", returned, n))
            return seen + self._updated(n)
        out = caller(self.model, "forward", X, where=cls, phase="forward")
        if isinstance(out, np.ndarray):
            L = len(self.spec.sizes) - 1
            seen.append(self.observe(("forward", 2 * L - 1), f"{cls}.forward(X)", out, n))
        caller(self.model, "backward", where=cls, phase="update", **self._call_args(self.model.backward, X, y, out))
        if self.update_method:
            fn = getattr(self.model, self.update_method)
            caller(self.model, self.update_method, where=cls, phase="update", **self._call_args(fn, X, y))
        return seen + self._updated(n)
