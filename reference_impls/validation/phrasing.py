"""How results put things into words, shared by the plain text and the HTML display: the
phases of a step, a tensor's preview, a spec change as the call that makes it."""

from __future__ import annotations

import numpy as np

from ..spec import ModelSpec

PHASES = ("forward", "loss", "gradient", "update")


def preview(a: np.ndarray) -> str:
    text = np.array2string(np.asarray(a), precision=6, threshold=8, edgeitems=2, max_line_width=100)
    return " ".join(text.split())


def spec_changes(old: ModelSpec, new: ModelSpec) -> str:
    changes = {k: v for k, v in new.to_dict().items() if old.to_dict()[k] != v}
    return "spec.replace(" + ", ".join(f"{k}={v!r}" for k, v in changes.items()) + ")"
