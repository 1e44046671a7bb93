"""Style 1b: Nielsen's sequel ``network2.py`` (chapter 3): cross-entropy cost and L2 weight decay.

Sources read (style only, no code copied):
- mnielsen/neural-networks-and-deep-learning, ``src/network2.py``
  (http://neuralnetworksanddeeplearning.com/chap3.html).

Style facts that matter to a validator:
- Same lists as ``network.py``: ``weights`` ``(out, in)`` scaled by ``1/sqrt(in)``,
  ``biases`` ``(out, 1)``; per-sample column vectors; ``backprop`` per sample.
- The cost is a class with static ``fn(a, y)`` and ``delta(z, a, y)``;
  ``CrossEntropyCost.delta`` is ``a - y`` (the sigmoid derivative cancels), summed over
  outputs (binary cross-entropy per output unit, sigmoid output).
- ``update_mini_batch(mini_batch, eta, lmbda, n)``: weights step as
  ``(1 - eta * lmbda / n) * w - (eta / m) * nw`` where ``n`` is the size of the WHOLE
  training set and ``m`` the mini-batch size; biases are not decayed. As a spec: L2
  gradient ``lmbda / n * w`` = ``2 * l2 * w`` with ``l2 = lmbda / (2 n)``, weights only.
  With ``m < n`` this is not "weight_decay" per batch: the penalty does not scale with m.
- ``total_cost`` adds ``0.5 * (lmbda / n) * sum ||w||^2`` (only for monitoring).
"""

from __future__ import annotations

import numpy as np

from reference_impls import ModelSpec

from ._data import planted, xor

BUGS = {
    "l2_on_biases": "the biases are decayed too: (1 - eta*lmbda/n) * b",
    "lmbda_over_batch": "decay factor uses the mini-batch size: (1 - eta*lmbda/len(mini_batch)) * w",
    "delta_times_sigmoid_prime": "CrossEntropyCost.delta returns (a - y) * sigmoid_prime(z), the quadratic cost's form",
    "decay_sign": "(1 + eta*lmbda/n) * w: the decay grows the weights",
}

EXPECT = {
    "l2_on_biases": dict(
        step=1, phase="update", tensor="biases[0]", cause="L2 decay applied to the biases", keys=("bias",)
    ),
    "lmbda_over_batch": dict(
        step=1,
        phase="update",
        tensor="weights[0]",
        cause="L2 strength divided by the mini-batch size instead of the training-set size (2 x the penalty)",
        keys=("l2", "penalty", "decay"),
    ),
    "delta_times_sigmoid_prime": dict(
        step=1,
        phase="update",
        tensor="weights[0]",
        cause="cross-entropy output delta multiplied by the sigmoid derivative again",
        keys=("sigmoid derivative", "derivative", "twice"),
    ),
    "decay_sign": dict(
        step=1, phase="update", tensor="weights[0]", cause="sign of the L2 decay inverted", keys=("sign",)
    ),
}

_bug = None


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_prime(z):
    return sigmoid(z) * (1 - sigmoid(z))


class CrossEntropyCost:
    @staticmethod
    def fn(a, y):
        return np.sum(np.nan_to_num(-y * np.log(a) - (1 - y) * np.log(1 - a)))

    @staticmethod
    def delta(z, a, y):
        if _bug == "delta_times_sigmoid_prime":
            return (a - y) * sigmoid_prime(z)
        return a - y


class Network:
    def __init__(self, sizes, cost=CrossEntropyCost):
        self.num_layers = len(sizes)
        self.sizes = sizes
        self.cost = cost
        self.biases = [np.random.randn(n, 1) for n in sizes[1:]]
        self.weights = [np.random.randn(n_out, n_in) / np.sqrt(n_in) for n_in, n_out in zip(sizes[:-1], sizes[1:])]

    def update_mini_batch(self, mini_batch, eta, lmbda, n):
        nabla_b = [np.zeros(b.shape) for b in self.biases]
        nabla_w = [np.zeros(w.shape) for w in self.weights]
        for x, y in mini_batch:
            db, dw = self.backprop(x, y)
            nabla_b = [nb + d for nb, d in zip(nabla_b, db)]
            nabla_w = [nw + d for nw, d in zip(nabla_w, dw)]
        m = len(mini_batch)
        if _bug == "lmbda_over_batch":
            self.weights = [(1 - eta * (lmbda / m)) * w - (eta / m) * nw for w, nw in zip(self.weights, nabla_w)]
        elif _bug == "decay_sign":
            self.weights = [(1 + eta * (lmbda / n)) * w - (eta / m) * nw for w, nw in zip(self.weights, nabla_w)]
        else:
            self.weights = [(1 - eta * (lmbda / n)) * w - (eta / m) * nw for w, nw in zip(self.weights, nabla_w)]
        if _bug == "l2_on_biases":
            self.biases = [(1 - eta * (lmbda / n)) * b - (eta / m) * nb for b, nb in zip(self.biases, nabla_b)]
        else:
            self.biases = [b - (eta / m) * nb for b, nb in zip(self.biases, nabla_b)]

    def backprop(self, x, y):
        nabla_b = [None] * len(self.biases)
        nabla_w = [None] * len(self.weights)
        activation, activations, zs = x, [x], []
        for b, w in zip(self.biases, self.weights):
            z = w @ activation + b
            zs.append(z)
            activation = sigmoid(z)
            activations.append(activation)
        delta = self.cost.delta(zs[-1], activations[-1], y)
        nabla_b[-1] = delta
        nabla_w[-1] = delta @ activations[-2].T
        for l in range(2, self.num_layers):
            delta = (self.weights[-l + 1].T @ delta) * sigmoid_prime(zs[-l])
            nabla_b[-l] = delta
            nabla_w[-l] = delta @ activations[-l - 1].T
        return nabla_b, nabla_w


ETA, LMBDA, N_TRAIN, BATCH = 0.5, 0.2, 4, 2
SPEC = ModelSpec(
    sizes=(2, 4, 1),
    activations=("sigmoid", "sigmoid"),
    loss="binary_crossentropy",
    lr=ETA,
    l2=LMBDA / (2 * N_TRAIN),
    batch_size=BATCH,
)


def make(bug=None):
    global _bug
    _bug = planted(BUGS, bug)
    np.random.seed(2)
    return Network([2, 4, 1])


# fmt: off
def glue(bug=None) -> dict:
    net = make(bug)
    X, y = xor()  # data
    step = lambda net, X, y: net.update_mini_batch([(x.reshape(-1, 1), t.reshape(-1, 1)) for x, t in zip(X, y)], ETA, LMBDA, len(xor()[0]))
    return dict(model=net, step=step, spec=SPEC, weights=["weights[0]", "biases[0]", "weights[1]", "biases[1]"],
                weight_layout="out_in", X=X, y=y, steps=20)
# fmt: on
