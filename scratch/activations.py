"""Activation functions, forward and backward side by side.

Each maps ``X: (n, k) -> (n, k)``; ``backward(dL/dY) -> dL/dX``. Derivatives at the
kinks follow PyTorch and TensorFlow: ReLU'(0) = 0, LeakyReLU'(0) = alpha.

``ACTIVATIONS`` is the one table of them: the spec's names resolve through it, and the
validation of hand-written networks reads the same ``f`` and ``derivative`` from it (to
recognise a user's activation, and to recompute a step with a mistake made). Adding an
activation is one class here, listed in ``ACTIVATIONS``.
"""

from __future__ import annotations

import numpy as np

from ._registry import lookup
from ._rows import row_max, row_sum


class Activation:
    """Base: ``forward`` stores ``output``, and ``inputs`` where the derivative needs them
    (``keeps_inputs``; those whose derivative is a function of the output leave ``inputs``
    None, so the layer before them need not keep its pre-activation array alive).

    A subclass gives ``f`` (the function, no state), ``derivative`` (f' from the output, the
    tutorials' form) and, where ``dL/dY * f'(Y)`` is not how it back-propagates, ``_df``."""

    name = "activation"
    keeps_inputs = True

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    @staticmethod
    def f(X: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def derivative(self, Y: np.ndarray) -> np.ndarray | None:
        """``f'(z)`` elementwise, written in the output ``Y = f(z)``; None where the Jacobian
        is not diagonal (softmax)."""
        raise NotImplementedError

    @classmethod
    def from_sample(cls, X: np.ndarray, Y: np.ndarray) -> Activation:
        """The instance whose parameters best explain ``Y = f(X)`` (none: the default one);
        validation uses it to read a user's activation, parameters included."""
        return cls()

    def forward(self, X: np.ndarray) -> np.ndarray:
        self.inputs = X if self.keeps_inputs else None
        self.output = self.f(X)
        return self.output

    def backward(self, dvalues: np.ndarray) -> np.ndarray:
        self.dinputs = self._df(dvalues)
        return self.dinputs

    def _df(self, dvalues: np.ndarray) -> np.ndarray:
        return dvalues * self.derivative(self.output)

    def params(self) -> list:
        """Activations have nothing to train."""
        return []


class Linear(Activation):
    """Identity: ``y = x``; ``dy/dx = 1``."""

    name = "linear"
    keeps_inputs = False
    f = staticmethod(lambda X: X)

    def derivative(self, Y):
        return np.ones_like(Y)

    def _df(self, dvalues):
        return dvalues


class ReLU(Activation):
    """``y = max(0, x)``; ``dy/dx = 1 if x > 0 else 0``, i.e. where ``y > 0`` (the same
    test: no ``inputs`` kept)."""

    name = "relu"
    keeps_inputs = False
    # max(X, 0.0), not the tutorials' max(0, X): the same numbers (up to the sign of a zero),
    # ~1.5x faster, since NumPy's vectorised loop wants the array first and a float scalar.
    f = staticmethod(lambda X: np.maximum(X, 0.0))

    def derivative(self, Y):
        return (Y > 0).astype(Y.dtype)


class LeakyReLU(Activation):
    """``y = x if x > 0 else alpha * x``; ``dy/dx = 1 if x > 0 else alpha``. PyTorch's
    default alpha is 0.01, Keras's 0.3: a spec always names it (``leaky_alpha``)."""

    name = "leaky_relu"

    def __init__(self, alpha: float = 0.01) -> None:
        self.alpha = float(alpha)

    def __repr__(self) -> str:
        return f"LeakyReLU(alpha={self.alpha})"

    @classmethod
    def from_sample(cls, X, Y):
        """The slope ``alpha``: the mean of ``y / x`` over the negative inputs."""
        neg = X < 0
        return cls(float(np.mean(Y[neg] / X[neg])) if neg.any() else 0.0)

    def f(self, X):
        return np.where(X > 0, X, self.alpha * X)

    def derivative(self, Y):
        return np.where(Y > 0, 1.0, self.alpha).astype(Y.dtype)  # y > 0 where x > 0, for alpha > 0

    def _df(self, dvalues):
        return np.where(self.inputs > 0, dvalues, self.alpha * dvalues)


class Sigmoid(Activation):
    """``y = 1 / (1 + exp(-x))``; ``dy/dx = y (1 - y)``.

    The tutorials' formula, bit for bit. For x < -709 ``exp(-x)`` overflows to inf and
    ``1 / inf`` is exactly 0, the correct limit, so the overflow warning is silenced.
    """

    name = "sigmoid"
    keeps_inputs = False

    @staticmethod
    def f(X):
        with np.errstate(over="ignore"):
            return 1 / (1 + np.exp(-X))

    def derivative(self, Y):
        return Y * (1 - Y)

    def _df(self, dvalues):
        return dvalues * self.output * (1 - self.output)  # the tutorials' order of products


class Tanh(Activation):
    """``y = tanh(x)``; ``dy/dx = 1 - y^2``."""

    name = "tanh"
    keeps_inputs = False
    f = staticmethod(np.tanh)

    def derivative(self, Y):
        return 1 - Y**2


class Softmax(Activation):
    """Row-wise ``y_i = exp(x_i - max x) / sum_j exp(x_j - max x)`` (the shift avoids overflow).

    Backward applies each row's Jacobian ``diag(y) - y y^T`` without forming it:
    ``dL/dx = y * (dL/dy - sum_j dL/dy_j y_j)``.
    """

    name = "softmax"
    keeps_inputs = False

    @staticmethod
    def f(X):
        exp_values = np.exp(X - row_max(X))  # row_max, row_sum: np.max, np.sum over axis 1
        return exp_values / row_sum(exp_values)

    def derivative(self, Y):
        return None

    def _df(self, dvalues):
        y = self.output
        return y * (dvalues - row_sum(dvalues * y))


ACTIVATIONS: dict[str, type[Activation]] = {cls.name: cls for cls in (Linear, ReLU, LeakyReLU, Sigmoid, Tanh, Softmax)}


def get_activation(name: str, **kwargs) -> Activation:
    """A new activation by name, e.g. ``get_activation("leaky_relu", alpha=0.2)``."""
    return lookup(ACTIVATIONS, "activation", name)(**kwargs)
