"""Style 6: the "Neural Networks from Scratch in Python" book's own chapter code (Kinsley &
Kukiela), as it stands from chapter 14 (L2 regularisation) with chapter 10's Adam.

Sources read (style only, no code copied):
- Sentdex/nnfs_book, ``Chapter_15/Ch15_Final.py`` (which carries the chapter 14 classes:
  regularised ``Layer_Dense``, ``Loss.regularization_loss``, the optimizers of chapter 10);
  the project's own ``examples/nnfs_book_style.py`` (SGD
  with decay and momentum), which this module complements with Adam and L2.

Style facts that matter to a validator:
- ``Layer_Dense(n_inputs, n_neurons, weight_regularizer_l1=0, weight_regularizer_l2=0,
  bias_regularizer_l1=0, bias_regularizer_l2=0)``: ``weights (in, out)`` = ``0.01 *
  randn``, ``biases (1, out)`` zeros. ``forward`` stores ``self.output`` and returns
  nothing; ``backward(dvalues)`` stores ``dweights``, ``dbiases``, ``dinputs`` and ADDS the
  penalty gradients itself (``2 * l2 * weights``, ``2 * l2 * biases``): the L2 lives in the
  layer, with strength per layer, on weights AND biases.
- ``Activation_ReLU.backward`` copies dvalues and zeroes where ``inputs <= 0``.
- ``Activation_Softmax_Loss_CategoricalCrossentropy``: ``forward(inputs, y_true)`` returns
  the mean data loss (probabilities clipped to [1e-7, 1 - 1e-7]); ``backward(dvalues,
  y_true)`` is called with its own ``output`` and gives ``(p - onehot) / samples``.
- The training loop reports ``data_loss + regularization_loss`` (the penalty computed by
  ``loss.regularization_loss(layer)``), not the data loss alone.
- ``Optimizer_Adam(learning_rate=0.001, decay=0., epsilon=1e-7, beta_1=0.9,
  beta_2=0.999)``: ``pre_update_params`` sets ``current_learning_rate = lr * (1 / (1 +
  decay * iterations))``; ``update_params(layer)`` keeps ``weight_momentums`` /
  ``weight_cache`` ON THE LAYER and corrects with ``1 - beta ** (iterations + 1)``;
  epsilon outside the square root; ``post_update_params`` counts iterations.
"""

from __future__ import annotations

import numpy as np

from ._data import spiral

BUGS = {
    "adam_iterations_not_plus_1": "weight momentum correction divides by 1 - beta_1 ** iterations (0 at the first step)",
    "l2_grad_missing_2": "dweights += weight_regularizer_l2 * weights (the 2 of d/dw l2 w^2 dropped)",
    "softmax_ce_not_divided": "the fused softmax/cross-entropy backward does not divide dinputs by the number of samples",
    "adam_missing_sqrt": "weights step divides by weight_cache_corrected + epsilon, no square root",
}

EXPECT = {
    "adam_iterations_not_plus_1": dict(
        step=1,
        phase="update",
        tensor="layers[0].weights",
        cause="Adam bias correction with beta**iterations (t starting at 0): division by zero",
        keys=("bias correction", "iterations", "1 - b", "division"),
    ),
    "l2_grad_missing_2": dict(
        step=1,
        phase="gradient",
        tensor="layers[0].dweights",
        cause="L2 gradient l2*W instead of 2*l2*W",
        keys=("penalty", "l2", "half"),
    ),
    "softmax_ce_not_divided": dict(
        step=1,
        phase="gradient",
        tensor="layers[0].dweights",
        cause="loss gradient not divided by the number of samples",
        keys=("batch size", "sum", "30 x"),
    ),
    "adam_missing_sqrt": dict(
        step=1,
        phase="update",
        tensor="layers[0].weights",
        cause="Adam step without the square root of v",
        keys=("square root", "sqrt"),
    ),
}


class Layer_Dense:
    def __init__(
        self,
        n_inputs,
        n_neurons,
        weight_regularizer_l1=0,
        weight_regularizer_l2=0,
        bias_regularizer_l1=0,
        bias_regularizer_l2=0,
        bug=None,
    ):
        self.weights = 0.01 * np.random.randn(n_inputs, n_neurons)
        self.biases = np.zeros((1, n_neurons))
        self.weight_regularizer_l1 = weight_regularizer_l1
        self.weight_regularizer_l2 = weight_regularizer_l2
        self.bias_regularizer_l1 = bias_regularizer_l1
        self.bias_regularizer_l2 = bias_regularizer_l2
        self.bug = bug

    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.dot(inputs, self.weights) + self.biases

    def backward(self, dvalues):
        self.dweights = np.dot(self.inputs.T, dvalues)
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        if self.weight_regularizer_l1 > 0:
            self.dweights += self.weight_regularizer_l1 * np.where(self.weights < 0, -1.0, 1.0)
        if self.weight_regularizer_l2 > 0:
            self.dweights += (1 if self.bug == "l2_grad_missing_2" else 2) * self.weight_regularizer_l2 * self.weights
        if self.bias_regularizer_l1 > 0:
            self.dbiases += self.bias_regularizer_l1 * np.where(self.biases < 0, -1.0, 1.0)
        if self.bias_regularizer_l2 > 0:
            self.dbiases += 2 * self.bias_regularizer_l2 * self.biases
        self.dinputs = np.dot(dvalues, self.weights.T)


class Activation_ReLU:
    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.maximum(0, inputs)

    def backward(self, dvalues):
        self.dinputs = dvalues.copy()
        self.dinputs[self.inputs <= 0] = 0


