"""Style 10: Tariq Rashid's "Make Your Own Neural Network" (the ``neuralNetwork`` class).

Sources read (style only, no code copied): the book's notebook code as reproduced in many
public repositories (``makeyourownneuralnetwork`` copies; e.g. wangfuli217/study_room's
``recognize_character/nn.py`` and several translated copies found by the line
``numpy.dot(self.who.T, output_errors)``), and python-course.eu's variant of it.

Style facts that matter to a validator:
- ``neuralNetwork(inputnodes, hiddennodes, outputnodes, learningrate)``: two weight
  matrices, ``self.wih`` (hidden, input) and ``self.who`` (output, hidden), i.e. (out, in),
  drawn from ``normal(0, pow(nodes, -0.5))``; NO biases at all (``use_bias=False``).
  ``self.activation_function`` is a lambda attribute (``scipy.special.expit``): sigmoid in
  both layers.
- ``train(inputs_list, targets_list)`` takes ONE sample: ``numpy.array(x, ndmin=2).T``
  makes it a column; the caller loops over the records (per-sample SGD, ``batch_size=1``).
  ``query(inputs_list)`` is the forward pass. No forward/backward pair, no loss value.
- ``output_errors = targets - final_outputs``; the updates are written with ``+=``:
  ``who += lr * (errors * o * (1 - o)) @ hidden.T``, which is gradient descent on
  1/2 sum over the outputs of (t - o)^2 per sample (mse, sum, ``loss_scale=0.5``).
- The book back-propagates the output ERRORS, not the deltas:
  ``hidden_errors = who.T @ output_errors``, without the output sigmoid's derivative. That
  is not the gradient of any loss; the printed code is therefore our ``as_printed`` bug,
  and the correct version sends back ``who.T @ (output_errors * o * (1 - o))``.
- Inputs are rescaled to 0.01..1.0 and targets to 0.01/0.99 before training (so no input
  is exactly zero and the sigmoid never has to reach 0 or 1).
- python-course.eu's variant updates ``who`` first and computes the hidden errors from the
  updated ``who``.
"""

from __future__ import annotations

import numpy as np
import scipy.special

from reference_impls import ModelSpec

from ._data import INTRO_SIGMOID_MSE, onehot, planted, xor

BUGS = {
    "as_printed": "hidden_errors = who.T @ output_errors, as the book prints it: the output sigmoid's derivative left out",
    "who_updated_first": "who is updated before the hidden errors are computed from it",
    "derivative_on_inputs": "the hidden sigmoid's derivative written on hidden_inputs instead of hidden_outputs",
    "errors_sign": "output_errors = final_outputs - targets while the updates still add",
}

EXPECT = {
    "as_printed": dict(
        step=1,
        phase="update",
        tensor="wih",
        cause="errors sent back without the output derivative",
        keys=("before", "derivative"),
    ),
    "who_updated_first": dict(
        step=1, phase="update", tensor="wih", cause="who updated before use", keys=("already-updated", "before it")
    ),
    "derivative_on_inputs": dict(
        step=1, phase="update", tensor="wih", cause="derivative on the pre-activation", keys=("pre-activation",)
    ),
    "errors_sign": dict(step=1, phase="update", tensor="wih", cause="sign flipped", keys=("sign",)),
}

_bug = None


class neuralNetwork:  # noqa: N801 (the book's name)
    def __init__(self, inputnodes, hiddennodes, outputnodes, learningrate):
        self.inodes, self.hnodes, self.onodes = inputnodes, hiddennodes, outputnodes
        self.wih = np.random.normal(0.0, pow(self.inodes, -0.5), (self.hnodes, self.inodes))
        self.who = np.random.normal(0.0, pow(self.hnodes, -0.5), (self.onodes, self.hnodes))
        self.lr = learningrate
        self.activation_function = lambda x: scipy.special.expit(x)

    def train(self, inputs_list, targets_list):
        inputs = np.array(inputs_list, ndmin=2).T
        targets = np.array(targets_list, ndmin=2).T
        hidden_inputs = np.dot(self.wih, inputs)
        hidden_outputs = self.activation_function(hidden_inputs)
        final_inputs = np.dot(self.who, hidden_outputs)
        final_outputs = self.activation_function(final_inputs)

        output_errors = final_outputs - targets if _bug == "errors_sign" else targets - final_outputs
        output_deltas = output_errors * final_outputs * (1.0 - final_outputs)
        if _bug == "who_updated_first":
            self.who += self.lr * np.dot(output_deltas, hidden_outputs.T)
        sent_back = output_errors if _bug == "as_printed" else output_deltas
        hidden_errors = np.dot(self.who.T, sent_back)
        if _bug != "who_updated_first":
            self.who += self.lr * np.dot(output_deltas, hidden_outputs.T)
        slope = hidden_inputs if _bug == "derivative_on_inputs" else hidden_outputs
        self.wih += self.lr * np.dot(hidden_errors * slope * (1.0 - slope), inputs.T)

    def query(self, inputs_list):
        inputs = np.array(inputs_list, ndmin=2).T
        hidden_outputs = self.activation_function(np.dot(self.wih, inputs))
        return self.activation_function(np.dot(self.who, hidden_outputs))


LEARNING_RATE = 0.3
SPEC = ModelSpec(
    sizes=(2, 3, 2),
    lr=LEARNING_RATE,
    batch_size=1,
    **INTRO_SIGMOID_MSE,
)


def make(bug=None):
    global _bug
    _bug = planted(BUGS, bug)
    np.random.seed(5)
    return neuralNetwork(2, 3, 2, LEARNING_RATE)


def glue(bug=None) -> dict:
    n = make(bug)
    X, labels = xor()  # data
    inputs, targets = X * 0.99 + 0.01, onehot(labels, 2) * 0.98 + 0.01  # data (the book's rescaling)
    return dict(model=n, step=lambda n, X, y: n.train(X, y), spec=SPEC, X=inputs, y=targets, steps=12)
