"""``scratchbench report``: Markdown (PNG files beside it) and one self-contained HTML
file from the runner's tables and, when present, the equivalence check's."""

from __future__ import annotations

import base64
import json
import os
import re
from datetime import datetime, timezone

import numpy as np
import pandas as pd

from reference_impls.spec import SpecError

from ..io import atomic_write, check_writable
from ..report_text import seconds
from . import data, plots


def _read(folder: str, name: str, required: bool = True) -> pd.DataFrame | None:
    path = os.path.join(folder, f"{name}.parquet")
    if not os.path.exists(path):
        if required:
            raise SpecError(f"{folder} has no {name}.parquet; create it with: scratchbench run --out {folder}")
        return None
    return pd.read_parquet(path)


def _load_json(path: str) -> dict:
    with open(path) as f:
        return json.load(f)


def _write_text(text: str):
    def write(path: str) -> None:
        with open(path, "w") as f:
            f.write(text)

    return write


def md_escape(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _ci(med: float, lo: float, hi: float, fmt: str) -> str:
    if not np.isfinite(med):
        return "-"
    return format(med, fmt) + ("" if not np.isfinite(lo) else f" [{format(lo, fmt)}, {format(hi, fmt)}]")


def summary_rows(summary: pd.DataFrame) -> list[dict]:
    """The summary table's cells (text), with the best value of each task marked."""
    marks = data.best_marks(summary)
    rows = []
    for r in summary.itertuples():
        def cell(col: str, text: str) -> dict:
            return {"text": text, "best": marks.get((r.task, r.impl, col), False)}

        rows.append({
            "task": r.task, "impl": r.impl,
            "cells": [
                cell("final_accuracy_median", _ci(r.final_accuracy_median, r.final_accuracy_ci_low, r.final_accuracy_ci_high, ".3f")),
                cell("success_rate", f"{r.success_rate:.0%} of {r.runs}"),
                cell("steps_to_target_median", _ci(r.steps_to_target_median, r.steps_to_target_ci_low, r.steps_to_target_ci_high, ".0f")),
                cell("time_to_target_median", seconds(r.time_to_target_median)),
                cell("t_step_median", seconds(r.t_step_median)),
                cell("sk_check_ok", "-" if not np.isfinite(r.sk_check_ok) else f"{r.sk_check_ok:.0%}"),
            ],
        })
    return rows


SUMMARY_HEADER = ["task", "impl", "final accuracy (median [95% CI])", "success", "steps to target", "time to target", "step time", "sklearn agrees"]


def build_report(results: str, out: str, check: str | None = None, benchmark_json: str | None = None, scale: str | None = None) -> dict[str, str]:
    """Build ``out/README.md`` (+ PNGs) and ``out/index.html``; returns their paths.

    ``results`` is a ``scratchbench run`` folder; the equivalence check, the
    pytest-benchmark JSON and the scaling study are read from ``check``,
    ``benchmark_json`` and ``scale`` or, when not given, from ``results/check``,
    ``results/benchmarks.json`` and ``results/scale`` if they exist."""
    runs, curves, summary = (_read(results, n) for n in ("runs", "curves", "summary"))
    default = lambda path: path if os.path.exists(path) else None  # noqa: E731
    benchmark_json = benchmark_json or default(os.path.join(results, "benchmarks.json"))
    scale = scale or default(os.path.join(results, "scale"))
    manifest_path = os.path.join(results, "manifest.json")
    manifest = _load_json(manifest_path) if os.path.exists(manifest_path) else {}
    check = check or (os.path.join(results, "check") if os.path.isdir(os.path.join(results, "check")) else None)
    equivalence = _read(check, "equivalence", required=False) if check else None
    deviation = _read(check, "deviation", required=False) if check else None
    check_writable(out)
    figures: list[dict] = []

    def figure(name: str, title: str, caption: str, draw) -> None:
        path = draw(os.path.join(out, name))
        figures.append({"file": name, "title": title, "caption": caption, "path": path})

    tasks = list(dict.fromkeys(runs["task"]))
    figure("loss_curves.png", "Loss curves", "Training loss on the whole training set at each evaluation: median over seeds, band from the best to the worst seed. Log scale.",
           lambda p: plots.loss_curves({t: data.loss_bands(curves, t) for t in tasks}, p))
    from ..runner import load_weights
    from ..tasks import get_task

    params = {name: info.get("params", {}) for name, info in manifest.get("tasks", {}).items()}
    data_of = lambda task, seed: get_task(task).with_params(**params.get(task, {})).data(seed)  # noqa: E731
    boundary_figs = []
    for task in tasks:
        if "2d" not in get_task(task).tags:
            continue
        bounds, X, y = data.decision_boundaries(runs, lambda rid: load_weights(results, rid), data_of, task)
        if bounds:
            name = f"boundary_{task}.png"
            plots.decision_boundary(task, bounds, X, y, os.path.join(out, name))
            boundary_figs.append({"file": name, "title": task})
    figure("time_breakdown.png", "Where the time goes",
           "First panel: paid once per process (importing the framework, its first model). Then one panel per task: each run's build, first step (tracing, compilation) and remaining steps, median over seeds, on a linear axis with the total at the end of each bar.",
           lambda p: plots.time_breakdown(data.time_breakdown(runs), data.one_off_costs(runs), p))
    ratios = data.step_time_ratios(summary)
    if not ratios.empty:
        figure("step_time_ratios.png", "Step time relative to scratch", "Median seconds per training step after warm-up, divided by the scratch network's, measured in the same sweep.",
               lambda p: plots.step_time_ratios(ratios, p))
    taus, profiles = data.performance_profile(runs)
    figure("performance_profile.png", "Performance profile", "For each implementation, the fraction of tasks it solves within tau times the fastest implementation's time-to-target (median over seeds; a task missed in half the seeds or more never counts).",
           lambda p: plots.performance_profile(taus, profiles, p))
    if deviation is not None and len(deviation):
        tol = float(equivalence["tol_trajectory"].iloc[0]) if equivalence is not None and len(equivalence) else None
        figure("equivalence_deviation.png", "Trajectory difference from scratch", "Largest relative deviation of the loss from the scratch network's so far, per step (log-log); one line per task and configuration.",
               lambda p: plots.equivalence_deviation(deviation, p, tol))

    bench_context = _benchmark_section(benchmark_json, out, figures) if benchmark_json else {}
    scale_context = _scale_section(scale, out, figures) if scale else {}
    context = {
        "title": "scratchbench report",
        **bench_context, **scale_context,
        "generated": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "command": manifest.get("command", ""),
        "complete": manifest.get("complete", True),
        "software": manifest.get("software", {}),
        "threads": sorted(set(runs["threads"])) if "threads" in runs else [],
        "parallel": bool((runs.get("parallel_jobs", pd.Series([1])) > 1).any()),
        "n_runs": len(runs), "tasks": tasks, "impls": data.impls_in(runs), "seeds": sorted(set(runs["seed"])),
        "summary_header": SUMMARY_HEADER, "summary_rows": summary_rows(summary),
        "figures": figures, "boundaries": boundary_figs,
        "problems": [dict(task=r.task, impl=r.impl, seed=r.seed, status=r.status, message=r.message) for r in runs.itertuples() if r.status != "ok"],
        "sk_mismatches": [dict(task=r.task, impl=r.impl, seed=r.seed, check=r.sk_check) for r in runs.itertuples() if r.status == "ok" and getattr(r, "sk_check", "ok") != "ok"],
        "sk_ok": int((runs.get("sk_check") == "ok").sum()) if "sk_check" in runs else 0,
        "equivalence": _equivalence_rows(equivalence),
    }
    env = _jinja()
    md = env.get_template("report.md.j2").render(**context)
    for fig in figures + boundary_figs:
        with open(os.path.join(out, fig["file"]), "rb") as f:
            fig["data_uri"] = "data:image/png;base64," + base64.b64encode(f.read()).decode()
    html = _jinja(autoescape=True).get_template("report.html.j2").render(**context)
    paths = {
        "markdown": atomic_write(os.path.join(out, "README.md"), _write_text(md)),
        "html": atomic_write(os.path.join(out, "index.html"), _write_text(html)),
    }
    return paths


FAMILIES = {
    "step": ("Benchmark: one training step", "step"),
    "forward": ("Benchmark: forward pass", "forward"),
    "train": ("Benchmark: full training runs", "train"),
    "modes": ("Benchmark: framework execution modes", "modes"),
    "scratch layer forward": ("Benchmark: scratch layers, forward", "layers_forward"),
    "scratch layer backward": ("Benchmark: scratch layers, backward", "layers_backward"),
    "scratch loss forward": ("Benchmark: scratch losses, forward", "losses_forward"),
    "scratch loss backward": ("Benchmark: scratch losses, backward", "losses_backward"),
    "peak": ("Benchmark: machine matmul peak", "peak"),
}


def _benchmark_section(path: str, out: str, figures: list[dict]) -> dict:
    """pytest-benchmark's JSON -> the ``benchmarks`` table (written beside the report), one
    figure per family of groups, the GFLOP/s table and the training table."""
    from ..benchjson import family, gflops_table, load_benchmark_json
    from ..io import atomic_write_table

    bench = load_benchmark_json(path)
    atomic_write_table(bench, os.path.join(out, "benchmarks"))
    families = bench["group"].map(family)
    for fam in dict.fromkeys(families):
        title, stem = FAMILIES.get(fam, (f"Benchmark: {fam}", re.sub(r"[^a-z0-9]+", "_", fam.lower()).strip("_")))
        sub = bench[families == fam]
        if fam == "step":  # tasks and sizes are two questions
            for part, mask, suffix in (("on the tasks", ~sub["group"].str.contains("width="), "tasks"), ("by data size and width", sub["group"].str.contains("width="), "sizes")):
                if mask.any():
                    name = f"bench_{stem}_{suffix}.png"
                    figures.append({"file": name, "title": f"{title} {part}", "path": plots.benchmark_family(sub[mask], f"{title} {part}", os.path.join(out, name)),
                                    "caption": "pytest-benchmark, same machine, same run; ratios are to the scratch network in the same panel."})
            continue
        name = f"bench_{stem}.png"
        figures.append({"file": name, "title": title, "path": plots.benchmark_family(sub, title, os.path.join(out, name)),
                        "caption": "pytest-benchmark, same machine, same run; ratios are to the scratch network in the same panel."})
    gf = gflops_table(bench)
    train = bench[families == "train"]
    info = bench.attrs.get("machine_info", {})
    return {
        "bench_json": os.path.basename(path), "bench_count": len(bench),
        "bench_machine": f"{info.get('cpu', {}).get('brand_raw', info.get('processor', '?'))}, Python {info.get('python_version', '?')}",
        "bench_datetime": bench.attrs.get("datetime", ""),
        "gflops_header": [str(c) for c in gf.columns] if len(gf) else [],
        "gflops_rows": [[str(v) for v in row] for row in gf.itertuples(index=False)] if len(gf) else [],
        "train_rows": [
            {"group": r.group, "impl": r.impl, "median": seconds(r.median), "iqr": seconds(r.iqr), "accuracy": f"{r.accuracy:.4f}", "final_loss": f"{r.final_loss:.4g}"}
            for r in train.itertuples()
        ],
    }


def _scale_section(folder: str, out: str, figures: list[dict]) -> dict:
    from ..scale import slopes

    table = _read(folder, "scale", required=False)
    if table is None or table.empty:
        return {}
    sl = slopes(table)
    figures.append({"file": "scaling.png", "title": "Scaling with data size and width", "path": plots.scaling(table, sl, os.path.join(out, "scaling.png")),
                    "caption": "scratchbench scale: median seconds per full-batch step and peak memory added while stepping, each size in a fresh process; the legend gives each line's fitted log-log slope (1 = linear)."})
    return {"scale_slopes": [{"impl": r.impl, "sweep": r.sweep, "slope": f"{r.slope:.2f}"} for r in sl.itertuples()]}


def _equivalence_rows(eq: pd.DataFrame | None) -> list[dict]:
    """Per (impl, dtype): worst deviations over every task and config, and the statuses."""
    if eq is None or eq.empty:
        return []
    rows = []
    for (impl, dtype), g in eq.groupby(["impl", "dtype"], sort=False):
        expressible = g[g["status"] != "not expressible"]
        counts = g["status"].value_counts()
        one = expressible[["one_step_loss_rel", "one_step_grad_rel", "one_step_weight_rel"]].max(axis=1)
        rows.append({
            "impl": impl, "dtype": dtype, "comparisons": len(g),
            "one_step": f"{one.max():.1e}" if len(one) else "-",
            "loss": f"{expressible['loss_max_rel'].max():.1e}" if len(expressible) else "-",
            "weights": f"{expressible['weights_max_rel'].max():.1e}" if len(expressible) else "-",
            "steps": int(g["steps"].max()),
            "verdict": ", ".join(f"{counts[s]} {s}" for s in ("pass", "amplified", "fail", "error", "not expressible") if s in counts),
            "ok": not g["status"].isin(["fail", "error"]).any(),
            "unexpressible": sorted(set(g.loc[g["status"] == "not expressible", "note"])),
        })
    return rows


def _jinja(autoescape: bool = False):
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(os.path.join(os.path.dirname(__file__), "templates")),
        autoescape=autoescape, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
    )
    env.filters["md"] = md_escape
    return env
