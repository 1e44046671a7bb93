"""Name -> class tables, so a spec's strings resolve in one place with one clear error."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def lookup(table: Mapping[str, Any], kind: str, name: str) -> Any:
    """Return ``table[name]``; an unknown name raises ValueError listing the known ones."""
    try:
        return table[name]
    except (KeyError, TypeError):
        known = ", ".join(sorted(table))
        raise ValueError(f"unknown {kind} {name!r}; choose one of: {known}") from None
