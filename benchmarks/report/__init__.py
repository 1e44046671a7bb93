"""``scratchbench report``: Markdown (PNG files beside it) and one self-contained HTML
file, built only from what the results store returns: the sweep's tables, its manifest
(framework names, order, colours, versions), the stored decision-boundary grids and, when
present, the equivalence check's, the timing suite's and the scaling study's tables."""

from __future__ import annotations

import base64
import os
import re
from datetime import UTC, datetime, timezone

import numpy as np
import pandas as pd

from ..results.store import ResultsStore, atomic_write_text, check_writable, read_benchmark_json, write_table_files
from . import data, interactive, panels, plots, verdict
from .text import ci_text, md_escape, seconds


def md_code(text: object) -> str:
    """Text for an inline code span: no backticks (they would end it), one line."""
    return str(text).replace("`", "'").replace("\r", " ").replace("\n", " ")


def summary_rows(summary: pd.DataFrame) -> list[dict]:
    """The summary table's cells (text), with the best value of each task marked."""
    summary = data.target_accuracy(summary)
    marks = data.best_marks(summary)
    rows = []
    for r in summary.itertuples():

        def cell(col: str, text: str) -> dict:
            return {"text": text, "best": marks.get((r.task, r.impl, col), False)}

        rows.append(
            {
                "task": r.task,
                "impl": r.impl,
                "cells": [
                    cell(
                        "target_accuracy_median",
                        ci_text(r.target_accuracy_median, r.target_accuracy_ci_low, r.target_accuracy_ci_high, ".3f")
                        + f" ({r.accuracy_split})",
                    ),
                    cell("success_rate", f"{r.success_rate:.0%} of {r.runs}"),
                    cell(
                        "steps_to_target_median",
                        ci_text(r.steps_to_target_median, r.steps_to_target_ci_low, r.steps_to_target_ci_high, ".0f"),
                    ),
                    cell("t_to_target_median", seconds(r.t_to_target_median)),
                    cell("t_step_median", seconds(r.t_step_median)),
                    cell("sk_check_ok", "-" if not np.isfinite(r.sk_check_ok) else f"{r.sk_check_ok:.0%}"),
                ],
            }
        )
    return rows


SUMMARY_HEADER = [
    "task",
    "impl",
    "final accuracy (median [95% CI])",
    "success",
    "steps to target",
    "time to target",
    "step time",
    "sklearn agrees",
]


