"""A network written the way the "Neural Networks from Scratch" book teaches (layer
objects, a fused softmax + cross-entropy class, SGD with decay and momentum), on the book's
spiral data from the ``nnfs`` package, validated against PyTorch and Keras.

    python examples/nnfs_book_style.py
    scratchbench validate examples/nnfs_book_style.py:network --task spiral --steps 500

Written for this project from the book's documented interface (class and attribute names,
hyperparameters); no spec is given: validate infers it by probing and prints what it found.
"""

from __future__ import annotations

import numpy as np


class Layer_Dense:
    def __init__(self, n_inputs, n_neurons):
        self.weights = 0.01 * np.random.randn(n_inputs, n_neurons)
        self.biases = np.zeros((1, n_neurons))

    def forward(self, inputs):
        self.inputs = inputs
        self.output = inputs @ self.weights + self.biases

    def backward(self, dvalues):
        self.dweights = self.inputs.T @ dvalues
        self.dbiases = dvalues.sum(axis=0, keepdims=True)
        self.dinputs = dvalues @ self.weights.T


class Activation_ReLU:
    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.maximum(inputs, 0)

    def backward(self, dvalues):
        self.dinputs = np.where(self.inputs > 0, dvalues, 0.0)


class Activation_Softmax:
    def forward(self, inputs):
        shifted = np.exp(inputs - inputs.max(axis=1, keepdims=True))
        self.output = shifted / shifted.sum(axis=1, keepdims=True)


class Loss_CategoricalCrossentropy:
    def forward(self, y_pred, y_true):
        p = np.clip(y_pred, 1e-7, 1 - 1e-7)
        if y_true.ndim == 1:
            return -np.log(p[np.arange(len(p)), y_true])
        return -np.log((p * y_true).sum(axis=1))

    def calculate(self, output, y):
        return np.mean(self.forward(output, y))


class Activation_Softmax_Loss_CategoricalCrossentropy:
    """Softmax and cross-entropy together: the gradient on the logits is (p - y) / n."""

    def __init__(self):
        self.activation = Activation_Softmax()
        self.loss = Loss_CategoricalCrossentropy()

    def forward(self, inputs, y_true):
        self.activation.forward(inputs)
        self.output = self.activation.output
        return self.loss.calculate(self.output, y_true)

    def backward(self, dvalues, y_true):
        labels = y_true.argmax(axis=1) if y_true.ndim == 2 else y_true
        self.dinputs = dvalues.copy()
        self.dinputs[np.arange(len(dvalues)), labels] -= 1
        self.dinputs /= len(dvalues)


class Optimizer_SGD:
    def __init__(self, learning_rate=1.0, decay=0.0, momentum=0.0):
        self.learning_rate = self.current_learning_rate = learning_rate
        self.decay, self.momentum, self.iterations = decay, momentum, 0

    def pre_update_params(self):
        if self.decay:
            self.current_learning_rate = self.learning_rate * (1.0 / (1.0 + self.decay * self.iterations))

    def update_params(self, layer):
        if not hasattr(layer, "weight_momentums"):
            layer.weight_momentums = np.zeros_like(layer.weights)
            layer.bias_momentums = np.zeros_like(layer.biases)
        layer.weight_momentums = self.momentum * layer.weight_momentums - self.current_learning_rate * layer.dweights
        layer.bias_momentums = self.momentum * layer.bias_momentums - self.current_learning_rate * layer.dbiases
        layer.weights += layer.weight_momentums
        layer.biases += layer.bias_momentums

    def post_update_params(self):
        self.iterations += 1


def network(seed: int = 0, momentum: float = 0.9, decay: float = 1e-3):
    """The book's spiral classifier: 2 -> 64 -> 3, ReLU, softmax + cross-entropy, SGD(1.0)."""
    np.random.seed(seed)
    dense1, dense2 = Layer_Dense(2, 64), Layer_Dense(64, 3)
    return dict(
        layers=[dense1, Activation_ReLU(), dense2],
        loss=Activation_Softmax_Loss_CategoricalCrossentropy(),
        optimizer=Optimizer_SGD(learning_rate=1.0, decay=decay, momentum=momentum),
    )


if __name__ == "__main__":
    from nnfs.datasets import spiral_data

    from reference_impls import validate

    np.random.seed(0)
    X, y = spiral_data(samples=100, classes=3)
    print(validate(**network(), X=X, y=y, steps=500))
