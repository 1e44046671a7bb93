"""Across seeds: success rate, medians with bootstrap confidence intervals."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..results.schema import SUMMARY


def median_ci(values, confidence: float = 0.95) -> tuple[float, float, float]:
    """(median, CI low, CI high): scipy's percentile bootstrap of the median, seeded so the
    tables are reproducible. One value: no interval (NaN); identical values: a point."""
    x = np.asarray([v for v in values if np.isfinite(v)], dtype=float)
    if len(x) == 0:
        return np.nan, np.nan, np.nan
    med = float(np.median(x))
    if len(x) == 1:
        return med, np.nan, np.nan
    if np.ptp(x) == 0:
        return med, med, med
    from scipy.stats import bootstrap

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = bootstrap(
            (x,), np.median, confidence_level=confidence, n_resamples=4999, method="percentile", random_state=0
        )
    return med, float(res.confidence_interval.low), float(res.confidence_interval.high)


def summarize(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per (task, impl); columns documented in ``schema.SUMMARY``. Final accuracy
    is given for both splits (``target_metric`` says which one the target is judged on);
    ``not expressible`` runs are counted apart from ``failed`` ones."""
    if runs.empty:
        return pd.DataFrame(columns=list(SUMMARY))
    rows = []
    for (task, impl), g in runs.groupby(["task", "impl"], sort=False):
        ok = g[g["status"] == "ok"]
        reached = ok[ok["reached_target"].astype(bool)]
        status = g["status"].value_counts()
        row = {
            "task": task,
            "impl": impl,
            "target_metric": g["target_metric"].iloc[0],
            "runs": len(g),
            "ok": len(ok),
            "diverged": int(status.get("diverged", 0)),
            "failed": int(status.get("failed", 0)),
            "not_expressible": int(status.get("not expressible", 0)),
            "success_rate": float(g["reached_target"].astype(bool).mean()),
        }
        for name, values in (
            ("final_train_accuracy", ok.get("final_train_accuracy", pd.Series(dtype=float))),
            ("final_test_accuracy", ok.get("final_test_accuracy", pd.Series(dtype=float))),
            ("steps_to_target", reached["steps_to_target"]),
            ("t_to_target", reached["t_to_target"]),
        ):
            row[f"{name}_median"], row[f"{name}_ci_low"], row[f"{name}_ci_high"] = median_ci(values.astype(float))
        for col in ("t_step_median", "t_build", "t_compile"):
            key = col if col == "t_step_median" else f"{col}_median"
            row[key] = float(ok[col].median()) if len(ok) and col in ok else np.nan
        row["t_import"] = float(g["t_import"].iloc[0])
        row["sk_check_ok"] = float((ok["sk_check"] == "ok").mean()) if len(ok) and "sk_check" in ok else np.nan
        rows.append(row)
    return pd.DataFrame(rows)[list(SUMMARY)]
