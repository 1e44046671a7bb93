"""Seed 004's ``SimpleNN`` (a black box whose ``backward(x, y, learning_rate)`` updates its
own weights), validated against PyTorch and Keras.

As the seed prints it, ``backward`` reads ``self.output_layer_output``, which ``forward``
never sets: validate reports exactly that. With the one-line fix (``forward`` keeps its
output), validate identifies the update ``+= lr * x.T @ delta`` with ``delta`` from
``y - output`` as gradient descent on 1/2 * sum (y - y_hat)^2, and the network passes under
that convention.

    python examples/seed004_simplenn.py
    scratchbench validate examples/seed004_simplenn.py:as_printed --task xor --steps 500
    scratchbench validate examples/seed004_simplenn.py:fixed --task xor --steps 500
    scratchbench validate examples/seed004_simplenn.py:fixed_half_sum --task xor --steps 500
"""

from __future__ import annotations

import numpy as np

from reference_impls import ModelSpec


# ---- the seed's code, as printed ---------------------------------------------------------------
def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def sigmoid_derivative(x):
    return x * (1 - x)


class SimpleNN:
    def __init__(self, input_size, hidden_size, output_size):
        self.weights_input_hidden = np.random.uniform(size=(input_size, hidden_size))
        self.weights_hidden_output = np.random.uniform(size=(hidden_size, output_size))
        self.bias_hidden = np.random.uniform(size=(1, hidden_size))
        self.bias_output = np.random.uniform(size=(1, output_size))

    def forward(self, x):
        self.hidden_layer_activation = np.dot(x, self.weights_input_hidden) + self.bias_hidden
        self.hidden_layer_output = sigmoid(self.hidden_layer_activation)
        self.output_layer_activation = np.dot(self.hidden_layer_output, self.weights_hidden_output) + self.bias_output
        return sigmoid(self.output_layer_activation)

    def backward(self, x, y, learning_rate=0.1):
        output_error = y - self.output_layer_output
        output_delta = output_error * sigmoid_derivative(self.output_layer_output)

        hidden_layer_error = output_delta.dot(self.weights_hidden_output.T)
        hidden_layer_delta = hidden_layer_error * sigmoid_derivative(self.hidden_layer_output)

        self.weights_hidden_output += self.hidden_layer_output.T.dot(output_delta) * learning_rate
        self.weights_input_hidden += x.T.dot(hidden_layer_delta) * learning_rate
        self.bias_output += np.sum(output_delta, axis=0, keepdims=True) * learning_rate
        self.bias_hidden += np.sum(hidden_layer_delta, axis=0, keepdims=True) * learning_rate


# ---- the one-line fix ------------------------------------------------------------------------------
class SimpleNNFixed(SimpleNN):
    def forward(self, x):
        self.output_layer_output = super().forward(x)  # keep the output backward reads
        return self.output_layer_output


# What the seed's network is meant to be: 2 -> 2 -> 1, sigmoid, squared error, lr 0.1.
SPEC = ModelSpec(sizes=(2, 2, 1), activations=("sigmoid", "sigmoid"), loss="mse", lr=0.1)
X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
y = np.array([[0], [1], [1], [0]], dtype=float)


def _made(cls, spec: ModelSpec) -> dict:
    np.random.seed(0)
    return dict(model=cls(input_size=2, hidden_size=2, output_size=1), spec=spec)


def as_printed() -> dict:
    return _made(SimpleNN, SPEC)


def fixed() -> dict:
    return _made(SimpleNNFixed, SPEC)


def fixed_half_sum() -> dict:
    return _made(SimpleNNFixed, SPEC.replace(loss_reduction="sum", loss_scale=0.5))


if __name__ == "__main__":
    from reference_impls import validate

    for make in (as_printed, fixed, fixed_half_sum):
        print(f"--- {make.__name__}")
        print(validate(**make(), X=X, y=y, steps=500))
