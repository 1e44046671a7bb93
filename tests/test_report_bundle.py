"""The page's lighter parts, on tiny inputs: the vendored partial plotly.js bundle (what it
holds, its version, the fallback to the full one), the narrow-screen layout of a grid of
panels, and numbers on log axes and in ratios written one way."""

from __future__ import annotations

import json
import os
import re

import pandas as pd
import plotly.graph_objects as go
import pytest
from plotly.offline import get_plotlyjs_version

from benchmarks.report import bench_charts, bundle, narrow
from benchmarks.report.chart_style import _finish, _scale_switch, _subplots, to_div
from benchmarks.report.text import log_ticks, tick_label, times


@pytest.mark.parametrize("name", list(bundle.BUNDLES))
def test_vendored_bundle_registers_what_the_table_says_at_plotlys_version(name):
    """The table of trace types is the bundle's own list, and the bundle is the plotly.js
    the installed plotly writes figures for (else ``choose`` falls back to the full one)."""
    text = open(os.path.join(bundle.ASSETS, name), encoding="utf-8").read()
    assert set(re.findall(r'moduleType:"trace",name:"(\w+)"', text)) == bundle.BUNDLES[name]
    assert bundle.bundle_version(name) == get_plotlyjs_version(), (
        f"plotly now draws with plotly.js {get_plotlyjs_version()}: vendor that version's "
        "plotly.js-cartesian-dist-min (npm pack) into benchmarks/report/assets"
    )
    assert "Licensed under the MIT license" in text[:300]
    assert os.path.exists(os.path.join(bundle.ASSETS, "plotly.js-LICENSE.txt"))


def test_the_smallest_bundle_that_holds_the_page_or_the_full_one(tmp_path):
    assert bundle.choose({"scatter", "bar", "heatmap"}) == "plotly-cartesian-4.1.1.min.js"
    assert bundle.choose({"scatter", "scatter3d"}) is None  # a trace type outside it: the full bundle
    assert bundle.write_bundle(str(tmp_path), {"scatter"}) == bundle.PLOTLY_FILE
    small = (tmp_path / bundle.PLOTLY_FILE).stat().st_size
    bundle.write_bundle(str(tmp_path), {"scattergeo"})
    assert (tmp_path / bundle.PLOTLY_FILE).stat().st_size > 2 * small  # rewritten with the full bundle


