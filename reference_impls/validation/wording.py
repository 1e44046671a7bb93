"""How the catalogue of mistakes words a finding: where, and numbers without float noise."""

from __future__ import annotations

import math

from .context import Context


def fmt(c: float) -> str:
    return f"{c:.6g}"


def short(x: float) -> float:
    """``x`` in the shortest decimal form that is ``x`` to 1e-9 (no float noise in suggestions)."""
    for digits in range(1, 17):
        v = float(f"{x:.{digits}g}")
        if math.isclose(v, x, rel_tol=1e-9):
            return v
    return x


def at(ctx: Context) -> str:
    return f"{ctx.name} at step {ctx.step}"
