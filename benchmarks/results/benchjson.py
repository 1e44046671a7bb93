"""pytest-benchmark's JSON as a tidy ``benchmarks`` table.

One row per benchmark: its group and labels (from ``extra_info``), pytest-benchmark's
statistics in seconds, FLOPs per call, GFLOP/s at the median and that as a fraction of the
machine's matmul peak (same dtype), bytes per call and bytes/s as a fraction of the
measured memory bandwidth (memory-bound groups), and the median as a ratio to the scratch
network's and to the fastest framework row's (any mode) in the same group."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import ResultsError
from .schema import BENCHMARKS as COLUMNS

STATS = ("median", "iqr", "q1", "q3", "mean", "min", "rounds")
REFERENCE = "scratch"  # the network every ratio is taken against
LIMIT_IMPL = "numpy"  # the suite's label for its measurements of the machine's limits (matmul peak, triad)


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _text(extra: dict, key: str) -> str:
    """``extra[key]`` as a label: a string as it is, anything else as its text, absent as ''."""
    value = extra.get(key)
    return "" if value is None else str(value)


def _float(extra: dict, key: str) -> float:
    """``extra[key]`` as a float; NaN when absent or not a number (a hand-edited JSON)."""
    value = extra.get(key)
    return float(value) if _number(value) else np.nan


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
            "group": str(b.get("group") or ""), "name": b["name"], "impl": _text(e, "impl"), "mode": _text(e, "mode"), "declared_modes": _text(e, "declared_modes"),
            "eager_baseline": e.get("eager_baseline") is True,
            "task": _text(e, "task"), "n": _float(e, "n"), "width": _float(e, "width"), "dtype": _text(e, "dtype"),
            "threads": _float(e, "threads"), "median": s["median"], "iqr": s["iqr"], "q1": s["q1"], "q3": s["q3"],
            "mean": s["mean"], "min": s["min"], "rounds": s["rounds"], "flops": np.nan_to_num(_float(e, "flops")),
            "bytes": _float(e, "bytes"), "matmul_peak_gflops": _float(e, "matmul_peak_gflops"),
            "stream_bytes_per_s": _float(e, "stream_bytes_per_s"),
            "accuracy": _float(e, "accuracy"), "final_loss": _float(e, "final_loss"), "_peak": bool(e.get("peak")),
        })
    df = pd.DataFrame(rows, columns=[*COLUMNS, "_peak"])
    for col in ("n", "width", "threads"):
        df[col] = df[col].where(df[col] == df[col].round()).astype("Int64")  # a count that is not a whole number: missing
    df["gflops"] = np.where(df["flops"] > 0, df["flops"] / df["median"] / 1e9, np.nan)
    peaks = df[df["_peak"]].groupby("dtype")["gflops"].max()
    df["matmul_peak_gflops"] = df["matmul_peak_gflops"].fillna(df["dtype"].map(peaks))
    df["peak_fraction"] = df["gflops"] / df["matmul_peak_gflops"]
    df["bytes_per_s"] = df["bytes"] / df["median"]
    triads = df[(df["impl"] == LIMIT_IMPL) & df["stream_bytes_per_s"].isna()]["bytes_per_s"].max()
    df["stream_bytes_per_s"] = df["stream_bytes_per_s"].where(df["bytes"].isna() | df["stream_bytes_per_s"].notna(), triads)
    df["bandwidth_fraction"] = df["bytes_per_s"] / df["stream_bytes_per_s"]
    scratch = df[df["impl"] == REFERENCE].groupby("group")["median"].first()
    df["ratio_to_scratch"] = df["median"] / df["group"].map(scratch)
    fastest = df[framework_rows(df)].groupby("group")["median"].min()
    df["ratio_to_fastest"] = df["median"] / df["group"].map(fastest)
    df = df.drop(columns="_peak")[list(COLUMNS)]
    df.attrs["machine_info"] = data.get("machine_info", {})
    df.attrs["datetime"] = data.get("datetime", "")
    return df


def framework_rows(df: pd.DataFrame) -> pd.Series:
    """Which rows time a framework (any mode): neither the scratch network nor a machine limit."""
    return ~df["impl"].isin([REFERENCE, LIMIT_IMPL, ""])


def family(group: str) -> str:
    """'step: n=300 width=64 float32' -> 'step'."""
    return group.split(":", 1)[0]


def series_label(df: pd.DataFrame) -> pd.Series:
    """What each row times, as one name: the implementation for its ``harness`` mode (or no
    mode recorded), ``impl (mode)`` for another mode."""
    mode = df["mode"].fillna("").astype(str) if "mode" in df else pd.Series("", index=df.index)
    return df["impl"].astype(str).where(mode.isin(["", "harness"]), df["impl"].astype(str) + " (" + mode + ")")


def gflops_table(df: pd.DataFrame, order: list[str] | None = None) -> pd.DataFrame:
    """The step-by-size groups as rows, implementations (each mode its own column, beside
    its implementation's) as columns, in ``order``, then any others: 'GFLOP/s (peak %)'."""
    sub = df[df["group"].str.match(r"step: n=\d+ width=")]
    if sub.empty:
        return pd.DataFrame()
    cells = sub.assign(cell=[f"{g:.2f} ({p:.0%})" if np.isfinite(p) else f"{g:.2f}" for g, p in zip(sub["gflops"], sub["peak_fraction"])],
                       series=series_label(sub))
    table = cells.pivot_table(index=["n", "width", "dtype"], columns="series", values="cell", aggfunc="first")
    rank = {impl: k for k, impl in enumerate(order or [])}
    first = list(dict.fromkeys(zip(cells["impl"], cells["series"])))
    ranked = sorted(first, key=lambda pair: (rank.get(pair[0], len(rank)), first.index(pair)))
    table = table[[label for _, label in dict.fromkeys(ranked)]]
    table.columns.name = None
    return table.reset_index()
