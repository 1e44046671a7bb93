"""Optimizers: each updates ``(parameter, gradient)`` pairs in place, one ``step`` per batch.

Where frameworks write the same algorithm differently, ``convention`` picks the form, so
the scratch network can follow either one step for step:

====================  ===========================================  =============================================
update                ``convention="pytorch"``                     ``convention="keras"`` (also scikit-learn)
====================  ===========================================  =============================================
SGD + momentum        ``v = mu v + g;  p -= lr v``                 ``v = mu v - lr g;  p += v``
SGD + Nesterov        ``v = mu v + g;  p -= lr (g + mu v)``        ``v = mu v - lr g;  p += mu v - lr g``
Adam                  ``p -= lr m^ / (sqrt(v^) + eps)``            ``p -= lr_t m / (sqrt(v) + eps)``
RMSprop               ``p -= lr g / (sqrt(s) + eps)``              ``p -= lr g / sqrt(s + eps)``
Adagrad               ``p -= lr g / (sqrt(G) + eps)``              ``p -= lr g / sqrt(G + eps)``
====================  ===========================================  =============================================

Adam's corrections: ``m^ = m / (1 - b1^t)``, ``v^ = v / (1 - b2^t)``, ``lr_t = lr sqrt(1 - b2^t) / (1 - b1^t)``.

With a constant learning rate the two momentum forms are the same algorithm; Adam's
differ in where eps sits (Keras's "epsilon hat"). Defaults below are the published ones
(PyTorch's numbers); a ``ModelSpec`` always states every value.

Common options:

- ``decay``: inverse-time learning-rate decay, ``lr_t = lr / (1 + decay * t)`` with t the
  number of steps taken (Keras 2's ``decay``, PyTorch Adagrad's ``lr_decay``);
  ``decay_form="multiply"`` computes ``lr * (1 / (1 + decay * t))`` instead, as the NNFS book
  and PyTorch's ``LambdaLR`` do (it differs in the last bit at some steps).
- ``weight_decay``: L2 penalty ``(wd/2) ||p||^2`` added to the loss, i.e. ``g += wd * p``
  before the update (PyTorch's ``weight_decay``); applied to every parameter given.
"""

from __future__ import annotations

import math

import numpy as np

from ._registry import lookup

CONVENTIONS = ("pytorch", "keras")
#: learning-rate decay form -> the rate after t steps, ``(lr, decay, t) -> lr_t`` (t a number or an array)
DECAY_FORMS = {
    "divide": lambda lr, d, t: lr / (1.0 + d * t),  # Keras
    "multiply": lambda lr, d, t: lr * (1.0 / (1.0 + d * t)),  # the NNFS book, torch's LambdaLR
}


