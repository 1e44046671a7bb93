"""The command line as a user runs it, and the promise that ``scratch`` needs NumPy only."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from reference_impls import FRAMEWORKS

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        args, cwd=ROOT, capture_output=True, text=True, timeout=timeout, env={**os.environ, "COLUMNS": "160"}
    )


def scratchbench() -> str:
    exe = BIN / "scratchbench"
    if not exe.exists():
        pytest.fail(f"the console script is not installed at {exe}; run 'make test' (it installs the project)")
    return str(exe)


def test_demo_prints_loss_and_accuracy():
    proc = run(scratchbench(), "demo")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    for task in ("xor (seed 001 net)", "and", "nand", "xnor", "spiral (300 points, 3 classes)"):
        assert task in out
    assert out.count("100.0%") >= 7  # the tutorial XOR net and all six gates
    assert "For input [0, 0] output is 0" in out and "For input [1, 0] output is 1" in out


def test_module_entry_point_matches_console_script():
    module, script = run(sys.executable, "-m", "benchmarks", "--help"), run(scratchbench(), "--help")
    assert module.returncode == script.returncode == 0
    assert module.stdout == script.stdout and all(
        cmd in module.stdout for cmd in ("demo", "check", "tasks", "run", "report", "scale")
    )


@pytest.mark.parametrize("args", [["frobnicate"], ["demo", "--seed", "x"], []])
def test_bad_usage_is_one_clear_error(args):
    proc = run(scratchbench(), *args)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert re.match(r"scratchbench( \w+)?: error: ", proc.stderr.strip().splitlines()[-1])


def test_import_scratch_loads_no_framework():
    code = (
        "import sys, scratch; print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'torch','tensorflow','keras','sklearn','scipy','pandas','jax'}))"
    )
    proc = run(sys.executable, "-c", code)
    assert proc.returncode == 0 and proc.stdout.strip() == "[]", proc.stdout + proc.stderr


def test_scratch_sources_import_numpy_only():
    allowed = {
        "numpy",
        "__future__",
        "collections",
        "contextlib",
        "dataclasses",
        "typing",
        "math",
        "types",
    }  # NumPy and the stdlib
    for path in (ROOT / "scratch").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module]
            else:
                continue
            for name in names:
                assert name.split(".")[0] in allowed, f"{path.name} imports {name}"


def test_check_writes_tables_and_exits_zero(tmp_path):
    import pandas as pd

    out = tmp_path / "eq"
    proc = run(
        scratchbench(),
        "check",
        "--tasks",
        "xor",
        "--configs",
        "sgd-full,rmsprop-minibatch",
        "--steps",
        "200",
        "--out",
        str(out),
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    n = 2 * len(FRAMEWORKS)  # two configs; scikit-learn lacks RMSprop
    assert f"Summary: {n - 1} pass, 1 not expressible ({n} comparisons)" in proc.stdout
    table = pd.read_parquet(out / "equivalence.parquet")
    assert len(table) == n and set(table["impl"]) == set(FRAMEWORKS)
    assert table.loc[table["impl"] == "sklearn", "status"].tolist() == ["pass", "not expressible"]
    assert (table.loc[table["status"] == "pass", "loss_max_rel"] <= 1e-12).all()
    csv = pd.read_csv(out / "equivalence.csv")
    assert csv["note"].fillna("").tolist() == table["note"].tolist()
    pd.testing.assert_frame_equal(table.drop(columns="note"), csv.drop(columns="note"), check_dtype=False)
    deviation = pd.read_parquet(out / "deviation.parquet")
    assert {"task", "impl", "config", "step", "loss_rel_deviation"} <= set(deviation.columns)
    env = __import__("json").loads((out / "check_environment.json").read_text())
    assert env["TF_ENABLE_ONEDNN_OPTS"] == "0" and env["KERAS_BACKEND"] == "tensorflow"


@pytest.mark.parametrize(
    "args,message",
    [
        (["check", "--tasks", "xor,nope"], "unknown task 'nope'"),
        (["check", "--impls", "mxnet"], "unknown implementation(s) mxnet"),
        (["check", "--configs", "adam"], "unknown config(s) adam"),
        (["check", "--steps", "0"], "--steps must be at least 1"),
    ],
)
def test_check_bad_input(args, message):
    proc = run(scratchbench(), *args)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_check_unwritable_out_keeps_existing_files(tmp_path):
    keep = tmp_path / "equivalence.csv"
    keep.write_text("earlier results\n")
    # A folder under a regular file can never be created, whoever runs the test (root too).
    proc = run(
        scratchbench(), "check", "--tasks", "xor", "--configs", "sgd-full", "--steps", "5", "--out", str(keep / "sub")
    )
    assert proc.returncode == 2 and "cannot write to output folder" in proc.stderr and "Traceback" not in proc.stderr
    assert keep.read_text() == "earlier results\n"


def test_check_exits_one_on_a_mismatch(monkeypatch, capsys):
    """The exit status a CI job relies on: any failed comparison makes `check` exit 1."""
    import benchmarks.harness.check as check
    from benchmarks.cli import main

    real = check.compare

    def doctored(spec, impl, X, y, steps, weights=None, **shared):
        result = real(spec, impl, X, y, steps, weights, **shared)
        if impl == "torch":
            result.status, result.note = "fail", "injected for the test"
        return result

    monkeypatch.setattr(check, "compare", doctored)
    assert main(["check", "--tasks", "xor", "--configs", "sgd-full", "--steps", "20", "--impls", "torch,sklearn"]) == 1
    out = capsys.readouterr().out
    assert "injected for the test" in out and "Summary: 1 pass, 1 fail (2 comparisons)" in out
