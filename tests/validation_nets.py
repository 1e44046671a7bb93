"""Hand-written networks for the validation tests, in the styles users write, each with
switches for the common mistakes (``mistake=...``). ``None`` is the correct network."""

from __future__ import annotations

import numpy as np


class Dense:
    def __init__(self, n_in, n_out, rng, mistake=None):
        self.weights = rng.normal(0, 1 / np.sqrt(n_in), size=(n_in, n_out))
        self.biases = rng.normal(0, 0.1, size=(1, n_out))
        self.mistake = mistake

    def forward(self, inputs):
        self.inputs = inputs
        self.output = inputs @ self.weights + self.biases
        return self.output

    def backward(self, dvalues):
        m = self.mistake
        self.dweights = dvalues.T @ self.inputs if m == "transposed_dweights" else self.inputs.T @ dvalues
        if m == "bias_not_summed":
            self.dbiases = dvalues.copy()
        elif m == "bias_wrong_axis":
            self.dbiases = np.sum(dvalues, axis=1, keepdims=True)
        else:
            self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = dvalues @ self.weights.T
        return self.dinputs


class Sigmoid:
    def __init__(self, mistake=None):
        self.mistake = mistake

    def forward(self, inputs):
        self.inputs = inputs
        self.output = 1 / (1 + np.exp(-inputs))
        return self.output

    def backward(self, dvalues):
        if self.mistake == "derivative_on_pre":  # x (1 - x) given z
            d = self.inputs * (1 - self.inputs)
        elif self.mistake == "derivative_on_post":  # s(x) (1 - s(x)) given a
            s = 1 / (1 + np.exp(-self.output))
            d = s * (1 - s)
        else:
            d = self.output * (1 - self.output)
        self.dinputs = dvalues * d
        return self.dinputs


class Tanh:
    def forward(self, inputs):
        self.output = np.tanh(inputs)
        return self.output

    def backward(self, dvalues):
        self.dinputs = dvalues * (1 - self.output**2)
        return self.dinputs


class Softmax:
    def __init__(self, mistake=None):
        self.mistake = mistake

    def forward(self, inputs):
        shifted = inputs if self.mistake == "softmax_no_shift" else inputs - inputs.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        self.output = e / e.sum(axis=1, keepdims=True)
        return self.output

    def backward(self, dvalues):
        s = self.output
        self.dinputs = s * (dvalues - np.sum(dvalues * s, axis=1, keepdims=True))
        return self.dinputs


class MSE:
    def __init__(self, mistake=None):
        self.mistake = mistake

    def calculate(self, output, y):
        return np.mean((output - y) ** 2)

    def backward(self, dvalues, y):
        m = self.mistake
        grad = 2 * (dvalues - y)
        if m == "sign":
            grad = -grad
        if m == "missing_2":
            grad = grad / 2
        self.dinputs = grad if m == "sum_not_mean" else grad / dvalues.size
        return self.dinputs


class CrossEntropy:
    def calculate(self, output, y):
        p = np.clip(output, 1e-7, 1 - 1e-7)
        return np.mean(-np.log(p[np.arange(len(p)), y]))

    def backward(self, dvalues, y):
        p = np.clip(dvalues, 1e-7, 1 - 1e-7)
        self.dinputs = -np.eye(dvalues.shape[1])[y] / p / len(dvalues)
        return self.dinputs


class SGD:
    """update_params(layer) with optional decay and momentum (the book's Keras-form momentum
    unless torch_form), and switches for the update mistakes."""

    def __init__(self, learning_rate=0.5, decay=0.0, momentum=0.0, mistake=None, torch_form=False):
        self.learning_rate, self.decay, self.momentum = learning_rate, decay, momentum
        self.mistake, self.torch_form = mistake, torch_form
        self.iterations, self.calls = 0, 0

    def pre_update_params(self):
        t = self.iterations
        if self.mistake == "decay_from_1":
            t += 1
        if self.mistake == "no_decay":
            t = 0
        self.current = self.learning_rate / (1 + self.decay * t)
        if self.mistake == "double_lr":
            self.current *= 2
        self.calls = 0

    def update_params(self, layer):
        self.calls += 1
        if self.mistake == "skip_first_layer" and self.calls == 1:
            return
        for p, g, v in (("weights", "dweights", "vw"), ("biases", "dbiases", "vb")):
            grad = getattr(layer, g)
            if self.momentum:
                if not hasattr(layer, v) or self.mistake == "reset_momentum":
                    setattr(layer, v, np.zeros_like(getattr(layer, p)))
                if self.torch_form:
                    setattr(layer, v, self.momentum * getattr(layer, v) + grad)
                    step = -self.current * getattr(layer, v)
                else:
                    setattr(layer, v, self.momentum * getattr(layer, v) - self.current * grad)
                    step = getattr(layer, v)
            else:
                step = -self.current * grad
            setattr(layer, p, getattr(layer, p) + step)

    def post_update_params(self):
        self.iterations += 1


def mse_net(mistake=None, seed=0, lr=0.5, decay=0.0, momentum=0.0, torch_form=False, width=4):
    """2 -> width -> 1 sigmoid network on MSE: where each layer-level mistake can happen."""
    rng = np.random.default_rng(seed)
    layers = [Dense(2, width, rng, mistake), Sigmoid(mistake), Dense(width, 1, rng, mistake), Sigmoid()]
    return dict(
        layers=layers,
        loss=MSE(mistake),
        optimizer=SGD(lr, decay=decay, momentum=momentum, mistake=mistake, torch_form=torch_form),
    )


def softmax_net(mistake=None, seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    d1, d2 = Dense(2, 5, rng), Dense(5, 3, rng)
    d2.weights *= scale  # large logits: where an unshifted softmax overflows
    return dict(layers=[d1, Tanh(), d2, Softmax(mistake)], loss=CrossEntropy(), optimizer=SGD(0.5))


def xor_data():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    return X, np.array([[0.0], [1.0], [1.0], [0.0]])


def blobs(n=12, seed=1):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 2)), rng.integers(0, 3, size=n)
