"""The report's figures, each drawn twice from one computation: a PNG for the Markdown
report and an interactive plotly chart for the HTML page, with one caption true of both."""

from __future__ import annotations

import os
import re

import pandas as pd

from . import data, interactive, panels, plots


def markup(text: str):
    """Text the HTML template inlines as it is (plotly's own figure markup)."""
    from markupsafe import Markup

    return Markup(text)


FIGURE_GROUPS = {
    "equivalence_deviation": "correctness",
    "loss_curves": "convergence",
    "performance_profile": "convergence",
    "time_breakdown": "speed",
    "step_time_ratios": "speed",
    "scaling": "scaling",
}


def group_of(file: str) -> str:
    stem = file[:-4]
    return FIGURE_GROUPS.get(stem, "micro" if stem.startswith("bench_") else "speed")


def figure(
    figures: list[dict], out: str, name: str, title: str, caption: str, draw, chart=None, switch: str = "y"
) -> None:
    """A figure drawn twice from one computation: ``draw(path)`` writes the Markdown
    report's PNG, ``chart()`` returns the HTML report's interactive plotly figure. The
    caption describes both; the HTML adds what its buttons do (``switch``: the axes they
    turn between log and linear; empty: no buttons)."""
    entry = {"file": name, "title": title, "caption": caption, "path": draw(os.path.join(out, name))}
    entry["buttons"] = (
        f"The buttons above the chart switch its {switch} axis{'es' if ' and ' in switch else ''} between "
        "log and linear."
        if switch
        else ""
    )
    if chart is not None:
        chart_html(entry, chart(), name)
    figures.append(entry)


def chart_html(entry: dict, fig, name: str) -> dict:
    """The page's markup of ``fig`` in ``entry`` (its div named after the PNG ``name``) and
    the trace types it draws, which choose the page's plotly.js bundle."""
    entry["html"] = markup(interactive.to_div(fig, "plot-" + name[:-4]))
    entry["traces"] = interactive.trace_types(fig)
    return entry


HOST_NOTE = " Timings from different hosts are not comparable, so each host has its own chart."


def run_figures(
    runs: pd.DataFrame, curves: pd.DataFrame, summary: pd.DataFrame, tasks: list[str], out: str, figures: list[dict]
) -> None:
    """The sweep's figures: loss curves (look-alike tasks sharing a panel), then, per host,
    where the time goes, step-time ratios and the performance profile."""
    groups = panels.task_groups(runs, tasks)
    loss = panels.loss_panels({t: data.loss_bands(curves, t) for t in tasks}, groups)
    figure(
        figures,
        out,
        "loss_curves.png",
        "Loss curves",
        "Training loss on the whole training set at each evaluation: median over seeds, band from the best "
        "to the worst seed (log scale). "
        + panels.grouped_caption(loss, "a colour per task, the line style per implementation, the band of the first"),
        lambda p: plots.loss_curves(loss, p),
        lambda: interactive.loss_curves(loss),
    )
    hosts = panels.by_host(runs)
    for host, sub in hosts:
        host_figures(host, sub, summary if len(hosts) == 1 else panels.step_summary(sub), groups, out, figures)


def host_figures(
    host: str | None, runs: pd.DataFrame, summary: pd.DataFrame, groups: list[list[str]], out: str, figures: list[dict]
) -> None:
    """The timing figures of one host's runs (file names and titles carry the host when
    the sweep had several)."""
    suffix, on = (f"_{re.sub(r'[^A-Za-z0-9]+', '-', host)}", f" on {host}") if host is not None else ("", "")
    note = HOST_NOTE if host is not None else ""
    phases, one_off = panels.merge_tasks(data.time_breakdown(runs), groups), data.one_off_costs(runs)
    merged = [g for g in groups if len(g) > 1]
    figure(
        figures,
        out,
        f"time_breakdown{suffix}.png",
        "Where the time goes" + on,
        "First panel: paid once per process (importing the framework, its first model). Then one panel per "
        "task: each run's build, first step (tracing, compilation) and remaining steps, median over seeds, "
        "on a linear axis with the total at the end of each bar."
        + "".join(
            f" The tasks {', '.join(g)} train the same network for the same steps: one panel, the median over them."
            for g in merged
        )
        + note,
        lambda p: plots.time_breakdown(phases, one_off, p),
        lambda: interactive.time_breakdown(phases, one_off),
        switch="",
    )
    ratios = data.step_time_ratios(runs)
    if not ratios.empty:
        spread = data.step_time_ratio_range(runs)
        figure(
            figures,
            out,
            f"step_time_ratios{suffix}.png",
            "Step time relative to scratch" + on,
            "Each framework's seconds per training step after warm-up divided by the scratch network's in "
            "the same seed, "
            "as the sweep drives it (harness mode): the bar is the median over seeds, the error bar runs "
            "from the lowest "
            "to the highest seed's ratio (log scale; above 1 scratch is faster)." + note,
            lambda p: plots.step_time_ratios(ratios, p, spread),
            lambda: interactive.step_time_ratios(ratios, spread),
        )
    taus, profiles = data.performance_profile(runs)
    figure(
        figures,
        out,
        f"performance_profile{suffix}.png",
        "Performance profile" + on,
        "For each implementation, the fraction of tasks it solves within tau times the fastest implementation's "
        "time-to-target (median over seeds; training seconds with the first, compiling step included; a task missed "
        "in half the seeds or more never counts)." + note,
        lambda p: plots.performance_profile(taus, profiles, p),
        lambda: interactive.performance_profile(taus, profiles),
        switch="x",
    )


def boundary_figures(boundaries: dict[str, tuple], out: str) -> list[dict]:
    """One figure per task whose runs have stored decision-boundary grids (2-D tasks):
    one panel when every implementation predicts the same class everywhere, else the
    reference's panel and a map of where the others differ, with a sentence saying so."""
    figs = []
    for task, (bounds, X, y) in boundaries.items():
        if bounds:
            name = f"boundary_{task}.png"
            agreement = panels.boundary_agreement(bounds)
            plots.decision_boundary(task, bounds, X, y, os.path.join(out, name), agreement)
            fig = interactive.decision_boundary(task, bounds, X, y, agreement)
            entry = {"file": name, "title": task, "sentence": f"{task}: {agreement.sentence(len(bounds))}."}
            figs.append(chart_html({**entry, "agree": agreement.identical}, fig, name))
    return figs
