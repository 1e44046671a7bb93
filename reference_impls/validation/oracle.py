"""Back-propagation of a spec in plain NumPy, with the common mistakes as switches.

The diagnosis asks "which known mistake reproduces the user's tensor?": it recomputes the
step from the user's own weights with one mistake switched on and compares. Correct, this
is the frameworks' computation (the equivalence tests hold the scratch network to it);
each mistake changes exactly one formula.

Mistakes (``Mistake.kind``):
- ``derivative_on_pre``: layer l's activation derivative written for the output
  (``a * (1 - a)``) evaluated on the pre-activation z;
- ``derivative_on_post``: the derivative written for the input (``s(z) * (1 - s(z))``)
  evaluated on the output a.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scratch import ACTIVATIONS
from scratch.losses import one_hot

from ..spec import ModelSpec, Weights


def _derivative_from_output(name: str, a: np.ndarray, alpha: float) -> np.ndarray | None:
    """f'(z) written in terms of the output a = f(z) (the tutorials' form)."""
    return {
        "sigmoid": lambda: a * (1 - a),
        "tanh": lambda: 1 - a**2,
        "relu": lambda: (a > 0).astype(a.dtype),
        "leaky_relu": lambda: np.where(a > 0, 1.0, alpha).astype(a.dtype),
        "linear": lambda: np.ones_like(a),
    }.get(name, lambda: None)()


@dataclass(frozen=True)
class Mistake:
    kind: str
    layer: int

    def describe(self, spec: ModelSpec) -> str:
        act = spec.activations[self.layer]
        if self.kind == "derivative_on_pre":
            return (f"layer {self.layer}'s {act} derivative is evaluated on its pre-activation z instead of its output: "
                    f"a formula written for the output (like x * (1 - x) for sigmoid) must be given the activation's output")
        return (f"layer {self.layer}'s {act} derivative is evaluated on its output instead of its pre-activation z: "
                f"a formula written for the input (like sigmoid(x) * (1 - sigmoid(x))) must be given z")


def candidate_mistakes(spec: ModelSpec) -> list[Mistake]:
    """The mistakes that change something for this spec (ReLU's derivative reads the same
    on z and on a, so it has none)."""
    fused_out = spec.loss != "mse"
    out = []
    for l, act in enumerate(spec.activations):
        if act in ("sigmoid", "tanh") and not (fused_out and l == len(spec.activations) - 1):
            out += [Mistake("derivative_on_pre", l), Mistake("derivative_on_post", l)]
    return out


def forward(spec: ModelSpec, weights: Weights, X: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Pre-activations zs and activations as (as[0] = X) of every layer."""
    acts = [X]
    zs = []
    for (W, b), name in zip(weights, spec.activations):
        z = acts[-1] @ W + b
        kwargs = {"alpha": spec.leaky_alpha} if name == "leaky_relu" else {}
        f = ACTIVATIONS[name](**kwargs)
        zs.append(z)
        acts.append(f._f(z))
    return zs, acts


def gradients(spec: ModelSpec, weights: Weights, X: np.ndarray, y: np.ndarray, mistake: Mistake | None = None) -> Weights:
    """``[(dL/dW, dL/db), ...]`` of the spec's loss on one batch, with ``mistake`` made."""
    zs, acts = forward(spec, weights, X)
    n, k = len(X), spec.sizes[-1]
    factor = spec.loss_factor(n)
    out = acts[-1]
    if spec.loss == "categorical_crossentropy":
        delta = (out - one_hot(y, k, out.dtype)) / n * factor
    elif spec.loss == "binary_crossentropy":
        delta = (out - y.reshape(n, -1).astype(out.dtype)) / (n * k) * factor
    else:
        delta = 2 * (out - y.reshape(n, -1)) / (n * k) * factor * _derivative(spec, len(zs) - 1, zs, acts, mistake)
    grads: list = [None] * len(weights)
    for l in reversed(range(len(weights))):
        grads[l] = (acts[l].T @ delta, delta.sum(axis=0) if spec.use_bias else np.zeros(spec.sizes[l + 1]))
        if l:
            delta = (delta @ weights[l][0].T) * _derivative(spec, l - 1, zs, acts, mistake)
    return grads


def _derivative(spec: ModelSpec, l: int, zs, acts, mistake: Mistake | None) -> np.ndarray:
    name, z, a = spec.activations[l], zs[l], acts[l + 1]
    if mistake is not None and mistake.layer == l:
        if mistake.kind == "derivative_on_pre":
            return _derivative_from_output(name, z, spec.leaky_alpha)
        kwargs = {"alpha": spec.leaky_alpha} if name == "leaky_relu" else {}
        return _derivative_from_output(name, ACTIVATIONS[name](**kwargs)._f(a), spec.leaky_alpha)
    return _derivative_from_output(name, a, spec.leaky_alpha)