def build_report(
    results: str,
    out: str,
    check: str | None = None,
    benchmark_json: str | None = None,
    scale: str | None = None,
    baseline: str | None = None,
) -> dict[str, str]:
    """Build ``out/README.md`` (+ PNGs) and ``out/index.html``; returns their paths.

    Everything is read through the results store: ``results`` is a ``scratchbench run``
    folder; the equivalence check, the pytest-benchmark JSON and the scaling study come
    from ``check``, ``benchmark_json`` and ``scale`` or, when not given, from
    ``results/check``, ``results/benchmarks.json`` and ``results/scale`` if present."""
    # Everything is read (and so checked) before anything is written: a bad input leaves
    # an earlier report in ``out`` as it was.
    store = ResultsStore(results)
    runs, curves, summary = store.read_run_tables()
    manifest = store.read_manifest()
    frameworks = manifest.get("frameworks") or {
        impl: {"order": k} for k, impl in enumerate(dict.fromkeys(runs["impl"]))
    }
    data.use_frameworks(frameworks)
    plots.use_frameworks(frameworks)
    check_store = ResultsStore(check or os.path.join(results, "check"))
    equivalence, deviation = check_store.read_table("equivalence"), check_store.read_table("deviation")
    benchmark_json = benchmark_json or _if_exists(os.path.join(results, "benchmarks.json"))
    bench = read_benchmark_json(benchmark_json) if benchmark_json else None
    against = (
        _baseline_section(read_benchmark_json(baseline), bench, baseline, benchmark_json)
        if baseline and bench is not None
        else {}
    )
    scale_table = ResultsStore(scale or os.path.join(results, "scale")).read_table("scale")
    validation, validation_table = store.read_json("validation"), store.read_table("validation")
    tasks = list(dict.fromkeys(runs["task"]))
    environment = store.read_table("environment")
    boundaries = {task: data.decision_boundaries(runs, store.read_boundary, task) for task in tasks}
    check_writable(out)
    figures: list[dict] = []
    _run_figures(runs, curves, summary, tasks, out, figures)
    boundary_figs = _boundary_figures(boundaries, out)
    if deviation is not None and len(deviation):
        tol = float(equivalence["tol_trajectory"].iloc[0]) if equivalence is not None and len(equivalence) else None
        _figure(
            figures,
            out,
            "equivalence_deviation.png",
            "Trajectory difference from scratch",
            "Largest relative deviation of the loss from the scratch network's so far, per step (log-log); one line per task and configuration; exact agreement is drawn at 1e-17.",
            lambda p: plots.equivalence_deviation(deviation, p, tol),
            lambda: interactive.equivalence_deviation(deviation, tol),
        )
    run_context = _run_context(runs, summary, manifest, frameworks, tasks)
    context = {
        "title": "scratchbench report",
        "plotly_js": _markup(interactive.plotly_js()),
        "groups": [
            (g, title)
            for g, title in GROUPS
            if g not in ("micro", "scaling")
            or (g == "micro" and bench is not None)
            or (g == "scaling" and scale_table is not None and len(scale_table))
        ],
        "verdict": verdict.verdict(
            runs,
            summary,
            equivalence,
            validation,
            validation_table,
            run_context["complete"],
            len(run_context["sk_mismatches"]),
            environment,
        ),
        **(_benchmark_section(bench, benchmark_json, out, figures) if bench is not None else {}),
        **against,
        **(_targets_section(bench, scale_table, out) if bench is not None else {}),
        **(_scale_section(scale_table, out, figures) if scale_table is not None and len(scale_table) else {}),
        **run_context,
        "figures": [f.update(group=_group(f["file"])) or f for f in figures],
        "boundaries": boundary_figs,
        "equivalence": _equivalence_rows(equivalence),
    }
    return _render(context, out, figures + boundary_figs)


# The report's sections, in reading order, each a question: (anchor, heading). Figures
# join a section by their file name (_group).
GROUPS = [
    ("correctness", "Correctness"),
    ("convergence", "Convergence"),
    ("speed", "Speed"),
    ("micro", "Micro-benchmarks"),
    ("scaling", "Scaling"),
    ("environment", "Environment"),
]
FIGURE_GROUPS = {
    "equivalence_deviation": "correctness",
    "loss_curves": "convergence",
    "performance_profile": "convergence",
    "time_breakdown": "speed",
    "step_time_ratios": "speed",
    "scaling": "scaling",
}


def _group(file: str) -> str:
    stem = file[:-4]
    return FIGURE_GROUPS.get(stem, "micro" if stem.startswith("bench_") else "speed")


def _if_exists(path: str) -> str | None:
    return path if os.path.exists(path) else None


def _markup(text: str):
    """Text the HTML template inlines as it is (plotly.js, plotly's own figure markup)."""
    from markupsafe import Markup

    return Markup(text)


def _figure(figures: list[dict], out: str, name: str, title: str, caption: str, draw, chart=None) -> None:
    """A figure drawn twice from one computation: ``draw(path)`` writes the Markdown
    report's PNG, ``chart()`` returns the HTML report's interactive plotly figure."""
    entry = {"file": name, "title": title, "caption": caption, "path": draw(os.path.join(out, name))}
    if chart is not None:
        entry["html"] = _markup(interactive.to_div(chart(), "plot-" + name[:-4]))
    figures.append(entry)


HOST_NOTE = " Timings from different hosts are not comparable, so each host has its own chart."


