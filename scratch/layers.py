"""The dense (fully connected) layer: ``Y = X W + b``."""

from __future__ import annotations

import numpy as np

from ._rng import RNG, as_rng
from .initializers import Initializer, get_initializer
from .penalties import penalty, penalty_gradient


class Dense:
    """Fully connected layer.

    Shapes: ``X: (n, n_inputs) -> Y: (n, n_neurons)``; ``weights: (n_inputs, n_neurons)``,
    ``biases: (1, n_neurons)`` (the tutorials' layout; PyTorch stores the transpose).

    ``init`` names an entry of ``scratch.initializers.INITIALIZERS`` (or is an
    ``Initializer``); numbers come from ``rng`` (None: the legacy ``np.random`` state).
    ``use_bias=False`` gives seed 001's bias-free XOR network.

    Regularisation (the book's ``weight_regularizer_l1`` ... and Keras's L1/L2 form, no 1/2):
    ``l1 * sum|W| + l2 * sum W^2`` on the weights and ``l1_bias``, ``l2_bias`` on the biases;
    ``backward`` adds their gradient (``l1 sign(W) + 2 l2 W``) to ``dweights``/``dbiases``.

    ``accumulate="float64"`` takes every matrix product of a float32 layer in float64 and
    rounds the result once, as the NNFS book's ``nnfs.init()`` makes ``np.dot`` do.

    ``input_gradient=False`` skips ``dinputs`` (left None): for a network's first layer,
    whose input gradient nothing reads, it saves one of the three matrix products of its
    backward pass.
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
        l1: float = 0.0,
        l2: float = 0.0,
        l1_bias: float = 0.0,
        l2_bias: float = 0.0,
        accumulate: str = "native",
        input_gradient: bool = True,
    ) -> None:
        if accumulate not in ("native", "float64"):
            raise ValueError(f"accumulate must be 'native' or 'float64', got {accumulate!r}")
        if int(n_inputs) < 1 or int(n_neurons) < 1:
            raise ValueError(f"Dense sizes must be positive, got Dense({n_inputs}, {n_neurons})")
        self.n_inputs, self.n_neurons, self.use_bias = int(n_inputs), int(n_neurons), use_bias
        self.weights, biases = get_initializer(init)(self.n_inputs, self.n_neurons, rng, dtype)
        self.biases = biases if use_bias else np.zeros_like(biases)
        self.l1, self.l2, self.l1_bias, self.l2_bias = float(l1), float(l2), float(l1_bias), float(l2_bias)
        self.accumulate = accumulate
        self.input_gradient = bool(input_gradient)

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
        self.output = self._matmul(X, self.weights)
        if self.use_bias:
            self.output += self.biases  # in place: the same sum without a second (n, n_neurons) array
        return self.output

    def backward(self, dvalues: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """``dL/dY: (n, n_neurons) -> dL/dX: (n, n_inputs)``; stores ``dweights``, ``dbiases``.
        ``out`` (shaped like ``inputs``, as NumPy's ``out=``) receives ``dL/dX``; it may be
        ``inputs`` itself, read before it is written (``scratch.lean`` saves an array so)."""
        self.dweights = self._matmul(self.inputs.T, dvalues)
        self.dbiases = dvalues.sum(axis=0, keepdims=True) if self.use_bias else np.zeros_like(self.biases)
        self.dinputs = self._matmul(dvalues, self.weights.T, out) if self.input_gradient else None
        if self.l1 or self.l2:
            self.dweights += penalty_gradient(self.weights, self.l1, self.l2)
        if self.l1_bias or self.l2_bias:
            self.dbiases += penalty_gradient(self.biases, self.l1_bias, self.l2_bias)
        return self.dinputs

    def _matmul(self, a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        if self.accumulate == "native" or a.dtype == np.float64:
            return np.matmul(a, b, out=out)
        product = (a.astype(np.float64) @ b.astype(np.float64)).astype(a.dtype)
        if out is None:
            return product
        out[...] = product
        return out

    def penalty(self) -> float:
        """The regularisation term this layer adds to the loss."""
        return penalty(self.weights, self.biases, self.l1, self.l2, self.l1_bias, self.l2_bias)

    def params(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Trainable ``(parameter, gradient)`` pairs, updated in place by an optimizer."""
        pairs = [(self.weights, self.dweights)]
        return pairs + [(self.biases, self.dbiases)] if self.use_bias else pairs


class Dropout:
    """Inverted dropout: ``Y = X * mask`` with mask 0 (probability ``rate``) or
    ``1 / (1 - rate)``, so the expected output equals the input and nothing changes at
    prediction time. Shapes: ``X: (n, k) -> (n, k)``.

    ``mask`` is set for one training step (``Sequential`` draws it from ``rng`` before the
    step and clears it after; a harness may set it itself to feed every implementation the
    same mask). With no mask the layer is the identity (prediction, evaluation).
    """

    name = "dropout"

    def __init__(self, rate: float, rng: RNG = None) -> None:
        if not 0 <= rate < 1:
            raise ValueError(f"dropout rate must lie in [0, 1), got {rate}")
        self.rate, self.rng, self.mask = float(rate), rng, None

    def __repr__(self) -> str:
        return f"Dropout({self.rate})"

    def draw(self, shape: tuple[int, int], dtype) -> np.ndarray:
        """A fresh mask of ``shape``: kept units 1 / (1 - rate), dropped ones 0."""
        keep = as_rng(self.rng).random(shape) >= self.rate
        return (keep / (1 - self.rate)).astype(dtype)

    def forward(self, X: np.ndarray) -> np.ndarray:
        self.output = X if self.mask is None else X * self.mask
        return self.output

    def backward(self, dvalues: np.ndarray) -> np.ndarray:
        self.dinputs = dvalues if self.mask is None else dvalues * self.mask
        return self.dinputs

    def params(self) -> list:
        return []
