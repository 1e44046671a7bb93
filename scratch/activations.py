"""Activation functions, forward and backward side by side.

Each maps ``X: (n, k) -> (n, k)``; ``backward(dL/dY) -> dL/dX``. Derivatives at the
kinks follow PyTorch and TensorFlow: ReLU'(0) = 0, LeakyReLU'(0) = alpha.
"""

from __future__ import annotations

import numpy as np

from ._registry import lookup
from ._rows import row_max, row_sum


class Activation:
    """Base: stores ``output``, and ``inputs`` where the derivative needs them
    (``keeps_inputs``; those whose derivative is a function of the output leave ``inputs``
    None, so the layer before them need not keep its pre-activation array alive).

    For a caller that owns the arrays and reads them no more (``Sequential``'s training
    step), each saving one ``(n, k)`` array: ``forward(X, in_place=True)`` may write ``output``
    into ``X``; ``backward(dvalues, in_place=True)`` may write ``dL/dX`` into ``dvalues`` (then
    also ``dinputs``); ``release_output()`` hands ``output`` over to be overwritten, keeping
    what ``backward`` needs in a smaller form where there is one (ReLU's 1-byte mask)."""

    name = "activation"
    keeps_inputs = True

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def forward(self, X: np.ndarray, in_place: bool = False) -> np.ndarray:
        self.inputs = X if self.keeps_inputs else None
        self.output = self._f_(X) if in_place else self._f(X)
        return self.output

    def _f_(self, X: np.ndarray) -> np.ndarray:
        """``_f`` into ``X`` (the same numbers); by default not in place."""
        return self._f(X)

    def release_output(self) -> np.ndarray | None:
        """``output``, handed over to be overwritten (then None here), where ``backward``
        can do without it; None (and ``output`` kept) where the derivative reads it."""
        return None

    def backward(self, dvalues: np.ndarray, in_place: bool = False) -> np.ndarray:
        self.dinputs = self._df_(dvalues) if in_place else self._df(dvalues)
        return self.dinputs

    def _df_(self, dvalues: np.ndarray) -> np.ndarray:
        """``_df`` into ``dvalues`` (the same numbers); by default not in place."""
        return self._df(dvalues)

    def params(self) -> list:
        """Activations have nothing to train."""
        return []

    def _buffer(self, name: str, like: np.ndarray, dtype=None) -> np.ndarray:
        """A scratch array shaped like ``like``, kept and reused while shapes repeat (every
        full-batch step): no fresh allocation, and no page faults, per step."""
        dtype = like.dtype if dtype is None else np.dtype(dtype)
        buf = self.__dict__.get(name)
        if buf is None or buf.shape != like.shape or buf.dtype != dtype:
            buf = self.__dict__[name] = np.empty(like.shape, dtype)
        return buf


class Linear(Activation):
    """Identity: ``y = x``."""

    name = "linear"
    _f = staticmethod(lambda X: X)

    def _df(self, dvalues):
        return dvalues


class ReLU(Activation):
    """``y = max(0, x)``; ``dy/dx = 1 if x > 0 else 0``, i.e. where ``y > 0`` (the same
    test: no ``inputs`` kept)."""

    name = "relu"
    keeps_inputs = False
    # max(X, 0.0), not the tutorials' max(0, X): the same numbers (up to the sign of a zero),
    # ~1.5x faster, since NumPy's vectorised loop wants the array first and a float scalar.
    _f = staticmethod(lambda X: np.maximum(X, 0.0))
    _f_ = staticmethod(lambda X: np.maximum(X, 0.0, out=X))

    def _positive(self, like) -> np.ndarray:
        """The mask ``y > 0``, from ``output``, or as taken when ``output`` was released."""
        if self.output is None:
            return self._mask
        return np.greater(self.output, 0, out=self._buffer("_mask", like, bool))

    def release_output(self):
        self._positive(self.output)  # backward needs only y > 0: one byte per entry, not eight
        out, self.output = self.output, None
        return out

    def _df(self, dvalues):
        # dvalues * (y > 0): the same numbers as np.where(x > 0, dvalues, 0) (up to the
        # sign of a zero) at ~1/16 of its time, since the multiply has no data-dependent
        # branch. Mask and result go into arrays reused across steps (so ``dinputs`` is
        # overwritten by the next backward pass; copy it to keep it).
        return np.multiply(dvalues, self._positive(dvalues), out=self._buffer("_dinputs", dvalues))

    def _df_(self, dvalues):
        return np.multiply(dvalues, self._positive(dvalues), out=dvalues)


