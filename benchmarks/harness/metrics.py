"""The harness's own metrics on an implementation's outputs, and scikit-learn's cross-check.

Losses here are computed from the probabilities every implementation returns, in float64,
with one definition for all (cross-entropy clips probabilities to [eps, 1 - eps] at
float64's machine eps, as ``sklearn.metrics.log_loss`` does), so they compare across
frameworks and against scikit-learn exactly.
"""

from __future__ import annotations

import inspect
import warnings

import numpy as np

from scratch import labels_from_outputs

CROSS_CHECK_TOL = 1e-12


def _class_probs(proba: np.ndarray) -> np.ndarray:
    """``(n, 1)`` sigmoid outputs -> ``(n, 2)`` as ``[1 - p, p]``; ``(n, k)`` unchanged."""
    proba = np.asarray(proba, np.float64)
    return np.hstack([1 - proba, proba]) if proba.shape[1] == 1 else proba


def _log_loss(y: np.ndarray, labels: list[int], kw: dict) -> float:
    """sklearn's log loss of the float64 probabilities. A float32 network's softmax rows sum
    to one only to float32's precision, which sklearn's float64 check warns about; it still
    computes -log p of each true class from them, as ours does (no renormalising)."""
    from sklearn import metrics as skm

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The y_prob values do not sum to one", category=UserWarning)
        return float(skm.log_loss(y, labels=labels, **kw))


def predictions(proba: np.ndarray) -> np.ndarray:
    """Labels by the library's one rule (argmax; a single output is class 1 at >= 0.5)."""
    return labels_from_outputs(np.asarray(proba))


def accuracy(y: np.ndarray, proba: np.ndarray) -> float:
    return float(np.mean(predictions(proba) == np.asarray(y).reshape(-1)))


def loss(kind: str, y: np.ndarray, proba: np.ndarray) -> float:
    """Mean loss: cross-entropy for classifiers, mean squared error for ``mse``."""
    if kind == "mse":
        target = np.asarray(y, np.float64).reshape(len(y), -1)
        return float(np.mean((np.asarray(proba, np.float64) - target) ** 2))
    P = _class_probs(proba)
    eps = np.finfo(np.float64).eps
    picked = np.clip(P, eps, 1 - eps)[np.arange(len(P)), np.asarray(y).reshape(-1)]
    return float(-np.mean(np.log(picked)))


def confusion(y: np.ndarray, proba: np.ndarray, n_classes: int) -> np.ndarray:
    out = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(out, (np.asarray(y).reshape(-1), predictions(proba)), 1)
    return out


def sklearn_cross_check(kind: str, y: np.ndarray, proba: np.ndarray, n_classes: int) -> dict:
    """scikit-learn's metrics on the same predictions, and where they disagree with ours.
    ``sk_confusion_matrix`` is a nested list (true x predicted; None for regression): the
    run's record keeps it apart and the store writes it as the long ``confusion`` table."""
    from sklearn import metrics as skm

    if kind == "mse":
        target = np.asarray(y, np.float64).reshape(len(y), -1)
        sk_mse = float(skm.mean_squared_error(target, np.asarray(proba, np.float64)))
        ours = loss(kind, y, proba)
        check = (
            "ok"
            if abs(sk_mse - ours) <= CROSS_CHECK_TOL * max(1.0, abs(ours))
            else f"mse {ours!r} vs sklearn {sk_mse!r}"
        )
        return {
            "sk_accuracy": np.nan,
            "sk_log_loss": sk_mse,
            "sk_f1_macro": np.nan,
            "sk_confusion_matrix": None,
            "sk_check": check,
        }
    y = np.asarray(y).reshape(-1)
    pred = predictions(proba)
    labels = list(range(max(n_classes, 2)))
    P = _class_probs(proba)
    kw = {"y_proba": P} if "y_proba" in inspect.signature(skm.log_loss).parameters else {"y_pred": P}
    sk = {
        "sk_accuracy": float(skm.accuracy_score(y, pred)),
        "sk_log_loss": _log_loss(y, labels, kw),
        "sk_f1_macro": float(skm.f1_score(y, pred, average="macro", labels=labels, zero_division=0)),
        "sk_confusion_matrix": skm.confusion_matrix(y, pred, labels=labels).tolist(),
    }
    problems = []
    ours_acc, ours_loss = accuracy(y, proba), loss("ce", y, proba)
    if abs(sk["sk_accuracy"] - ours_acc) > CROSS_CHECK_TOL:
        problems.append(f"accuracy {ours_acc!r} vs sklearn {sk['sk_accuracy']!r}")
    if abs(sk["sk_log_loss"] - ours_loss) > CROSS_CHECK_TOL * max(1.0, abs(ours_loss)):
        problems.append(f"log loss {ours_loss!r} vs sklearn {sk['sk_log_loss']!r}")
    if sk["sk_confusion_matrix"] != confusion(y, proba, len(labels)).tolist():
        problems.append("confusion matrix differs")
    sk["sk_check"] = "; ".join(problems) or "ok"
    return sk
