"""The HTML report's charts as plotly figures: hover values, zoom, legend toggling and a
log/linear switch where the scale matters. They draw what ``data`` and ``panels``
computed, as the PNGs of ``plots`` do for the Markdown report; none computes anything of
its own. Backgrounds are transparent and grid lines half-grey, so the page's light or
dark colours show through (the page's script sets the text colour)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .bench_charts import benchmark_family, decision_boundary, scaling, step_sizes  # noqa: F401  (one namespace)
from .chart_style import (  # noqa: F401  (one namespace for every chart)
    DASHES,
    PALETTE,
    PHASES,
    _band,
    _color,
    _finish,
    _log_axis,
    _scale_switch,
    _style,
    _subplots,
    esc,
    to_div,
    trace_types,
)
from .panels import LossPanel
from .plots import _status_suffix
from .text import seconds, times


def loss_curves(panels: list[LossPanel], ylabel: str = "training loss") -> go.Figure:
    """One panel per task (a line per implementation: median over seeds, band from the best
    to the worst seed) or per group of look-alike tasks (a colour per task, the line style
    per implementation, the band of the first implementation)."""
    fig, cols = _subplots([p.title for p in panels], 3)
    shown: set[str] = set()
    for k, panel in enumerate(panels):
        pos = dict(row=k // cols + 1, col=k % cols + 1)
        for j, (task, bands) in enumerate(panel.bands.items()):
            for i, band in enumerate(bands):
                color = _color(band.label) if not panel.grouped else PALETTE[j % len(PALETTE)]
                key = band.label if not panel.grouped else task
                if i == 0:
                    _band(fig, band, color, task, "band" not in shown, **pos)
                    shown.add("band")
                line = _style(band.label)
                fig.add_trace(
                    go.Scatter(
                        x=np.maximum(band.x, 0),
                        y=band.median,
                        mode="lines",
                        line=dict(color=color, **line),
                        opacity=0.6 if line["width"] > 3 else 1,
                        name=esc(key) if not panel.grouped else f"{esc(task)} (each implementation)",
                        legendgroup=esc(key),
                        showlegend=key not in shown and (not panel.grouped or i == 0),
                        hovertemplate=(
                            f"{esc(task)} / {esc(band.label)}<br>step %{{x}}<br>loss %{{y:.4g}}<extra></extra>"
                        ),
                    ),
                    **pos,
                )
                if not panel.grouped or i == 0:
                    shown.add(key)
        drawn = [np.r_[b.low, b.high, b.median] for bands in panel.bands.values() for b in bands]
        _log_axis(fig, "y", np.concatenate(drawn) if drawn else [], **pos)
    fig.update_yaxes(type="log", title_text=f"{ylabel} (log)" if cols == 1 else None)
    for r in range(1, -(-len(panels) // cols) + 1):
        fig.update_yaxes(title_text=ylabel, row=r, col=1)
    fig.update_xaxes(title_text="optimizer step")
    _scale_switch(fig, "y")
    rows = -(-len(panels) // cols)
    return _finish(fig, 130 + 300 * rows, top=120, gap=30)


def time_breakdown(phases: pd.DataFrame, one_off: pd.DataFrame) -> go.Figure:
    """First panel: seconds paid once per process; then one panel per task (or group of
    look-alike tasks): each implementation's phases stacked on a linear axis, the total
    written at the end of the bar."""
    tasks = list(dict.fromkeys(phases.index.get_level_values(0)))
    per = 34 * max(len(one_off), 1) + 110
    fig, cols = _subplots(["once per process"] + tasks, 3, row_px=per)
    frames = [(one_off, "seconds")] + [(phases.loc[t], "seconds per run (median over seeds)") for t in tasks]
    for k, (frame, xlabel) in enumerate(frames):
        pos = dict(row=k // cols + 1, col=k % cols + 1)
        names = [esc(i) for i in frame.index]
        for col in frame.columns:
            label, color = PHASES[col]
            fig.add_trace(
                go.Bar(
                    y=names,
                    x=frame[col],
                    orientation="h",
                    marker_color=color,
                    name=label,
                    legendgroup=col,
                    showlegend=k < 2 and col in frame,
                    hovertemplate=f"%{{y}}: {label} %{{x:.3g}} s<extra></extra>",
                ),
                **pos,
            )
        totals = frame.fillna(0).sum(axis=1).to_numpy()
        fig.add_trace(
            go.Scatter(
                y=names,
                x=totals,
                mode="text",
                text=[seconds(t) for t in totals],
                textposition="middle right",
                showlegend=False,
                hoverinfo="skip",
                textfont=dict(size=11),
            ),
            **pos,
        )
        fig.update_xaxes(title_text=xlabel, range=[0, max(totals.max(), 1e-9) * 1.35], title_font_size=11, **pos)
        fig.update_yaxes(autorange="reversed", **pos)
    fig.update_layout(barmode="stack")
    rows = -(-len(frames) // cols)
    return _finish(fig, 100 + per * rows, top=100, gap=30)


def step_time_ratios(ratios: pd.DataFrame, spread: dict[str, pd.DataFrame] | None = None, title: str = "") -> go.Figure:
    """Step time relative to the scratch network per task (log scale): the median of the
    same-seed ratios, error bars from the lowest to the highest seed's, n in the hover; each
    bar's value written above its error bar, never across it."""
    fig = go.Figure()
    tasks = [esc(t) for t in ratios.index]
    shown = [1.0]
    for impl in [i for i in ratios.columns if i != "scratch"]:
        values = ratios[impl].to_numpy(dtype=float)
        low, high, n = values, values, np.ones_like(values)
        if spread and impl in spread.get("low", {}):
            low, high, n = (spread[k][impl].reindex(ratios.index).to_numpy(dtype=float) for k in ("low", "high", "n"))
        top = np.fmax(values, high)
        shown += [*low, *top]
        fig.add_trace(
            go.Bar(
                x=tasks,
                y=values,
                name=esc(impl),
                marker_color=_color(impl),
                offsetgroup=esc(impl),
                customdata=np.column_stack([low, high, n]),
                error_y=dict(
                    type="data",
                    array=np.nan_to_num(high - values).clip(min=0),
                    arrayminus=np.nan_to_num(values - low).clip(min=0),
                    thickness=1.2,
                    width=3,
                    color="#777",
                ),
                hovertemplate=f"%{{x}} / {esc(impl)}: %{{y:.3g}}× scratch's step time (median of the same-seed ratios)"
                "<br>lowest–highest seed %{customdata[0]:.3g}–%{customdata[1]:.3g}×, n = %{customdata[2]:.0f}"
                "<extra></extra>",
            )
        )
        fig.add_trace(  # the value, above the bar's error bar
            go.Scatter(
                x=tasks,
                y=top,
                mode="text",
                text=[times(v) if np.isfinite(v) else "" for v in values],
                textposition="top center",
                textfont=dict(size=11),
                offsetgroup=esc(impl),
                cliponaxis=False,
                showlegend=False,
                hoverinfo="skip",
            )
        )
    fig.add_hline(y=1, line=dict(color=_color("scratch"), width=2))
    fig.add_trace(  # the line's legend entry: a label on the plot would sit under the bars
        go.Scatter(x=[None], y=[None], mode="lines", line=dict(color=_color("scratch"), width=2), name="scratch = 1")
    )
    fig.update_layout(
        barmode="group",
        scattermode="group",
        title=dict(text=esc(title), x=0, font=dict(size=13)) if title else None,
    )
    v = np.asarray(shown, dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    fig.update_yaxes(
        type="log",
        title_text="step time / scratch's (ratio)",
        range=[np.log10(v.min() / 1.5), np.log10(v.max() * 2.2)],
    )
    _log_axis(fig, "y", [v.min() / 1.5, v.max() * 2.2])
    fig.update_xaxes(title_text="task", showgrid=False)  # a grid line would run through the middle bar
    _scale_switch(fig, "y")
    return _finish(fig, 430, top=100)


def performance_profile(taus: np.ndarray, profiles: dict[str, np.ndarray]) -> go.Figure:
    """Fraction of tasks each implementation solves within tau times the fastest one's
    time-to-target; tau on a log axis (switchable)."""
    fig = go.Figure()
    for impl, frac in profiles.items():
        fig.add_trace(
            go.Scatter(
                x=taus,
                y=frac,
                mode="lines",
                line_shape="hv",
                line=dict(color=_color(impl), **_style(impl)),
                name=f"{esc(impl)}: {frac[0]:.0%} at 1×, {frac[-1]:.0%} by {times(taus[-1])}",
                hovertemplate=f"{esc(impl)}: %{{y:.0%}} of tasks within %{{x:.3g}}× the fastest<extra></extra>",
            )
        )
    fig.update_xaxes(type="log", title_text="tau: within tau × the fastest time-to-target")
    _log_axis(fig, "x", taus)
    fig.update_yaxes(range=[-0.03, 1.03], title_text="fraction of tasks", tickformat=".0%")
    _scale_switch(fig, "x")
    return _finish(fig, 420, top=110)


def _thin(steps: np.ndarray, limit: int = 300) -> np.ndarray:
    """Indices of at most ``limit`` log-spaced points (always the first and last): a
    running maximum drawn on a log axis loses nothing by it."""
    if len(steps) <= limit:
        return np.arange(len(steps))
    return np.unique(np.concatenate([[0], np.geomspace(1, len(steps) - 1, limit).astype(int), [len(steps) - 1]]))


def equivalence_deviation(
    deviation: pd.DataFrame, tolerance: dict[str, float] | None = None, status: dict | None = None
) -> go.Figure:
    """Running maximum of the loss deviation from the scratch network against step, one
    panel per framework, one line per (task, config): a colour per line, the dash changing
    once the palette is used up; one legend entry toggles a line in every panel."""
    impls = list(dict.fromkeys(deviation["impl"]))
    fig, cols = _subplots([f"{i} vs scratch" for i in impls], 3, row_px=330, shared_yaxes=True)
    keys = list(dict.fromkeys(zip(deviation["task"], deviation["config"])))
    floor = 1e-17
    for k, impl in enumerate(impls):
        pos = dict(row=k // cols + 1, col=k % cols + 1)
        sub = deviation[deviation["impl"] == impl]
        for (task, config), g in sub.groupby(["task", "config"], sort=False):
            n = keys.index((task, config))
            idx = _thin(g["step"].to_numpy())
            name = f"{esc(task)} {esc(config)}" + _status_suffix((status or {}).get((impl, task, config)))
            fig.add_trace(
                go.Scatter(
                    x=g["step"].to_numpy()[idx],
                    y=np.maximum(g["loss_rel_deviation"].to_numpy(dtype=float)[idx], floor),
                    mode="lines",
                    line=dict(
                        color=PALETTE[n % len(PALETTE)], dash=DASHES[(n // len(PALETTE)) % len(DASHES)], width=1.4
                    ),
                    name=name,
                    legendgroup=name,
                    showlegend=k == 0,
                    hovertemplate=f"{esc(impl)}, {name}<br>step %{{x}}<br>deviation %{{y:.2e}}<extra></extra>",
                ),
                **pos,
            )
        for dtype, tol in (tolerance or {}).items():
            if dtype in set(sub.get("dtype", [dtype])):
                fig.add_hline(y=tol, line=dict(color="#888", dash="dash", width=1), **pos)
                # Its label placed by hand: on a log axis an annotation's y is log10 of the value.
                axis = "" if k == 0 else str(k + 1)
                fig.add_annotation(
                    text=f"trajectory tolerance {esc(dtype)} {tol:.0e}",
                    x=0,
                    xref=f"x{axis} domain",
                    xanchor="left",
                    y=np.log10(tol),
                    yref=f"y{axis}",
                    yanchor="bottom",
                    showarrow=False,
                    font=dict(size=11, color="#888"),
                )
    fig.update_xaxes(type="log", title_text="optimizer step")
    _log_axis(fig, "x", deviation["step"])
    shown = np.r_[floor, deviation["loss_rel_deviation"].clip(lower=floor), list((tolerance or {}).values())]
    shown = shown[np.isfinite(shown)]
    fig.update_yaxes(type="log", range=[np.log10(floor) - 0.3, np.log10(shown.max()) + 0.7])
    _log_axis(fig, "y", shown)
    fig.update_yaxes(title_text="max rel. loss deviation so far", row=1, col=1)
    rows = -(-len(impls) // cols)
    fig.update_layout(legend=dict(orientation="v"))
    out = _finish(fig, 160 + 330 * rows, top=60)
    out.update_layout(legend=dict(orientation="v", x=1.02, y=1, yanchor="top", xanchor="left"), margin=dict(r=200))
    return out
