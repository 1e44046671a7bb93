"""The report's optional sections: the timing suite (one figure per family of groups, the
GFLOP/s and training tables), its performance targets, a baseline comparison and the
scaling study; each writes its tables beside the report and returns the template's keys."""

from __future__ import annotations

import os
import re

import pandas as pd

from ..results.store import write_table_files
from . import data, interactive, plots
from . import figures as figures_mod
from .figures import markup
from .text import seconds

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
    "pytest-benchmark, same machine, same run: median seconds per call, error bars from the first to the "
    "third quartile "
    "(log scale); the ratio printed on each bar is its median over scratch's median in the same panel."
)


SIZES_CAPTION = (
    "pytest-benchmark, same machine, same run: median seconds per training step against the rows per step, "
    "one panel per dtype "
    "and hidden width, error bars from the first to the third quartile (log-log)."
)


def benchmark_section(bench: pd.DataFrame, path: str, out: str, figures: list[dict]) -> dict:
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
                figures_mod.figure(
                    figures,
                    out,
                    f"bench_{stem}{suffix}.png",
                    title + part,
                    SIZES_CAPTION,
                    lambda p, f=frame: plots.step_sizes(f, p),
                    lambda f=frame: interactive.step_sizes(f),
                    switch="x and y",
                )
                continue
            figures_mod.figure(
                figures,
                out,
                f"bench_{stem}{suffix}.png",
                title + part,
                BENCH_CAPTION,
                lambda p, f=frame, t=title + part: plots.benchmark_family(f, t, p),
                lambda f=frame, t=title + part: interactive.benchmark_family(f, t),
                switch="x",
            )
    gf = gflops_table(bench, data.IMPL_ORDER)
    train = bench[families == "train"]
    info = bench.attrs.get("machine_info", {})
    cpu = info.get("cpu", {}).get("brand_raw", info.get("processor", "?"))
    return {
        "bench_json": os.path.basename(path),
        "bench_count": len(bench),
        "bench_machine": f"{cpu}, Python {info.get('python_version', '?')}",
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


def targets_section(bench: pd.DataFrame, scale: pd.DataFrame | None, out: str) -> dict:
    """The performance targets (written beside the report as ``targets``) and the regime
    groups against the machine's limits, as Markdown and HTML."""
    from . import targets

    table, regimes = targets.targets_table(bench, scale), targets.regime_table(bench)
    write_table_files(table, os.path.join(out, "targets"))
    return {
        "targets_md": targets.markdown(table, regimes),
        "targets_html": markup(targets.html_section(table, regimes)),
    }


def baseline_section(old: pd.DataFrame, bench: pd.DataFrame, old_path: str, path: str) -> dict:
    """The timing suite against a baseline run (``--baseline``), as Markdown and HTML."""
    from . import baseline

    table, missing = baseline.compare(old, bench), baseline.only_in(old, bench)
    title = f"Against the baseline {os.path.basename(old_path)}"
    return {
        "baseline_md": baseline.markdown(table, missing, title, "###"),
        "baseline_html": baseline.html_section(table, missing, title),
    }


def scale_section(table: pd.DataFrame, out: str, figures: list[dict]) -> dict:
    sl = data.slopes(table)
    figures_mod.figure(
        figures,
        out,
        "scaling.png",
        "Scaling with data size and width",
        "scratchbench scale: median seconds per full-batch step and peak memory added while stepping, each "
        "size in a fresh process; the legend gives each line's fitted log-log slope (1 = linear).",
        lambda p: plots.scaling(table, sl, p),
        lambda: interactive.scaling(table, sl),
        switch="x and y",
    )
    return {"scale_slopes": [{"impl": r.impl, "sweep": r.sweep, "slope": f"{r.slope:.2f}"} for r in sl.itertuples()]}
