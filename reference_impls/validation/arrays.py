"""The arrays-and-functions style: ``Functional`` (parameters as arrays and a ``step``
function, seed 001), finding its arrays by name or by shape (``ArraySlots``). The black box
is in ``blackbox``; the shared interface, ``Observed`` and the
layer-object style are in ``styles``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..spec import ModelSpec, SpecError
from .copies import clone
from .slots import ArraySlots, SlottedNetwork
from .styles import Observed, _n_of
from .usercode import Caller, UserCodeError, describe

WHOLE = object()  # a gradient returned alone for the one array of parameters (not a key into a container)


# ---- 2. arrays and functions ----------------------------------------------------------------
def _copy_params(params: Any) -> Any:
    if isinstance(params, dict):
        return {k: np.array(v, copy=True) if isinstance(v, np.ndarray) else v for k, v in params.items()}
    return type(params)(np.array(v, copy=True) if isinstance(v, np.ndarray) else v for v in params)


class Functional(SlottedNetwork):
    style = "arrays and functions"

    def __init__(
        self,
        step: Callable,
        params: Any,
        spec: ModelSpec,
        *,
        returns: str = "auto",
        forward: Callable | None = None,
        weights: Sequence[Any] | Callable | None = None,
        weight_layout: str | None = None,
    ) -> None:
        if not callable(step):
            raise SpecError("step must be a function step(params, X, y)")
        if not isinstance(params, (dict, list, tuple)):
            raise SpecError(f"params must be a dict or list of arrays, got {type(params).__name__}")
        if returns not in ("auto", "params", "gradients"):
            raise SpecError(f"returns must be 'auto', 'params' or 'gradients', got {returns!r}")
        self._init = clone(
            (step, _copy_params(params), spec, returns, forward, weights)
        )  # before any step: state and all
        self.fn, self.params, self.returns, self.forward_fn = step, _copy_params(params), returns, forward
        self._locate(self.params, spec, weights, weight_layout)
        self._optimizer = None
        self._said_ambiguous = False

    def fresh(self) -> Functional:
        step, params, spec, returns, forward, weights = clone(self._init)
        net = Functional(
            step, params, spec, returns=returns, forward=forward, weights=weights, weight_layout=self.layout
        )
        net.samples_as, net.notes = self.samples_as, list(self.notes)
        return net

    def _same_structure(self, value: Any) -> bool:
        if isinstance(self.params, dict):
            return isinstance(value, dict) and set(value) == set(self.params)
        return (
            isinstance(value, (list, tuple))
            and len(value) == len(self.params)
            and all(np.shape(a) == np.shape(b) for a, b in zip(value, self.params))
        )

    def _gradient_names(self, grads: Any) -> dict[str, str] | None:
        """``{param name: gradient name}`` when ``grads`` holds one gradient per parameter."""
        if isinstance(self.params, dict) and isinstance(grads, dict):
            match = {}
            for p in self.params:
                names = (p, f"d{p}", f"grad_{p}", f"{p}_grad", f"d_{p}")  # cs231n keys gradients like the params
                g = next((k for k in grads if str(k).lower() in {n.lower() for n in names}), None)
                if g is None:
                    return None
                match[p] = g
            return match
        if isinstance(grads, (list, tuple)) and len(grads) == len(self.params):
            return {f"params[{i}]": i for i in range(len(grads))}
        if isinstance(grads, np.ndarray) and len(self.params) == 1:  # one array of parameters, its gradient alone
            (key,) = self.params if isinstance(self.params, dict) else ("params[0]",)
            only = self.params[key] if isinstance(self.params, dict) else self.params[0]
            return {key: WHOLE} if np.shape(only) == grads.shape else None
        return None

    def step(self, X, y, caller: Caller) -> list[Observed]:
        n = _n_of(X, self.samples_as)
        seen: list[Observed] = []
        if self.forward_fn is not None:
            seen += self._forward(X, n, caller)
        result = caller(self.fn, None, _copy_params(self.params), X, y, where=describe(self.fn), phase="gradient")
        new, loss, grads = self._read(result, caller)
        if loss is not None:
            seen.append(self.observe(("loss",), f"loss returned by {describe(self.fn)}", loss, n))
        if grads is not None:
            new = self._apply(grads, seen, n, caller.step)
        self._store(new)
        return seen + self._updated(n)

    def _forward(self, X, n: int, caller: Caller) -> list[Observed]:
        out = caller(
            self.forward_fn, None, _copy_params(self.params), X, where=describe(self.forward_fn), phase="forward"
        )
        name = describe(self.forward_fn)
        L = len(self.spec.sizes) - 1
        if isinstance(out, (tuple, list)) and len(out) == 2 * L:  # z1, a1, z2, a2, ...
            return [self.observe(("forward", i), f"{name}(...)[{i}]", o, n) for i, o in enumerate(out)]
        if isinstance(out, (tuple, list)):
            out = out[-1]
        return [self.observe(("forward", 2 * L - 1), f"{name}(...)", out, n)]

    def _read(self, result: Any, caller: Caller) -> tuple[Any, Any, Any]:
        """(new params, loss, gradients) from what the step function returned."""
        where = describe(self.fn)
        if self.returns != "gradients" and self._same_structure(result):
            return result, None, None
        if isinstance(result, tuple) and len(result) == 2:
            a, b = result
            scalar_a, scalar_b = (
                np.ndim(a) == 0 and not isinstance(a, (dict, list, tuple)),
                np.ndim(b) == 0 and not isinstance(b, (dict, list, tuple)),
            )
            if scalar_a or scalar_b:
                loss, other = (a, b) if scalar_a else (b, a)
                # (loss, dict keyed like params) is cs231n's ``loss, grads = net.loss(X, y)``:
                # loss first reads as gradients, loss second as (new params, loss).
                ambiguous = self.returns == "auto" and self._same_structure(other)
                if ambiguous and scalar_a and self._gradient_names(other) and not self._said_ambiguous:
                    self._said_ambiguous = True
                    self.notes.append(
                        f"{where} returns (loss, arrays keyed like params): read as (loss, gradients), "
                        "as in cs231n; pass returns='params' if they are the new parameters"
                    )
                if self.returns == "gradients" or (
                    self.returns == "auto"
                    and (scalar_a or not self._same_structure(other))
                    and self._gradient_names(other)
                ):
                    if self._gradient_names(other) is None:
                        raise UserCodeError(
                            f"{where} returned gradients that do not match params one to one",
                            step=caller.step,
                            where=where,
                            phase="gradient",
                        )
                    return None, loss, other
                if self._same_structure(other):
                    return other, loss, None
        raise UserCodeError(
            f"{where} returned {type(result).__name__}; return the new params (same keys as params), "
            "(new params, loss), or (loss, gradients) with returns='gradients'",
            step=caller.step,
            where=where,
            phase="update",
        )

    def _apply(self, grads: Any, seen: list[Observed], n: int, step: int) -> Any:
        """The spec's optimizer applied to the user's gradients (the update is then ours)."""
        names = self._gradient_names(grads)
        if self.slots.reader is not None:
            return self._apply_held(grads, names, seen, n)
        params, pairs = _copy_params(self.params), []
        for l, (w, b) in enumerate(self.pairs):
            for kind, pname in (("W", w), ("b", b)):
                if pname is None:
                    continue
                g = np.asarray(grads[names[pname]])
                seen.append(self.observe(("gradient", kind, l), f"{names[pname]}", g, n))
                key = pname if isinstance(params, dict) else int(pname[7:-1])
                pairs.append((params[key], g))
        for (p, g), o in zip(pairs, seen[-len(pairs) :]):
            if np.shape(g) != np.shape(p):  # what was seen is still compared: the shape is the first divergence
                exc = UserCodeError(
                    f"gradient {o.name} has shape {np.shape(g)} but its parameter has {np.shape(p)}",
                    step=step,
                    where=describe(self.fn),
                    phase="gradient",
                )
                exc.seen = seen
                raise exc
        pairs = [(p, g.astype(p.dtype)) for p, g in pairs]
        self.spec_optimizer().step(pairs)  # in place, in the user's own layout (elementwise rules)
        return params

    def _apply_held(self, grads: Any, names: dict, seen: list[Observed], n: int) -> Any:
        """Gradients held the way the parameters are (an unrolled vector, Theta matrices),
        read per layer by the same reader as the weights; the optimizer steps each held array."""
        params = _copy_params(self.params)
        keys = list(params) if isinstance(params, dict) else list(range(len(params)))
        held = {k: np.asarray(grads if g is WHOLE else grads[g]) for k, g in zip(keys, names.values())}
        as_params = held if isinstance(params, dict) else [held[k] for k in keys]
        label = "the gradient" if any(g is WHOLE for g in names.values()) else "the gradients"
        for l, (gW, gb) in enumerate(self.slots.reader(as_params)):
            for kind, g in (("W", gW), ("b", gb))[: 2 if self.spec.use_bias else 1]:
                seen.append(self.observe(("gradient", kind, l), f"{label}'s layer {l} {kind}", g, n))
        pairs = [(params[k], held[k].astype(params[k].dtype).reshape(params[k].shape)) for k in keys]
        self.spec_optimizer().step(pairs)  # elementwise rules: the held arrays step as the layers would
        return params

    def _store(self, new: Any) -> None:
        self.params = _copy_params(new)
        self.slots = ArraySlots(
            self.params, self.slots.composites, self.slots.reader
        )  # the same names, read the same way
