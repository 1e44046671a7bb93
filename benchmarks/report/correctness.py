"""Correctness in words: the tolerances the equivalence check applied, per dtype, what
"amplified" means and how it was decided, and the per-framework table of worst deviations.
The deviation chart draws the same trajectory tolerance per dtype, so its line is the
criterion that was applied, and names each line's status."""

from __future__ import annotations

import numpy as np
import pandas as pd


def tolerances(eq: pd.DataFrame | None) -> list[dict]:
    """Per dtype the check judged: its one-step and trajectory tolerance, as stored."""
    if eq is None or eq.empty or not {"tol_one_step", "tol_trajectory"} <= set(eq):
        return []
    per = eq.groupby("dtype", sort=False)[["tol_one_step", "tol_trajectory"]].first()
    return [
        {"dtype": d, "one_step": float(r.tol_one_step), "trajectory": float(r.tol_trajectory)}
        for d, r in per.iterrows()
    ]


def tolerance_text(eq: pd.DataFrame | None) -> str:
    """The criterion in one paragraph, with the values this check used."""
    tols = tolerances(eq)
    if not tols:
        return ""
    each = "; ".join(
        f"{t['dtype']}: one step within {t['one_step']:.0e}, every step of the trajectory and the final weights "
        f"within {t['trajectory']:.0e}"
        for t in tols
    )
    return (
        "Tolerance, relative to each tensor's largest entry (the loss: to that step's loss): "
        f"{each}. 'pass': both hold. "
    )


def amplified_text(eq: pd.DataFrame | None) -> str:
    """What 'amplified' means and how it was checked, with this check's largest growth."""
    if eq is None or eq.empty:
        return ""
    amp = eq[eq["status"] == "amplified"]
    growth = pd.to_numeric(amp.get("max_step_growth", pd.Series(dtype=float)), errors="coerce").max()
    seen = (
        f" Here {len(amp)} of {len(eq)} comparisons are amplified; the largest one-step growth among them is "
        f"{growth:.3g}\u00d7."
        if len(amp) and np.isfinite(growth)
        else " No comparison here is amplified."
    )
    return (
        "'amplified': the one-step check passed (same loss, gradients and update from the same state) but the "
        "trajectory drifted past its tolerance gradually, no single step multiplying the running deviation by more "
        "than the check's limit: round-off that training dynamics amplify, accepted (not a mismatch). "
        "'fail': the one-step check fails, the deviation jumps, or a loss becomes NaN." + seen
    )


def equivalence_rows(eq: pd.DataFrame | None) -> list[dict]:
    """Per (impl, dtype): worst deviations over every task and config, and the statuses."""
    if eq is None or eq.empty:
        return []
    rows = []
    for (impl, dtype), g in eq.groupby(["impl", "dtype"], sort=False):
        expressible = g[g["status"] != "not expressible"]
        counts = g["status"].value_counts()
        one = expressible[["one_step_loss_rel", "one_step_grad_rel", "one_step_weight_rel"]].max(axis=1)
        loss_col = "loss_step_rel" if "loss_step_rel" in expressible else "loss_max_rel"
        rows.append(
            {
                "impl": impl,
                "dtype": dtype,
                "comparisons": len(g),
                "one_step": f"{one.max():.1e}" if len(one) else "-",
                "loss": f"{expressible[loss_col].max():.1e}" if len(expressible) else "-",
                "weights": f"{expressible['weights_max_rel'].max():.1e}" if len(expressible) else "-",
                "tolerance": _tol(g),
                "steps": int(g["steps"].max()),
                "verdict": ", ".join(
                    f"{counts[s]} {s}" for s in ("pass", "amplified", "fail", "error", "not expressible") if s in counts
                ),
                "ok": not g["status"].isin(["fail", "error"]).any(),
                "unexpressible": sorted(set(g.loc[g["status"] == "not expressible", "note"])),
            }
        )
    return rows


def _tol(g: pd.DataFrame) -> str:
    if not {"tol_one_step", "tol_trajectory"} <= set(g):
        return "-"
    return f"{g['tol_one_step'].iloc[0]:.0e} / {g['tol_trajectory'].iloc[0]:.0e}"


def line_status(eq: pd.DataFrame | None) -> dict[tuple[str, str, str], str]:
    """Each (impl, task, config) comparison's status, for naming the chart's lines."""
    if eq is None or eq.empty:
        return {}
    return {(r.impl, r.task, r.config): r.status for r in eq.itertuples()}
