"""Data sets the benchmarks train on, generated here (nothing is downloaded).

Each generator is seeded explicitly; ``rng=None`` uses NumPy's legacy global state, which
is what the tutorials' ``np.random.seed(...)`` calls set.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from reference_impls.spec import ModelSpec, SpecError
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
        raise ValueError(f"unknown gate {name!r}; choose one of: {', '.join(GATES)}")
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=dtype)
    return X, np.array(GATES[key], dtype=np.int64)


def spiral(n_per_class: int = 100, n_classes: int = 3, noise: float = 0.2, rng: RNG = None) -> tuple[np.ndarray, np.ndarray]:
    """The cs231n "neural networks case study" spiral, exactly as seed 003 writes it.

    Class j's points lie at radius ``linspace(0, 1, N)`` and angle
    ``linspace(4j, 4(j+1), N) + noise * randn(N)``; returns ``X: (N K, 2)`` float64 and
    ``y: (N K,)`` labels in class order. With the same random state, the same numbers as
    the tutorial's loop (which calls ``np.random.randn``).
    """
    if n_per_class < 1 or n_classes < 1:
        raise ValueError(f"spiral needs n_per_class >= 1 and n_classes >= 1, got {n_per_class}, {n_classes}")
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


# ---- the task registry -------------------------------------------------------------------


@dataclass(frozen=True)
class Dataset:
    """Train and test arrays of one task draw."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


@dataclass(frozen=True)
class Task:
    """A named, seeded data set with the model that learns it and the bar for success.

    ``make(seed)`` returns a ``Dataset``; ``spec`` is the default model (its seed is
    replaced by the run's); ``target`` is the training accuracy that counts as solved.
    ``check_batch_size`` is the mini-batch size the equivalence check uses.
    """

    name: str
    description: str
    make: Callable[[int], Dataset]
    spec: ModelSpec
    target: float
    epochs: int
    check_batch_size: int
    tags: tuple[str, ...] = field(default=())

    def data(self, seed: int = 0) -> Dataset:
        return self.make(seed)


def _gate_data(name: str) -> Callable[[int], Dataset]:
    def make(seed: int) -> Dataset:
        X, y = logic_gate(name)
        return Dataset(X, y, X.copy(), y.copy())  # the truth table is the whole world

    return make


def _spiral_data(seed: int) -> Dataset:
    X, y = spiral(100, 3, 0.2, rng=np.random.default_rng(seed))
    X_test, y_test = spiral(100, 3, 0.2, rng=np.random.default_rng((seed, 1)))
    return Dataset(X, y, X_test, y_test)


# Seed 001's Keras model: Input(2), Dense(10, relu), Dense(10, relu), Dense(1, sigmoid),
# binary cross-entropy (151 parameters), here with Adam at lr 0.01 on the full batch.
GATE_SPEC = ModelSpec(
    sizes=(2, 10, 10, 1), activations=("relu", "relu", "sigmoid"), loss="binary_crossentropy",
    optimizer="adam", lr=0.01, eps=1e-7, init="glorot_uniform",
)
# The cs231n case study's net: 2-64-3, ReLU, softmax, full-batch SGD at lr 1.0.
SPIRAL_SPEC = ModelSpec(
    sizes=(2, 64, 3), activations=("relu", "softmax"), loss="categorical_crossentropy",
    optimizer="sgd", lr=1.0, init="he_uniform",
)

TASKS: dict[str, Task] = {
    **{
        gate: Task(gate, f"two-input {gate.upper()} truth table (4 rows)", _gate_data(gate), GATE_SPEC, 1.0, 500, 2, ("gate",))
        for gate in GATES
    },
    "spiral": Task(
        "spiral", "cs231n spiral: 3 arms x 100 points, noise 0.2 (test: a second draw)", _spiral_data, SPIRAL_SPEC, 0.95, 2000, 32, ()
    ),
}


def get_task(name: str) -> Task:
    if name not in TASKS:
        raise SpecError(f"unknown task {name!r}; choose from: {', '.join(TASKS)} (or 'all')")
    return TASKS[name]


def parse_tasks(text: str) -> list[Task]:
    """``"xor,spiral"`` or ``"all"`` -> tasks, in the order given."""
    names = list(TASKS) if text.strip() == "all" else [t.strip() for t in text.split(",") if t.strip()]
    if not names:
        raise SpecError("no task given; name tasks like --tasks xor,spiral (or --tasks all)")
    return [get_task(n) for n in names]
