"""Optimizer updates as hand-written code gets them wrong: each a replacement for a scratch
optimizer's ``_update(self, state, p, g, lr)`` (the state keys are the scratch optimizer's,
so they start from its state before the diverging step), and the published forms in words."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def adam_update(c1: Callable[[float, int], float], c2: Callable[[float, int], float], root: Callable = np.sqrt):
    """Adam's ``_update`` with its bias corrections (and square root) as a hand-written one has them."""

    def _update(self, state, p, g, lr):
        b1, b2, t = self.beta1, self.beta2, self.iterations + 1
        m, v = state.setdefault("m", np.zeros_like(p)), state.setdefault("v", np.zeros_like(p))
        m += (1 - b1) * (g - m)
        v *= b2
        v += (1 - b2) * g * g
        k1, k2 = np.float64(c1(b1, t)), np.float64(c2(b2, t))
        if self.convention == "pytorch":
            p -= (lr / k1) * m / (root(v) / root(k2) + self.eps)
        else:
            p -= (lr * root(k2) / k1) * m / (root(v) + self.eps)

    return _update


def corrected(b: float, t: int) -> float:
    """Adam's bias correction at step t (from 1)."""
    return 1 - b**t


ADAM_FORMS = (
    ("m is corrected by (1 - b1) instead of (1 - b1**t)", lambda b, t: 1 - b, corrected),
    (
        "m and v are corrected by (1 - b1) and (1 - b2) instead of (1 - b1**t) and (1 - b2**t)",
        lambda b, t: 1 - b,
        lambda b, t: 1 - b,
    ),
    ("the bias correction is missing: m and v are used uncorrected", lambda b, t: 1.0, lambda b, t: 1.0),
    (
        "the step count t starts at 0: the first step divides by 1 - b1**0 = 0",
        lambda b, t: 1 - b ** (t - 1),
        lambda b, t: 1 - b ** (t - 1),
    ),
    (
        "the step count t starts at 0 in m's correction: the first step divides m by 1 - b1**0 = 0",
        lambda b, t: 1 - b ** (t - 1),
        corrected,
    ),
    ("the step count t is counted twice per step", lambda b, t: 1 - b ** (2 * t), lambda b, t: 1 - b ** (2 * t)),
    (
        "the step count t is counted twice per step (from 0)",
        lambda b, t: 1 - b ** (2 * t - 1),
        lambda b, t: 1 - b ** (2 * t - 1),
    ),
    (
        "the step count t is one ahead (incremented before use and started at 1)",
        lambda b, t: 1 - b ** (t + 1),
        lambda b, t: 1 - b ** (t + 1),
    ),
)


def rms_no_sqrt(self, state, p, g, lr):
    """RMSprop dividing by the running mean square itself."""
    s = state.setdefault("square_avg", np.zeros_like(p))
    s *= self.rho
    s += (1 - self.rho) * g * g
    p -= lr * g / (s + self.eps)


def adagrad_no_sqrt(self, state, p, g, lr):
    """Adagrad dividing by the summed squares themselves."""
    G = state.setdefault("sum", np.full_like(p, self.initial_accumulator))
    G += g * g
    p -= lr * g / (G + self.eps)


def dampened(d: float):
    """PyTorch's SGD momentum with ``dampening=d``: the first step's buffer is g itself."""

    def _update(self, state, p, g, lr):
        if "velocity" not in state:
            state["velocity"] = np.array(g, copy=True)
        else:
            state["velocity"] *= self.momentum
            state["velocity"] += (1 - d) * g
        p -= lr * state["velocity"]

    return _update


FORMS = {
    ("sgd", "pytorch"): "v = mu v + g; w -= lr v (PyTorch)",
    ("sgd", "keras"): "v = mu v - lr g; w += v (Keras, the book's)",
    ("rmsprop", "pytorch"): "g / (sqrt(s) + eps): eps outside the square root (PyTorch)",
    ("rmsprop", "keras"): "g / sqrt(s + eps): eps inside the square root (Keras)",
    ("adagrad", "pytorch"): "g / (sqrt(G) + eps): eps outside the square root (PyTorch)",
    ("adagrad", "keras"): "g / sqrt(G + eps): eps inside the square root (Keras)",
    ("adam", "pytorch"): "m_hat / (sqrt(v_hat) + eps) (PyTorch)",
    ("adam", "keras"): "lr sqrt(1 - b2**t) / (1 - b1**t) m / (sqrt(v) + eps), Keras's epsilon hat",
}
