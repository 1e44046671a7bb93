"""Style 1, layer objects: a list of layers, a loss and (unless the layers update themselves)
an optimizer, in whatever names the user's tutorial taught.

What each object is, is read off what it holds and does, never off its class name:

- a dense layer holds a 2-d weight array (``weights``, ``W``, ``w``, ``kernel``...) and a
  bias array (``biases``, ``bias``, ``b``...), stored ``(in, out)`` as the NNFS book and
  cs231n do, or ``(out, in)`` as ``nn.Linear`` does (read off the chain of shapes and the
  data); any other layer is an activation, or a dropout when its forward zeros some units
  and scales the rest alike;
- forward is ``forward``, ``forward_propagation``, ``feedforward``...; it returns its output
  or stores ``self.output``. Backward is ``backward``, ``backward_propagation``...; it takes
  the gradient and, in some tutorials, the learning rate, and then updates its own weights
  inside (no optimizer); it returns the input gradient or stores ``self.dinputs``;
- the loss is an object (``calculate``/``forward``/``loss`` and ``backward``/``gradient``),
  a pair ``(loss, loss_prime)`` of functions, or one function returning ``(loss, dout)``;
  argument order (prediction first, or labels first) is read off the parameter names.
  When the layers end with a dense layer, the loss applies the output activation itself
  (the book's fused softmax + cross-entropy; inferred by probing it);
- the optimizer has ``update_params(layer)`` (with ``pre_``/``post_update_params``),
  ``step(layers)``/``update(layers)`` or ``step()`` (``updates.OptimizerCall``).
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..spec import ModelSpec, SpecError, Weights
from .copies import clone
from .lossview import LossView
from .styles import Observed, UserNetwork, _n_of, flat_samples
from .updates import BACKWARD_NAMES, EXPECTED, FORWARD_NAMES, OptimizerCall, method_name
from .updates import params as _params
from .usercode import Caller, UserCodeError, describe

WEIGHT_NAMES = ("weights", "W", "w", "weight", "kernel", "theta")
BIAS_NAMES = ("biases", "bias", "b", "bias_weights", "intercept")
LR_NAMES = ("learning_rate", "lr", "eta", "alpha", "step_size", "rate")


def _array_attr(obj: Any, names: Sequence[str], ndim: tuple[int, ...]) -> str | None:
    return next(
        (
            a
            for a in names
            if isinstance(getattr(obj, a, None), np.ndarray)
            and getattr(obj, a).ndim in ndim
            and getattr(obj, a).dtype.kind == "f"
        ),
        None,
    )


def weight_attr(layer: Any) -> str | None:
    """The name of a layer's 2-d weight array, if it has one."""
    return _array_attr(layer, WEIGHT_NAMES, (2,))


def bias_attr(layer: Any) -> str | None:
    """The name of a dense layer's bias array (a vector, a row or a column)."""
    return _array_attr(layer, BIAS_NAMES, (1, 2))


def is_dense(layer: Any) -> bool:
    return weight_attr(layer) is not None and bias_attr(layer) is not None


def training_kwargs(fn: Any) -> dict[str, bool]:
    """``{"training": True}`` for a forward that takes a training flag (the book's later
    chapters: ``forward(inputs, training)``), else nothing."""
    try:
        return {"training": True} if "training" in inspect.signature(fn).parameters else {}
    except (TypeError, ValueError):
        return {}


def takes_lr(fn: Callable) -> bool:
    """A backward ``(gradient, learning_rate)``: the layer updates itself inside backward."""
    ps = _params(fn)
    return len(ps) >= 2 and ps[1].name in LR_NAMES


def forward_of(layer: Any) -> Callable:
    name = method_name(layer, FORWARD_NAMES) or ("__call__" if callable(layer) else None)
    if name is None:
        raise SpecError(f"{describe(layer)} has no forward method (looked for {', '.join(FORWARD_NAMES)})")
    fn = getattr(layer, name)
    return lambda x: fn(x, **training_kwargs(fn))


