"""Style 16: Samay Shamdasani's "Build a Neural Network" (enlight.nyc): ``Neural_Network``.

Sources read (style only, no code copied): public copies of the post's class found by its
line ``self.o_delta = self.o_error*self.sigmoidPrime(o)`` (about ten, among them lab-manual
copies predicting test scores, an XOR copy, a ``BackPro`` variant and an autoencoder variant
with a learning rate).

Style facts that matter to a validator:
- ``Neural_Network()`` takes nothing; ``inputSize = 2``, ``hiddenSize = 3``,
  ``outputSize = 1``; ``W1`` (2, 3) and ``W2`` (3, 1) from ``np.random.randn``; NO biases.
- ``forward(X)`` stores ``self.z``, ``self.z2`` (the hidden sigmoid's OUTPUT, despite its
  name), ``self.z3`` and returns ``o``; ``sigmoidPrime(s) = s * (1 - s)`` is applied to
  activation OUTPUTS (``sigmoidPrime(o)``, ``sigmoidPrime(self.z2)``).
- ``backward(X, y, o)`` takes the output forward returned; ``o_error = y - o``; the
  updates are ``self.W1 += X.T.dot(self.z2_delta)`` with no learning rate: gradient descent
  with lr 1 on 1/2 sum (y - o)^2 (``loss_reduction="sum"``, ``loss_scale=0.5``).
  ``train(X, y)`` is ``o = self.forward(X); self.backward(X, y, o)``, full batch; the data
  are scaled (``X / np.amax(X, axis=0)``, ``y / 100``).
- What copies get wrong: ``W2`` updated before ``z2_error`` reads it (the ``BackPro``
  variant); ``sigmoidPrime`` rewritten as ``sigmoid(s) * (1 - sigmoid(s))`` while still
  called on outputs (the autoencoder variant); the hidden derivative taken on ``self.z`` (the
  pre-activation, whose name looks like the layer's); ``o_error = o - y`` with ``+=``.
"""

from __future__ import annotations

import numpy as np

from reference_impls import ModelSpec

from ._data import INTRO_SIGMOID_MSE, planted

BUGS = {
    "w2_updated_first": "self.W2 += ... before self.z2_error = self.o_delta.dot(self.W2.T)",
    "sigmoid_prime_of_output": "sigmoidPrime(s) = sigmoid(s) * (1 - sigmoid(s)), still called on o and self.z2",
    "hidden_prime_on_z": "self.z2_delta = self.z2_error * self.sigmoidPrime(self.z) (the pre-activation)",
    "error_sign": "self.o_error = o - y while the updates still add",
}

EXPECT = {
    "w2_updated_first": dict(step=1, phase="update", tensor="W1", cause="updated first", keys=("already-updated",)),
    "sigmoid_prime_of_output": dict(
        step=1, phase="update", tensor="W1", cause="derivative on the output", keys=("on its output",)
    ),
    "hidden_prime_on_z": dict(
        step=1, phase="update", tensor="W1", cause="derivative on the pre-activation", keys=("pre-activation",)
    ),
    "error_sign": dict(step=1, phase="update", tensor="W1", cause="sign", keys=("sign", "uphill")),
}

_bug = None
X = np.array(([2, 9], [1, 5], [3, 6]), dtype=float)  # data
y = np.array(([92], [86], [89]), dtype=float)  # data
X = X / np.amax(X, axis=0)
y = y / 100


class Neural_Network:
    def __init__(self):
        self.inputSize, self.outputSize, self.hiddenSize = 2, 1, 3
        self.W1 = np.random.randn(self.inputSize, self.hiddenSize)
        self.W2 = np.random.randn(self.hiddenSize, self.outputSize)

    def forward(self, X):
        self.z = np.dot(X, self.W1)
        self.z2 = self.sigmoid(self.z)
        self.z3 = np.dot(self.z2, self.W2)
        return self.sigmoid(self.z3)

    def sigmoid(self, s):
        return 1 / (1 + np.exp(-s))

    def sigmoidPrime(self, s):
        if _bug == "sigmoid_prime_of_output":
            return self.sigmoid(s) * (1 - self.sigmoid(s))
        return s * (1 - s)

    def backward(self, X, y, o):
        self.o_error = o - y if _bug == "error_sign" else y - o
        self.o_delta = self.o_error * self.sigmoidPrime(o)
        if _bug == "w2_updated_first":
            self.W2 += self.z2.T.dot(self.o_delta)
        self.z2_error = self.o_delta.dot(self.W2.T)
        self.z2_delta = self.z2_error * self.sigmoidPrime(self.z if _bug == "hidden_prime_on_z" else self.z2)
        self.W1 += X.T.dot(self.z2_delta)
        if _bug != "w2_updated_first":
            self.W2 += self.z2.T.dot(self.o_delta)

    def train(self, X, y):
        o = self.forward(X)
        self.backward(X, y, o)


SPEC = ModelSpec(
    sizes=(2, 3, 1),
    lr=1.0,
    **INTRO_SIGMOID_MSE,
)


def make(bug=None):
    global _bug
    _bug = planted(BUGS, bug)
    np.random.seed(3)
    return Neural_Network()


def glue(bug=None) -> dict:
    NN = make(bug)
    return dict(model=NN, spec=SPEC, X=X, y=y, steps=10)
