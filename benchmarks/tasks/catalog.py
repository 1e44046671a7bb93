"""Tasks: named, seeded data sets, each with the model that learns it and its target.

Everything is generated here or shipped by an installed package (scikit-learn's digits);
nothing is downloaded. MNIST is read from files the user already has (IDX or ``.npz``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from reference_impls.spec import ModelSpec, SpecError

from .generators import GATES, logic_gate, parity, spiral
from .mnist import load_mnist


@dataclass(frozen=True)
class Dataset:
    """Train and test arrays of one task draw."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray

    @property
    def sizes(self) -> tuple[int, int, int]:
        """(train rows, test rows, features)."""
        return len(self.X_train), len(self.X_test), self.X_train.shape[1]


@dataclass(frozen=True)
class Task:
    """A named, seeded data set with the model that learns it and the bar for success.

    ``make(seed, **params)`` returns a ``Dataset``; ``params`` are its defaults (a config
    may override them). ``spec`` is the default model (its seed becomes the run's); the
    task is solved when ``target_metric`` (``train_accuracy`` or ``test_accuracy``)
    reaches ``target``. ``check_batch_size`` is the equivalence check's mini-batch size and
    ``check_lr`` its learning rate per optimizer setting (stable: round-off not amplified).
    """

    name: str
    description: str
    make: Callable[..., Dataset]
    spec: ModelSpec
    target: float
    epochs: int
    target_metric: str = "train_accuracy"
    check_batch_size: int = 32
    check_lr: dict[str, float] = field(default_factory=lambda: dict(SPIRAL_CHECK_LR))
    params: dict[str, Any] = field(default_factory=dict)
    tags: tuple[str, ...] = ()

    def data(self, seed: int = 0) -> Dataset:
        return self.make(seed, **self.params)

    def with_params(self, **params: Any) -> Task:
        """The same task with other data parameters, each checked against its rule
        (``PARAM_RULES``) so a bad value is named here, not met later as a crash or a
        silently rounded number."""
        unknown = sorted(set(params) - set(self.params))
        if unknown:
            raise SpecError(
                f"task {self.name} has no parameter(s) {', '.join(unknown)}; valid: {', '.join(self.params) or 'none'}"
            )
        for key, value in params.items():
            rule = PARAM_RULES[key]
            if not rule.accepts(value):
                raise SpecError(
                    f"[task.{self.name}] {key} must be {rule.wanted}, got {value!r}; e.g. {key} = {rule.example}"
                )
        return dataclasses.replace(self, params={**self.params, **params})


@dataclass(frozen=True)
class ParamRule:
    """What one data parameter accepts, said in words for the error message."""

    wanted: str
    example: str
    kind: type | tuple[type, ...]
    low: float | None = None  # inclusive
    high: float | None = None  # exclusive
    optional: bool = False  # None allowed (the default: not set)

    def accepts(self, value: Any) -> bool:
        if value is None:
            return self.optional
        if isinstance(value, bool) or not isinstance(value, self.kind):
            return False
        if isinstance(value, float) and not np.isfinite(value):
            return False
        return (self.low is None or value >= self.low) and (self.high is None or value < self.high)


PARAM_RULES: dict[str, ParamRule] = {
    "n_bits": ParamRule("a whole number from 1 to 16", "3", int, 1, 17),
    "n_per_class": ParamRule("a whole number >= 1", "100", int, 1),
    "n_classes": ParamRule("a whole number >= 2", "3", int, 2),
    "noise": ParamRule("a number >= 0", "0.2", (int, float), 0),
    "n_samples": ParamRule("a whole number >= 10", "500", int, 10),
    "factor": ParamRule("a number between 0 and 1", "0.5", (int, float), 0, 1),
    "path": ParamRule("a path to a .npz file or a folder of IDX files", '"data/mnist.npz"', str),
    "limit": ParamRule("a whole number >= 1 (rows of the training set to keep)", "10000", int, 1, optional=True),
}


