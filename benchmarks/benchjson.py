"""pytest-benchmark's JSON as a tidy ``benchmarks`` table.

One row per benchmark: its group and labels (from ``extra_info``), pytest-benchmark's
statistics in seconds, FLOPs per call, GFLOP/s at the median, that as a fraction of the
suite's own matmul peak (same dtype), and the median as a ratio to the scratch network's
in the same group."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from reference_impls.spec import SpecError

COLUMNS = {
    "group": "pytest-benchmark group (one question: a task, a size, a mode)",
    "name": "test name with its parameters",
    "impl": "implementation (numpy for the matmul peak)",
    "mode": "how the framework was driven (modes groups), else empty",
    "task": "task, layer or loss measured",
    "n": "rows per call",
    "width": "hidden width",
    "dtype": "float32 or float64",
    "threads": "threads pinned for every framework",
    "median": "median seconds per call",
    "iqr": "interquartile range of seconds per call",
    "q1": "first quartile, seconds",
    "q3": "third quartile, seconds",
    "mean": "mean seconds",
    "min": "fastest call, seconds",
    "rounds": "timed rounds",
    "flops": "floating-point operations per call (matrix products only)",
    "gflops": "flops / median / 1e9",
    "peak_fraction": "gflops over the suite's measured NumPy matmul GFLOP/s of the same dtype",
    "ratio_to_scratch": "median over the scratch network's median in the same group",
    "accuracy": "accuracy reached (training benchmarks)",
    "final_loss": "final training loss (training benchmarks)",
}


def load_benchmark_json(path: str) -> pd.DataFrame:
    try:
        with open(path) as f:
            data = json.load(f)
    except FileNotFoundError:
        raise SpecError(f"benchmark JSON {path!r} not found; write it with: pytest --benchmark-only --benchmark-json={path}") from None
    except json.JSONDecodeError as exc:
        raise SpecError(f"{path} is not JSON: {exc}") from None
    if not isinstance(data, dict) or "benchmarks" not in data:
        raise SpecError(f"{path} is not a pytest-benchmark JSON file (no 'benchmarks' list)")
    rows = []
    for b in data["benchmarks"]:
        s, e = b["stats"], b.get("extra_info", {})
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


def gflops_table(df: pd.DataFrame) -> pd.DataFrame:
    """The step-by-size groups as rows, implementations as columns: 'GFLOP/s (peak %)'."""
    sub = df[df["group"].str.match(r"step: n=\d+ width=")]
    if sub.empty:
        return pd.DataFrame()
    cells = sub.assign(cell=[f"{g:.2f} ({p:.0%})" if np.isfinite(p) else f"{g:.2f}" for g, p in zip(sub["gflops"], sub["peak_fraction"])])
    table = cells.pivot_table(index=["n", "width", "dtype"], columns="impl", values="cell", aggfunc="first")
    order = [i for i in ("scratch", "keras", "torch", "sklearn") if i in table.columns]
    return table[order].reset_index()
