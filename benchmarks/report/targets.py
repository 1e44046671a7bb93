"""The performance targets, each stated as a ratio measured side by side in one run (the
timing suite's ``benchmarks`` table, and the scaling study's ``scale`` table for memory),
with its spread, and the regime groups against the machine's own limits.

``targets_table`` is a pure function: one row per target instance (per task for the
eager-ratio target, per size-grid group for the fastest-mode target, per dtype for the
compute-bound target, per dtype of the scale study for the memory target) saying what is
compared, the measured value (median over median), its spread, the goal, and whether it was
reached or missed and by how much; a target whose benchmarks are absent from the run (a
quick subset, a skipped mode) is "not measured", with why, never a number made up.
``regime_table`` lists each regime group's achieved rate, the limit and their fraction.
``markdown`` and ``html_section`` render both for the report's templates.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..results.benchjson import REFERENCE, family, framework_rows, series_label
from ..results.schema import TARGETS as TARGETS_SCHEMA
from .text import md_escape

COLUMNS = list(TARGETS_SCHEMA)
REGIME_COLUMNS = ["group", "regime", "impl", "mode", "rate", "unit", "limit", "fraction"]
REACHED, MISSED, NOT_MEASURED = "reached", "missed", "not measured"


@dataclass(frozen=True)
class Target:
    """One goal: ``value`` (a ratio ``x`` or a ``fraction``) ``direction`` ("at most" or
    "at least") ``goal``."""

    statement: str
    goal: float
    direction: str = "at most"
    unit: str = "x"  # "x": a ratio of times or of memory; "fraction": of a machine limit

    def reached(self, value: float) -> bool:
        return value <= self.goal if self.direction == "at most" else value >= self.goal

    def gap(self, value: float) -> float:
        """How far ``value`` is on the wrong side of the goal (negative: inside it)."""
        return value - self.goal if self.direction == "at most" else self.goal - value

    def show(self, value: float) -> str:
        return f"{value:.0%}" if self.unit == "fraction" else f"{value:.2f}x"

    def missed_by(self, value: float) -> str:
        gap = self.gap(value)
        amount = f"{gap * 100:.0f} points" if self.unit == "fraction" else f"{gap:.2f}x"
        return f"missed by {amount} ({gap / self.goal:.0%})"


# The targets (issue 15). The eager baseline is the row an implementation declares
# as such (``AdapterFacts.eager_baseline``: PyTorch eager), so no framework is named here.
EAGER = Target("scratch at most 0.45x the eager baseline", 0.45)
EAGER_TASKS = ("xor", "spiral", "moons")
FASTEST = Target("scratch at most 1.0x the fastest framework mode", 1.0)
PEAK = Target("scratch at least 70% of matmul peak", 0.70, "at least", "fraction")
MEMORY = Target("scratch peak memory at most the leanest framework's", 1.0)
MEMORY_N, MEMORY_WIDTH = 100_000, 256
SIZE_GRID = r"step: n=\d+ width=\d+ "
COMPUTE_GROUPS = "regime compute:"
TARGETS = {t.statement: t for t in (EAGER, FASTEST, PEAK, MEMORY)}


def _row(
    target: Target,
    instance: str,
    theirs: str,
    value: float = np.nan,
    low: float = np.nan,
    high: float = np.nan,
    rounds: float = np.nan,
    why: str = "",
    ours: str = REFERENCE,
) -> dict:
    """One row of the targets table; without a finite ``value``, "not measured: ``why``"."""
    measured = bool(np.isfinite(value))
    status = (REACHED if target.reached(value) else MISSED) if measured else NOT_MEASURED
    if status == NOT_MEASURED:
        verdict = f"not measured: {why}"
    else:
        verdict = (
            f"reached ({target.show(value)}, goal {target.direction} {target.show(target.goal)})"
            if status == REACHED
            else target.missed_by(value)
        ) + (f"; {why}" if why else "")
    return {
        "target": target.statement,
        "instance": instance,
        "ours": ours,
        "theirs": theirs,
        "value": value,
        "low": low,
        "high": high,
        "goal": target.goal,
        "direction": target.direction,
        "rounds": rounds,
        "status": status,
        "gap": target.gap(value) if measured else np.nan,
        "verdict": verdict,
    }


def time_ratio(ours: pd.Series, theirs: pd.Series) -> tuple[float, float, float]:
    """Median over median, and the interval from the most favourable to the least favourable
    pairing of the quartiles: ``(q1_ours / q3_theirs, q3_ours / q1_theirs)``."""
    return ours["median"] / theirs["median"], ours["q1"] / theirs["q3"], ours["q3"] / theirs["q1"]


def _label(row: pd.Series) -> str:
    """``series_label`` of one row: ``impl``, or ``impl (mode)``."""
    return series_label(pd.DataFrame([row])).iloc[0]


def _compare(target: Target, instance: str, ours: pd.Series, theirs: pd.Series, why: str = "") -> dict:
    value, low, high = time_ratio(ours, theirs)
    return _row(
        target,
        instance,
        _label(theirs),
        value,
        low,
        high,
        min(ours["rounds"], theirs["rounds"]),
        why,
        ours=_label(ours),
    )


def _scratch(group: pd.DataFrame) -> pd.Series | None:
    rows = group[group["impl"] == REFERENCE]
    return rows.iloc[0] if len(rows) else None


def _eager_rows(bench: pd.DataFrame) -> list[dict]:
    """Per task: scratch's step against the eager baseline's, in the task's step group."""
    baseline = (
        bench[bench["eager_baseline"].fillna(False).astype(bool)] if "eager_baseline" in bench else bench.iloc[:0]
    )
    against = _label(baseline.iloc[0]) if len(baseline) else "the eager baseline"
    steps = bench[(bench["group"].map(family) == "step") & ~bench["group"].str.match(SIZE_GRID)]
    rows = []
    for task in EAGER_TASKS:
        group = steps[steps["task"] == task]
        name = group["group"].iloc[0] if len(group) else f"step: {task}"
        ours, theirs = _scratch(group), group[group.index.isin(baseline.index)]
        if not len(group):
            rows.append(_row(EAGER, name, against, why=f"no step group on {task} in this run"))
        elif ours is None or not len(theirs):
            missing = (
                f"no {REFERENCE} benchmark"
                if ours is None
                else (
                    f"no {against} benchmark"
                    if len(baseline)
                    else "no benchmark marked as the eager baseline (results from before it was recorded?)"
                )
            )
            rows.append(_row(EAGER, name, against, why=f"{missing} in the group"))
        else:
            rows.append(_compare(EAGER, name, ours, theirs.iloc[0]))
    return rows


