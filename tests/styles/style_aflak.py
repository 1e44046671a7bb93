"""Style 4: layer classes with ``forward_propagation`` / ``backward_propagation(output_error,
learning_rate)`` that update their own weights, a shared ``ActivationLayer`` class, and a
``Network.fit`` looping over samples (Omar Aflak's Medium tutorial "Math + Code: a neural
network from scratch in Python", and the many repositories that reproduce it).

Sources read (style only, no code copied; excerpts found by code search):
- MarvinMartin24/Fully-Connected-Neural-Network ``fully_connected_layer.py``;
  kjr-io/NeuralNet-MLP ``src/network.py``; EnterN1me/Calypso ``Network/network.py``;
  Indian1999/csutortok_17 ``advanced_neural_network/SmartGrass/network.py``;
  davidjentjens/computer-vision ``T2/network_layers.py`` (same design, ``forward``/``backward``
  names); several ``ActivationLayer(activation, activation_prime)`` copies found by
  search. (The original OmarAflak/Medium-Python-Neural-Network repository is not in the
  index.)

Style facts that matter to a validator:
- ``FCLayer(input_size, output_size)``: ``weights (in, out)`` and ``bias (1, out)``, drawn
  ``np.random.rand(...) - 0.5``. ``forward_propagation(input)`` stores ``self.input`` and
  returns the output; ``backward_propagation(output_error, learning_rate)`` computes
  ``input_error = output_error @ weights.T`` FIRST, then ``weights_error = input.T @
  output_error``, then updates ``weights`` and ``bias`` in place, returning
  ``input_error``. No gradient is ever stored: only updates are visible.
- ``ActivationLayer(activation, activation_prime)`` is one class for every activation
  layer: ``backward_propagation`` returns ``activation_prime(self.input) * output_error``
  (derivative of the INPUT), ignoring the learning rate. A wrong ``activation_prime`` is
  wrong in every layer at once.
- ``Network``: ``add(layer)``, ``use(loss, loss_prime)``, ``fit(x_train, y_train, epochs,
  learning_rate)`` loops epochs, then samples one at a time (per-sample SGD:
  ``batch_size=1``); ``predict`` loops samples too. Data are shaped ``(n, 1, features)``
  and ``(n, 1, outputs)``: each sample is a ``(1, features)`` row.
- The first XOR sample is ``[0, 0]``: its weight gradient ``input.T @ error`` is zero, so a
  per-sample step 1 moves only the biases; a bug upstream first shows in ``layers[0].bias``.
- ``mse = mean((y_true - y_pred)**2)``, ``mse_prime = 2 * (y_pred - y_true) / y_true.size``.
"""

from __future__ import annotations

import numpy as np

from reference_impls import ModelSpec

from ._data import planted, xor

BUGS = {
    "update_before_input_error": "FCLayer returns output_error @ weights.T computed AFTER the weights were updated",
    "activation_prime_on_output": "ActivationLayer.backward_propagation uses activation_prime(self.output) (in every layer)",
    "mse_prime_sign": "mse_prime returns 2 * (y_true - y_pred) / y_true.size",
    "bias_update_dropped": "FCLayer never updates self.bias",
}

EXPECT = {
    "update_before_input_error": dict(
        step=1,
        phase="update",
        tensor="layers[0].bias",
        cause="input gradient computed from the already-updated weights",
        keys=("updated", "before"),
    ),
    "activation_prime_on_output": dict(
        step=1,
        phase="update",
        tensor="layers[0].bias",
        cause="activation derivative evaluated on the layer's output instead of its input",
        keys=("derivative",),
    ),
    "mse_prime_sign": dict(
        step=1, phase="update", tensor="layers[0].bias", cause="flipped sign of the loss derivative", keys=("sign",)
    ),
    "bias_update_dropped": dict(
        step=1,
        phase="update",
        tensor="layers[0].bias",
        cause="bias update skipped",
        keys=("skipped", "not updated", "never"),
    ),
}

_bug = None


def tanh(x):
    return np.tanh(x)


def tanh_prime(x):
    return 1 - np.tanh(x) ** 2


def mse(y_true, y_pred):
    return np.mean(np.power(y_true - y_pred, 2))


def mse_prime(y_true, y_pred):
    if _bug == "mse_prime_sign":
        return 2 * (y_true - y_pred) / y_true.size
    return 2 * (y_pred - y_true) / y_true.size


class Layer:
    def __init__(self):
        self.input = None
        self.output = None

    def forward_propagation(self, input):
        raise NotImplementedError

    def backward_propagation(self, output_error, learning_rate):
        raise NotImplementedError


class FCLayer(Layer):
    def __init__(self, input_size, output_size):
        self.weights = np.random.rand(input_size, output_size) - 0.5
        self.bias = np.random.rand(1, output_size) - 0.5

    def forward_propagation(self, input_data):
        self.input = input_data
        self.output = np.dot(self.input, self.weights) + self.bias
        return self.output

    def backward_propagation(self, output_error, learning_rate):
        input_error = np.dot(output_error, self.weights.T)
        weights_error = np.dot(self.input.T, output_error)
        self.weights -= learning_rate * weights_error
        if _bug != "bias_update_dropped":
            self.bias -= learning_rate * output_error
        if _bug == "update_before_input_error":
            return np.dot(output_error, self.weights.T)
        return input_error


class ActivationLayer(Layer):
    def __init__(self, activation, activation_prime):
        self.activation = activation
        self.activation_prime = activation_prime

    def forward_propagation(self, input_data):
        self.input = input_data
        self.output = self.activation(self.input)
        return self.output

    def backward_propagation(self, output_error, learning_rate):
        if _bug == "activation_prime_on_output":
            return self.activation_prime(self.output) * output_error
        return self.activation_prime(self.input) * output_error


class Network:
    def __init__(self):
        self.layers = []
        self.loss = None
        self.loss_prime = None

    def add(self, layer):
        self.layers.append(layer)

    def use(self, loss, loss_prime):
        self.loss = loss
        self.loss_prime = loss_prime

    def predict(self, input_data):
        result = []
        for i in range(len(input_data)):
            output = input_data[i]
            for layer in self.layers:
                output = layer.forward_propagation(output)
            result.append(output)
        return result

    def fit(self, x_train, y_train, epochs, learning_rate):
        samples = len(x_train)
        for _epoch in range(epochs):
            err = 0
            for j in range(samples):
                output = x_train[j]
                for layer in self.layers:
                    output = layer.forward_propagation(output)
                err += self.loss(y_train[j], output)
                error = self.loss_prime(y_train[j], output)
                for layer in reversed(self.layers):
                    error = layer.backward_propagation(error, learning_rate)
            err /= samples


SPEC = ModelSpec(sizes=(2, 3, 1), activations=("tanh", "tanh"), loss="mse", lr=0.1, batch_size=1)


def make(bug=None):
    global _bug
    _bug = planted(BUGS, bug)
    np.random.seed(0)
    net = Network()
    net.add(FCLayer(2, 3))
    net.add(ActivationLayer(tanh, tanh_prime))
    net.add(FCLayer(3, 1))
    net.add(ActivationLayer(tanh, tanh_prime))
    net.use(mse, mse_prime)
    return net


# fmt: off
def glue(bug=None) -> dict:
    net = make(bug)
    x_train, y_train = xor()[0].reshape(4, 1, 2), xor()[1].astype(float).reshape(4, 1, 1)  # data
    return dict(model=net, step=lambda net, X, y: net.fit(X, y, epochs=1, learning_rate=0.1), spec=SPEC,
                X=x_train, y=y_train, steps=20)
# fmt: on
