"""A small pytest plugin beside pytest-benchmark.

- Plain ``pytest`` runs each benchmark once as an ordinary test (pytest-benchmark's
  ``--benchmark-disable``), so the suite is also checked for correctness and nothing is
  skipped; ``pytest --benchmark-only`` (or ``--benchmark-enable``) times them, and
  deselects the tests that are not benchmarks (one "N deselected" in the summary instead of
  a SKIPPED line for each).
- Benchmarks that train to a target record ``accuracy`` and ``final_loss`` in
  ``extra_info``. pytest-benchmark cannot show custom metrics in its table, so this plugin
  prints them beside the timings after its tables, writes every benchmark with its
  ``extra_info`` to ``--scratchbench-csv``, and with ``--benchmark-compare`` fails the run
  when an accuracy dropped by more than ``--accuracy-compare-fail`` (as
  ``--benchmark-compare-fail`` does for time).
- Regressions of both kinds are reported together, in one block after the tables, and
  fail the run (exit 1) without pytest-benchmark's ``PerformanceRegression`` traceback;
  the CSV and the accuracy table are written whichever fails first.
"""

from __future__ import annotations

import csv
import os

import pytest

METRICS = ("accuracy", "final_loss")
# markers of benchmarks that a plain (untimed) test run leaves out: compiling modes, which
# tests/test_modes.py trains already, and batches of minutes, which their tests run small
UNTIMED_SKIP = ("compiles", "long")


def pytest_addoption(parser) -> None:
    group = parser.getgroup("scratchbench")
    group.addoption(
        "--accuracy-compare-fail",
        type=float,
        default=None,
        metavar="TOL",
        help="with --benchmark-compare: fail if a benchmark's accuracy is lower than the compared run's by more than "
        "TOL",
    )
    group.addoption(
        "--scratchbench-csv",
        default=None,
        metavar="PATH",
        help="write every benchmark's statistics and extra_info (accuracy, final loss, FLOPs, ...) to a CSV file",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config) -> None:
    """Before pytest-benchmark reads its options: time only when asked to. Registers the
    suite's ``compiles`` marker (benchmarks of compiling execution modes, whose warm-ups
    compile for seconds: ``-m "not compiles"`` leaves them out)."""
    config.addinivalue_line(
        "markers",
        "compiles: a benchmark of a compiling execution mode (warm-up compiles for seconds; -m 'not compiles' leaves "
        "it out)",
    )
    config.addinivalue_line(
        "markers",
        "long: a benchmark whose one round takes minutes (a batch of submissions; -m 'not long' leaves it out)",
    )
    opt = config.option
    if hasattr(opt, "benchmark_disable") and not (
        getattr(opt, "benchmark_only", False) or getattr(opt, "benchmark_enable", False)
    ):
        opt.benchmark_disable = True


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items) -> None:
    """Under ``--benchmark-only``, deselect the tests that take no ``benchmark`` fixture
    (before pytest-benchmark marks each one skipped). A plain test run (timing off)
    deselects the ``compiles`` and ``long`` benchmarks unless ``-m`` names markers: run once
    untimed they would only compile (tens of seconds) or take minutes, and their tests
    (``tests/test_modes.py``, ``tests/test_validate_batch.py``) cover them at small size."""
    timing = getattr(config.option, "benchmark_only", False) or getattr(config.option, "benchmark_enable", False)
    if not timing and not config.option.markexpr:
        costly = [item for item in items if any(item.get_closest_marker(m) for m in UNTIMED_SKIP)]
        if costly:
            config.hook.pytest_deselected(items=costly)
            items[:] = [item for item in items if item not in costly]
    if not getattr(config.option, "benchmark_only", False):
        return
    keep = [item for item in items if "benchmark" in getattr(item, "fixturenames", ())]
    dropped = [item for item in items if "benchmark" not in getattr(item, "fixturenames", ())]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


