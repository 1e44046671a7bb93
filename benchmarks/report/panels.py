"""Which panels a chart needs: tasks that train the same network for the same number of
steps (the logic gates) share one panel instead of six look-alike ones, and decision
boundaries that every implementation agrees on collapse to one. Plain data, computed once
for the PNGs and the interactive charts alike."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .data import Band, Boundary


def _spec_key(spec: object) -> str:
    """A run's spec without its seed, as a canonical string (the column holds JSON)."""
    try:
        parsed = json.loads(spec) if isinstance(spec, str) else dict(spec)
    except (TypeError, ValueError):
        return str(spec)
    parsed.pop("seed", None)
    return json.dumps(parsed, sort_keys=True)


def task_groups(runs: pd.DataFrame, tasks: list[str]) -> list[list[str]]:
    """``tasks`` partitioned, in order: tasks whose runs give each implementation the same
    spec (seed aside) and step count train the same network on data of the same shape, so
    their charts look alike and share a panel. Without a ``spec`` column every task is its
    own group."""
    if "spec" not in runs or "steps" not in runs or not len(runs):
        return [[t] for t in tasks]
    keys: dict[str, str] = {}
    for task in tasks:
        sub = runs[runs["task"] == task]
        found = {(str(i), _spec_key(s), str(n)) for i, s, n in zip(sub["impl"], sub["spec"], sub["steps"])}
        impls = [f[0] for f in found]
        keys[task] = repr(sorted(found)) if len(impls) == len(set(impls)) else f"own:{task}"
    groups: dict[str, list[str]] = {}
    for task in tasks:
        groups.setdefault(keys[task], []).append(task)
    return list(groups.values())


def group_title(tasks: list[str]) -> str:
    return tasks[0] if len(tasks) == 1 else ", ".join(tasks) + " (one network)"


@dataclass
class LossPanel:
    """One panel of the loss chart: one task with a line per implementation, or several
    look-alike tasks with a line per (task, implementation) and the largest relative gap
    between an implementation's median and the reference's (``gap``, ``gap_where``)."""

    title: str
    bands: dict[str, list[Band]]
    gap: float = 0.0
    gap_where: str = ""

    @property
    def grouped(self) -> bool:
        return len(self.bands) > 1


def largest_gap(bands: list[Band]) -> tuple[float, str]:
    """Largest relative difference, over steps, of any implementation's median loss from
    the first (reference) one's; and which implementation it is."""
    if len(bands) < 2:
        return 0.0, ""
    ref = bands[0]
    worst, who = 0.0, ""
    for b in bands[1:]:
        n = min(len(ref.median), len(b.median))
        scale = np.maximum(np.abs(ref.median[:n]), 1e-300)
        gap = float(np.nanmax(np.abs(b.median[:n] - ref.median[:n]) / scale)) if n else 0.0
        if gap > worst:
            worst, who = gap, b.label
    return worst, who


def loss_panels(bands_by_task: dict[str, list[Band]], groups: list[list[str]]) -> list[LossPanel]:
    panels = []
    for tasks in groups:
        present = {t: bands_by_task[t] for t in tasks if bands_by_task.get(t)}
        if not present:
            continue
        gaps = [(*largest_gap(b), t) for t, b in present.items()]
        gap, impl, task = max(gaps, key=lambda g: g[0])
        panels.append(LossPanel(group_title(list(present)), present, gap, f"{impl} on {task}" if impl else ""))
    return panels


def grouped_caption(panels: list[LossPanel], what: str) -> str:
    """The sentence that says which tasks share a panel and why that loses nothing."""
    parts = []
    for p in panels:
        if p.grouped:
            text = (
                f"{', '.join(p.bands)} train the same network for the same number of steps, so they share one "
                f"panel ({what})"
            )
            if p.gap_where:
                text += (
                    "; there, the implementations' median curves differ from the first one's by at most "
                    f"{p.gap:.2g} (relative, {p.gap_where})"
                )
            parts.append(text + ".")
    return " ".join(parts)


def merge_tasks(frame: pd.DataFrame, groups: list[list[str]]) -> pd.DataFrame:
    """A (task, impl)-indexed table with each group of look-alike tasks replaced by one
    row per implementation: the median over the group's tasks, under the group's title."""
    rows = []
    for tasks in groups:
        sub = frame[frame.index.get_level_values(0).isin(tasks)]
        if sub.empty:
            continue
        med = sub.groupby(level=1, sort=False).median()
        med.index = pd.MultiIndex.from_product([[group_title(tasks)], med.index])
        rows.append(med)
    return pd.concat(rows) if rows else frame


@dataclass
class Agreement:
    """How far the implementations' predicted-class grids of one task agree with the
    reference's (the first one): per implementation, the fraction of grid points where it
    predicts another class; ``differ`` counts, per grid point, how many disagree."""

    reference: str
    points: int
    fractions: dict[str, float] = field(default_factory=dict)
    differ: np.ndarray | None = None

    @property
    def identical(self) -> bool:
        return not any(self.fractions.values())

    @property
    def worst(self) -> tuple[str, float]:
        return max(self.fractions.items(), key=lambda kv: kv[1]) if self.fractions else ("", 0.0)

    def sentence(self, n_impls: int) -> str:
        if self.identical:
            return f"all {n_impls} implementations predict the same class on all {self.points:,} grid points"
        impl, frac = self.worst
        return (
            f"the implementations disagree: the largest disagreement with {self.reference} is {impl}'s, "
            f"on {frac:.2%} of the {self.points:,} grid points"
        )


def boundary_agreement(boundaries: list[Boundary]) -> Agreement:
    ref = boundaries[0]
    agreement = Agreement(ref.impl, int(ref.labels.size))
    differ = np.zeros(ref.labels.shape, dtype=int)
    for b in boundaries[1:]:
        # A grid of another shape (another resolution) cannot be compared point by point.
        mismatch = (
            b.labels != ref.labels if b.labels.shape == ref.labels.shape else np.ones(ref.labels.shape, dtype=bool)
        )
        agreement.fractions[b.impl] = float(mismatch.mean())
        differ += mismatch
    agreement.differ = differ
    return agreement


def by_host(runs: pd.DataFrame) -> list[tuple[str | None, pd.DataFrame]]:
    """``[(None, runs)]`` for one host (or no ``host`` column); else one entry per host:
    timings from different machines never share a chart."""
    hosts = list(dict.fromkeys(runs["host"].astype(str))) if "host" in runs and len(runs) else []
    if len(hosts) < 2:
        return [(None, runs)]
    return [(h, runs[runs["host"].astype(str) == h]) for h in hosts]


def step_summary(runs: pd.DataFrame) -> pd.DataFrame:
    """Median step time per (task, impl) over the finished runs: what the step-time chart
    reads from the summary, for one host's runs."""
    ok = runs[runs["status"] == "ok"]
    return ok.groupby(["task", "impl"], sort=False, as_index=False)["t_step_median"].median()


def devices(runs: pd.DataFrame) -> list[str]:
    """Where each implementation ran: ``["scratch: cpu", "torch: cuda"]``, the host added
    per device when the sweep had several hosts."""
    if "device" not in runs or not len(runs):
        return []
    several = "host" in runs and runs["host"].astype(str).nunique() > 1
    out = []
    for impl, g in runs.groupby("impl", sort=False):
        if several:
            where = [
                f"{d} on {', '.join(dict.fromkeys(h['host'].astype(str)))}"
                for d, h in g.groupby(g["device"].astype(str), sort=False)
            ]
        else:
            where = list(dict.fromkeys(g["device"].astype(str)))
        out.append(f"{impl}: {', '.join(where)}")
    return out