def grid(n: int, cols: int = 3) -> go.Figure:
    fig, cols = _subplots([f"panel {k}" for k in range(n)], cols)
    for k in range(n):
        fig.add_trace(go.Scatter(x=[1, 10], y=[1, 100], name=f"line {k}"), row=k // cols + 1, col=k % cols + 1)
    fig.update_yaxes(type="log", title_text="seconds", row=1, col=1)
    _scale_switch(fig, "y")
    return _finish(fig, 400, top=100)


def test_narrow_layout_stacks_the_panels_and_puts_the_legend_below():
    """Four panels in three columns become four rows of the full width, each title over its
    own panel, tick labels and the y title on every one, the empty grid cells hidden."""
    fig = grid(4)
    layout = narrow.narrow_layout(fig)
    domains = [layout[f"yaxis{'' if k == 1 else k}"]["domain"] for k in range(1, 5)]
    assert all(layout[f"xaxis{'' if k == 1 else k}"]["domain"] == [0, 1] for k in range(1, 5))
    assert all(lower[1] < upper[0] for upper, lower in zip(domains, domains[1:]))  # top to bottom, apart
    titles = layout["annotations"][:4]
    assert [t["text"] for t in titles] == [f"panel {k}" for k in range(4)]
    assert [t["y"] for t in titles] == [d[1] for d in domains] and all(t["x"] == 0.5 for t in titles)
    assert layout["yaxis4"]["title"]["text"] == "seconds" and layout["yaxis4"]["showticklabels"]
    assert layout["xaxis5"]["visible"] is False and layout["yaxis6"]["visible"] is False
    assert layout["legend"]["y"] < 0 and layout["legend"]["yanchor"] == "top"
    assert layout["height"] > 4 * narrow.PANEL_PX and layout["margin"]["b"] >= narrow.AXIS_PX + narrow.ROW_PX
    assert fig.layout.xaxis2.domain[0] > 0  # the wide layout is left as it was


def test_chart_markup_carries_both_layouts_and_is_drawn_by_the_page():
    html = to_div(grid(2), "plot-t")
    assert re.match(
        r'<div id="plot-t" class="plotly-graph-div" data-chart style="height:400px; width:100%;"></div>', html
    )
    spec = json.loads(re.search(r'<script type="application/json" id="plot-t-spec">(.*)</script>', html).group(1))
    assert set(spec) == {"data", "layout", "config", "narrow", "narrow_traces"} and spec["config"]["responsive"]
    assert spec["narrow_traces"] == [{}, {}]
    assert spec["narrow"]["height"] > spec["layout"]["height"]


def test_a_colour_bar_spans_its_own_stacked_panel():
    fig, _ = _subplots(["a", "b"], 2)
    fig.add_trace(go.Scatter(x=[0], y=[0]), row=1, col=1)
    fig.add_trace(go.Heatmap(z=[[0, 1]], colorbar=dict(len=0.9)), row=1, col=2)
    layout = narrow.narrow_layout(fig)
    plain, bar = narrow.narrow_traces(fig, layout)
    low, high = layout["yaxis2"]["domain"]
    assert plain == {} and bar["colorbar"]["len"] == pytest.approx(high - low) and low < bar["colorbar"]["y"] < high


def test_long_panel_titles_break_on_a_narrow_screen():
    title = "train: spiral (2000 epochs, target train_accuracy >= 0.95)"
    assert narrow.wrap(title) == "train: spiral (2000 epochs, target<br>train_accuracy >= 0.95)"
    assert narrow.wrap(title, 20) == "train: spiral (2000<br>epochs, target<br>train_accuracy >=<br>0.95)"
    assert narrow.wrap("xor") == "xor" and narrow.wrap("a<br>" + "b" * 50) == "a<br>" + "b" * 50


def test_benchmark_bars_keep_their_values_inside_a_phone_screen():
    """Long bar names leave a phone's panel narrow: the values written past the bars are
    shortened (time and ratio), the log axis reaches far enough for them, its ticks are few
    enough to stay level, and the panel's title wraps to the plot's width."""
    modes = ["harness", "fit", "tf.function", "xla", "eager", "compile"]
    df = pd.DataFrame(
        {
            "group": "step: xor (default model, full batch)",
            "impl": ["keras"] * 4 + ["torch"] * 2,
            "mode": modes,
            "task": "xor",
            "dtype": "float64",
            "median": [1e-4, 7e-2, 5e-4, 3e-4, 5e-4, 5e-4],
            "ratio_to_scratch": [3.3, 603, 4.0, 2.8, 4.1, 4.6],
            "gflops": [7.8e-3, 4.2e-5, 6e-3, 9e-3, 6e-3, 5e-3],
        }
    )
    df["q1"], df["q3"] = df["median"] * 0.9, df["median"] * 1.1
    fig = bench_charts.benchmark_family(df, "step")
    layout = narrow.narrow_layout(fig)
    patches = narrow.narrow_traces(fig, layout)
    values = next(i for i, t in enumerate(fig.data) if t.type == "scatter")
    assert "GFLOP/s" in fig.data[values].text[0] and patches[values]["text"][1] == "70 ms (603×)"
    wide, phone = fig.layout.xaxis.range, layout["xaxis"]["range"]
    assert phone[0] == pytest.approx(wide[0]) and phone[1] > wide[1], (wide, phone)
    assert len(layout["xaxis"].get("tickvals") or ()) <= narrow.MAX_TICKS
    title = layout["annotations"][0]["text"]
    assert "<br>" in title and max(map(len, title.split("<br>"))) < len(df["group"][0])


def test_legend_rows_grow_with_long_names():
    fig = go.Figure([go.Scatter(x=[1], y=[1], name="a" * 40) for _ in range(3)])
    assert narrow.legend_rows(fig) == 3 and narrow.legend_rows(go.Figure([go.Scatter(name="a")] * 2)) == 1


@pytest.mark.parametrize(
    "lo, hi, labels",
    [
        (0.004, 0.7, ["0.005", "0.01", "0.02", "0.05", "0.1", "0.2", "0.5"]),  # three decades: 1, 2, 5
        (0.09, 1.2, ["0.1", "0.2", "0.5", "1"]),
        (1, 5000, ["1", "10", "100", "1000"]),  # four decades: each decade
        (1e-17, 1e-12, ["1e-17", "1e-16", "1e-15", "1e-14", "1e-13", "1e-12"]),
        (1e-17, 1.0, ["1e-17", "1e-14", "1e-11", "1e-8", "1e-5", "0.01"]),  # 17 decades: every third
        (0.3, 0.45, []),  # no two of them: plotly's and matplotlib's own ticks
    ],
)
def test_log_ticks_are_labelled_in_full_and_never_on_minor_ticks(lo, hi, labels):
    assert [tick_label(v) for v in log_ticks(lo, hi)] == labels


def test_ratios_read_as_whole_numbers_from_100():
    assert [times(r) for r in (1.26, 4.76, 52.04, 410.2, 1234.0)] == ["1.26×", "4.76×", "52×", "410×", "1234×"]
