"""A chart's layout for a narrow screen (a phone, under ``NARROW_PX`` of chart width):
a grid of panels stacked into one column, so panel titles and tick labels never meet; the
legend moved under the plots, where it may wrap onto as many rows as it needs; the
log/linear buttons alone above; an axis whose chart names its narrow range
(``meta["narrow_ranges"]``: room for the values written past the bars) gets it. The page's
script picks this layout or the wide one by the width the chart gets."""

from __future__ import annotations

import copy
import textwrap

import plotly.graph_objects as go

NARROW_PX = 600  # chart widths below this get the narrow layout
PANEL_PX = 240  # a stacked panel's plot height
GAP_PX = 110  # from one panel's plot to the next: its x-axis title, the next one's title (two lines)
TITLE_CHARS = 36  # what one line of a 13 px panel title holds at 400 px, beside short tick labels
TITLE_CHAR_PX = 7.4  # one character of a 13 px panel title
LABEL_CHAR_PX = 5.5  # one character of a 10 px tick label
MAX_TICKS = 5  # labelled ticks on a narrow x-axis
AXIS_PX = 55  # under the last panel: tick labels and the x-axis title
ROW_PX = 21  # one row of legend entries
PAGE_PX = 320  # a chart's width on a 400 px screen (the page's margins and the card's padding apart)
WIDTH_PX = 340  # what a legend row holds at 400 px
CHAR_PX = 6.2  # one character of an 11 px legend label
MARKER_PX = 45  # a legend entry's symbol and padding


def legend_rows(fig: go.Figure) -> int:
    """How many rows the legend's entries fill at ``WIDTH_PX`` (packed greedily, as
    plotly lays out a horizontal legend)."""
    widths = [
        MARKER_PX + CHAR_PX * len(str(t.name))
        for t in fig.data
        if t.name and (t.showlegend or (t.showlegend is None and t.type in ("scatter", "bar")))
    ]
    rows, used = (1, 0.0) if widths else (0, 0.0)
    for w in widths:
        if used and used + w > WIDTH_PX:
            rows, used = rows + 1, 0.0
        used += w
    return rows


def narrow_layout(fig: go.Figure) -> dict:
    """The whole layout of ``fig`` for a narrow screen (see the module's note). A grid
    made by ``chart_style._subplots`` names its panels and columns in ``layout.meta``."""
    layout = copy.deepcopy(fig.layout.to_plotly_json())
    meta = layout.get("meta") or {}
    panels, cols = int(meta.get("panels", 1)), int(meta.get("cols", 1))
    titles = layout.get("annotations", [])[:panels] if "panels" in meta else []  # _subplots: one a panel
    limit = int(min(TITLE_CHARS, (PAGE_PX - 15 - max(60, _label_px(fig) + 35)) / TITLE_CHAR_PX))
    for note in titles:
        note["text"] = wrap(note.get("text", ""), limit)
    lines = 1 + titles[0]["text"].count("<br>") if titles else 0  # the top panel's title
    margin = layout.get("margin", {})
    for axis, span in meta.get("narrow_ranges", {}).items():
        layout.setdefault(axis, {})["range"] = span
    for name, axis in layout.items():  # at most MAX_TICKS on an axis, so that none turns sideways
        if name.startswith("xaxis") and len(axis.get("tickvals") or ()) > MAX_TICKS:
            k = -(-len(axis["tickvals"]) // MAX_TICKS)
            axis["tickvals"], axis["ticktext"] = axis["tickvals"][::k], list(axis.get("ticktext") or ())[::k] or None
    if cols > 1:
        plot = panels * PANEL_PX + (panels - 1) * GAP_PX
        _stack(layout, panels, cols, plot)
    else:
        plot = max(layout.get("height", 450) - margin.get("t", 90) - margin.get("b", 60), 200)
    title = bool((layout.get("title") or {}).get("text"))
    top = 12 + 28 * title + 34 * bool(layout.get("updatemenus")) + 20 * lines
    bottom = AXIS_PX + ROW_PX * legend_rows(fig) + 10
    layout.update(height=top + plot + bottom, margin=dict(l=60, r=15, t=top, b=bottom))
    layout["legend"] = {
        **layout.get("legend", {}),
        **dict(orientation="h", x=0, xanchor="left", y=-AXIS_PX / plot, yanchor="top"),
    }
    for menu in layout.get("updatemenus", []):
        menu.update(y=1 + (20 * lines + 6) / plot, yanchor="bottom", x=1, xanchor="right")
    if title:
        layout["title"].update(y=1, yref="container", yanchor="top", pad=dict(t=8))
    return layout


def narrow_traces(fig: go.Figure, layout: dict) -> list[dict]:
    """Per trace, what it changes on a narrow screen (``layout`` from ``narrow_layout``):
    what the trace names itself (``meta["narrow"]``, e.g. shorter value labels), and a
    colour bar that spans its own stacked panel, not the whole figure's height."""
    patches = []
    for trace in fig.data:
        own = dict((trace.meta or {}).get("narrow", {})) if isinstance(trace.meta, dict) else {}
        bar = trace.to_plotly_json().get("colorbar")
        domain = layout.get(_axis("y", int((getattr(trace, "yaxis", None) or "y")[1:] or 1)), {}).get("domain")
        if bar is not None and trace.showscale is not False and domain:
            bar = {
                **bar,
                "y": sum(domain) / 2,
                "yanchor": "middle",
                "len": domain[1] - domain[0],
                "lenmode": "fraction",
            }
            own["colorbar"] = bar
        patches.append(own)
    return patches


def _stack(layout: dict, panels: int, cols: int, plot: int) -> None:
    """The grid's panels one under another, each the full width, each with its own tick
    labels and its column's y-axis title; empty cells of the grid hidden."""
    ytitle = (layout.get("yaxis", {}).get("title") or {}).get("text")
    rows = -(-panels // cols)
    for k in range(1, rows * cols + 1):
        x, y = layout.setdefault(_axis("x", k), {}), layout.setdefault(_axis("y", k), {})
        if k > panels:
            x["visible"] = y["visible"] = False
            continue
        top = 1 - (k - 1) * (PANEL_PX + GAP_PX) / plot
        x["domain"], y["domain"] = [0, 1], [max(top - PANEL_PX / plot, 0), top]
        y["showticklabels"] = True
        if ytitle and not (y.get("title") or {}).get("text"):
            y["title"] = {**(y.get("title") or {}), "text": ytitle}
        for note in layout.get("annotations", [])[:panels][k - 1 : k]:  # the panel's title
            note.update(x=0.5, xanchor="center", y=top, yanchor="bottom")


def wrap(title: str, limit: int = TITLE_CHARS) -> str:
    """A panel title longer than a narrow panel holds, broken at spaces into lines that fit
    (a title already broken is left as it is; a word longer than a line stays whole)."""
    if len(title) <= limit or "<br>" in title or " " not in title:
        return title
    return "<br>".join(textwrap.wrap(title, limit, break_long_words=False, break_on_hyphens=False))


def _label_px(fig: go.Figure) -> float:
    """The widest category label of a horizontal bar chart's y-axis (0 for other charts):
    what the plot gives up on the left of a narrow screen."""
    names = [str(v) for t in fig.data if getattr(t, "orientation", None) == "h" for v in (t.y or ())]
    return LABEL_CHAR_PX * max(map(len, names), default=0)


def _axis(letter: str, k: int) -> str:
    return f"{letter}axis" if k == 1 else f"{letter}axis{k}"
