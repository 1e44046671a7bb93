"""Networks kept neuron by neuron: a layer is a list of neuron records, each holding its input
weights as a list of numbers and its bias.

Two published styles keep no arrays at all. Micrograd's ``MLP`` (Karpathy) holds
``layers[i].neurons[j]``, each neuron a ``w`` list of scalar autograd objects (``Value``, its
number in ``.data``) and a ``b``; the "backpropagation from scratch" blog posts hold a list
of layers, each a list of dicts whose ``weights`` list ends with the bias. ``detect`` finds,
in the order they were defined, one list of neuron records per layer of the spec (as many
records as the layer has units, each with ``fan_in`` weights and a bias: a field named like a
bias, else one weight more, the bias last), and returns a reader of their ``(W (in, out),
b)`` with a note saying where it read them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np

from ..spec import ModelSpec, Weights

Resolve = Callable[[Any, str], Any]
_BIAS = re.compile(r"^(b|bias|biases|threshold)$", re.IGNORECASE)


def number(v: Any) -> float | None:
    """A plain number, or a scalar autograd object's number (its ``.data``); else None."""
    if isinstance(v, (bool, np.bool_)):
        return None
    if isinstance(v, (int, float, np.integer, np.floating)):
        return float(v)
    data = getattr(v, "data", None)
    if isinstance(data, (int, float, np.integer, np.floating)) and not isinstance(data, bool):
        return float(data)
    return None


def _fields(record: Any) -> list[tuple[str, Any]]:
    if isinstance(record, dict):
        return [(str(k), v) for k, v in record.items()]
    return list(vars(record).items()) if hasattr(record, "__dict__") else []


def _numbers(v: Any) -> list[float] | None:
    if not isinstance(v, (list, tuple)) or not v:
        return None
    out = [number(e) for e in v]
    return None if any(e is None for e in out) else out


def read_neuron(record: Any, fan_in: int) -> tuple[list[float], float] | None:
    """(its input weights, its bias) when ``record`` is a neuron with ``fan_in`` inputs."""
    fields = _fields(record)
    bias = next((number(v) for k, v in fields if _BIAS.match(k) and number(v) is not None), None)
    for _, v in fields:
        values = _numbers(v)
        if values is None:
            continue
        if len(values) == fan_in and bias is not None:
            return values, bias
        if len(values) == fan_in + 1 and bias is None:  # the bias folded in last
            return values[:-1], values[-1]
    return None


class NeuronLists:
    """Reads ``[(W (in, out), b (out,)), ...]`` from one list of neuron records per layer."""

    def __init__(self, resolve: Resolve, spec: ModelSpec, paths: list[str]) -> None:
        self.resolve, self.paths, self.fan_ins = resolve, paths, list(spec.sizes[:-1])

    def __call__(self, holder: Any) -> Weights:
        out = []
        for path, fan_in in zip(self.paths, self.fan_ins):
            read = [read_neuron(r, fan_in) for r in self.resolve(holder, path)]
            out.append((np.array([w for w, _ in read], np.float64).T, np.array([b for _, b in read], np.float64)))
        return out


def detect(objects: list[tuple[str, Any]], spec: ModelSpec, resolve: Resolve) -> tuple[NeuronLists, str] | None:
    """A reader for a network kept as lists of neuron records among ``objects`` (path, value),
    and the note saying where; None when there is none for every layer."""
    if not spec.use_bias:
        return None
    paths, used = [], set()
    for fan_in, fan_out in zip(spec.sizes, spec.sizes[1:]):
        path = next(
            (
                p
                for p, v in objects
                if p not in used
                and isinstance(v, (list, tuple))
                and len(v) == fan_out
                and all(read_neuron(r, fan_in) is not None for r in v)
            ),
            None,
        )
        if path is None:
            return None
        used.add(path)
        paths.append(path)
    return NeuronLists(resolve, spec, paths), (
        f"weights read neuron by neuron from {', '.join(paths)}: each neuron's list of input weights and its bias "
        "(numbers, or scalar objects holding them in .data)"
    )
