"""Style 13: Karpathy's micrograd: a scalar autograd ``Value`` and ``Neuron``/``Layer``/``MLP``
built from Python lists of them.

Sources read (style only, no code copied): karpathy/micrograd ``micrograd/engine.py`` and
``micrograd/nn.py`` and its README's training loop, and the "spelled-out intro to neural
networks and backpropagation" lecture's notebook loop (squared error summed over the
samples, ``p.data += -0.05 * p.grad``).

Style facts that matter to a validator:
- Every weight is a ``Value`` object holding a Python float in ``.data`` (its gradient in
  ``.grad``): ``Neuron.w`` is a list of ``nin`` of them, ``Neuron.b`` one more (0 at first);
  ``Layer.neurons`` a list of neurons, ``MLP.layers`` a list of layers. No array anywhere,
  so nothing is found by shape: validate reads the lists of neuron records
  (``neurons.py``), (out, in) as neurons by inputs.
- ``Neuron.__call__`` sums ``wi * xi`` onto ``b``; ReLU unless ``nonlin=False``, which
  ``MLP`` sets for its last layer (a linear output). ``Value.relu``'s backward masks with
  ``out.data > 0``, as the frameworks do at 0.
- Training is the user's own loop: forward each sample, ``loss = sum((yout - ygt)**2)``
  (sum over samples: mse with ``loss_reduction="sum"``), ``zero_grad()``, ``loss.backward()``,
  ``p.data -= lr * p.grad`` over ``model.parameters()``. The lecture itself first forgot
  ``zero_grad`` (gradients then add up across steps) and first wrote ``+=``.
"""

from __future__ import annotations

import math
import random

from reference_impls import ModelSpec

from ._data import planted, xor

BUGS = {
    "no_zero_grad": "model.zero_grad() left out of the loop: every backward adds to the last step's gradients",
    "update_sign": "p.data += lr * p.grad (the lecture's first version of the update)",
    "relu_backward_unmasked": "Value.relu's backward passes out.grad through without the (out.data > 0) mask",
}

EXPECT = {
    "no_zero_grad": dict(step=2, phase="update", tensor="layer 0 W", cause="never zeroed", keys=("never reset",)),
    "update_sign": dict(step=1, phase="update", tensor="layer 0 W", cause="uphill", keys=("sign", "uphill")),
    "relu_backward_unmasked": dict(step=1, phase="update", tensor="layer 0 W", cause="mask", keys=("mask",)),
}

_bug = None


class Value:
    """One scalar and its gradient, with the operation that made it."""

    def __init__(self, data, _children=(), _op=""):
        self.data, self.grad = data, 0.0
        self._backward = lambda: None
        self._prev, self._op = set(_children), _op

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __pow__(self, k):
        out = Value(self.data**k, (self,), f"**{k}")

        def _backward():
            self.grad += k * self.data ** (k - 1) * out.grad

        out._backward = _backward
        return out

    def relu(self):
        out = Value(max(self.data, 0.0), (self,), "ReLU")

        def _backward():
            self.grad += out.grad if _bug == "relu_backward_unmasked" else (out.data > 0) * out.grad

        out._backward = _backward
        return out

    def backward(self):
        order, visited = [], set()

        def visit(v):
            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    visit(child)
                order.append(v)

        visit(self)
        self.grad = 1.0
        for v in reversed(order):
            v._backward()

    def __neg__(self):
        return self * -1

    def __radd__(self, other):
        return self + other

    def __sub__(self, other):
        return self + (-other)

    def __rmul__(self, other):
        return self * other


class Module:
    def zero_grad(self):
        for p in self.parameters():
            p.grad = 0.0

    def parameters(self):
        return []


class Neuron(Module):
    def __init__(self, nin, nonlin=True):
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0.0)
        self.nonlin = nonlin

    def __call__(self, x):
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return act.relu() if self.nonlin else act

    def parameters(self):
        return self.w + [self.b]


class Layer(Module):
    def __init__(self, nin, nout, **kwargs):
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

    def __call__(self, x):
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self):
        return [p for n in self.neurons for p in n.parameters()]


class MLP(Module):
    def __init__(self, nin, nouts):
        sz = [nin] + nouts
        self.layers = [Layer(sz[i], sz[i + 1], nonlin=i != len(nouts) - 1) for i in range(len(nouts))]

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]


LR = 0.05


def train(model, xs, ys, steps=20, lr=LR):
    """The lecture's loop: forward every sample, summed squared error, backward, step."""
    for _ in range(steps):
        ypred = [model([float(v) for v in x]) for x in xs]
        loss = sum((yout - float(ygt)) ** 2 for ygt, yout in zip(ys, ypred))
        if _bug != "no_zero_grad":
            model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data += (lr if _bug == "update_sign" else -lr) * p.grad
    return loss.data if math.isfinite(loss.data) else float("nan")


SPEC = ModelSpec(sizes=(2, 4, 1), activations=("relu", "linear"), loss="mse", loss_reduction="sum", lr=LR)


def make(bug=None):
    global _bug
    _bug = planted(BUGS, bug)
    random.seed(7)
    return MLP(2, [4, 1])


def glue(bug=None) -> dict:
    model = make(bug)
    X, y = xor()  # data
    return dict(model=model, step=lambda m, X, y: train(m, X, y, steps=1), spec=SPEC, X=X, y=y, steps=10)
