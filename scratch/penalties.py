"""Weight penalties, value and gradient side by side: L1 ``l1 * sum|p|`` and L2
``l2 * sum p^2`` (Keras's and the NNFS book's form, no 1/2).

The one place their formulas live: ``Dense`` adds them to its gradients, the spec's
``penalty`` sums them into the loss frameworks report, and validation's recomputation
of a step differentiates them with ``penalty_gradient``.
"""

from __future__ import annotations

import numpy as np


def penalty(W: np.ndarray, b: np.ndarray, l1: float, l2: float, l1_bias: float, l2_bias: float) -> float:
    """``l1 sum|W| + l2 sum W^2 + l1_bias sum|b| + l2_bias sum b^2``."""
    return (
        l1 * float(np.abs(W).sum())
        + l2 * float(np.square(W).sum())
        + l1_bias * float(np.abs(b).sum())
        + l2_bias * float(np.square(b).sum())
    )


def penalty_gradient(p: np.ndarray, l1: float, l2: float) -> np.ndarray:
    """d/dp of ``l1 sum|p| + l2 sum p^2``: ``l1 sign(p) + 2 l2 p`` (sign(0) = 0, as autograd's |x|')."""
    return l1 * np.sign(p) + (2 * l2) * p
