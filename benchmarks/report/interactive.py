"""The HTML report's charts as plotly figures: hover values, zoom, legend toggling and a
log/linear switch where the scale matters. They draw what ``data`` and ``panels``
computed, as the PNGs of ``plots`` do for the Markdown report; none computes anything of
its own. Backgrounds are transparent and grid lines half-grey, so the page's light or
dark colours show through (the page's script sets the text colour)."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..results.benchjson import series_label
from .data import Band, Boundary, bar_labels
from .panels import Agreement, LossPanel
from .plots import CLASS_COLORS, COLORS, LINES, _status_suffix
from .text import seconds

GRID = "rgba(128,128,128,0.28)"
DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot"]
PALETTE = CLASS_COLORS + [
    "#393b79",
    "#637939",
    "#8c6d31",
    "#843c39",
    "#7b4173",
    "#5254a3",
    "#8ca252",
    "#bd9e39",
    "#ad494a",
    "#a55194",
]
PHASES = {
    "t_import": ("import", "#9e9ac8"),
    "t_init": ("first model in process", "#cbc9e2"),
    "t_build": ("build", "#fdae6b"),
    "t_compile": ("first step (compile)", "#e6550d"),
    "t_train": ("other steps", "#3182bd"),
}


def esc(text: object) -> str:
    """A results folder's string as plotly text: plotly reads a few HTML tags in labels,
    so the user's ``<`` and ``&`` become entities and show as typed."""
    return html.escape(str(text), quote=False)


def to_div(fig: go.Figure, div_id: str) -> str:
    """The figure as a ``<div>`` and its script; plotly.js itself is in the page once."""
    return fig.to_html(
        full_html=False,
        include_plotlyjs=False,
        div_id=div_id,
        default_height=f"{fig.layout.height or 450}px",
        config={"responsive": True, "displaylogo": False, "toImageButtonOptions": {"filename": div_id}},
    )


