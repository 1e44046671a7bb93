"""Style 3: Andrew Ng's deeplearning.ai course 1, week 3 ("Planar data classification with
one hidden layer"): functions over a ``parameters`` dict, samples as columns.

Sources read (style only, no code copied):
- the assignment's notebook text as republished in many learners' repositories (found by
  the string ``cost = - np.sum(logprobs)                # no need``: ten copies, e.g. the
  Chinese translation and the ``.py`` exports), and graded solutions such as
  enerai/deep_learning ``shallow_neural_networks/compute_cost.py`` and
  boringPpl/hasbrain-helper-files ``neural-network/final.py``.
- The notebook's instructions show, as "how we would have implemented" the cost,
  ``logprobs = np.multiply(np.log(A2), Y)`` and ``cost = - np.sum(logprobs)``: the
  ``(1 - Y) log(1 - A2)`` term (and the 1/m) left out. Learners copy it; the backward pass
  (``dZ2 = A2 - Y``) is the full binary cross-entropy's, so only the reported cost is wrong.

Style facts that matter to a validator:
- ``X (n_x, m)``, ``Y (1, m)``: samples are COLUMNS; ``W1 (n_h, n_x)``, ``b1 (n_h, 1)``,
  ``W2 (n_y, n_h)``, ``b2 (n_y, 1)`` (weights ``(out, in)``, biases columns), created by
  ``initialize_parameters(n_x, n_h, n_y)`` with ``randn * 0.01`` and zeros.
- ``forward_propagation(X, parameters) -> (A2, cache)`` with ``cache`` = Z1, A1, Z2, A2;
  tanh hidden, sigmoid output. ``compute_cost(A2, Y, parameters)`` returns a squeezed float.
- ``backward_propagation(parameters, cache, X, Y) -> grads`` keyed ``dW1, db1, dW2, db2``;
  ``dW = 1/m dZ A.T``, ``db = 1/m sum(dZ, axis=1, keepdims=True)``, tanh derivative
  ``1 - A1**2`` from the cached activation.
- ``update_parameters(parameters, grads, learning_rate=1.2)`` returns a new dict;
  ``nn_model`` re-initialises the parameters and loops ``num_iterations`` itself, so the
  user steps the four functions by hand.
"""

from __future__ import annotations

import numpy as np

from reference_impls import ModelSpec

from ._data import planted, xor

BUGS = {
    "cost_missing_one_minus_y": "the notebook's hint: logprobs = np.multiply(np.log(A2), Y), no (1 - Y) log(1 - A2) term",
    "db1_no_axis": "db1 = 1/m * np.sum(dZ1): summed over every element, not axis=1",
    "tanh_prime_on_Z1": "dZ1 uses 1 - np.power(Z1, 2) instead of 1 - np.power(A1, 2)",
    "dW2_missing_1_over_m": "dW2 = np.dot(dZ2, A1.T) without the 1/m",
}

EXPECT = {
    "cost_missing_one_minus_y": dict(
        step=1,
        phase="loss",
        tensor="cost",
        cause="cross-entropy cost missing the (1 - y) log(1 - a) term",
        keys=("1 - y", "(1 - y)", "1-y"),
    ),
    "db1_no_axis": dict(
        step=1,
        phase="update",
        tensor="b1",
        cause="bias gradient summed over all elements, not axis=1",
        keys=("axis", "summed"),
    ),
    "tanh_prime_on_Z1": dict(
        step=1,
        phase="update",
        tensor="W1",
        cause="tanh derivative evaluated on the pre-activation Z1",
        keys=("pre-activation",),
    ),
    "dW2_missing_1_over_m": dict(
        step=1,
        phase="update",
        tensor="W2",
        cause="weight gradient not divided by m (batch size)",
        keys=("batch size", "4 x", "sum"),
    ),
}

_bug = None


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def initialize_parameters(n_x, n_h, n_y):
    np.random.seed(2)
    W1 = np.random.randn(n_h, n_x) * 0.5  # the course uses 0.01; larger keeps tanh away from linear
    b1 = np.zeros((n_h, 1))
    W2 = np.random.randn(n_y, n_h) * 0.5
    b2 = np.zeros((n_y, 1))
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}


def forward_propagation(X, parameters):
    W1, b1, W2, b2 = parameters["W1"], parameters["b1"], parameters["W2"], parameters["b2"]
    Z1 = np.dot(W1, X) + b1
    A1 = np.tanh(Z1)
    Z2 = np.dot(W2, A1) + b2
    A2 = sigmoid(Z2)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def compute_cost(A2, Y, parameters):
    m = Y.shape[1]
    if _bug == "cost_missing_one_minus_y":
        logprobs = np.multiply(np.log(A2), Y)
    else:
        logprobs = np.multiply(np.log(A2), Y) + np.multiply(1 - Y, np.log(1 - A2))
    cost = -np.sum(logprobs) / m
    return float(np.squeeze(cost))


def backward_propagation(parameters, cache, X, Y):
    m = X.shape[1]
    W2 = parameters["W2"]
    A1, A2, Z1 = cache["A1"], cache["A2"], cache["Z1"]
    dZ2 = A2 - Y
    dW2 = np.dot(dZ2, A1.T) if _bug == "dW2_missing_1_over_m" else 1 / m * np.dot(dZ2, A1.T)
    db2 = 1 / m * np.sum(dZ2, axis=1, keepdims=True)
    dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(Z1 if _bug == "tanh_prime_on_Z1" else A1, 2))
    dW1 = 1 / m * np.dot(dZ1, X.T)
    db1 = 1 / m * np.sum(dZ1) if _bug == "db1_no_axis" else 1 / m * np.sum(dZ1, axis=1, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def update_parameters(parameters, grads, learning_rate=1.2):
    return {k: parameters[k] - learning_rate * grads["d" + k] for k in ("W1", "b1", "W2", "b2")}


SPEC = ModelSpec(sizes=(2, 4, 1), activations=("tanh", "sigmoid"), loss="binary_crossentropy", lr=1.2)


def make(bug=None):
    global _bug
    _bug = planted(BUGS, bug)
    return initialize_parameters(2, 4, 1)


def glue(bug=None) -> dict:
    parameters = make(bug)
    X, Y = xor()[0].T, xor()[1].reshape(1, -1)  # data

    def step(parameters, X, Y):
        A2, cache = forward_propagation(X, parameters)
        grads = backward_propagation(parameters, cache, X, Y)
        return update_parameters(parameters, grads, 1.2), compute_cost(A2, Y, parameters)

    return dict(step=step, params=parameters, spec=SPEC, data_layout="columns", X=X, y=Y, steps=20)
