"""The command line as a user runs it, and the promise that ``scratch`` needs NumPy only."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=timeout, env={**os.environ, "COLUMNS": "160"})


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
    proc = run(sys.executable, "-m", "benchmarks", "--help")
    assert proc.returncode == 0 and "demo" in proc.stdout


@pytest.mark.parametrize("args", [["frobnicate"], ["demo", "--seed", "x"], []])
def test_bad_usage_is_one_clear_error(args):
    proc = run(scratchbench(), *args)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert re.match(r"scratchbench( \w+)?: error: ", proc.stderr.strip().splitlines()[-1])


def test_import_scratch_loads_no_framework():
    code = "import sys, scratch; print(sorted({m.split('.')[0] for m in sys.modules} & {'torch','tensorflow','keras','sklearn','scipy','pandas','jax'}))"
    proc = run(sys.executable, "-c", code)
    assert proc.returncode == 0 and proc.stdout.strip() == "[]", proc.stdout + proc.stderr


def test_scratch_sources_import_numpy_only():
    allowed = {"numpy", "__future__", "dataclasses", "typing", "math", "types"}
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
