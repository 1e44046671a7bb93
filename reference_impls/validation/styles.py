"""The ways a hand-written network comes in, each behind one small interface.

1. ``LayerObjects`` (``layered``): a list of layer objects (seed 003, the NNFS book,
   cs231n, the layer-class tutorials), a loss and an optimizer, in whatever names the
   tutorial used.
2. ``Functional``: parameters as arrays and a function ``step(params, X, y)`` returning the
   new parameters (optionally with the loss), or ``(loss, gradients)`` (seed 001).
3. ``BlackBox``: an object whose own training step updates its weights (seed 004's
   ``SimpleNN.backward(x, y, lr)``); weights are attribute names given or found by shape.

Every style reports, per step, what the user's code exposes as ``Observed`` tensors keyed
like the frameworks' (``("forward", i)``, ``("loss",)``, ``("gradient", "W", l)``,
``("update", "b", l)``) and named as the user's code names them. Tensors are mapped to the
frameworks' layout (``W (in, out)``, ``b (out,)``, samples as rows) when their shape allows;
when it does not, the raw array is kept for the diagnosis. Styles 2 and 3 live in ``arrays``.
This module holds what they share: ``Observed``, the layouts and ``UserNetwork``.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..spec import ModelSpec, SpecError, Weights
from .usercode import Caller

Key = tuple


@dataclass
class Observed:
    """One tensor of the user's network at one step."""

    key: Key
    name: str
    raw: np.ndarray
    value: np.ndarray | None  # in the frameworks' layout, or None when the shape does not map
    derived: bool = False  # computed by validate from the user's output (not the user's own)
    elements: np.ndarray | None = None  # each element's own name (scalar parameters), in the frameworks' layout

    def worst_name(self, theirs: np.ndarray) -> str:
        """The name of the element farthest from ``theirs`` (a scalar parameter's own name),
        else the tensor's."""
        if self.elements is None or self.value is None or np.shape(theirs) != self.value.shape:
            return self.name
        diff = np.abs(np.nan_to_num(self.value - theirs, nan=np.inf))
        return str(self.elements.reshape(diff.shape)[np.unravel_index(np.argmax(diff), diff.shape)])