def _declared(rows: pd.DataFrame) -> set[str]:
    """Every (implementation, mode) the rows' implementations declare, as ``series_label`` names them."""
    if "declared_modes" not in rows:
        return set()
    pairs = {
        (impl, mode)
        for impl, modes in zip(rows["impl"], rows["declared_modes"].fillna(""))
        for mode in str(modes).split(",")
        if mode
    }
    return set(series_label(pd.DataFrame(sorted(pairs), columns=["impl", "mode"]))) if pairs else set()


def _fastest_rows(bench: pd.DataFrame) -> list[dict]:
    """Per size-grid group: scratch against the fastest framework row (any mode) measured
    in it; the modes measured elsewhere in the grid but not in this group are named."""
    grid = bench[bench["group"].str.match(SIZE_GRID)]
    if not len(grid):
        return [
            _row(
                FASTEST,
                "size grid (step: n=... width=... dtype)",
                "fastest framework mode",
                why="no size-grid group in this run",
            )
        ]
    everywhere = set(series_label(grid[framework_rows(grid)])) | _declared(grid[framework_rows(grid)])
    rows = []
    order = grid.assign(_n=pd.to_numeric(grid["n"]), _w=pd.to_numeric(grid["width"])).sort_values(
        ["dtype", "_w", "_n"], kind="stable"
    )
    for name in dict.fromkeys(order["group"]):
        group = grid[grid["group"] == name]
        ours, frameworks = _scratch(group), group[framework_rows(group)]
        if ours is None or not len(frameworks):
            rows.append(
                _row(
                    FASTEST,
                    name,
                    "fastest framework mode",
                    why=f"no {'scratch' if ours is None else 'framework'} benchmark in the group",
                )
            )
            continue
        absent = sorted(everywhere - set(series_label(frameworks)))
        why = f"fastest of the modes measured; not measured in this group: {', '.join(absent)}" if absent else ""
        rows.append(_compare(FASTEST, name, ours, frameworks.loc[frameworks["median"].idxmin()], why))
    return rows


