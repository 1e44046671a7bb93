"""Arrays held by a container, found by name or by shape (``ArraySlots``), and the base the
array-held styles share (``SlottedNetwork``: locating the weight pairs, reading them, observing
their updates). The styles themselves are in ``arrays``."""

from __future__ import annotations

import re
import types
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from scratch import get_optimizer

from ..base import optimizer_kwargs
from ..spec import ModelSpec, SpecError, Weights
from . import folded, neurons
from .styles import Observed, UserNetwork, find_by_shape

# ---- arrays held by a container (functional params, black-box attributes) -------------------
# Arrays a network keeps besides its parameters, never taken for a weight found by shape.
CACHE_NAMES = {
    "input",
    "inputs",
    "output",
    "outputs",
    "x",
    "y",
    "z",
    "a",
    "cache",
    "caches",
    "activations",
    "zs",
    "delta",
    "deltas",
    "error",
    "errors",
    "mask",
    "binary_mask",
    "probs",
    "scores",
    "last_input",
    "last_output",
    "hidden",
    "velocity",
    "velocities",
    "momentum",
    "momentums",
    "m",
    "v",
    "s",
    "r",
    "moment",
    "moments",
}
MAX_DEPTH = 4
_TOKEN = re.compile(r"""\.?([A-Za-z_]\w*)|\[(-?\d+)\]|\[['"]([^'"]+)['"]\]""")


def _is_cache(name: str) -> bool:
    low = name.lower()
    return (
        low in CACHE_NAMES
        or low.startswith(("d_", "grad", "prev_"))
        or "grad" in low
        or "cache" in low
        or "momentum" in low
        or (len(name) > 1 and name[0] == "d" and (name[1].isupper() or low[1:] in ("w", "b", "weights", "biases")))
    )


def _optimizer_like(obj: Any) -> bool:
    """An object that updates parameters (its arrays are state, not parameters); a module
    listing its own ``parameters()`` (micrograd's, whose ``zero_grad`` clears them) is not one."""
    if callable(getattr(obj, "parameters", None)):
        return False
    return any(callable(getattr(obj, m, None)) for m in ("update", "update_params", "step", "zero_grad"))


def _children(obj: Any) -> Iterator[tuple[str, str, Any]]:
    """(kind, key, value) of a container's or an object's members: kind "key", "index" or "attr"."""
    if isinstance(obj, dict):
        yield from (("key", str(k), v) for k, v in obj.items())
    elif isinstance(obj, (list, tuple)):
        yield from (("index", str(i), v) for i, v in enumerate(obj))
    elif hasattr(obj, "__dict__") and not isinstance(
        obj, (type, types.ModuleType, types.FunctionType, types.MethodType)
    ):
        yield from (("attr", k, v) for k, v in vars(obj).items())


def _join(path: str, kind: str, key: str, root_list: bool) -> str:
    if not path:
        return f"params[{key}]" if root_list and kind == "index" else key
    return f"{path}[{key}]" if kind == "index" else f"{path}[{key!r}]" if kind == "key" else f"{path}.{key}"


