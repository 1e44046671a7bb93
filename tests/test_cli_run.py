"""`scratchbench run` and `scratchbench tasks` as a user runs them: a small sweep,
interrupted with Ctrl-C, resumed, and compared with an uninterrupted one."""

from __future__ import annotations

import json
import signal
import subprocess
import time

import pandas as pd
import pytest

from tests.test_cli import ROOT, run, scratchbench

# Long enough (a few seconds per spiral run) that it is still running when Ctrl-C comes.
SWEEP = ["--tasks", "xor,spiral", "--impls", "scratch,torch", "--seeds", "2", "--epochs", "2000"]
NOT_TIMING = lambda df: df[[c for c in df if not c.startswith(("t_", "load_1m_"))]]  # noqa: E731


def test_interrupt_then_resume_matches_an_uninterrupted_sweep(tmp_path):
    out = tmp_path / "interrupted"
    proc = subprocess.Popen(
        [scratchbench(), "run", *SWEEP, "--out", str(out)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    records = out / "records"
    # Wait (bounded) for a finished record; "[!.]" skips the temporary file a record is
    # written through, which a plain "*.json" saw before the record existed.
    deadline = time.monotonic() + 600
    while not (records.is_dir() and list(records.glob("[!.]*.json"))) and proc.poll() is None:
        assert time.monotonic() < deadline, "no run finished within 600 s"
        time.sleep(0.05)
    assert proc.poll() is None, "the sweep ended before it could be interrupted"
    proc.send_signal(signal.SIGINT)  # Ctrl-C
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr[-2000:]
    assert "interrupted; finished runs are saved" in stderr and "--resume" in stderr and "Traceback" not in stderr
    saved = len(list(records.glob("[!.]*.json")))
    assert 1 <= saved < 8  # of 2 tasks x 2 implementations x 2 seeds
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"] is False and manifest["runs_recorded"] == saved
    assert len(pd.read_parquet(out / "runs.parquet")) == saved

    again = run(scratchbench(), "run", *SWEEP, "--out", str(out), timeout=600)
    assert again.returncode == 2 and "already holds" in again.stderr and "--resume" in again.stderr
    resumed = run(scratchbench(), "run", *SWEEP, "--out", str(out), "--resume", timeout=600)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "Summary over seeds" in resumed.stdout and "spiral" in resumed.stdout

    reference = tmp_path / "uninterrupted"
    assert run(scratchbench(), "run", *SWEEP, "--out", str(reference), timeout=600).returncode == 0
    for name in ("runs", "curves", "summary"):
        a, b = pd.read_parquet(out / f"{name}.parquet"), pd.read_parquet(reference / f"{name}.parquet")
        pd.testing.assert_frame_equal(NOT_TIMING(a), NOT_TIMING(b))
    assert json.loads((out / "manifest.json").read_text())["complete"] is True


def test_config_file_and_flags(tmp_path):
    cfg = tmp_path / "sweep.toml"
    cfg.write_text(
        'tasks = ["spiral"]\nimpls = "scratch,sklearn"\nseeds = [3]\n'
        "[task.spiral]\nn_per_class = 40\nepochs = 30\n[task.spiral.spec]\nlr = 0.5\n"
    )
    proc = run(scratchbench(), "run", "--config", str(cfg), "--impls", "scratch", "--out", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    runs = pd.read_parquet(tmp_path / "out" / "runs.parquet")
    assert runs[["task", "impl", "seed", "epochs", "steps"]].values.tolist() == [["spiral", "scratch", 3, 30, 30]]
    assert json.loads(runs["spec"][0])["lr"] == 0.5
    assert (
        json.loads((tmp_path / "out" / "manifest.json").read_text())["tasks"]["spiral"]["params"]["n_per_class"] == 40
    )


@pytest.mark.parametrize(
    "args,message",
    [
        (["--tasks", "xor,nope"], "unknown task 'nope'"),
        (["--impls", "caffe"], "unknown implementation(s) caffe"),
        (["--seeds", "0"], "seeds must be a positive integer, got 0"),
        (["--config", "missing.toml"], "config file 'missing.toml' not found"),
        (["--jobs", "0"], "--jobs must be at least 1"),
    ],
)
def test_run_bad_input(args, message, tmp_path):
    proc = run(scratchbench(), "run", *args, "--out", str(tmp_path / "o"))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "o" / "runs.parquet").exists()


def test_bad_config_file_contents(tmp_path):
    for text, message in [
        ("tasks = [\n", "is not valid TOML"),
        ("epoch = 3\n", "unknown config key(s) epoch; valid keys: tasks"),
        ('[spec]\nactivation = "relu"\n', "[spec]: unknown spec field(s) activation"),
        ("[spec]\nlr = -1.0\n", "lr must be a positive number, got -1.0"),
    ]:
        cfg = tmp_path / "bad.toml"
        cfg.write_text(text)
        proc = run(scratchbench(), "run", "--config", str(cfg), "--out", str(tmp_path / "o"))
        assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr, (text, proc.stderr)


def test_unwritable_out_and_existing_results_are_kept(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("keep me\n")
    proc = run(scratchbench(), "run", "--tasks", "xor", "--seeds", "1", "--out", str(blocker / "sub"))
    assert proc.returncode == 2 and "cannot write to output folder" in proc.stderr
    assert blocker.read_text() == "keep me\n"


def test_tasks_lists_every_task():
    proc = run(scratchbench(), "tasks")
    assert proc.returncode == 0
    for name in ("and", "xnor", "not", "parity3", "spiral", "moons", "circles", "digits", "mnist"):
        assert f"│ {name} " in proc.stdout
    assert "1,437 / 360" in proc.stdout and "train_accuracy >= 0.95" in proc.stdout and "your files" in proc.stdout


def test_the_docs_document_every_column():
    from benchmarks.results.schema import TABLES

    page = (ROOT / "docs" / "columns.md").read_text()
    missing = [f"{t}.{c}" for t, cols in TABLES.items() for c in cols if f"`{c}`" not in page]
    assert not missing, f"docs/columns.md lacks: {missing} (regenerate it: python -m benchmarks.results.columns_page)"


def test_quiet_prints_only_the_final_line_and_verbose_a_line_per_run(tmp_path):
    args = ["run", "--tasks", "xor", "--impls", "scratch", "--seeds", "2", "--epochs", "5"]
    quiet = run(scratchbench(), *args, "-q", "--out", str(tmp_path / "q"))
    assert quiet.returncode == 0 and quiet.stderr == "", quiet.stderr
    assert quiet.stdout.strip().splitlines() == [
        f"2 runs; tables written to {tmp_path / 'q'}/ (runs, curves, summary, confusion, "
        "environment as .parquet and .csv; manifest.json)"
    ]
    loud = run(scratchbench(), *args, "-v", "--out", str(tmp_path / "v"))
    assert (
        loud.returncode == 0 and "[1/2] xor scratch seed 0" in loud.stderr and "[2/2] xor scratch seed 1" in loud.stderr
    )
    assert "Summary over seeds" in loud.stdout
    both = run(scratchbench(), *args, "-q", "-v")
    assert (
        both.returncode == 2
        and "not allowed with argument" in both.stderr
        and len(both.stderr.strip().splitlines()) == 1
    )
