"""Style 5: an introductory network of named scalar weights (Victor Zhou's "Machine Learning
for Beginners: An Introduction to Neural Networks").

Sources read (style only, no code copied):
- vzhou842/neural-network-from-scratch, ``network.py`` (and its README).

Style facts that matter to a validator:
- 2 inputs, a hidden layer of 2 neurons (h1, h2), one output o1, all sigmoid. Six SCALAR
  weights ``self.w1 .. self.w6`` and three scalar biases ``self.b1 .. self.b3`` drawn with
  ``np.random.normal()``. Neuron by neuron: ``h1 = f(w1 x0 + w2 x1 + b1)``,
  ``h2 = f(w3 x0 + w4 x1 + b2)``, ``o1 = f(w5 h1 + w6 h2 + b3)``: as matrices (out, in),
  layer 0 ``[[w1, w2], [w3, w4]]``, ``[b1, b2]``, layer 1 ``[[w5, w6]]``, ``[b3]``.
- ``train(data, all_y_trues)`` hard-codes ``learn_rate = 0.1`` and ``epochs = 1000`` as
  local variables and loops epochs, then samples (``zip(data, all_y_trues)``): per-sample
  SGD, so one call is 1000 x n updates. Nothing in it can be stepped once.
- Loss per sample ``(y - y_pred)^2`` (``d_L_d_ypred = -2 (y_true - y_pred)``), no 1/2; the
  reported ``mse_loss`` is a mean over the data set, printed every 10 epochs.
- Partial derivatives are products of named scalars, chained by hand (the tutorial names
  each factor ``d_ypred_d_w5`` etc.; this module names per-neuron terms ``d_L_d_sum_o1``);
  ``deriv_sigmoid`` takes the pre-activation ``sum_*``. The hidden
  neurons are updated first, with ``w5``/``w6`` still at their old values (correct), then
  the output neuron.
- With XOR's first sample ``[0, 0]`` the hidden weights' gradients are zero at step 1: a bug
  there first shows in ``b1`` (order: layer 0's w1..w4, then b1, b2, then w5, w6, b3).
"""

from __future__ import annotations

import numpy as np

from reference_impls import ModelSpec

from ._data import planted, xor

BUGS = {
    "w6_uses_h1": "copy-paste: w6 steps with d_L_d_sum_o1 * h1 (should be h2)",
    "deriv_sigmoid_on_sum": "deriv_sigmoid(x) returns x * (1 - x) while it is called with the pre-activation sums",
    "missing_factor_2": "d_L_d_ypred = -(y_true - y_pred): the factor 2 of (y - y_pred)^2 dropped",
    "b3_sign": "the output bias steps up the gradient (a flipped sign on the b3 line)",
}

EXPECT = {
    "w6_uses_h1": dict(
        step=1,
        phase="update",
        tensor="w6",
        cause="w6's gradient uses h1 instead of h2 (wrong input)",
        keys=("h1", "input", "wrong"),
    ),
    "deriv_sigmoid_on_sum": dict(
        step=1,
        phase="update",
        tensor="b1",
        cause="sigmoid derivative evaluated on the pre-activation",
        keys=("pre-activation",),
    ),
    "missing_factor_2": dict(
        step=1,
        phase="update",
        tensor="b1",
        cause="loss gradient half of (y - y_pred)^2's: the 1/2 convention",
        keys=("1/2", "0.5", "half"),
    ),
    "b3_sign": dict(
        step=1, phase="update", tensor="b3", cause="flipped sign of the output bias update", keys=("sign",)
    ),
}

_bug = None


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def deriv_sigmoid(x):
    if _bug == "deriv_sigmoid_on_sum":
        return x * (1 - x)
    fx = sigmoid(x)
    return fx * (1 - fx)


def mse_loss(y_true, y_pred):
    return ((y_true - y_pred) ** 2).mean()


class OurNeuralNetwork:
    def __init__(self):
        self.w1 = np.random.normal()
        self.w2 = np.random.normal()
        self.w3 = np.random.normal()
        self.w4 = np.random.normal()
        self.w5 = np.random.normal()
        self.w6 = np.random.normal()
        self.b1 = np.random.normal()
        self.b2 = np.random.normal()
        self.b3 = np.random.normal()

    def feedforward(self, x):
        h1 = sigmoid(self.w1 * x[0] + self.w2 * x[1] + self.b1)
        h2 = sigmoid(self.w3 * x[0] + self.w4 * x[1] + self.b2)
        return sigmoid(self.w5 * h1 + self.w6 * h2 + self.b3)

    def train(self, data, all_y_trues):
        learn_rate = 0.1
        epochs = 1000
        for epoch in range(epochs):
            for x, y_true in zip(data, all_y_trues):
                sum_h1 = self.w1 * x[0] + self.w2 * x[1] + self.b1
                sum_h2 = self.w3 * x[0] + self.w4 * x[1] + self.b2
                h1, h2 = sigmoid(sum_h1), sigmoid(sum_h2)
                sum_o1 = self.w5 * h1 + self.w6 * h2 + self.b3
                y_pred = sigmoid(sum_o1)

                # dL/d(sum) for each neuron, from the output back
                d_L_d_ypred = -(y_true - y_pred) if _bug == "missing_factor_2" else -2 * (y_true - y_pred)
                d_L_d_sum_o1 = d_L_d_ypred * deriv_sigmoid(sum_o1)
                d_L_d_sum_h1 = d_L_d_sum_o1 * self.w5 * deriv_sigmoid(sum_h1)
                d_L_d_sum_h2 = d_L_d_sum_o1 * self.w6 * deriv_sigmoid(sum_h2)

                # hidden neurons first (w5, w6 still hold this sample's values), then the output neuron
                self.w1 -= learn_rate * d_L_d_sum_h1 * x[0]
                self.w2 -= learn_rate * d_L_d_sum_h1 * x[1]
                self.b1 -= learn_rate * d_L_d_sum_h1
                self.w3 -= learn_rate * d_L_d_sum_h2 * x[0]
                self.w4 -= learn_rate * d_L_d_sum_h2 * x[1]
                self.b2 -= learn_rate * d_L_d_sum_h2
                self.w5 -= learn_rate * d_L_d_sum_o1 * h1
                self.w6 -= learn_rate * d_L_d_sum_o1 * (h1 if _bug == "w6_uses_h1" else h2)
                self.b3 -= learn_rate * d_L_d_sum_o1 * (-1 if _bug == "b3_sign" else 1)

            if epoch % 10 == 0:
                y_preds = np.apply_along_axis(self.feedforward, 1, data)
                loss = mse_loss(all_y_trues, y_preds)  # noqa: F841 (the tutorial prints it)


SPEC = ModelSpec(sizes=(2, 2, 1), activations=("sigmoid", "sigmoid"), loss="mse", lr=0.1, batch_size=1)


def make(bug=None):
    global _bug
    _bug = planted(BUGS, bug)
    np.random.seed(3)
    return OurNeuralNetwork()


# fmt: off
def glue(bug=None) -> dict:
    network = make(bug)
    data, all_y_trues = xor()  # data
    return dict(model=network, step=lambda net, X, y: net.train(X, y), spec=SPEC, weight_layout="out_in",
                weights=[[["w1", "w2"], ["w3", "w4"]], ["b1", "b2"], [["w5", "w6"]], ["b3"]],
                steps_per_call=1000, X=data, y=all_y_trues, steps=8)
# fmt: on
