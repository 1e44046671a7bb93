"""``scratchbench demo``: train the scratch network alone (no framework) on the logic gates
(seed 001's XOR network among them) and the cs231n spiral, and print what it learned."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from scratch import SGD, Dense, ReLU, Sequential, Sigmoid, Softmax, Tanh

from ..tasks import GATES, logic_gate, spiral


@dataclass
class DemoResult:
    task: str
    model: str
    steps: int
    loss: float
    accuracy: float
    seconds: float


def _train(task: str, model: Sequential, X, y, steps: int) -> DemoResult:
    start = time.perf_counter()
    model.fit(X, y, epochs=steps)
    seconds = time.perf_counter() - start
    final = model.evaluate(X, y)
    shape = "-".join(str(d.n_inputs) for d in model.dense_layers) + f"-{model.dense_layers[-1].n_neurons}"
    acts = "/".join(layer.name for layer in model.layers if not isinstance(layer, Dense))
    opt = model.optimizer
    return DemoResult(
        task, f"{shape} {acts}, {opt.name} lr {opt.lr:g}", steps, final["loss"], final["accuracy"], seconds
    )


def seed001_xor() -> Sequential:
    """Seed 001's network: 2-2-1, sigmoid, no biases, ``np.random.seed(42)``, rand weights
    drawn as (out, in), plain gradient descent at lr 0.1."""
    np.random.seed(42)
    return Sequential(
        [Dense(2, 2, "rand_out_in", use_bias=False), Sigmoid(), Dense(2, 1, "rand_out_in", use_bias=False), Sigmoid()],
        loss="binary_crossentropy",
        optimizer=SGD(lr=0.1),
    )


def gate_net(seed: int) -> Sequential:
    """A small net that learns every two-input gate: 2-4-1, tanh then sigmoid."""
    rng = np.random.default_rng(seed)
    return Sequential(
        [Dense(2, 4, "glorot_uniform", rng=rng), Tanh(), Dense(4, 1, "glorot_uniform", rng=rng), Sigmoid()],
        loss="binary_crossentropy",
        optimizer=SGD(lr=1.0),
    )


def spiral_net(seed: int) -> Sequential:
    """The cs231n case study's net: 2-64-3, ReLU then softmax, full-batch SGD at lr 1.0."""
    rng = np.random.default_rng(seed)
    return Sequential(
        [Dense(2, 64, "he_uniform", rng=rng), ReLU(), Dense(64, 3, "glorot_uniform", rng=rng), Softmax()],
        loss="categorical_crossentropy",
        optimizer=SGD(lr=1.0),
    )


def run_demo(seed: int = 0) -> tuple[list[DemoResult], list[str]]:
    """Train every demo model; returns one result per task, and seed 001's prediction lines."""
    X, y = logic_gate("xor")
    xor = seed001_xor()
    results = [_train("xor (seed 001 net)", xor, X, y, 10_000)]
    lines = [f"For input {row.astype(int).tolist()} output is {label}" for row, label in zip(X, xor.predict(X))]
    for gate in GATES:
        X, y = logic_gate(gate)
        results.append(_train(gate, gate_net(seed), X, y, 2_000))
    X, y = spiral(100, 3, 0.2, rng=np.random.default_rng(seed))
    results.append(_train("spiral (300 points, 3 classes)", spiral_net(seed), X, y, 2_000))
    return results, lines


def print_demo(results: list[DemoResult], xor_lines: list[str]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="scratch network, trained from scratch in NumPy (full batch)")
    for col in ("task", "model", "steps", "final loss", "train accuracy", "seconds"):
        table.add_column(col, justify="left" if col in ("task", "model") else "right")
    for r in results:
        table.add_row(r.task, r.model, f"{r.steps:,}", f"{r.loss:.5f}", f"{r.accuracy:.1%}", f"{r.seconds:.2f}")
    console = Console(width=120)
    console.print(table)
    console.print("Seed 001's XOR network after 10,000 steps, as the tutorial prints it:")
    for line in xor_lines:
        console.print("  " + line, highlight=False)