def _run_figures(
    runs: pd.DataFrame, curves: pd.DataFrame, summary: pd.DataFrame, tasks: list[str], out: str, figures: list[dict]
) -> None:
    """The sweep's figures: loss curves (look-alike tasks sharing a panel), then, per host,
    where the time goes, step-time ratios and the performance profile."""
    groups = panels.task_groups(runs, tasks)
    loss = panels.loss_panels({t: data.loss_bands(curves, t) for t in tasks}, groups)
    _figure(
        figures,
        out,
        "loss_curves.png",
        "Loss curves",
        "Training loss on the whole training set at each evaluation: median over seeds, band from the best to the worst seed (log scale; the buttons switch to linear). "
        + panels.grouped_caption(loss, "a colour per task, the line style per implementation, the band of the first"),
        lambda p: plots.loss_curves(loss, p),
        lambda: interactive.loss_curves(loss),
    )
    hosts = panels.by_host(runs)
    for host, sub in hosts:
        _host_figures(host, sub, summary if len(hosts) == 1 else panels.step_summary(sub), groups, out, figures)


def _host_figures(
    host: str | None, runs: pd.DataFrame, summary: pd.DataFrame, groups: list[list[str]], out: str, figures: list[dict]
) -> None:
    """The timing figures of one host's runs (file names and titles carry the host when
    the sweep had several)."""
    suffix, on = (f"_{re.sub(r'[^A-Za-z0-9]+', '-', host)}", f" on {host}") if host is not None else ("", "")
    note = HOST_NOTE if host is not None else ""
    phases, one_off = panels.merge_tasks(data.time_breakdown(runs), groups), data.one_off_costs(runs)
    merged = [g for g in groups if len(g) > 1]
    _figure(
        figures,
        out,
        f"time_breakdown{suffix}.png",
        "Where the time goes" + on,
        "First panel: paid once per process (importing the framework, its first model). Then one panel per task: each run's build, first step (tracing, compilation) and remaining steps, median over seeds, on a linear axis with the total at the end of each bar."
        + "".join(
            f" The tasks {', '.join(g)} train the same network for the same steps: one panel, the median over them."
            for g in merged
        )
        + note,
        lambda p: plots.time_breakdown(phases, one_off, p),
        lambda: interactive.time_breakdown(phases, one_off),
    )
    ratios = data.step_time_ratios(summary)
    if not ratios.empty:
        quartiles = data.step_time_ratio_quartiles(runs)
        _figure(
            figures,
            out,
            f"step_time_ratios{suffix}.png",
            "Step time relative to scratch" + on,
            "Median seconds per training step after warm-up, divided by the scratch network's, measured in the same sweep; error bars span the interquartile range of the same-seed ratios (log scale; the buttons switch to linear)."
            + note,
            lambda p: plots.step_time_ratios(ratios, p, quartiles),
            lambda: interactive.step_time_ratios(ratios, quartiles),
        )
    taus, profiles = data.performance_profile(runs)
    _figure(
        figures,
        out,
        f"performance_profile{suffix}.png",
        "Performance profile" + on,
        "For each implementation, the fraction of tasks it solves within tau times the fastest implementation's time-to-target (median over seeds; a task missed in half the seeds or more never counts)."
        + note,
        lambda p: plots.performance_profile(taus, profiles, p),
        lambda: interactive.performance_profile(taus, profiles),
    )


def _boundary_figures(boundaries: dict[str, tuple], out: str) -> list[dict]:
    """One figure per task whose runs have stored decision-boundary grids (2-D tasks):
    one panel when every implementation predicts the same class everywhere, else the
    reference's panel and a map of where the others differ, with a sentence saying so."""
    figs = []
    for task, (bounds, X, y) in boundaries.items():
        if bounds:
            name = f"boundary_{task}.png"
            agreement = panels.boundary_agreement(bounds)
            plots.decision_boundary(task, bounds, X, y, os.path.join(out, name), agreement)
            figs.append(
                {
                    "file": name,
                    "title": task,
                    "sentence": f"{task}: {agreement.sentence(len(bounds))}.",
                    "agree": agreement.identical,
                    "html": _markup(
                        interactive.to_div(
                            interactive.decision_boundary(task, bounds, X, y, agreement), "plot-" + name[:-4]
                        )
                    ),
                }
            )
    return figs


