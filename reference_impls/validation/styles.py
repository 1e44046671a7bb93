"""The ways a hand-written network comes in, each behind one small interface.

1. ``LayerObjects``: a list of layer objects (seed 003, the NNFS book, cs231n), dense ones
   holding ``weights (in, out)`` and ``biases (1, out)`` (or ``bias``); after
   ``backward(dvalues)`` they hold ``dweights``, ``dbiases``, ``dinputs``. ``forward`` may
   return its output or only store ``self.output``. A loss object (``calculate``,
   ``forward``, ``backward``, or the book's fused softmax + cross-entropy class) and an
   optimizer object (``update_params(layer)`` with optional ``pre_``/``post_update_params``,
   or ``step()``).
2. ``Functional``: parameters as arrays and a function ``step(params, X, y)`` returning the
   new parameters (optionally with the loss), or ``(loss, gradients)`` (seed 001).
3. ``BlackBox``: an object whose own training step updates its weights (seed 004's
   ``SimpleNN.backward(x, y, lr)``); weights are attribute names given or found by shape.

Every style reports, per step, what the user's code exposes as ``Observed`` tensors keyed
like the frameworks' (``("forward", i)``, ``("loss",)``, ``("gradient", "W", l)``,
``("update", "b", l)``) and named as the user's code names them. Tensors are mapped to the
frameworks' layout (``W (in, out)``, ``b (out,)``, samples as rows) when their shape allows;
when it does not, the raw array is kept for the diagnosis. Styles 2 and 3 live in ``arrays``.
"""

from __future__ import annotations

import copy
import inspect
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from ..spec import ModelSpec, SpecError, Weights
from .usercode import Caller, UserCodeError, describe

Key = tuple


@dataclass
class Observed:
    """One tensor of the user's network at one step."""

    key: Key
    name: str
    raw: np.ndarray
    value: np.ndarray | None  # in the frameworks' layout, or None when the shape does not map
    derived: bool = False  # computed by validate from the user's output (not the user's own)


