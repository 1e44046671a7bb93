"""What ``validate`` returns: the verdict, where the user's network first departs
(``Divergence``), the diagnosis and one row per (impl, step, tensor) compared."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..spec import ModelSpec
from .phrasing import PHASES, preview, spec_changes


@dataclass
class Divergence:
    """Where the user's network first departs from a framework."""

    step: int  # 1-based; the forward outputs of step k use the weights after step k - 1
    phase: str  # forward / loss / gradient / update
    tensor: str  # as the user's code names it
    impl: str
    ours: np.ndarray
    theirs: np.ndarray
    deviation: float
    tolerance: float

    def __str__(self) -> str:
        return (
            f"step {self.step}, {self.phase}, {self.tensor} (vs {self.impl}): relative deviation "
            f"{self.deviation:.2e} > tolerance {self.tolerance:.0e}"
        )


@dataclass
class ValidationResult:
    """The verdict. ``table`` has one row per (impl, step, tensor) compared."""

    ok: bool
    first_divergence: Divergence | None
    diagnosis: list[str]
    table: pd.DataFrame
    spec: ModelSpec
    style: str
    steps: int
    tolerance: float
    against: tuple[str, ...]
    not_expressible: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    suggested_spec: ModelSpec | None = None
    amplified: bool = False  # round-off grew through the dynamics; each step checked re-synchronised
    resynced_deviation: float | None = None  # largest one-step deviation from the same weights
    findings: list = field(default_factory=list)  # diagnose.Finding: text, kind, spec
    failure: Any = None  # verdict.Failure: the user's code raised, exited, crashed, timed out or ran out of memory
    seconds: dict[str, float] = field(default_factory=dict)  # start-up, your code, twins, comparison, diagnosis

    @property
    def compared(self) -> tuple[str, ...]:
        """The implementations actually compared (the rest were not expressible)."""
        return tuple(a for a in self.against if a not in self.not_expressible)

    def max_deviation(self) -> dict[str, float]:
        """Largest deviation per phase over every step and implementation."""
        if self.table.empty:
            return {}
        return (
            self.table.groupby("phase")["deviation"]
            .max()
            .reindex([p for p in PHASES if p in set(self.table.phase)])
            .to_dict()
        )

    @property
    def verdict(self) -> str:
        """PASS, FAIL, ERROR (the user's code failed to run) or NOT JUDGED (nothing compared)."""
        return "PASS" if self.ok else "ERROR" if self.failure is not None else "FAIL" if self.compared else "NOT JUDGED"

    def headline(self) -> str:
        """``(layer objects) against torch: float64, 5 step(s), tolerance 1e-10 relative``."""
        who = ", ".join(self.compared) or "no framework"
        return (
            f"({self.style}) against {who}: {self.spec.dtype}, {self.steps} step(s), "
            f"tolerance {self.tolerance:.0e} relative"
        )

    def summary_line(self) -> str:
        """What a pass says: the frameworks compute the same, within the largest deviation."""
        who = ", ".join(self.compared) or "no framework"
        worst = (
            max(self.max_deviation().values(), default=0.0)
            if self.resynced_deviation is None
            else self.resynced_deviation
        )
        how = " (each step from the same weights)" if self.amplified else ""
        return (
            f"your network computes what {who} compute{'s' if len(self.compared) == 1 else ''}: "
            f"largest relative deviation {worst:.1e}{how}"
        )

    def _repr_html_(self) -> str:
        """Jupyter's rich display: verdict first, the first divergence, a per-tensor deviation plot."""
        from .display import result_html

        return result_html(self)

    def __str__(self) -> str:
        lines = [f"validate: {self.verdict} {self.headline()}"]
        if self.ok:
            lines.append(f"  {self.summary_line()}")
        elif self.first_divergence is not None:
            d = self.first_divergence
            lines.append(f"  first divergence: {d}")
            lines.append(f"    ours   {preview(d.ours)}")
            lines.append(f"    theirs {preview(d.theirs)}")
        if self.error:
            lines.append(f"  error: {self.error}")
        lines += [f"  - {text}" for text in self.diagnosis]
        if self.suggested_spec is not None:
            lines.append(f"  suggested spec: {spec_changes(self.spec, self.suggested_spec)}")
        for impl, why in self.not_expressible.items():
            lines.append(f"  {impl}: not expressible: {why}")
        lines += [f"  note: {n}" for n in self.notes]
        devs = self.max_deviation()
        if devs:
            label = "free-running from the same start" if self.amplified else "over every step"
            lines.append(
                f"  largest deviation per phase ({label}): " + ", ".join(f"{p} {v:.1e}" for p, v in devs.items())
            )
        if self.seconds:
            lines.append("  time: " + ", ".join(f"{part} {value:.2f} s" for part, value in self.seconds.items()))
        return "\n".join(lines)
