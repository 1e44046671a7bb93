"""The interrupt/resume, SIGTERM, orphan and error-exit tests again, while CPU-bound load
processes (twice as many as cores) compete for the machine: they must hold under load,
since their waits are on events (a record file, an exit status, a process gone) with
bounds, never on the clock. The load is bounded too: each load process stops at the end of
the test, when this test process is gone, or after LOAD_SECONDS, whichever comes first."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

from benchmarks.harness.workers import usable_cores
from tests import test_processes as tp

LOAD_SECONDS = 900
LOAD = (
    "import os, time\n"
    "parent, end = os.getppid(), time.monotonic() + {seconds}\n"
    "while time.monotonic() < end and os.getppid() == parent:\n"
    "    sum(i * i for i in range(10000))\n"
)


@pytest.fixture
def load():
    """2 x cores busy processes for the length of one test."""
    procs = [
        subprocess.Popen([sys.executable, "-c", LOAD.format(seconds=LOAD_SECONDS)]) for _ in range(2 * usable_cores())
    ]
    yield procs
    for proc in procs:
        proc.send_signal(signal.SIGKILL)
        proc.wait()


def test_signals_orphans_and_errors_hold_under_load(tmp_path, load, processes):
    assert all(proc.poll() is None for proc in load)
    tp.interrupt_then_resume(tmp_path / "interrupted", processes)
    tp.terminate(tmp_path / "terminated", processes)
    tp.workers_die_with_the_sweep(tmp_path / "killed", processes, signal.SIGKILL)
    tp.error_exit_is_prompt()
    assert all(proc.poll() is None for proc in load), "the load ran for the whole test"


processes = tp.processes  # the fixture that kills whatever a test started
