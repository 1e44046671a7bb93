"""The performance-targets table on small hand-made timing-suite runs: a target reached, one
missed with its gap, one not measured with why; the spread bounds; the regime table; and
the report's section built from a JSON written here. Nothing here times anything."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from benchmarks.report import targets
from benchmarks.results import ResultsError
from benchmarks.results.benchjson import benchmark_table

MS = 1e-3


def bench(
    group: str, impl: str, median: float, spread: float = 0.1, mode: str = "harness", rounds: int = 7, **extra
) -> dict:
    """One pytest-benchmark JSON entry: quartiles ``median * (1 -+ spread)``."""
    q1, q3 = median * (1 - spread), median * (1 + spread)
    stats = {"median": median, "iqr": q3 - q1, "q1": q1, "q3": q3, "mean": median, "min": q1, "rounds": rounds}
    return {
        "group": group,
        "name": f"{group}[{impl}-{mode}]",
        "stats": stats,
        "extra_info": {"impl": impl, "mode": mode, **extra},
    }


def task_group(task: str, scratch: float, torch: float, **others: float) -> list[dict]:
    group = f"step: {task} (default model, full batch)"
    rows = [bench(group, "scratch", scratch, task=task), bench(group, "torch", torch, task=task, eager_baseline=True)]
    return rows + [bench(group, impl, t, task=task) for impl, t in others.items()]


def grid_group(n: int, dtype: str, scratch: float, modes: dict[tuple[str, str], float]) -> list[dict]:
    group = f"step: n={n} width=64 {dtype}"
    info = dict(task="synthetic", n=n, width=64, dtype=dtype)
    return [bench(group, "scratch", scratch, **info)] + [
        bench(group, impl, t, mode=mode, **info) for (impl, mode), t in modes.items()
    ]


def compute_group(dtype: str, scratch: float, flops: float, peak: float) -> list[dict]:
    group = f"regime compute: wide 784-512-512-10 n=8192 {dtype}"
    info = dict(task="synthetic", dtype=dtype, flops=flops, matmul_peak_gflops=peak)
    return [bench(group, "scratch", scratch, **info), bench(group, "torch", scratch / 2, **info)]


@pytest.fixture
def run() -> dict:
    """A run with xor reached (0.25x), spiral missed (0.50x), moons absent; a size grid whose
    second group lacks the compiled mode; fp32 compute-bound at 60% of peak, no fp64."""
    rows = (
        task_group("xor", 1 * MS, 4 * MS, keras=5 * MS)
        + task_group("spiral", 0.5 * MS, 1 * MS)
        + grid_group(
            300,
            "float32",
            2 * MS,
            {("keras", "harness"): 3 * MS, ("keras", "xla"): 1.6 * MS, ("torch", "harness"): 4 * MS},
        )
        + grid_group(3000, "float32", 10 * MS, {("keras", "harness"): 12 * MS, ("torch", "harness"): 11 * MS})
        + compute_group("float32", 0.1, flops=6e9, peak=100.0)
        + [
            bench(
                "regime memory: thin 10-64-3 n=200000 float64",
                "scratch",
                0.02,
                task="synthetic",
                dtype="float64",
                bytes=2e8,
                stream_bytes_per_s=2e10,
                flops=1e8,
                matmul_peak_gflops=50.0,
            ),
            bench(
                "regime memory: STREAM-style triad (the limit)",
                "numpy",
                0.1,
                task="triad",
                dtype="float64",
                bytes=1.2e9,
            ),
        ]
    )
    return {"benchmarks": rows, "machine_info": {}, "datetime": "2026-12-02"}


def scale_table(n: int = 100_000) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "impl": ["scratch", "torch", "sklearn"],
            "sweep": "n",
            "n": n,
            "width": 256,
            "dtype": "float64",
            "peak_mb": [50.0, 40.0, 60.0],
        }
    )


def by_instance(table: pd.DataFrame) -> dict[str, dict]:
    return {r["instance"]: r for r in table.to_dict("records")}


def test_a_reached_target_states_its_ratio_and_spread(run):
    row = by_instance(targets.targets_table(benchmark_table(run)))["step: xor (default model, full batch)"]
    assert row["status"] == "reached" and row["theirs"] == "torch" and row["ours"] == "scratch"
    assert row["value"] == pytest.approx(0.25)
    assert row["low"] == pytest.approx(0.9 / 4.4) and row["high"] == pytest.approx(1.1 / 3.6)  # q1/q3 .. q3/q1
    assert row["gap"] == pytest.approx(-0.20) and row["verdict"] == "reached (0.25x, goal at most 0.45x)"


def test_a_missed_target_says_by_how_much(run):
    row = by_instance(targets.targets_table(benchmark_table(run)))["step: spiral (default model, full batch)"]
    assert row["status"] == "missed" and row["value"] == pytest.approx(0.5) and row["gap"] == pytest.approx(0.05)
    assert row["verdict"] == "missed by 0.05x (11%)"


def test_an_absent_benchmark_is_not_measured_and_says_why(run):
    table = targets.targets_table(benchmark_table(run))
    row = by_instance(table)["step: moons"]
    assert row["status"] == "not measured" and np.isnan(row["value"]) and np.isnan(row["low"]) and np.isnan(row["gap"])
    assert row["verdict"] == "not measured: no step group on moons in this run"
    fp64 = table[(table["target"] == targets.PEAK.statement) & table["instance"].str.endswith("float64")].iloc[0]
    assert fp64["status"] == "not measured" and "no compute-bound float64 group" in fp64["verdict"]


def test_the_eager_baseline_is_the_row_marked_so_not_a_name(run):
    for b in run["benchmarks"]:
        if b["extra_info"].get("eager_baseline"):  # another framework declares itself the baseline
            b["extra_info"].update(impl="jax", eager_baseline=True)
    row = by_instance(targets.targets_table(benchmark_table(run)))["step: xor (default model, full batch)"]
    assert row["theirs"] == "jax" and row["value"] == pytest.approx(0.25)
    for b in run["benchmarks"]:
        b["extra_info"].pop("eager_baseline", None)  # results written before the mark existed
    row = by_instance(targets.targets_table(benchmark_table(run)))["step: xor (default model, full batch)"]
    assert row["status"] == "not measured" and "no benchmark marked as the eager baseline" in row["verdict"]


def test_the_suite_marks_the_declared_baseline_only():
    from benchmarks.suite.helpers import mode_info
    from reference_impls import IMPLEMENTATIONS, implementation_class

    marked = [
        (impl, mode)
        for impl in IMPLEMENTATIONS
        for mode in implementation_class(impl).modes()
        if mode_info(impl, mode)["eager_baseline"]
    ]
    assert marked == [
        (impl, f.eager_baseline) for impl in IMPLEMENTATIONS if (f := implementation_class(impl).facts).eager_baseline
    ]
    assert len(marked) == 1, f"exactly one implementation mode should be the eager baseline, got {marked}"


def test_fastest_mode_is_any_framework_in_any_mode_of_the_same_group(run):
    rows = by_instance(targets.targets_table(benchmark_table(run)))
    small, large = rows["step: n=300 width=64 float32"], rows["step: n=3000 width=64 float32"]
    assert small["theirs"] == "keras (xla)" and small["value"] == pytest.approx(2 / 1.6) and small["status"] == "missed"
    assert small["verdict"] == "missed by 0.25x (25%)"
    assert large["theirs"] == "torch" and large["value"] == pytest.approx(10 / 11) and large["status"] == "reached"
    assert large["verdict"].endswith("fastest of the modes measured; not measured in this group: keras (xla)")


def test_declared_modes_left_out_of_the_run_are_named(run):
    for b in run["benchmarks"]:
        if b["extra_info"]["impl"] == "torch":
            b["extra_info"]["declared_modes"] = "harness,compile"
    rows = by_instance(targets.targets_table(benchmark_table(run)))
    assert rows["step: n=300 width=64 float32"]["verdict"].endswith("not measured in this group: torch (compile)")
    assert rows["step: n=3000 width=64 float32"]["verdict"].endswith(
        "not measured in this group: keras (xla), torch (compile)"
    )


def test_peak_fraction_and_its_spread(run):
    table = targets.targets_table(benchmark_table(run))
    row = table[table["instance"].str.startswith("regime compute") & table["instance"].str.endswith("float32")].iloc[0]
    assert (
        row["value"] == pytest.approx(0.60)
        and row["status"] == "missed"
        and row["verdict"] == "missed by 10 points (14%)"
    )
    assert row["low"] == pytest.approx(0.60 / 1.1) and row["high"] == pytest.approx(0.60 / 0.9)


def test_memory_from_the_scale_table():
    none = targets.targets_table(None, None)
    assert set(none["status"]) == {"not measured"}  # no suite, no scaling study: every row says so
    row = targets.targets_table(None, scale_table()).iloc[-1]
    assert (
        row["value"] == pytest.approx(1.25)
        and row["theirs"].startswith("torch (50 MiB against 40 MiB)")
        and row["status"] == "missed"
    )
    assert row["verdict"] == "missed by 0.25x (25%); one measurement per size (no spread)"
    small = targets.targets_table(None, scale_table(n=3_000)).iloc[-1]
    assert small["verdict"] == "not measured: the scaling study reached n = 3,000 only"


def test_regime_table_uses_each_groups_limit(run):
    table = benchmark_table(run)
    assert table.set_index("impl").loc["numpy", "bandwidth_fraction"] == pytest.approx(
        1.0
    )  # the triad is its own limit
    regimes = targets.regime_table(table).set_index(["group", "impl"])
    thin = regimes.loc[("regime memory: thin 10-64-3 n=200000 float64", "scratch")]
    assert (
        thin["unit"] == "GB/s"
        and thin["rate"] == pytest.approx(10.0)
        and thin["limit"] == pytest.approx(20.0)
        and thin["fraction"] == pytest.approx(0.5)
    )
    wide = regimes.loc[("regime compute: wide 784-512-512-10 n=8192 float32", "torch")]
    assert wide["unit"] == "GFLOP/s" and wide["rate"] == pytest.approx(120.0) and wide["fraction"] == pytest.approx(1.2)


def test_ratio_to_fastest_column(run):
    table = benchmark_table(run)
    grid = table[table["group"] == "step: n=300 width=64 float32"].set_index(["impl", "mode"])
    assert grid.loc[("scratch", "harness"), "ratio_to_fastest"] == pytest.approx(1.25)
    assert grid.loc[("keras", "xla"), "ratio_to_fastest"] == pytest.approx(1.0)


def test_markdown_and_html_render_every_row(run):
    table, regimes = (
        targets.targets_table(benchmark_table(run), scale_table()),
        targets.regime_table(benchmark_table(run)),
    )
    text = targets.markdown(table, regimes)
    assert text.startswith("### Performance targets") and "### Against the machine's limits" in text
    assert f"{len(table)} target instances: 2 reached, 4 missed, 2 not measured." in text
    assert (
        "| scratch at most 0.45x the eager baseline | step: spiral (default model, full batch) | torch | 0.50x | 0.41x-0.61x | at most 0.45x | missed by 0.05x (11%) |"  # noqa: E501
        in text
    )
    page = targets.html_section(table, regimes)
    assert page.count('class="l wrap fail"') == 4 and page.count('class="l wrap ok"') == 2 and "<script" not in page
    assert (
        page.count('<table class="cards">') == 1
    )  # the targets table turns into cards on a phone, the limits table scrolls
    assert page.count('data-label="verdict"') == len(table) and page.count('data-label="measured"') == len(table)


def test_bad_extra_info_values_are_not_numbers_not_a_traceback(run):
    run["benchmarks"][0]["extra_info"].update(flops="many", bytes=None, n="abc", width=64.5, impl=5)
    run["benchmarks"][1]["group"] = 7
    table = benchmark_table(run)
    assert np.isnan(table["gflops"].iloc[0]) and table["n"].isna().iloc[0] and table["width"].isna().iloc[0]
    assert table["impl"].iloc[0] == "5" and table["group"].iloc[1] == "7"
    assert len(targets.targets_table(table)) == 8  # still one row per target instance
    del run["benchmarks"][0]["stats"]["q3"]
    with pytest.raises(ResultsError, match="lacks stats q3"):
        benchmark_table(run)


def test_report_shows_the_targets_with_real_numbers(run, tmp_path):
    from benchmarks.harness import config as cfgmod
    from benchmarks.harness.sweep import run_sweep
    from benchmarks.report import build_report

    results = tmp_path / "results"
    run_sweep(cfgmod.from_mapping({"tasks": "xor", "impls": "scratch", "seeds": 1, "epochs": 5}), str(results))
    (results / "benchmarks.json").write_text(json.dumps(run))
    build_report(str(results), str(tmp_path / "report"))
    text = (tmp_path / "report" / "README.md").read_text()
    micro = text.split("## Micro-benchmarks", 1)[1]
    assert micro.lstrip().startswith("### Performance targets")  # first in the micro-benchmark part
    assert "| step: xor (default model, full batch) | torch | 0.25x |" in micro and "missed by 0.05x (11%)" in micro
    assert (
        "not measured: no scaling study in this report" in micro
        and "| regime memory: thin 10-64-3 n=200000 float64 | 20 GB/s | 10 (50%) |" in micro
    )
    written = pd.read_csv(tmp_path / "report" / "targets.csv")
    assert list(written.columns) == targets.COLUMNS and len(written) == 8
    page = (tmp_path / "report" / "index.html").read_text()
    assert '<h3 id="targets">Performance targets</h3>' in page and "missed by 0.05x (11%)" in page