def _split(X: np.ndarray, y: np.ndarray, seed: int, test_size: float = 0.2) -> Dataset:
    from sklearn.model_selection import train_test_split

    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=test_size, random_state=seed, stratify=y)
    return Dataset(Xtr, ytr.astype(np.int64), Xte, yte.astype(np.int64))


def _truth_table(X: np.ndarray, y: np.ndarray) -> Dataset:
    return Dataset(X, y, X.copy(), y.copy())  # the truth table is the whole world


def _gate(name: str) -> Callable[..., Dataset]:
    return lambda seed: _truth_table(*logic_gate(name))


def _not(seed: int) -> Dataset:
    return _truth_table(np.array([[0.0], [1.0]]), np.array([1, 0]))


def _parity(seed: int, n_bits: int) -> Dataset:
    return _truth_table(*parity(n_bits))


def _spiral(seed: int, n_per_class: int, n_classes: int, noise: float) -> Dataset:
    X, y = spiral(n_per_class, n_classes, noise, rng=np.random.default_rng(seed))
    X_test, y_test = spiral(n_per_class, n_classes, noise, rng=np.random.default_rng((seed, 1)))
    return Dataset(X, y, X_test, y_test)


def _moons(seed: int, n_samples: int, noise: float) -> Dataset:
    from sklearn.datasets import make_moons

    return _split(*make_moons(n_samples=n_samples, noise=noise, random_state=seed), seed)


def _circles(seed: int, n_samples: int, noise: float, factor: float) -> Dataset:
    from sklearn.datasets import make_circles

    return _split(*make_circles(n_samples=n_samples, noise=noise, factor=factor, random_state=seed), seed)


def _digits(seed: int) -> Dataset:
    from sklearn.datasets import load_digits

    digits = load_digits()
    return _split(digits.data / 16.0, digits.target, seed)  # pixels 0..16 -> [0, 1]


def _mnist(seed: int, path: str | None, limit: int | None) -> Dataset:
    if not path:
        raise SpecError(
            "task mnist reads local files and has no path: set one in a config file, "
            '[task.mnist] path = "data/mnist.npz", and run scratchbench run --config FILE'
        )
    X_train, y_train, X_test, y_test = load_mnist(path)
    if limit:
        X_train, y_train = X_train[:limit], y_train[:limit]
    return Dataset(X_train, y_train, X_test, y_test)


# Seed 001's Keras model: Input(2), Dense(10, relu), Dense(10, relu), Dense(1, sigmoid),
# binary cross-entropy (151 parameters), here with Adam at lr 0.01 on the full batch.
GATE_SPEC = ModelSpec(
    sizes=(2, 10, 10, 1),
    activations=("relu", "relu", "sigmoid"),
    loss="binary_crossentropy",
    optimizer="adam",
    lr=0.01,
    eps=1e-7,
    init="glorot_uniform",
)
# The cs231n case study's net: 2-64-3, ReLU, softmax, full-batch SGD at lr 1.0.
SPIRAL_SPEC = ModelSpec(
    sizes=(2, 64, 3),
    activations=("relu", "softmax"),
    loss="categorical_crossentropy",
    optimizer="sgd",
    lr=1.0,
    init="he_uniform",
)
TWO_D_SPEC = ModelSpec(
    sizes=(2, 32, 1),
    activations=("relu", "sigmoid"),
    loss="binary_crossentropy",
    optimizer="adam",
    lr=0.01,
    eps=1e-7,
    batch_size=32,
    shuffle=True,
    init="he_uniform",
)
IMAGE_SPEC = ModelSpec(
    sizes=(64, 64, 10),
    activations=("relu", "softmax"),
    loss="categorical_crossentropy",
    optimizer="adam",
    lr=0.001,
    eps=1e-7,
    batch_size=64,
    shuffle=True,
    init="he_uniform",
)


