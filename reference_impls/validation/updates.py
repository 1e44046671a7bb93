"""How a user's objects are called, read off their methods and parameters: which method
(``method_name``, among the names hand-written code gives its passes: ``FORWARD_NAMES``,
``BACKWARD_NAMES``), what it needs (``params``, ``required``), and for the optimizer, in
which shape (``OptimizerCall``).

Tutorials teach three shapes of one idea: the NNFS book's ``update_params(layer)`` once per
dense layer (between ``pre_`` and ``post_update_params``), a course's ``step(layers)`` or
``update(layers)`` once for the whole list, and PyTorch's ``step()`` on parameters the
optimizer was built with. ``OptimizerCall.of(optimizer)`` finds which one, so the lock-step
run and the optimizer probe call it the same way.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

# method names, most specific first
UPDATE_NAMES = (
    "update_params",
    "update_parameters",
    "update_weights",
    "update",
    "step",
    "optimize",
    "apply_gradients",
    "apply",
)
# a single parameter under one of these names (or any plural) receives the list of layers
LIST_NAMES = ("layers", "params", "parameters", "modules", "network", "net", "model", "nn", "all_layers")
SINGLE_NAMES = ("layer", "module", "param", "parameter", "l", "dense")
# what the validator accepts, for messages
EXPECTED = "update_params(layer), step(layers)/update(layers) or step()"


# what hand-written code calls its forward and backward passes (the first one an object has is called),
# for a layer object and a whole-network black box alike
FORWARD_NAMES = (
    "forward",
    "feedforward",
    "feed_forward",
    "forward_propagation",
    "forward_prop",
    "forward_pass",
    "forwardprop",
    "fprop",
    "call",
)
BACKWARD_NAMES = (
    "backward",
    "backprop",
    "back_prop",
    "backpropagation",
    "back_propagation",
    "backward_propagation",
    "back_propogation",
    "backward_prop",
    "backward_pass",
    "bprop",
)


def method_name(obj: Any, names: Sequence[str]) -> str | None:
    """The first of ``names`` that ``obj`` has as a callable."""
    return next((m for m in names if callable(getattr(obj, m, None))), None)


def params(fn: Callable) -> list[inspect.Parameter]:
    """``fn``'s positional parameters (none when its signature cannot be read)."""
    try:
        return [
            p
            for p in inspect.signature(fn).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
    except (TypeError, ValueError):
        return []


def required(fn: Callable) -> list[inspect.Parameter] | None:
    """The parameters ``fn`` needs (no default); None when its signature cannot be read."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return None
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return [p for p in params if p.kind in kinds and p.default is inspect.Parameter.empty]


@dataclass(frozen=True)
class OptimizerCall:
    """``method`` on the optimizer, called ``form``-wise: ``"per_layer"`` (once per dense
    layer, with it), ``"all_layers"`` (once, with the list of layers) or ``"no_args"``."""

    method: str
    form: str

    @classmethod
    def of(cls, optimizer: Any) -> OptimizerCall | None:
        """The first update method ``optimizer`` has, and how it takes the layers; None when
        it has none of ``UPDATE_NAMES``."""
        for name in UPDATE_NAMES:
            fn = getattr(optimizer, name, None)
            if not callable(fn):
                continue
            needed = required(fn)
            if needed is None:
                return cls(name, "per_layer" if name == "update_params" else "no_args")
            if not needed:
                return cls(name, "no_args")
            if len(needed) == 1:
                return cls(name, cls._form_of(needed[0].name))
        return None

    @staticmethod
    def _form_of(param: str) -> str:
        name = param.lower()
        if name in SINGLE_NAMES:
            return "per_layer"
        return "all_layers" if name in LIST_NAMES or name.endswith("s") else "per_layer"

    def hooks(self, optimizer: Any) -> tuple[str | None, str | None]:
        """The book's ``pre_update_params``/``post_update_params`` around ``update_params``."""
        if self.method != "update_params":
            return None, None
        return tuple(
            h if callable(getattr(optimizer, h, None)) else None for h in ("pre_update_params", "post_update_params")
        )

    def calls(self, optimizer: Any, layers: Sequence[Any], dense: Sequence[int]) -> list[tuple[str, tuple]]:
        """Every call one update makes: ``(method, args)`` in order, hooks included."""
        pre, post = self.hooks(optimizer)
        if self.form == "per_layer":
            body = [(self.method, (layers[i],)) for i in dense]
        elif self.form == "all_layers":
            body = [(self.method, (list(layers),))]
        else:
            body = [(self.method, ())]
        return [(pre, ())] * (pre is not None) + body + [(post, ())] * (post is not None)

    def describe(self) -> str:
        arg = {"per_layer": "layer", "all_layers": "layers", "no_args": ""}[self.form]
        return f"{self.method}({arg})"
