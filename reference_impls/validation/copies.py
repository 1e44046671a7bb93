"""Untouched copies of a user's network, state and all.

``validate`` re-runs a network from its start (convention trials, re-synchronised checks), so
it keeps a copy taken before the first step. ``copy.deepcopy`` copies objects but not the
state a function holds in its closure (an optimizer captured by a ``step`` function keeps
its moments between runs), so functions are copied with their closure cells, all in one
memo: what the user's objects share stays shared in the copy.
"""

from __future__ import annotations

import copy
import types
from typing import Any


def _clone_function(fn: types.FunctionType, memo: dict) -> types.FunctionType:
    if id(fn) in memo:
        return memo[id(fn)]
    cells = None
    if fn.__closure__:
        cells = tuple(
            types.CellType(clone(c.cell_contents, memo)) if _filled(c) else types.CellType() for c in fn.__closure__
        )
    new = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__, cells)
    new.__kwdefaults__, new.__qualname__, new.__dict__ = fn.__kwdefaults__, fn.__qualname__, dict(fn.__dict__)
    memo[id(fn)] = new
    return new


def _filled(cell: types.CellType) -> bool:
    try:
        cell.cell_contents  # noqa: B018 (reading it is the test: an empty cell raises)
    except ValueError:  # an empty cell (a name assigned later in the enclosing function)
        return False
    return True


def clone(obj: Any, memo: dict | None = None) -> Any:
    """A deep copy of ``obj`` in which functions (alone, in containers, or bound to objects)
    get their own copies of the closure state they hold."""
    memo = {} if memo is None else memo
    if isinstance(obj, types.FunctionType):
        return _clone_function(obj, memo)
    if isinstance(obj, types.MethodType):
        return types.MethodType(clone(obj.__func__, memo), clone(obj.__self__, memo))
    if isinstance(obj, (list, tuple)) and any(isinstance(v, (types.FunctionType, types.MethodType)) for v in obj):
        return type(obj)(clone(v, memo) for v in obj)
    if isinstance(obj, dict) and any(isinstance(v, (types.FunctionType, types.MethodType)) for v in obj.values()):
        return {k: clone(v, memo) for k, v in obj.items()}
    try:
        return copy.deepcopy(obj, memo)
    except Exception:  # an object that refuses copying (a module, a lock): shared, as deepcopy cannot do better
        return obj
