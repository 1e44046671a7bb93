"""``scratchbench validate 'subs/*.py:network'``: a class's submissions, each in its own
sandbox, one row each in the ``submissions`` table, and the count on the last line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from benchmarks.harness.batch import expand
from benchmarks.harness.validate import LoadError
from benchmarks.report.submissions import cause_kind
from benchmarks.results.schema import SUBMISSIONS

ROOT = Path(__file__).resolve().parents[1]
SUBMISSION = (
    "import sys\nsys.path.insert(0, {tests!r})\nimport misbehaving_nets as nets\n\n"
    "def network():\n    return nets.network({how!r})\n"
)


def _class(folder: Path, **hows: str | None) -> None:
    folder.mkdir()
    for name, how in hows.items():
        (folder / f"{name}.py").write_text(SUBMISSION.format(tests=str(ROOT / "tests"), how=how))


def batch(*args: str) -> subprocess.CompletedProcess:
    command = [
        sys.executable,
        "-m",
        "benchmarks",
        "validate",
        *args,
        "--task",
        "spiral",
        "--steps",
        "5",
        "--against",
        "torch",
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900, env=env)


def test_a_class_with_correct_buggy_and_broken_submissions(tmp_path):
    subs = tmp_path / "subs"
    _class(subs, correct=None, buggy="double_lr", exits="os_exit", hangs="loop")
    (subs / "broken.py").write_text("import not_a_module_anyone_has\n")
    (subs / "unnamed.py").write_text("def build():\n    pass\n")
    proc = batch(f"{subs}/*.py:network", "--jobs", "2", "--timeout", "5", "--out", str(tmp_path / "out"))
    assert proc.returncode == 1, proc.stdout + proc.stderr[-3000:]
    assert proc.stdout.strip().splitlines()[-1] == "6 submissions: 1 pass, 1 fail, 4 error", proc.stdout
    table = pd.read_parquet(tmp_path / "out" / "submissions.parquet")
    assert list(table.columns) == list(SUBMISSIONS)
    rows = {Path(s.split(":")[0]).stem: r for s, r in zip(table.submission, table.itertuples())}
    assert {k: r.status for k, r in rows.items()} == {
        "broken": "error",
        "buggy": "fail",
        "correct": "pass",
        "exits": "error",
        "hangs": "error",
        "unnamed": "error",
    }
    assert (rows["buggy"].step, rows["buggy"].phase) == (1, "update")
    assert "exited the process at step 2" in rows["exits"].cause and "did not finish within 5 s" in rows["hangs"].cause
    assert (
        "No module named 'not_a_module_anyone_has'" in rows["broken"].cause
        and "has no 'network'" in rows["unnamed"].cause
    )
    assert pd.isna(rows["correct"].step) and rows["correct"].cause == ""
    assert (tmp_path / "out" / "submissions.csv").exists()
    md = (tmp_path / "out" / "report" / "README.md").read_text()  # the class report, from the table
    assert (
        "**1 pass, 1 fail, 4 error**" in md
        and "## Most common causes" in md
        and "`" + f"{subs}/buggy.py:network`" in md
    )
    assert (
        "step 1, update, layers[0].weights" in md
        and "4 error" in (tmp_path / "out" / "report" / "index.html").read_text()
    )


def test_causes_count_once_whatever_differs_between_submissions():
    a = "your code exited the process at step 2 (os._exit(0) in SGD.update_params (a.py:14), called as optimizer.update_params)"
    b = "your code exited the process at step 7 (os._exit(1) in SGD.update_params (b.py:90), called as optimizer.update_params)"
    assert (
        cause_kind(a)
        == cause_kind(b)
        == (
            "your code exited the process at step N (os._exit(N) in SGD.update_params, "
            "called as optimizer.update_params)"
        )
    )
    assert (
        cause_kind("importing x/s1.py raised ModuleNotFoundError: No module named 'nope'")
        == "importing FILE raised ModuleNotFoundError: No module named '…'"
    )


def test_a_folder_of_passing_submissions_exits_0(tmp_path):
    _class(tmp_path / "subs", a=None, b=None)
    proc = batch(str(tmp_path / "subs"))
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    assert proc.stdout.strip().splitlines()[-1] == "2 submissions: 2 pass, 0 fail, 0 error"


def test_resume_judges_only_the_submissions_not_yet_in_the_table(tmp_path):
    subs, out = tmp_path / "subs", str(tmp_path / "out")
    _class(subs, a=None, b="double_lr")
    assert batch(str(subs), "--out", out).returncode == 1
    (subs / "c.py").write_text(SUBMISSION.format(tests=str(ROOT / "tests"), how=None))
    proc = batch(str(subs), "--out", out, "--resume")
    assert proc.returncode == 1, proc.stdout + proc.stderr[-3000:]
    judged = [line for line in proc.stdout.splitlines() if line.startswith(("PASS", "FAIL", "ERROR"))]
    assert judged == [f"PASS  {subs}/c.py:network"], proc.stdout  # a and b were kept, not judged again
    assert proc.stdout.strip().splitlines()[-1] == "3 submissions: 2 pass, 1 fail, 0 error"
    assert list(pd.read_parquet(f"{out}/submissions.parquet").status) == ["pass", "fail", "pass"]


def test_expand_names_the_submissions(tmp_path):
    for name in ("b.py", "a.py", "notes.txt"):
        (tmp_path / name).write_text("")
    assert expand(f"{tmp_path}/*.py:net") == [f"{tmp_path}/a.py:net", f"{tmp_path}/b.py:net"]
    assert expand(str(tmp_path)) == [f"{tmp_path}/a.py:network", f"{tmp_path}/b.py:network"]
    assert expand(f"{tmp_path}/a.py:network") is None
    with pytest.raises(LoadError, match="no Python files match"):
        expand(f"{tmp_path}/*.ipynb:network")


def test_a_class_judged_on_a_dask_cluster_gives_the_same_rows(tmp_path):
    """--backend dask: the submissions are judged on a local cluster's workers, each still in
    its own sandbox; the rows come back and the table is written here, as locally."""
    subs = tmp_path / "subs"
    _class(subs, correct=None, buggy="double_lr", exits="os_exit")
    proc = batch(
        f"{subs}/*.py:network", "--backend", "dask", "--jobs", "2", "--timeout", "20", "--out", str(tmp_path / "out")
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr[-3000:]
    assert proc.stdout.strip().splitlines()[-1] == "3 submissions: 1 pass, 1 fail, 1 error", proc.stdout
    table = pd.read_parquet(tmp_path / "out" / "submissions.parquet")
    status = {Path(s.split(":")[0]).stem: v for s, v in zip(table.submission, table.status)}
    assert status == {"buggy": "fail", "correct": "pass", "exits": "error"}, table


def test_a_scheduler_without_the_dask_backend_is_refused_in_one_line(tmp_path):
    subs = tmp_path / "subs"
    _class(subs, correct=None, buggy="double_lr")
    proc = batch(f"{subs}/*.py:network", "--scheduler", "tcp://127.0.0.1:1")
    assert proc.returncode == 2 and "add --backend dask" in proc.stderr and "Traceback" not in proc.stderr, proc.stderr


def test_the_benchmarks_generated_class_is_judged_right(tmp_path):
    """The class ``make bench`` times (benchmarks/suite/classroom.py), small: every correct
    variant passes, each classic mistake fails where it is made, each broken file is an error."""
    from benchmarks.suite.classroom import write_class

    expected = write_class(tmp_path / "subs", correct=2, buggy=6, broken=4)
    proc = batch(f"{tmp_path}/subs/*.py:network", "--jobs", "2", "--timeout", "5", "--out", str(tmp_path / "out"))
    table = pd.read_parquet(tmp_path / "out" / "submissions.parquet")
    got = {Path(s.split(":")[0]).stem: r for s, r in zip(table.submission, table.itertuples())}
    assert {k: r.status for k, r in got.items()} == expected, proc.stdout
    phases = {k: (r.step, r.phase) for k, r in got.items() if r.status == "fail"}
    assert phases == {
        "buggy00_no_batch_mean": (1, "gradient"),
        "buggy01_plus_update": (1, "update"),
        "buggy02_relu_grad_dropped": (1, "gradient"),
        "buggy03_onehot_forgotten": (1, "gradient"),
        "buggy04_bias_grad_mean": (1, "gradient"),
        "buggy05_lr_decays": (1, "update"),
    }, proc.stdout
    named = {  # the cause each classic mistake is named by (the 0.99 lr decay inside a step is not in the catalogue)
        "buggy00_no_batch_mean": "divide the loss gradient by the batch size",
        "buggy01_plus_update": "every layer's weights move uphill",
        "buggy02_relu_grad_dropped": "relu derivative is dropped",
        "buggy03_onehot_forgotten": "the targets are never subtracted",
        "buggy04_bias_grad_mean": "every layer's bias gradient is off by 1 / the batch size",
    }
    unnamed = {k: got[k].cause for k, words in named.items() if words not in got[k].cause}
    assert not unnamed, unnamed
    assert "(broken00_syntax_error.py:1)" in got["broken00_syntax_error"].cause
    assert "did not finish within 5 s" in got["broken03_hangs"].cause
