"""Calling the user's code: an exception inside it becomes one report naming the object,
the method, the step and the user's own line, never a traceback from our code.

An ``AttributeError`` on ``self`` is explained further when we saw the forward pass: a
backward that reads ``self.output_layer_output`` which forward never set (seed 004's
``SimpleNN``) says exactly that, with the attributes forward did set.
"""

from __future__ import annotations

import difflib
import re
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

_OURS = Path(__file__).resolve().parents[1]  # reference_impls/
_CELL = re.compile(r"\.ipynb cell \d+$")  # the file name a notebook's code cell is compiled under


def cell_filename(notebook: str | Path, number: int) -> str:
    """``/path/lab.ipynb cell 4``: the file name code cell ``number`` (1-based, code cells
    only: ``In [4]`` after Restart & Run All) is compiled under, so every report of a line
    in it says ``lab.ipynb cell 4, line 12``."""
    return f"{Path(notebook).resolve()} cell {number}"


def is_cell(filename: str) -> bool:
    """Whether ``filename`` is a notebook cell's (``cell_filename``)."""
    return bool(_CELL.search(filename))


def place(filename: str, lineno: int | str | None) -> str:
    """``mynet.py:12``, or ``lab.ipynb cell 4, line 12`` for a notebook's cell."""
    name = Path(filename).name
    return f"{name}, line {lineno}" if is_cell(filename) else f"{name}:{lineno}"


class UserCodeError(Exception):
    """The user's network raised, or returned something unusable; ``str()`` is the report."""

    def __init__(self, message: str, *, step: int, where: str, phase: str, hints: list[str] | None = None) -> None:
        super().__init__(message)
        self.step, self.where, self.phase, self.hints = step, where, phase, list(hints or [])


def describe(obj: Any) -> str:
    """``SimpleNN`` for an instance, ``train_step`` for a function."""
    if _is_function(obj):
        qual = getattr(obj, "__qualname__", getattr(obj, "__name__", repr(obj)))
        return qual.rsplit("<locals>.", 1)[-1]  # a function defined inside another: its own name
    return type(obj).__name__


def _is_function(obj: Any) -> bool:
    return type(obj).__name__ in ("function", "builtin_function_or_method", "method")


def user_frame(exc: BaseException) -> str:
    """``file.py:31 in backward: <source line>`` for the innermost frame outside this package
    and the installed libraries (the user's own line); '' when there is none."""
    frames = traceback.extract_tb(exc.__traceback__)
    site = ("site-packages", "dist-packages", "/lib/python")
    mine = [
        f
        for f in frames
        if not Path(f.filename).resolve().is_relative_to(_OURS) and not any(s in f.filename for s in site)
    ]
    if not mine:
        return ""
    f = mine[-1]
    return f"{place(f.filename, f.lineno)} in {f.name}: {(f.line or '').strip()}"


class Caller:
    """Calls into one user network, remembering which attributes each method set on its
    object (for explaining a later ``AttributeError``)."""

    def __init__(self) -> None:
        self.sets: dict[tuple[int, str], set[str]] = {}
        self.step = 0

    def __call__(self, obj: Any, method: str | None, *args: Any, where: str, phase: str, **kwargs: Any) -> Any:
        """``obj.method(*args)`` (or ``obj(*args)`` when ``method`` is None)."""
        fn: Callable = obj if method is None else getattr(obj, method, None)
        label = f"{where}.{method}" if method else where
        if fn is None:
            raise UserCodeError(
                f"{label} does not exist: {describe(obj)} has no method {method!r}",
                step=self.step,
                where=label,
                phase=phase,
            )
        before = set(vars(obj)) if hasattr(obj, "__dict__") and method else None
        try:
            with np.errstate(all="ignore"):  # overflow shows up as inf/NaN in the comparison
                result = fn(*args, **kwargs)
        except SystemExit:  # exiting is the sandbox's verdict ("exited"), not an error of this call
            raise
        except BaseException as exc:  # the user's code, anything it raises (KeyboardInterrupt, its own
            raise self._report(exc, obj, method, label, phase, args) from None  # BaseException too): reported
        if before is not None:
            self.sets.setdefault((id(obj), method), set()).update(set(vars(obj)) - before)
        return result

    def _report(
        self, exc: BaseException, obj: Any, method: str | None, label: str, phase: str, args: tuple
    ) -> UserCodeError:
        line = user_frame(exc)
        msg = f"{label} raised {type(exc).__name__} at step {self.step}" + (f": {exc}" if str(exc) else "")
        if line:
            msg += f" ({line})"
        hints = []
        missing = getattr(exc, "name", None) if isinstance(exc, AttributeError) else None
        if missing and getattr(exc, "obj", None) is obj:
            hints.append(self._missing_attribute(obj, method, missing))
        shapes = [np.shape(a) for a in args if isinstance(a, np.ndarray)]
        if isinstance(exc, ValueError) and shapes:
            own = (
                {k: np.shape(v) for k, v in vars(obj).items() if isinstance(v, np.ndarray) and v.ndim == 2}
                if hasattr(obj, "__dict__")
                else {}
            )
            got = ", ".join(str(s) for s in shapes)
            hint = f"{label} was given arrays of shape {got}"
            if own:
                hint += "; its own arrays: " + ", ".join(f"{k} {s}" for k, s in own.items())
            hints.append(hint)
        return UserCodeError(msg, step=self.step, where=label, phase=phase, hints=hints)

    def _missing_attribute(self, obj: Any, method: str | None, name: str) -> str:
        cls = type(obj).__name__
        set_by = {m: attrs for (oid, m), attrs in self.sets.items() if oid == id(obj)}
        forward = set_by.get("forward")
        text = f"{cls}.{method} reads self.{name}, which "
        if forward is not None:
            text += f"{cls}.forward never sets (forward sets {', '.join(sorted(forward)) or 'nothing'})"
            text += f"; store it in forward, e.g. `self.{name} = ...` before returning"
        else:
            text += f"no earlier call set on {cls}"
        close = difflib.get_close_matches(name, list(vars(obj)), n=2, cutoff=0.75)
        if close:
            text += f" (similar names that exist: {', '.join(close)})"
        return text
