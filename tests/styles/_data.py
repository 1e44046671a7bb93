"""Small deterministic data sets for the style networks: XOR (2 inputs, labels 0/1) and a
three-arm spiral (2 inputs, 3 classes), both as ``X (n, 2)`` rows and integer labels; and
what every style module's ``make(bug)`` shares."""

from __future__ import annotations

import numpy as np


def xor() -> tuple[np.ndarray, np.ndarray]:
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    return X, np.array([0, 1, 1, 0])


def spiral(points: int = 10, classes: int = 3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X, y = [], []
    for c in range(classes):
        r = np.linspace(0.05, 1.0, points)
        t = np.linspace(4.0 * c, 4.0 * (c + 1), points) + 0.2 * rng.standard_normal(points)
        X.append(np.column_stack([r * np.sin(2.5 * t), r * np.cos(2.5 * t)]))
        y.append(np.full(points, c))
    return np.concatenate(X), np.concatenate(y)


def onehot(y: np.ndarray, k: int) -> np.ndarray:
    return np.eye(k)[y]


def planted(bugs: dict[str, str], bug: str | None) -> str | None:
    """``bug`` as ``make(bug)`` plants it: one of the module's ``BUGS``, or None (correct)."""
    if bug is not None and bug not in bugs:
        raise KeyError(bug)
    return bug


#: the intro books' sigmoid network: E = 1/2 sum (t - o)^2 over the batch, no biases
INTRO_SIGMOID_MSE = dict(
    activations=("sigmoid", "sigmoid"), loss="mse", loss_reduction="sum", loss_scale=0.5, use_bias=False
)
