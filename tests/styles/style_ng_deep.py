"""Style 3b: the same course's week 4 "Building your Deep Neural Network: Step by Step" /
"Deep Neural Network - Application": an L-layer network of helper functions, samples as
columns, four weight layers here.

Sources read (style only, no code copied; excerpts found by code search):
- rashedmamdouh/Fully-working-Neural-Network ``helperfunction.py``; pavankodi/neural-networks
  ``backprop.py``; GitTeya/neural-networks-AI ``BackPropagation.py`` (a class version whose
  ``grads`` keys are shifted by one); Jean-Pierre-LV/Deep-Learning-MATLAB
  ``L_model_backward.m`` (a port whose ``dAL`` has the sign of the ``(1 - Y)/(1 - AL)`` term
  wrong, the bug ``dAL_sign`` below); several ``linear_backward`` /
  ``linear_activation_backward`` copies found by search.

Style facts that matter to a validator:
- ``parameters`` dict ``W1 .. WL`` ``(n_l, n_{l-1})`` and ``b1 .. bL`` ``(n_l, 1)``, built by
  ``initialize_parameters_deep(layer_dims)`` (``randn / sqrt(n_{l-1})`` in the application
  notebook, ``* 0.01`` in the step-by-step one); samples are COLUMNS.
- ``L_model_forward(X, parameters) -> (AL, caches)``: ``[LINEAR -> RELU] * (L-1) -> LINEAR ->
  SIGMOID``, each cache ``((A_prev, W, b), Z)``. ``compute_cost(AL, Y)`` is the mean binary
  cross-entropy.
- ``L_model_backward(AL, Y, caches)`` starts from ``dAL = -(Y/AL - (1-Y)/(1-AL))`` (the
  sigmoid's derivative then multiplies it: the output delta is formed through the
  probability, not as ``AL - Y``), ``relu_backward`` zeroes ``dZ`` where ``Z <= 0``,
  ``linear_backward`` gives ``dW = 1/m dZ A_prev.T``, ``db = 1/m sum(dZ, axis=1,
  keepdims=True)``; ``grads`` keyed ``dA{l}``, ``dW{l}``, ``db{l}``.
- ``update_parameters(parameters, grads, learning_rate)`` loops ``L = len(parameters) // 2``
  layers, in place, and returns the dict.
- A last-layer bias gradient is a mean of a few ``AL - Y`` terms of both signs: a small
  sum of large terms, where round-off is large relative to the result.
"""

from __future__ import annotations

import numpy as np

from reference_impls import ModelSpec

from ._data import planted, xor

BUGS = {
    "dAL_sign": "dAL = -np.divide(Y, AL) - np.divide(1 - Y, 1 - AL): the second term's sign flipped",
    "sigmoid_backward_on_Z": "sigmoid_backward computes dA * Z * (1 - Z) from the cached pre-activation (output layer only)",
    "update_skips_last_layer": "update_parameters loops range(L - 1): the output layer is never updated",
    "db_no_keepdims": "db = 1/m * np.sum(dZ, axis=1) without keepdims: (n,) broadcast against b (n, 1)",
}

EXPECT = {
    "dAL_sign": dict(
        step=1,
        phase="update",
        tensor="W1",
        cause="wrong sign of the (1 - y)/(1 - a) term in dAL",
        keys=("sign", "1 - y"),
    ),
    "sigmoid_backward_on_Z": dict(
        step=1,
        phase="update",
        tensor="W1",
        cause="output sigmoid derivative evaluated on the pre-activation",
        keys=("pre-activation",),
    ),
    "update_skips_last_layer": dict(
        step=1,
        phase="update",
        tensor="W4",
        cause="the output layer's update is skipped",
        keys=("skipped", "not updated"),
    ),
    "db_no_keepdims": dict(
        step=1,
        phase="update",
        tensor="b1",
        cause="bias gradient without keepdims broadcast to a matrix",
        keys=("shape", "keepdims", "broadcast"),
    ),
}

_bug = None


def sigmoid(Z):
    return 1 / (1 + np.exp(-Z)), Z


def relu(Z):
    return np.maximum(0, Z), Z


