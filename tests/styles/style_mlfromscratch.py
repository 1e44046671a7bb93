"""Style 7: an MLP from a from-scratch ML library with its own optimizer objects (Erik
Linder-Norén's ML-From-Scratch ``MultilayerPerceptron``).

Sources read (style only, no code copied):
- eriklindernoren/ML-From-Scratch: ``mlfromscratch/supervised_learning/multilayer_perceptron.py``
  (two versions: an older one with per-parameter optimizer objects ``self.w_opt =
  GradientDescent(...)`` and ``self.V = self.v_opt.update(w=self.V, grad_wrt_w=grad_v)``, and
  the current one, unrolled, with ``Sigmoid``/``Softmax``/``CrossEntropy`` objects),
  ``mlfromscratch/deep_learning/optimizers.py`` (``update(w, grad_wrt_w)`` returning the new
  array; its ``Adam`` corrects with ``m / (1 - b1)`` and ``v / (1 - b2)``, no power of t: a
  published bug, harmless at step 1 only), ``mlfromscratch/deep_learning/loss_functions.py``.

Style facts that matter to a validator:
- One hidden layer: ``W (n_features, n_hidden)``, ``w0 (1, n_hidden)``, ``V (n_hidden,
  n_outputs)``, ``v0 (1, n_outputs)`` as top-level attributes, ``None`` until
  ``fit`` initialises them (uniform in +-1/sqrt(fan_in), biases zero) from the data's shapes.
  The library's ``fit`` re-initialises on every call; this module initialises once
  (``if self.W is None``) so that ``fit`` can be stepped.
- ``fit(X, y)`` takes ONE-HOT ``y`` (``to_categorical`` is done by the caller) and loops
  ``n_iterations`` full-batch steps.
- Output: ``Softmax`` whose ``gradient`` is the elementwise ``p (1 - p)``, times
  ``CrossEntropy.gradient = -y/p + (1 - y)/(1 - p)``: elementwise this is exactly ``p - y``
  for one-hot y, so it matches the softmax cross-entropy gradient, but SUMMED over the
  samples (no 1/n): spec ``loss_reduction="sum"``.
- Every parameter has its own optimizer object (``copy.copy(optimizer)``), state
  (``m``, ``v``, ``w_updt``) inside it; ``update(w, grad)`` returns the new array, and ``fit``
  reassigns (``self.W = self.W_opt.update(self.W, grad_w)``): new array objects each step.
- The library's SGD momentum is ``momentum * w_updt + (1 - momentum) * grad`` (dampened),
  a form most frameworks' SGD does not take.
"""

from __future__ import annotations

import copy
import math

import numpy as np

from reference_impls import ModelSpec

from ._data import onehot, planted, spiral

BUGS = {
    "adam_bias_correction": "the library's published Adam: m_hat = m / (1 - b1), v_hat = v / (1 - b2) (no ** t)",
    "grad_v0_axis": "grad_v0 summed over axis=1 (per sample) instead of axis=0",
    "sigmoid_gradient_on_pre": "Sigmoid.gradient(x) returns x * (1 - x) while called with the pre-activation",
    "adam_missing_sqrt": "w_updt = lr * m_hat / (v_hat + eps), no square root",
}

EXPECT = {
    "adam_bias_correction": dict(
        step=2,
        phase="update",
        tensor="W",
        cause="Adam bias correction (1 - b1) instead of (1 - b1**t)",
        keys=("bias correction", "b1**t", "beta1**t", "** t"),
    ),
    "grad_v0_axis": dict(
        step=1, phase="update", tensor="v0", cause="bias gradient summed over the wrong axis", keys=("axis",)
    ),
    "sigmoid_gradient_on_pre": dict(
        step=1,
        phase="update",
        tensor="W",
        cause="sigmoid derivative evaluated on the pre-activation",
        keys=("pre-activation",),
    ),
    "adam_missing_sqrt": dict(
        step=1, phase="update", tensor="W", cause="Adam step without the square root of v", keys=("square root", "sqrt")
    ),
}

_bug = None


class Sigmoid:
    def __call__(self, x):
        return 1 / (1 + np.exp(-x))

    def gradient(self, x):
        if _bug == "sigmoid_gradient_on_pre":
            return x * (1 - x)
        return self.__call__(x) * (1 - self.__call__(x))


class Softmax:
    def __call__(self, x):
        e_x = np.exp(x - np.max(x, axis=-1, keepdims=True))
        return e_x / np.sum(e_x, axis=-1, keepdims=True)

    def gradient(self, x):
        p = self.__call__(x)
        return p * (1 - p)


class CrossEntropy:
    def loss(self, y, p):
        p = np.clip(p, 1e-15, 1 - 1e-15)
        return -y * np.log(p) - (1 - y) * np.log(1 - p)

    def gradient(self, y, p):
        p = np.clip(p, 1e-15, 1 - 1e-15)
        return -(y / p) + (1 - y) / (1 - p)


