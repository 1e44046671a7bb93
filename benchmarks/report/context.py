"""The template's facts about the sweep, as text: the summary table (small samples shown
as their range and n, never a bootstrap interval that collapses), what ran where and with
which code (provenance), the equivalence table and the tolerances it was judged by."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd

from ..results.provenance import code_version, describe
from . import data, panels, verdict
from .text import seconds

SMALL_N = 10  # below this many seeds a bootstrap interval collapses: show the range and n
SPREAD_NOTE = (
    f"With fewer than {SMALL_N} seeds each value is the median over the seeds that finished with the lowest and "
    f"highest seed's value in brackets and n; from {SMALL_N} seeds on, the brackets hold a bootstrap 95% interval."
)


def md_code(text: object) -> str:
    """Text for an inline code span: no backticks (they would end it), one line."""
    return str(text).replace("`", "'").replace("\r", " ").replace("\n", " ")


def spread_text(values: pd.Series, fmt: str, ci: tuple[float, float] = (np.nan, np.nan)) -> str:
    """``median [low–high] n=3`` from the seeds' values: their range below ``SMALL_N``
    seeds, the stored bootstrap interval ``ci`` from there on; "-" when none is finite."""
    v = pd.to_numeric(values, errors="coerce").astype(float)
    v = v[np.isfinite(v)]
    if not len(v):
        return "-"
    lo, hi = (v.min(), v.max()) if len(v) < SMALL_N or not np.all(np.isfinite(ci)) else ci
    if np.isclose(lo, hi, rtol=1e-12, atol=0):
        return f"{format(v.median(), fmt)} (all {len(v)})" if len(v) > 1 else f"{format(v.median(), fmt)} (n=1)"
    return f"{format(v.median(), fmt)} [{format(lo, fmt)}–{format(hi, fmt)}] n={len(v)}"


SUMMARY_HEADER = [
    "task",
    "impl",
    "train accuracy",
    "test accuracy",
    "reached target",
    "steps to target",
    "time to target (first step incl.)",
    "step time (after warm-up)",
    "sklearn agrees",
]


def _accuracy_cell(r, mine: pd.DataFrame, which: str, marks: dict) -> dict:
    """One split's final accuracy over the seeds; the split the target is judged on says so."""
    ci = (getattr(r, f"final_{which}_accuracy_ci_low", np.nan), getattr(r, f"final_{which}_accuracy_ci_high", np.nan))
    text = spread_text(mine.get(f"final_{which}_accuracy", pd.Series(dtype=float)), ".3f", ci)
    if which != r.accuracy_split:
        return {"text": text, "best": False}
    return {"text": text + " (target)", "best": marks.get((r.task, r.impl, "target_accuracy_median"), False)}


def summary_rows(summary: pd.DataFrame, runs: pd.DataFrame) -> list[dict]:
    """The summary table's cells (text) per (task, impl), from the finished runs' values
    (see ``spread_text``), with the best value of each task marked."""
    summary = data.target_accuracy(summary)
    marks = data.best_marks(summary)
    ok = runs[runs["status"] == "ok"]
    rows = []
    for r in summary.itertuples():
        mine = ok[(ok["task"] == r.task) & (ok["impl"] == r.impl)]
        reached = mine[mine["reached_target"].astype(bool)] if "reached_target" in mine else mine.iloc[:0]
        best = {col: marks.get((r.task, r.impl, col), False) for col in data.BEST_RULES}
        steps = spread_text(reached.get("steps_to_target", pd.Series(dtype=float)), ".0f")
        sk = "-" if not np.isfinite(r.sk_check_ok) else f"{r.sk_check_ok:.0%}"
        rows.append(
            {
                "task": r.task,
                "impl": r.impl,
                "cells": [
                    _accuracy_cell(r, mine, "train", marks),
                    _accuracy_cell(r, mine, "test", marks),
                    {"text": f"{r.success_rate:.0%} of {r.runs}", "best": best["success_rate"]},
                    {"text": steps, "best": best["steps_to_target_median"]},
                    {"text": seconds(r.t_to_target_median), "best": best["t_to_target_median"]},
                    {"text": seconds(r.t_step_median), "best": best["t_step_median"]},
                    {"text": sk, "best": False},
                ],
            }
        )
    return rows


def _load(runs: pd.DataFrame, environment: pd.DataFrame | None) -> str:
    """The machine's 1-minute load average around the runs, in one line."""
    readings = verdict.load_readings(runs, environment).dropna()
    if readings.empty:
        return "not recorded"
    worst = readings.loc[readings["load"].idxmax()]
    return (
        f"1-minute load average {readings['load'].median():.2f} (median over runs), up to {worst['load']:.2f} "
        f"on {int(worst['cpu_count'])} CPUs"
    )


def run_context(
    runs: pd.DataFrame,
    summary: pd.DataFrame,
    manifest: dict,
    frameworks: dict,
    tasks: list[str],
    environment: pd.DataFrame | None = None,
) -> dict:
    """The template's facts about the sweep: what ran, where, with which code, what went wrong."""
    impls = data.impls_in(runs)
    software = manifest.get("software", {})
    return {
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": manifest.get("command", ""),
        "grid_note": data.grid_note(manifest),
        "complete": manifest.get("complete", True),
        "software": software,
        "sweep_code": describe(software) if "git_commit" in software else "not recorded (a sweep from before it was)",
        "report_code": describe(code_version()),
        "load": _load(runs, environment),
        "framework_versions": [frameworks[i].get("version", i) for i in impls if i in frameworks],
        "framework_names": [frameworks[i].get("display_name", i) for i in impls if i in frameworks],
        "threads": sorted(set(runs["threads"])) if "threads" in runs else [],
        "parallel": bool((runs.get("parallel_jobs", pd.Series([1])) > 1).any()),
        "devices": panels.devices(runs),
        "hosts": list(dict.fromkeys(runs["host"].astype(str))) if "host" in runs else [],
        "n_runs": len(runs),
        "tasks": tasks,
        "impls": impls,
        "seeds": sorted(set(runs["seed"])),
        "summary_header": SUMMARY_HEADER,
        "summary_rows": summary_rows(summary, runs),
        "spread_note": SPREAD_NOTE,
        "problems": [
            dict(task=r.task, impl=r.impl, seed=r.seed, status=r.status, message=r.message)
            for r in runs.itertuples()
            if r.status != "ok"
        ],
        "sk_mismatches": [
            dict(task=r.task, impl=r.impl, seed=r.seed, check=r.sk_check)
            for r in runs.itertuples()
            if r.status == "ok" and getattr(r, "sk_check", "ok") != "ok"
        ],
        "sk_ok": int((runs.get("sk_check") == "ok").sum()) if "sk_check" in runs else 0,
    }
