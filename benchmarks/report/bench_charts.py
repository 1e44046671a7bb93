"""The interactive charts of the timing suite, the scaling study and the decision
boundaries (drawn from what ``data`` and ``panels`` computed, like the PNGs of ``plots``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..results.benchjson import series_label
from . import narrow
from .chart_style import _color, _finish, _log_axis, _scale_switch, _style, _subplots, esc
from .data import Boundary, bar_labels
from .panels import Agreement
from .plots import CLASS_COLORS
from .text import seconds, times


def benchmark_family(df: pd.DataFrame, title: str) -> go.Figure:
    """One panel per pytest-benchmark group: median seconds per call with the
    interquartile range as error bars (log axis, switchable); every bar named by what
    differs in its group, with its ratio to scratch's and GFLOP/s where counted."""
    groups = list(dict.fromkeys(df["group"]))
    per = max(len(g) for _, g in df.groupby("group"))
    fig, cols = _subplots(groups, 2 if len(groups) > 1 else 1, row_px=26 * per + 110)
    narrow_x = {}  # axis -> its log range on a phone, where each panel gets the page's width
    for k, group in enumerate(groups):
        pos = dict(row=k // cols + 1, col=k % cols + 1)
        g = df[df["group"] == group]
        labels = [esc(s) for s in bar_labels(g)]
        gflops = g["gflops"] if "gflops" in g else pd.Series(np.nan, index=g.index)
        texts, short = [], []  # short: on a phone, the time and the ratio alone
        for med, ratio, impl, gf in zip(g["median"], g["ratio_to_scratch"], g["impl"], gflops):
            ratio_known = np.isfinite(ratio) and impl != "scratch"
            short.append(seconds(med) + (f" ({times(ratio)})" if ratio_known else ""))
            text = seconds(med) + (f" ({times(ratio)} scratch)" if ratio_known else "")
            texts.append(text + (f", {gf:.3g} GFLOP/s" if np.isfinite(gf) else ""))
        fig.add_trace(
            go.Bar(
                y=labels,
                x=g["median"],
                orientation="h",
                marker_color=[_color(i) for i in g["impl"]],
                showlegend=False,
                error_x=dict(
                    type="data",
                    array=(g["q3"] - g["median"]).clip(lower=0),
                    arrayminus=(g["median"] - g["q1"]).clip(lower=0),
                    thickness=1,
                    width=2,
                    color="#777",
                ),
                customdata=np.column_stack([g["q1"], g["q3"]]),
                hovertemplate=(
                    "%{y}: median %{x:.3g} s per call<br>IQR %{customdata[0]:.3g}–%{customdata[1]:.3g} s<extra></extra>"
                ),
            ),
            **pos,
        )
        fig.add_trace(  # the values, past the error bar's end, never across it
            go.Scatter(
                y=labels,
                x=np.fmax(g["q3"], g["median"]),
                mode="text",
                text=texts,
                textposition="middle right",
                textfont=dict(size=10),
                cliponaxis=False,
                showlegend=False,
                hoverinfo="skip",
                meta={"narrow": {"text": short}},
            ),
            **pos,
        )
        lo = max(float(g["q1"].min()), 1e-12) / 2
        ends = np.fmax(g["q3"], g["median"]).to_numpy(dtype=float)
        hi = _room_for_labels(ends, texts, lo, 1100 / cols)
        phone_px = narrow.PAGE_PX - narrow.LABEL_CHAR_PX * max(map(len, labels)) - 50  # beside its tick labels
        narrow_x[f"xaxis{k + 1 if k else ''}"] = [np.log10(lo), np.log10(_room_for_labels(ends, short, lo, phone_px))]
        fig.update_xaxes(
            type="log", range=[np.log10(lo), np.log10(hi)], title_text="seconds per call", title_font_size=11, **pos
        )
        _log_axis(fig, "x", [lo, hi], **pos)
        fig.update_yaxes(autorange="reversed", tickfont=dict(size=10), **pos)
    for impl in dict.fromkeys(df["impl"].dropna()):  # the colours' key (the tool's own benchmarks have none)
        fig.add_trace(
            go.Bar(x=[None], y=[None], marker_color=_color(impl), name=esc(impl), showlegend=True), row=1, col=1
        )
    _scale_switch(fig, "x")
    fig.update_layout(meta={**fig.layout.meta, "narrow_ranges": narrow_x})
    rows = -(-len(groups) // cols)
    height = 90 + rows * (26 * per + 110)
    return _finish(fig, height + 20, top=120, gap=30)


def _room_for_labels(starts: np.ndarray, texts: list[str], lo: float, panel_px: float) -> float:
    """The upper end of a log axis from ``lo`` on which each label, written from its
    ``start`` rightwards (about 5.5 px a character at 10 px), ends inside a panel
    ``panel_px`` wide; at least 60 times the largest start."""
    top = np.log10(max(np.nanmax(starts), 1e-12) * 60)
    for start, text in zip(starts, texts):
        share = min((len(text) * 5.5 + 12) / panel_px, 0.8)  # of the axis, right of the label's start
        if np.isfinite(start) and start > 0:
            top = max(top, (np.log10(start) - share * np.log10(lo)) / (1 - share))
    return float(10**top)


def scaling(df: pd.DataFrame, slopes: pd.DataFrame) -> go.Figure:
    """Step time and peak memory against n (at width 256) and width (at n = 1e4), log-log
    (switchable), one line per implementation with its fitted slope in the legend."""
    titles = [f"{what}, growing {x}" for what in ("seconds per step", "peak memory added") for x in ("n", "width")]
    fig, _ = _subplots(titles, 2, row_px=300, horizontal_spacing=0.1)
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
            _log_axis(fig, "x", sub[sweep], row=r, col=c)
        _log_axis(fig, "y", sub["step_median"], row=1, col=c)
        _log_axis(fig, "y", sub["peak_mb"].clip(lower=0.1), row=2, col=c)
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
        titles.append(f"where the others predict\nanother class (most: {impl}, {frac:.2%})")
    fig, _ = _subplots(titles, 2)
    # Confidence in whole percent (one byte a cell): the shading and the hover lose nothing
    # visible, and the page carries a tenth of the float64 grid.
    confidence = np.round(ref.confidence[::step, ::step] * 100).astype(np.uint8)
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
                    customdata=confidence,
                    hovertemplate="predicted class %{z}<br>confidence %{customdata}%<extra></extra>",
                ),
                row=1,
                col=1,
            )
            fig.add_trace(
                go.Heatmap(
                    x=gx,
                    y=gy,
                    z=confidence,
                    zmin=100 / k,
                    zmax=100,
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
                    hovertemplate=(
                        f"%{{z}} of {n} implementations predict another class than {esc(ref.impl)}<extra></extra>"
                    ),
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
                    hovertemplate=(
                        f"{esc(label)}, n = %{{x}}: %{{y:.3g}} s per step<br>IQR "
                        f"%{{customdata[0]:.3g}}–%{{customdata[1]:.3g}} s<extra></extra>"
                    ),
                ),
                **pos,
            )
        _log_axis(fig, "x", sub["n"], **pos)
        _log_axis(fig, "y", np.r_[sub["q1"], sub["q3"], sub["median"]], **pos)
    fig.update_xaxes(type="log", title_text="rows per step (n)")
    fig.update_yaxes(type="log")
    for r in range(1, -(-len(facets) // cols) + 1):
        fig.update_yaxes(title_text="seconds per step", row=r, col=1)
    _scale_switch(fig, "xy")
    rows = -(-len(facets) // cols)
    return _finish(fig, 130 + 290 * rows, top=120, gap=30)
