"""The training step ``fit`` and the benchmarks take: ``Sequential``'s forward, loss,
backward and update, with the same arithmetic bit for bit, keeping only what
back-propagation reads and computing in place.

``model.py`` reads like the math: every layer keeps its ``inputs``, ``output`` and
``dinputs``. Here a ReLU network's step peaks at about one ``(n, width)`` array (plus
ReLU's 1-byte mask), not five:

- the last step's arrays are released before the next step makes new ones;
- an activation that differentiates from its own output (``keeps_inputs`` False) computes
  it over the Dense layer's pre-activation ``output`` (None there after), in place where
  ``IN_PLACE`` has a kernel for it;
- going back, the Dense above a ReLU writes its ``dinputs`` over the ReLU's output once
  the mask ``y > 0`` is taken (``out=``), and the ReLU multiplies that same array by the
  mask; other activations write their gradient into the Dense's fresh ``dinputs``.

After a step, a Dense followed by such an activation has ``output`` None, the Dense
above an activation ``dinputs`` None (and ``inputs`` None above a ReLU), a ReLU
``output`` None. ``tests/test_lean_steps.py`` checks the step against the plain one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from .activations import Activation
from .layers import Dense, Dropout
from .losses import Loss
from .optimizers import Optimizer


class Model(Protocol):
    """What the step reads of a ``Sequential``: a protocol, so that this module need not import
    ``model.py``, which imports it (no import cycle)."""

    layers: list
    optimizer: Optimizer | None

    def loss_plan(self) -> tuple[Loss, int]: ...

    def params(self) -> list[tuple[np.ndarray, np.ndarray]]: ...

    @property
    def dropout_layers(self) -> list[tuple[Dropout, int]]: ...


def _buffer(owner: object, name: str, like: np.ndarray, dtype=None) -> np.ndarray:
    """A scratch array shaped like ``like``, kept on ``owner`` and reused while shapes repeat
    (every full-batch step): no fresh allocation, and no page faults, per step."""
    dtype = like.dtype if dtype is None else np.dtype(dtype)
    buf = vars(owner).get(name)
    if buf is None or buf.shape != like.shape or buf.dtype != dtype:
        buf = vars(owner)[name] = np.empty(like.shape, dtype)
    return buf


def _positive(relu: Activation, like: np.ndarray) -> np.ndarray:
    """ReLU's mask ``y > 0``, from its ``output``, or as taken when the output was released."""
    if relu.output is None:
        return relu._lean_mask
    return np.greater(relu.output, 0, out=_buffer(relu, "_lean_mask", like, bool))


def _sigmoid_into(X: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):  # Sigmoid.f's operations in its order, each into X
        np.exp(np.negative(X, out=X), out=X)
        X += 1
        return np.divide(1, X, out=X)


def _sigmoid_grad_into(act: Activation, d: np.ndarray) -> np.ndarray:
    np.multiply(d, act.output, out=d)  # (d * y) * (1 - y), in Sigmoid._df's order
    return np.multiply(d, 1 - act.output, out=d)


@dataclass(frozen=True)
class InPlace:
    """An activation's step written into the arrays it is given (the same numbers as its
    ``f`` and ``_df``). ``forward`` None: computed fresh; ``releases``: its backward needs
    only a mask, so its output may be overwritten once the mask is taken."""

    backward: Callable[[Activation, np.ndarray], np.ndarray]
    forward: Callable[[np.ndarray], np.ndarray] | None = None
    releases: bool = False


IN_PLACE: dict[str, InPlace] = {
    "relu": InPlace(
        forward=lambda X: np.maximum(X, 0.0, out=X),
        backward=lambda act, d: np.multiply(d, _positive(act, d), out=d),
        releases=True,
    ),
    "leaky_relu": InPlace(  # alpha * d where x is not > 0 (NaN included, as np.where), d elsewhere
        backward=lambda act, d: np.multiply(d, act.alpha, out=d, where=~(act.inputs > 0)),
    ),
    "sigmoid": InPlace(forward=_sigmoid_into, backward=_sigmoid_grad_into),
    "tanh": InPlace(
        forward=lambda X: np.tanh(X, out=X),
        backward=lambda act, d: np.multiply(d, 1 - act.output**2, out=d),
    ),
}