def _run_context(runs: pd.DataFrame, summary: pd.DataFrame, manifest: dict, frameworks: dict, tasks: list[str]) -> dict:
    """The template's facts about the sweep: what ran, where, what went wrong."""
    impls = data.impls_in(runs)
    return {
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": manifest.get("command", ""),
        "grid_note": data.grid_note(manifest),
        "complete": manifest.get("complete", True),
        "software": manifest.get("software", {}),
        "framework_versions": [frameworks[i].get("version", i) for i in impls if i in frameworks],
        "framework_names": [frameworks[i].get("display_name", i) for i in impls if i in frameworks],
        "threads": sorted(set(runs["threads"])) if "threads" in runs else [],
        "parallel": bool((runs.get("parallel_jobs", pd.Series([1])) > 1).any()),
        "devices": panels.devices(runs),
        "hosts": list(dict.fromkeys(runs["host"].astype(str))) if "host" in runs else [],
        "n_runs": len(runs),
        "tasks": tasks,
        "impls": impls,
        "seeds": sorted(set(runs["seed"])),
        "summary_header": SUMMARY_HEADER,
        "summary_rows": summary_rows(summary),
        "problems": [
            dict(task=r.task, impl=r.impl, seed=r.seed, status=r.status, message=r.message)
            for r in runs.itertuples()
            if r.status != "ok"
        ],
        "sk_mismatches": [
            dict(task=r.task, impl=r.impl, seed=r.seed, check=r.sk_check)
            for r in runs.itertuples()
            if r.status == "ok" and getattr(r, "sk_check", "ok") != "ok"
        ],
        "sk_ok": int((runs.get("sk_check") == "ok").sum()) if "sk_check" in runs else 0,
    }


def _render(context: dict, out: str, figures: list[dict]) -> dict[str, str]:
    """README.md with PNGs beside it; index.html with the interactive charts (plotly.js inlined once)."""
    md = _jinja().get_template("report.md.j2").render(**context)
    for fig in figures:
        if "html" not in fig:  # a figure with no interactive version shows its PNG
            with open(os.path.join(out, fig["file"]), "rb") as f:
                fig["data_uri"] = "data:image/png;base64," + base64.b64encode(f.read()).decode()
    html = _jinja(autoescape=True).get_template("report.html.j2").render(**context)
    return {
        "markdown": atomic_write_text(os.path.join(out, "README.md"), md),
        "html": atomic_write_text(os.path.join(out, "index.html"), html),
    }


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


BENCH_CAPTION = (
    "pytest-benchmark, same machine, same run: median seconds per call, error bars from the first to the third quartile "
    "(log scale; the buttons switch to linear); ratios are to the scratch network in the same panel."
)


SIZES_CAPTION = (
    "pytest-benchmark, same machine, same run: median seconds per training step against the rows per step, one panel per dtype "
    "and hidden width, error bars from the first to the third quartile (log-log; the buttons switch to linear)."
)