def _benchmarks(config) -> list:
    session = getattr(config, "_benchmarksession", None)
    return [
        b for b in (session.benchmarks if session else []) if b and getattr(b, "has_error", False) is False and b.stats
    ]


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """After pytest-benchmark's tables: the training benchmarks' accuracy beside their
    time, then every regression (time and accuracy) in one block."""
    tr = terminalreporter
    benches = [b for b in _benchmarks(config) if any(k in b.extra_info for k in METRICS)]
    if benches:
        tr.write_sep("-", "benchmarks that train: timing beside accuracy and final loss")
        width = max(len(b.name) for b in benches)
        tr.write_line(
            f"{'name':<{width}}  {'median (s)':>11}  {'iqr (s)':>9}  {'rounds':>6}  {'accuracy':>8}  "
            f"{'final loss':>10}  reached target"
        )
        for b in sorted(benches, key=lambda b: (b.group or "", b.name)):
            s = b.stats
            acc, loss = b.extra_info.get("accuracy", float("nan")), b.extra_info.get("final_loss", float("nan"))
            tr.write_line(
                f"{b.name:<{width}}  {s.median:>11.4g}  {s.iqr:>9.3g}  {s.rounds:>6}  {acc:>8.4f}  {loss:>10.4g}  "
                f"{b.extra_info.get('reached_target', '')}"
            )
    lines = getattr(config, "_scratchbench_regressions", [])
    if lines:
        tr.write_sep("=", f"{len(lines)} regression(s) against the compared run", red=True)
        for line in lines:
            tr.write_line(line, red=True)
    path = getattr(config, "_scratchbench_csv_written", None)
    if path:
        tr.write_line(f"wrote {path}")


def _write_csv(config) -> str | None:
    """``--scratchbench-csv``: every benchmark's statistics and ``extra_info``; its path."""
    path = config.getoption("scratchbench_csv")
    benches = _benchmarks(config)
    if not path or not benches:
        return None
    extra_keys = sorted({k for b in benches for k in b.extra_info})
    stats = ("min", "max", "mean", "stddev", "median", "iqr", "ops", "rounds", "iterations")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["group", "name", *stats, *extra_keys])
        for b in benches:
            values = [getattr(b.stats, k) if hasattr(b.stats, k) else getattr(b, k, "") for k in stats]
            writer.writerow([b.group, b.name, *values, *(b.extra_info.get(k, "") for k in extra_keys)])
    return path


def accuracy_drops(current: dict[str, dict], compared: dict[str, dict], tol: float) -> list[str]:
    """Benchmarks (by full name) whose accuracy fell by more than ``tol``."""
    out = []
    for name, bench in current.items():
        old = compared.get(name, {}).get("extra_info", {}).get("accuracy")
        new = bench.get("extra_info", {}).get("accuracy")
        if old is not None and new is not None and old - new > tol:
            out.append(f"{name}: accuracy {new:.4f} < {old:.4f} - {tol:g}")
    return out


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus) -> None:
    """After pytest-benchmark has compared the run (its ``finish``), before anything is
    displayed: write the CSV, collect the time regressions it found (taking them from it,
    so that it does not raise ``PerformanceRegression`` with a traceback mid-report) and
    the accuracy drops, and fail the run when there are any."""
    config = session.config
    config._scratchbench_csv_written = _write_csv(config)
    bsession = getattr(config, "_benchmarksession", None)
    tol = config.getoption("accuracy_compare_fail")
    lines = []
    if bsession is not None:
        lines += [f"time: {name}: {fail}" for name, fail in bsession.performance_regressions]
        bsession.performance_regressions = []
    if tol is not None and bsession is not None:
        if not getattr(bsession, "compared_mapping", None):
            raise pytest.UsageError("--accuracy-compare-fail needs --benchmark-compare (a saved run to compare with)")
        current = {b.fullname: {"extra_info": b.extra_info} for b in _benchmarks(config)}
        lines += [
            f"accuracy: {d}"
            for mapping in bsession.compared_mapping.values()
            for d in accuracy_drops(current, mapping, tol)
        ]
    config._scratchbench_regressions = lines
    if lines:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