def _peak_rows(bench: pd.DataFrame) -> list[dict]:
    """Per dtype: scratch's GFLOP/s in the compute-bound group as a fraction of the matmul
    peak; the spread from its quartile times (the peak taken as measured)."""
    compute = bench[bench["group"].str.startswith(COMPUTE_GROUPS)]
    rows = []
    for dtype in ("float32", "float64"):
        group = compute[compute["dtype"] == dtype]
        name = group["group"].iloc[0] if len(group) else f"{COMPUTE_GROUPS.rstrip(':')} {dtype}"
        ours = _scratch(group)
        if ours is None or not np.isfinite(ours["peak_fraction"]):
            why = (
                f"no compute-bound {dtype} group in this run"
                if not len(group)
                else "no scratch benchmark with a measured peak in the group"
            )
            rows.append(_row(PEAK, name, f"matmul peak ({dtype})", why=why))
            continue
        value = ours["peak_fraction"]
        why = (
            "above the limit: the peak measured in this process was below this step's rate (a busy machine?)"
            if value > 1
            else ""
        )
        rows.append(
            _row(
                PEAK,
                name,
                f"matmul peak {ours['matmul_peak_gflops']:.3g} GFLOP/s",
                value,
                value * ours["median"] / ours["q3"],
                value * ours["median"] / ours["q1"],
                ours["rounds"],
                why,
            )
        )
    return rows


def _memory_rows(scale: pd.DataFrame | None) -> list[dict]:
    """Per dtype of the scaling study: scratch's peak memory added while stepping at
    n = 100,000, width 256, over the leanest framework's (one measurement each: no spread)."""
    instance = f"scale: n={MEMORY_N:,} width={MEMORY_WIDTH}"
    if scale is None or not len(scale):
        return [
            _row(
                MEMORY,
                instance,
                "leanest framework",
                why="no scaling study in this report (scratchbench scale --out RESULTS/scale)",
            )
        ]
    at = scale[(pd.to_numeric(scale["n"]) == MEMORY_N) & (pd.to_numeric(scale["width"]) == MEMORY_WIDTH)]
    if not len(at):
        return [
            _row(
                MEMORY,
                instance,
                "leanest framework",
                why=f"the scaling study reached n = {int(pd.to_numeric(scale['n']).max()):,} only",
            )
        ]
    rows = []
    for dtype, sub in at.groupby("dtype", sort=False):
        sub = sub.drop_duplicates("impl")
        ours, theirs = sub[sub["impl"] == REFERENCE], sub[framework_rows(sub)]
        name = f"{instance} {dtype}"
        if not len(ours) or not len(theirs):
            rows.append(
                _row(
                    MEMORY,
                    name,
                    "leanest framework",
                    why=f"no {'scratch' if not len(ours) else 'framework'} measurement at that size",
                )
            )
            continue
        lean = theirs.loc[theirs["peak_mb"].idxmin()]
        mine = float(ours["peak_mb"].iloc[0])
        value = mine / lean["peak_mb"] if lean["peak_mb"] > 0 else (1.0 if mine <= 0 else np.inf)
        rows.append(
            _row(
                MEMORY,
                name,
                f"{lean['impl']} ({mine:.0f} MiB against {lean['peak_mb']:.0f} MiB)",
                value,
                rounds=1,
                why="one measurement per size (no spread)",
            )
        )
    return rows


