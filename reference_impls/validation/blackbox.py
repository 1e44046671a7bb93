"""The black-box style (``BlackBox``): an object whose own training calls update its weights
(seed 004's ``SimpleNN.backward(x, y, lr)``, Nielsen's network, single-class tutorials). Without
``step=``, validate drives the calls it has (forward and backward by their common names, the
model's own update, or one training call), hands them the batch by their parameters' names or
through the attributes a model built on its data reads, and steps gradients a backward returns
with the spec's optimizer. Arrays are found by ``slots``."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..spec import ModelSpec, SpecError
from .copies import clone
from .slots import SlottedNetwork
from .styles import Observed, _n_of
from .updates import BACKWARD_NAMES, FORWARD_NAMES, method_name, required
from .usercode import Caller, UserCodeError, describe

# ---- 3. a black box with its own training step ----------------------------------------------
X_NAMES = ("x", "X", "inputs", "input", "data", "features", "inputs_list", "x_train", "X_train")
Y_NAMES = ("y", "Y", "targets", "target", "labels", "y_true", "t", "targets_list", "y_train")
LR_NAMES = ("learning_rate", "lr", "eta", "alpha", "step_size")
OUT_NAMES = ("output", "outputs", "y_pred", "pred", "predictions", "y_hat", "yhat", "out", "o")
KNOWN = X_NAMES + Y_NAMES + LR_NAMES + OUT_NAMES  # what validate can give a backward by name
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


def _takes_lr(fn: Callable) -> bool:
    """Whether ``fn`` takes a learning rate by one of its usual names."""
    return any(p in LR_NAMES for p in _params(fn))


def _is_number(value: Any) -> bool:
    """A plain number (a float, or a 0-d or one-element float array), not a flag or a count."""
    if isinstance(value, (bool, int, np.integer)) or value is None:
        return False
    return isinstance(value, (float, np.floating)) or (
        isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind == "f"
    )


def instance_of(model: Any) -> tuple[Any, list[str]]:
    """``model`` itself, or, where it is a class (``model=Neural_Network`` for
    ``model=Neural_Network()``), the instance its constructor makes with no argument, and a
    note saying so; a class whose constructor needs arguments is one line asking for one."""
    if not inspect.isclass(model):
        return model, []
    needs = [p.name for p in required(model) or []]
    if needs:
        raise SpecError(
            f"model= is the class {model.__name__}, whose constructor needs {', '.join(needs)}: pass the network "
            f"itself, model={model.__name__}({', '.join(needs)})"
        )
    try:
        built = Caller()(model, None, where=f"{model.__name__}()", phase="setup")
    except UserCodeError as exc:  # the user's constructor failing: their code, not bad input
        from .verdict import Failure, UserCodeFailed

        raise UserCodeFailed(Failure("raised", str(exc), 0, f"{model.__name__}()")) from None
    return built, [f"{model.__name__} is a class: validate built {model.__name__}() and trains that"]


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
        self.forward_method, self.backward_method = "forward", "backward"
        self.data_attrs: dict[str, str] = {}  # "X"/"y" -> the model's attribute holding the data its calls read
        self.from_forward: list[str] = []  # backward's parameters given forward's returned values, in order
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
        fwd, bwd = method_name(model, FORWARD_NAMES), method_name(model, BACKWARD_NAMES)
        lacks = [m for m, found in (("forward", fwd), ("backward", bwd)) if found is None]
        if not lacks:
            unknown = self._unknown(getattr(model, bwd))
            self.from_forward = unknown if len(unknown) > 1 else []  # forward's values, by position
            if self.from_forward:
                self.notes.append(
                    f"{cls}.{bwd}'s {', '.join(self.from_forward)} are taken from what {cls}.{fwd} returns, in order"
                )
        if not lacks and (self.from_forward or self._resolvable(getattr(model, bwd), KNOWN)):
            self.forward_method, self.backward_method = fwd, bwd
            self._check_backward_signature()
            self.update_method = None if self.takes_lr else self._first(UPDATE_NAMES, LR_NAMES)
            if self.update_method:
                self.takes_lr = _takes_lr(getattr(model, self.update_method))
            self._find_data_attrs((fwd, bwd))
            self.notes.append(
                f"each step calls {cls}.{fwd}({'' if self.data_attrs else 'X'}), {cls}.{bwd}"
                + (f", then {cls}.{self.update_method}()" if self.update_method else "")
            )
            return
        self.train_method = self._first(TRAIN_NAMES, X_NAMES + Y_NAMES + LR_NAMES + EPOCH_NAMES)
        if self.train_method is None:
            raise SpecError(
                (f"{cls} has no {lacks[0]}()" if lacks else f"cannot tell what {cls}.backward's arguments are")
                + f" and no training call validate can make ({', '.join(TRAIN_NAMES[:4])}... taking X and y); "
                "pass step=lambda model, X, y: ... that takes one training step"
            )
        self.takes_lr = _takes_lr(getattr(model, self.train_method))
        self._find_data_attrs((self.train_method,))
        data = "" if self.data_attrs else "X, y"
        self.notes.append(f"each step calls {cls}.{self.train_method}({data}) (epochs set to 1 where it takes them)")

    def _descend(self, grads: list, seen: list[Observed], n: int, where: str) -> None:
        """Gradients backward returned (updating nothing, as a training loop outside the class
        then does): matched to the parameters by shape, in their order or output layer first,
        compared, and stepped by the spec's optimizer on the model's own arrays."""
        slots = [(l, kind, nm) for l, pair in enumerate(self.pairs) for kind, nm in zip("Wb", pair) if nm]
        by_layer = sorted(slots, key=lambda t: -t[0])
        order = next(
            (
                o
                for o in (slots, by_layer)
                if len(o) == len(grads)
                and all(np.shape(g) == np.shape(self.slots.get(nm)) for g, (_, _, nm) in zip(grads, o))
            ),
            None,
        )
        if order is None:
            shapes = ", ".join(str(np.shape(g)) for g in grads)
            raise SpecError(
                f"{where} returned {len(grads)} value(s) of shape {shapes}, which are not one gradient per parameter "
                f"({', '.join(nm for _, _, nm in slots)}); pass step=lambda model, X, y: ... that takes one step"
            )
        if self._optimizer is None:  # the first time: say what steps them
            self.notes.append(
                f"{where} returns the gradients and updates nothing: validate steps them with the spec's "
                f"{self.spec.optimizer} (lr {self.spec.lr:g}), as your training loop would"
            )
        pairs = []
        for i, (g, (l, kind, nm)) in enumerate(zip(grads, order)):
            seen.append(self.observe(("gradient", kind, l), f"{where}(...)[{i}] (for {nm})", g, n))
            p = self.slots.get(nm)
            pairs.append((p, np.asarray(g, p.dtype)))
        self.spec_optimizer().step(pairs)  # in place, on the model's own arrays

    def _find_data_attrs(self, methods: tuple[str, ...]) -> None:
        """Where the training calls take no data, the data the model holds: its attributes
        named like the batch (``self.input``, ``self.X``, ``self.y``, as a model built as
        ``NeuralNetwork(X, y)`` keeps them), set to each step's batch before the calls."""
        taken = {p for m in methods for p in _params(getattr(self.model, m))}
        held = vars(self.model) if hasattr(self.model, "__dict__") else {}
        for role, names in (("X", X_NAMES), ("y", Y_NAMES)):
            if taken & set(names):
                continue
            attr = next((a for a in names if a in held and isinstance(held[a], (np.ndarray, list))), None)
            if attr is None:
                cls = type(self.model).__name__
                raise SpecError(
                    f"{cls}.{'(), '.join(methods)}() take no {role} and {cls} holds no attribute named like it "
                    f"({', '.join(names[:5])}...); pass step=lambda model, X, y: ... that takes one training step"
                )
            self.data_attrs[role] = attr
        if self.data_attrs:
            cls = type(self.model).__name__
            self.notes.append(
                f"{cls}'s training calls read the data it holds: each step sets "
                + " and ".join(f"{cls}.{a} to the batch's {r}" for r, a in self.data_attrs.items())
            )

    @staticmethod
    def _unknown(fn: Callable) -> list[str]:
        """``fn``'s required positional parameters validate cannot give by name."""
        return [p.name for p in required(fn) or [] if p.name not in KNOWN]

    def _first(self, methods: tuple[str, ...], names: tuple[str, ...]) -> str | None:
        """The first of ``methods`` the model has whose required arguments are all in ``names``."""
        found = (m for m in methods if callable(getattr(self.model, m, None)))
        return next((m for m in found if self._resolvable(getattr(self.model, m), names)), None)

    @staticmethod
    def _resolvable(fn: Callable, names: tuple[str, ...]) -> bool:
        """Whether every required positional parameter of ``fn`` is one validate can give."""
        needs = required(fn)
        return needs is not None and all(p.name in names for p in needs)

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
            return f"{type(self.model).__name__}.{self.backward_method}"
        return "your step function" if getattr(fn, "__name__", "") == "<lambda>" else describe(fn)

    def _check_backward_signature(self) -> None:
        params = inspect.signature(getattr(self.model, self.backward_method)).parameters
        unknown = [p for p in self._unknown(getattr(self.model, self.backward_method)) if p not in self.from_forward]
        if unknown:
            raise SpecError(
                f"cannot tell what {type(self.model).__name__}.{self.backward_method}'s argument(s) "
                f"{', '.join(unknown)} are; "
                "pass step=lambda model, X, y: ... that takes one training step"
            )
        lr = next((p for p in params if p in LR_NAMES), None)
        self.takes_lr = lr is not None  # the spec's lr is what the network steps with
        default = params[lr].default if lr else None
        if lr and default is not inspect.Parameter.empty and default != self.spec.lr:
            self.notes.append(
                f"{self.backward_method}'s {lr} defaults to {default}; validate passes the spec's lr {self.spec.lr}"
            )

    def step(self, X, y, caller: Caller) -> list[Observed]:
        n = _n_of(X, self.samples_as)
        seen: list[Observed] = []
        cls = type(self.model).__name__
        for role, attr in self.data_attrs.items():  # a model that reads its data from itself gets this batch
            setattr(self.model, attr, X if role == "X" else y)
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
        fwd, bwd = self.forward_method, self.backward_method
        args = () if "X" in self.data_attrs else (X,)
        out = caller(self.model, fwd, *args, where=cls, phase="forward")
        name = f"{cls}.{fwd}({'X' if args else ''})"
        if out is None:  # a forward that stores its output instead of returning it
            stored = next((a for a in OUT_NAMES if isinstance(getattr(self.model, a, None), np.ndarray)), None)
            out, name = (getattr(self.model, stored), f"{cls}.{stored}") if stored else (None, name)
        last = out[-1] if isinstance(out, tuple) and out else out  # (hidden..., output): the output
        if isinstance(last, np.ndarray):
            L = len(self.spec.sizes) - 1
            seen.append(self.observe(("forward", 2 * L - 1), name if last is out else f"{name}[-1]", last, n))
        bwd_fn = getattr(self.model, bwd)
        args = self._call_args(bwd_fn, X, y, last)
        if self.from_forward:
            outs = out if isinstance(out, tuple) else (out,)
            if len(outs) != len(self.from_forward):
                raise UserCodeError(
                    f"{cls}.{bwd} takes {', '.join(self.from_forward)} but {cls}.{fwd} returned {len(outs)} value(s): "
                    "pass step=lambda model, X, y: ... that takes one training step",
                    step=caller.step,
                    where=f"{cls}.{bwd}",
                    phase="update",
                )
            args.update(zip(self.from_forward, outs))
        grads = caller(self.model, bwd, where=cls, phase="update", **args)
        if self.update_method is None and not self.takes_lr and isinstance(grads, (tuple, list)) and grads:
            self._descend(list(grads), seen, n, f"{cls}.{bwd}")
        if self.update_method:
            fn = getattr(self.model, self.update_method)
            caller(self.model, self.update_method, where=cls, phase="update", **self._call_args(fn, X, y))
        return seen + self._updated(n)