def _kernel(layer: object) -> InPlace | None:
    return IN_PLACE.get(getattr(layer, "name", None)) if isinstance(layer, Activation) else None


def _release(layers: list) -> None:
    """Drop the last step's ``inputs``, ``output`` and ``dinputs``, so two steps' arrays
    never coexist (the buffers a layer reuses across steps stay)."""
    for layer in layers:
        for name in ("inputs", "output", "dinputs"):
            if name in vars(layer):
                setattr(layer, name, None)


def _forward(layers: list, out: np.ndarray) -> np.ndarray:
    """An activation that keeps only its own output writes it over the output of the Dense
    layer before it (then None there: nothing reads it)."""
    before = None
    for layer in layers:
        if isinstance(before, Dense) and isinstance(layer, Activation) and not layer.keeps_inputs:
            kernel = _kernel(layer)
            if kernel is not None and kernel.forward is not None:
                layer.inputs, layer.output = None, kernel.forward(out)
                out = layer.output
            else:
                out = layer.forward(out)
            before.output = None
        else:
            out = layer.forward(out)
        before = layer
    return out


def _released_output(act: object) -> np.ndarray | None:
    """An activation's ``output``, handed over to be overwritten (then None there) where
    its backward can do without it (ReLU, keeping its mask); None otherwise."""
    kernel = _kernel(act)
    if kernel is None or not kernel.releases:
        return None
    _positive(act, act.output)  # backward needs only y > 0: one byte per entry, not eight
    out, act.output = act.output, None
    return out


def _backward(layers: list, dvalues: np.ndarray) -> None:
    """Back-propagate, each activation under a Dense in place into the Dense's ``dinputs``
    (the Dense keeps no ``dinputs`` then), each Dense over the output of a ReLU under it."""
    above = None
    for below, layer in reversed(list(zip([None, *layers], layers))):
        if isinstance(above, Dense) and isinstance(layer, Activation):
            kernel = _kernel(layer)
            if kernel is None:
                dvalues = layer.backward(dvalues)
            else:
                dvalues = layer.dinputs = kernel.backward(layer, dvalues)
            above.dinputs = None
        elif isinstance(layer, Dense) and isinstance(below, Activation) and below.output is layer.inputs:
            out = _released_output(below)
            dvalues = layer.backward(dvalues, out=out)
            if out is not None:
                layer.inputs = None  # it holds the gradient now
        else:
            dvalues = layer.backward(dvalues)
        above = layer


@contextmanager
def _dropout_masks(model: Model, X: np.ndarray) -> Iterator[None]:
    """A mask for this step on every Dropout layer that was given none; cleared after."""
    dropouts = model.dropout_layers
    for d, width in dropouts:
        if d.mask is None and d.rate:
            d.mask = d.draw((len(X), width), X.dtype)
    try:
        yield
    finally:
        for d, _ in dropouts:
            d.mask = None


def train_step(
    model: Model, X: np.ndarray, y: np.ndarray, *, outputs: bool = True, check: bool = True
) -> tuple[float, np.ndarray | None]:
    """One forward, backward and optimizer update on checked inputs: (loss, outputs, or None
    without ``outputs``), the same numbers as ``model.loss_and_gradients(X, y)`` then
    ``model.optimizer.step(model.params())``. ``check=False`` skips re-checking labels a
    caller has already checked."""
    if model.optimizer is None:
        raise ValueError("the model needs an optimizer: call compile(loss, optimizer)")
    _release(model.layers)
    loss_fn, body = model.loss_plan()
    with _dropout_masks(model, X):
        z = _forward(model.layers[:body], X)
        loss, grad = loss_fn.loss_and_gradient(z, y, check=check)
        out = loss_fn.predictions(z) if outputs else None
        _backward(model.layers[:body], grad)
    model.optimizer.step(model.params())
    return loss, out
