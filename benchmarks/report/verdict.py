"""The verdict a reader sees first: is the scratch network right (equivalence, and a
``validate`` run's result when the results folder holds one), who is fastest per task
and by how much, how often each implementation reached its target, and what to distrust
(noisy or parallel timings, runs that did not finish). Plain data; the templates draw it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .data import impls_in

STATUSES = ("pass", "amplified", "not expressible", "fail", "error")
NOISY_IQR = 0.5  # a run whose step-time IQR exceeds half its median was measured under noise


def equivalence_line(eq: pd.DataFrame | None) -> dict | None:
    """``{"text": "56 pass, 4 not expressible, 0 fail", "ok": True}``; None without a check."""
    if eq is None or eq.empty:
        return None
    counts = eq["status"].value_counts()
    parts = [f"{int(counts[s])} {s}" for s in STATUSES if s in counts and s not in ("fail", "error")]
    bad = int(counts.get("fail", 0)) + int(counts.get("error", 0))
    parts.append(f"{bad} fail" + (f" ({int(counts['error'])} errors)" if counts.get("error", 0) else ""))
    dtypes = ", ".join(dict.fromkeys(eq["dtype"].astype(str)))
    return {"text": ", ".join(parts), "ok": bad == 0, "detail": f"{len(eq)} comparisons with scratch, {dtypes}, up to {int(eq['steps'].max())} steps"}


def validation_line(info: dict | None, table: pd.DataFrame | None) -> dict | None:
    """A ``scratchbench validate --out`` result stored in the results folder, in one line."""
    if not info:
        return None
    compared = ", ".join(info.get("compared", [])) or "no framework"
    text = f"{info.get('target', '?')} on {info.get('task', '?')}: {'pass' if info.get('ok') else 'FAIL'} against {compared}"
    d = info.get("first_divergence")
    if d:
        text += f"; first divergence at step {d['step']}, {d['phase']}, {d['tensor']} vs {d['impl']}"
    if table is not None and len(table):
        text += f" ({len(table)} tensor comparisons)"
    return {"text": text, "ok": bool(info.get("ok"))}


def fastest(runs: pd.DataFrame, summary: pd.DataFrame) -> list[dict]:
    """Per task: the implementation with the lowest median step time, and every other
    one's step time as a multiple of it: the median over seeds of the same-seed ratio,
    with the lowest and highest such ratio as its spread."""
    ok = runs[(runs["status"] == "ok") & np.isfinite(runs["t_step_median"].astype(float))]
    rows = []
    for task, g in summary.groupby("task", sort=False):
        g = g[np.isfinite(g["t_step_median"].astype(float))]
        if len(g) < 2:
            continue
        best = g.loc[g["t_step_median"].astype(float).idxmin(), "impl"]
        per_seed = ok[ok["task"] == task].pivot_table(index="seed", columns="impl", values="t_step_median", aggfunc="first")
        others = []
        for impl in impls_in(g):
            if impl == best or impl not in per_seed or best not in per_seed:
                continue
            r = (per_seed[impl] / per_seed[best]).dropna()
            if len(r):
                others.append({"impl": impl, "ratio": float(r.median()), "low": float(r.min()), "high": float(r.max()),
                               "text": f"{impl} {_x(r.median())} [{_x(r.min())}–{_x(r.max())}]"})
        rows.append({"task": task, "impl": best, "others": others, "text": ", ".join(o["text"] for o in others) or "-"})
    return rows


def _x(v: float) -> str:
    return f"{v:.2g}×" if v < 10 else f"{v:.0f}×"


def success(runs: pd.DataFrame) -> list[dict]:
    """Per implementation: runs that reached their target, out of all its runs."""
    out = []
    for impl in impls_in(runs):
        g = runs[runs["impl"] == impl]
        n, k = len(g), int(g["reached_target"].astype(bool).sum())
        out.append({"impl": impl, "reached": k, "runs": n, "text": f"{impl} {k}/{n} ({k / n:.0%})" if n else f"{impl} -"})
    return out


def warnings(runs: pd.DataFrame, complete: bool, sk_mismatches: int) -> list[str]:
    """What a reader should distrust, most serious first; empty when nothing is wrong."""
    out = []
    if not complete:
        out.append("the sweep is incomplete (interrupted): finish it with --resume")
    bad = runs[runs["status"] != "ok"]
    for status, g in bad.groupby("status", sort=False):
        where = ", ".join(f"{r.task}/{r.impl}/seed {r.seed}" for r in g.head(4).itertuples()) + (" ..." if len(g) > 4 else "")
        out.append(f"{len(g)} run{'s' if len(g) != 1 else ''} {status}: {where}")
    if sk_mismatches:
        out.append(f"{sk_mismatches} runs where sklearn.metrics disagrees with the harness's own numbers")
    if "parallel_jobs" in runs and (runs["parallel_jobs"] > 1).any():
        out.append(f"timings were taken with up to {int(runs['parallel_jobs'].max())} runs in parallel: they share the CPU, compare ratios with care")
    ok = runs[runs["status"] == "ok"]
    if len(ok) and {"t_step_median", "t_step_iqr"} <= set(ok):
        spread = ok["t_step_iqr"].astype(float) / ok["t_step_median"].astype(float)
        noisy = int((spread > NOISY_IQR).sum())
        if noisy:
            out.append(f"noisy timings: in {noisy} of {len(ok)} runs the step-time IQR exceeds {NOISY_IQR:.0%} of the median "
                       "(a loaded machine?); rerun on a quiet one before trusting the speed ratios")
    return out


def verdict(runs: pd.DataFrame, summary: pd.DataFrame, equivalence: pd.DataFrame | None, validation: dict | None,
            validation_table: pd.DataFrame | None, complete: bool, sk_mismatches: int) -> dict:
    return {
        "equivalence": equivalence_line(equivalence),
        "validation": validation_line(validation, validation_table),
        "fastest": fastest(runs, summary),
        "success": success(runs),
        "warnings": warnings(runs, complete, sk_mismatches),
    }
