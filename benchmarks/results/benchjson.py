"""pytest-benchmark's JSON as a tidy ``benchmarks`` table.

One row per benchmark: its group and labels (from ``extra_info``), pytest-benchmark's
statistics in seconds, FLOPs per call, GFLOP/s at the median, that as a fraction of the
suite's own matmul peak (same dtype), and the median as a ratio to the scratch network's
in the same group."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import ResultsError
from .schema import BENCHMARKS as COLUMNS



STATS = ("median", "iqr", "q1", "q3", "mean", "min", "rounds")


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def benchmark_table(data: object, source: str = "benchmark JSON") -> pd.DataFrame:
    """Parsed pytest-benchmark JSON -> the ``benchmarks`` table (``source`` names it in errors)."""
    fix = "write it again with: pytest benchmarks/suite --benchmark-only --benchmark-json=FILE"
    if not isinstance(data, dict) or not isinstance(data.get("benchmarks"), list):
        raise ResultsError(f"{source} is not a pytest-benchmark JSON file (no 'benchmarks' list); {fix}")
    if not data["benchmarks"]:
        raise ResultsError(f"{source} lists no benchmarks (an empty 'benchmarks' list); {fix}")
    rows = []
    for i, b in enumerate(data["benchmarks"]):
        s = b.get("stats") if isinstance(b, dict) else None
        missing = [k for k in STATS if not isinstance(s, dict) or not _number(s.get(k))]
        if not isinstance(b, dict) or not isinstance(b.get("name"), str) or missing:
            name = b.get("name", f"#{i}") if isinstance(b, dict) else f"#{i}"
            raise ResultsError(f"{source}: benchmark {name!r} lacks {'stats ' + ', '.join(missing) if missing else 'a name'}; {fix}")
        e = b.get("extra_info") if isinstance(b.get("extra_info"), dict) else {}
        rows.append({
            "group": b.get("group") or "", "name": b["name"], "impl": e.get("impl", ""), "mode": e.get("mode", ""),
            "task": e.get("task", ""), "n": e.get("n", np.nan), "width": e.get("width", np.nan), "dtype": e.get("dtype", ""),
            "threads": e.get("threads", np.nan), "median": s["median"], "iqr": s["iqr"], "q1": s["q1"], "q3": s["q3"],
            "mean": s["mean"], "min": s["min"], "rounds": s["rounds"], "flops": e.get("flops", 0) or 0,
            "accuracy": e.get("accuracy", np.nan), "final_loss": e.get("final_loss", np.nan), "_peak": bool(e.get("peak")),
        })
    df = pd.DataFrame(rows, columns=[*COLUMNS, "_peak"])
    for col in ("n", "width", "threads"):
        df[col] = df[col].astype("Int64")
    df["gflops"] = np.where(df["flops"] > 0, df["flops"] / df["median"] / 1e9, np.nan)
    peaks = df[df["_peak"]].groupby("dtype")["gflops"].max()
    df["peak_fraction"] = df["gflops"] / df["dtype"].map(peaks)
    scratch = df[df["impl"] == "scratch"].groupby("group")["median"].first()
    df["ratio_to_scratch"] = df["median"] / df["group"].map(scratch)
    df = df.drop(columns="_peak")[list(COLUMNS)]
    df.attrs["machine_info"] = data.get("machine_info", {})
    df.attrs["datetime"] = data.get("datetime", "")
    return df


def family(group: str) -> str:
    """'step: n=300 width=64 float32' -> 'step'."""
    return group.split(":", 1)[0]


def gflops_table(df: pd.DataFrame, order: list[str] | None = None) -> pd.DataFrame:
    """The step-by-size groups as rows, implementations as columns (in ``order``, then any
    others): 'GFLOP/s (peak %)'."""
    sub = df[df["group"].str.match(r"step: n=\d+ width=")]
    if sub.empty:
        return pd.DataFrame()
    cells = sub.assign(cell=[f"{g:.2f} ({p:.0%})" if np.isfinite(p) else f"{g:.2f}" for g, p in zip(sub["gflops"], sub["peak_fraction"])])
    table = cells.pivot_table(index=["n", "width", "dtype"], columns="impl", values="cell", aggfunc="first")
    present = list(dict.fromkeys(sub["impl"]))
    ranked = [i for i in (order or []) if i in present] + [i for i in present if i not in (order or [])]
    return table[ranked].reset_index()
