"""``scratchbench validate`` as its users run it: one network from the command line (start-up
included, split into its parts), and a class of 40 submissions judged in one batch.

Both run the command in a fresh process, as a user's shell does, so the framework imports are
in the time. Each checks the verdicts it timed, so a fast wrong judge cannot look good.

- One network: seed 003's spiral network (``examples/seed003_spiral.py:trainable``), 100 steps,
  against torch and against torch and Keras. ``extra_info`` holds the run's own split (start-up,
  your code, twins, comparison, diagnosis) from its last line; the rest of the wall time is the
  interpreter and the command's own imports. Each framework loads in a twin host process of its
  own (``reference_impls.validation.twinhost``), side by side with the others and with the
  user's code: start-up is the judge's wait until the slowest framework has loaded and built
  its twin, and twins is its waits on the hosts' steps. ``load_1min`` is the machine's load
  average at the end of the last round: on 2 busy cores the split moves with it.
- A class (marker ``long``, about two minutes a round: left out of plain test runs and of
  ``make bench-quick``; ``make bench`` times it): 30 correct, 6 buggy and 4 broken submissions
  (``classroom.py``), one of which hangs until ``--timeout``, 50 steps each against the default
  frameworks, ``--jobs 2``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from benchmarks.suite.classroom import write_class
from benchmarks.suite.helpers import info

ROOT = Path(__file__).resolve().parents[2]
NETWORK = "examples/seed003_spiral.py:trainable"
CLASS_TIMEOUT = 10  # seconds of a submission's own code: the hanging one costs this much of the batch
BOUND = 900  # no run of the command may outlast this (a hung judge fails the benchmark, not the suite)


def scratchbench(*args: str) -> subprocess.CompletedProcess:
    """``python -m benchmarks ARGS`` in a fresh process at the project root."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    command = [sys.executable, "-m", "benchmarks", *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=BOUND, env=env)


def time_split(stdout: str) -> dict[str, float]:
    """The run's own split of its time, from its last line: ``time: start-up 2.1 s, your code ...``."""
    line = next(ln for ln in reversed(stdout.splitlines()) if ln.strip().startswith("time: "))
    parts = (p.strip().rsplit(" ", 2) for p in line.strip()[len("time: ") :].split(","))
    return {f"seconds_{name.replace(' ', '_').replace('-', '_')}": float(value) for name, value, _ in parts}


@pytest.mark.parametrize("against", ["torch", "torch,keras"], ids=["vs-torch", "vs-torch-keras"])
def test_validate_one_network(benchmark, against):
    runs = []

    def once():
        runs.append(scratchbench("validate", NETWORK, "--task", "spiral", "--steps", "100", "--against", against))

    benchmark.group = "validate: one network from the command line (seed 003 spiral, 100 steps, start-up included)"
    benchmark.pedantic(once, rounds=3, warmup_rounds=0, iterations=1)
    proc = runs[-1]
    assert proc.returncode == 0 and "PASS" in proc.stdout, proc.stdout + proc.stderr[-2000:]
    info(
        benchmark,
        against=against,
        steps=100,
        task="spiral",
        load_1min=round(os.getloadavg()[0], 2),
        **time_split(proc.stdout),
    )


@pytest.mark.long
def test_validate_a_class(benchmark, tmp_path):
    subs = tmp_path / "subs"
    expected = write_class(subs)
    runs = []

    def once():
        out = tmp_path / f"out{len(runs)}"
        target = f"{subs}/*.py:network"
        args = ("--task", "spiral", "--steps", "50", "--jobs", "2", "--timeout", str(CLASS_TIMEOUT), "--out", str(out))
        runs.append((out, scratchbench("validate", target, *args)))

    benchmark.group = "validate: a class of 40 submissions (50 steps, --jobs 2, one hangs until --timeout)"
    benchmark.pedantic(once, rounds=1, warmup_rounds=0, iterations=1)
    out, proc = runs[-1]
    table = pd.read_parquet(out / "submissions.parquet")
    got = {Path(s.split(":")[0]).stem: status for s, status in zip(table.submission, table.status)}
    wrong = {k: (got.get(k), v) for k, v in expected.items() if got.get(k) != v}
    assert not wrong, f"verdicts (ours, expected) that differ: {wrong}\n{proc.stdout[-3000:]}"
    counts = table.status.value_counts()
    info(
        benchmark,
        submissions=len(table),
        passed=int(counts.get("pass", 0)),
        failed=int(counts.get("fail", 0)),
        errors=int(counts.get("error", 0)),
        timeout=CLASS_TIMEOUT,
        jobs=2,
        steps=50,
        median_submission_seconds=float(table.seconds.median()),
    )
