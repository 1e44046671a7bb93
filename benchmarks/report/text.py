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


def times(ratio: float) -> str:
    """A ratio as text: three significant figures below 100, whole numbers above (410×,
    never 4.1e+02×)."""
    return f"{ratio:.3g}\u00d7" if ratio < 100 else f"{ratio:.0f}\u00d7"


def tick_label(value: float) -> str:
    """A log axis's tick value written one way: 0.01, 1, 1000 in full, 1e-5 and 1e6
    beyond (no SI prefixes, no '1e-05')."""
    text = f"{value:g}"
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    return f"{mantissa}e{int(exponent)}"


def log_ticks(lo: float, hi: float) -> list[float]:
    """The labelled ticks of a log axis over the data's ``lo`` to ``hi``, the same in the
    PNGs and the page: 1, 2 and 5 of each decade over a span of three decades or less,
    every decade (every second, third... past eight) over a longer one; minor ticks go
    unlabelled."""
    if not (np.isfinite(lo) and np.isfinite(hi) and 0 < lo < hi):
        return []
    first, last = int(np.floor(np.log10(lo))), int(np.ceil(np.log10(hi)))
    mantissas = (1, 2, 5) if last - first <= 3 else (1,)
    stride = max(1, -(-(last - first) // 8))
    return [
        m * 10.0**e
        for e in range(first, last + 1)
        if (e - first) % stride == 0
        for m in mantissas
        if lo / 1.001 <= m * 10.0**e <= hi * 1.001
    ]


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
