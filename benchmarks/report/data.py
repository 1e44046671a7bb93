"""What the report shows, computed from the tables (no drawing here). Each function
returns plain data (series with x, median and band; bars; profiles) so the plots, the
Markdown and the HTML share one computation, and tests can check the numbers."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

IMPL_ORDER: list[str] = []  # from the stored framework facts (use_frameworks)
PHASES = ("t_build", "t_compile", "t_train")
ONE_OFF = ("t_import", "t_init")


def use_frameworks(frameworks: dict[str, dict]) -> None:
    """Implementations in their adapters' declared order (stored in ``manifest.json``)."""
    IMPL_ORDER[:] = sorted(frameworks, key=lambda name: frameworks[name].get("order", 99))


def grid_note(manifest: dict) -> str:
    """Which sweep the report shows (the manifest's ``grid``) and how to get the full one;
    empty for a sweep whose origin was not recorded."""
    grid = manifest.get("grid", "")
    if grid == "quick":
        return (
            "Grid: quick (the default: two tasks, 3 seeds, epochs cut to a few times what each task needs); "
            "for the full grid run scratchbench run --grid full --out results/full (make example does, "
            "with the timing suite and the scaling study)."
        )
    if grid == "full":
        return "Grid: full (every default task with its own epochs, 5 seeds)."
    return f"Grid: {grid}." if grid else ""


def impls_in(df: pd.DataFrame) -> list[str]:
    present = set(df["impl"]) if len(df) else set()
    return [i for i in IMPL_ORDER if i in present] + sorted(present - set(IMPL_ORDER))


@dataclass
class Band:
    """One implementation's curve: the median over seeds and the inter-seed range."""

    label: str
    x: np.ndarray
    median: np.ndarray
    low: np.ndarray
    high: np.ndarray


def loss_bands(curves: pd.DataFrame, task: str, column: str = "train_loss") -> list[Band]:
    """Per implementation: ``column`` against step, median and min-max over seeds."""
    out = []
    sub = curves[curves["task"] == task]
    for impl in impls_in(sub):
        table = (
            sub[sub["impl"] == impl]
            .pivot_table(index="step", columns="seed", values=column, aggfunc="first")
            .sort_index()
        )
        if table.empty:
            continue
        values = table.to_numpy(dtype=float)
        out.append(
            Band(
                impl,
                table.index.to_numpy(),
                np.nanmedian(values, axis=1),
                np.nanmin(values, axis=1),
                np.nanmax(values, axis=1),
            )
        )
    return out


def target_accuracy(summary: pd.DataFrame) -> pd.DataFrame:
    """``summary`` with ``target_accuracy_median`` / ``_ci_low`` / ``_ci_high`` and
    ``accuracy_split``: each row's final accuracy on the split its task's target is judged
    on (``target_metric``: train or test), the accuracy the report shows and ranks."""
    out = summary.copy()
    split = (
        out["target_metric"].astype(str).str.replace("_accuracy", "", regex=False)
        if "target_metric" in out
        else pd.Series("train", out.index)
    )
    out["accuracy_split"] = split.where(split.isin(["train", "test"]), "train")
    for part in ("median", "ci_low", "ci_high"):
        train, test = (
            out.get(f"final_{s}_accuracy_{part}", pd.Series(np.nan, out.index)).astype(float) for s in ("train", "test")
        )
        out[f"target_accuracy_{part}"] = np.where(out["accuracy_split"] == "test", test, train)
    return out


def time_to_target_table(runs: pd.DataFrame) -> pd.DataFrame:
    """Median time-to-target per (task, impl) with misses counted as never (+inf): a
    task an implementation solves in fewer than half its seeds has no time."""
    t = runs.assign(ttt=np.where(runs["reached_target"].astype(bool), runs["t_to_target"].astype(float), np.inf))
    return t.groupby(["task", "impl"], sort=False)["ttt"].median().unstack("impl")


