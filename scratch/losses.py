"""Losses. By default every loss is the **mean over samples** (and over outputs where
there are several), with no 1/2 factor; ``backward`` returns the gradient of that mean.

Tutorials and courses often write other reductions: the sum over the batch, or
``1/2 * sum (y - p)^2`` whose gradient is plainly ``p - y``. Every loss takes
``reduction="mean" | "sum"`` (sum over samples and, for element-wise losses, outputs: PyTorch's
``reduction="sum"``) and ``scale`` (a constant factor, 0.5 for the 1/2 convention); the value
and gradient are those of the mean times ``scale * count`` (count = 1 for the mean).

Interface (as in the tutorials): ``forward(y_pred, y_true) -> (n,)`` per-sample losses,
``calculate(y_pred, y_true) -> float`` their mean, ``backward(y_pred, y_true) -> dL/dy_pred``.

``y_true`` for classification is either integer labels ``(n,)`` or one-hot ``(n, k)``.

Probability losses clip predictions to ``[eps, 1 - eps]`` (eps = 1e-7, Keras's
``epsilon()``, also the seed tutorial's) so ``log(0)`` never happens; the gradient is the
exact derivative of the clipped loss (zero where clipped). The fused losses work on logits
with log-sum-exp and need no clipping: they are what the models train with when the output
layer is softmax/sigmoid (PyTorch's ``CrossEntropyLoss``/``BCEWithLogitsLoss`` and Keras's
``from_logits`` path compute the same thing).
"""

from __future__ import annotations

import numpy as np

from ._registry import lookup
from ._rows import row_max, row_sum
from .activations import Sigmoid, Softmax

EPS = 1e-7


def one_hot(y: np.ndarray, k: int, dtype) -> np.ndarray:
    """Integer labels ``(n,)`` -> one-hot ``(n, k)``; one-hot input passes through."""
    y = np.asarray(y)
    if y.ndim == 2:
        if y.shape[1] != k:
            raise ValueError(f"one-hot labels have {y.shape[1]} columns but the output has {k}")
        return y.astype(dtype, copy=False)
    if y.ndim != 1:
        raise ValueError(f"labels must be (n,) integers or (n, k) one-hot, got shape {y.shape}")
    if y.size and (y.min() < 0 or y.max() >= k):
        raise ValueError(f"labels must lie in [0, {k - 1}] for {k} outputs, got [{y.min()}, {y.max()}]")
    out = np.zeros((y.shape[0], k), dtype=dtype)
    out[np.arange(y.shape[0]), y.astype(np.intp)] = 1
    return out