# ---- layouts ---------------------------------------------------------------------------------
def as_canonical(key: Key, raw: Any, spec: ModelSpec, layout: str, samples_as: str, n: int) -> np.ndarray | None:
    """``raw`` in the frameworks' layout for ``key``, or None when its shape does not fit."""
    a = np.asarray(raw, dtype=np.float64) if not isinstance(raw, np.ndarray) else raw
    kind = key[0]
    if kind == "loss":
        return a.reshape(()) if a.size == 1 else None
    if kind == "forward":
        width = spec.sizes[key[1] // 2 + 1]
        if samples_as == "columns" and a.shape == (width, n):
            return a.T
        return a if a.shape == (n, width) else None
    fan_in, fan_out = spec.sizes[key[2]], spec.sizes[key[2] + 1]
    if key[1] == "W":
        if layout == "out_in" and a.shape == (fan_out, fan_in):
            return a.T
        return a if a.shape == (fan_in, fan_out) else None
    # A bias is a row (1, out) when samples are rows, a column (out, 1) when they are columns.
    shapes = ((fan_out,), (1, fan_out)) if samples_as == "rows" else ((fan_out,), (fan_out, 1))
    return a.reshape(fan_out) if a.shape in shapes or (fan_out == 1 and a.size == 1) else None


def to_user(canonical: np.ndarray, like: np.ndarray, layout: str, is_weight: bool) -> np.ndarray:
    """A canonical ``W`` or ``b`` back in the shape the user's array ``like`` has."""
    value = canonical.T if is_weight and layout == "out_in" else canonical
    return np.asarray(value, dtype=like.dtype).reshape(like.shape)


_WEIGHT_NAME = re.compile(r"(^|[^a-z])(w|weights?|kernel|theta)")
_BIAS_NAME = re.compile(r"(^|[^a-z])(b|bias(es)?|intercept)")


def _assign(named: list[tuple[str, np.ndarray]], spec: ModelSpec, layout: str) -> tuple[list[tuple[str, str | None]], int] | str:
    """Layers' (W, b) names for one weight layout, and how many names look like what they
    were taken for (the tie-break between layouts); or why no assignment exists."""
    shapes = list(zip(spec.sizes, spec.sizes[1:]))
    used: set[str] = set()
    score, ws = 0, []

    def pick(shapes_wanted: tuple, pattern: re.Pattern) -> str | None:
        nonlocal score
        for shape in shapes_wanted:
            cands = [nm for nm, a in named if nm not in used and a.shape == shape]
            if cands:  # a name that says what it is first, else the first defined
                nm = next((c for c in cands if pattern.search(c.lower())), cands[0])
                score += bool(pattern.search(nm.lower()))
                used.add(nm)
                return nm
        return None

    for layer, (fan_in, fan_out) in enumerate(shapes):  # every weight matrix first, then the biases
        w = pick(((fan_in, fan_out),) if layout == "in_out" else ((fan_out, fan_in),), _WEIGHT_NAME)
        if w is None:
            return (f"no array of shape ({fan_in}, {fan_out}) or ({fan_out}, {fan_in}) for layer {layer}'s weights; "
                    f"arrays found: {', '.join(f'{nm} {a.shape}' for nm, a in named) or 'none'}. Name them with weights=[...]")
        ws.append(w)
    pairs: list[tuple[str, str | None]] = []
    for layer, (w, (_, fan_out)) in enumerate(zip(ws, shapes)):
        b = None
        if spec.use_bias:
            # Row vectors go with (in, out) weights, column vectors with (out, in) ones.
            order = ((1, fan_out), (fan_out,), (fan_out, 1)) if layout == "in_out" else ((fan_out, 1), (fan_out,), (1, fan_out))
            b = pick(order, _BIAS_NAME)
            if b is None:
                return f"no bias array of {fan_out} values for layer {layer}; set use_bias=False in the spec if it has none"
        pairs.append((w, b))
    return pairs, score


def find_by_shape(named: list[tuple[str, np.ndarray]], spec: ModelSpec) -> tuple[list[tuple[str, str | None]], str, list[str]]:
    """Assign arrays to layers by shape, in the order the user defined them: returns
    ``[(W name, b name or None), ...]``, the weight layout ("in_out" or "out_in") and notes.
    Both layouts are tried (a bias of shape (out, 1) can look like a weight of the next
    layer); the one that fits, or whose names fit better, wins. All-square networks are
    assumed (in, out) unless their names say otherwise."""
    tried = {layout: _assign(named, spec, layout) for layout in ("in_out", "out_in")}
    fits = {layout: r for layout, r in tried.items() if not isinstance(r, str)}
    if not fits:
        raise SpecError(tried["in_out"])
    layout = max(fits, key=lambda k: (fits[k][1], k == "in_out"))
    pairs = fits[layout][0]
    square = all(a == b for a, b in zip(spec.sizes, spec.sizes[1:]))
    notes = ["weights found by shape: " + "; ".join(f"layer {i}: {w}" + (f", {b}" if b else "") for i, (w, b) in enumerate(pairs))
             + (", stored as (out, in)" if layout == "out_in" else "")]
    if square:
        notes.append("every weight matrix is square: assumed (in, out); pass weight_layout='out_in' if yours is (out, in)")
    return pairs, layout, notes


# ---- the common interface -------------------------------------------------------------------
class UserNetwork(ABC):
    """A user's network, driven one training step at a time."""

    style: str
    takes_lr: bool = False  # validate hands the spec's lr to the user's code
    spec: ModelSpec | None = None
    layout: str = "in_out"  # weight matrices as (in, out) or (out, in)
    samples_as: str = "rows"  # X: (n, features) or (features, n)
    notes: list[str]
    masks: list | None = None  # the dropout masks the last step drew (one per hidden layer, rows = samples), for the twins

    @abstractmethod
    def weights(self) -> Weights:
        """Current ``[(W (in, out), b (out,)), ...]`` (b zeros without biases)."""

    @abstractmethod
    def step(self, X: Any, y: Any, caller: Caller) -> list[Observed]:
        """One training step on a batch in the user's own data layout."""

    @abstractmethod
    def fresh(self) -> "UserNetwork":
        """An untouched copy, as it was before the first step."""

    @property
    def trains(self) -> bool:
        """False for a forward-only network (compared at its initial weights only)."""
        return True

    def observe(self, key: Key, name: str, raw: Any, n: int) -> Observed:
        raw = np.array(raw, copy=True) if raw is not None else np.array(np.nan)
        return Observed(key, name, raw, as_canonical(key, raw, self.spec, self.layout, self.samples_as, n))


def _n_of(X: Any, samples_as: str) -> int:
    return np.shape(X)[1 if samples_as == "columns" else 0]


# ---- 1. layer objects -----------------------------------------------------------------------
def is_dense(layer: Any) -> bool:
    return isinstance(getattr(layer, "weights", None), np.ndarray) and _bias_attr(layer) is not None


def _bias_attr(layer: Any) -> str | None:
    return next((a for a in ("biases", "bias", "b") if isinstance(getattr(layer, a, None), np.ndarray)), None)


def is_dropout(layer: Any) -> bool:
    return "dropout" in type(layer).__name__.lower()


def training_kwargs(fn: Any) -> dict[str, bool]:
    """``{"training": True}`` for a forward that takes a training flag (the book's later
    chapters: ``forward(inputs, training)``), else nothing."""
    try:
        return {"training": True} if "training" in inspect.signature(fn).parameters else {}
    except (TypeError, ValueError):
        return {}


def dropout_mask(layer: Any, inputs: np.ndarray, output: np.ndarray) -> np.ndarray:
    """The mask a dropout layer applied in its last forward: the array attribute named like a
    mask of the inputs' shape (the book's ``binary_mask``), else ``output / inputs`` (0
    where an input is 0: there the mask does not matter for the output, and an activation
    whose output is 0 passes no gradient back)."""
    for name, value in vars(layer).items():
        if "mask" in name.lower() and isinstance(value, np.ndarray) and value.shape == np.shape(inputs):
            return np.asarray(value, np.float64)
    with np.errstate(all="ignore"):
        return np.where(np.asarray(inputs) != 0, np.asarray(output, np.float64) / inputs, 0.0)


def is_fused(loss: Any) -> bool:
    """The book's ``Activation_Softmax_Loss_CategoricalCrossentropy`` style: a loss that
    applies the output activation itself (it holds one, or says so in its name)."""
    name = type(loss).__name__.lower()
    return hasattr(loss, "activation") or (("softmax" in name or "sigmoid" in name) and ("loss" in name or "entropy" in name))


class LayerObjects(UserNetwork):
    style = "layer objects"

    def __init__(self, layers: Sequence[Any], loss: Any, optimizer: Any = None, spec: ModelSpec | None = None) -> None:
        self.layers, self.loss, self.optimizer = list(layers), loss, optimizer
        if not self.layers:
            raise SpecError("layers is empty: pass the network's layer objects in order")
        self.fused = loss is not None and is_fused(loss)
        self.dense = [i for i, layer in enumerate(self.layers) if is_dense(layer)]
        if not self.dense:
            raise SpecError("no dense layer among layers: a dense layer holds `weights` (in, out) and `biases` (1, out)")
        self.index = self._scratch_index()
        self.notes = []
        self.spec = spec
        self._pristine = copy.deepcopy((self.layers, self.loss, self.optimizer))

    def _scratch_index(self) -> dict[int, int]:
        """User layer position -> position in the frameworks' [Dense, act, Dense, act, ...]."""
        index, l, after_dense = {}, -1, False
        self.dropouts: dict[int, int] = {}  # user position of a dropout layer -> the hidden layer it follows
        for i, layer in enumerate(self.layers):
            if is_dense(layer):
                l, after_dense = l + 1, True
                index[i] = 2 * l
            elif is_dropout(layer) and not after_dense and l >= 0 and i - 1 in index and l not in self.dropouts.values():
                self.dropouts[i] = l
            elif after_dense:
                index[i], after_dense = 2 * l + 1, False
            else:
                raise SpecError(
                    f"layers[{i}] ({type(layer).__name__}) follows another non-dense layer (or comes first): "
                    "expected dense, activation, dense, activation, ..."
                )
        if self.dropouts and max(self.dropouts.values()) >= l:
            raise SpecError("a dropout layer follows the output layer: dropout goes after a hidden layer's activation")
        return index

    def fresh(self) -> "LayerObjects":
        layers, loss, optimizer = copy.deepcopy(self._pristine)
        net = LayerObjects(layers, loss, optimizer, self.spec)
        net.notes = list(self.notes)
        return net

    @property
    def trains(self) -> bool:
        return all(callable(getattr(layer, "backward", None)) for layer in self.layers) and self.optimizer is not None

    def weights(self) -> Weights:
        out = []
        for i in self.dense:
            layer = self.layers[i]
            W, b = layer.weights, getattr(layer, _bias_attr(layer))
            out.append((np.array(W, copy=True), np.array(b, copy=True).reshape(-1)))
        return out

    def _out(self, r: Any, obj: Any, where: str, attr: str, caller: Caller, phase: str) -> np.ndarray:
        value = r if isinstance(r, np.ndarray) else getattr(obj, attr, None)
        if not isinstance(value, np.ndarray):
            raise UserCodeError(
                f"{where} returned nothing and set no self.{attr}: return the result or store it in self.{attr}",
                step=caller.step, where=where, phase=phase,
            )
        return value

    def step(self, X, y, caller: Caller) -> list[Observed]:
        n = _n_of(X, self.samples_as)
        seen: list[Observed] = []
        out = X
        masks: list[np.ndarray | None] = [None] * (len(self.dense) - 1)
        for i, layer in enumerate(self.layers):
            inputs = out
            r = caller(layer, "forward", out, where=f"layers[{i}]", phase="forward", **training_kwargs(getattr(layer, "forward", None)))
            out = self._out(r, layer, f"layers[{i}].forward", "output", caller, "forward")
            if i in self.dropouts:
                mask = dropout_mask(layer, inputs, out)
                masks[self.dropouts[i]] = mask.T if self.samples_as == "columns" else mask
            elif i in self.index and not any(d < i for d in self.dropouts):  # the frameworks' layer outputs are dropout-free
                seen.append(self.observe(("forward", self.index[i]), f"layers[{i}].output", out, n))
        self.masks = masks if self.dropouts else None
        last = 2 * len(self.dense) - 1
        if self.fused:
            value = caller(self.loss, "forward", out, y, where="loss", phase="loss")
            probs = getattr(self.loss, "output", None)
            if isinstance(probs, np.ndarray) and not self.dropouts:
                seen.append(self.observe(("forward", last), "loss.output", probs, n))
        elif hasattr(self.loss, "calculate"):
            value = caller(self.loss, "calculate", out, y, where="loss", phase="loss")
        else:
            value = np.mean(caller(self.loss, "forward", out, y, where="loss", phase="loss"))
        if isinstance(value, tuple):  # calculate(..., include_regularization=True) style
            value = value[0]
        seen.append(self.observe(("loss",), "loss", value, n))
        if not self.trains:
            return seen
        d = self._loss_backward(out, y, caller)
        for i in reversed(range(len(self.layers))):
            layer = self.layers[i]
            r = caller(layer, "backward", d, where=f"layers[{i}]", phase="gradient")
            d = self._out(r, layer, f"layers[{i}].backward", "dinputs", caller, "gradient")
        for l, i in enumerate(self.dense):
            layer = self.layers[i]
            battr = "d" + _bias_attr(layer)
            for kind, attr in (("W", "dweights"), ("b", battr)):
                if isinstance(getattr(layer, attr, None), np.ndarray):
                    seen.append(self.observe(("gradient", kind, l), f"layers[{i}].{attr}", getattr(layer, attr), n))
        try:
            self._update(caller)
        except UserCodeError as exc:  # what was seen before the update is still compared
            exc.seen = seen
            raise
        for l, i in enumerate(self.dense):
            layer = self.layers[i]
            seen.append(self.observe(("update", "W", l), f"layers[{i}].weights", layer.weights, n))
            seen.append(self.observe(("update", "b", l), f"layers[{i}].{_bias_attr(layer)}", getattr(layer, _bias_attr(layer)), n))
        return seen

    def _loss_backward(self, out, y, caller: Caller) -> np.ndarray:
        if self.fused:  # the book passes its own softmax output back in
            arg = getattr(self.loss, "output", out)
            r = caller(self.loss, "backward", arg, y, where="loss", phase="gradient")
        else:
            r = caller(self.loss, "backward", out, y, where="loss", phase="gradient")
        return self._out(r, self.loss, "loss.backward", "dinputs", caller, "gradient")

    def _update(self, caller: Caller) -> None:
        opt = self.optimizer
        if callable(getattr(opt, "update_params", None)):
            if callable(getattr(opt, "pre_update_params", None)):
                caller(opt, "pre_update_params", where="optimizer", phase="update")
            for i in self.dense:
                caller(opt, "update_params", self.layers[i], where="optimizer", phase="update")
            if callable(getattr(opt, "post_update_params", None)):
                caller(opt, "post_update_params", where="optimizer", phase="update")
        elif callable(getattr(opt, "step", None)):
            caller(opt, "step", where="optimizer", phase="update")
        else:
            raise UserCodeError(
                f"the optimizer ({describe(opt)}) has neither update_params(layer) nor step()",
                step=caller.step, where="optimizer", phase="update",
            )
