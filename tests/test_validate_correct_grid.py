"""No correct network is ever failed: a generated grid of correct hand-written networks over
the ways people store and feed them (weights (in, out) or (out, in); biases (1, out), (out,)
or (out, 1); samples as rows or columns; labels as indices or one-hot), what they compute
(activations, losses and their reduction and scale, depth, mini-batches) and how they train
(their own SGD, momentum, Adam, RMSprop, Adagrad; an L2 penalty), each validated against
the frameworks. The factors are drawn as a covering sample of their product, with every
value of every factor present."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass

import numpy as np
import pytest

from reference_impls import ModelSpec, validate

FACTORS = {
    "style": ("functional", "blackbox"),
    "layout": ("in_out", "out_in"),
    "bias": ("row", "flat", "column"),
    "samples": ("rows", "columns"),
    "labels": ("sparse", "onehot"),
    "hidden": ("relu", "tanh", "sigmoid", "leaky_relu"),
    "loss": ("categorical_crossentropy", "binary_crossentropy", "mse"),
    "reduction": (("mean", 1.0), ("sum", 0.5), ("sum", 1.0), ("mean", 3.0)),
    "optimizer": ("sgd", "momentum", "adam", "rmsprop", "adagrad"),
    "l2": (0.0, 1e-3),
    "depth": (1, 2),
    "batch": (None, 4),
}


@dataclass(frozen=True)
class Config:
    style: str
    layout: str
    bias: str
    samples: str
    labels: str
    hidden: str
    loss: str
    reduction: tuple
    optimizer: str
    l2: float
    depth: int
    batch: int | None

    def __str__(self) -> str:
        red = f"{self.reduction[0]}x{self.reduction[1]:g}"
        return "-".join(
            [
                self.style,
                self.layout,
                self.bias,
                self.samples,
                self.labels if self.loss[0] == "c" else "-",
                self.hidden,
                self.loss.split("_")[0],
                red,
                self.optimizer,
                f"l2={self.l2:g}",
                f"depth{self.depth}",
                f"batch{self.batch}",
            ]
        )


def covering_grid(n: int = 48, seed: int = 0) -> list[Config]:
    """``n`` configurations: each factor's values cycled (so every value appears), the rest of
    the combination shuffled per factor."""
    rng = random.Random(seed)
    columns = {}
    for name, values in FACTORS.items():
        col = list(itertools.islice(itertools.cycle(values), n))
        rng.shuffle(col)
        columns[name] = col
    return [Config(**{name: columns[name][i] for name in FACTORS}) for i in range(n)]


OUTPUTS = {"categorical_crossentropy": ("softmax", 3), "binary_crossentropy": ("sigmoid", 1), "mse": ("linear", 2)}
HIDDEN = {
    "relu": (lambda z: np.maximum(z, 0), lambda z, a: (z > 0).astype(float)),
    "tanh": (np.tanh, lambda z, a: 1 - a**2),
    "sigmoid": (lambda z: 1 / (1 + np.exp(-z)), lambda z, a: a * (1 - a)),
    "leaky_relu": (lambda z: np.where(z > 0, z, 0.01 * z), lambda z, a: np.where(z > 0, 1.0, 0.01)),
}
LR = {"sgd": 0.3, "momentum": 0.1, "adam": 0.01, "rmsprop": 0.01, "adagrad": 0.1}


def spec_of(c: Config) -> ModelSpec:
    out_act, k = OUTPUTS[c.loss]
    sizes = (2, 5, 4, k)[: c.depth + 1] + (k,)
    opt = {"momentum": "sgd"}.get(c.optimizer, c.optimizer)
    return ModelSpec(
        sizes=sizes,
        activations=(c.hidden,) * c.depth + (out_act,),
        loss=c.loss,
        loss_reduction=c.reduction[0],
        loss_scale=c.reduction[1],
        optimizer=opt,
        lr=LR[c.optimizer],
        momentum=0.9 if c.optimizer == "momentum" else 0.0,
        l2=c.l2,
        batch_size=c.batch,
    )


class GridNet:
    """A correct hand-written network, parameters stored as the configuration says."""

    def __init__(self, c: Config, seed: int = 0) -> None:
        self.c, self.spec = c, spec_of(c)
        rng = np.random.default_rng(seed)
        self.W, self.b, self.t, self.state = [], [], 0, {}
        for fi, fo in zip(self.spec.sizes, self.spec.sizes[1:]):
            W, b = rng.normal(0, 1 / np.sqrt(fi), (fi, fo)), rng.normal(0, 0.1, fo)
            self.W.append(W.T.copy() if c.layout == "out_in" else W)
            self.b.append(b.reshape({"row": (1, fo), "flat": (fo,), "column": (fo, 1)}[c.bias]))

    # ---- the math, in (in, out) and samples as rows
    def _canon(self):
        return [W.T if self.c.layout == "out_in" else W for W in self.W], [b.reshape(-1) for b in self.b]

    def _targets(self, y, n, k):
        y = np.asarray(y)
        y = y.T if self.c.samples == "columns" and y.ndim == 2 else y
        if self.c.loss == "categorical_crossentropy":
            return np.eye(k)[y] if y.ndim == 1 else y
        return y.reshape(n, k).astype(float)

    def loss_and_grads(self, X, y):
        c, spec = self.c, self.spec
        X = X.T if c.samples == "columns" else X
        n, k = len(X), spec.sizes[-1]
        Ws, bs = self._canon()
        acts, zs = [X], []
        for l, (W, b) in enumerate(zip(Ws, bs)):
            z = acts[-1] @ W + b
            zs.append(z)
            if l < len(Ws) - 1:
                acts.append(HIDDEN[c.hidden][0](z))
            elif c.loss == "categorical_crossentropy":
                e = np.exp(z - z.max(axis=1, keepdims=True))
                acts.append(e / e.sum(axis=1, keepdims=True))
            elif c.loss == "binary_crossentropy":
                acts.append(1 / (1 + np.exp(-z)))
            else:
                acts.append(z)
        a, Y = acts[-1], self._targets(y, n, k)
        red, scale = c.reduction
        terms = {
            "categorical_crossentropy": lambda: -np.log(np.sum(a * Y, axis=1)),
            "binary_crossentropy": lambda: -(Y * np.log(a) + (1 - Y) * np.log(1 - a)),
            "mse": lambda: (a - Y) ** 2,
        }[c.loss]()
        per = n if c.loss == "categorical_crossentropy" else n * k
        loss = scale * (terms.sum() / per if red == "mean" else terms.sum())
        delta = (a - Y) * (2 if c.loss == "mse" else 1) * scale / (per if red == "mean" else 1)
        grads = [None] * len(Ws)
        for l in reversed(range(len(Ws))):
            grads[l] = (acts[l].T @ delta + 2 * c.l2 * Ws[l], delta.sum(axis=0))
            if l:
                delta = (delta @ Ws[l].T) * HIDDEN[c.hidden][1](zs[l - 1], acts[l])
        return loss, grads

    def _update(self, p, g, key):
        o, s = self.c.optimizer, self.state
        lr = self.spec.lr
        if o == "sgd":
            return p - lr * g
        if o == "momentum":
            s[key] = 0.9 * s.get(key, 0) + g
            return p - lr * s[key]
        if o == "adagrad":
            s[key] = s.get(key, 0) + g * g
            return p - lr * g / (np.sqrt(s[key]) + 1e-8)
        if o == "rmsprop":
            s[key] = 0.9 * s.get(key, 0) + 0.1 * g * g
            return p - lr * g / (np.sqrt(s[key]) + 1e-8)
        m, v = s.get(key, (0, 0))
        m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g
        s[key] = (m, v)
        return p - lr * (m / (1 - 0.9**self.t)) / (np.sqrt(v / (1 - 0.999**self.t)) + 1e-8)

    def train_step(self, X, y):
        loss, grads = self.loss_and_grads(X, y)
        self.t += 1
        for l, (dW, db) in enumerate(grads):
            dW = dW.T if self.c.layout == "out_in" else dW
            self.W[l] = self._update(self.W[l], dW, ("W", l))
            self.b[l] = self._update(self.b[l], db.reshape(self.b[l].shape), ("b", l))
        return loss


def data_for(c: Config, n: int = 10) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(n, 2))
    k = OUTPUTS[c.loss][1]
    if c.loss == "categorical_crossentropy":
        y = rng.integers(0, k, n)
        y = np.eye(k)[y] if c.labels == "onehot" else y
    elif c.loss == "binary_crossentropy":
        y = rng.integers(0, 2, (n, 1)).astype(float)
    else:
        y = rng.normal(size=(n, k))
    if c.samples == "columns":
        X, y = X.T, (y.T if y.ndim == 2 else y)
    return X, y


def arguments(c: Config) -> dict:
    net = GridNet(c)
    X, y = data_for(c)
    layout = dict(data_layout=c.samples, weight_layout=c.layout)
    if c.style == "blackbox":
        return dict(model=net, step=lambda m, X, y: m.train_step(X, y), spec=net.spec, X=X, y=y, **layout)
    params = {f"{kind}{l}": arr for l in range(len(net.W)) for kind, arr in (("W", net.W[l]), ("b", net.b[l]))}

    def step(p, X, y):
        net.W = [p[f"W{l}"] for l in range(len(net.W))]
        net.b = [p[f"b{l}"] for l in range(len(net.b))]
        loss = net.train_step(X, y)
        return {f"{kind}{l}": arr for l in range(len(net.W)) for kind, arr in (("W", net.W[l]), ("b", net.b[l]))}, loss

    return dict(step=step, params=params, spec=net.spec, X=X, y=y, **layout)


GRID = covering_grid()


def test_the_grid_covers_every_value_of_every_factor():
    for name, values in FACTORS.items():
        assert {getattr(c, name) for c in GRID} == set(values), name


@pytest.mark.parametrize("config", GRID, ids=[str(c) for c in GRID])
def test_correct_network_passes(config):
    result = validate(**arguments(config), steps=6, against=("torch",))
    assert result.ok, f"{config}\n{result}"
    assert result.steps == 6 and "update" in set(result.table.phase)


def test_a_slightly_wrong_grid_network_fails():
    """The grid's networks are not passed for nothing: one wrong digit in the learning rate fails."""
    config = GRID[0]
    args = arguments(config)
    args["spec"] = args["spec"].replace(lr=args["spec"].lr * 1.001)
    assert not validate(**args, steps=3, against=("torch",)).ok


