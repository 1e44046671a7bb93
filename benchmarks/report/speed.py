"""Speed as the verdict states it: scratch against every framework's fastest declared mode
measured in the same run, per regime (the timing suite's groups), and, second, against
each framework as the sweep drives it (harness mode), per task.

One ratio everywhere on the page: the framework's time divided by scratch's, measured
side by side. Above 1 scratch is faster by that factor; below 1 it is slower, and the
words say "N× slower" with N = 1 / ratio. In the sweep it is taken per seed (the same
data, the same initial weights), shown as the median over seeds with the lowest and
highest seed's ratio and n; in the timing suite it is median over median within one
group, its spread from the quartiles (``targets.time_ratio``, turned the other way)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..results.benchjson import REFERENCE, framework_rows, series_label
from .data import impls_in, same_seed_ratios
from .text import times

HOW_TO_READ = (
    "How to read the speed figures: every ratio is a framework's time divided by scratch's, measured in the same run "
    "on the same machine; above 1 scratch is faster by that factor, below 1 scratch is slower (said as \u2018N\u00d7 "
    "slower\u2019, N = 1/ratio). Sweep figures: per seed (same data, same initial weights), the median over "
    "the n seeds with the lowest and highest seed's ratio in brackets. Timing-suite figures: the framework's median "
    "over scratch's in one benchmark group, the spread from pairing their quartiles."
)

# The regimes a timing-suite group measures, in reading order: (name, what bounds it, the
# group names it takes). Size-grid groups of width 64 count as thin, wider ones as wide.
REGIMES = (
    ("small tasks, full batch", "overhead-bound", r"^step: (?!n=\d)"),
    ("mini-batches", "overhead-bound", r"^regime overhead:"),
    ("thin network", "memory-bound", r"^regime memory: thin|^step: n=\d+ width=64 "),
    ("wide network", "compute-bound", r"^regime compute:|^step: n=\d+ width=(?!64 )\d+ "),
)


def versus(ratio: float) -> str:
    """``their time / scratch's`` in words: 'scratch 2.5× faster' or 'scratch 1.26× slower'."""
    if not np.isfinite(ratio) or ratio <= 0:
        return "not measured"
    if np.isclose(ratio, 1.0, rtol=5e-3):
        return "even"
    return f"scratch {times(ratio)} faster" if ratio > 1 else f"scratch {times(1 / ratio)} slower"


def _entry(group: str, theirs: pd.Series, ours: pd.Series) -> dict:
    """One group's comparison: their median over ours, the spread from the quartiles."""
    ratio = theirs["median"] / ours["median"]
    return {
        "group": group,
        "mode": series_label(pd.DataFrame([theirs])).iloc[0],
        "ratio": float(ratio),
        "low": float(theirs["q1"] / ours["q3"]),
        "high": float(theirs["q3"] / ours["q1"]),
    }


def regime_rows(bench: pd.DataFrame | None) -> list[dict]:
    """Per regime and framework: scratch against that framework's fastest mode in each of
    the regime's groups; where scratch loses comes first (rows, then groups)."""
    if bench is None or not len(bench):
        return []
    rows = []
    for name, bound, pattern in REGIMES:
        groups = bench[bench["group"].str.contains(pattern, regex=True)]
        per_impl: dict[str, list[dict]] = {}
        for group, g in groups.groupby("group", sort=False):
            ours = g[g["impl"] == REFERENCE].sort_values("median")
            frameworks = g[framework_rows(g)]
            if not len(ours) or not len(frameworks):
                continue
            for impl, mine in frameworks.groupby("impl", sort=False):
                fastest = mine.loc[mine["median"].idxmin()]
                per_impl.setdefault(impl, []).append(_entry(group, fastest, ours.iloc[0]))
        for impl in impls_in(pd.DataFrame({"impl": list(per_impl)})):
            entries = sorted(per_impl[impl], key=lambda e: e["ratio"])
            rows.append(_regime_row(f"{name} ({bound})", impl, entries))
    return sorted(rows, key=lambda r: (not r["lost"], REGIME_ORDER.get(r["regime"], 0)))


REGIME_ORDER = {f"{name} ({bound})": k for k, (name, bound, _) in enumerate(REGIMES)}


def _regime_row(regime: str, impl: str, entries: list[dict]) -> dict:
    """A regime x framework line in words: how many groups scratch loses, by how much at
    worst and where; how many it wins and the range."""
    lost = [e for e in entries if e["ratio"] < 1 and not np.isclose(e["ratio"], 1.0, rtol=5e-3)]
    modes = ", ".join(dict.fromkeys(e["mode"] for e in entries))
    worst, best = entries[0], entries[-1]
    if lost:
        text = (
            f"scratch slower in {len(lost)} of {len(entries)} groups, "
            f"up to {times(1 / worst['ratio'])} ({_where(worst)})"
        )
        won = len(entries) - len(lost)
        if won:
            text += f"; faster in {won}, up to {times(best['ratio'])}"
    else:
        low = times(worst["ratio"])
        text = f"scratch faster in all {len(entries)} groups: {low}" + (
            f" to {times(best['ratio'])}" if len(entries) > 1 else ""
        )
    return {"regime": regime, "impl": impl, "modes": modes, "lost": bool(lost), "entries": entries, "text": text}


def _where(entry: dict) -> str:
    """A group's name without its family prefix, and the mode that was fastest there."""
    group = re.sub(r"^(step|regime \w+): ", "", entry["group"])
    return f"{group}, {entry['mode']}"


def harness_rows(runs: pd.DataFrame) -> list[dict]:
    """Per task and framework, as the sweep drove it: the same-seed ratio (their step time
    over scratch's), its median, lowest and highest over the n seeds; losses first."""
    ratios = same_seed_ratios(runs)
    rows = [
        {
            "task": r.task,
            "impl": r.impl,
            "ratio": r.median,
            "low": r.low,
            "high": r.high,
            "n": r.n,
            "lost": bool(r.median < 1 and not np.isclose(r.median, 1.0, rtol=5e-3)),
            "text": f"{versus(r.median)} than {r.impl} on {r.task} "
            f"(ratio {times(r.median)} [{times(r.low)}\u2013{times(r.high)}], n = {r.n})",
        }
        for r in ratios.itertuples()
    ]
    return sorted(rows, key=lambda r: not r["lost"])
