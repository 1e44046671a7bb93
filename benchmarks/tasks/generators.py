"""Data generators: the two-input logic gates, n-bit parity, the cs231n spiral, and
synthetic data of any size (for timing).

``rng=None`` means NumPy's legacy global state, which is what the tutorials'
``np.random.seed(...)`` calls set.
"""

from __future__ import annotations

import itertools

import numpy as np

from reference_impls.spec import SpecError
from scratch._rng import RNG, as_rng

# Truth tables of the two-input gates, rows in the order (0,0), (0,1), (1,0), (1,1).
GATES: dict[str, tuple[int, int, int, int]] = {
    "and": (0, 0, 0, 1),
    "or": (0, 1, 1, 1),
    "nand": (1, 1, 1, 0),
    "nor": (1, 0, 0, 0),
    "xor": (0, 1, 1, 0),
    "xnor": (1, 0, 0, 1),
}


def logic_gate(name: str, dtype: str = "float64") -> tuple[np.ndarray, np.ndarray]:
    """The truth table of a two-input gate: ``X: (4, 2)`` in {0, 1}, ``y: (4,)`` int labels."""
    key = name.lower()
    if key not in GATES:
        raise SpecError(f"unknown gate {name!r}; choose one of: {', '.join(GATES)}")
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=dtype)
    return X, np.array(GATES[key], dtype=np.int64)


def parity(n_bits: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """All ``2**n_bits`` inputs in {0, 1} and their parity (1 for an odd number of ones)."""
    X = np.array(list(itertools.product([0, 1], repeat=n_bits)), dtype=np.float64)
    return X, (X.sum(axis=1) % 2).astype(np.int64)


def spiral(
    n_per_class: int = 100, n_classes: int = 3, noise: float = 0.2, rng: RNG = None
) -> tuple[np.ndarray, np.ndarray]:
    """The cs231n "neural networks case study" spiral, exactly as seed 003 writes it.

    Class j's points lie at radius ``linspace(0, 1, N)`` and angle
    ``linspace(4j, 4(j+1), N) + noise * randn(N)``; returns ``X: (N K, 2)`` float64 and
    ``y: (N K,)`` labels in class order. With the same random state, the same numbers as
    the tutorial's loop (which calls ``np.random.randn``).
    """
    if n_per_class < 1 or n_classes < 1:
        raise SpecError(f"spiral needs n_per_class >= 1 and n_classes >= 1, got {n_per_class}, {n_classes}")
    gen = as_rng(rng)
    N, K = int(n_per_class), int(n_classes)
    X = np.zeros((N * K, 2))
    y = np.zeros(N * K, dtype=np.int64)
    for j in range(K):
        ix = slice(N * j, N * (j + 1))
        r = np.linspace(0.0, 1, N)
        t = np.linspace(j * 4, (j + 1) * 4, N) + gen.standard_normal(N) * noise
        X[ix] = np.c_[r * np.sin(t), r * np.cos(t)]
        y[ix] = j
    return X, y


def synthetic(n: int, features: int, classes: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian inputs with labels from a random linear map: data of any size."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, features))
    y = np.argmax(X @ rng.standard_normal((features, classes)), axis=1)
    return X, y