class Optimizer:
    """Base: learning-rate decay, L2 weight decay, per-parameter state, step counting."""

    name = "optimizer"

    def __init__(
        self,
        lr: float,
        *,
        decay: float = 0.0,
        weight_decay: float = 0.0,
        convention: str = "pytorch",
        decay_form: str = "divide",
    ) -> None:
        if not lr > 0:
            raise ValueError(f"learning rate must be positive, got {lr}")
        if convention not in CONVENTIONS:
            raise ValueError(f"unknown convention {convention!r}; choose one of: {', '.join(CONVENTIONS)}")
        if decay_form not in DECAY_FORMS:
            raise ValueError(f"unknown decay_form {decay_form!r}; choose one of: {', '.join(DECAY_FORMS)}")
        self.lr, self.decay, self.weight_decay, self.convention = (
            float(lr),
            float(decay),
            float(weight_decay),
            convention,
        )
        self.decay_form = decay_form
        self.iterations = 0
        self.state: dict[int, dict[str, np.ndarray]] = {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(lr={self.lr}, convention={self.convention!r})"

    @property
    def current_lr(self) -> float:
        """Learning rate for the next step: ``lr / (1 + decay * t)`` (or ``lr * (1 / ...)``)."""
        return DECAY_FORMS[self.decay_form](self.lr, self.decay, self.iterations)

    def step(self, params: list[tuple[np.ndarray, np.ndarray]]) -> None:
        """Apply one update to every ``(p, g)`` pair, in place; pairs keep their order."""
        lr = self.current_lr
        for i, (p, g) in enumerate(params):
            if self.weight_decay:
                g = g + self.weight_decay * p
            self._update(self.state.setdefault(i, {}), p, g, lr)
        self.iterations += 1

    def _update(self, state: dict, p: np.ndarray, g: np.ndarray, lr: float) -> None:
        raise NotImplementedError


def _zeros(state: dict, key: str, like: np.ndarray, fill: float = 0.0) -> np.ndarray:
    if key not in state:
        state[key] = np.full_like(like, fill)
    return state[key]


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with (Nesterov) momentum ``mu``."""

    name = "sgd"

    def __init__(self, lr: float = 0.01, momentum: float = 0.0, nesterov: bool = False, **kw) -> None:
        super().__init__(lr, **kw)
        if nesterov and not momentum > 0:
            raise ValueError("Nesterov momentum needs momentum > 0")
        self.momentum, self.nesterov = float(momentum), bool(nesterov)

    def _update(self, state, p, g, lr):
        mu = self.momentum
        if not mu:
            p -= lr * g
            return
        v = _zeros(state, "velocity", p)
        if self.convention == "pytorch":
            v *= mu
            v += g
            p -= lr * (g + mu * v) if self.nesterov else lr * v
        else:
            v *= mu
            v -= lr * g
            p += mu * v - lr * g if self.nesterov else v


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015): bias-corrected first and second moment estimates."""

    name = "adam"

    def __init__(self, lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8, **kw) -> None:
        super().__init__(lr, **kw)
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), float(eps)

    def _update(self, state, p, g, lr):
        b1, b2, t = self.beta1, self.beta2, self.iterations + 1
        m, v = _zeros(state, "m", p), _zeros(state, "v", p)
        m += (1 - b1) * (g - m)
        v *= b2
        v += (1 - b2) * g * g
        c1, c2 = 1 - b1**t, 1 - b2**t
        if self.convention == "pytorch":
            p -= (lr / c1) * m / (np.sqrt(v) / math.sqrt(c2) + self.eps)
        else:
            p -= (lr * math.sqrt(c2) / c1) * m / (np.sqrt(v) + self.eps)


class RMSprop(Optimizer):
    """RMSprop (Hinton 2012): divide by a running RMS of the gradients, decay ``rho``.

    Momentum, if any: PyTorch keeps ``b = mu b + g / d`` and steps ``lr b``; Keras keeps
    ``b = mu b + lr g / d`` and steps ``b`` (d the denominator of the convention).
    """

    name = "rmsprop"

    def __init__(self, lr: float = 0.01, rho: float = 0.99, eps: float = 1e-8, momentum: float = 0.0, **kw) -> None:
        super().__init__(lr, **kw)
        self.rho, self.eps, self.momentum = float(rho), float(eps), float(momentum)

    def _update(self, state, p, g, lr):
        s = _zeros(state, "square_avg", p)
        s *= self.rho
        s += (1 - self.rho) * g * g
        denom = np.sqrt(s) + self.eps if self.convention == "pytorch" else np.sqrt(s + self.eps)
        if not self.momentum:
            p -= lr * g / denom
            return
        b = _zeros(state, "momentum", p)
        b *= self.momentum
        if self.convention == "pytorch":
            b += g / denom
            p -= lr * b
        else:
            b += lr * g / denom
            p -= b


class Adagrad(Optimizer):
    """Adagrad (Duchi et al. 2011): divide by the root of the summed squared gradients.

    ``initial_accumulator`` starts G (PyTorch 0.0, Keras 0.1).
    """

    name = "adagrad"

    def __init__(self, lr: float = 0.01, eps: float = 1e-10, initial_accumulator: float = 0.0, **kw) -> None:
        super().__init__(lr, **kw)
        self.eps, self.initial_accumulator = float(eps), float(initial_accumulator)

    def _update(self, state, p, g, lr):
        G = _zeros(state, "sum", p, self.initial_accumulator)
        G += g * g
        denom = np.sqrt(G) + self.eps if self.convention == "pytorch" else np.sqrt(G + self.eps)
        p -= lr * g / denom


OPTIMIZERS: dict[str, type[Optimizer]] = {cls.name: cls for cls in (SGD, Adam, RMSprop, Adagrad)}


def get_optimizer(name: str, **kwargs) -> Optimizer:
    """A new optimizer by name, e.g. ``get_optimizer("adam", lr=0.01)``."""
    return lookup(OPTIMIZERS, "optimizer", name)(**kwargs)