class Adam:
    def __init__(self, learning_rate=0.001, b1=0.9, b2=0.999):
        self.learning_rate = learning_rate
        self.eps = 1e-8
        self.m = None
        self.v = None
        self.t = 0
        self.b1 = b1
        self.b2 = b2

    def update(self, w, grad_wrt_w):
        if self.m is None:
            self.m = np.zeros(np.shape(grad_wrt_w))
            self.v = np.zeros(np.shape(grad_wrt_w))
        self.t += 1
        self.m = self.b1 * self.m + (1 - self.b1) * grad_wrt_w
        self.v = self.b2 * self.v + (1 - self.b2) * np.power(grad_wrt_w, 2)
        if _bug == "adam_bias_correction":
            m_hat, v_hat = self.m / (1 - self.b1), self.v / (1 - self.b2)
        else:
            m_hat, v_hat = self.m / (1 - self.b1**self.t), self.v / (1 - self.b2**self.t)
        if _bug == "adam_missing_sqrt":
            self.w_updt = self.learning_rate * m_hat / (v_hat + self.eps)
        else:
            self.w_updt = self.learning_rate * m_hat / (np.sqrt(v_hat) + self.eps)
        return w - self.w_updt


class MultilayerPerceptron:
    def __init__(self, n_hidden, n_iterations=3000, optimizer=None):
        self.n_hidden = n_hidden
        self.n_iterations = n_iterations
        self.hidden_activation = Sigmoid()
        self.output_activation = Softmax()
        self.loss = CrossEntropy()
        self.W = self.w0 = self.V = self.v0 = None
        optimizer = optimizer or Adam()
        self.W_opt, self.w0_opt = copy.copy(optimizer), copy.copy(optimizer)
        self.V_opt, self.v0_opt = copy.copy(optimizer), copy.copy(optimizer)

    def _initialize_weights(self, X, y):
        n_samples, n_features = X.shape
        _, n_outputs = y.shape
        limit = 1 / math.sqrt(n_features)
        self.W = np.random.uniform(-limit, limit, (n_features, self.n_hidden))
        self.w0 = np.zeros((1, self.n_hidden))
        limit = 1 / math.sqrt(self.n_hidden)
        self.V = np.random.uniform(-limit, limit, (self.n_hidden, n_outputs))
        self.v0 = np.zeros((1, n_outputs))

    def fit(self, X, y):
        if self.W is None:
            self._initialize_weights(X, y)
        for _ in range(self.n_iterations):
            # forward
            z_hidden = X.dot(self.W) + self.w0
            a_hidden = self.hidden_activation(z_hidden)
            z_out = a_hidden.dot(self.V) + self.v0
            y_pred = self.output_activation(z_out)
            # backward: loss gradient times the output activation's elementwise gradient
            delta_out = self.loss.gradient(y, y_pred) * self.output_activation.gradient(z_out)
            delta_hidden = delta_out.dot(self.V.T) * self.hidden_activation.gradient(z_hidden)
            grad_V, grad_v0 = (
                a_hidden.T.dot(delta_out),
                np.sum(delta_out, axis=1 if _bug == "grad_v0_axis" else 0, keepdims=True),
            )
            grad_W, grad_w0 = X.T.dot(delta_hidden), np.sum(delta_hidden, axis=0, keepdims=True)
            # each parameter through its own optimizer object
            self.V = self.V_opt.update(self.V, grad_V)
            self.v0 = self.v0_opt.update(self.v0, grad_v0)
            self.W = self.W_opt.update(self.W, grad_W)
            self.w0 = self.w0_opt.update(self.w0, grad_w0)

    def predict(self, X):
        hidden_output = self.hidden_activation(X.dot(self.W) + self.w0)
        return self.output_activation(hidden_output.dot(self.V) + self.v0)


SPEC = ModelSpec(
    sizes=(2, 8, 3),
    activations=("sigmoid", "softmax"),
    loss="categorical_crossentropy",
    loss_reduction="sum",
    optimizer="adam",
    lr=0.01,
    beta1=0.9,
    beta2=0.999,
    eps=1e-8,
)


def make(bug=None):
    global _bug
    _bug = planted(BUGS, bug)
    np.random.seed(4)
    return MultilayerPerceptron(n_hidden=8, n_iterations=1, optimizer=Adam(learning_rate=0.01))


def glue(bug=None) -> dict:
    clf = make(bug)
    X, y = spiral()[0], onehot(spiral()[1], 3)  # data
    clf._initialize_weights(X, y)
    return dict(model=clf, step=lambda clf, X, y: clf.fit(X, y), spec=SPEC, labels="onehot", X=X, y=y, steps=20)
