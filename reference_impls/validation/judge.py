"""The judge: how far the user's tensor is from the framework's, against what round-off allows.

A deviation is ``max |ours - theirs|`` over a scale. Round-off in a sum is bounded by the
size of its terms, not by the size of the result: a bias gradient that is a sum of large
per-sample terms cancelling to nearly 0, or a bias moved by 1e-11 from 0, carries round-off
of the terms' size. So each tensor is measured against the larger of its own magnitude and
the magnitude of the terms that produce it (``term_scales``), recomputed here from the
step's starting weights with every product taken in absolute value:

- a layer's output ``z = a W + b``: ``|a| |W| + |b|`` (an activation's output likewise, as
  every activation here changes by at most as much as its input);
- a gradient: back-propagation of the absolute output error through ``|W|`` and ``|f'|``,
  ``|a|^T |delta|`` for W and ``sum |delta|`` for b, plus the penalties' terms; never less
  than the layer's largest gradient (a layer's gradients share their round-off);
- an updated weight: the layer's weights and biases before the step, the step itself and
  ``lr`` times the gradient's terms.

The tolerance on that relative deviation follows the dtype.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from scratch.losses import one_hot

from ..equivalence import rel_dev
from ..spec import ModelSpec, Weights

#: relative deviation allowed per tensor and step: float64 near round-off, float32 looser
TOLERANCES = {"float64": 1e-10, "float32": 1e-4}


def _amax(a: Any) -> float:
    return float(np.max(np.abs(a), initial=0.0))


def _derivative_bound(spec: ModelSpec, layer: int, a: np.ndarray) -> np.ndarray:
    """|f'| at the output ``a`` of weight layer ``layer`` (1 where the Jacobian is not
    diagonal: softmax's rows sum to at most 1 in absolute value)."""
    derivative = spec.activation(layer).derivative(a)
    return np.ones_like(a) if derivative is None else np.abs(derivative)


def _forward(spec: ModelSpec, weights: Weights, X: np.ndarray) -> tuple[list[np.ndarray], list[float]]:
    """Activations (``acts[0] = X``) and each layer's output term scale ``max(|a| |W| + |b|)``."""
    acts, zscale = [np.asarray(X, np.float64)], []
    for l, (W, b) in enumerate(weights):
        W, b = np.asarray(W, np.float64), np.asarray(b, np.float64)
        zscale.append(_amax(np.abs(acts[-1]) @ np.abs(W) + np.abs(b)))
        with np.errstate(all="ignore"):
            acts.append(spec.activation(l).f(acts[-1] @ W + b))
    return acts, zscale


def term_scales(spec: ModelSpec, before: Weights, X: np.ndarray, y: np.ndarray, lr: float) -> dict[tuple, float]:
    """The term scale of every tensor of one step (keys as ``Observed.key``), from the
    weights ``before`` the step on the batch ``(X, y)`` in the frameworks' layout; none
    when the user's parameters no longer have the spec's shapes (each tensor is then
    measured against its own magnitude, and the shape itself is what the diagnosis names)."""
    shapes = [(a, b) for a, b in zip(spec.sizes, spec.sizes[1:])]
    if [(np.shape(W), np.size(b)) for W, b in before] != [(s, s[1]) for s in shapes]:
        return {}
    acts, zscale = _forward(spec, before, X)
    n, k, L = len(X), spec.sizes[-1], len(before)
    out: dict[tuple, float] = {}
    for l in range(L):
        out[("forward", 2 * l)] = out[("forward", 2 * l + 1)] = zscale[l]
    a = acts[-1]
    factor = spec.loss_factor(n)
    if spec.loss == "categorical_crossentropy":
        target = one_hot(np.asarray(y).reshape(-1).astype(np.int64), k, np.float64)
        delta = np.abs(a - target) / n * factor
    else:
        target = np.asarray(y, np.float64).reshape(n, -1)
        delta = np.abs(a - target) / (n * k) * factor
        if spec.loss == "mse":
            delta = 2 * delta * _derivative_bound(spec, -1, a)
    for l in reversed(range(L)):
        W, b = (np.asarray(p, np.float64) for p in before[l])
        l1, l2, l1b, l2b = spec.penalties(l)
        pw = l1 + (2 * l2 + spec.weight_decay) * _amax(W)
        pb = l1b + (2 * l2b + spec.weight_decay) * _amax(b)
        gW, gb = _amax(np.abs(acts[l]).T @ delta) + pw, _amax(delta.sum(axis=0)) + pb
        out[("gradient", "W", l)] = out[("gradient", "b", l)] = max(gW, gb)
        if l:
            delta = (delta @ np.abs(W).T) * _derivative_bound(spec, l - 1, acts[l])
    for l in range(L):
        W, b = before[l]
        step = lr * out[("gradient", "W", l)] if spec.optimizer == "sgd" else lr  # an adaptive step is ~lr per element
        out[("update", "W", l)] = out[("update", "b", l)] = max(_amax(W), _amax(b), step)
    return {key: (v if math.isfinite(v) else 0.0) for key, v in out.items()}


def floor(key: tuple, scales: dict[tuple, float], ref: dict[tuple, Any]) -> float:
    """The scale below which a deviation of the tensor ``key`` is not measured: its terms'
    (``term_scales``), and for a gradient or an update the layer's largest framework value
    and step (a layer's tensors share their round-off)."""
    value = scales.get(key, 0.0)
    if key[0] == "gradient":
        value = max(
            [value] + [_amax(ref[("gradient", w, key[2])]) for w in ("W", "b") if ("gradient", w, key[2]) in ref]
        )
    return value


def deviation(value: np.ndarray | None, theirs: Any, scale: float = 0.0) -> float:
    """``rel_dev`` of ours and theirs over at least ``scale``; inf when ours did not map to
    their shape or is not finite."""
    if value is None or not np.all(np.isfinite(value)):
        return math.inf
    return rel_dev(value, theirs, scale)
