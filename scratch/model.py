"""A Sequential model: layers in order, a loss, an optimizer, and a training loop."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from . import lean
from ._rng import RNG, as_rng
from .activations import Activation, get_activation
from .layers import Dense, Dropout
from .losses import FUSED, Loss, get_loss
from .metrics import accuracy, labels_from_outputs
from .optimizers import Optimizer, get_optimizer


@dataclass
class History:
    """Per-epoch training record (Keras's ``History.history`` as attributes).

    ``loss[e]`` and ``accuracy[e]`` are the sample-weighted means over the batches of epoch
    ``e``, each measured on the forward pass that produced the gradient, i.e. before that
    batch's update (Keras's convention; with full batches it is the loss at each step).
    ``step_loss`` holds every batch loss in order.
    """

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    step_loss: list[float] = field(default_factory=list)

    @property
    def history(self) -> dict[str, list[float]]:
        return {"loss": self.loss, "accuracy": self.accuracy}


def batch_indices(n: int, batch_size: int | None, shuffle: bool, rng: RNG) -> Iterator[np.ndarray]:
    """Row indices of each mini-batch of one epoch; ``batch_size=None`` is one full batch.
    With ``shuffle`` the order is a permutation drawn from ``rng`` (the last batch may be short)."""
    order = as_rng(rng).permutation(n) if shuffle else np.arange(n)
    size = n if batch_size is None else int(batch_size)
    if size < 1:
        raise ValueError(f"batch_size must be a positive integer or None, got {batch_size}")
    for start in range(0, n, size):
        yield order[start : start + size]


class Sequential:
    """Layers applied in order, trained by back-propagation.

    >>> model = Sequential([Dense(2, 8, rng=0), ReLU(), Dense(8, 1, rng=0), Sigmoid()],
    ...                    loss="binary_crossentropy", optimizer=SGD(lr=0.5))
    >>> history = model.fit(X, y, epochs=1000)

    Activation and loss may be given by name. When the last layer is Softmax with
    categorical cross-entropy, or Sigmoid with binary cross-entropy, training uses the fused
    loss on logits (``fuse=True``): stable, unclipped, and the gradient frameworks compute.
    ``fuse=False`` back-propagates through the clipped probability loss instead.

    Every array keeps the model's dtype (that of its first Dense layer): inputs are cast to
    it once, and nothing is upcast on the way.
    """

    def __init__(
        self,
        layers: Sequence[Dense | Activation | str] = (),
        loss: Loss | str | None = None,
        optimizer: Optimizer | str | None = None,
        *,
        fuse: bool = True,
    ) -> None:
        self.layers: list = []
        for layer in layers:
            self.add(layer)
        self.fuse = fuse
        self.compile(loss, optimizer)

    def add(self, layer: Dense | Activation | str) -> None:
        """Append a layer (an activation may be named, e.g. ``"relu"``)."""
        self.layers.append(get_activation(layer) if isinstance(layer, str) else layer)

    def compile(self, loss: Loss | str | None, optimizer: Optimizer | str | None) -> None:
        """Set the loss and optimizer (by name or instance)."""
        self.loss = get_loss(loss) if isinstance(loss, str) else loss
        self.optimizer = get_optimizer(optimizer) if isinstance(optimizer, str) else optimizer

    # ---- structure -------------------------------------------------------------------
    @property
    def dense_layers(self) -> list[Dense]:
        return [layer for layer in self.layers if isinstance(layer, Dense)]

    @property
    def dtype(self) -> np.dtype:
        dense = self.dense_layers
        if not dense:
            raise ValueError("the model has no Dense layer")
        return dense[0].dtype

    def loss_plan(self) -> tuple[Loss, int]:
        """The loss that training differentiates, and how many layers come before its input
        (all of them, or all but the output activation a fused softmax/sigmoid loss on
        logits replaces)."""
        if self.loss is None:
            raise ValueError("the model needs a loss: call compile(loss, optimizer)")
        last = self.layers[-1] if self.layers else None
        # Built once per (loss, last layer, fuse) and reused by every step.
        cache_key = (self.loss, self.loss.reduction, self.loss.scale, last, len(self.layers), self.fuse)
        cached = getattr(self, "_plan_cache", None)
        if cached is not None and cached[0] == cache_key:
            return cached[1]
        fused = FUSED.get((getattr(last, "name", None), self.loss.name)) if self.fuse else None
        if fused is not None:
            plan = fused(reduction=self.loss.reduction, scale=self.loss.scale), len(self.layers) - 1
        else:
            plan = self.loss, len(self.layers)
        self._plan_cache = (cache_key, plan)
        return plan

    def get_weights(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Copies of ``(W, b)`` per Dense layer, ``W: (fan_in, fan_out)``, ``b: (fan_out,)``
        (the layout of ``ModelSpec.init_weights`` and of Keras's ``get_weights``)."""
        return [(d.weights.copy(), d.biases.reshape(-1).copy()) for d in self.dense_layers]

    def set_weights(self, weights: Sequence[tuple[np.ndarray, np.ndarray]]) -> None:
        """Load ``(W, b)`` per Dense layer (b as ``(fan_out,)`` or ``(1, fan_out)``), checking
        shapes; values are cast to the model dtype."""
        dense = self.dense_layers
        if len(weights) != len(dense):
            raise ValueError(f"got weights for {len(weights)} Dense layers, the model has {len(dense)}")
        for d, (W, b) in zip(dense, weights):
            W, b = np.asarray(W), np.asarray(b)
            if W.shape != d.weights.shape or b.size != d.n_neurons or b.ndim > 2:
                raise ValueError(
                    f"{d!r} needs W {d.weights.shape} and b ({d.n_neurons},), got {W.shape} and {np.shape(b)}"
                )
            d.weights[...] = W
            d.biases[...] = b.reshape(1, -1)

    # ---- computation -------------------------------------------------------------------
    def _check_X(self, X) -> np.ndarray:
        X = np.asarray(X)
        if X.ndim == 1:
            X = X[:, None]
        if not np.issubdtype(X.dtype, np.number) or not np.all(np.isfinite(X)):
            raise ValueError("X contains NaN, inf or non-numbers; clean or impute the data first")
        return X.astype(self.dtype, copy=False)

    def forward(self, X: np.ndarray, upto: int | None = None) -> np.ndarray:
        """Run layers ``[:upto]`` (all by default) on ``X: (n, n_in)``, after checking X."""
        out = self._check_X(X)
        for layer in self.layers[:upto]:
            out = layer.forward(out)
        return out

    def backward(self, dvalues: np.ndarray, upto: int | None = None) -> np.ndarray:
        """Back-propagate ``dL/d(output of layer upto-1)`` through layers ``[:upto]``;
        returns ``dL/dX``. Each layer keeps its gradients (Dense: ``dweights``, ``dbiases``)."""
        for layer in reversed(self.layers[:upto]):
            dvalues = layer.backward(dvalues)
        return dvalues

    def params(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """All ``(parameter, gradient)`` pairs, first layer first."""
        return [pair for layer in self.layers for pair in layer.params()]

    def loss_and_gradients(self, X: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        """Forward and backward on one batch without updating: returns (loss, outputs);
        gradients are left in each Dense layer's ``dweights`` / ``dbiases``."""
        loss_fn, body = self.loss_plan()
        z = self.forward(X, upto=body)
        loss, grad = loss_fn.loss_and_gradient(z, y)
        self.backward(grad, upto=body)
        return loss, loss_fn.predictions(z)

    def train_step(self, X: np.ndarray, y: np.ndarray, *, validate: bool = True) -> float:
        """One forward, backward and optimizer update on a batch; returns the batch loss:
        ``loss_and_gradients`` then ``optimizer.step(params())``, computed by ``scratch.lean``
        in place (the same numbers, less memory). ``validate=False`` skips the input and
        label checks, for loops over data already checked (X then must already have the
        model's dtype, labels their range)."""
        X = self._check_X(X) if validate else X
        return lean.train_step(self, X, y, outputs=False, check=validate)[0]

    @property
    def dropout_layers(self) -> list[tuple[Dropout, int]]:
        """(Dropout layer, its width) in order; the width is that of the Dense before it."""
        out, width = [], None
        for layer in self.layers:
            if isinstance(layer, Dense):
                width = layer.n_neurons
            elif isinstance(layer, Dropout):
                out.append((layer, width))
        return out

    def fit(
        self,
        X: np.ndarray,
        y: np.ndarray,
        epochs: int = 1,
        batch_size: int | None = None,
        *,
        shuffle: bool = False,
        rng: RNG = None,
        verbose: int = 0,
    ) -> History:
        """Train for ``epochs`` passes over ``(X, y)`` in batches of ``batch_size`` (None:
        full batch). Batches are taken in order unless ``shuffle``, which draws each epoch's
        permutation from ``rng``. Returns the per-epoch ``History``."""
        X = self._check_X(X)
        y = np.asarray(y)
        if len(y) != len(X):
            raise ValueError(f"X has {len(X)} samples but y has {len(y)}")
        if np.issubdtype(y.dtype, np.floating) and not np.all(np.isfinite(y)):
            raise ValueError("y contains NaN or inf; clean the targets first")
        history = History()
        gen = as_rng(rng) if shuffle else None
        for epoch in range(int(epochs)):
            total_loss = total_acc = 0.0
            for idx in batch_indices(len(X), batch_size, shuffle, gen):
                loss, out = lean.train_step(self, X[idx], y[idx])
                history.step_loss.append(loss)
                total_loss += loss * len(idx)
                total_acc += accuracy(y[idx], out) * len(idx)
            history.loss.append(total_loss / len(X))
            history.accuracy.append(total_acc / len(X))
            if verbose and (epoch + 1) % max(1, int(epochs) // 10) == 0:
                print(f"epoch {epoch + 1}/{epochs}  loss {history.loss[-1]:.6f}  accuracy {history.accuracy[-1]:.4f}")
        return history

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Model outputs: ``(n, k)`` class probabilities, or ``(n, 1)`` for one sigmoid."""
        return self.forward(X)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Class labels ``(n,)``: argmax of several outputs, or output >= 0.5 for one."""
        return labels_from_outputs(self.predict_proba(X))

    def evaluate(self, X: np.ndarray, y: np.ndarray) -> dict[str, float]:
        """Mean loss (the one training minimises) and accuracy on ``(X, y)``; no update."""
        y = np.asarray(y)
        loss_fn, body = self.loss_plan()
        z = self.forward(X, upto=body)
        return {"loss": loss_fn.calculate(z, y), "accuracy": accuracy(y, loss_fn.predictions(z))}
