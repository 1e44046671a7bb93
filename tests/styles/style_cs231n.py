"""Style 2: the cs231n assignment-1 ``TwoLayerNet`` (``cs231n/classifiers/neural_net.py``).

Sources read (style only, no code copied):
- 0809zheng/CS231n-assignment2019, ``assignment1/cs231n/classifiers/neural_net.py`` (one of
  ~2000 public copies of the assignment with its TODOs filled in; the skeleton's docstrings
  fix the interface), and the project's own ``tests/test_validate_cs231n.py`` for the
  0.5 * reg variant.

Style facts that matter to a validator:
- ``self.params`` dict: ``W1 (D, H)``, ``b1 (H,)``, ``W2 (H, C)``, ``b2 (C,)``; weights
  ``std * randn`` (std=1e-4 by default), biases zeros. Samples are rows, labels integers.
- ``loss(X, y=None, reg=0.0)``: with ``y`` None returns the scores; else returns
  ``(loss, grads)`` with ``grads`` keyed exactly like ``params`` (``'W1'``, not ``'dW1'``).
- The loss is the softmax data loss (mean over N) PLUS ``reg * sum(W * W)`` on both weight
  matrices (no biases); the gradient carries ``2 * reg * W`` (some years' solutions use
  ``0.5 * reg`` in the loss and ``reg * W`` in the gradient: the pair must match).
- ``train(...)`` samples random mini-batches with ``np.random.choice`` and does
  ``params[k] -= learning_rate * grads[k]``; it decays the learning rate per epoch, so a
  validator has to drive ``loss`` and apply SGD itself (or be given a step).
"""

from __future__ import annotations

import numpy as np

from reference_impls import ModelSpec

from ._data import spiral

BUGS = {
    "half_reg_gradient": "W1's gradient adds reg * W1 while the loss has reg * sum(W1 * W1)",
    "relu_mask_dropped": "the ReLU backward mask dh[h <= 0] = 0 is left out",
    "bias_grad_axis": "db2 summed over axis=1 (per sample) instead of axis=0",
    "no_divide_by_N": "dscores not divided by N (gradient of the summed, not mean, data loss)",
}

EXPECT = {
    "half_reg_gradient": dict(
        step=1,
        phase="gradient",
        tensor="W1",
        cause="L2 gradient reg*W against a reg*sum(W^2) penalty (half)",
        keys=("0.001/2", "penalty", "l2", "half"),
    ),
    "relu_mask_dropped": dict(
        step=1, phase="gradient", tensor="W1", cause="ReLU derivative mask dropped", keys=("relu", "mask")
    ),
    "bias_grad_axis": dict(
        step=1, phase="gradient", tensor="b2", cause="bias gradient summed over the wrong axis", keys=("axis",)
    ),
    "no_divide_by_N": dict(
        step=1,
        phase="gradient",
        tensor="W1",
        cause="data-loss gradient not divided by the batch size N",
        keys=("batch size", "n =", "30 x", "sum"),
    ),
}


class TwoLayerNet:
    def __init__(self, input_size, hidden_size, output_size, std=1e-4, bug=None):
        self.params = {
            "W1": std * np.random.randn(input_size, hidden_size),
            "b1": np.zeros(hidden_size),
            "W2": std * np.random.randn(hidden_size, output_size),
            "b2": np.zeros(output_size),
        }
        self.bug = bug

    def loss(self, X, y=None, reg=0.0):
        W1, b1, W2, b2 = self.params["W1"], self.params["b1"], self.params["W2"], self.params["b2"]
        N = X.shape[0]
        h = np.maximum(0, X.dot(W1) + b1)
        scores = h.dot(W2) + b2
        if y is None:
            return scores
        shifted = scores - scores.max(axis=1, keepdims=True)
        probs = np.exp(shifted) / np.sum(np.exp(shifted), axis=1, keepdims=True)
        loss = -np.log(probs[np.arange(N), y]).mean() + reg * (np.sum(W1 * W1) + np.sum(W2 * W2))

        grads = {}
        dscores = probs.copy()
        dscores[np.arange(N), y] -= 1
        if self.bug != "no_divide_by_N":
            dscores /= N
        grads["W2"] = h.T.dot(dscores) + 2 * reg * W2
        grads["b2"] = dscores.sum(axis=1) if self.bug == "bias_grad_axis" else dscores.sum(axis=0)
        dh = dscores.dot(W2.T)
        if self.bug != "relu_mask_dropped":
            dh[h <= 0] = 0
        grads["W1"] = X.T.dot(dh) + (reg if self.bug == "half_reg_gradient" else 2 * reg) * W1
        grads["b1"] = dh.sum(axis=0)
        return loss, grads


REG = 1e-3
SPEC = ModelSpec(sizes=(2, 8, 3), activations=("relu", "softmax"), loss="categorical_crossentropy", lr=0.5, l2=REG)


def make(bug=None):
    if bug is not None and bug not in BUGS:
        raise KeyError(bug)
    np.random.seed(0)
    return TwoLayerNet(2, 8, 3, std=0.5, bug=bug)


def glue(bug=None) -> dict:
    net = make(bug)
    X, y = spiral()  # data

    def step(params, X, y):
        net.params = params
        return net.loss(X, y, reg=REG)

    return dict(step=step, params=net.params, spec=SPEC, X=X, y=y, steps=20)
