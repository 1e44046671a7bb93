"""An error NumPy raises inside a call from the user's own line is reported at that line (their
file and line number), not at NumPy's file, whenever it happens: while their file is
imported, while NAME() builds the network, or during a training step. Exit 3, no traceback.

The networks are written as hand-written code does it: ``np.linalg.multi_dot`` chains the
layers (its ``np.dot`` raises on the misaligned shapes, two frames deep in NumPy), and
``np.broadcast_to`` shapes a bias (NumPy's broadcasting raises in its own Python code).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

AT_IMPORT = """
    import numpy as np

    X = np.ones((4, 2))
    W1, W2 = np.zeros((2, 3)), np.zeros((2, 1))
    H = np.linalg.multi_dot([X, W1, W2])  # (4, 3) . (2, 1): the bug

    def network():
        return None
"""

IN_NETWORK = """
    import numpy as np

    def init_bias(n):
        return np.broadcast_to(np.zeros(3), (1, n))  # a (3,) bias for an n-unit layer: the bug

    def network():
        b1 = init_bias(64)
        return dict(layers=[], loss=None, optimizer=None)
"""

IN_STEP = """
    import numpy as np
    from reference_impls import ModelSpec

    SPEC = ModelSpec(sizes=(2, 3, 1), activations=("sigmoid", "sigmoid"), loss="mse", lr=0.1)

    def sigmoid(x):
        return 1 / (1 + np.exp(-x))

    class Net:
        def __init__(self):
            rng = np.random.default_rng(0)
            self.w1, self.b1 = rng.normal(size=(2, 3)), np.zeros((1, 3))
            self.w2, self.b2 = rng.normal(size=(3, 1)), np.zeros((1, 1))

        def forward(self, X):
            self.h = sigmoid(X @ self.w1 + self.b1)
            return sigmoid(np.linalg.multi_dot([X, self.w1, self.w2.T]) + self.b2)  # w2.T: the bug

        def backward(self, X, y, lr):
            pass

    def network():
        return Net()
"""


@pytest.mark.parametrize(
    "source,words",
    [
        (AT_IMPORT, "importing"),
        (IN_NETWORK, "calling network() raised ValueError"),
        (IN_STEP, "at step 1"),
    ],
    ids=["while-imported", "while-building", "during-a-step"],
)
def test_a_numpy_error_names_the_users_line(tmp_path, source, words):
    text = textwrap.dedent(source).lstrip()
    line = next(i for i, code in enumerate(text.splitlines(), 1) if "the bug" in code)
    net = tmp_path / "mynet.py"
    net.write_text(text)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "validate", f"{net}:network", "--steps", "2", "--against", "torch"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
    )
    assert proc.returncode == 3, proc.stdout + proc.stderr[-3000:]
    assert words in proc.stdout and "ValueError" in proc.stdout, proc.stdout
    assert f"mynet.py:{line}" in proc.stdout, proc.stdout  # the user's own line, not NumPy's file
    assert "_linalg.py" not in proc.stdout and "_stride_tricks" not in proc.stdout, proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr
