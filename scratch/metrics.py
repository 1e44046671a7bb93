"""Classification metrics on model outputs."""

from __future__ import annotations

import numpy as np


def labels_from_outputs(outputs: np.ndarray) -> np.ndarray:
    """``(n, k)`` scores -> ``(n,)`` labels: argmax for k > 1, ``output >= 0.5`` for k == 1
    (the tutorial's threshold)."""
    if outputs.ndim == 2 and outputs.shape[1] > 1:
        return np.argmax(outputs, axis=1)
    return (outputs.reshape(-1) >= 0.5).astype(np.int64)


def accuracy(y_true: np.ndarray, outputs: np.ndarray) -> float:
    """Fraction of rows whose predicted label equals ``y_true`` (labels ``(n,)``, a
    ``(n, 1)`` column, or one-hot ``(n, k)``)."""
    y = np.asarray(y_true)
    if y.ndim == 2 and y.shape[1] > 1:
        y = np.argmax(y, axis=1)
    return float(np.mean(labels_from_outputs(outputs) == y.reshape(-1)))
