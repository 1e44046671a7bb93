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

from reference_impls import ModelSpec, build
from reference_impls.equivalence import native_spec

from .environment import pin_threads

THREADS = int(os.environ.get("SCRATCHBENCH_THREADS", "1"))
_pinned = False


def pin() -> int:
    global _pinned
    if not _pinned:
        pin_threads(THREADS, ("torch", "keras"))
        _pinned = True
    return THREADS


def flops_forward(sizes: tuple[int, ...], n: int) -> int:
    return 2 * n * sum(a * b for a, b in zip(sizes, sizes[1:]))


def flops_step(sizes: tuple[int, ...], n: int) -> int:
    """Forward, weight gradients, and input gradients below the first layer."""
    pairs = [a * b for a, b in zip(sizes, sizes[1:])]
    return 2 * n * (2 * sum(pairs) + sum(pairs[1:]))


def spec_for(impl: str, spec: ModelSpec) -> ModelSpec:
    return spec if impl == "scratch" else native_spec(spec, impl)


def synthetic(n: int, features: int, classes: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian inputs with labels from a random linear map: data of any size."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, features))
    y = np.argmax(X @ rng.standard_normal((features, classes)), axis=1)
    return X, y


def warm_model(impl: str, spec: ModelSpec, X: np.ndarray, y: np.ndarray):
    """A built model, its prepared data, and two untimed warm-up steps taken."""
    model = build(impl, spec_for(impl, spec))
    prepared = model.prepare(X, y)
    model.run_steps(prepared, 2)
    return model, prepared


def info(benchmark, **fields) -> None:
    benchmark.extra_info.update(threads=THREADS, **fields)