def looks_like_dropout(layer: Any, width: int = 64) -> bool:
    """Whether a forward (in training mode) of a copy on ones zeros some units and scales the
    rest alike, as dropout does; NumPy's global random state is restored."""
    state = np.random.get_state()
    try:
        probe = copy.deepcopy(layer)
        out = forward_of(probe)(np.ones((64, width)))
        out = np.asarray(out if out is not None else getattr(probe, "output", None), dtype=np.float64)
    except Exception:  # the user's code; an activation that cannot run on ones is not dropout
        return False
    finally:
        np.random.set_state(state)
    if out.shape != (64, width):
        return False
    kept = out[out != 0]
    return bool(kept.size and kept.size < out.size and np.allclose(kept, kept[0]) and kept[0] >= 1)


def dropout_mask(layer: Any, inputs: np.ndarray, output: np.ndarray) -> np.ndarray:
    """The mask a dropout layer applied in its last forward: an array attribute named like a
    mask of the inputs' shape (the book's ``binary_mask``), else ``output / inputs`` (0
    where an input is 0: there the mask does not matter for the output, and an activation
    whose output is 0 passes no gradient back)."""
    for name, value in vars(layer).items():
        if "mask" in name.lower() and isinstance(value, np.ndarray) and value.shape == np.shape(inputs):
            return np.asarray(value, np.float64)
    with np.errstate(all="ignore"):
        return np.where(np.asarray(inputs) != 0, np.asarray(output, np.float64) / inputs, 0.0)


def dense_layout(weights: list[np.ndarray], biases: list[np.ndarray], n_features: Sequence[int] = ()) -> str:
    """ "in_out" or "out_in" for a chain of dense layers' weight arrays: the layout in which
    each layer's outputs feed the next layer's inputs, then the one whose first layer takes
    the data's features, then column biases ``(out, 1)`` for ``(out, in)``; else (in, out)."""

    def chains(layout: str) -> bool:
        dims = [(W.shape[0], W.shape[1]) if layout == "in_out" else (W.shape[1], W.shape[0]) for W in weights]
        return all(a[1] == b[0] for a, b in zip(dims, dims[1:]))

    fits = [lay for lay in ("in_out", "out_in") if chains(lay)]
    if len(fits) == 1:
        return fits[0]
    first = weights[0].shape
    if first[0] != first[1] and n_features:
        if first[0] in n_features and first[1] not in n_features:
            return "in_out"
        if first[1] in n_features and first[0] not in n_features:
            return "out_in"
    columns = all(b.ndim == 2 and b.shape[1] == 1 and b.shape[0] > 1 for b in biases)
    return "out_in" if columns and all(W.shape[0] == b.shape[0] for W, b in zip(weights, biases)) else "in_out"


GRAD_NAMES = {
    "W": ("dweights", "dW", "dw", "d_weights", "grad_W", "grad_w", "grad_weights", "weights_grad", "dkernel"),
    "b": (
        "dbiases",
        "dbias",
        "db",
        "d_biases",
        "d_bias",
        "grad_b",
        "grad_bias",
        "grad_biases",
        "bias_grad",
        "biases_grad",
    ),
}


def gradient_names(attr: str, kind: str) -> tuple[str, ...]:
    """The names a layer may store the gradient of its parameter ``attr`` (``kind`` W or b) under."""
    return (f"d{attr}", f"d_{attr}", f"grad_{attr}", f"{attr}_grad") + GRAD_NAMES[kind]


