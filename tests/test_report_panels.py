"""The report's panel choices and interactive charts, on tiny hand-made frames: tasks that
train one network share a panel, agreeing decision boundaries collapse to one with the
largest disagreement stated, load and host warnings read the columns when present and
stay silent without them, and the plotly figures carry the labels, error bars, legend
entries and log/linear switches the page promises."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from benchmarks.report import data as rdata
from benchmarks.report import interactive, panels
from benchmarks.report import verdict as rverdict

SPEC = {"sizes": [2, 10, 1], "lr": 0.01, "seed": 0}


def runs_frame(tasks: dict[str, dict], seeds: int = 2, impls=("scratch", "torch")) -> pd.DataFrame:
    rows = [
        dict(task=t, impl=i, seed=s, steps=100, status="ok", spec=json.dumps({**spec, "seed": s}, indent=2))
        for t, spec in tasks.items()
        for i in impls
        for s in range(seeds)
    ]
    return pd.DataFrame(rows)


def test_tasks_sharing_a_spec_and_steps_share_a_panel():
    runs = runs_frame({"and": SPEC, "or": SPEC, "spiral": {**SPEC, "sizes": [2, 64, 3]}, "xor": SPEC})
    assert panels.task_groups(runs, ["and", "or", "spiral", "xor"]) == [["and", "or", "xor"], ["spiral"]]
    longer = runs.assign(steps=np.where(runs["task"] == "xor", 200, 100))
    assert panels.task_groups(longer, ["and", "or", "spiral", "xor"]) == [["and", "or"], ["spiral"], ["xor"]]
    assert panels.task_groups(runs.drop(columns="spec"), ["and", "or"]) == [
        ["and"],
        ["or"],
    ]  # no spec column: no grouping
    # Each implementation may have its own spec (a convention); the same per implementation groups.
    own = runs.assign(
        spec=[
            s.replace('"lr"', '"convention": "keras", "lr"') if i == "torch" else s
            for s, i in zip(runs["spec"], runs["impl"])
        ]
    )
    assert panels.task_groups(own, ["and", "or", "spiral", "xor"]) == [["and", "or", "xor"], ["spiral"]]
    mixed = own[~((own["task"] == "or") & (own["impl"] == "torch") & (own["seed"] == 1))].copy()
    mixed.loc[len(mixed)] = dict(
        task="or", impl="torch", seed=1, steps=100, status="ok", spec=json.dumps(SPEC)
    )  # seeds disagree
    assert panels.task_groups(mixed, ["and", "or", "xor"]) == [["and", "xor"], ["or"]]


def band(label: str, median: list[float]) -> rdata.Band:
    m = np.array(median)
    return rdata.Band(label, np.arange(len(m)), m, m * 0.9, m * 1.1)


def test_loss_panels_state_the_largest_gap_between_implementations():
    bands = {
        "and": [band("scratch", [1.0, 0.5]), band("torch", [1.0, 0.55])],
        "or": [band("scratch", [1.0, 0.2]), band("torch", [1.0, 0.2])],
        "spiral": [band("scratch", [1.2, 0.4])],
    }
    (gates, spiral) = panels.loss_panels(bands, [["and", "or"], ["spiral"]])
    assert gates.grouped and not spiral.grouped and spiral.title == "spiral"
    assert gates.gap == pytest.approx(0.1) and gates.gap_where == "torch on and"
    caption = panels.grouped_caption([gates, spiral], "a colour per task")
    assert caption.startswith("and, or train the same network") and "at most 0.1 (relative, torch on and)" in caption
    fig = interactive.loss_curves([gates, spiral])
    names = [t.name for t in fig.data if t.showlegend is not False]
    assert "band: best to worst seed" in names and "scratch" in names and "and (each implementation)" in names
    assert fig.layout.yaxis.type == "log" and [b.label for b in fig.layout.updatemenus[0].buttons] == [
        "log y",
        "linear y",
    ]


def boundary(impl: str, labels: np.ndarray) -> rdata.Boundary:
    xx, yy = np.meshgrid(np.linspace(0, 1, labels.shape[1]), np.linspace(0, 1, labels.shape[0]))
    return rdata.Boundary(impl, xx, yy, labels, np.full(labels.shape, 0.9), 1.0)


def test_identical_boundaries_collapse_to_one_panel():
    grid = np.zeros((10, 10), dtype=int)
    grid[5:] = 1
    bounds = [boundary(i, grid.copy()) for i in ("scratch", "keras", "torch", "sklearn")]
    agreement = panels.boundary_agreement(bounds)
    assert (
        agreement.identical
        and agreement.sentence(4) == "all 4 implementations predict the same class on all 100 grid points"
    )
    X, y = np.array([[0.0, 0.0], [1.0, 1.0]]), np.array([0, 1])
    fig = interactive.decision_boundary("xor", bounds, X, y, agreement)
    assert [a.text for a in fig.layout.annotations] == ["scratch: train accuracy 100.0% (all agree)"]  # one panel


def test_disagreeing_boundaries_show_a_difference_map_and_the_worst():
    grid = np.zeros((10, 10), dtype=int)
    other, worse = grid.copy(), grid.copy()
    other[0, :3] = 1  # 3 of 100 points
    worse[:2, :] = 1  # 20 of 100
    bounds = [boundary("scratch", grid), boundary("torch", other), boundary("keras", worse)]
    agreement = panels.boundary_agreement(bounds)
    assert not agreement.identical and agreement.worst == ("keras", 0.2) and agreement.fractions["torch"] == 0.03
    assert agreement.differ[0, :3].tolist() == [2, 2, 2] and agreement.differ[1, 0] == 1 and agreement.differ[5, 5] == 0
    assert agreement.sentence(3).endswith("keras's, on 20.00% of the 100 grid points")
    fig = interactive.decision_boundary("xor", bounds, np.array([[0.0, 0.0]]), np.array([0]), agreement)
    heatmaps = [t for t in fig.data if t.type == "heatmap"]
    assert len(heatmaps) == 3 and np.array_equal(
        np.asarray(heatmaps[-1].z), agreement.differ
    )  # labels, confidence, difference map


def test_a_grid_of_another_shape_counts_as_disagreeing_everywhere():
    agreement = panels.boundary_agreement(
        [boundary("scratch", np.zeros((10, 10), dtype=int)), boundary("torch", np.zeros((5, 5), dtype=int))]
    )
    assert agreement.worst == ("torch", 1.0) and agreement.differ.shape == (10, 10)


def test_merge_tasks_takes_the_median_over_a_group():
    frame = pd.DataFrame(
        {"t_build": [1.0, 3.0, 2.0, 10.0], "t_train": [4.0, 6.0, 5.0, 1.0]},
        index=pd.MultiIndex.from_tuples(
            [("and", "scratch"), ("or", "scratch"), ("xor", "scratch"), ("spiral", "scratch")]
        ),
    )
    merged = panels.merge_tasks(frame, [["and", "or", "xor"], ["spiral"]])
    assert merged.loc[("and, or, xor (one network)", "scratch")].tolist() == [2.0, 5.0]
    assert merged.loc[("spiral", "scratch")].tolist() == [10.0, 1.0]


def load_runs(**columns) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "task": "t",
            "impl": ["scratch", "torch", "scratch", "torch"],
            "seed": [0, 0, 1, 1],
            "status": "ok",
            "reached_target": True,
            "t_step_median": 1.0,
            "t_step_iqr": 0.1,
            "parallel_jobs": 1,
            **columns,
        }
    )


def test_load_warning_with_and_without_the_columns():
    assert rverdict.load_warning(load_runs()) is None  # an older sweep: nothing recorded, nothing said
    quiet = load_runs(load_1m_before=[0.2, 0.3, 1.4, 0.1], load_1m_after=[0.3, 0.2, 0.5, 1.5], cpu_count=2)
    assert rverdict.load_warning(quiet) is None  # 1.5 is 0.75 x 2: not above
    loaded = quiet.assign(load_1m_after=[0.3, 0.2, 3.1, 1.6])
    text = rverdict.load_warning(loaded)
    assert text.startswith(
        "timings taken under load: in 2 of 4 runs the 1-minute load average reached up to 3.10 on 2 CPUs "
        "(above 0.75 x 2 = 1.50)"
    )
    assert text in rverdict.warnings(loaded, complete=True, sk_mismatches=0)


def test_load_readings_from_the_environment_table():
    runs = load_runs(env_id=["a", "a", "b", "b"], load_1m_before=[0.1, 0.1, 5.0, 0.1])
    env = pd.DataFrame({"env_id": ["a", "b"], "cpu_count": [8, 4]})
    text = rverdict.load_warning(runs, env)
    assert "in 1 of 4 runs" in text and "5.00 on 4 CPUs (above 0.75 x 4 = 3.00)" in text
    one = pd.DataFrame({"cpu_count": [16], "python": ["3.11"]})  # one row, no shared column: it holds for every run
    assert rverdict.load_warning(runs.drop(columns="env_id"), one) is None
    assert rverdict.load_warning(load_runs(load_1m_before=9.0, env_cpu_count="2")).startswith(
        "timings taken under load: in 4 of 4 runs"
    )  # Parquet's string


def test_several_hosts_split_the_speed_and_say_so():
    runs = load_runs(
        host=["laptop", "laptop", "gpu-1", "gpu-1"],
        device=["cpu", "cpu", "cpu", "cuda"],
        t_step_median=[2.0, 1.0, 1.0, 4.0],
    )
    assert [h for h, _ in panels.by_host(runs)] == ["laptop", "gpu-1"]
    assert panels.by_host(runs.assign(host="laptop"))[0][0] is None  # one host: no split
    assert panels.devices(runs) == ["scratch: cpu on laptop, gpu-1", "torch: cpu on laptop, cuda on gpu-1"]
    assert panels.devices(runs.assign(host="x")) == ["scratch: cpu", "torch: cpu, cuda"]
    warning = rverdict.hosts_warning(runs)
    assert (
        "2 hosts (laptop, gpu-1)" in warning
        and "not comparable" in warning
        and "accuracy, convergence and equivalence are comparable" in warning
    )
    rdata.use_frameworks({"scratch": {"order": 0}, "torch": {"order": 1}})
    rows = rverdict.harness_by_host(runs)
    assert [(r["task"], r["impl"], r["lost"]) for r in rows] == [
        ("t on laptop", "torch", True),
        ("t on gpu-1", "torch", False),
    ]
    assert rows[0]["text"].startswith("scratch 2× slower than torch on t on laptop")
    assert rverdict.hosts_warning(runs.drop(columns="host")) is None


def test_step_time_chart_has_seed_range_error_bars_and_a_scale_switch():
    """The bar is the median of the same-seed ratios; its error bar runs from the lowest to
    the highest seed's ratio, so it always holds the bar's top."""
    rdata.use_frameworks({"scratch": {"order": 0}, "torch": {"order": 1}})
    ratios = pd.DataFrame({"scratch": [1.0], "torch": [3.0]}, index=pd.Index(["xor"], name="task"))
    q = {k: pd.DataFrame({"torch": [v]}, index=["xor"]) for k, v in (("low", 2.5), ("high", 4.0), ("n", 3))}
    fig = interactive.step_time_ratios(ratios, q)
    (bar,) = [t for t in fig.data if t.type == "bar"]
    assert bar.name == "torch" and list(bar.error_y.array) == [1.0] and list(bar.error_y.arrayminus) == [0.5]
    # The value is written above the error bar's top (4), in the bar's slot, never across the whisker.
    (label,) = [t for t in fig.data if t.type == "scatter" and t.mode == "text"]
    assert list(label.text) == ["3×"] and list(label.y) == [4.0] and label.offsetgroup == bar.offsetgroup
    assert fig.layout.scattermode == "group" and "scratch = 1" in [t.name for t in fig.data]
    # Log ticks written in full (1, 2, 5...); the linear view drops them and the range, the log view restores them.
    assert fig.layout.yaxis.type == "log" and "1" in fig.layout.yaxis.ticktext and "5" in fig.layout.yaxis.ticktext
    log, linear = (b.args[0] for b in fig.layout.updatemenus[0].buttons)
    assert linear == {"yaxis.type": "linear", "yaxis.tickmode": "auto", "yaxis.autorange": True}
    assert (
        log["yaxis.type"] == "log"
        and list(log["yaxis.tickvals"]) == list(fig.layout.yaxis.tickvals)
        and "yaxis.range" in log
    )


def test_benchmark_bars_are_named_and_carry_their_spread():
    df = pd.DataFrame(
        {
            "group": "layer forward",
            "impl": "scratch",
            "mode": "",
            "task": ["Dense", "relu"],
            "dtype": "float64",
            "median": [1e-3, 2e-4],
            "q1": [9e-4, 1e-4],
            "q3": [1.2e-3, 3e-4],
            "ratio_to_scratch": [1.0, 1.0],
            "gflops": [12.0, np.nan],
        }
    )
    fig = interactive.benchmark_family(df, "Benchmark: scratch layers, forward")
    bar, label = fig.data[:2]
    assert list(bar.y) == ["Dense", "relu"] and list(label.text) == ["1 ms, 12 GFLOP/s", "200 µs"]
    assert list(label.x) == [1.2e-3, 3e-4]  # written past the error bar's end, not across it
    assert np.allclose(bar.error_x.array, [2e-4, 1e-4]) and np.allclose(bar.error_x.arrayminus, [1e-4, 1e-4])
    assert fig.layout.xaxis.type == "log" and [t.name for t in fig.data if t.showlegend] == ["scratch"]


def test_user_strings_are_plain_text_in_the_charts():
    rdata.use_frameworks({"scratch": {"order": 0}})
    ratios = pd.DataFrame({"scratch": [1.0], "<b>x</b>": [2.0]}, index=["<i>task</i>"])
    fig = interactive.step_time_ratios(ratios)
    assert fig.data[0].name == "&lt;b&gt;x&lt;/b&gt;" and list(fig.data[0].x) == ["&lt;i&gt;task&lt;/i&gt;"]
    assert "<b>x" not in interactive.to_div(fig, "plot-t").split('type="application/json"', 1)[1]


def test_step_time_by_size_reads_as_lines_per_dtype_and_width(tmp_path):
    from benchmarks.report import plots

    rdata.use_frameworks({"scratch": {"order": 0}, "torch": {"order": 1}})
    plots.use_frameworks({"scratch": {"order": 0, "colour": "#1f77b4"}, "torch": {"order": 1, "colour": "#ff7f0e"}})
    rows = [
        dict(
            group=f"step: n={n} width={w} {d}",
            impl=i,
            n=n,
            width=w,
            dtype=d,
            median=1e-6 * n * w * (2 if i == "torch" else 1),
            q1=0.9e-6 * n * w,
            q3=1.1e-6 * n * w * (2 if i == "torch" else 1),
        )
        for d in ("float64", "float32")
        for w in (256, 64)
        for n in (3000, 300)
        for i in ("scratch", "torch")
    ]
    df = pd.DataFrame(rows)
    fig = interactive.step_sizes(df)
    assert [a.text for a in fig.layout.annotations] == [
        f"{d}, hidden width {w}" for d in ("float32", "float64") for w in (64, 256)
    ]
    first = fig.data[0]  # float32, width 64, scratch: n ascending, IQR as error bars
    assert (
        first.name == "scratch"
        and list(first.x) == [300, 3000]
        and np.allclose(first.y, [1e-6 * 300 * 64, 1e-6 * 3000 * 64])
    )
    assert np.allclose(first.error_y.arrayminus, [0.1e-6 * 300 * 64, 0.1e-6 * 3000 * 64])
    assert len(fig.data) == 8 and sum(bool(t.showlegend) for t in fig.data) == 2
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log"
    assert open(plots.step_sizes(df, str(tmp_path / "s.png")), "rb").read(4) == b"\x89PNG"
