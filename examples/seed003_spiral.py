"""Seed 003's classes (layer objects) on the cs231n spiral, validated against PyTorch and
Keras. The seed's classes have a forward pass only, so they are checked at their initial
weights (forward outputs and the loss); ``trainable()`` adds the backward passes and an SGD
optimizer in the same style and checks 500 training steps.

    python examples/seed003_spiral.py
    scratchbench validate examples/seed003_spiral.py:forward_only --task spiral
    scratchbench validate examples/seed003_spiral.py:trainable --task spiral --steps 500
"""

from __future__ import annotations

import numpy as np


# ---- the seed's classes, as it writes them ----------------------------------------------------
class Hidden:
    def __init__(self, input_features, neurons):
        self.weights = 0.1 * np.random.rand(input_features, neurons)
        self.bias = np.zeros((1, neurons))

    def forward(self, X):
        self.output = np.dot(X, self.weights) + self.bias


class ReLU:
    def forward(self, X):
        self.output = np.maximum(0, X)


class Softmax:
    def forward(self, X):
        exp_values = np.exp(X - np.max(X, axis=1, keepdims=True))
        probabilities = exp_values / np.sum(exp_values, axis=1, keepdims=True)
        self.output = probabilities


class Loss_CategoricalCrossentropy:
    def forward(self, y_pred, y_true):
        samples = len(y_pred)
        y_pred_clipped = np.clip(y_pred, 1e-7, 1 - 1e-7)
        if len(y_true.shape) == 1:
            correct_confidences = y_pred_clipped[range(samples), y_true]
        elif len(y_true.shape) == 2:
            correct_confidences = np.sum(y_pred_clipped * y_true, axis=1)
        negative_log_likelihoods = -np.log(correct_confidences)
        return negative_log_likelihoods

    def calculate(self, output, y):
        sample_losses = self.forward(output, y)
        data_loss = np.mean(sample_losses)
        return data_loss


def forward_only():
    """The seed's network: 2 -> 3 -> 3, ReLU, softmax, cross-entropy."""
    np.random.seed(42)
    return dict(layers=[Hidden(2, 3), ReLU(), Hidden(3, 3), Softmax()], loss=Loss_CategoricalCrossentropy())


# ---- the same classes with backward passes, and an optimizer ------------------------------------
class TrainableHidden(Hidden):
    def forward(self, X):
        self.inputs = X
        super().forward(X)

    def backward(self, dvalues):
        self.dweights = self.inputs.T @ dvalues
        self.dbias = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = dvalues @ self.weights.T


class TrainableReLU(ReLU):
    def forward(self, X):
        self.inputs = X
        super().forward(X)

    def backward(self, dvalues):
        self.dinputs = dvalues * (self.inputs > 0)


class TrainableSoftmax(Softmax):
    def backward(self, dvalues):
        s = self.output
        self.dinputs = s * (dvalues - np.sum(dvalues * s, axis=1, keepdims=True))


class TrainableLoss(Loss_CategoricalCrossentropy):
    def backward(self, dvalues, y_true):
        clipped = np.clip(dvalues, 1e-7, 1 - 1e-7)
        one_hot = np.eye(dvalues.shape[1])[y_true]
        self.dinputs = -one_hot / clipped / len(dvalues)


class SGD:
    def __init__(self, learning_rate=1.0):
        self.learning_rate = learning_rate

    def update_params(self, layer):
        layer.weights -= self.learning_rate * layer.dweights
        layer.bias -= self.learning_rate * layer.dbias


def trainable(width: int = 64):
    np.random.seed(42)
    return dict(
        layers=[TrainableHidden(2, width), TrainableReLU(), TrainableHidden(width, 3), TrainableSoftmax()],
        loss=TrainableLoss(),
        optimizer=SGD(learning_rate=0.5),
    )


if __name__ == "__main__":
    from benchmarks.tasks import spiral  # the seed's cs231n generator (tests/test_tutorial_parity.py)
    from reference_impls import validate

    np.random.seed(0)
    X, y = spiral(100, 3, 0.2)
    print(validate(**forward_only(), X=X, y=y))
    print()
    print(validate(**trainable(), X=X, y=y, steps=500))
