"""A generated class of from-scratch submissions, for timing ``scratchbench validate`` on a batch.

Every submission is a standalone NumPy file with a ``network()`` in the layer-object style most
courses teach (Dense, an activation, softmax with cross-entropy, SGD) for the spiral's 2 inputs
and 3 classes. The correct ones differ as students' do (hidden width, activation, learning rate,
bias shape, seed); each buggy one carries one classic one-line mistake; each broken one fails
to run in its own way, one of them by hanging until ``--timeout``. ``write_class`` returns the
verdict each file must get, so a benchmark that times the batch also checks every verdict.
"""

from __future__ import annotations

import itertools
from pathlib import Path

# The one template: a marker ``#<name>`` on a line is replaced by that mistake's line (or left as
# the correct line). Kept small on purpose: the batch times the judge, not the student's code.
TEMPLATE = """\
import numpy as np


class Dense:
    def __init__(self, n_in, n_out):
        self.W = np.random.randn(n_in, n_out) * np.sqrt(1.0 / n_in)
        self.b = np.zeros({bias_shape})

    def forward(self, X):
        self.X = X
        return X @ self.W + self.b

    def backward(self, dout):
        self.dW = self.X.T @ dout
        self.db = dout.sum(axis=0{keepdims})  #bias_grad
        return dout @ self.W.T


class {act_class}:
    def forward(self, x):
        {act_forward}
        return self.out

    def backward(self, dout):
        return dout * {act_derivative}  #act_grad


class SoftmaxCrossEntropy:
    def forward(self, logits, y):
        z = np.exp(logits - logits.max(axis=1, keepdims=True))
        self.p = z / z.sum(axis=1, keepdims=True)
        self.y = y
        return -np.mean(np.log(self.p[np.arange(len(y)), y]))

    def backward(self):
        d = self.p.copy()
        d[np.arange(len(self.y)), self.y] -= 1  #onehot
        return d / len(self.y)  #batch_mean


class SGD:
    def __init__(self, lr):
        self.lr = lr

    def step(self, layers):
        for layer in layers:
            if hasattr(layer, "W"):
                layer.W -= self.lr * layer.dW  #update
                layer.b -= self.lr * layer.db


def network():
    np.random.seed({seed})
    return dict(
        layers=[Dense(2, {width}), {act_class}(), Dense({width}, 3)],
        loss=SoftmaxCrossEntropy(),
        optimizer=SGD(lr={lr}),
    )
"""

ACTIVATIONS = {
    "relu": ("ReLU", "self.out = np.maximum(0, x)", "(self.out > 0)"),
    "tanh": ("Tanh", "self.out = np.tanh(x)", "(1 - self.out**2)"),
}

# One-line mistakes seen in real submissions: (marker, the line that replaces the marked one).
MISTAKES = {
    "no_batch_mean": ("#batch_mean", "        return d"),
    "plus_update": ("#update", "                layer.W += self.lr * layer.dW"),
    "relu_grad_dropped": ("#act_grad", "        return dout"),
    "onehot_forgotten": ("#onehot", "        pass"),
    "bias_grad_mean": ("#bias_grad", "        self.db = dout.mean(axis=0, keepdims=True)"),
    "lr_decays": ("#update", "                layer.W -= self.lr * layer.dW; self.lr *= 0.99"),
}

# Ways a submission fails to run at all: (file text, or a marker and its replacement).
BROKEN = {
    "syntax_error": "def network(:\n    pass\n",
    "no_network": "import numpy as np\n\n\ndef build():\n    return None\n",
    "raises": ("#update", "                raise KeyError('dW')"),
    "hangs": ("#update", "                while True: pass"),
}


def submission(width: int, activation: str, lr: float, bias_2d: bool, seed: int) -> str:
    """A correct submission's source with the given choices."""
    act_class, act_forward, act_derivative = ACTIVATIONS[activation]
    return TEMPLATE.format(
        bias_shape="(1, n_out)" if bias_2d else "n_out",
        keepdims=", keepdims=True" if bias_2d else "",
        act_class=act_class,
        act_forward=act_forward,
        act_derivative=act_derivative,
        seed=seed,
        width=width,
        lr=lr,
    )


def _with_line(source: str, marker: str, line: str) -> str:
    """``source`` with the first line carrying ``marker`` replaced by ``line``."""
    lines = source.splitlines()
    at = next(i for i, text in enumerate(lines) if text.rstrip().endswith(marker))
    lines[at] = line
    return "\n".join(lines) + "\n"


def write_class(folder: Path, correct: int = 30, buggy: int = 6, broken: int = 4) -> dict[str, str]:
    """Write ``correct + buggy + broken`` submissions into ``folder``; return each file's stem
    and the status it must get (``pass``, ``fail`` or ``error``). Buggy and broken ones cycle
    through ``MISTAKES`` and ``BROKEN`` (``broken >= 4`` includes the one that hangs)."""
    folder.mkdir(parents=True, exist_ok=True)
    choices = itertools.cycle(itertools.product((8, 16, 32), ("relu", "tanh"), (0.1, 0.5, 1.0), (True, False)))
    expected: dict[str, str] = {}
    for i in range(correct):
        width, activation, lr, bias_2d = next(choices)
        (folder / f"student{i:02d}.py").write_text(submission(width, activation, lr, bias_2d, seed=i))
        expected[f"student{i:02d}"] = "pass"
    base = submission(16, "relu", 0.5, True, seed=99)
    for i, (name, (marker, line)) in zip(range(buggy), itertools.cycle(MISTAKES.items())):
        (folder / f"buggy{i:02d}_{name}.py").write_text(_with_line(base, marker, line))
        expected[f"buggy{i:02d}_{name}"] = "fail"
    for i, (name, how) in zip(range(broken), itertools.cycle(BROKEN.items())):
        text = how if isinstance(how, str) else _with_line(base, *how)
        (folder / f"broken{i:02d}_{name}.py").write_text(text)
        expected[f"broken{i:02d}_{name}"] = "error"
    return expected