def as_column_targets(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Targets shaped like ``y_pred``: ``(n,)`` becomes ``(n, 1)`` for a single output."""
    y = np.asarray(y_true)
    if y.ndim == 1 and y_pred.ndim == 2 and y_pred.shape[1] == 1:
        y = y[:, None]
    if y.shape != y_pred.shape:
        raise ValueError(f"targets of shape {np.shape(y_true)} do not match predictions of shape {y_pred.shape}")
    return y.astype(y_pred.dtype, copy=False)


REDUCTIONS = ("mean", "sum")


class Loss:
    """Base: ``calculate`` is the reduced ``forward``; ``backward`` the gradient of that.

    Subclasses give ``forward`` (per-sample losses, averaged over outputs) and
    ``_backward`` (the gradient of the batch mean); ``elementwise`` says whether "sum" also
    sums over outputs (MSE, BCE) or over samples only (categorical cross-entropy).
    """

    name = "loss"
    expects_logits = False
    elementwise = True

    def __init__(self, reduction: str = "mean", scale: float = 1.0) -> None:
        if reduction not in REDUCTIONS:
            raise ValueError(f"unknown reduction {reduction!r}; choose one of: {', '.join(REDUCTIONS)}")
        self.reduction, self.scale = reduction, float(scale)

    def __repr__(self) -> str:
        args = [] if self.reduction == "mean" else [f"reduction={self.reduction!r}"]
        args += [] if self.scale == 1 else [f"scale={self.scale:g}"]
        return f"{type(self).__name__}({', '.join(args)})"

    def factor(self, y_pred: np.ndarray) -> float:
        """Reduced loss / mean loss: ``scale`` times the number of terms summed."""
        count = 1 if self.reduction == "mean" else y_pred.size if self.elementwise else y_pred.shape[0]
        return self.scale * count

    def calculate(self, y_pred: np.ndarray, y_true: np.ndarray) -> float:
        """The batch loss: the mean of ``forward``, times ``factor`` for other reductions."""
        return float(np.mean(self.forward(y_pred, y_true))) * self.factor(y_pred)

    def backward(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
        """``dL/dy_pred``, the shape of ``y_pred``."""
        return self._scaled(self._backward(y_pred, y_true), y_pred)

    def _scaled(self, grad: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        factor = self.factor(y_pred)
        return grad if factor == 1 else grad * np.asarray(factor, grad.dtype)

    def loss_and_gradient(
        self, y_pred: np.ndarray, y_true: np.ndarray, *, check: bool = True
    ) -> tuple[float, np.ndarray]:
        """``(calculate, backward)`` in one call: what a training step needs. The fused
        losses override it to share their work between the two (one pass); ``check=False``
        skips re-validating labels a caller has already checked."""
        return self.calculate(y_pred, y_true), self.backward(y_pred, y_true)

    def predictions(self, y_pred: np.ndarray) -> np.ndarray:
        """The model's outputs from this loss's input: itself; the fused losses, given
        logits, apply the output activation they absorbed."""
        return y_pred


class MeanSquaredError(Loss):
    """``L = mean_{i,j} (y_pred - y)^2``; ``dL/dy_pred = 2 (y_pred - y) / (n k)``."""

    name = "mse"

    def forward(self, y_pred, y_true):
        y = as_column_targets(y_true, y_pred)
        return np.mean((y_pred - y) ** 2, axis=-1)

    def _backward(self, y_pred, y_true):
        y = as_column_targets(y_true, y_pred)
        return 2 * (y_pred - y) / y_pred.size


class BinaryCrossEntropy(Loss):
    """``L = -mean_{i,j} [y log p + (1 - y) log(1 - p)]`` with p clipped to [eps, 1 - eps].

    ``y_pred`` are probabilities ``(n, k)`` (k independent sigmoid outputs).
    """

    name = "binary_crossentropy"

    def __init__(self, eps: float = EPS, reduction: str = "mean", scale: float = 1.0) -> None:
        super().__init__(reduction, scale)
        self.eps = eps

    def forward(self, y_pred, y_true):
        y = as_column_targets(y_true, y_pred)
        p = np.clip(y_pred, self.eps, 1 - self.eps)
        return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p), axis=-1)

    def _backward(self, y_pred, y_true):
        y = as_column_targets(y_true, y_pred)
        p = np.clip(y_pred, self.eps, 1 - self.eps)
        inside = (y_pred > self.eps) & (y_pred < 1 - self.eps)
        return np.where(inside, (p - y) / (p * (1 - p)), 0) / y_pred.size


class CategoricalCrossEntropy(Loss):
    """``L = -mean_i log p_{i, y_i}`` with p clipped to [eps, 1 - eps] (the seed tutorial's
    ``Loss_CategoricalCrossentropy``). ``y_pred``: probabilities ``(n, k)``; labels ``(n,)``
    or one-hot ``(n, k)``."""

    name = "categorical_crossentropy"
    elementwise = False

    def __init__(self, eps: float = EPS, reduction: str = "mean", scale: float = 1.0) -> None:
        super().__init__(reduction, scale)
        self.eps = eps

    def forward(self, y_pred, y_true):
        y = one_hot(y_true, y_pred.shape[1], y_pred.dtype)
        p = np.clip(y_pred, self.eps, 1 - self.eps)
        return -np.log(np.sum(p * y, axis=1))

    def _backward(self, y_pred, y_true):
        y = one_hot(y_true, y_pred.shape[1], y_pred.dtype)
        p = np.clip(y_pred, self.eps, 1 - self.eps)
        inside = (y_pred > self.eps) & (y_pred < 1 - self.eps)
        return np.where(inside, -y / p, 0) / y_pred.shape[0]


class SoftmaxCrossEntropy(Loss):
    """Softmax followed by categorical cross-entropy, on logits ``z: (n, k)``.

    ``L = mean_i [logsumexp(z_i) - z_{i, y_i}]``; the Jacobians of softmax and the log
    cancel to the simplified gradient ``dL/dz = (softmax(z) - y) / n``.
    """

    name = "softmax_crossentropy"
    expects_logits = True
    elementwise = False

    def forward(self, logits, y_true):
        y = one_hot(y_true, logits.shape[1], logits.dtype)
        shifted = logits - row_max(logits)  # row_max, row_sum: np.max, np.sum over axis 1, faster
        log_probs = shifted - np.log(row_sum(np.exp(shifted)))
        return -np.sum(log_probs * y, axis=1)

    def _backward(self, logits, y_true):
        y = one_hot(y_true, logits.shape[1], logits.dtype)
        return (Softmax.f(logits) - y) / logits.shape[0]

    def predictions(self, logits):
        return Softmax.f(logits)

    def loss_and_gradient(self, logits, y_true, *, check=True):
        """Loss and gradient in one pass, the same numbers as ``calculate`` and ``backward``:
        the exponentials are computed once and become the softmax in place, and with
        integer labels the one-hot matrix is never built (``p[i, y_i] -= 1``)."""
        y_true = np.asarray(y_true)
        if y_true.ndim != 1 or not np.issubdtype(y_true.dtype, np.integer):
            return super().loss_and_gradient(logits, y_true)
        n, k = logits.shape
        if check and y_true.size and (y_true.min() < 0 or y_true.max() >= k):
            one_hot(y_true, k, logits.dtype)  # raises the usual message
        rows = np.arange(n)
        shifted = logits - row_max(logits)
        exp_values = np.exp(shifted)
        sums = row_sum(exp_values)
        picked = shifted[rows, y_true] - np.log(sums[:, 0])  # log p of each true class
        loss = -float(picked.sum() / n) * self.factor(
            logits
        )  # np.mean(picked): the same sum and division, less overhead
        grad = exp_values
        grad /= sums  # softmax(z), in place
        grad[rows, y_true] -= 1
        grad /= n
        return loss, self._scaled(grad, logits)


class SigmoidBinaryCrossEntropy(Loss):
    """Sigmoid followed by binary cross-entropy, on logits ``z: (n, k)``.

    ``L = mean_{i,j} [max(z, 0) - z y + log(1 + exp(-|z|))]`` (never overflows);
    ``dL/dz = (sigmoid(z) - y) / (n k)``: seed 001's ``dz2 = a2 - y`` divided by m.
    """

    name = "sigmoid_binary_crossentropy"
    expects_logits = True

    def forward(self, logits, y_true):
        y = as_column_targets(y_true, logits)
        return np.mean(np.maximum(logits, 0) - logits * y + np.log1p(np.exp(-np.abs(logits))), axis=-1)

    def _backward(self, logits, y_true):
        y = as_column_targets(y_true, logits)
        return (Sigmoid.f(logits) - y) / logits.size

    def predictions(self, logits):
        return Sigmoid.f(logits)

    def loss_and_gradient(self, logits, y_true, *, check=True):
        """Loss and gradient in one call, the same numbers as ``calculate`` and ``backward``,
        with the targets converted once and the gradient formed in place."""
        y = as_column_targets(y_true, logits)
        per_sample = np.mean(np.maximum(logits, 0) - logits * y + np.log1p(np.exp(-np.abs(logits))), axis=-1)
        loss = float(np.mean(per_sample)) * self.factor(logits)
        grad = Sigmoid.f(logits)
        grad -= y
        grad /= logits.size
        return loss, self._scaled(grad, logits)


LOSSES: dict[str, type[Loss]] = {
    cls.name: cls
    for cls in (
        MeanSquaredError,
        BinaryCrossEntropy,
        CategoricalCrossEntropy,
        SoftmaxCrossEntropy,
        SigmoidBinaryCrossEntropy,
    )
}

# Output activation + probability loss -> the fused loss on logits that replaces them.
FUSED: dict[tuple[str, str], type[Loss]] = {
    ("softmax", "categorical_crossentropy"): SoftmaxCrossEntropy,
    ("sigmoid", "binary_crossentropy"): SigmoidBinaryCrossEntropy,
}


def get_loss(name: str, **kwargs) -> Loss:
    """A new loss by name, e.g. ``get_loss("categorical_crossentropy")``."""
    return lookup(LOSSES, "loss", name)(**kwargs)
