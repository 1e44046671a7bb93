"""Back-propagation of a spec in plain NumPy, with hook points where hand-written code departs.

The diagnosis asks "which known mistake reproduces the user's tensor?": it recomputes the
step from the user's own weights with one formula changed (``Hooks``) and compares. With no
hook this is the frameworks' computation, penalties included (``l1``, ``l2``, ``l1_bias``,
``l2_bias`` per layer; ``weight_decay`` belongs to the optimizer), so a hypothesis still
reproduces a network trained with a penalty. The hypotheses themselves are in ``hypotheses``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from scratch import Activation, get_loss
from scratch.losses import FUSED, one_hot
from scratch.penalties import penalty_gradient

from ..spec import ModelSpec, Weights

#: (spec, z, a, Y, n) -> the output layer's dL/dz, data part (Y one-hot or targets, (n, k))
Delta = Callable[[ModelSpec, np.ndarray, np.ndarray, np.ndarray, int], np.ndarray]
#: (activation, z, a) -> the activation's derivative as the user evaluates it
Derivative = Callable[[Activation, np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Hooks:
    """Where a hand-written back-propagation departs from the correct one (None: it does not).

    ``derivative`` and ``weight_grad`` apply to the layers in ``layers``; ``updates_inside``
    is the style whose backward updates its own weights (``W -= lr * dW``, SGD) before it
    computes the input gradient from them."""

    delta: Delta | None = None
    derivative: Derivative | None = None
    weight_grad: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None
    layers: frozenset[int] = frozenset()
    updates_inside: bool = False
    scale: Callable[[int, int, int], float] | None = (
        None  # (layer, 0 for W / 1 for b, batch rows) -> factor on the data part
    )
    bias_grad: Callable[[np.ndarray], np.ndarray] | None = (
        None  # delta -> the bias gradient, for the layers in ``layers``
    )
    errors_back: frozenset[int] = frozenset()  # layers that send back dL/da (their errors), not dL/dz


CORRECT = Hooks()


def targets(spec: ModelSpec, y: np.ndarray, like: np.ndarray) -> np.ndarray:
    """y as an (n, k) array: one-hot labels for categorical cross-entropy, else the targets."""
    n, k = like.shape
    if spec.loss == "categorical_crossentropy":
        return one_hot(y, k, like.dtype)
    return np.asarray(y).reshape(n, -1).astype(like.dtype)


def output_delta(spec: ModelSpec, z: np.ndarray, a: np.ndarray, Y: np.ndarray, n: int) -> np.ndarray:
    """The spec's dL/dz at the output, from scratch's loss table: the fused loss on logits
    where the output activation and the loss fuse (as frameworks compute cross-entropy),
    else dL/da times the output activation's derivative."""
    kwargs = dict(reduction=spec.loss_reduction, scale=spec.loss_scale)
    fused = FUSED.get((spec.activations[-1], spec.loss))
    if fused is not None:
        return fused(**kwargs).backward(z, Y)
    return get_loss(spec.loss, **kwargs).backward(a, Y) * spec.activation(-1).derivative(a)


def forward(spec: ModelSpec, weights: Weights, X: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Pre-activations zs and activations as (as[0] = X) of every layer."""
    acts, zs = [X], []
    for l, (W, b) in enumerate(weights):
        zs.append(acts[-1] @ W + b)
        acts.append(spec.activation(l).f(zs[-1]))
    return zs, acts


def penalty_gradients(spec: ModelSpec, weights: Weights) -> Weights:
    """d/dP of the spec's l1/l2 penalties (the book's and Keras's form: l2 ||W||^2 -> 2 l2 W)."""
    out = []
    for i, (W, b) in enumerate(weights):
        l1, l2, l1b, l2b = spec.penalties(i)
        out.append((penalty_gradient(W, l1, l2), penalty_gradient(b, l1b, l2b)))
    return out


def gradients(
    spec: ModelSpec, weights: Weights, X: np.ndarray, y: np.ndarray, hooks: Hooks = CORRECT, lr: float = 0.0
) -> Weights:
    """``[(dL/dW, dL/db), ...]`` of the spec's loss and penalties on one batch, as ``hooks``
    compute it (``lr``: the step's learning rate, for ``updates_inside``)."""
    zs, acts = forward(spec, weights, X)
    n, last = len(X), len(weights) - 1
    Y = targets(spec, y, acts[-1])
    if hooks.delta is not None:
        delta = hooks.delta(spec, zs[-1], acts[-1], Y, n)
    elif last in hooks.layers and hooks.derivative is not None and spec.loss != "categorical_crossentropy":
        # a shared activation class used at the output too: dL/da times its (mistaken) derivative
        correct = spec.activation(last).derivative(acts[-1])
        delta = output_delta(spec, zs[-1], acts[-1], Y, n) / correct * _derivative(spec, last, zs, acts, hooks)
    else:
        delta = output_delta(spec, zs[-1], acts[-1], Y, n)
    err = output_error(spec, acts[-1], Y) if hooks.errors_back else None
    pens = penalty_gradients(spec, weights)
    grads: list = [None] * len(weights)
    for l in reversed(range(len(weights))):
        own = hooks.weight_grad if hooks.weight_grad is not None and l in hooks.layers else (lambda x, d: x.T @ d)
        sW, sb = (hooks.scale(l, 0, n), hooks.scale(l, 1, n)) if hooks.scale is not None else (1.0, 1.0)
        dW = own(acts[l], delta) * sW + pens[l][0]
        summed = hooks.bias_grad(delta) if hooks.bias_grad is not None and l in hooks.layers else delta.sum(axis=0)
        db = (summed if spec.use_bias else np.zeros(spec.sizes[l + 1], delta.dtype)) * sb + pens[l][1]
        grads[l] = (dW, db)
        if l:
            W = weights[l][0]
            if hooks.updates_inside:
                W = W - lr * (dW + spec.weight_decay * W)
            err = (err if l in hooks.errors_back else delta) @ W.T
            delta = err * _derivative(spec, l - 1, zs, acts, hooks)
    return grads


def output_error(spec: ModelSpec, a: np.ndarray, Y: np.ndarray) -> np.ndarray | None:
    """dL/da at the output (the "error" before the output activation's derivative), or None
    where the loss fuses with the activation (the error is then never written out)."""
    if FUSED.get((spec.activations[-1], spec.loss)) is not None:
        return None
    return get_loss(spec.loss, reduction=spec.loss_reduction, scale=spec.loss_scale).backward(a, Y)


def _derivative(spec: ModelSpec, l: int, zs, acts, hooks: Hooks) -> np.ndarray:
    act, z, a = spec.activation(l), zs[l], acts[l + 1]
    if hooks.derivative is not None and l in hooks.layers:
        return hooks.derivative(act, z, a)
    return act.derivative(a)
