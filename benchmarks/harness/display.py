"""The harness's results in Jupyter (``_repr_html_``), built with the pieces a validation
result uses (``reference_impls.display``): the equivalence check's tables (``CheckTables``,
what ``run_check`` returns) and a sweep's ``Results``. Verdict first, then the first
comparison that failed, a bar per comparison, the table; plain text stays pandas'."""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import pandas as pd

from reference_impls.display import Bar, bars_svg, esc, headline, panel, scrolling

STATE = {"pass": "ok", "amplified": "warn", "fail": "bad", "error": "bad"}  # check statuses; not expressible: no bar
CHECK_COLUMNS = ["task", "config", "impl", "status", "one_step", "loss_max_rel", "weights_max_rel", "note"]
SWEEP_COLUMNS = ["task", "impl", "runs", "ok", "diverged", "failed", "success_rate", "accuracy", "t_step_median"]


class CheckTables(NamedTuple):
    """``run_check``'s two tables (unpack as ``table, deviation = run_check(...)``)."""

    equivalence: pd.DataFrame
    deviation: pd.DataFrame

    def _repr_html_(self) -> str:
        return check_html(self.equivalence)


def _one_step(table: pd.DataFrame) -> pd.Series:
    return table[["one_step_loss_rel", "one_step_grad_rel", "one_step_weight_rel"]].max(axis=1, skipna=False)


def check_html(table: pd.DataFrame) -> str:
    """The equivalence table: PASS unless a comparison failed or errored."""
    if table.empty:
        return panel(headline("NOT JUDGED", "no comparisons"), "check")
    counts = table["status"].value_counts()
    bad = table[table["status"].isin(["fail", "error"])]
    verdict = "FAIL" if len(bad) else "PASS"
    words = ", ".join(
        f"{int(counts[s])} {s}" for s in ("pass", "amplified", "fail", "error", "not expressible") if s in counts
    )
    text = f"equivalence with the scratch network ({table['dtype'].iloc[0]}, {table['steps'].iloc[0]} steps): {words}"
    parts = [headline(verdict, text)]
    if len(bad):
        r = bad.iloc[0]
        parts.append(
            f'<div class="sb-box"><b>First failure</b>: {esc(r.task)}, {esc(r.config)}, {esc(r.impl)}: '
            f"{esc(r.status)}" + (f": {esc(r.note)}" if r.note else "") + "</div>"
        )
    shown = table.assign(one_step=_one_step(table))
    judged = shown[shown["status"].isin(list(STATE))]
    bars = [Bar(r.task, f"{r.config} {r.impl}", float(r.one_step), STATE[r.status]) for r in judged.itertuples()]
    if bars:
        limit = float(table["tol_one_step"].iloc[0])
        caption = f"Largest one-step relative deviation per comparison (log scale). Dashed: the tolerance {limit:.0e}."
        parts.append("<h4>One-step deviation</h4>" + bars_svg(bars, limit, title=caption))
        parts.append(f'<p class="sb-muted">{esc(caption)}</p>')
    parts.append(_table(shown, CHECK_COLUMNS, "{:.1e}"))
    return panel("".join(parts), "check")


def sweep_html(results: Any) -> str:
    """A sweep's ``Results``: the runs' statuses, final accuracy per (task, impl), the summary."""
    runs, summary = results.runs, results.summary
    counts = runs["status"].value_counts() if "status" in runs else pd.Series(dtype=int)
    failed = int(counts.get("failed", 0))
    verdict = "INCOMPLETE" if not results.complete else "FAILED RUNS" if failed else "DONE"
    words = ", ".join(f"{int(n)} {s}" for s, n in counts.items())
    parts = [headline(verdict, f"{len(runs)} runs: {words or 'none'}")]
    if results.moved_aside:
        parts.append(f'<div class="sb-box">{len(results.moved_aside)} corrupt record(s) moved aside</div>')
    if not summary.empty:
        shown = summary.assign(accuracy=[_accuracy(r) for r in summary.itertuples()])
        bars = [
            Bar(r.task, r.impl, r.accuracy, "bad" if r.failed else "warn" if r.diverged else "ok")
            for r in shown.itertuples()
            if math.isfinite(r.accuracy)
        ]
        if bars:
            caption = "Median final accuracy over seeds, on the split each task's target is judged on."
            parts.append("<h4>Final accuracy</h4>" + bars_svg(bars, log=False, title=caption))
            parts.append(f'<p class="sb-muted">{esc(caption)}</p>')
        parts.append(_table(shown, SWEEP_COLUMNS, "{:.3g}"))
    return panel("".join(parts), "sweep")


def _accuracy(row: Any) -> float:
    value = getattr(row, f"final_{row.target_metric}_median", math.nan)
    return float(value) if value is not None and pd.notna(value) else math.nan


def _table(table: pd.DataFrame, columns: list[str], number: str) -> str:
    shown = table[[c for c in columns if c in table.columns]]
    return scrolling(shown.to_html(index=False, border=0, escape=True, na_rep="", float_format=number.format))
