"""Weight initializers.

Every initializer returns ``(W, b)`` for a dense layer with ``W: (fan_in, fan_out)`` and
``b: (1, fan_out)``. Numbers are drawn in float64 from the given random source and then
cast, so a float32 and a float64 model built from one seed start from the same values
(rounded), and every framework can load exactly these arrays.

Conventions, where frameworks disagree:

- ``glorot_normal`` / ``he_normal`` follow Keras: a normal truncated at two standard
  deviations, rescaled by 1/0.87962566103423978 so the variance is the target variance.
  (PyTorch's ``xavier_normal_`` / ``kaiming_normal_`` use an untruncated normal.)
- ``torch_default`` is ``nn.Linear``'s reset: ``W, b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in))``
  (``kaiming_uniform_(a=sqrt(5))`` reduces to that bound).
- Biases are zero everywhere else (Keras's default and the tutorials').
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._registry import lookup
from ._rng import RNG, as_rng

# Std of a standard normal truncated to [-2, 2]; Keras divides by it.
_TRUNC_STD = 0.87962566103423978


@dataclass(frozen=True)
class Initializer:
    """A named recipe for ``(W, b)``.

    ``dist`` is ``"uniform01"`` (``np.random.rand``), ``"uniform"`` (symmetric, ``bound``),
    ``"truncnormal"`` or ``"normal"`` (``std``); ``bound``/``std`` are computed from the
    fans by ``scale_rule``. ``order="out_in"`` draws the matrix as ``(fan_out, fan_in)``
    and transposes it: that is how seed 001 (``np.random.rand(hidden, input)``) and
    PyTorch lay out weights, and the order decides which number lands where.
    """

    dist: str
    scale: float = 1.0
    scale_rule: str = "const"  # const | glorot | he | lecun
    order: str = "in_out"
    bias: str = "zeros"  # zeros | same (drawn like W, as torch_default)
    stream: str = "generator"  # the random stream a spec seeds: "generator" (default_rng) or "legacy" (RandomState)

    def _scale(self, fan_in: int, fan_out: int) -> float:
        base = {
            "const": 1.0,
            "glorot": 2.0 / (fan_in + fan_out),
            "he": 2.0 / fan_in,
            "lecun": 1.0 / fan_in,
        }[self.scale_rule]
        return self.scale * base if self.scale_rule == "const" else self.scale * math.sqrt(base)

    def _draw(self, rng, shape: tuple[int, ...], fan_in: int, fan_out: int) -> np.ndarray:
        s = self._scale(fan_in, fan_out)
        if self.dist == "uniform01":
            return s * rng.random(shape)
        if self.dist == "uniform":
            bound = math.sqrt(3.0) * s  # U(-a, a) has std a/sqrt(3)
            return rng.uniform(-bound, bound, shape)
        if self.dist == "normal":
            return s * rng.standard_normal(shape)
        if self.dist == "truncnormal":
            return (s / _TRUNC_STD) * _truncated_standard_normal(rng, shape)
        raise ValueError(f"unknown distribution {self.dist!r}")

    def __call__(
        self, fan_in: int, fan_out: int, rng: RNG = None, dtype: str | np.dtype = "float64"
    ) -> tuple[np.ndarray, np.ndarray]:
        """Draw ``W: (fan_in, fan_out)`` then ``b: (1, fan_out)`` from ``rng``."""
        gen = as_rng(rng)
        if self.dist == "book_normal":
            # The NNFS book: 0.01 * np.random.randn(n_inputs, n_neurons), the product taken in
            # the model's dtype (nnfs.init() makes randn return float32 before the 0.01 *).
            x = gen.standard_normal((fan_in, fan_out)).astype(dtype)
            return np.asarray(self.scale, dtype) * x, np.zeros((1, fan_out), dtype)
        if self.order == "out_in":
            W = self._draw(gen, (fan_out, fan_in), fan_in, fan_out).T
        else:
            W = self._draw(gen, (fan_in, fan_out), fan_in, fan_out)
        if self.bias == "same":
            b = self._draw(gen, (1, fan_out), fan_in, fan_out)
        else:
            b = np.zeros((1, fan_out))
        return np.ascontiguousarray(W, dtype=dtype), b.astype(dtype)


def _truncated_standard_normal(rng, shape: tuple[int, ...]) -> np.ndarray:
    """N(0, 1) restricted to [-2, 2] by redrawing the values outside (Keras's rule)."""
    x = rng.standard_normal(shape)
    bad = np.abs(x) > 2.0
    while bad.any():
        x[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(x) > 2.0
    return x


INITIALIZERS: dict[str, Initializer] = {
    # The tutorials: seed 001 draws np.random.rand(out, in); seed 003 draws 0.1 * rand(in, out).
    "rand": Initializer("uniform01"),
    "rand_out_in": Initializer("uniform01", order="out_in"),
    "rand_0.1": Initializer("uniform01", scale=0.1),
    # The NNFS book's Layer_Dense: 0.01 * randn(in, out) from the legacy stream, zero biases.
    "nnfs": Initializer("book_normal", scale=0.01, stream="legacy"),
    # Glorot & Bengio (2010): Var = 2 / (fan_in + fan_out).
    "glorot_uniform": Initializer("uniform", scale_rule="glorot"),
    "glorot_normal": Initializer("truncnormal", scale_rule="glorot"),
    # He et al. (2015): Var = 2 / fan_in, for ReLU layers.
    "he_uniform": Initializer("uniform", scale_rule="he"),
    "he_normal": Initializer("truncnormal", scale_rule="he"),
    # PyTorch nn.Linear.reset_parameters: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for W and b,
    # i.e. Var = 1 / (3 fan_in): LeCun's rule scaled by 1/sqrt(3).
    "torch_default": Initializer("uniform", scale=1 / math.sqrt(3.0), scale_rule="lecun", order="out_in", bias="same"),
}


def get_initializer(name: str | Initializer) -> Initializer:
    """Resolve an initializer by name (or pass an ``Initializer`` through)."""
    return name if isinstance(name, Initializer) else lookup(INITIALIZERS, "initializer", name)
