"""Helpers shared by the pytest-benchmark suite (``benchmarks/bench_*.py``).

Choices, the same for every implementation: threads pinned (``SCRATCHBENCH_THREADS``,
default 1) for NumPy's BLAS, PyTorch and TensorFlow; each model is built and takes two
untimed steps before timing (warm-up: tracing, lazy initialisation, caches); the garbage
collector stays on (as in real training; ``--benchmark-disable-gc`` turns it off for all
alike); data are prepared (checked and converted) once, outside the timed call. FLOPs
count the matrix products only (2mnk each): forward ``2 n sum(a b)`` over consecutive
layer widths (a, b); a training step adds the weight gradients and the input gradients
of every layer but the first.
"""

from __future__ import annotations

import os

import numpy as np

from reference_impls import IMPLEMENTATIONS, ModelSpec, build, pin_threads
from reference_impls.equivalence import native_spec

THREADS = int(os.environ.get("SCRATCHBENCH_THREADS", "1"))
_pinned = False


def pin() -> int:
    global _pinned
    if not _pinned:
        pin_threads(THREADS, IMPLEMENTATIONS)
        _pinned = True
    return THREADS


def flops_forward(sizes: tuple[int, ...], n: int) -> int:
    return 2 * n * sum(a * b for a, b in zip(sizes, sizes[1:]))


def flops_step(sizes: tuple[int, ...], n: int) -> int:
    """Forward, weight gradients, and input gradients below the first layer."""
    pairs = [a * b for a, b in zip(sizes, sizes[1:])]
    return 2 * n * (2 * sum(pairs) + sum(pairs[1:]))


def warm_model(impl: str, spec: ModelSpec, X: np.ndarray, y: np.ndarray, mode: str = "harness"):
    """A built model driven in ``mode`` (one of its ``modes()``), its prepared data, and two
    untimed warm-up steps taken (tracing and compiling happen there)."""
    model = build(impl, native_spec(spec, impl)).use_mode(mode)  # scratch follows any convention
    prepared = model.prepare(X, y)
    model.run_steps(prepared, 2)
    return model, prepared


def task_data(name: str):
    """A task and its seed-0 draw: ``(Task, Dataset)``."""
    from ..tasks import TASKS

    task = TASKS[name]
    return task, task.data(0)


def check_losses(losses: np.ndarray, steps: int = 1) -> None:
    """What a benchmark run as a test must show: ``steps`` finite step losses."""
    assert np.shape(losses) == (steps,) and np.all(np.isfinite(losses)), f"step losses {losses!r}"


def check_outputs(out: np.ndarray, shape: tuple[int, ...]) -> None:
    """Finite outputs of the expected shape."""
    assert np.shape(out) == shape and np.all(np.isfinite(out)), f"outputs of shape {np.shape(out)}, expected {shape}"


def info(benchmark, **fields) -> None:
    benchmark.extra_info.update(threads=THREADS, **fields)
