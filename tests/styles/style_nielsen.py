"""Style 1a: Michael Nielsen's "Neural Networks and Deep Learning", chapter 1 ``network.py``.

Sources read (style only, no code copied):
- mnielsen/neural-networks-and-deep-learning, ``src/network.py``
  (http://neuralnetworksanddeeplearning.com/chap1.html).

Style facts that matter to a validator:
- ``Network(sizes)``; ``self.biases`` is a Python *list* of ``(out, 1)`` column arrays and
  ``self.weights`` a list of ``(out, in)`` arrays, both drawn with ``np.random.randn``
  (global RNG, unit Gaussian).
- One sample is a column vector ``x (in, 1)`` with target ``y (out, 1)``; training data is
  a list of ``(x, y)`` tuples, never a 2-d array.
- ``backprop(x, y)`` handles ONE sample and returns ``(nabla_b, nabla_w)`` lists;
  ``update_mini_batch(mini_batch, eta)`` sums them over the batch and applies
  ``w - (eta / len(mini_batch)) * nw``: gradients are never stored on the object, only
  the updated weights are visible (and ``backprop``'s return value).
- Quadratic cost ``1/2 ||a - y||^2`` per sample (``cost_derivative = a - y``), sigmoid in
  every layer including the output; averaged over the mini-batch by the ``eta/len`` factor.
  As a spec: mse, mean over samples, ``loss_scale=0.5`` (one output).
- ``SGD`` shuffles with ``random.shuffle`` and slices mini-batches itself, so a validator
  has to drive ``update_mini_batch`` directly.
"""

from __future__ import annotations

import numpy as np

from reference_impls import ModelSpec

from ._data import planted, xor

BUGS = {
    "sigmoid_prime_on_z": "sigmoid_prime(z) written as z * (1 - z): the derivative formula for an activation, given the pre-activation",
    "eta_not_divided": "weights step with eta * nw, not (eta / len(mini_batch)) * nw (biases keep the division)",
    "wrong_activation_index": "output layer's nabla_w uses activations[-1] (its own output) instead of activations[-2]",
    "cost_derivative_sign": "cost_derivative returns y - a instead of a - y",
}

EXPECT = {
    "sigmoid_prime_on_z": dict(
        step=1,
        phase="update",
        tensor="weights[0]",
        cause="sigmoid derivative evaluated on the pre-activation z as if it were the output",
        keys=("pre-activation", "derivative"),
    ),
    "eta_not_divided": dict(
        step=1,
        phase="update",
        tensor="weights[0]",
        cause="weight update not divided by the mini-batch size (4 x)",
        keys=("batch size", "batch_size", "4 x", "4x"),
    ),
    "wrong_activation_index": dict(
        step=1,
        phase="update",
        tensor="weights[1]",
        cause="output weight gradient built from the wrong layer's activation",
        keys=("activation", "input of", "wrong input"),
    ),
    "cost_derivative_sign": dict(
        step=1, phase="update", tensor="weights[0]", cause="flipped sign of the cost derivative", keys=("sign",)
    ),
}

_bug = None


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_prime(z):
    if _bug == "sigmoid_prime_on_z":
        return z * (1 - z)
    return sigmoid(z) * (1 - sigmoid(z))


class Network:
    def __init__(self, sizes):
        self.num_layers = len(sizes)
        self.sizes = sizes
        self.biases = [np.random.randn(n, 1) for n in sizes[1:]]
        self.weights = [np.random.randn(n_out, n_in) for n_in, n_out in zip(sizes[:-1], sizes[1:])]

    def feedforward(self, a):
        for b, w in zip(self.biases, self.weights):
            a = sigmoid(w @ a + b)
        return a

    def update_mini_batch(self, mini_batch, eta):
        nabla_b = [np.zeros(b.shape) for b in self.biases]
        nabla_w = [np.zeros(w.shape) for w in self.weights]
        for x, y in mini_batch:
            db, dw = self.backprop(x, y)
            nabla_b = [nb + d for nb, d in zip(nabla_b, db)]
            nabla_w = [nw + d for nw, d in zip(nabla_w, dw)]
        if _bug == "eta_not_divided":
            self.weights = [w - eta * nw for w, nw in zip(self.weights, nabla_w)]
        else:
            self.weights = [w - (eta / len(mini_batch)) * nw for w, nw in zip(self.weights, nabla_w)]
        self.biases = [b - (eta / len(mini_batch)) * nb for b, nb in zip(self.biases, nabla_b)]

    def backprop(self, x, y):
        nabla_b = [None] * len(self.biases)
        nabla_w = [None] * len(self.weights)
        activation, activations, zs = x, [x], []
        for b, w in zip(self.biases, self.weights):
            z = w @ activation + b
            zs.append(z)
            activation = sigmoid(z)
            activations.append(activation)
        delta = self.cost_derivative(activations[-1], y) * sigmoid_prime(zs[-1])
        nabla_b[-1] = delta
        if _bug == "wrong_activation_index":
            nabla_w[-1] = delta @ activations[-1].T
        else:
            nabla_w[-1] = delta @ activations[-2].T
        for l in range(2, self.num_layers):
            delta = (self.weights[-l + 1].T @ delta) * sigmoid_prime(zs[-l])
            nabla_b[-l] = delta
            nabla_w[-l] = delta @ activations[-l - 1].T
        return nabla_b, nabla_w

    def cost_derivative(self, output_activations, y):
        if _bug == "cost_derivative_sign":
            return y - output_activations
        return output_activations - y


ETA = 3.0
SPEC = ModelSpec(sizes=(2, 4, 1), activations=("sigmoid", "sigmoid"), loss="mse", loss_scale=0.5, lr=ETA)


def make(bug=None):
    global _bug
    _bug = planted(BUGS, bug)
    np.random.seed(1)
    return Network([2, 4, 1])


# fmt: off
def glue(bug=None) -> dict:
    net = make(bug)
    X, y = xor()  # data
    step = lambda net, X, y: net.update_mini_batch([(x.reshape(-1, 1), t.reshape(-1, 1)) for x, t in zip(X, y)], ETA)
    return dict(model=net, step=step, spec=SPEC, weights=["weights[0]", "biases[0]", "weights[1]", "biases[1]"],
                weight_layout="out_in", X=X, y=y, steps=20)
# fmt: on
