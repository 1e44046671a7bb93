"""Style 15: James Loy's "How to build your own Neural Network from scratch in Python"
(Towards Data Science): the data handed to the constructor.

Sources read (style only, no code copied): public copies of the post's class found by its
line ``2*(self.y - self.output) * sigmoid_derivative(self.output)``: Isaac-Edwards/
MachineLearning ``TrialNeuralNet/NeuralNetwork.py``, stewartyoung/hand-made-nn ``nn.py``,
atqwerty/ml2019Practice ``neuralGlass/nn.py`` and a Jupyter notebook following the post.

Style facts that matter to a validator:
- ``NeuralNetwork(x, y)`` takes the DATA: ``self.input = x``, ``self.y = y``,
  ``self.output = np.zeros(y.shape)``; ``feedforward()`` and ``backprop()`` take no
  argument and read the data from those attributes. The post trains with
  ``for i in range(1500): nn.feedforward(); nn.backprop()``: full batch.
- ``weights1`` (in, 4) and ``weights2`` (4, 1) drawn with ``np.random.rand`` (all positive);
  NO biases (``use_bias=False``); sigmoid in both layers; the inputs carry a column of ones.
- The loss is the sum of squares; its derivative is written ``2*(self.y - self.output)``
  and ``sigmoid_derivative(x) = x * (1.0 - x)`` is applied to the activation OUTPUT. The
  update is ``self.weights += d_weights`` inside ``backprop``, with no learning rate:
  gradient descent with lr 1 on sum (y - p)^2 (``loss_reduction="sum"``).
- What copies get wrong: the hidden ``* sigmoid_derivative(self.layer1)`` factor dropped;
  ``sigmoid_derivative`` rewritten as ``sigmoid(x) * (1 - sigmoid(x))`` while still called on
  the output; ``-=`` for ``+=`` (the sign already sits in ``y - output``); ``weights2``
  updated before ``d_weights1`` reads it.
"""

from __future__ import annotations

import numpy as np

from reference_impls import ModelSpec

from ._data import planted

BUGS = {
    "hidden_derivative_dropped": "d_weights1 without the * sigmoid_derivative(self.layer1) factor",
    "derivative_of_sigmoid_on_output": "sigmoid_derivative(x) = sigmoid(x) * (1 - sigmoid(x)), called on the output",
    "minus_equals": "self.weights1 -= d_weights1 (and weights2) while the error is already y - output",
    "weights2_updated_first": "weights2 += d_weights2 before d_weights1 is computed from weights2",
}

EXPECT = {
    "hidden_derivative_dropped": dict(
        step=1, phase="update", tensor="weights1", cause="derivative dropped", keys=("derivative",)
    ),
    "derivative_of_sigmoid_on_output": dict(
        step=1, phase="update", tensor="weights1", cause="derivative on the output", keys=("derivative",)
    ),
    "minus_equals": dict(step=1, phase="update", tensor="weights1", cause="sign", keys=("sign", "uphill")),
    "weights2_updated_first": dict(
        step=1, phase="update", tensor="weights1", cause="updated first", keys=("already-updated",)
    ),
}

_bug = None
X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=float)
Y = np.array([[0], [1], [1], [0]], dtype=float)


def sigmoid(x):
    return 1.0 / (1 + np.exp(-x))


def sigmoid_derivative(x):
    if _bug == "derivative_of_sigmoid_on_output":
        return sigmoid(x) * (1 - sigmoid(x))
    return x * (1.0 - x)


class NeuralNetwork:
    def __init__(self, x, y):
        self.input = x
        self.weights1 = np.random.rand(self.input.shape[1], 4)
        self.weights2 = np.random.rand(4, 1)
        self.y = y
        self.output = np.zeros(self.y.shape)

    def feedforward(self):
        self.layer1 = sigmoid(np.dot(self.input, self.weights1))
        self.output = sigmoid(np.dot(self.layer1, self.weights2))

    def backprop(self):
        delta2 = 2 * (self.y - self.output) * sigmoid_derivative(self.output)
        d_weights2 = np.dot(self.layer1.T, delta2)
        if _bug == "weights2_updated_first":
            self.weights2 += d_weights2
        delta1 = np.dot(delta2, self.weights2.T)
        if _bug != "hidden_derivative_dropped":
            delta1 = delta1 * sigmoid_derivative(self.layer1)
        d_weights1 = np.dot(self.input.T, delta1)
        if _bug == "minus_equals":
            self.weights1 -= d_weights1
            self.weights2 -= d_weights2
            return
        self.weights1 += d_weights1
        if _bug != "weights2_updated_first":
            self.weights2 += d_weights2


SPEC = ModelSpec(
    sizes=(3, 4, 1),
    activations=("sigmoid", "sigmoid"),
    loss="mse",
    loss_reduction="sum",
    lr=1.0,
    use_bias=False,
)


def make(bug=None):
    global _bug
    _bug = planted(BUGS, bug)
    np.random.seed(0)
    return NeuralNetwork(X, Y)


def glue(bug=None) -> dict:
    nn = make(bug)
    return dict(model=nn, spec=SPEC, X=X, y=Y, steps=10)