# The equivalence check's learning rates per optimizer setting, where the tasks train stably.
GATE_CHECK_LR = {"sgd": 0.5, "momentum": 0.05, "nesterov": 0.05, "adam": 0.01, "rmsprop": 0.002, "adagrad": 0.1}
SPIRAL_CHECK_LR = {"sgd": 0.3, "momentum": 0.03, "nesterov": 0.03, "adam": 0.005, "rmsprop": 0.001, "adagrad": 0.1}


def _gate_task(name: str) -> Task:
    return Task(
        name,
        f"two-input {name.upper()} truth table (4 rows)",
        _gate(name),
        GATE_SPEC,
        1.0,
        500,
        check_batch_size=2,
        check_lr=GATE_CHECK_LR,
        tags=("gate", "2d"),
    )


TASKS: dict[str, Task] = {
    **{gate: _gate_task(gate) for gate in GATES},
    "not": Task(
        "not",
        "one-input NOT truth table (2 rows)",
        _not,
        GATE_SPEC.replace(sizes=(1, 10, 10, 1)),
        1.0,
        500,
        check_batch_size=1,
        check_lr=GATE_CHECK_LR,
        tags=("gate",),
    ),
    "parity3": Task(
        "parity3",
        "three-input parity (8 rows): XOR of three bits",
        _parity,
        GATE_SPEC.replace(sizes=(3, 16, 16, 1)),
        1.0,
        1000,
        check_batch_size=4,
        check_lr=GATE_CHECK_LR,
        params={"n_bits": 3},
        tags=("gate",),
    ),
    "spiral": Task(
        "spiral",
        "cs231n spiral, K arms x N points (test: a second draw)",
        _spiral,
        SPIRAL_SPEC,
        0.95,
        2000,
        params={"n_per_class": 100, "n_classes": 3, "noise": 0.2},
        tags=("2d",),
    ),
    "moons": Task(
        "moons",
        "scikit-learn two moons, 80/20 split",
        _moons,
        TWO_D_SPEC,
        0.95,
        200,
        "test_accuracy",
        params={"n_samples": 500, "noise": 0.2},
        tags=("2d",),
    ),
    "circles": Task(
        "circles",
        "scikit-learn concentric circles, 80/20 split",
        _circles,
        TWO_D_SPEC,
        0.95,
        200,
        "test_accuracy",
        params={"n_samples": 500, "noise": 0.1, "factor": 0.5},
        tags=("2d",),
    ),
    "digits": Task(
        "digits",
        "scikit-learn 8x8 digits (1,797 images, ships with it), 80/20 split",
        _digits,
        IMAGE_SPEC,
        0.95,
        60,
        "test_accuracy",
        check_batch_size=64,
    ),
    "mnist": Task(
        "mnist",
        "MNIST 28x28 from local IDX or .npz files (never downloaded)",
        _mnist,
        IMAGE_SPEC.replace(sizes=(784, 128, 10), batch_size=128),
        0.97,
        5,
        "test_accuracy",
        check_batch_size=128,
        params={"path": None, "limit": None},
        tags=("external",),
    ),
}
DEFAULT_TASKS = [*GATES, "spiral"]


def get_task(name: str) -> Task:
    if name not in TASKS:
        raise SpecError(f"unknown task {name!r}; choose from: {', '.join(TASKS)} (or 'all')")
    return TASKS[name]


def parse_tasks(text: str) -> list[Task]:
    """``"xor,spiral"``, ``"gates"`` or ``"all"`` -> tasks, in the order given ('all'
    leaves out tasks that need external files)."""
    text = text.strip()
    if text == "all":
        return [t for t in TASKS.values() if "external" not in t.tags]
    names = [t.strip() for t in text.split(",") if t.strip()]
    if not names:
        raise SpecError("no task given; name tasks like --tasks xor,spiral (or --tasks all)")
    expanded = [g for n in names for g in (GATES if n == "gates" else [n])]
    return [get_task(n) for n in expanded]