class LayerObjects(UserNetwork):
    style = "layer objects"

    def __init__(
        self,
        layers: Sequence[Any],
        loss: Any,
        optimizer: Any = None,
        spec: ModelSpec | None = None,
        weight_layout: str | None = None,
        n_features: Sequence[int] = (),
    ) -> None:
        self.layers, self.loss, self.optimizer = list(layers), loss, optimizer
        if not self.layers:
            raise SpecError("layers is empty: pass the network's layer objects in order")
        self.lossview = LossView(loss) if loss is not None else None
        self.dense = [i for i, layer in enumerate(self.layers) if is_dense(layer)]
        if not self.dense:
            raise SpecError(
                "no dense layer among layers: a dense layer holds a 2-d weight array (weights, W, kernel...) and a "
                "bias "
                "array (biases, bias, b...); for parameters held otherwise (wrapped in objects), pass model=your_net, "
                "step=lambda net, X, y: ... and weights=lambda net: [(W, b), ...] (the black-box style)"
            )
        self.index = self._scratch_index()
        self.ends_dense = self.dense[-1] == len(self.layers) - 1
        self.notes = []
        self.spec = spec
        dense = [self.layers[i] for i in self.dense]
        self.layout = weight_layout or dense_layout(
            [getattr(d, weight_attr(d)) for d in dense],
            [np.asarray(getattr(d, bias_attr(d))) for d in dense],
            n_features,
        )
        if self.layout == "out_in" and weight_layout is None:
            self.notes.append("the dense layers store weights as (out, in)")
        self.updates_in_backward = all(
            takes_lr(getattr(self.layers[i], method_name(self.layers[i], BACKWARD_NAMES) or "", None))
            for i in self.dense
            if method_name(self.layers[i], BACKWARD_NAMES)
        )
        if self.updates_in_backward and optimizer is None:
            self.takes_lr = True
        self._bias_shapes = [np.shape(getattr(d, bias_attr(d))) for d in dense]
        self._init = (weight_layout, tuple(n_features))
        self._pristine = clone((self.layers, self.loss, self.optimizer))

    @property
    def fused(self) -> bool:
        """The loss applies the output activation itself: the layers end with a dense layer
        and the output activation is not linear."""
        return self.ends_dense and self.spec is not None and self.spec.activations[-1] != "linear"

    def _scratch_index(self) -> dict[int, int]:
        """User layer position -> position in the frameworks' [Dense, act, Dense, act, ...]."""
        index, l, after_dense = {}, -1, False
        self.dropouts: dict[int, int] = {}  # user position of a dropout layer -> the hidden layer it follows
        for i, layer in enumerate(self.layers):
            if i in self.dense:
                l, after_dense = l + 1, True
                index[i] = 2 * l
            elif after_dense:
                index[i], after_dense = 2 * l + 1, False
            elif l >= 0 and i - 1 in index and l not in self.dropouts.values() and looks_like_dropout(layer):
                self.dropouts[i] = l
            else:
                raise SpecError(
                    f"layers[{i}] ({type(layer).__name__}) follows another non-dense layer (or comes first) and is "
                    "not dropout: "
                    "expected dense, activation, dense, activation, ..."
                )
        if self.dropouts and max(self.dropouts.values()) >= l:
            raise SpecError("a dropout layer follows the output layer: dropout goes after a hidden layer's activation")
        return index

    def fresh(self) -> LayerObjects:
        layers, loss, optimizer = clone(self._pristine)
        layout, n_features = self._init
        net = LayerObjects(layers, loss, optimizer, self.spec, layout or self.layout, n_features)
        net.notes, net.samples_as = list(self.notes), self.samples_as
        return net

    @property
    def trains(self) -> bool:
        return not self.untrained_because()

    def untrained_because(self) -> str:
        """Why the network cannot take a training step ('' when it can)."""
        lacking = [
            f"layers[{i}] ({type(layer).__name__})"
            for i, layer in enumerate(self.layers)
            if not method_name(layer, BACKWARD_NAMES)
        ]
        if lacking:
            return (
                f"{', '.join(lacking)} {'has' if len(lacking) == 1 else 'have'} no backward method "
                f"({', '.join(BACKWARD_NAMES[:3])}...)"
            )
        if self.lossview is None:
            return "no loss was given"
        if self.optimizer is None and not self.updates_in_backward:
            return "no optimizer was given and the layers' backward takes no learning rate"
        return ""

    def bias_shape(self, layer: int) -> tuple[int, ...] | None:
        return self._bias_shapes[layer]

    def _dense(self, l: int) -> tuple[Any, str, str]:
        layer = self.layers[self.dense[l]]
        return layer, weight_attr(layer), bias_attr(layer)

    def weights(self) -> Weights:
        out = []
        for l in range(len(self.dense)):
            layer, w, b = self._dense(l)
            W = np.array(getattr(layer, w), copy=True)
            out.append((W.T if self.layout == "out_in" else W, np.array(getattr(layer, b), copy=True).reshape(-1)))
        return out

    def _out(self, r: Any, obj: Any, where: str, attr: str, caller: Caller, phase: str) -> np.ndarray:
        value = r if isinstance(r, np.ndarray) else getattr(obj, attr, None)
        if not isinstance(value, np.ndarray):
            raise UserCodeError(
                f"{where} returned nothing and set no self.{attr}: return the result or store it in self.{attr}",
                step=caller.step,
                where=where,
                phase=phase,
            )
        return value

    def _forward(self, X: Any, caller: Caller, n: int, seen: list[Observed]) -> Any:
        out = X
        masks: list[np.ndarray | None] = [None] * (len(self.dense) - 1)
        for i, layer in enumerate(self.layers):
            inputs = out
            method = method_name(layer, FORWARD_NAMES) or "__call__"
            fn = getattr(layer, method, None)
            r = caller(layer, method, out, where=f"layers[{i}]", phase="forward", **training_kwargs(fn))
            out = self._out(r, layer, f"layers[{i}].{method}", "output", caller, "forward")
            if i in self.dropouts:
                mask = dropout_mask(layer, inputs, out)
                masks[self.dropouts[i]] = mask.T if self.samples_as == "columns" else mask
            elif i in self.index and not any(
                d < i for d in self.dropouts
            ):  # the frameworks' layer outputs are dropout-free
                seen.append(self.observe(("forward", self.index[i]), f"layers[{i}].output", out, n))
        self.masks = masks if self.dropouts else None
        return out

    def step(self, X, y, caller: Caller) -> list[Observed]:
        X, y = (
            flat_samples(X),
            flat_samples(y),
        )  # the layers take a batch as rows, even when the data is kept (n, 1, features)
        n = _n_of(X, self.samples_as)
        seen: list[Observed] = []
        out = self._forward(X, caller, n, seen)
        value = self.lossview.value(out, y, caller)
        probs = getattr(self.loss, "output", None)
        if self.fused and isinstance(probs, np.ndarray) and np.shape(probs) == np.shape(out) and not self.dropouts:
            seen.append(self.observe(("forward", 2 * len(self.dense) - 1), "loss.output", probs, n))
        seen.append(self.observe(("loss",), "loss", value, n))
        if not self.trains:
            return seen
        # the book's fused backward takes its own softmax output back in; others take the logits
        given = probs if self.fused and isinstance(probs, np.ndarray) and np.shape(probs) == np.shape(out) else out
        d = self.lossview.gradient(given, y, caller)
        for i in reversed(range(len(self.layers))):
            layer = self.layers[i]
            method = method_name(layer, BACKWARD_NAMES)
            args = (d, self.spec.lr) if takes_lr(getattr(layer, method)) else (d,)
            r = caller(layer, method, *args, where=f"layers[{i}]", phase="gradient")
            d = self._out(r, layer, f"layers[{i}].{method}", "dinputs", caller, "gradient")
        for l in range(len(self.dense)):
            layer, w, b = self._dense(l)
            for kind, attr in (("W", w), ("b", b)):
                grad = next(
                    (g for g in gradient_names(attr, kind) if isinstance(getattr(layer, g, None), np.ndarray)), None
                )
                if grad is not None:
                    seen.append(
                        self.observe(("gradient", kind, l), f"layers[{self.dense[l]}].{grad}", getattr(layer, grad), n)
                    )
        if self.optimizer is not None:
            try:
                self._update(caller)
            except UserCodeError as exc:  # what was seen before the update is still compared
                exc.seen = seen
                raise
        for l in range(len(self.dense)):
            layer, w, b = self._dense(l)
            seen.append(self.observe(("update", "W", l), f"layers[{self.dense[l]}].{w}", getattr(layer, w), n))
            seen.append(self.observe(("update", "b", l), f"layers[{self.dense[l]}].{b}", getattr(layer, b), n))
        return seen

    def _update(self, caller: Caller) -> None:
        opt = self.optimizer
        call = OptimizerCall.of(opt)
        if call is None:
            raise UserCodeError(
                f"the optimizer ({describe(opt)}) has none of {EXPECTED}",
                step=caller.step,
                where="optimizer",
                phase="update",
            )
        for method, args in call.calls(opt, self.layers, self.dense):
            caller(opt, method, *args, where="optimizer", phase="update")