class Linear:
    """A dense layer stored as ``nn.Linear`` stores it: ``weight`` (out, in), ``bias`` (out,)."""

    def __init__(self, n_in, n_out, rng):
        self.weight, self.bias = rng.normal(0, 1 / np.sqrt(n_in), (n_out, n_in)), rng.normal(0, 0.1, n_out)

    def forward(self, x):
        self.x = x
        return x @ self.weight.T + self.bias

    def backward(self, grad):
        self.grad_weight, self.grad_bias = grad.T @ self.x, grad.sum(axis=0)
        return grad @ self.weight


class Tanh:
    def forward(self, x):
        self.out = np.tanh(x)
        return self.out

    def backward(self, grad):
        return grad * (1 - self.out**2)


class MeanSquared:
    def forward(self, pred, target):
        return np.mean((pred - target) ** 2)

    def backward(self, pred, target):
        return 2 * (pred - target) / pred.size


class PlainSGD:
    def __init__(self, lr):
        self.lr = lr

    def update_params(self, layer):
        layer.weight -= self.lr * layer.grad_weight
        layer.bias -= self.lr * layer.grad_bias


@pytest.mark.parametrize("given", [True, False], ids=["spec-given", "spec-inferred"])
def test_layer_objects_stored_out_in_like_nn_linear_pass(given):
    rng = np.random.default_rng(0)
    layers = [Linear(3, 5, rng), Tanh(), Linear(5, 2, rng)]
    X, y = rng.normal(size=(8, 3)), rng.normal(size=(8, 2))
    spec = ModelSpec(sizes=(3, 5, 2), activations=("tanh", "linear"), loss="mse", lr=0.1) if given else None
    result = validate(
        layers=layers, loss=MeanSquared(), optimizer=PlainSGD(0.1), spec=spec, X=X, y=y, steps=5, against=("torch",)
    )
    assert result.ok, str(result)
    assert set(result.table.phase) == {"forward", "loss", "gradient", "update"}, str(result)
