"""The results store never loses a recorded run: one test per data-loss case of issue 10,
each ending with every recorded run in ``runs.parquet`` or a clear one-line refusal that
changed nothing. Signals are sent only after a record file exists (bounded polls on the
file system, no sleeps racing the process)."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest

from benchmarks.harness import config as cfgmod
from benchmarks.harness.sweep import run_sweep
from benchmarks.results import ResultsError
from benchmarks.results.store import ResultsStore
from tests.test_cli import ROOT, run, scratchbench

QUICK = ["--tasks", "xor", "--impls", "scratch", "--seeds", "3", "--epochs", "20"]
# Long enough that it is still running when its first record appears (20 runs of ~1 s).
SLOW = ["--tasks", "spiral", "--impls", "scratch", "--seeds", "20", "--epochs", "1500"]


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (but the lock) and its bytes: 'nothing changed' is equality."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


def records(folder: Path) -> set[str]:
    return {p.stem for p in (folder / "records").glob("*.json")}


def table_ids(folder: Path) -> set[str]:
    return set(pd.read_parquet(folder / "runs.parquet")["run_id"])


def wait_for_record(folder: Path, proc: subprocess.Popen, timeout: float = 180) -> None:
    """Bounded poll until the sweep has written its first record (or has exited)."""
    deadline = time.monotonic() + timeout
    while not records(folder):
        assert proc.poll() is None, (
            f"the sweep exited ({proc.returncode}) before recording a run: {proc.stderr.read()[-2000:]}"
        )
        assert time.monotonic() < deadline, "no record appeared"
        time.sleep(0.05)


def start(out: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [scratchbench(), "run", *args, "--out", str(out)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def one_line_error(proc, *needles: str) -> None:
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert len(lines) == 1 and all(n in lines[0] for n in needles), lines


@pytest.fixture
def swept(tmp_path) -> Path:
    out = tmp_path / "res"
    assert run(scratchbench(), "run", *QUICK, "--out", str(out)).returncode == 0
    return out


def test_resume_with_another_config_refuses_naming_the_keys(swept):
    before = snapshot(swept)
    proc = run(
        scratchbench(),
        "run",
        "--tasks",
        "and",
        "--impls",
        "scratch",
        "--seeds",
        "2",
        "--epochs",
        "20",
        "--out",
        str(swept),
        "--resume",
    )
    one_line_error(proc, "another configuration", "differs in: seeds, tasks")
    assert snapshot(swept) == before


def test_resume_and_overwrite_together_is_a_usage_error(swept):
    before = snapshot(swept)
    proc = run(scratchbench(), "run", *QUICK, "--out", str(swept), "--resume", "--overwrite")
    one_line_error(proc, "--resume and --overwrite contradict each other")
    assert snapshot(swept) == before and len(records(swept)) == 3


def test_tables_without_records_are_never_overwritten(swept):
    import shutil

    shutil.rmtree(swept / "records")
    before = snapshot(swept)
    proc = run(
        scratchbench(),
        "run",
        "--tasks",
        "spiral",
        "--impls",
        "scratch",
        "--seeds",
        "1",
        "--epochs",
        "5",
        "--out",
        str(swept),
    )
    one_line_error(proc, "already holds", "runs.parquet", "--resume")
    proc = run(scratchbench(), "run", *QUICK, "--out", str(swept), "--resume")
    one_line_error(proc, "lists 3 run(s) with no record", "--overwrite")
    assert snapshot(swept) == before and len(pd.read_parquet(swept / "runs.parquet")) == 3


def test_a_second_writer_is_refused_while_the_first_records_everything(tmp_path):
    out = tmp_path / "res"
    first = start(out, *SLOW)
    try:
        wait_for_record(out, first)
        second = run(
            scratchbench(),
            "run",
            "--tasks",
            "xor",
            "--impls",
            "scratch",
            "--seeds",
            "2",
            "--epochs",
            "5",
            "--out",
            str(out),
            "--resume",
        )
        one_line_error(second, "is being written by another scratchbench command")
        first.send_signal(signal.SIGINT)  # no need to wait for all 20 runs
        first.communicate(timeout=300)
    finally:
        first.kill() if first.poll() is None else None
    assert table_ids(out) == records(out) and len(records(out)) >= 1


def test_sigterm_writes_tables_and_manifest_and_exits_143(tmp_path):
    out = tmp_path / "res"
    proc = start(out, *SLOW)
    wait_for_record(out, proc)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 143 and "terminated; finished runs are saved" in stderr and "Traceback" not in stderr, (
        stderr[-2000:]
    )
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"] is False and manifest["runs_recorded"] == len(records(out))
    assert table_ids(out) == records(out)


def test_after_sigkill_report_and_resume_rebuild_from_the_records(tmp_path):
    out = tmp_path / "res"
    proc = start(out, *SLOW)
    wait_for_record(out, proc)
    proc.kill()
    proc.communicate(timeout=60)
    recorded = records(out)
    assert recorded and not (out / "runs.parquet").exists()  # killed before its tables
    rep = run(scratchbench(), "report", str(out), "--out", str(tmp_path / "report"), timeout=300)
    assert rep.returncode == 0, rep.stderr[-2000:]
    assert "rebuilt the tables" in rep.stderr and table_ids(out) == recorded
    resumed = run(scratchbench(), "run", *SLOW, "--out", str(out), "--resume", timeout=600)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert len(table_ids(out)) == 20 and recorded <= table_ids(out)


def test_a_corrupt_record_is_named_then_moved_aside_and_rerun(swept, tmp_path):
    victim = sorted((swept / "records").glob("*.json"))[0]
    victim.write_text(victim.read_text()[:200])  # truncated mid-write
    rep = run(scratchbench(), "report", str(swept), "--out", str(tmp_path / "report"))
    one_line_error(rep, str(victim), "not a readable run record", "--resume")
    proc = run(scratchbench(), "run", *QUICK, "--out", str(swept), "--resume")
    assert proc.returncode == 0 and "moved unreadable record" in proc.stderr and victim.name in proc.stderr, proc.stderr
    assert (swept / "records" / "corrupt" / victim.name).exists()
    assert len(table_ids(swept)) == 3 and table_ids(swept) == records(swept)


def test_resume_reruns_failed_runs_and_keeps_the_others(tmp_path, monkeypatch):
    import reference_impls.torch_impl as torch_impl

    cfg = cfgmod.from_mapping({"tasks": "xor", "impls": "scratch,torch", "seeds": 2, "epochs": 5})
    real = torch_impl.TorchImplementation._step

    def broken(self, X, y):
        raise RuntimeError("simulated crash")

    monkeypatch.setattr(torch_impl.TorchImplementation, "_step", broken)
    first = run_sweep(cfg, str(tmp_path))
    assert first.runs.set_index("impl")["status"].loc["torch"].tolist() == ["failed", "failed"]
    kept = {
        p.name: p.read_bytes()
        for p in (tmp_path / "records").glob("*.json")
        if json.loads(p.read_text())["run"]["impl"] == "scratch"
    }
    monkeypatch.setattr(torch_impl.TorchImplementation, "_step", real)
    done = []
    resumed = run_sweep(cfg, str(tmp_path), resume=True, progress=lambda i, n, what: done.append(what))
    assert (resumed.runs["status"] == "ok").all() and len(resumed.runs) == 4
    assert sorted(done) == ["xor torch seed 0", "xor torch seed 1"]  # only the failed runs ran again
    assert {name: (tmp_path / "records" / name).read_bytes() for name in kept} == kept


def test_other_commands_write_and_read_named_tables(tmp_path):
    store = ResultsStore(tmp_path)
    df = pd.DataFrame({"impl": ["scratch", "torch"], "step": [0, 1], "tensor": ["W0", "b0"], "ours": [0.5, 0.25]})
    paths = store.write_table("validation", df)
    assert [Path(p).name for p in paths] == ["validation.parquet", "validation.csv"]
    pd.testing.assert_frame_equal(store.read_table("validation"), df)
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "validation.csv"), df)
    assert store.read_table("absent") is None
    with pytest.raises(ResultsError, match="must be letters"):
        store.write_table("../escape", df)


def test_records_of_an_older_version_are_read_under_the_new_names(swept):
    """A folder written before the tidy tables: environment columns on every run, the
    confusion matrix as a JSON string, ``time_to_target`` / ``train_seconds``. Rebuilt, it
    gives the same tables as this version writes."""
    store = ResultsStore(swept)
    new = {t: store.read_table(t) for t in ("runs", "curves", "confusion", "environment")}
    env = new["environment"].iloc[0].to_dict()
    for path in sorted((swept / "records").glob("*.json")):
        rec = json.loads(path.read_text())
        row = rec["run"]
        row.pop("env_id")
        row.update({k: (str(v) if k == "env_cpu_count" else v) for k, v in env.items() if k != "env_id"})
        row["time_to_target"] = row.pop("t_to_target")
        row["sk_confusion_matrix"] = json.dumps(rec.pop("confusion"))
        rec.pop("environment")
        rec["curves"] = [
            {("train_seconds" if k == "t_train_so_far" else k): v for k, v in c.items()} for c in rec["curves"]
        ]
        path.write_text(json.dumps(rec))
    (swept / "confusion.parquet").unlink()  # as an older folder: no such table yet
    proc = run(scratchbench(), "report", str(swept), "--out", str(swept / "report"))
    assert proc.returncode == 0 and "rebuilt the tables" in proc.stderr, proc.stderr[-2000:]
    for name, df in new.items():
        pd.testing.assert_frame_equal(store.read_table(name), df, check_exact=False)
