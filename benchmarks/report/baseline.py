"""A timing-suite run against a baseline: two pytest-benchmark JSON files (each read by the
results store as a ``benchmarks`` table) side by side, per benchmark: the median time of
each, their ratio, and the accuracy each reached (training benchmarks), with the change.

``scratchbench report --baseline OLD.json CURRENT.json`` writes this comparison alone
(README.md + index.html); ``scratchbench report RESULTS --baseline OLD.json`` adds it as a
section of the full report, against ``RESULTS/benchmarks.json``."""

from __future__ import annotations

import html
import os

import numpy as np
import pandas as pd

from ..results.store import atomic_write_text, check_writable
from .text import md_escape, seconds

COLUMNS = [
    "group",
    "name",
    "impl",
    "median_baseline",
    "median_current",
    "time_ratio",
    "accuracy_baseline",
    "accuracy_current",
    "accuracy_change",
]
HEADER = [
    "group",
    "benchmark",
    "impl",
    "baseline median",
    "current median",
    "time, current / baseline",
    "baseline accuracy",
    "current accuracy",
    "accuracy change",
]
SLOWER = 1.10  # a ratio above this is flagged slower (pytest-benchmark's median:10% rule)


def compare(baseline: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """One row per benchmark present in both tables (by name), in the current run's order:
    median seconds of each, ``time_ratio`` = current / baseline (above 1: slower), the
    accuracy of each and ``accuracy_change`` = current - baseline (NaN when not trained)."""
    keep = ["name", "median", "accuracy"]
    both = current[["group", "impl", *keep]].merge(
        baseline[keep], on="name", how="inner", suffixes=("_current", "_baseline")
    )
    both["time_ratio"] = both["median_current"] / both["median_baseline"]
    both["accuracy_change"] = both["accuracy_current"] - both["accuracy_baseline"]
    return both[COLUMNS].reset_index(drop=True)


def only_in(baseline: pd.DataFrame, current: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Benchmark names only the baseline has, and only the current run has."""
    old, new = set(baseline["name"]), set(current["name"])
    return sorted(old - new), sorted(new - old)


def cells(table: pd.DataFrame) -> list[dict]:
    """The comparison as text cells, a row flagged ``worse`` when it is more than 10%
    slower or lost accuracy."""

    def acc(v: float) -> str:
        return f"{v:.4f}" if np.isfinite(v) else "-"

    rows = []
    for r in table.itertuples():
        change = f"{r.accuracy_change:+.4f}" if np.isfinite(r.accuracy_change) else "-"
        rows.append(
            {
                "cells": [
                    r.group,
                    r.name,
                    r.impl,
                    seconds(r.median_baseline),
                    seconds(r.median_current),
                    f"{r.time_ratio:.2f}×",
                    acc(r.accuracy_baseline),
                    acc(r.accuracy_current),
                    change,
                ],
                "worse": bool(r.time_ratio > SLOWER or (np.isfinite(r.accuracy_change) and r.accuracy_change < 0)),
            }
        )
    return rows


def headline(table: pd.DataFrame) -> str:
    """One line: how many benchmarks got slower, faster, lost accuracy."""
    slower = int((table["time_ratio"] > SLOWER).sum())
    faster = int((table["time_ratio"] < 1 / SLOWER).sum())
    lost = int((table["accuracy_change"] < 0).sum())
    geo = float(np.exp(np.log(table["time_ratio"]).mean())) if len(table) else np.nan
    return (
        f"{len(table)} benchmarks in both runs: {slower} more than 10% slower, {faster} more than 10% faster, "
        f"{lost} with lower accuracy; time ratio geometric mean {geo:.2f}×"
    )


def markdown(table: pd.DataFrame, missing: tuple[list[str], list[str]], title: str, level: str = "#") -> str:
    """The comparison as Markdown (a heading at ``level``, the headline, the table)."""
    lines = [
        f"{level} {md_escape(title)}",
        "",
        headline(table),
        "",
        "| " + " | ".join(HEADER) + " |",
        "|" + " --- |" * len(HEADER),
    ]
    for row in cells(table):
        texts = [md_escape(c) for c in row["cells"]]
        lines.append(
            "| " + " | ".join(f"**{t}**" if row["worse"] and k in (5, 8) else t for k, t in enumerate(texts)) + " |"
        )
    for what, names in (("only in the baseline", missing[0]), ("only in the current run", missing[1])):
        if names:
            lines += ["", f"{len(names)} benchmark(s) {what}: " + ", ".join(md_escape(n) for n in names)]
    return "\n".join(lines) + "\n"


def html_section(table: pd.DataFrame, missing: tuple[list[str], list[str]], title: str) -> str:
    """The comparison as an HTML fragment (escaped), for the report page or its own page."""
    e = html.escape
    head = "".join(f"<th>{e(h)}</th>" for h in HEADER)
    body = "".join(
        "<tr"
        + (' class="worse"' if row["worse"] else "")
        + ">"
        + "".join(f"<td>{e(str(c))}</td>" for c in row["cells"])
        + "</tr>"
        for row in cells(table)
    )
    extra = "".join(
        f"<p>{len(names)} benchmark(s) {what}: {e(', '.join(names))}</p>"
        for what, names in (("only in the baseline", missing[0]), ("only in the current run", missing[1]))
        if names
    )
    table_html = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    return f"<h2>{e(title)}</h2><p>{e(headline(table))}</p>{table_html}{extra}"


def write_comparison(baseline: pd.DataFrame, current: pd.DataFrame, out: str, names: tuple[str, str]) -> dict[str, str]:
    """``out/README.md`` and a self-contained ``out/index.html`` holding only the
    comparison of ``current`` with ``baseline`` (``names``: their files, for the title)."""
    table, missing = compare(baseline, current), only_in(baseline, current)
    title = f"Timing suite: {os.path.basename(names[1])} against the baseline {os.path.basename(names[0])}"
    check_writable(out)
    page = (
        '<!doctype html><html><head><meta charset="utf-8"><title>' + html.escape(title) + "</title><style>"
        "body{font-family:system-ui,sans-serif;margin:2em;color:#222;background:#fff}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:nth-child(-n+3),th{text-align:left}"
        "tr.worse td{background:#fde2e2}@media (prefers-color-scheme: dark){body{color:#ddd;background:#111}"
        "tr.worse td{background:#5a1e1e}td,th{border-color:#444}}</style></head><body>"
        + html_section(table, missing, title)
        + "</body></html>\n"
    )
    return {
        "markdown": atomic_write_text(os.path.join(out, "README.md"), markdown(table, missing, title)),
        "html": atomic_write_text(os.path.join(out, "index.html"), page),
        "headline": headline(table),
    }
