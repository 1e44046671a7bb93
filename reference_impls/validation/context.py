"""What the diagnosis knows at a first divergence (``Context``) and what it says (``Finding``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..spec import ModelSpec, Weights

CLOSE = 1e-8  # relative residual below which a hypothesis "reproduces" the user's tensor


@dataclass
class Finding:
    text: str
    kind: str
    spec: ModelSpec | None = None  # a spec under which the network may be consistent
    tentative: bool = False  # said only if ``spec`` then passes against the frameworks


@dataclass
class Seen:
    """One step as the user's network took it: its weights before the step (frameworks'
    layout), the batch, and the gradients and updates it exposed (by key)."""

    before: Weights
    X: np.ndarray
    y: np.ndarray
    tensors: dict


@dataclass
class Context:
    """Everything known at the first divergence."""

    spec: ModelSpec
    impl: str
    step: int  # 1-based
    phase: str
    key: tuple
    name: str
    raw: np.ndarray  # ours, as the user's code holds it
    ours: np.ndarray | None  # ours in the frameworks' layout (None: shape does not map)
    theirs: np.ndarray
    before: Weights  # the user's weights at the start of this step (frameworks' layout)
    X: np.ndarray  # the batch (frameworks' layout)
    y: np.ndarray
    grads: dict = field(default_factory=dict)  # the user's gradients at this step, by key
    theirs_grads: dict = field(default_factory=dict)  # the framework's gradients at this step
    theirs_forward: dict = field(default_factory=dict)
    lr_history: list[float] = field(default_factory=list)  # the spec's lr at steps 1..step
    loss_matched: bool = False  # the user's loss value agreed at this step
    lr_given: bool = False  # the user's code was handed the spec's lr (so lr cannot differ)
    tensors: dict = field(default_factory=dict)  # every gradient and update the user's code exposed at this step
    optimizer: Any = None  # the spec's optimizer as it was before this step (``replay.Shadow``); None: fresh
    after: list[Seen] = field(default_factory=list)  # the steps the user's network took after this one
    only_loss: bool = False  # the loss departs while every gradient and update exposed matched at every step

    @property
    def n(self) -> int:
        return len(self.X)

    @property
    def seen(self) -> Seen:
        """This step as a ``Seen`` (only the diverging tensor when no others were handed over)."""
        return Seen(
            self.before, self.X, self.y, self.tensors or ({self.key: self.ours} if self.ours is not None else {})
        )


def close(a: np.ndarray, b: np.ndarray, tol: float = CLOSE) -> bool:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.shape != b.shape or not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return False
    scale = max(float(np.max(np.abs(a), initial=0)), float(np.max(np.abs(b), initial=0)))
    return scale == 0 or float(np.max(np.abs(a - b))) <= tol * scale
