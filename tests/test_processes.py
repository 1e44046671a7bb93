"""Signals, worker processes and exits, as a user meets them: ``scratchbench run`` in its
own process. Every wait is bounded and waits on something that happens (a record file, an
exit status, a process gone), never on the clock, so these hold on a loaded machine
(tests/test_stress.py runs them again under CPU load)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.test_cli import ROOT, scratchbench

# Task-major: the spiral's four runs come first and take seconds each, so the sweep is
# still running when the first record appears and the signal is sent.
SWEEP = ["--tasks", "spiral,xor", "--impls", "scratch", "--seeds", "4", "--epochs", "3000"]
WAIT = 600.0  # seconds: the bound on any wait, generous for a machine under heavy load
ENV = {**os.environ, "COLUMNS": "160"}


def wait_for(condition: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
    """Poll ``condition`` until it holds; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up after {timeout:.0f} s waiting for {what}")
        time.sleep(0.02)


def records(out: Path) -> list[Path]:
    """Finished records (not the temporary files a record is written through)."""
    folder = out / "records"
    return sorted(folder.glob("[!.]*.json")) if folder.is_dir() else []


def start(args: list[str], ignore_sigint: bool = False) -> subprocess.Popen:
    """``scratchbench ARGS`` in a new session (so cleanup can reach every descendant). With
    ``ignore_sigint`` it starts with SIGINT ignored, as a background job of a
    non-interactive shell (and some CI runners) starts its children."""

    def setup() -> None:
        if ignore_sigint:
            signal.signal(signal.SIGINT, signal.SIG_IGN)

    return subprocess.Popen(
        [scratchbench(), *args],
        cwd=ROOT,
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=setup,
    )


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a process, None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return fields[0], int(fields[1])


def alive(pid: int) -> bool:
    stat = _stat(pid)
    return stat is not None and stat[0] not in ("Z", "X")  # a zombie has exited; only its entry is left


def descendants(pid: int) -> list[int]:
    """Every live process below ``pid``."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) and stat[0] not in ("Z", "X"):
            parents[int(entry.name)] = stat[1]
    found, frontier = [], [pid]
    while frontier:
        children = [p for p, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


@pytest.fixture
def processes():
    """Started processes, killed with their whole session at the end whatever happened."""
    started: list[subprocess.Popen] = []
    yield started
    for proc in started:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.communicate()


def interrupt_then_resume(out: Path, processes: list) -> None:
    """Ctrl-C a sweep that was started with SIGINT ignored: it must still stop (130),
    keep its finished runs, and ``--resume`` must complete it."""
    proc = start(["run", *SWEEP, "--out", str(out)], ignore_sigint=True)
    processes.append(proc)
    wait_for(lambda: records(out) or proc.poll() is not None, "the first record")
    assert proc.poll() is None, proc.communicate()[1][-2000:]
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=WAIT)
    assert proc.returncode == 130, stderr[-2000:]
    assert "interrupted; finished runs are saved" in stderr and "Traceback" not in stderr
    saved = len(records(out))
    manifest = json.loads((out / "manifest.json").read_text())
    assert 1 <= saved < 8 and manifest["complete"] is False and manifest["runs_recorded"] == saved
    resumed = subprocess.run(
        [scratchbench(), "run", *SWEEP, "--out", str(out), "--resume"],
        cwd=ROOT,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=WAIT,
    )
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert len(records(out)) == 8 and json.loads((out / "manifest.json").read_text())["complete"] is True


def terminate(out: Path, processes: list) -> None:
    """SIGTERM: like Ctrl-C, but exit 143."""
    proc = start(["run", *SWEEP, "--out", str(out)])
    processes.append(proc)
    wait_for(lambda: records(out) or proc.poll() is not None, "the first record")
    assert proc.poll() is None, proc.communicate()[1][-2000:]
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=WAIT)
    assert proc.returncode == 143 and "terminated; finished runs are saved" in stderr and "Traceback" not in stderr, (
        stderr[-2000:]
    )
    assert json.loads((out / "manifest.json").read_text())["runs_recorded"] == len(records(out)) >= 1


def workers_die_with_the_sweep(out: Path, processes: list, signum: int) -> None:
    """``--jobs 2``: once the parent is gone (Ctrl-C, SIGTERM or SIGKILL), no worker of it
    (nor loky's resource tracker) is left running."""
    from benchmarks.harness.workers import usable_cores

    if usable_cores() < 2:
        pytest.skip("--jobs 2 is capped at 1 worker (no worker processes) on a one-core machine")
    proc = start(["run", *SWEEP, "--jobs", "2", "--out", str(out)])
    processes.append(proc)
    workers = lambda: [
        p for p in descendants(proc.pid) if "loky" in cmdline(p) and "resource_tracker" not in cmdline(p)
    ]  # noqa: E731
    wait_for(lambda: len(workers()) >= 2 or proc.poll() is not None, "two loky workers")
    wait_for(lambda: records(out) or proc.poll() is not None, "the first record")  # the workers are working
    assert proc.poll() is None, proc.communicate()[1][-2000:]
    below = descendants(proc.pid)
    assert len(workers()) >= 2
    os.kill(proc.pid, signum)
    _, stderr = proc.communicate(timeout=WAIT)
    assert proc.returncode == {signal.SIGINT: 130, signal.SIGTERM: 143, signal.SIGKILL: -signal.SIGKILL}[signum], (
        stderr[-2000:]
    )
    assert "Traceback" not in stderr
    wait_for(lambda: not any(alive(p) for p in below), f"the sweep's processes {below} to end after its parent")


def error_exit_is_prompt() -> None:
    """A bad --out ends the command before any framework is imported (importing TensorFlow
    and PyTorch, then tearing them down, is what kept a loaded machine's process alive
    long after it had printed its error)."""
    code = (
        "import sys; from benchmarks.cli import main; rc = main(['run', '--tasks', 'xor', '--seeds', '1', '--out', sys.argv[1]]); "
        "print(sorted(m for m in ('torch', 'tensorflow', 'keras', 'sklearn') if m in sys.modules)); sys.exit(rc)"
    )
    blocker = Path(os.environ.get("TMPDIR", "/tmp")) / f"scratchbench-blocker-{os.getpid()}"
    blocker.write_text("keep me\n")
    try:
        proc = subprocess.run(
            [sys.executable, "-c", code, str(blocker / "sub")],
            cwd=ROOT,
            env=ENV,
            capture_output=True,
            text=True,
            timeout=WAIT,
        )
        assert proc.returncode == 2 and proc.stdout.strip() == "[]", proc.stdout + proc.stderr
        assert proc.stderr.count("\n") == 1 and "cannot write to output folder" in proc.stderr
        assert blocker.read_text() == "keep me\n"
    finally:
        blocker.unlink()


def test_ctrl_c_stops_a_sweep_started_with_sigint_ignored(tmp_path, processes):
    interrupt_then_resume(tmp_path / "out", processes)


def test_sigterm_saves_and_exits_143(tmp_path, processes):
    terminate(tmp_path / "out", processes)


@pytest.mark.parametrize(
    "signum", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=["SIGINT", "SIGTERM", "SIGKILL"]
)
def test_workers_die_with_the_sweep(tmp_path, processes, signum):
    workers_die_with_the_sweep(tmp_path / "out", processes, signum)


def test_error_exit_imports_no_framework():
    error_exit_is_prompt()
