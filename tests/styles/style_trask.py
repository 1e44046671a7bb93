"""Style 14: Andrew Trask's "Grokking Deep Learning": a script of module-level globals.

Sources read (style only, no code copied): the book's chapter 6 notebook code
("Building Your First Deep Neural Network", the streetlight network) as reproduced in
public repositories (iamtrask/Grokking-Deep-Learning copies).

Style facts that matter to a validator:
- No function and no class: ``weights_0_1`` (in, hidden) and ``weights_1_2`` (hidden, out)
  are globals drawn with ``2 * np.random.random(shape) - 1``; NO biases.
- The training loop is at the top level of the script: ``for iteration in ...: for i in
  range(len(data)):`` one example at a time (``layer_0 = data[i:i+1]``, a (1, in) row):
  per-sample SGD, ``batch_size=1``.
- ``relu = (x > 0) * x``; ``relu2deriv(output) = output > 0`` (on the OUTPUT, equivalent for
  ReLU); linear output; ``layer_2_delta = layer_2 - goal`` (no 2: gradient descent on
  1/2 (pred - goal)^2 per example, ``loss_scale=0.5``); ``weights -= alpha * layer.T.dot(delta)``.
  The book also writes the delta as ``goal - layer_2`` with ``+=``. The error it prints,
  ``np.sum((layer_2 - goal) ** 2)``, is twice the loss those deltas descend: a step that
  returned it as its loss would be told the loss is 2 x the spec's (it is left out here).
- Nothing can call script-level code one step at a time: the loop's body must become a
  function. The glue is that body as ``step(params, X, y)`` returning the new weights
  (validate says so when handed a module).
"""

from __future__ import annotations

import numpy as np

from reference_impls import ModelSpec

from ._data import planted

BUGS = {
    "layer_1_delta_after_update": "weights_1_2 updated before layer_1_delta is computed from it",
    "relu2deriv_missing": "layer_1_delta = layer_2_delta.dot(weights_1_2.T), the relu2deriv(layer_1) factor dropped",
    "delta_sign_mixed": "layer_2_delta = goal - layer_2 while the updates still subtract",
}

EXPECT = {
    "layer_1_delta_after_update": dict(
        step=1, phase="update", tensor="weights_0_1", cause="updated first", keys=("already-updated",)
    ),
    "relu2deriv_missing": dict(step=1, phase="update", tensor="weights_0_1", cause="mask dropped", keys=("mask",)),
    "delta_sign_mixed": dict(step=1, phase="update", tensor="weights_0_1", cause="sign", keys=("sign", "uphill")),
}

_bug = None
np.random.seed(1)

streetlights = np.array([[1, 0, 1], [0, 1, 1], [0, 0, 1], [1, 1, 1]], dtype=float)
walk_vs_stop = np.array([[1, 1, 0, 0]], dtype=float).T
alpha, hidden_size = 0.2, 4


def relu(x):
    return (x > 0) * x


def relu2deriv(output):
    return output > 0


def step(params, layer_0, goal):
    """The book's inner loop body, one example, on the weights handed in (not the globals)."""
    weights_0_1, weights_1_2 = params["weights_0_1"].copy(), params["weights_1_2"].copy()
    layer_1 = relu(np.dot(layer_0, weights_0_1))
    layer_2 = np.dot(layer_1, weights_1_2)
    layer_2_delta = goal - layer_2 if _bug == "delta_sign_mixed" else layer_2 - goal
    if _bug == "layer_1_delta_after_update":
        weights_1_2 -= alpha * layer_1.T.dot(layer_2_delta)
    layer_1_delta = layer_2_delta.dot(weights_1_2.T)
    if _bug != "relu2deriv_missing":
        layer_1_delta = layer_1_delta * relu2deriv(layer_1)
    if _bug != "layer_1_delta_after_update":
        weights_1_2 -= alpha * layer_1.T.dot(layer_2_delta)
    weights_0_1 -= alpha * layer_0.T.dot(layer_1_delta)
    return {"weights_0_1": weights_0_1, "weights_1_2": weights_1_2}


SPEC = ModelSpec(
    sizes=(3, hidden_size, 1),
    activations=("relu", "linear"),
    loss="mse",
    loss_scale=0.5,
    lr=alpha,
    batch_size=1,
    use_bias=False,
)


def make(bug=None):
    global _bug
    _bug = planted(BUGS, bug)
    np.random.seed(1)
    weights_0_1 = 2 * np.random.random((3, hidden_size)) - 1
    weights_1_2 = 2 * np.random.random((hidden_size, 1)) - 1
    return {"weights_0_1": weights_0_1, "weights_1_2": weights_1_2}


def glue(bug=None) -> dict:
    params = make(bug)
    return dict(step=step, params=params, spec=SPEC, X=streetlights, y=walk_vs_stop, steps=12)
