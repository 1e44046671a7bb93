"""``scratchbench validate FILE.py:NAME`` as a user runs it: the worked examples from the
README, --out through the results store with its report section, and bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from benchmarks.results.schema import VALIDATION

ROOT = Path(__file__).resolve().parents[1]


def validate(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """The CLI in a fresh interpreter; bounded generously (it waits on the exit code)."""
    return subprocess.run(
        [sys.executable, "-m", "benchmarks", "validate", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=1800,
        env={**os.environ, "COLUMNS": "160"},
    )


@pytest.mark.parametrize(
    "target,task,steps,code,words",
    [
        ("examples/seed001_xor.py:network", "xor", "500", 0, "PASS (arrays and functions) against torch, keras"),
        ("examples/seed003_spiral.py:forward_only", "spiral", "1", 0, "PASS (layer objects)"),
        ("examples/seed004_simplenn.py:as_printed", "xor", "500", 3, "which SimpleNN.forward never sets"),
        ("examples/seed004_simplenn.py:fixed", "xor", "500", 1, "loss_reduction='sum', loss_scale=0.5"),
        ("examples/seed004_simplenn.py:fixed_half_sum", "xor", "500", 0, "PASS (black box) against torch, keras"),
        ("examples/nnfs_book_style.py:network", "spiral", "500", 0, "PASS (layer objects) against keras"),
    ],
    ids=["seed001", "seed003", "seed004-bug", "seed004-fixed", "seed004-half-sum", "nnfs-book"],
)
def test_worked_examples_from_the_readme(target, task, steps, code, words):
    proc = validate(target, "--task", task, "--steps", steps)
    assert proc.returncode == code, proc.stdout + proc.stderr[-3000:]
    assert words in proc.stdout, proc.stdout
    assert "Traceback" not in proc.stderr


def test_out_writes_the_table_and_a_report_section(tmp_path):
    out = tmp_path / "val"
    proc = validate("examples/seed004_simplenn.py:fixed", "--task", "xor", "--steps", "50", "--out", str(out))
    assert proc.returncode == 1, proc.stderr[-3000:]
    table = pd.read_parquet(out / "validation.parquet")
    assert list(table.columns) == list(VALIDATION)  # the documented schema, in order
    assert set(table.impl) == {"torch", "keras"} and table.step.max() == 50
    info = json.loads((out / "validation.json").read_text())
    assert info["ok"] is False and info["first_divergence"]["phase"] == "update"
    md = (out / "report" / "README.md").read_text()
    assert "**FAIL**" in md and "First divergence: step 1, update" in md and "validation_deviation.png" in md
    assert (out / "report" / "validation_deviation.png").stat().st_size > 5000
    html = (out / "report" / "index.html").read_text()
    assert "data:image/png;base64," in html and "Diagnosis" in html


def test_help_explains_the_three_styles():
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "validate", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0
    for words in (
        "layer objects",
        "arrays+functions",
        "black box",
        'data_layout="columns"',
        "Exit 0 when your network matches",
    ):
        assert words in proc.stdout


@pytest.mark.parametrize(
    "args,words",
    [
        (["examples/nope.py:network"], "no such file: examples/nope.py"),
        (["examples/seed001_xor.py"], "expected FILE.py:NAME"),
        (["examples/seed001_xor.py:nope"], "has no 'nope'; names defined there (pick one: FILE:NAME): "),
        (["examples/seed001_xor.py:network", "--task", "xorr"], "unknown task"),
        (["examples/seed001_xor.py:network", "--against", "tensorflow"], "unknown implementation"),
        (["examples/seed001_xor.py:network", "--steps", "0"], "--steps must be at least 1"),
    ],
    ids=["missing-file", "no-name", "unknown-name", "unknown-task", "unknown-impl", "zero-steps"],
)
def test_bad_input_is_one_line_and_exit_2(args, words):
    proc = validate(*args)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0] and "Traceback" not in proc.stderr, proc.stderr


def test_user_file_importing_its_own_scratch_module(tmp_path):
    """FILE.py imports a sibling scratch.py of the user's own: it gets theirs, we keep ours."""
    (tmp_path / "scratch.py").write_text(
        "import numpy as np\n"
        "class Dense:\n    def __init__(self, i, o, rng):\n        self.weights = rng.normal(size=(i, o)); self.biases = np.zeros((1, o))\n"
        "    def forward(self, x):\n        self.inputs = x; self.output = x @ self.weights + self.biases\n"
        "    def backward(self, d):\n        self.dweights = self.inputs.T @ d; self.dbiases = d.sum(0, keepdims=True); self.dinputs = d @ self.weights.T\n"
        "class Sigmoid:\n    def forward(self, x):\n        self.output = 1 / (1 + np.exp(-x))\n"
        "    def backward(self, d):\n        self.dinputs = d * self.output * (1 - self.output)\n"
        "class MSE:\n    def calculate(self, p, y):\n        return np.mean((p - y) ** 2)\n"
        "    def backward(self, p, y):\n        self.dinputs = 2 * (p - y) / p.size\n"
        "class SGD:\n    def __init__(self, lr):\n        self.lr = lr\n"
        "    def update_params(self, layer):\n        layer.weights -= self.lr * layer.dweights; layer.biases -= self.lr * layer.dbiases\n"
    )
    (tmp_path / "mynet.py").write_text(
        "import numpy as np\nfrom scratch import Dense, Sigmoid, MSE, SGD\n"
        "def build():\n    rng = np.random.default_rng(0)\n"
        "    return dict(layers=[Dense(2, 3, rng), Sigmoid(), Dense(3, 1, rng), Sigmoid()], loss=MSE(), optimizer=SGD(0.5))\n"
    )
    proc = validate(str(tmp_path / "mynet.py") + ":build", "--task", "xor", "--steps", "100", "--against", "torch")
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    assert "PASS (layer objects) against torch" in proc.stdout
    assert "inferred optimizer: sgd lr=0.5" in proc.stdout