def performance_profile(runs: pd.DataFrame, taus: np.ndarray | None = None) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """MLCommons AlgoPerf's performance profile: for each implementation, the fraction of
    tasks whose time-to-target is within tau times the best implementation's on that task
    (a miss counts as never). Returns (taus, {impl: fractions})."""
    table = time_to_target_table(runs)
    best = table.min(axis=1)
    ratios = table.div(best, axis=0)  # inf where missed; NaN where nobody reached it
    ratios = ratios.fillna(np.inf)
    if taus is None:  # far enough that every implementation that solves a task shows it
        finite = ratios.to_numpy(dtype=float)[np.isfinite(ratios.to_numpy(dtype=float))]
        taus = np.geomspace(1, max(4.0, float(finite.max()) * 1.05 if finite.size else 4.0), 301)
    return taus, {
        impl: np.array([(ratios[impl] <= tau).mean() for tau in taus]) for impl in impls_in(runs) if impl in ratios
    }


def step_time_ratios(runs: pd.DataFrame, reference: str = "scratch") -> pd.DataFrame:
    """Per task (rows) and implementation (columns): the median over seeds of the same-seed
    ratio of its step time to ``reference``'s (``same_seed_ratios``); ``reference`` is 1."""
    table = same_seed_ratios(runs, reference)
    if table.empty:
        return pd.DataFrame()
    wide = table.pivot_table(index="task", columns="impl", values="median", aggfunc="first", sort=False)
    wide.insert(0, reference, 1.0)
    return wide[[i for i in impls_in(runs) if i in wide]]


def step_time_ratio_range(runs: pd.DataFrame, reference: str = "scratch") -> dict[str, pd.DataFrame]:
    """The lowest and highest same-seed ratio per task and implementation (the ratio
    chart's error bars: they always contain the median they surround), and n."""
    table = same_seed_ratios(runs, reference)
    return {
        key: table.pivot_table(index="task", columns="impl", values=key, aggfunc="first", sort=False)
        for key in ("low", "high", "n")
    }


def same_seed_ratios(runs: pd.DataFrame, reference: str = "scratch") -> pd.DataFrame:
    """Per (task, impl other than ``reference``): its median step time over ``reference``'s
    in the same seed, summarised over seeds as median, lowest, highest and n. This is the
    one definition the verdict, the ratio chart and its hover share."""
    columns = ["task", "impl", "median", "low", "high", "n"]
    ok = runs[(runs["status"] == "ok") & np.isfinite(runs["t_step_median"].astype(float))]
    per_seed = ok.pivot_table(
        index=["task", "seed"], columns="impl", values="t_step_median", aggfunc="first", sort=False
    )
    if reference not in per_seed:
        return pd.DataFrame(columns=columns)
    ratio = per_seed.div(per_seed[reference], axis=0).drop(columns=reference)
    out = []
    for task, g in ratio.groupby(level="task", sort=False):
        for impl in impls_in(pd.DataFrame({"impl": list(g.columns)})):
            r = g[impl].dropna()
            if len(r):
                out.append([task, impl, float(r.median()), float(r.min()), float(r.max()), len(r)])
    return pd.DataFrame(out, columns=columns)


def time_breakdown(runs: pd.DataFrame) -> pd.DataFrame:
    """Median seconds of each per-run phase (build, first step, the other steps) per
    (task, impl), over the runs that finished."""
    ok = runs[runs["status"] == "ok"]
    return ok.groupby(["task", "impl"], sort=False)[list(PHASES)].median()


def one_off_costs(runs: pd.DataFrame) -> pd.DataFrame:
    """Seconds paid once per process: importing the framework and its first model."""
    return runs.groupby("impl", sort=False)[list(ONE_OFF)].median().reindex(impls_in(runs))


@dataclass
class Boundary:
    """One implementation's decision boundary, as the harness computed and stored it."""

    impl: str
    xx: np.ndarray
    yy: np.ndarray
    labels: np.ndarray
    confidence: np.ndarray
    accuracy: float


