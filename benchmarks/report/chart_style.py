"""What every interactive chart shares: the palette and line styles, the log/linear
buttons, the sizing and page-friendly look (transparent backgrounds, half-grey grid), and
the figure's HTML with plotly.js left to the page."""

from __future__ import annotations

import html

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .data import Band
from .plots import CLASS_COLORS, COLORS, LINES

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
