"""Parameters with the biases folded into the weights, or unrolled into one flat vector.

Andrew Ng's machine-learning course (ex3/ex4, and its Python ports) keeps each layer as one
``Theta`` matrix (out, in + 1) whose FIRST column is the bias (a column of ones is prepended
to the activations), and its optimisers see all of them unrolled into one vector
``nn_params = [Theta1.ravel(), Theta2.ravel(), ...]`` (row-major, as NumPy ports write it).
Neither holds a separate bias array, so nothing is found by shape. ``detect`` recognises
both by their sizes and returns a reader (``weights=fn(holder) -> [(W, b), ...]``) that
reads each layer's ``(W (in, out), b)`` out of them, with a note saying how it read them.
The reader is a view: applied to gradients held the same way, it reads the gradients.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..spec import ModelSpec, Weights

Resolve = Callable[[Any, str], Any]


def unrolled_size(spec: ModelSpec) -> int:
    return sum((i + 1) * o for i, o in zip(spec.sizes, spec.sizes[1:]))


class Folded:
    """Reads ``[(W (in, out), b (out,)), ...]`` from Theta matrices (out, in + 1), bias
    first column: one array per layer (``paths``), or one flat vector (``flat``) holding
    them unrolled row-major."""

    def __init__(self, resolve: Resolve, spec: ModelSpec, paths: list[str] | None = None, flat: str | None = None):
        self.resolve, self.shapes, self.paths, self.flat = resolve, list(zip(spec.sizes, spec.sizes[1:])), paths, flat

    def thetas(self, holder: Any) -> list[np.ndarray]:
        if self.flat is None:
            return [np.asarray(self.resolve(holder, p), np.float64) for p in self.paths]
        vector, out, at = np.asarray(self.resolve(holder, self.flat), np.float64).reshape(-1), [], 0
        for fan_in, fan_out in self.shapes:
            size = fan_out * (fan_in + 1)
            out.append(vector[at : at + size].reshape(fan_out, fan_in + 1))
            at += size
        return out

    def __call__(self, holder: Any) -> Weights:
        return [(T[:, 1:].T, T[:, 0]) for T in self.thetas(holder)]


def detect(named: list[tuple[str, np.ndarray]], spec: ModelSpec, resolve: Resolve) -> tuple[Folded, str] | None:
    """A reader for Theta matrices or one unrolled vector among ``named``, and the note
    saying so; None when neither is there (or the spec has no biases)."""
    if not spec.use_bias:
        return None
    shapes = [(o, i + 1) for i, o in zip(spec.sizes, spec.sizes[1:])]
    paths, used = [], set()
    for shape in shapes:
        path = next((nm for nm, a in named if nm not in used and a.shape == shape), None)
        if path is None:
            break
        used.add(path)
        paths.append(path)
    else:
        return Folded(resolve, spec, paths=paths), (
            f"weights read as Theta matrices (out, in + 1) with the bias as the first column: {', '.join(paths)}; "
            "pass weights=fn(model) -> [(W, b), ...] if yours hold them otherwise"
        )
    size = unrolled_size(spec)
    flat = [nm for nm, a in named if a.ndim == 1 and a.size == size or a.ndim == 2 and 1 in a.shape and a.size == size]
    if len(flat) == 1:
        layers = " then ".join(f"({o}, {i + 1})" for i, o in zip(spec.sizes, spec.sizes[1:]))
        return Folded(resolve, spec, flat=flat[0]), (
            f"{flat[0]} read as one unrolled parameter vector: Theta matrices {layers}, row-major "
            "(np.concatenate of each .ravel()), the bias as each one's first column; pass weights=fn(params) -> "
            "[(W, b), ...] if yours is unrolled otherwise"
        )
    return None


def why_not(named: list[tuple[str, np.ndarray]], spec: ModelSpec) -> str:
    """What a flat vector among ``named`` would need to be read as unrolled Thetas ("" when
    there is none)."""
    flat = [(nm, a.size) for nm, a in named if a.ndim == 1 and a.size > spec.sizes[-1]]
    if not flat or not spec.use_bias:
        return ""
    nm, size = flat[0]
    return (
        f" ({nm} has {size} values; an unrolled parameter vector of this spec's Theta matrices (out, in + 1) holds "
        f"{unrolled_size(spec)}: is the spec's sizes right?)"
    )
