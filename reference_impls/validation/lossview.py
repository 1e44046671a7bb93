"""The user's loss, in whatever shape a tutorial wrote it: ``LossView`` gives one interface,
``value(out, y)`` and ``gradient(out, y)``, over an object with methods, a
``(loss, loss_prime)`` pair of functions, or one function returning ``(loss, dout)``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from ..spec import SpecError
from .updates import method_name, params, required
from .usercode import Caller, UserCodeError, describe

LOSS_VALUE_NAMES = ("calculate", "forward", "loss", "compute", "value", "__call__")
LOSS_GRAD_NAMES = ("backward", "gradient", "grad", "derivative", "prime", "backward_propagation", "delta")
RESET_NAMES = ("new_pass", "reset", "reset_states", "reset_state", "new_epoch")
# the labels' parameter names, for telling loss(y_true, y_pred) from loss(y_pred, y_true)
LABEL_NAMES = (
    "y",
    "y_true",
    "t",
    "target",
    "targets",
    "labels",
    "label",
    "actual",
    "expected",
    "Y",
    "y_train",
    "truth",
)


class LossView:
    """One interface over the ways a loss is written: ``value(out, y)`` (a number) and
    ``gradient(out, y)`` (d loss / d out)."""

    def __init__(self, loss: Any) -> None:
        self.loss = loss
        if isinstance(loss, (tuple, list)) and len(loss) == 2 and all(callable(f) for f in loss):
            self.value_fn, self.grad_fn = loss
            self.obj = None
        elif inspect.isfunction(loss) or inspect.ismethod(loss):
            self.value_fn, self.grad_fn, self.obj = loss, None, None  # returns (loss, dout)
        else:
            value, grad = method_name(loss, LOSS_VALUE_NAMES), method_name(loss, LOSS_GRAD_NAMES)
            if value is None:
                raise SpecError(
                    f"the loss {describe(loss)} has no method computing its value (looked for "
                    f"{', '.join(LOSS_VALUE_NAMES[:-1])}): pass an object, or (loss, loss_prime) functions"
                )
            self.obj, self.value_name, self.grad_name = loss, value, grad
            self.value_fn, self.grad_fn = getattr(loss, value), (getattr(loss, grad) if grad else None)
        self.where = "loss" if self.obj is not None else describe(self.value_fn)
        self.last_grad: np.ndarray | None = None

    @staticmethod
    def _args(fn: Callable, out: Any, y: Any, phase: str) -> tuple:
        """The arguments in the order the parameter names ask for. A gradient method that needs
        none (or only the labels) reads what its forward stored: ``loss.backward()``."""
        needed = required(fn)
        if phase == "gradient" and needed is not None and len(needed) <= 1:
            if not needed:
                return ()
            if needed[0].name in LABEL_NAMES:
                return (y,)
        ps = params(fn)
        return (y, out) if ps and ps[0].name in LABEL_NAMES else (out, y)

    def _call(self, fn: Callable, name: str | None, out: Any, y: Any, caller: Caller, phase: str) -> Any:
        if self.obj is not None:
            return caller(self.obj, name, *self._args(fn, out, y, phase), where="loss", phase=phase)
        return caller(fn, None, *self._args(fn, out, y, phase), where=describe(fn), phase=phase)

    def value(self, out: Any, y: Any, caller: Caller) -> Any:
        """The loss value; a per-sample array is averaged; a ``(loss, dout)`` pair keeps dout.
        A loss that accumulates over an epoch is started afresh first, as its own training
        loop does (the NNFS book's ``new_pass()``)."""
        reset = method_name(self.obj, RESET_NAMES) if self.obj is not None else None
        if reset and not params(getattr(self.obj, reset)):
            caller(self.obj, reset, where="loss", phase="loss")
        value = self._call(self.value_fn, getattr(self, "value_name", None), out, y, caller, "loss")
        self.last_grad = None
        if isinstance(value, tuple) and value:
            if len(value) == 2 and isinstance(value[1], np.ndarray) and np.shape(value[1]) == np.shape(out):
                self.last_grad = value[1]
            value = value[0]  # calculate(..., include_regularization=True), or (loss, dout)
        return np.mean(value) if isinstance(value, np.ndarray) and value.size > 1 else value

    def gradient(self, out: Any, y: Any, caller: Caller) -> np.ndarray:
        if self.grad_fn is None:
            if self.last_grad is not None:
                return self.last_grad
            raise UserCodeError(
                f"the loss {describe(self.loss)} has no gradient method (looked for {', '.join(LOSS_GRAD_NAMES)})",
                step=caller.step,
                where=self.where,
                phase="gradient",
            )
        r = self._call(self.grad_fn, getattr(self, "grad_name", None), out, y, caller, "gradient")
        if isinstance(r, np.ndarray):
            return r
        stored = getattr(self.obj, "dinputs", None)
        if isinstance(stored, np.ndarray):
            return stored
        raise UserCodeError(
            f"{self.where}.{getattr(self.grad_fn, '__name__', 'gradient')} returned nothing and set no self.dinputs",
            step=caller.step,
            where=self.where,
            phase="gradient",
        )