def plotly_js() -> str:
    """The plotly.js bundle, inlined once in the page's head: the page works offline."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def _color(impl: str) -> str:
    return COLORS.get(impl, "#7f7f7f")


def _style(impl: str) -> dict:
    """The rank's line style of ``plots.LINES`` in plotly terms: coinciding lines stay
    visible (the widest, half-transparent one underneath)."""
    style = LINES.get(impl, {})
    dash = style.get("ls", "-")
    rank = list(LINES).index(impl) if impl in LINES else 0
    return {
        "width": style.get("lw", 1.5) * 0.9,
        "dash": "solid" if dash == "-" else DASHES[1 + (rank - 1) % (len(DASHES) - 1)],
    }


def _rgba(hex_color: str, alpha: float) -> str:
    h = hex_color.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def _axes(fig: go.Figure, letter: str) -> list[str]:
    return sorted(k for k in fig.layout.to_plotly_json() if k.startswith(f"{letter}axis"))


def _scale_switch(fig: go.Figure, letters: str = "y", start: str = "log") -> None:
    """Buttons above the chart that turn its ``letters`` axes between log and linear."""
    names = [a for letter in letters for a in _axes(fig, letter)]
    order = [start, "linear" if start == "log" else "log"]
    fig.update_layout(
        updatemenus=[
            dict(
                type="buttons",
                direction="right",
                x=1,
                xanchor="right",
                y=1.0,
                yanchor="bottom",
                pad=dict(t=0, b=0),
                showactive=True,
                font=dict(size=11, color="#1d2330"),
                bgcolor="#e8eaef",
                bordercolor="#9aa3b5",
                buttons=[
                    dict(
                        label=f"{'log' if s == 'log' else 'linear'} {('/'.join(letters))}",
                        method="relayout",
                        args=[{f"{a}.type": s for a in names}],
                    )
                    for s in order
                ],
            )
        ]
    )


def _finish(fig: go.Figure, height: int, top: int = 90, gap: int = 12) -> go.Figure:
    """Size, margins and the page-friendly look; the legend and the scale buttons sit
    ``gap`` pixels above the top of the plots (above any subplot titles)."""
    above = 1.0 + gap / max(height - top - 60, 50)
    fig.update_layout(
        height=height,
        margin=dict(l=70, r=20, t=top, b=60),
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        font=dict(size=12),
        hovermode="closest",
        legend=dict(
            orientation="h", x=0, xanchor="left", y=above, yanchor="bottom", bgcolor="rgba(0,0,0,0)", font=dict(size=11)
        ),
    )
    for menu in fig.layout.updatemenus:
        menu.y = above
    fig.update_xaxes(gridcolor=GRID, zerolinecolor=GRID, linecolor=GRID, showline=True)
    fig.update_yaxes(gridcolor=GRID, zerolinecolor=GRID, linecolor=GRID, showline=True)
    for ann in fig.layout.annotations:  # subplot titles
        if ann.font.size is None:
            ann.font.size = 13
    return fig


def _subplots(titles: list[str], cols: int, row_px: int = 300, **kw) -> tuple[go.Figure, int]:
    """A grid of titled panels, ``row_px`` pixels a row; rows are kept ~95 px apart so
    one row's x-axis title never meets the next row's panel titles."""
    cols = max(1, min(cols, len(titles)))
    rows = -(-len(titles) // cols)
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=[esc(t) for t in titles],
        horizontal_spacing=0.07 if cols > 1 else 0.02,
        vertical_spacing=min(0.3, 95 / (rows * row_px)) if rows > 1 else 0.1,
        **kw,
    )
    return fig, cols


def _band(fig: go.Figure, band: Band, color: str, name: str, show: bool, **pos) -> None:
    """The best-to-worst seed range as a filled region; one legend entry toggles all bands."""
    x = np.maximum(band.x, 0)
    fig.add_trace(
        go.Scatter(
            x=np.concatenate([x, x[::-1]]),
            y=np.concatenate([band.high, band.low[::-1]]),
            fill="toself",
            mode="lines",
            line=dict(width=0),
            fillcolor=_rgba(color, 0.13),
            hoverinfo="skip",
            legendgroup="band",
            name="band: best to worst seed",
            showlegend=show,
            legendrank=1000,
        ),
        **pos,
    )


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
                        hovertemplate=f"{esc(task)} / {esc(band.label)}<br>step %{{x}}<br>loss %{{y:.4g}}<extra></extra>",
                    ),
                    **pos,
                )
                if not panel.grouped or i == 0:
                    shown.add(key)
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
    same-seed ratios, error bars from the lowest to the highest seed's, n in the hover."""
    fig = go.Figure()
    tasks = [esc(t) for t in ratios.index]
    for impl in [i for i in ratios.columns if i != "scratch"]:
        values = ratios[impl].to_numpy(dtype=float)
        err = {}
        if spread and impl in spread.get("low", {}):
            low, high, n = (spread[k][impl].reindex(ratios.index).to_numpy(dtype=float) for k in ("low", "high", "n"))
            err = dict(
                error_y=dict(
                    type="data",
                    array=np.nan_to_num(high - values).clip(min=0),
                    arrayminus=np.nan_to_num(values - low).clip(min=0),
                    thickness=1.2,
                    width=3,
                    color="#777",
                )
            )
            custom = np.column_stack([low, high, n])
        else:
            custom = np.column_stack([values, values, np.ones_like(values)])
        fig.add_trace(
            go.Bar(
                x=tasks,
                y=values,
                name=esc(impl),
                marker_color=_color(impl),
                text=[f"{v:.3g}×" if np.isfinite(v) else "" for v in values],
                textposition="inside",
                insidetextanchor="middle",
                customdata=custom,
                **err,
                hovertemplate=f"%{{x}} / {esc(impl)}: %{{y:.3g}}× scratch's step time (median of the same-seed ratios)"
                "<br>lowest–highest seed %{customdata[0]:.3g}–%{customdata[1]:.3g}×, n = %{customdata[2]:.0f}"
                "<extra></extra>",
            )
        )
    fig.add_hline(y=1, line=dict(color=_color("scratch"), width=2))
    # On a log axis an annotation's y is log10 of the value: 0 is the ratio 1.
    fig.add_annotation(
        x=0,
        xref="paper",
        xanchor="left",
        y=0,
        yref="y",
        yanchor="bottom",
        text="scratch = 1",
        showarrow=False,
        font=dict(color=_color("scratch")),
    )
    fig.update_layout(barmode="group", title=dict(text=esc(title), x=0, font=dict(size=13)) if title else None)
    fig.update_yaxes(type="log", title_text="step time / scratch's (ratio)", dtick="D2", minor=dict(showgrid=False))
    fig.update_xaxes(title_text="task")
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
                name=f"{esc(impl)}: {frac[0]:.0%} at 1×, {frac[-1]:.0%} by {taus[-1]:.3g}×",
                hovertemplate=f"{esc(impl)}: %{{y:.0%}} of tasks within %{{x:.3g}}× the fastest<extra></extra>",
            )
        )
    fig.update_xaxes(type="log", title_text="tau: time-to-target within tau × the fastest implementation's")
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
                fig.add_hline(
                    y=tol,
                    line=dict(color="#888", dash="dash", width=1),
                    annotation_text=f"pass threshold {esc(dtype)} {tol:.0e}",
                    annotation_position="top left",
                    **pos,
                )
    fig.update_xaxes(type="log", title_text="optimizer step")
    fig.update_yaxes(type="log", exponentformat="e")
    fig.update_yaxes(title_text="max rel. loss deviation so far", row=1, col=1)
    rows = -(-len(impls) // cols)
    fig.update_layout(legend=dict(orientation="v"))
    out = _finish(fig, 160 + 330 * rows, top=60)
    out.update_layout(legend=dict(orientation="v", x=1.02, y=1, yanchor="top", xanchor="left"), margin=dict(r=200))
    return out


def benchmark_family(df: pd.DataFrame, title: str) -> go.Figure:
    """One panel per pytest-benchmark group: median seconds per call with the
    interquartile range as error bars (log axis, switchable); every bar named by what
    differs in its group, with its ratio to scratch's and GFLOP/s where counted."""
    groups = list(dict.fromkeys(df["group"]))
    per = max(len(g) for _, g in df.groupby("group"))
    fig, cols = _subplots(groups, 2 if len(groups) > 1 else 1, row_px=26 * per + 110)
    for k, group in enumerate(groups):
        pos = dict(row=k // cols + 1, col=k % cols + 1)
        g = df[df["group"] == group]
        labels = [esc(s) for s in bar_labels(g)]
        gflops = g["gflops"] if "gflops" in g else pd.Series(np.nan, index=g.index)
        texts = []
        for med, ratio, impl, gf in zip(g["median"], g["ratio_to_scratch"], g["impl"], gflops):
            text = seconds(med) + (f" ({ratio:.2g}× scratch)" if np.isfinite(ratio) and impl != "scratch" else "")
            texts.append(text + (f", {gf:.3g} GFLOP/s" if np.isfinite(gf) else ""))
        fig.add_trace(
            go.Bar(
                y=labels,
                x=g["median"],
                orientation="h",
                marker_color=[_color(i) for i in g["impl"]],
                showlegend=False,
                text=texts,
                textposition="outside",
                cliponaxis=False,
                textfont=dict(size=10),
                error_x=dict(
                    type="data",
                    array=(g["q3"] - g["median"]).clip(lower=0),
                    arrayminus=(g["median"] - g["q1"]).clip(lower=0),
                    thickness=1,
                    width=2,
                    color="#777",
                ),
                customdata=np.column_stack([g["q1"], g["q3"]]),
                hovertemplate="%{y}: median %{x:.3g} s per call<br>IQR %{customdata[0]:.3g}–%{customdata[1]:.3g} s<extra></extra>",
            ),
            **pos,
        )
        lo, hi = float(g["q1"].min()), float(g["q3"].max())
        fig.update_xaxes(
            type="log",
            range=[np.log10(max(lo, 1e-12) / 2), np.log10(max(hi, 1e-12) * 60)],
            title_text="seconds per call",
            title_font_size=11,
            **pos,
        )
        fig.update_yaxes(autorange="reversed", tickfont=dict(size=10), **pos)
    for impl in dict.fromkeys(df["impl"]):  # the colours' key
        fig.add_trace(
            go.Bar(x=[None], y=[None], marker_color=_color(impl), name=esc(impl), showlegend=True), row=1, col=1
        )
    _scale_switch(fig, "x")
    rows = -(-len(groups) // cols)
    height = 90 + rows * (26 * per + 110)
    return _finish(fig, height + 20, top=120, gap=30)


def scaling(df: pd.DataFrame, slopes: pd.DataFrame) -> go.Figure:
    """Step time and peak memory against n (at width 256) and width (at n = 1e4), log-log
    (switchable), one line per implementation with its fitted slope in the legend."""
    fig = make_subplots(
        rows=2,
        cols=2,
        subplot_titles=[
            "seconds per step, growing n",
            "seconds per step, growing width",
            "peak memory added, growing n",
            "peak memory added, growing width",
        ],
        vertical_spacing=0.16,
        horizontal_spacing=0.1,
    )
    for c, sweep in enumerate(("n", "width"), start=1):
        sub = df[df["sweep"] == sweep]
        for impl, g in sub.groupby("impl", sort=False):
            g = g.sort_values(sweep)
            s = slopes[(slopes["impl"] == impl) & (slopes["sweep"] == sweep)]["slope"]
            line = dict(color=_color(impl), **_style(impl))
            fig.add_trace(
                go.Scatter(
                    x=g[sweep],
                    y=g["step_median"],
                    mode="lines+markers",
                    line=line,
                    name=f"{esc(impl)} vs {sweep}" + (f" (slope {s.iloc[0]:.2f})" if len(s) else ""),
                    legendgroup=esc(impl),
                    hovertemplate=f"{esc(impl)}: {sweep} = %{{x}}<br>%{{y:.3g}} s per step<extra></extra>",
                ),
                row=1,
                col=c,
            )
            fig.add_trace(
                go.Scatter(
                    x=g[sweep],
                    y=g["peak_mb"].clip(lower=0.1),
                    mode="lines+markers",
                    line=line,
                    name=esc(impl),
                    legendgroup=esc(impl),
                    showlegend=False,
                    hovertemplate=f"{esc(impl)}: {sweep} = %{{x}}<br>%{{y:.3g}} MiB<extra></extra>",
                ),
                row=2,
                col=c,
            )
        for r, ylabel in ((1, "seconds per step"), (2, "peak memory added, MiB")):
            fig.update_xaxes(
                type="log",
                title_text="rows per step (width 256)" if sweep == "n" else "hidden width (n = 10,000)",
                row=r,
                col=c,
            )
            fig.update_yaxes(type="log", title_text=ylabel, row=r, col=c)
    _scale_switch(fig, "xy")
    return _finish(fig, 780, top=130, gap=30)


def _class_scale(k: int) -> list:
    """A discrete colour scale: class ``c`` of ``k`` gets ``CLASS_COLORS[c]``."""
    scale = []
    for c in range(k):
        scale += [[c / k, CLASS_COLORS[c % len(CLASS_COLORS)]], [(c + 1) / k, CLASS_COLORS[c % len(CLASS_COLORS)]]]
    return scale


def _every(shape: tuple[int, ...], limit: int = 100) -> int:
    return max(1, -(-max(shape) // limit))


def decision_boundary(
    task: str, boundaries: list[Boundary], X: np.ndarray, y: np.ndarray, agreement: Agreement
) -> go.Figure:
    """The reference implementation's predicted class over the plane (paler where less
    sure) with the training points; where the others disagree, a second panel maps how
    many of them predict another class at each grid point."""
    ref = boundaries[0]
    k = int(max(y.max() if len(y) else 0, max(int(b.labels.max()) for b in boundaries))) + 1
    step = _every(ref.labels.shape)  # at most 100 x 100 cells on the page
    gx, gy = ref.xx[0, ::step], ref.yy[::step, 0]
    titles = [f"{ref.impl}: train accuracy {ref.accuracy:.1%}" + (" (all agree)" if agreement.identical else "")]
    if not agreement.identical:
        impl, frac = agreement.worst
        titles.append(f"grid points where others predict another class (most: {impl}, {frac:.2%})")
    fig, _ = _subplots(titles, 2)
    for c, z in enumerate([ref.labels] + ([agreement.differ] if not agreement.identical else []), start=1):
        z = z[::step, ::step]
        if c == 1:
            fig.add_trace(
                go.Heatmap(
                    x=gx,
                    y=gy,
                    z=z,
                    zmin=-0.5,
                    zmax=k - 0.5,
                    colorscale=_class_scale(k),
                    opacity=0.55,
                    showscale=False,
                    customdata=ref.confidence[::step, ::step],
                    hovertemplate="predicted class %{z}<br>confidence %{customdata:.2f}<extra></extra>",
                ),
                row=1,
                col=1,
            )
            fig.add_trace(
                go.Heatmap(
                    x=gx,
                    y=gy,
                    z=ref.confidence[::step, ::step],
                    zmin=1 / k,
                    zmax=1,
                    showscale=False,
                    hoverinfo="skip",
                    colorscale=[[0, "rgba(255,255,255,0.55)"], [1, "rgba(255,255,255,0)"]],
                ),
                row=1,
                col=1,
            )
        else:
            n = len(boundaries) - 1
            fig.add_trace(
                go.Heatmap(
                    x=gx,
                    y=gy,
                    z=z,
                    zmin=0,
                    zmax=max(n, 1),
                    colorscale=[[0, "rgba(0,0,0,0)"], [1e-9, "#fdd0a2"], [1, "#c62828"]],
                    colorbar=dict(title=dict(text="disagree", side="right"), thickness=10, len=0.9, dtick=1),
                    hovertemplate=f"%{{z}} of {n} implementations predict another class than {esc(ref.impl)}<extra></extra>",
                ),
                row=1,
                col=2,
            )
        for cls in range(k):
            pts = X[y == cls] if len(X) else X
            fig.add_trace(
                go.Scatter(
                    x=pts[:, 0],
                    y=pts[:, 1],
                    mode="markers",
                    name=f"class {cls} (training points)",
                    legendgroup=f"class {cls}",
                    showlegend=c == 1,
                    marker=dict(
                        color=CLASS_COLORS[cls % len(CLASS_COLORS)],
                        size=11 if len(X) < 20 else 6,
                        line=dict(color="black", width=0.7),
                    ),
                    hovertemplate=f"class {cls}: (%{{x:.2f}}, %{{y:.2f}})<extra></extra>",
                ),
                row=1,
                col=c,
            )
    fig.update_xaxes(title_text="feature 1", range=[float(gx.min()), float(gx.max())])
    fig.update_yaxes(title_text="feature 2", range=[float(gy.min()), float(gy.max())])
    fig.update_layout(title=dict(text=esc(task), x=0, font=dict(size=14)))
    return _finish(fig, 450, top=120, gap=30)


def step_sizes(df: pd.DataFrame) -> go.Figure:
    """One training step by data size: a panel per (dtype, width), seconds per step
    against n (log-log, switchable), a line per implementation and mode (other modes than
    ``harness`` dotted) with IQR error bars: the timing suite's size grid read as the lines it is."""
    df = df.assign(n=pd.to_numeric(df["n"]), width=pd.to_numeric(df["width"]))
    facets = sorted(set(zip(df["dtype"].astype(str), df["width"])))  # a row per dtype, widths growing
    fig, cols = _subplots([f"{d}, hidden width {int(w)}" for d, w in facets], 3, row_px=290)
    for k, (dtype, width) in enumerate(facets):
        pos = dict(row=k // cols + 1, col=k % cols + 1)
        sub = df[(df["dtype"].astype(str) == dtype) & (df["width"] == width)]
        for (impl, label), g in sub.assign(series=series_label(sub)).groupby(["impl", "series"], sort=False):
            g = g.sort_values("n")
            line = _style(impl) if label == impl else {"width": 1.0, "dash": "dot"}
            fig.add_trace(
                go.Scatter(
                    x=g["n"],
                    y=g["median"],
                    mode="lines+markers",
                    line=dict(color=_color(impl), **line),
                    name=esc(label),
                    legendgroup=esc(label),
                    showlegend=k == 0,
                    error_y=dict(
                        type="data",
                        array=(g["q3"] - g["median"]).clip(lower=0),
                        arrayminus=(g["median"] - g["q1"]).clip(lower=0),
                        thickness=1,
                        width=3,
                    ),
                    customdata=np.column_stack([g["q1"], g["q3"]]),
                    hovertemplate=f"{esc(label)}, n = %{{x}}: %{{y:.3g}} s per step<br>IQR %{{customdata[0]:.3g}}–%{{customdata[1]:.3g}} s<extra></extra>",
                ),
                **pos,
            )
    fig.update_xaxes(type="log", title_text="rows per step (n)")
    fig.update_yaxes(type="log")
    for r in range(1, -(-len(facets) // cols) + 1):
        fig.update_yaxes(title_text="seconds per step", row=r, col=1)
    _scale_switch(fig, "xy")
    rows = -(-len(facets) // cols)
    return _finish(fig, 130 + 290 * rows, top=120, gap=30)