def targets_table(bench: pd.DataFrame | None, scale: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every target instance, in the issue's order: the eager ratio per task, the fastest
    mode per size-grid group, the compute-bound peak fraction per dtype, the memory ratio.
    ``bench`` is the ``benchmarks`` table (``None``: no timing suite), ``scale`` the
    scaling study's table. ``value`` is median over median (a fraction of the peak for the
    compute-bound rows); ``low``..``high`` the spread (see ``time_ratio``)."""
    bench = (
        bench if bench is not None else pd.DataFrame(columns=["group", "impl", "mode", "task", "dtype", "n", "width"])
    )
    rows = _eager_rows(bench) + _fastest_rows(bench) + _peak_rows(bench) + _memory_rows(scale)
    return pd.DataFrame(rows, columns=COLUMNS)


def regime_table(bench: pd.DataFrame) -> pd.DataFrame:
    """Per regime group and implementation (and mode): the achieved rate, the machine's
    limit it is measured against and their fraction: bytes/s against the triad for the
    memory-bound groups, GFLOP/s against the matmul peak for the others."""
    sub = bench[bench["group"].str.startswith("regime ") & (framework_rows(bench) | (bench["impl"] == REFERENCE))]
    memory = sub["bytes_per_s"].notna()
    table = pd.DataFrame(
        {
            "group": sub["group"],
            "regime": sub["group"].str.extract(r"^regime (\w+)", expand=False),
            "impl": sub["impl"],
            "mode": sub["mode"],
            "rate": np.where(memory, sub["bytes_per_s"] / 1e9, sub["gflops"]),
            "unit": np.where(memory, "GB/s", "GFLOP/s"),
            "limit": np.where(memory, sub["stream_bytes_per_s"] / 1e9, sub["matmul_peak_gflops"]),
            "fraction": np.where(memory, sub["bandwidth_fraction"], sub["peak_fraction"]),
        }
    )
    return table.reset_index(drop=True)[REGIME_COLUMNS]


def _number(value: float, fmt: str) -> str:
    return format(value, fmt) if np.isfinite(value) else "-"


STATUS_CLASS = {REACHED: "ok", MISSED: "fail"}
TARGET_HEADER = ["target", "where", "scratch against", "measured", "spread", "goal", "verdict"]


def target_cells(table: pd.DataFrame) -> list[dict]:
    """The targets table as text cells, each row with its status (for the HTML classes)."""
    out = []
    for r in table.itertuples():
        target = TARGETS.get(r.target, Target(r.target, r.goal, r.direction))
        shown = target.show if np.isfinite(r.value) else (lambda v: "-")
        spread = f"{target.show(r.low)}-{target.show(r.high)}" if np.isfinite(r.low) and np.isfinite(r.high) else "-"
        if np.isfinite(r.rounds) and r.rounds < 2 and spread != "-":
            spread += " (1 round)"
        out.append(
            {
                "cells": [
                    r.target,
                    r.instance,
                    r.theirs,
                    shown(r.value),
                    spread,
                    f"{r.direction} {target.show(r.goal)}",
                    r.verdict,
                ],
                "status": r.status,
            }
        )
    return out


def _percent(fraction: float) -> str:
    """A fraction as a percentage, one decimal below 10% (an overhead-bound step's 0.1%)."""
    return "-" if not np.isfinite(fraction) else f"{fraction:.0%}" if fraction >= 0.1 else f"{fraction:.1%}"


def regime_cells(table: pd.DataFrame) -> tuple[list[str], list[dict]]:
    """The regime table as a header and text cells: a row per group (its limit first), a
    column per implementation and mode, 'rate (fraction of the limit)'."""
    labels = list(dict.fromkeys(series_label(table))) if len(table) else []
    rows = []
    for group, g in table.assign(series=series_label(table) if len(table) else []).groupby("group", sort=False):
        unit, limit = g["unit"].iloc[0], g["limit"].max()
        by = {r.series: f"{_number(r.rate, '.3g')} ({_percent(r.fraction)})" for r in g.itertuples()}
        rows.append(
            {
                "cells": [group, f"{_number(limit, '.3g')} {unit}", *(by.get(label, "-") for label in labels)],
                "status": "",
            }
        )
    return ["group", "limit", *labels], rows


def headline(table: pd.DataFrame) -> str:
    """One line: how many target instances were reached, missed, not measured."""
    counts = table["status"].value_counts()
    return f"{len(table)} target instances: " + ", ".join(
        f"{int(counts.get(s, 0))} {s}" for s in (REACHED, MISSED, NOT_MEASURED)
    )


def _md_table(header: list[str], rows: list[dict]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    return lines + ["| " + " | ".join(md_escape(c) for c in row["cells"]) + " |" for row in rows]


def _html_table(header: list[str], rows: list[dict], left: int, verdict: bool = False) -> str:
    """A table in the report page's styles (scrolling sideways on a phone): the first
    ``left`` columns left-aligned, and with ``verdict`` the last too, green where
    the row's target was reached, red where missed (the target and verdict sentences wrap),
    and on a phone one card per row, each cell labelled with its column (``data-label``)."""
    e, last = html.escape, len(header) - 1

    def cls(k: int, status: str | None) -> str:
        names = ["l"] if k < left or (verdict and k == last) else []
        names += (
            ["wrap"] if verdict and k in (0, 1, last) else []
        )  # the sentences and group names wrap; the numbers stay on one line
        names += [STATUS_CLASS[status]] if verdict and k == last and status in STATUS_CLASS else []
        return f' class="{" ".join(names)}"' if names else ""

    head = "".join(f"<th{cls(k, None)}>{e(h)}</th>" for k, h in enumerate(header))
    label = (lambda k: f' data-label="{e(header[k])}"') if verdict else (lambda k: "")
    body = "".join(
        "<tr>"
        + "".join(f"<td{cls(k, row['status'])}{label(k)}>{e(str(c))}</td>" for k, c in enumerate(row["cells"]))
        + "</tr>"
        for row in rows
    )
    table = '<table class="cards">' if verdict else "<table>"
    return f'<div class="wide">{table}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


TARGETS_CAPTION = (
    "Each target measured side by side in one run of the timing suite (the memory target: the scaling study). "
    "Measured: scratch's median over the other's median (for the peak target, scratch's GFLOP/s at its median over the "
    "matmul peak measured in the same process). Spread: from scratch's first quartile over the other's third to "
    "scratch's "
    "third over the other's first (the peak target: GFLOP/s at scratch's third and first quartile time); a single "
    "round has none. Against the fastest framework mode: the fastest row of any framework in any mode in that group. "
    "Reached or missed is judged on the medians."
)
REGIMES_CAPTION = (
    "The regime groups against this machine's limits measured in the same process, each cell the achieved rate at "
    "the median and its fraction of the limit: GFLOP/s (matrix products only) over the NumPy matmul peak of the same "
    "dtype; for the memory-bound groups, GB/s (a lower bound on the traffic) over a STREAM-style NumPy triad."
)


def markdown(targets: pd.DataFrame, regimes: pd.DataFrame, level: str = "###") -> str:
    """The targets and the regime table as Markdown, each under a heading at ``level``."""
    lines = [
        f"{level} Performance targets",
        "",
        headline(targets) + ".",
        "",
        *_md_table(TARGET_HEADER, target_cells(targets)),
        "",
        TARGETS_CAPTION,
        "",
    ]
    if len(regimes):
        lines += [
            f"{level} Against the machine's limits",
            "",
            *_md_table(*regime_cells(regimes)),
            "",
            REGIMES_CAPTION,
            "",
        ]
    return "\n".join(lines)


def html_section(targets: pd.DataFrame, regimes: pd.DataFrame) -> str:
    """The same as HTML fragments in the report page's styles (every value escaped)."""
    e = html.escape
    out = (
        f'<h3 id="targets">Performance targets</h3><p>{e(headline(targets))}.</p>'
        + _html_table(TARGET_HEADER, target_cells(targets), 3, verdict=True)
        + f'<p class="note">{e(TARGETS_CAPTION)}</p>'
    )
    if len(regimes):
        out += (
            '<h3 id="limits">Against the machine\'s limits</h3>'
            + _html_table(*regime_cells(regimes), 1)
            + f'<p class="note">{e(REGIMES_CAPTION)}</p>'
        )
    return out