class LeakyReLU(Activation):
    """``y = x if x > 0 else alpha * x``. PyTorch's default alpha is 0.01, Keras's 0.3:
    a spec always names it."""

    name = "leaky_relu"

    def __init__(self, alpha: float = 0.01) -> None:
        self.alpha = float(alpha)

    def __repr__(self) -> str:
        return f"LeakyReLU(alpha={self.alpha})"

    def _f(self, X):
        return np.where(X > 0, X, self.alpha * X)

    def _df(self, dvalues):
        return np.where(self.inputs > 0, dvalues, self.alpha * dvalues)

    def _df_(self, dvalues):
        # alpha * d where x is not > 0 (NaN included, as np.where), d elsewhere, in place
        return np.multiply(dvalues, self.alpha, out=dvalues, where=~(self.inputs > 0))


class Sigmoid(Activation):
    """``y = 1 / (1 + exp(-x))``; ``dy/dx = y (1 - y)``.

    The tutorials' formula, bit for bit. For x < -709 ``exp(-x)`` overflows to inf and
    ``1 / inf`` is exactly 0, the correct limit, so the overflow warning is silenced.
    """

    name = "sigmoid"
    keeps_inputs = False

    @staticmethod
    def _f(X):
        with np.errstate(over="ignore"):
            return 1 / (1 + np.exp(-X))

    @staticmethod
    def _f_(X):
        with np.errstate(over="ignore"):  # _f's operations in its order, each into X
            np.exp(np.negative(X, out=X), out=X)
            X += 1
            return np.divide(1, X, out=X)

    def _df(self, dvalues):
        return dvalues * self.output * (1 - self.output)

    def _df_(self, dvalues):
        np.multiply(dvalues, self.output, out=dvalues)  # (d * y) * (1 - y), in _df's order
        return np.multiply(dvalues, 1 - self.output, out=dvalues)


class Tanh(Activation):
    """``y = tanh(x)``; ``dy/dx = 1 - y^2``."""

    name = "tanh"
    keeps_inputs = False
    _f = staticmethod(np.tanh)
    _f_ = staticmethod(lambda X: np.tanh(X, out=X))

    def _df(self, dvalues):
        return dvalues * (1 - self.output**2)

    def _df_(self, dvalues):
        return np.multiply(dvalues, 1 - self.output**2, out=dvalues)


class Softmax(Activation):
    """Row-wise ``y_i = exp(x_i - max x) / sum_j exp(x_j - max x)`` (the shift avoids overflow).

    Backward applies each row's Jacobian ``diag(y) - y y^T`` without forming it:
    ``dL/dx = y * (dL/dy - sum_j dL/dy_j y_j)``.
    """

    name = "softmax"
    keeps_inputs = False

    @staticmethod
    def _f(X):
        exp_values = np.exp(X - row_max(X))  # row_max, row_sum: np.max, np.sum over axis 1
        return exp_values / row_sum(exp_values)

    def _df(self, dvalues):
        y = self.output
        return y * (dvalues - row_sum(dvalues * y))


ACTIVATIONS: dict[str, type[Activation]] = {cls.name: cls for cls in (Linear, ReLU, LeakyReLU, Sigmoid, Tanh, Softmax)}


def get_activation(name: str, **kwargs) -> Activation:
    """A new activation by name, e.g. ``get_activation("leaky_relu", alpha=0.2)``."""
    return lookup(ACTIVATIONS, "activation", name)(**kwargs)