def sigmoid_backward(dA, cache):
    Z = cache
    if _bug == "sigmoid_backward_on_Z":
        return dA * Z * (1 - Z)
    s = 1 / (1 + np.exp(-Z))
    return dA * s * (1 - s)


def relu_backward(dA, cache):
    Z = cache
    dZ = np.array(dA, copy=True)
    dZ[Z <= 0] = 0
    return dZ


def initialize_parameters_deep(layer_dims):
    np.random.seed(1)
    parameters = {}
    for l in range(1, len(layer_dims)):
        parameters["W" + str(l)] = np.random.randn(layer_dims[l], layer_dims[l - 1]) / np.sqrt(layer_dims[l - 1])
        parameters["b" + str(l)] = np.zeros((layer_dims[l], 1))
    return parameters


def linear_activation_forward(A_prev, W, b, activation):
    Z = np.dot(W, A_prev) + b
    A, activation_cache = sigmoid(Z) if activation == "sigmoid" else relu(Z)
    return A, ((A_prev, W, b), activation_cache)


def L_model_forward(X, parameters):
    caches = []
    A = X
    L = len(parameters) // 2
    for l in range(1, L):
        A, cache = linear_activation_forward(A, parameters["W" + str(l)], parameters["b" + str(l)], "relu")
        caches.append(cache)
    AL, cache = linear_activation_forward(A, parameters["W" + str(L)], parameters["b" + str(L)], "sigmoid")
    caches.append(cache)
    return AL, caches


def compute_cost(AL, Y):
    m = Y.shape[1]
    cost = -1 / m * np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL))
    return np.squeeze(cost)


def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = 1 / m * np.dot(dZ, A_prev.T)
    db = 1 / m * np.sum(dZ, axis=1) if _bug == "db_no_keepdims" else 1 / m * np.sum(dZ, axis=1, keepdims=True)
    dA_prev = np.dot(W.T, dZ)
    return dA_prev, dW, db


def linear_activation_backward(dA, cache, activation):
    linear_cache, activation_cache = cache
    dZ = sigmoid_backward(dA, activation_cache) if activation == "sigmoid" else relu_backward(dA, activation_cache)
    return linear_backward(dZ, linear_cache)


def L_model_backward(AL, Y, caches):
    grads = {}
    L = len(caches)
    Y = Y.reshape(AL.shape)
    if _bug == "dAL_sign":
        dAL = -np.divide(Y, AL) - np.divide(1 - Y, 1 - AL)
    else:
        dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    grads["dA" + str(L - 1)], grads["dW" + str(L)], grads["db" + str(L)] = linear_activation_backward(
        dAL, caches[L - 1], "sigmoid"
    )
    for l in reversed(range(L - 1)):
        dA_prev, dW, db = linear_activation_backward(grads["dA" + str(l + 1)], caches[l], "relu")
        grads["dA" + str(l)], grads["dW" + str(l + 1)], grads["db" + str(l + 1)] = dA_prev, dW, db
    return grads


def update_parameters(parameters, grads, learning_rate):
    L = len(parameters) // 2
    for l in range(L - 1 if _bug == "update_skips_last_layer" else L):
        parameters["W" + str(l + 1)] = parameters["W" + str(l + 1)] - learning_rate * grads["dW" + str(l + 1)]
        parameters["b" + str(l + 1)] = parameters["b" + str(l + 1)] - learning_rate * grads["db" + str(l + 1)]
    return parameters


LAYER_DIMS = [2, 5, 4, 3, 1]
SPEC = ModelSpec(
    sizes=tuple(LAYER_DIMS), activations=("relu", "relu", "relu", "sigmoid"), loss="binary_crossentropy", lr=0.3
)


def make(bug=None):
    global _bug
    _bug = planted(BUGS, bug)
    return initialize_parameters_deep(LAYER_DIMS)


def glue(bug=None) -> dict:
    parameters = make(bug)
    X, Y = xor()[0].T, xor()[1].reshape(1, -1)  # data

    def step(parameters, X, Y):
        AL, caches = L_model_forward(X, parameters)
        return update_parameters(parameters, L_model_backward(AL, Y, caches), 0.3), compute_cost(AL, Y)

    return dict(step=step, params=parameters, spec=SPEC, data_layout="columns", X=X, y=Y, steps=50)
