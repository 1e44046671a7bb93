"""This project's packages stay its own when a user's module has the same name.

A user who validates a network from ``mynet.py`` may well keep a ``scratch.py`` (or
``benchmarks.py``) beside it: Python puts the script's folder first on ``sys.path``, so a
plain ``import scratch`` inside this project would load the user's file. ``own_modules``
makes this project's package the one our imports see, and gives the user's module back
afterwards; ``user_modules`` does the opposite while a user's file is loaded. Where no
name is shadowed (the usual case) both do nothing.
"""

from __future__ import annotations

import contextlib
import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHADOWABLE = ("scratch", "benchmarks")
_OURS: dict[str, dict] = {}  # our module entries while a user's are in sys.modules


def _entries(name: str) -> dict:
    return {k: m for k, m in sys.modules.items() if k == name or k.startswith(name + ".")}


def _is_ours(path: str | None, name: str) -> bool:
    return bool(path) and Path(path).resolve().is_relative_to(ROOT / name)


def _shadowed(name: str) -> bool:
    mod = sys.modules.get(name)
    if mod is not None:
        return not _is_ours(getattr(mod, "__file__", None), name)
    spec = importlib.util.find_spec(name)
    return spec is not None and not _is_ours(spec.origin, name)


@contextlib.contextmanager
def own_modules() -> Iterator[None]:
    """Our ``scratch`` (and ``benchmarks``) in ``sys.modules`` for the duration."""
    theirs: dict[str, dict] = {}
    for name in SHADOWABLE:
        if not _shadowed(name):
            continue
        theirs[name] = _entries(name)
        for k in theirs[name]:
            del sys.modules[k]
        if name in _OURS:
            sys.modules.update(_OURS[name])
        else:
            spec = importlib.util.spec_from_file_location(
                name, ROOT / name / "__init__.py", submodule_search_locations=[str(ROOT / name)]
            )
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
    try:
        yield
    finally:
        for name, entries in theirs.items():
            _OURS[name] = _entries(name)
            for k in _OURS[name]:
                del sys.modules[k]
            sys.modules.update(entries)


@contextlib.contextmanager
def user_modules(folder: Path) -> Iterator[None]:
    """``folder`` first on ``sys.path`` and its own modules named like ours importable, while
    a user's file is loaded; ours come back afterwards (the user's stay bound in their module)."""
    folder = Path(folder).resolve()
    clashes = [n for n in SHADOWABLE if (folder / f"{n}.py").exists() or (folder / n / "__init__.py").exists()]
    ours = {n: _entries(n) for n in clashes}
    for entries in ours.values():
        for k in entries:
            del sys.modules[k]
    sys.path.insert(0, str(folder))
    try:
        yield
    finally:
        sys.path.remove(str(folder))
        for n in clashes:
            for k in _entries(n):
                del sys.modules[k]
            sys.modules.update(ours[n])
