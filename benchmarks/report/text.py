"""How numbers read in a report (durations, medians with their intervals), and the
summary as a terminal table."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd


def md_escape(text: object) -> str:
    """Text for a Markdown table cell, heading or list line: Markdown viewers render raw
    HTML, so ``<``, ``>`` and ``&`` become entities (a results folder's strings are the
    user's, and a ``<script>`` in a task name or message must stay text); ``|`` would end a
    cell, a newline the line."""
    return html.escape(str(text), quote=False).replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def ci_text(med: float, lo: float, hi: float, fmt: str) -> str:
    """``"0.970 [0.950, 0.990]"``; ``"-"`` without a median, no interval without bounds."""
    if not np.isfinite(med):
        return "-"
    text = format(med, fmt)
    return text if not np.isfinite(lo) else f"{text} [{format(lo, fmt)}, {format(hi, fmt)}]"


def seconds(x: float) -> str:
    """A duration with a unit a person reads at a glance."""
    if not np.isfinite(x):
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if x >= scale:
            return f"{x / scale:.3g} {unit}"
    return f"{x * 1e9:.3g} ns"


def print_summary(summary: pd.DataFrame, runs: pd.DataFrame, console=None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = console or Console(width=200)
    table = Table(title="Summary over seeds: median \\[bootstrap 95% CI]")
    for col in (
        "task",
        "impl",
        "runs",
        "success",
        "final accuracy",
        "steps to target",
        "time to target",
        "step time",
        "build",
        "first step",
        "sklearn check",
    ):
        table.add_column(col, justify="left" if col in ("task", "impl") else "right")
    from .data import target_accuracy

    for r in target_accuracy(summary).itertuples() if len(summary) else ():
        counts = [
            f"{n} {what}"
            for n, what in ((r.diverged, "diverged"), (r.failed, "failed"), (r.not_expressible, "not expressible"))
            if n
        ]
        table.add_row(
            r.task,
            r.impl,
            f"{r.runs}" + (f" ({', '.join(counts)})" if counts else ""),
            f"{r.success_rate:.0%}",
            ci_text(r.target_accuracy_median, r.target_accuracy_ci_low, r.target_accuracy_ci_high, ".3f")
            + f" {r.accuracy_split}",
            ci_text(r.steps_to_target_median, r.steps_to_target_ci_low, r.steps_to_target_ci_high, ".0f"),
            seconds(r.t_to_target_median),
            seconds(r.t_step_median),
            seconds(r.t_build_median),
            seconds(r.t_compile_median),
            "-" if not np.isfinite(r.sk_check_ok) else f"{r.sk_check_ok:.0%} agree",
        )
    console.print(table)
    bad = runs[runs["status"] != "ok"] if len(runs) else runs
    for r in bad.itertuples():
        console.print(f"[yellow]{r.task} {r.impl} seed {r.seed}: {r.status}[/] {r.message}", highlight=False)
    if len(runs) and (runs["parallel_jobs"] > 1).any():
        console.print("[yellow]timings were taken with runs in parallel: they share the CPU[/]")
