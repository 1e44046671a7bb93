"""Loss conventions in words, and the specs whose loss is a constant times the spec's."""

from __future__ import annotations

import math

from ..spec import ModelSpec


def convention_candidates(spec: ModelSpec, n: int, c: float) -> list[ModelSpec]:
    """Specs differing only in the loss convention whose loss is ``c`` times ``spec``'s,
    the conventions tutorials use most first (1/2 sum of squares, the plain sum, ...)."""
    base = spec.loss_factor(n)
    one_term = _terms(spec, n) == 1  # a batch of one sample and one output: a sum is the mean, only a scale differs
    out = []
    for reduction, scale in (("sum", 0.5), ("sum", 1.0), ("mean", 1.0), ("mean", 0.5), ("mean", 2.0), ("sum", 2.0)):
        if one_term and reduction != spec.loss_reduction:
            continue
        cand = spec.replace(loss_reduction=reduction, loss_scale=scale)
        if cand != spec and math.isclose(cand.loss_factor(n) / base, c, rel_tol=1e-7):
            out.append(cand)
    scale = float(f"{spec.loss_scale * c:.4g}")  # any other constant on the loss, when it is a plain number (3, 0.25)
    if not out and scale > 0 and math.isclose(scale, spec.loss_scale * c, rel_tol=1e-9):
        out.append(spec.replace(loss_scale=scale))
    return out


def convention_words(spec: ModelSpec) -> str:
    """The loss convention of ``spec`` in words: ``1/2 * sum over samples and outputs``."""
    scale = {1.0: "", 0.5: "1/2 * ", 2.0: "2 * "}.get(float(spec.loss_scale), f"{spec.loss_scale:g} * ")
    over = "samples and outputs" if spec.loss in ("mse", "binary_crossentropy") and spec.sizes[-1] > 1 else "samples"
    red = f"sum over {over}" if spec.loss_reduction == "sum" else f"mean over {over}"
    what = {
        "mse": "(y - y_hat)^2",
        "binary_crossentropy": "binary cross-entropy",
        "categorical_crossentropy": "cross-entropy",
    }[spec.loss]
    return f"{scale}{red} of {what}"


def reduction_words(spec: ModelSpec, cand: ModelSpec, n: int) -> str:
    if spec.loss_reduction != cand.loss_reduction:
        if cand.loss_reduction == "sum":
            return f"a sum instead of a mean multiplies every gradient by the {_terms(spec, n):g} terms"
        return "a mean instead of a sum divides every gradient by the number of terms"
    return "a constant factor on the loss scales every gradient alike"


def _terms(spec: ModelSpec, n: int) -> float:
    """How many terms a sum over this batch adds where the mean averages them."""
    return spec.replace(loss_reduction="sum", loss_scale=1.0).loss_factor(n)
