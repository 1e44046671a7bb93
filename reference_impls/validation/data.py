"""The user's data: in the layout their code takes it (rows or columns, (n, 1, features),
one-hot or class labels), and in the frameworks' layout (rows, class labels)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..spec import ModelSpec, SpecError
from .styles import flat_samples


def canonical_data(spec: ModelSpec, X: Any, y: Any, samples_as: str) -> tuple[np.ndarray, np.ndarray]:
    """The user's (X, y) in the frameworks' layout: X (n, features), y labels or targets."""
    X, y = flat_samples(np.asarray(X)), flat_samples(np.asarray(y))
    if samples_as == "columns":
        X, y = X.T, (y.T if y.ndim == 2 else y)
    n = len(X)
    if spec.loss == "mse":
        k = spec.sizes[-1]
        if (
            k > 1 and y.ndim == 1 and np.issubdtype(y.dtype, np.integer)
        ):  # class indices: squared error on one-hot targets
            return X, np.eye(k)[y]
        return X, y.reshape(n, -1)
    k = spec.sizes[-1]
    if spec.loss == "binary_crossentropy" and k > 1 and y.ndim == 1 and np.issubdtype(y.dtype, np.integer):
        return X, np.eye(k, dtype=np.int64)[y]  # one sigmoid per class on class indices (one-vs-all): one-hot targets
    if y.ndim == 2 and spec.loss == "categorical_crossentropy" and y.shape[1] > 1:
        return X, y.argmax(axis=1)
    if np.issubdtype(y.dtype, np.floating):
        if not np.all(np.isfinite(y)) or not np.array_equal(y, np.round(y)):
            raise SpecError(f"{spec.loss} needs integer class labels (0/1 for binary), got non-integer values in y")
        y = y.astype(np.int64)
    return X, (y.reshape(n) if spec.loss == "categorical_crossentropy" or spec.sizes[-1] == 1 else y.reshape(n, -1))


def detect_samples_as(spec: ModelSpec, X: Any) -> str:
    """ "rows" when X is (n, features), "columns" when it is (features, n) (seed 001)."""
    shape = np.shape(flat_samples(np.asarray(X)))
    if len(shape) != 2:
        raise SpecError(f"X must be a 2-d array (or (n, 1, features): one row per sample), got shape {np.shape(X)}")
    if shape[1] == spec.sizes[0]:
        return "rows"
    if shape[0] == spec.sizes[0]:
        return "columns"
    raise SpecError(f"X has shape {shape}, but the network takes {spec.sizes[0]} input features (rows or columns)")


def take(a: np.ndarray, rows, samples_as: str) -> np.ndarray:
    if samples_as == "columns":
        return a[:, rows] if a.ndim == 2 else a[rows]
    return a[rows]


def labels_as(y: Any, labels: str | None, classes: int | None, samples_as: str | None = None) -> Any:
    """``y`` as the user's code wants its labels: ``"onehot"`` turns class indices into one
    row per sample (a column per sample with ``samples_as="columns"``), ``"sparse"`` turns
    one-hot rows into class indices, None leaves ``y`` as given."""
    if labels is None:
        return y
    if labels not in ("onehot", "sparse"):
        raise SpecError(f"labels must be 'onehot' or 'sparse', got {labels!r}")
    a = np.asarray(y)
    if labels == "onehot":
        if a.ndim == 2 and a.shape[1] > 1 or a.ndim == 2 and samples_as == "columns" and a.shape[0] > 1:
            return y  # already one-hot
        idx = a.reshape(-1)
        if not np.issubdtype(idx.dtype, np.integer) and not np.array_equal(idx, np.round(idx)):
            raise SpecError("labels='onehot' needs class indices in y (0, 1, 2, ...)")
        k = int(classes or idx.max() + 1)
        out = np.eye(k)[idx.astype(np.int64)]
        return out.T if samples_as == "columns" else out
    if a.ndim == 2 and min(a.shape) > 1:
        return (a.argmax(axis=0) if samples_as == "columns" else a.argmax(axis=1)).astype(np.int64)
    return y