def _benchmark_section(bench: pd.DataFrame, path: str, out: str, figures: list[dict]) -> dict:
    """pytest-benchmark's ``benchmarks`` table (written beside the report), one figure per
    family of groups, the GFLOP/s table and the training table."""
    from ..results.benchjson import family, gflops_table

    write_table_files(bench, os.path.join(out, "benchmarks"))
    families = bench["group"].map(family)
    for fam in dict.fromkeys(families):
        title, stem = FAMILIES.get(fam, (f"Benchmark: {fam}", re.sub(r"[^a-z0-9]+", "_", fam.lower()).strip("_")))
        sub = bench[families == fam]
        parts = [("", sub, "")]
        if fam == "step":  # tasks and sizes are two questions
            sizes = sub["group"].str.contains("width=")
            parts = [(" on the tasks", sub[~sizes], "_tasks"), (" by data size and width", sub[sizes], "_sizes")]
        for part, frame, suffix in parts:
            if not len(frame):
                continue
            if suffix == "_sizes" and {"n", "width", "dtype"} <= set(frame):  # a grid of sizes reads as lines
                _figure(
                    figures,
                    out,
                    f"bench_{stem}{suffix}.png",
                    title + part,
                    SIZES_CAPTION,
                    lambda p, f=frame: plots.step_sizes(f, p),
                    lambda f=frame: interactive.step_sizes(f),
                )
                continue
            _figure(
                figures,
                out,
                f"bench_{stem}{suffix}.png",
                title + part,
                BENCH_CAPTION,
                lambda p, f=frame, t=title + part: plots.benchmark_family(f, t, p),
                lambda f=frame, t=title + part: interactive.benchmark_family(f, t),
            )
    gf = gflops_table(bench, data.IMPL_ORDER)
    train = bench[families == "train"]
    info = bench.attrs.get("machine_info", {})
    return {
        "bench_json": os.path.basename(path),
        "bench_count": len(bench),
        "bench_machine": f"{info.get('cpu', {}).get('brand_raw', info.get('processor', '?'))}, Python {info.get('python_version', '?')}",
        "bench_datetime": bench.attrs.get("datetime", ""),
        "gflops_header": [str(c) for c in gf.columns] if len(gf) else [],
        "gflops_rows": [[str(v) for v in row] for row in gf.itertuples(index=False)] if len(gf) else [],
        "train_rows": [
            {
                "group": r.group,
                "impl": r.impl,
                "median": seconds(r.median),
                "iqr": seconds(r.iqr),
                "accuracy": f"{r.accuracy:.4f}",
                "final_loss": f"{r.final_loss:.4g}",
            }
            for r in train.itertuples()
        ],
    }


def _targets_section(bench: pd.DataFrame, scale: pd.DataFrame | None, out: str) -> dict:
    """The performance targets (written beside the report as ``targets``) and the regime
    groups against the machine's limits, as Markdown and HTML."""
    from . import targets

    table, regimes = targets.targets_table(bench, scale), targets.regime_table(bench)
    write_table_files(table, os.path.join(out, "targets"))
    return {
        "targets_md": targets.markdown(table, regimes),
        "targets_html": _markup(targets.html_section(table, regimes)),
    }


def _baseline_section(old: pd.DataFrame, bench: pd.DataFrame, old_path: str, path: str) -> dict:
    """The timing suite against a baseline run (``--baseline``), as Markdown and HTML."""
    from . import baseline

    table, missing = baseline.compare(old, bench), baseline.only_in(old, bench)
    title = f"Against the baseline {os.path.basename(old_path)}"
    return {
        "baseline_md": baseline.markdown(table, missing, title, "###"),
        "baseline_html": baseline.html_section(table, missing, title),
    }


def _scale_section(table: pd.DataFrame, out: str, figures: list[dict]) -> dict:
    sl = data.slopes(table)
    _figure(
        figures,
        out,
        "scaling.png",
        "Scaling with data size and width",
        "scratchbench scale: median seconds per full-batch step and peak memory added while stepping, each size in a fresh process; the legend gives each line's fitted log-log slope (1 = linear); the buttons switch the axes between log and linear.",
        lambda p: plots.scaling(table, sl, p),
        lambda: interactive.scaling(table, sl),
    )
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
        rows.append(
            {
                "impl": impl,
                "dtype": dtype,
                "comparisons": len(g),
                "one_step": f"{one.max():.1e}" if len(one) else "-",
                "loss": f"{expressible['loss_step_rel'].max():.1e}"
                if len(expressible) and "loss_step_rel" in expressible
                else f"{expressible['loss_max_rel'].max():.1e}"
                if len(expressible)
                else "-",
                "weights": f"{expressible['weights_max_rel'].max():.1e}" if len(expressible) else "-",
                "steps": int(g["steps"].max()),
                "verdict": ", ".join(
                    f"{counts[s]} {s}" for s in ("pass", "amplified", "fail", "error", "not expressible") if s in counts
                ),
                "ok": not g["status"].isin(["fail", "error"]).any(),
                "unexpressible": sorted(set(g.loc[g["status"] == "not expressible", "note"])),
            }
        )
    return rows


def _jinja(autoescape: bool = False):
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(os.path.join(os.path.dirname(__file__), "templates")),
        autoescape=autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["md"] = md_escape
    env.filters["md_code"] = md_code
    return env
