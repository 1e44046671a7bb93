"""The dense (fully connected) layer: ``Y = X W + b``."""

from __future__ import annotations

import numpy as np

from ._rng import RNG
from .initializers import Initializer, get_initializer


class Dense:
    """Fully connected layer.

    Shapes: ``X: (n, n_inputs) -> Y: (n, n_neurons)``; ``weights: (n_inputs, n_neurons)``,
    ``biases: (1, n_neurons)`` (the tutorials' layout; PyTorch stores the transpose).

    ``init`` names an entry of ``scratch.initializers.INITIALIZERS`` (or is an
    ``Initializer``); numbers come from ``rng`` (None: the legacy ``np.random`` state).
    ``use_bias=False`` gives seed 001's bias-free XOR network.
    """

    def __init__(
        self,
        n_inputs: int,
        n_neurons: int,
        init: str | Initializer = "glorot_uniform",
        *,
        rng: RNG = None,
        dtype: str | np.dtype = "float64",
        use_bias: bool = True,
    ) -> None:
        if int(n_inputs) < 1 or int(n_neurons) < 1:
            raise ValueError(f"Dense sizes must be positive, got Dense({n_inputs}, {n_neurons})")
        self.n_inputs, self.n_neurons, self.use_bias = int(n_inputs), int(n_neurons), use_bias
        self.weights, biases = get_initializer(init)(self.n_inputs, self.n_neurons, rng, dtype)
        self.biases = biases if use_bias else np.zeros_like(biases)

    def __repr__(self) -> str:
        return f"Dense({self.n_inputs}, {self.n_neurons}{'' if self.use_bias else ', use_bias=False'})"

    @property
    def dtype(self) -> np.dtype:
        return self.weights.dtype

    def forward(self, X: np.ndarray) -> np.ndarray:
        """``X: (n, n_inputs) -> (n, n_neurons)``; keeps ``X`` for the backward pass."""
        if X.ndim != 2 or X.shape[1] != self.n_inputs:
            raise ValueError(
                f"{self!r} expects inputs of shape (n, {self.n_inputs}), got {X.shape}; "
                "check the previous layer's size or the data's feature count"
            )
        self.inputs = X
        self.output = X @ self.weights
        if self.use_bias:
            self.output += self.biases  # in place: the same sum without a second (n, n_neurons) array
        return self.output

    def backward(self, dvalues: np.ndarray) -> np.ndarray:
        """``dL/dY: (n, n_neurons) -> dL/dX: (n, n_inputs)``; stores ``dweights``, ``dbiases``."""
        self.dweights = self.inputs.T @ dvalues
        self.dbiases = dvalues.sum(axis=0, keepdims=True) if self.use_bias else np.zeros_like(self.biases)
        self.dinputs = dvalues @ self.weights.T
        return self.dinputs

    def params(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Trainable ``(parameter, gradient)`` pairs, updated in place by an optimizer."""
        pairs = [(self.weights, self.dweights)]
        return pairs + [(self.biases, self.dbiases)] if self.use_bias else pairs