class Activation_Softmax:
    def forward(self, inputs):
        self.inputs = inputs
        exp_values = np.exp(inputs - np.max(inputs, axis=1, keepdims=True))
        self.output = exp_values / np.sum(exp_values, axis=1, keepdims=True)


class Loss:
    def regularization_loss(self, layer):
        regularization_loss = 0
        if layer.weight_regularizer_l1 > 0:
            regularization_loss += layer.weight_regularizer_l1 * np.sum(np.abs(layer.weights))
        if layer.weight_regularizer_l2 > 0:
            regularization_loss += layer.weight_regularizer_l2 * np.sum(layer.weights * layer.weights)
        if layer.bias_regularizer_l1 > 0:
            regularization_loss += layer.bias_regularizer_l1 * np.sum(np.abs(layer.biases))
        if layer.bias_regularizer_l2 > 0:
            regularization_loss += layer.bias_regularizer_l2 * np.sum(layer.biases * layer.biases)
        return regularization_loss

    def calculate(self, output, y):
        return np.mean(self.forward(output, y))


class Loss_CategoricalCrossentropy(Loss):
    def forward(self, y_pred, y_true):
        samples = len(y_pred)
        y_pred_clipped = np.clip(y_pred, 1e-7, 1 - 1e-7)
        if len(y_true.shape) == 1:
            correct_confidences = y_pred_clipped[range(samples), y_true]
        else:
            correct_confidences = np.sum(y_pred_clipped * y_true, axis=1)
        return -np.log(correct_confidences)


class Activation_Softmax_Loss_CategoricalCrossentropy:
    def __init__(self, bug=None):
        self.activation = Activation_Softmax()
        self.loss = Loss_CategoricalCrossentropy()
        self.bug = bug

    def forward(self, inputs, y_true):
        self.activation.forward(inputs)
        self.output = self.activation.output
        return self.loss.calculate(self.output, y_true)

    def backward(self, dvalues, y_true):
        samples = len(dvalues)
        if len(y_true.shape) == 2:
            y_true = np.argmax(y_true, axis=1)
        self.dinputs = dvalues.copy()
        self.dinputs[range(samples), y_true] -= 1
        if self.bug != "softmax_ce_not_divided":
            self.dinputs = self.dinputs / samples


class Optimizer_Adam:
    def __init__(self, learning_rate=0.001, decay=0.0, epsilon=1e-7, beta_1=0.9, beta_2=0.999, bug=None):
        self.learning_rate = learning_rate
        self.current_learning_rate = learning_rate
        self.decay = decay
        self.iterations = 0
        self.epsilon = epsilon
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.bug = bug

    def pre_update_params(self):
        if self.decay:
            self.current_learning_rate = self.learning_rate * (1.0 / (1.0 + self.decay * self.iterations))

    def update_params(self, layer):
        if not hasattr(layer, "weight_cache"):
            layer.weight_momentums = np.zeros_like(layer.weights)
            layer.weight_cache = np.zeros_like(layer.weights)
            layer.bias_momentums = np.zeros_like(layer.biases)
            layer.bias_cache = np.zeros_like(layer.biases)
        layer.weight_momentums = self.beta_1 * layer.weight_momentums + (1 - self.beta_1) * layer.dweights
        layer.bias_momentums = self.beta_1 * layer.bias_momentums + (1 - self.beta_1) * layer.dbiases
        t = self.iterations if self.bug == "adam_iterations_not_plus_1" else self.iterations + 1
        weight_momentums_corrected = layer.weight_momentums / (1 - self.beta_1**t)
        bias_momentums_corrected = layer.bias_momentums / (1 - self.beta_1 ** (self.iterations + 1))
        layer.weight_cache = self.beta_2 * layer.weight_cache + (1 - self.beta_2) * layer.dweights**2
        layer.bias_cache = self.beta_2 * layer.bias_cache + (1 - self.beta_2) * layer.dbiases**2
        weight_cache_corrected = layer.weight_cache / (1 - self.beta_2 ** (self.iterations + 1))
        bias_cache_corrected = layer.bias_cache / (1 - self.beta_2 ** (self.iterations + 1))
        root = (lambda v: v) if self.bug == "adam_missing_sqrt" else np.sqrt
        layer.weights += (
            -self.current_learning_rate * weight_momentums_corrected / (root(weight_cache_corrected) + self.epsilon)
        )
        layer.biases += (
            -self.current_learning_rate * bias_momentums_corrected / (np.sqrt(bias_cache_corrected) + self.epsilon)
        )

    def post_update_params(self):
        self.iterations += 1


def make(bug=None):
    if bug is not None and bug not in BUGS:
        raise KeyError(bug)
    np.random.seed(0)
    dense1 = Layer_Dense(2, 16, weight_regularizer_l2=5e-4, bias_regularizer_l2=5e-4, bug=bug)
    activation1 = Activation_ReLU()
    dense2 = Layer_Dense(16, 3, bug=bug)
    loss_activation = Activation_Softmax_Loss_CategoricalCrossentropy(bug=bug)
    optimizer = Optimizer_Adam(learning_rate=0.02, decay=5e-7, bug=bug)
    return dense1, activation1, dense2, loss_activation, optimizer


def glue(bug=None) -> dict:
    dense1, activation1, dense2, loss_activation, optimizer = make(bug)
    X, y = spiral()  # data
    return dict(layers=[dense1, activation1, dense2], loss=loss_activation, optimizer=optimizer, X=X, y=y, steps=20)