def decision_boundaries(runs: pd.DataFrame, read_boundary, task: str) -> tuple[list[Boundary], np.ndarray, np.ndarray]:
    """For a 2-D task: each implementation's stored grid (first seed) and that seed's
    training points. ``read_boundary(run_id)`` returns the stored arrays or None."""
    sub = runs[(runs["task"] == task) & (runs["status"] == "ok")]
    out, X, y = [], np.empty((0, 2)), np.empty(0)
    if sub.empty:
        return out, X, y
    seed = int(sub["seed"].min())
    for impl in impls_in(sub):
        row = sub[(sub["impl"] == impl) & (sub["seed"] == seed)]
        grid = read_boundary(row["run_id"].iloc[0]) if len(row) else None
        if grid is None:
            continue
        xx, yy = np.meshgrid(grid["gx"], grid["gy"])
        out.append(
            Boundary(impl, xx, yy, grid["labels"], grid["confidence"], float(row["final_train_accuracy"].iloc[0]))
        )
        X, y = grid["X"], grid["y"]
    return out, X, y


def bar_labels(group: pd.DataFrame, columns: tuple[str, ...] = ("impl", "mode", "task", "dtype")) -> list[str]:
    """A name for every bar of one benchmark group: the identity columns whose values
    differ within the group (a layer's name, an execution mode, a dtype), joined; the
    implementation alone where nothing else differs. Where those leave bars unnamed or
    alike (benchmarks of the tool itself), each bar's pytest parameter id names it."""
    varying = [c for c in columns if c in group and group[c].fillna("").astype(str).nunique() > 1]
    varying = varying or ["impl"]
    labels = [
        " / ".join(str(v) for v in row if str(v) not in ("", "nan", "None"))
        for row in group[varying].itertuples(index=False)
    ]
    if "name" in group and (not all(labels) or len(set(labels)) < len(labels)):
        labels = [_param_id(str(name)) for name in group["name"]]
    return [label or "?" for label in labels]


def _param_id(test_name: str) -> str:
    """``test_x[vs-torch]`` -> ``vs-torch``; a test without parameters by its own name."""
    return test_name[test_name.index("[") + 1 : -1] if test_name.endswith("]") and "[" in test_name else test_name


def slopes(df: pd.DataFrame) -> pd.DataFrame:
    """Least-squares slope of log(step time) against log(n) or log(width), per impl, from
    the ``scale`` table: 1 means linear; below 1, fixed costs still dominate."""
    out = []
    for (impl, sweep), g in df.groupby(["impl", "sweep"], sort=False):
        x = g[sweep].to_numpy(dtype=float)
        if len(x) >= 2:
            out.append(
                {"impl": impl, "sweep": sweep, "slope": float(np.polyfit(np.log(x), np.log(g["step_median"]), 1)[0])}
            )
    return pd.DataFrame(out, columns=["impl", "sweep", "slope"])


BEST_RULES = {  # the summary columns whose best value per task is marked, and which way is best
    "target_accuracy_median": max,
    "success_rate": max,
    "steps_to_target_median": min,
    "t_to_target_median": min,
    "t_step_median": min,
}


def best_marks(summary: pd.DataFrame) -> dict[tuple[str, str, str], bool]:
    """Which (task, impl, column) holds the best value of its task (``summary`` as
    ``target_accuracy`` returns it): highest accuracy and
    success rate, lowest steps, time and step time. Ties for best are all marked; where
    every implementation ties there is no winner and nothing is marked."""
    rules = BEST_RULES
    marks = {}
    for task, g in summary.groupby("task", sort=False):
        for col, pick in rules.items():
            values = g[col].dropna()
            if values.empty:
                continue
            best = pick(values)
            if len(values) < 2 or np.allclose(values, best, rtol=1e-12, atol=0):
                continue
            for impl, v in zip(g["impl"], g[col]):
                marks[(task, impl, col)] = bool(np.isfinite(v) and np.isclose(v, best, rtol=1e-12, atol=0))
    return marks
