"""``scratchbench report``: Markdown (PNG files beside it) and one HTML page (plotly.js in
one file beside it, so the page works offline), built only from what the results store
returns: the sweep's tables, its manifest (framework names, order, colours, versions), the
stored decision-boundary grids and, when present, the equivalence check's, the timing
suite's and the scaling study's tables. The tables the page shows are written beside it."""

from __future__ import annotations

import base64
import os

import pandas as pd

from ..results.store import ResultsStore, atomic_write_text, check_writable, read_benchmark_json, write_table_files
from . import bundle, context, correctness, data, interactive, plots, sections, speed, verdict
from . import figures as figs
from .context import md_code, summary_rows  # noqa: F401  (public names kept where they were)
from .narrow import NARROW_PX
from .text import md_escape


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
        sections.baseline_section(read_benchmark_json(baseline), bench, baseline, benchmark_json)
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
    figs.run_figures(runs, curves, summary, tasks, out, figures)
    boundary_figs = figs.boundary_figures(boundaries, out)
    if deviation is not None and len(deviation):
        _equivalence_figure(deviation, equivalence, out, figures)
    run_context = context.run_context(runs, summary, manifest, frameworks, tasks, environment)
    tables = _write_tables(out, runs=runs, summary=summary, equivalence=equivalence)
    page = {
        "title": "scratchbench report",
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
            bench,
        ),
        **(sections.benchmark_section(bench, benchmark_json, out, figures) if bench is not None else {}),
        **against,
        **(sections.targets_section(bench, scale_table, out) if bench is not None else {}),
        **(sections.scale_section(scale_table, out, figures) if scale_table is not None and len(scale_table) else {}),
        **run_context,
        "figures": [f.update(group=figs.group_of(f["file"])) or f for f in figures],
        "boundaries": boundary_figs,
        "equivalence": correctness.equivalence_rows(equivalence),
        "tolerance_text": correctness.tolerance_text(equivalence),
        "amplified_text": correctness.amplified_text(equivalence),
        "tables": tables + [t for t in ("benchmarks", "targets") if bench is not None],
    }
    return _render(page, out, figures + boundary_figs)


# The report's sections, in reading order, each a question: (anchor, heading). Figures
# join a section by their file name (_group).
GROUPS = [
    ("correctness", "Correctness"),
    ("convergence", "Convergence"),
    ("speed", "Speed"),
    ("micro", "Micro-benchmarks"),
    ("scaling", "Scaling"),
    ("environment", "Data and provenance"),
]


def _if_exists(path: str) -> str | None:
    return path if os.path.exists(path) else None


def _equivalence_figure(
    deviation: pd.DataFrame, equivalence: pd.DataFrame | None, out: str, figures: list[dict]
) -> None:
    """The check's deviation curves with the trajectory tolerance it applied, per dtype,
    each line named with its status where it is not a plain pass."""
    tol = {t["dtype"]: t["trajectory"] for t in correctness.tolerances(equivalence)}
    status = correctness.line_status(equivalence)
    figs.figure(
        figures,
        out,
        "equivalence_deviation.png",
        "Trajectory difference from scratch",
        "Largest relative deviation of the loss from the scratch network's so far, per step (log-log); one line per "
        "task and configuration, named with its status where it is not a plain pass; the dashed line is the "
        "trajectory tolerance the check applied for that dtype (a line above it passed as 'amplified' only if its "
        "growth was gradual); exact agreement is drawn at 1e-17.",
        lambda p: plots.equivalence_deviation(deviation, p, tol, status),
        lambda: interactive.equivalence_deviation(deviation, tol, status),
        switch="",
    )


def _write_tables(out: str, **tables: pd.DataFrame | None) -> list[str]:
    """Each table the page draws from, as ``name.csv`` and ``name.parquet`` beside it."""
    written = []
    for name, table in tables.items():
        if table is not None and len(table):
            write_table_files(table, os.path.join(out, name))
            written.append(name)
    return written


def _render(context: dict, out: str, figures: list[dict]) -> dict[str, str]:
    """README.md with PNGs beside it; index.html with the interactive charts (plotly.js in
    one file beside it: the smallest bundle holding every trace type they draw)."""
    md = _jinja().get_template("report.md.j2").render(**context)
    context["plotly_src"] = bundle.write_bundle(out, set().union(*(f.get("traces", ()) for f in figures)))
    context["narrow_px"] = NARROW_PX
    for fig in figures:
        if "html" not in fig:  # a figure with no interactive version shows its PNG
            with open(os.path.join(out, fig["file"]), "rb") as f:
                fig["data_uri"] = "data:image/png;base64," + base64.b64encode(f.read()).decode()
    html = _jinja(autoescape=True).get_template("report.html.j2").render(**context)
    return {
        "markdown": atomic_write_text(os.path.join(out, "README.md"), md),
        "html": atomic_write_text(os.path.join(out, "index.html"), html),
    }


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
    env.filters["versus"] = speed.versus
    return env
