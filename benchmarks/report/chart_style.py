"""What every interactive chart shares: the palette and line styles, the log/linear
buttons, the sizing and page-friendly look (transparent backgrounds, half-grey grid), and
the figure's HTML with plotly.js left to the page."""

from __future__ import annotations

import html

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .data import Band
from .narrow import narrow_layout, narrow_traces
from .plots import CLASS_COLORS, COLORS, LINES
from .text import log_ticks, tick_label

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
    """The figure as an empty ``<div>`` of its height and its JSON beside it: the page's
    script draws it when it first shows (on load, or when its folded box opens), so the
    first screen does not wait for charts nobody opened; on a narrow screen with the
    layout and trace changes ``narrow`` gives. plotly.js itself is one file."""
    import plotly.io as pio

    config = {"responsive": True, "displaylogo": False, "toImageButtonOptions": {"filename": div_id}}
    # plotly's JSON writes "<", ">" and "/" as \\u escapes: nothing in it can end the <script>.
    narrow = narrow_layout(fig)
    spec = {**fig.to_plotly_json(), "config": config, "narrow": narrow, "narrow_traces": narrow_traces(fig, narrow)}
    spec = pio.to_json(spec, validate=False)
    return (
        f'<div id="{div_id}" class="plotly-graph-div" data-chart style="height:{fig.layout.height or 450}px; '
        f'width:100%;"></div>\n<script type="application/json" id="{div_id}-spec">{spec}</script>'
    )


def trace_types(fig: go.Figure) -> set[str]:
    """The plotly trace types a figure draws (the page's plotly.js bundle must hold them)."""
    return {trace.type for trace in fig.data}


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


# What a log axis may carry that its linear view must drop: its ticks and its range.
LOG_ONLY = ("tickmode", "tickvals", "ticktext", "range")


def _scale_switch(fig: go.Figure, letters: str = "y", start: str = "log") -> None:
    """Buttons above the chart that turn its ``letters`` axes between log and linear; the
    log view gets back the ticks and range the axis was drawn with, the linear view
    plotly's own."""
    layout = fig.layout.to_plotly_json()
    names = [a for letter in letters for a in _axes(fig, letter)]
    log, linear = {}, {}
    for a in names:
        log[f"{a}.type"], linear[f"{a}.type"] = "log", "linear"
        kept = {k: layout[a][k] for k in LOG_ONLY if k in layout[a]}
        log.update({f"{a}.{k}": v for k, v in kept.items()})
        if kept:
            linear.update({f"{a}.tickmode": "auto", f"{a}.autorange": True})
    views = {"log": log, "linear": linear}
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
                buttons=[dict(label=f"{s} {('/'.join(letters))}", method="relayout", args=[views[s]]) for s in order],
            )
        ]
    )


def _log_ticks(lo: float, hi: float) -> dict:
    """plotly's tick settings for ``text.log_ticks`` over ``lo`` to ``hi``; empty (plotly's
    own ticks) when it finds fewer than two."""
    values = log_ticks(lo, hi)
    if len(values) < 2:
        return {}
    return dict(tickmode="array", tickvals=values, ticktext=[tick_label(v) for v in values])


def _log_axis(fig: go.Figure, letter: str, values, **pos) -> None:
    """``_log_ticks`` over the positive values an ``x`` or ``y`` axis shows (in the
    subplot at ``pos``, or every one)."""
    v = np.asarray(values, dtype=float).ravel()
    v = v[np.isfinite(v) & (v > 0)]
    ticks = _log_ticks(float(v.min()), float(v.max())) if len(v) else {}
    # plotly's own ticks, where these are too few, in 1e-7 style rather than SI prefixes (100n, 1µ).
    getattr(fig, f"update_{letter}axes")(**(ticks or dict(exponentformat="e")), **pos)


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
    one row's x-axis title never meets the next row's panel titles. A newline in a title
    breaks its line."""
    cols = max(1, min(cols, len(titles)))
    rows = -(-len(titles) // cols)
    spacing = dict(
        horizontal_spacing=0.07 if cols > 1 else 0.02,
        vertical_spacing=min(0.3, 95 / (rows * row_px)) if rows > 1 else 0.1,
    )
    fig = make_subplots(
        rows=rows, cols=cols, subplot_titles=[esc(t).replace("\n", "<br>") for t in titles], **{**spacing, **kw}
    )
    fig.update_layout(meta={"panels": len(titles), "cols": cols})  # for narrow_layout
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
