"""The pytest-benchmark suite as its users drive it: a quick profile with JSON and CSV,
the accuracy columns, --benchmark-compare with --accuracy-compare-fail, the JSON turned
into a table and a report section, and the scaling study."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from benchmarks.results import ResultsError
from benchmarks.results.benchjson import COLUMNS, gflops_table
from benchmarks.results.store import read_benchmark_json
from benchmarks.suite.plugin import accuracy_drops
from reference_impls import IMPLEMENTATIONS
from tests.test_cli import ROOT, run, scratchbench

QUICK = [
    "--benchmark-only",
    "--benchmark-min-rounds=1",
    "--benchmark-max-time=0.01",
    "--benchmark-warmup=off",
    "-p",
    "no:cacheprovider",
    "-q",
]


def pytest_run(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    """pytest as a user runs it: not as an xdist worker (pytest-benchmark disables timing in
    a process that inherits an xdist worker's environment)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout, env=env
    )


@pytest.fixture(scope="module")
def quick_profile(tmp_path_factory):
    """A quick profile of part of the suite, as CI runs it."""
    out = tmp_path_factory.mktemp("bench")
    proc = pytest_run(
        "benchmarks/suite/bench_training.py",
        "benchmarks/suite/bench_peak.py",
        "benchmarks/suite/bench_steps.py::test_step_on_task",
        *QUICK,
        "-m",
        "not compiles",
        f"--benchmark-json={out / 'b.json'}",
        f"--scratchbench-csv={out / 'b.csv'}",
        f"--benchmark-storage=file://{out / 'storage'}",
        "--benchmark-autosave",
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return out, proc.stdout


def test_quick_profile_prints_accuracy_beside_time(quick_profile):
    out, stdout = quick_profile
    assert "benchmark 'train: xor" in stdout and "benchmark 'peak: NumPy matmul'" in stdout
    lines = stdout.split("benchmarks that train: timing beside accuracy and final loss", 1)[1].splitlines()
    rows = [ln.split() for ln in lines if ln.startswith("test_train_to_target")]
    assert len(rows) == 2 * len(IMPLEMENTATIONS)  # xor and spiral
    for row in rows:
        assert float(row[4]) >= 0.95 and row[-1] == "True"  # accuracy column, reached target


def test_json_and_csv_carry_the_metrics(quick_profile):
    out, _ = quick_profile
    data = json.loads((out / "b.json").read_text())
    train = [b for b in data["benchmarks"] if b["group"].startswith("train:")]
    assert {b["extra_info"]["impl"] for b in train} == set(IMPLEMENTATIONS)
    assert all(
        {"accuracy", "final_loss", "flops", "threads", "dtype", "n", "width"} <= set(b["extra_info"]) for b in train
    )
    csv = pd.read_csv(out / "b.csv")
    assert {"median", "iqr", "accuracy", "final_loss", "flops", "impl"} <= set(csv.columns)
    assert len(csv) == len(data["benchmarks"]) and csv.dropna(subset=["accuracy"]).shape[0] == 2 * len(IMPLEMENTATIONS)


def test_json_becomes_a_table(quick_profile):
    out, _ = quick_profile
    table = read_benchmark_json(str(out / "b.json"))
    assert list(table.columns) == list(COLUMNS)
    peak = table[table["group"] == "peak: NumPy matmul"]
    assert set(peak["dtype"]) == {"float32", "float64"} and (peak["peak_fraction"] == 1.0).all()
    steps = table[table["group"].str.startswith("step: xor")]
    assert steps.set_index("impl").loc["scratch", "ratio_to_scratch"] == 1.0
    np.testing.assert_allclose(steps["gflops"], steps["flops"] / steps["median"] / 1e9)
    assert (steps["peak_fraction"] > 0).all() and (steps["peak_fraction"] < 1).all()
    with pytest.raises(ResultsError, match="not a pytest-benchmark JSON file"):
        (out / "bad.json").write_text("{}")
        read_benchmark_json(str(out / "bad.json"))


def test_gflops_table_pivots_sizes():
    rows = [
        {
            "group": "step: n=300 width=64 float64",
            "impl": i,
            "n": 300,
            "width": 64,
            "dtype": "float64",
            "gflops": g,
            "peak_fraction": p,
        }
        for i, g, p in (("scratch", 2.0, 0.1), ("torch", 4.0, 0.2))
    ]
    table = gflops_table(pd.DataFrame(rows))
    assert table.to_dict("records") == [
        {"n": 300, "width": 64, "dtype": "float64", "scratch": "2.00 (10%)", "torch": "4.00 (20%)"}
    ]


def test_compare_fails_on_accuracy_drop(quick_profile, tmp_path):
    out, _ = quick_profile
    storage = out / "storage"
    saved = sorted(storage.rglob("*.json"))
    assert saved, "--benchmark-autosave wrote nothing"
    # A saved run whose xor accuracy was higher than anything reachable: a regression.
    data = json.loads(saved[-1].read_text())
    for b in data["benchmarks"]:
        if b["group"].startswith("train: xor"):
            b["extra_info"]["accuracy"] = 1.5
    doctored = saved[-1].with_name("0099_doctored.json")
    doctored.write_text(json.dumps(data))
    args = [
        "benchmarks/suite/bench_training.py",
        "-k",
        "xor and scratch",
        *QUICK,
        f"--benchmark-storage=file://{storage}",
        "--benchmark-compare=0099",
    ]
    failing = pytest_run(*args, "--accuracy-compare-fail=0.01")
    assert failing.returncode == 1 and "regression(s) against the compared run" in failing.stdout, failing.stdout[
        -3000:
    ]
    assert "accuracy: " in failing.stdout and "1.0000 < 1.5000 - 0.01" in failing.stdout
    passing = pytest_run(*args, "--accuracy-compare-fail=1.0")
    assert passing.returncode == 0, passing.stdout[-2000:]
    usage = pytest_run("benchmarks/suite/bench_peak.py", *QUICK, "--accuracy-compare-fail=0.1")
    assert usage.returncode != 0 and "--accuracy-compare-fail needs --benchmark-compare" in usage.stderr


def test_time_and_accuracy_regressions_are_one_block_and_the_csv_is_written(quick_profile, tmp_path):
    """The README's own flags, a run slower and less accurate than the saved one: both
    regressions reported together, no traceback, the accuracy table and CSV still written."""
    out, _ = quick_profile
    storage = out / "storage"
    data = json.loads(sorted(storage.rglob("*.json"))[0].read_text())
    for b in data["benchmarks"]:
        if b["group"].startswith("train: xor"):
            b["extra_info"]["accuracy"] = 1.5
            b["stats"] = {
                k: (v * 1e-6 if isinstance(v, float) and k not in ("rounds", "iterations") else v)
                for k, v in b["stats"].items()
            }
    (storage.rglob("*.json").__next__().parent / "0098_faster.json").write_text(json.dumps(data))
    csv = tmp_path / "b.csv"
    proc = pytest_run(
        "benchmarks/suite/bench_training.py",
        "-k",
        "xor and scratch",
        *QUICK,
        f"--benchmark-storage=file://{storage}",
        "--benchmark-compare=0098",
        "--benchmark-compare-fail=median:10%",
        "--accuracy-compare-fail=0.01",
        f"--scratchbench-csv={csv}",
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output[-3000:]
    assert "Traceback" not in output and "PerformanceRegression" not in output
    block = output.split("2 regression(s) against the compared run", 1)[1]
    assert "time: " in block and "median" in block and "accuracy: " in block and "1.0000 < 1.5000 - 0.01" in block
    assert "benchmarks that train: timing beside accuracy and final loss" in output
    assert len(pd.read_csv(csv)) == 1 and f"wrote {csv}" in output


def test_benchmark_only_deselects_other_tests_instead_of_skipping_them():
    proc = pytest_run("benchmarks/suite/bench_peak.py", "tests/test_cli_help.py", *QUICK, "-rs")
    assert proc.returncode == 0 and "deselected" in proc.stdout, proc.stdout[-2000:]
    assert "SKIPPED" not in proc.stdout and "skipped" not in proc.stdout and "2 passed" in proc.stdout


def test_baseline_comparison_of_two_tables():
    from benchmarks.report.baseline import compare, headline, only_in

    old = pd.DataFrame(
        {
            "group": "g",
            "name": ["a", "b", "gone"],
            "impl": "scratch",
            "median": [1.0, 2.0, 1.0],
            "accuracy": [0.9, np.nan, np.nan],
        }
    )
    new = pd.DataFrame(
        {
            "group": "g",
            "name": ["a", "b", "new"],
            "impl": "scratch",
            "median": [1.5, 1.0, 1.0],
            "accuracy": [0.8, np.nan, np.nan],
        }
    )
    table = compare(old, new)
    assert table["name"].tolist() == ["a", "b"] and table["time_ratio"].tolist() == [1.5, 0.5]
    np.testing.assert_allclose(table["accuracy_change"].to_numpy(), [-0.1, np.nan])
    assert only_in(old, new) == (["gone"], ["new"])
    assert headline(table).startswith(
        "2 benchmarks in both runs: 1 more than 10% slower, 1 more than 10% faster, 1 with lower accuracy"
    )


def test_report_baseline_shows_time_and_accuracy_side_by_side(quick_profile, tmp_path):
    out, _ = quick_profile
    current = json.loads((out / "b.json").read_text())
    old = json.loads(json.dumps(current))
    for b in old["benchmarks"]:  # a baseline twice as fast and more accurate on xor
        b["stats"]["median"] /= 2
        if b["group"].startswith("train: xor"):
            b["extra_info"]["accuracy"] = 1.25
    (tmp_path / "old.json").write_text(json.dumps(old))
    proc = run(
        scratchbench(),
        "report",
        "--baseline",
        str(tmp_path / "old.json"),
        str(out / "b.json"),
        "--out",
        str(tmp_path / "cmp"),
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    n = len(current["benchmarks"])
    assert f"{n} benchmarks in both runs: {n} more than 10% slower" in proc.stdout
    text = (tmp_path / "cmp" / "README.md").read_text()
    rows = [ln for ln in text.splitlines() if ln.startswith("| train: xor")]
    assert len(rows) == len(IMPLEMENTATIONS) and all(
        "**2.00×**" in r and "1.2500" in r and "**-0.2500**" in r for r in rows
    ), rows
    html = (tmp_path / "cmp" / "index.html").read_text()
    assert html.count('<tr class="worse">') == n and "//" not in html.split("<body>", 1)[1]
    missing = run(scratchbench(), "report", "--baseline", str(tmp_path / "nope.json"), str(out / "b.json"))
    assert missing.returncode == 2 and "--baseline file" in missing.stderr and "Traceback" not in missing.stderr


def test_accuracy_drops():
    now = {
        "t[x]": {"extra_info": {"accuracy": 0.90}},
        "t[y]": {"extra_info": {"accuracy": 1.0}},
        "t[z]": {"extra_info": {}},
    }
    before = {"t[x]": {"extra_info": {"accuracy": 0.95}}, "t[y]": {"extra_info": {"accuracy": 1.0}}}
    assert accuracy_drops(now, before, 0.01) == ["t[x]: accuracy 0.9000 < 0.9500 - 0.01"]
    assert accuracy_drops(now, before, 0.1) == []


def test_plain_pytest_runs_benchmarks_once_as_tests():
    proc = pytest_run("benchmarks/suite/bench_peak.py", "-q", "-p", "no:cacheprovider", "-rs")
    assert proc.returncode == 0 and "2 passed" in proc.stdout and "skipped" not in proc.stdout
    assert "benchmark 'peak" not in proc.stdout  # not timed


def test_scale_small(tmp_path):
    out = tmp_path / "scale"
    proc = run(
        scratchbench(),
        "scale",
        "--impls",
        "scratch,torch",
        "--max-n",
        "3000",
        "--max-width",
        "128",
        "--out",
        str(out),
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    table = pd.read_parquet(out / "scale.parquet")
    assert set(table["impl"]) == {"scratch", "torch"} and set(table["sweep"]) == {"n", "width"}
    assert (table["step_median"] > 0).all() and (table["steps"] >= 5).all() and (table["peak_mb"] >= 0).all()
    assert "step time grows with n" in proc.stdout
    bad = run(scratchbench(), "scale", "--impls", "mxnet", "--out", str(out))
    assert bad.returncode == 2 and "unknown implementation(s) mxnet" in bad.stderr


def test_report_includes_benchmarks_and_scaling(quick_profile, tmp_path):
    from benchmarks.harness import config as cfgmod
    from benchmarks.harness.scale import run_scale
    from benchmarks.harness.sweep import run_sweep
    from benchmarks.report import build_report
    from benchmarks.results.store import ResultsStore

    out, _ = quick_profile
    results = tmp_path / "results"
    run_sweep(cfgmod.from_mapping({"tasks": "xor", "impls": "scratch,torch", "seeds": 2, "epochs": 20}), str(results))
    ResultsStore(results / "scale").write_table("scale", run_scale(["scratch"], max_n=3000, max_width=128))
    report = tmp_path / "report"
    build_report(str(results), str(report), benchmark_json=str(out / "b.json"))
    text = (report / "README.md").read_text()
    assert (
        "## pytest-benchmark results" in text
        and "## Scaling slopes" in text
        and "## Benchmark: full training runs" in text
    )
    assert "| test_train_to_target" not in text and "| train: xor" in text  # the training table, by group
    for name in ("bench_train.png", "bench_peak.png", "bench_step_tasks.png", "scaling.png"):
        assert (report / name).exists() and f"({name})" in text
    assert len(pd.read_csv(report / "benchmarks.csv")) == len(json.loads((out / "b.json").read_text())["benchmarks"])
    build_report(
        str(results), str(tmp_path / "against"), benchmark_json=str(out / "b.json"), baseline=str(out / "b.json")
    )
    text = (tmp_path / "against" / "README.md").read_text()
    assert (
        "### Against the baseline b.json" in text
        and "0 more than 10% slower" in text
        and "| train: xor" in text.split("### Against", 1)[1]
    )
    assert "Against the baseline b.json</h2>" in (tmp_path / "against" / "index.html").read_text()


def test_regime_groups_report_fractions_of_the_measured_limits(tmp_path):
    """The regime groups (quick profile, a cheap subset): each achieved rate beside the
    limit measured in the same run, the fraction being their ratio."""
    out = tmp_path / "r.json"
    proc = pytest_run(
        "benchmarks/suite/bench_regimes.py",
        "-k",
        "(moons and 32) or triad or (thin and float64 and scratch)",
        *QUICK,
        f"--benchmark-json={out}",
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    benches = {b["name"]: b for b in json.loads(out.read_text())["benchmarks"]}
    assert len(benches) == len(IMPLEMENTATIONS) + 2, sorted(benches)  # moons-32 for each, triad, thin scratch
    for b in benches.values():
        e, median = b["extra_info"], b["stats"]["median"]
        if e["task"] == "triad":
            np.testing.assert_allclose(e["bytes_per_s"], e["bytes"] / median)
            continue
        np.testing.assert_allclose(e["gflops"], e["flops"] / median / 1e9)
        np.testing.assert_allclose(e["peak_fraction"], e["gflops"] / e["matmul_peak_gflops"])
        assert 0 < e["peak_fraction"] < 1.5 and e["mode"] == "harness", (b["name"], e)
    thin = benches["test_thin_network_step[float64-scratch]"]["extra_info"]
    np.testing.assert_allclose(thin["bandwidth_fraction"], thin["bytes_per_s"] / thin["stream_bytes_per_s"])
    assert thin["bytes"] > 0 and 0 < thin["bandwidth_fraction"] < 1.5, thin
    assert {b["group"] for b in benches.values() if b["extra_info"]["task"] == "moons"} == {
        "regime overhead: moons batch=32"
    }