class ArraySlots:
    """Named arrays inside a dict, a list or an object, found at any depth (lists of layers,
    dicts of parameters, sub-objects) and named by their path from the holder:
    ``W1``, ``weights[0]``, ``layers[1].W``, ``params['W1']``. A composite slot is a nested
    list of paths to scalars (``[["w1", "w2"], ["w3", "w4"]]``): the array they form. With a
    ``reader`` (the user's ``weights=fn(holder) -> [(W, b), ...]``), ``layer l W`` and
    ``layer l b`` are what it returns."""

    def __init__(self, holder: Any, composites: dict[str, Any] | None = None, reader: Callable | None = None) -> None:
        self.holder = holder
        self.composites = dict(composites or {})
        self.reader = reader

    def names(self) -> list[tuple[str, np.ndarray]]:
        """Every float array, shallowest first, then in the order they were defined."""
        return [
            (name, v)
            for depth, key, name, v in self._walk()
            if isinstance(v, np.ndarray) and v.dtype.kind == "f" and v.ndim in (1, 2) and not (depth and _is_cache(key))
        ]

    def objects(self) -> list[tuple[str, Any]]:
        """Every container and object below the holder (not arrays), shallowest first, by path."""
        return [(name, v) for _, _, name, v in self._walk() if not isinstance(v, np.ndarray)]

    def _walk(self) -> Iterator[tuple[int, str, str, Any]]:
        """(depth, key, path, value) of every member at any depth, each object once, shallowest
        first, then in the order they were defined; optimizers' state is not entered."""
        seen, level = {id(self.holder)}, [("", self.holder)]
        root_list = isinstance(self.holder, (list, tuple))
        for depth in range(MAX_DEPTH):
            nxt = []
            for path, obj in level:
                for kind, key, v in _children(obj):
                    name = _join(path, kind, key, root_list)
                    if isinstance(v, np.ndarray):
                        yield depth, key, name, v
                    elif (
                        id(v) not in seen
                        and not isinstance(v, (str, bytes, int, float, complex))
                        and not (depth and _optimizer_like(v))
                    ):
                        seen.add(id(v))
                        yield depth, key, name, v
                        nxt.append((name, v))
            level = nxt

    def resolve(self, name: str) -> Any:
        """The object at the path ``name`` (KeyError when there is none)."""
        h = self.holder
        if isinstance(h, dict) and name in h:
            return h[name]
        text = name[len("params") :] if isinstance(h, (list, tuple)) and name.startswith("params[") else name
        pos, obj = 0, h
        for m in _TOKEN.finditer(text):
            if m.start() != pos:
                raise KeyError(name)
            ident, index, key = m.groups()
            pos = m.end()
            try:
                if ident is not None:
                    obj = obj[ident] if isinstance(obj, dict) else getattr(obj, ident)
                else:
                    obj = obj[int(index)] if index is not None else obj[key]
            except (AttributeError, IndexError, KeyError, TypeError):
                raise KeyError(name) from None
        if pos != len(text) or not text:
            raise KeyError(name)
        return obj

    def get(self, name: str) -> np.ndarray:
        if self.reader is not None and name.startswith("layer "):
            _, l, which = name.split(" ")
            return np.asarray(self.reader(self.holder)[int(l)][0 if which == "W" else 1], dtype=np.float64)
        if name in self.composites:
            return np.array(self._scalars(self.composites[name]), dtype=np.float64)
        return self.resolve(name)

    def _scalars(self, entry: Any) -> Any:
        if isinstance(entry, str):
            return float(np.asarray(self.resolve(entry)).reshape(()))
        return [self._scalars(e) for e in entry]


def resolve_path(holder: Any, path: str) -> Any:
    """The object at ``path`` inside ``holder`` (``ArraySlots.resolve``), for readers."""
    return ArraySlots(holder).resolve(path)


def slot_name(entry: Any) -> str:
    """A path, or a composite's paths written out: ``[[w1, w2], [w3, w4]]``."""
    return entry if isinstance(entry, str) else "[" + ", ".join(slot_name(e) for e in entry) + "]"