# ---- layouts ---------------------------------------------------------------------------------
def as_canonical(key: Key, raw: Any, spec: ModelSpec, layout: str, samples_as: str, n: int) -> np.ndarray | None:
    """``raw`` in the frameworks' layout for ``key``, or None when its shape does not fit."""
    a = np.asarray(raw, dtype=np.float64) if not isinstance(raw, np.ndarray) else raw
    kind = key[0]
    if kind == "loss":
        return a.reshape(()) if a.size == 1 else None
    if kind == "forward":
        # A layer's output has one row per sample, or one column per sample (code that keeps
        # samples as columns inside, even when its data comes as rows); one unit may be flat.
        width = spec.sizes[key[1] // 2 + 1]
        a = a.reshape(a.shape[0], a.shape[2]) if a.ndim == 3 and a.shape[1] == 1 else a  # (n, 1, width) per-sample rows
        rows, cols = a.shape == (n, width), a.shape == (width, n)
        if cols and (samples_as == "columns" or not rows):
            return a.T
        if rows:
            return a
        return a.reshape(n, 1) if width == 1 and a.shape == (n,) else None
    fan_in, fan_out = spec.sizes[key[2]], spec.sizes[key[2] + 1]
    if key[1] == "W":
        if layout == "out_in" and a.shape == (fan_out, fan_in):
            return a.T
        return a if a.shape == (fan_in, fan_out) else None
    # A bias is a vector of fan_out values: (out,), a row (1, out) or a column (out, 1),
    # whatever the samples' layout (the row or column it broadcasts over is the user's choice).
    return a.reshape(fan_out) if a.shape in ((fan_out,), (1, fan_out), (fan_out, 1)) else None


def to_user(canonical: np.ndarray, like: np.ndarray, layout: str, is_weight: bool) -> np.ndarray:
    """A canonical ``W`` or ``b`` back in the shape the user's array ``like`` has."""
    value = canonical.T if is_weight and layout == "out_in" else canonical
    return np.asarray(value, dtype=like.dtype).reshape(like.shape)


_WEIGHT_NAME = re.compile(r"(^|[^a-z])(w|weights?|kernel|theta)")
_BIAS_NAME = re.compile(r"(^|[^a-z])(b|bias(es)?|intercept)")


def _assign(
    named: list[tuple[str, np.ndarray]], spec: ModelSpec, layout: str
) -> tuple[list[tuple[str, str | None]], tuple[int, bool]] | str:
    """Layers' (W, b) names for one weight layout, and its score as the tie-break between
    layouts: how many names look like what they were taken for, then whether the weight
    matrices come in the order they were defined (a (2, 3, 2) network without biases fits
    both layouts, one of them with its layers backwards); or why no assignment exists."""
    shapes = list(zip(spec.sizes, spec.sizes[1:]))
    used: set[str] = set()
    score, ws = 0, []

    def pick(shapes_wanted: tuple, pattern: re.Pattern) -> str | None:
        nonlocal score
        for shape in shapes_wanted:
            cands = [nm for nm, a in named if nm not in used and a.shape == shape]
            if cands:  # a name that says what it is first, else the first defined
                nm = next((c for c in cands if pattern.search(c.lower())), cands[0])
                score += bool(pattern.search(nm.lower()))
                used.add(nm)
                return nm
        return None

    for layer, (fan_in, fan_out) in enumerate(shapes):  # every weight matrix first, then the biases
        w = pick(((fan_in, fan_out),) if layout == "in_out" else ((fan_out, fan_in),), _WEIGHT_NAME)
        if w is None:
            return (
                f"no array of shape ({fan_in}, {fan_out}) or ({fan_out}, {fan_in}) for layer {layer}'s weights; "
                f"arrays found: {', '.join(f'{nm} {a.shape}' for nm, a in named) or 'none'}. Name them with "
                "weights=[paths], "
                "or pass weights=fn(model) returning [(W, b), ...]"
            )
        ws.append(w)
    pairs: list[tuple[str, str | None]] = []
    for layer, (w, (_, fan_out)) in enumerate(zip(ws, shapes)):
        b = None
        if spec.use_bias:
            # Row vectors go with (in, out) weights, column vectors with (out, in) ones.
            order = (
                ((1, fan_out), (fan_out,), (fan_out, 1))
                if layout == "in_out"
                else ((fan_out, 1), (fan_out,), (1, fan_out))
            )
            b = pick(order, _BIAS_NAME)
            if b is None:
                return (
                    f"no bias array of {fan_out} values for layer {layer}; set use_bias=False in the spec if it "
                    "has none"
                )
        pairs.append((w, b))
    order = [next(i for i, (nm, _) in enumerate(named) if nm == w) for w in ws]
    return pairs, (score, order == sorted(order))


def find_by_shape(
    named: list[tuple[str, np.ndarray]], spec: ModelSpec, layout: str | None = None
) -> tuple[list[tuple[str, str | None]], str, list[str]]:
    """Assign arrays to layers by shape, in the order the user defined them: returns
    ``[(W name, b name or None), ...]``, the weight layout ("in_out" or "out_in") and notes.
    Both layouts are tried (a bias of shape (out, 1) can look like a weight of the next
    layer); the one that fits, or whose names fit better, wins. All-square networks are
    assumed (in, out) unless their names say otherwise. A ``layout`` the user stated is the
    only one tried."""
    tried = {lay: _assign(named, spec, lay) for lay in ((layout,) if layout else ("in_out", "out_in"))}
    fits = {lay: r for lay, r in tried.items() if not isinstance(r, str)}
    if not fits:
        raise SpecError(next(iter(tried.values())))
    layout = max(fits, key=lambda k: (fits[k][1], k == "in_out"))
    pairs = fits[layout][0]
    square = all(a == b for a, b in zip(spec.sizes, spec.sizes[1:])) and len(tried) == 2
    notes = [
        "weights found by shape: "
        + "; ".join(f"layer {i}: {w}" + (f", {b}" if b else "") for i, (w, b) in enumerate(pairs))
        + (", stored as (out, in)" if layout == "out_in" else "")
    ]
    if square:
        notes.append(
            "every weight matrix is square: assumed (in, out); pass weight_layout='out_in' if yours is (out, in)"
        )
    return pairs, layout, notes


# ---- the common interface -------------------------------------------------------------------
class UserNetwork(ABC):
    """A user's network, driven one training step at a time."""

    style: str
    takes_lr: bool = False  # validate hands the spec's lr to the user's code
    spec: ModelSpec | None = None
    layout: str = "in_out"  # weight matrices as (in, out) or (out, in)
    samples_as: str = "rows"  # X: (n, features) or (features, n)
    notes: list[str]
    steps_per_call: int = 1  # updates one call of the user's training step makes on its batch
    masks: list | None = (
        None  # the dropout masks the last step drew (one per hidden layer, rows = samples), for the twins
    )

    @abstractmethod
    def weights(self) -> Weights:
        """Current ``[(W (in, out), b (out,)), ...]`` (b zeros without biases)."""

    @abstractmethod
    def step(self, X: Any, y: Any, caller: Caller) -> list[Observed]:
        """One training step on a batch in the user's own data layout."""

    @abstractmethod
    def fresh(self) -> UserNetwork:
        """An untouched copy, as it was before the first step."""

    @property
    def call_name(self) -> str:
        """How the user's training call is named in findings."""
        return "your training step"

    @property
    def trains(self) -> bool:
        """False for a forward-only network (compared at its initial weights only)."""
        return True

    def bias_shape(self, layer: int) -> tuple[int, ...] | None:
        """The shape of the user's own bias array of ``layer`` (None: not known)."""
        return None

    def observe(self, key: Key, name: str, raw: Any, n: int) -> Observed:
        raw = np.array(raw, copy=True) if raw is not None else np.array(np.nan)
        value = as_canonical(key, raw, self.spec, self.layout, self.samples_as, n)
        if (
            key[0] in ("gradient", "update")
            and key[1] == "b"
            and raw.ndim == 2
            and raw.shape != self.bias_shape(key[2])
        ):
            value = (
                None if self.bias_shape(key[2]) is not None else value
            )  # a bias's gradient and update have its shape
        return Observed(key, name, raw, value)


def flat_samples(a: Any) -> Any:
    """Per-sample rows kept as (n, 1, features) (one (1, features) row per sample, as
    layer-class tutorials store them) as (n, features); anything else as it is."""
    return a.reshape(a.shape[0], a.shape[2]) if isinstance(a, np.ndarray) and a.ndim == 3 and a.shape[1] == 1 else a


def _n_of(X: Any, samples_as: str) -> int:
    return np.shape(X)[1 if samples_as == "columns" else 0]
