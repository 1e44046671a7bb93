"""Decision-boundary grids, computed by the harness when a run ends (the report only
draws them): each implementation's own predictions over a mesh around its training data."""

from __future__ import annotations

import numpy as np

from scratch import labels_from_outputs

RESOLUTION = 200


def decision_grid(model, X: np.ndarray, y: np.ndarray, resolution: int = RESOLUTION) -> dict[str, np.ndarray]:
    """For 2-D inputs ``X: (n, 2)``: the mesh axes ``gx, gy: (resolution,)``, the predicted
    class ``labels`` and its probability ``confidence``, both ``(resolution, resolution)``
    (row = gy), by the rule the accuracies use; and the training points ``X``, ``y``."""
    pad = 0.25 * (X.max(axis=0) - X.min(axis=0)) + 1e-9
    lo, hi = X.min(axis=0) - pad, X.max(axis=0) + pad
    gx, gy = np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution)
    xx, yy = np.meshgrid(gx, gy)
    proba = np.asarray(model.predict_proba(np.c_[xx.ravel(), yy.ravel()]), np.float64)
    P = np.hstack([1 - proba, proba]) if proba.shape[1] == 1 else proba
    return {
        "gx": gx,
        "gy": gy,
        "labels": labels_from_outputs(proba).reshape(xx.shape),
        "confidence": P.max(axis=1).reshape(xx.shape),
        "X": np.asarray(X, np.float64),
        "y": np.asarray(y),
    }