class SlottedNetwork(UserNetwork):
    """Shared by the functional and black-box styles: arrays found by name or shape."""

    _optimizer: Any = None  # the spec's, made on first use (spec_optimizer)

    def spec_optimizer(self) -> Any:
        """The spec's optimizer, made on first use: what steps the gradients a user's code
        hands back without applying them (its state, momenta and moments, lives here)."""
        if self._optimizer is None:
            self._optimizer = get_optimizer(self.spec.optimizer, **optimizer_kwargs(self.spec))
        return self._optimizer

    def _locate(self, holder: Any, spec: ModelSpec, names: Sequence[str] | None, layout: str | None) -> None:
        if spec is None:
            raise SpecError(f"the {self.style} style needs spec=ModelSpec(...) stating the architecture")
        reader = names if callable(names) else None
        folded_note = None
        if names is None:  # biases folded into Theta matrices, or all of them unrolled into one vector
            named = ArraySlots(holder).names()
            try:
                find_by_shape(named, spec, layout)
            except SpecError as exc:
                found = folded.detect(named, spec, resolve_path) or neurons.detect(
                    ArraySlots(holder).objects(), spec, resolve_path
                )
                if found is None:
                    raise SpecError(f"{exc}{folded.why_not(named, spec)}") from None
                (reader, folded_note), layout = found, "in_out"
        if reader is not None:  # weights=fn(holder) -> [(W, b), ...]: read by the user's own function
            names = [
                f"layer {l} {w}" for l in range(len(spec.sizes) - 1) for w in ("W", "b")[: 2 if spec.use_bias else 1]
            ]
        composites = {slot_name(e): e for e in (names or []) if not isinstance(e, str)}
        self.spec, self.slots = spec, ArraySlots(holder, composites, reader)
        named = [] if reader is not None else self.slots.names()
        if names is not None:
            names = [slot_name(e) for e in names]
            per = 2 if spec.use_bias else 1
            if len(names) != per * (len(spec.sizes) - 1):
                raise SpecError(
                    f"weights= needs {per * (len(spec.sizes) - 1)} names "
                    f"(W{', b' if per == 2 else ''} per layer), got {names}"
                )
            sub = []
            caught = Exception if reader is not None else (KeyError, TypeError, ValueError)  # the user's reader: any
            for nm in names:
                try:
                    value = np.asarray(self.slots.get(nm))
                except caught as exc:
                    if reader is not None:  # the user's reader: say what it did
                        raise SpecError(
                            f"weights=: your function raised {type(exc).__name__}: {exc}; it must return "
                            "[(W, b), ...], one pair per layer"
                        ) from None
                    raise SpecError(
                        f"weights=: nothing at {nm!r}; arrays found: {', '.join(n for n, _ in named) or 'none'} "
                        "(paths like 'W1', 'weights[0]', 'layers[1].W', or a nested list of scalar names)"
                    ) from None
                if value.dtype.kind not in "fiu":
                    raise SpecError(f"weights=: {nm!r} is {type(value).__name__}, not an array of numbers")
                sub.append((nm, value.astype(np.float64)))
            self.pairs = [(names[i], names[i + 1] if per == 2 else None) for i in range(0, len(names), per)]
            _, found_layout, _ = find_by_shape(sub, spec, layout)
            self.notes = [folded_note] if folded_note else []
        else:
            self.pairs, found_layout, self.notes = find_by_shape(named, spec, layout)
        self.layout = layout or found_layout
        self._bias_shapes = {b: np.shape(self.slots.get(b)) for _, b in self.pairs if b}

    def bias_shape(self, layer: int) -> tuple[int, ...] | None:
        b = self.pairs[layer][1]
        return self._bias_shapes.get(b) if b else None

    def weights(self) -> Weights:
        out = []
        for l, (w, b) in enumerate(self.pairs):
            W = np.array(self.slots.get(w), copy=True)
            W = W.T if self.layout == "out_in" else W
            bias = (
                np.array(self.slots.get(b), copy=True).reshape(-1) if b else np.zeros(self.spec.sizes[l + 1], W.dtype)
            )
            out.append((W, bias))
        return out

    def _updated(self, n: int) -> list[Observed]:
        seen = []
        for l, (w, b) in enumerate(self.pairs):
            for kind, name in (("W", w), ("b", b)):
                if name is None:
                    continue
                o = self.observe(("update", kind, l), name, self.slots.get(name), n)
                if name in self.slots.composites and o.value is not None:  # name the scalar, not the matrix of them
                    names = np.array(self.slots.composites[name], dtype=object)
                    o.elements = names.T if kind == "W" and self.layout == "out_in" else names.reshape(-1)
                seen.append(o)
        return seen
