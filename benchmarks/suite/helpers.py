"""Helpers shared by the pytest-benchmark suite (``benchmarks/bench_*.py``).

Choices, the same for every implementation: threads pinned (``SCRATCHBENCH_THREADS``,
default 1) for NumPy's BLAS, PyTorch and TensorFlow; each model is built and takes two
untimed steps before timing (warm-up: tracing, lazy initialisation, caches); the garbage
collector stays on (as in real training; ``--benchmark-disable-gc`` turns it off for all
alike); data are prepared (checked and converted) once, outside the timed call. FLOPs
count the matrix products only (2mnk each): forward ``2 n sum(a b)`` over consecutive
layer widths (a, b); a training step adds the weight gradients and the input gradients
of every layer but the first.

The machine's own limits, measured here once per process for the regime groups:
``matmul_peak`` (GFLOP/s of one large NumPy matmul, the operands ``bench_peak.py`` times)
and ``stream_bandwidth`` (bytes/s of a STREAM-style triad ``a = b + s*c`` in NumPy on
arrays far larger than the last-level cache).
"""

from __future__ import annotations

import functools
import os
import time

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


def warm_model_or_skip(impl: str, spec: ModelSpec, X: np.ndarray, y: np.ndarray, mode: str):
    """``warm_model`` in ``mode``, or the calling test skipped with the reason: the spec is
    not expressible in that mode, or a non-exact (compiling) mode cannot run on this machine
    (torch.compile needs a C++ toolchain). A failing exact mode is an error, not a skip."""
    import pytest

    from reference_impls import NotExpressible, implementation_class

    try:
        return warm_model(impl, spec, X, y, mode=mode)
    except NotExpressible as exc:
        pytest.skip(str(exc))
    except Exception as exc:
        if mode in implementation_class(impl).facts.exact_modes:
            raise
        pytest.skip(f"{impl} {mode} does not run here: {type(exc).__name__}: {str(exc)[:200]}")


def mode_params() -> list:
    """Every implementation's every declared execution mode as ``pytest.param(impl, mode)``,
    in ``IMPLEMENTATIONS`` order: the id is the implementation alone for ``harness`` (the
    names benchmarks had before modes, so baselines still match) and ``impl-mode`` for the
    others. A mode that is not exact (a compiler: its warm-up compiles, seconds per group)
    carries the ``compiles`` marker, which the quick profile deselects."""
    import pytest

    from reference_impls import implementation_class

    params = []
    for impl in IMPLEMENTATIONS:
        cls = implementation_class(impl)
        for mode in cls.modes():
            marks = () if mode in cls.facts.exact_modes else (pytest.mark.compiles,)
            params.append(pytest.param(impl, mode, id=impl if mode == "harness" else f"{impl}-{mode}", marks=marks))
    return params


def mode_info(impl: str, mode: str) -> dict[str, str]:
    """The ``extra_info`` fields naming how ``impl`` was driven: ``mode``, its one-line
    description, and every mode ``impl`` declares (comma-separated: a report can then name
    the modes a run left out, such as the quick profile's compiling ones), and whether this is
    the eager baseline of the small-task target (``AdapterFacts.eager_baseline``)."""
    from reference_impls import implementation_class

    cls = implementation_class(impl)
    modes = cls.modes()
    return {
        "mode": mode,
        "mode_description": modes[mode],
        "declared_modes": ",".join(modes),
        "eager_baseline": mode == cls.facts.eager_baseline,
    }


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


MATMUL_SIZE = 1024
STREAM_ELEMENTS = 1 << 25  # 256 MiB per float64 array: three of them dwarf a 300 MiB L3 cache
REPEATS = 5


def matmul_operands(dtype: str, size: int = MATMUL_SIZE) -> tuple[np.ndarray, np.ndarray]:
    """Two seeded ``size x size`` matrices in ``dtype``: what the matmul peak multiplies."""
    rng = np.random.default_rng(0)
    return rng.standard_normal((size, size)).astype(dtype), rng.standard_normal((size, size)).astype(dtype)


def _best_seconds(call, repeats: int = REPEATS) -> float:
    """The fastest of ``repeats`` timed calls after one untimed one (a limit is a best case)."""
    call()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - start)
    return best


@functools.cache
def matmul_peak(dtype: str) -> float:
    """Measured matmul GFLOP/s in ``dtype`` at the pinned thread count (best of a few)."""
    pin()
    A, B = matmul_operands(dtype)
    out = np.empty_like(A)
    return 2 * MATMUL_SIZE**3 / _best_seconds(lambda: np.matmul(A, B, out=out)) / 1e9


def triad_bytes(elements: int, itemsize: int = 8) -> int:
    """Bytes the NumPy triad moves: ``np.multiply(c, s, out=a)`` reads c and writes a,
    ``np.add(a, b, out=a)`` reads a and b and writes a: five array transfers (STREAM's own
    count for its fused C loop is three)."""
    return 5 * elements * itemsize


def triad(elements: int = STREAM_ELEMENTS):
    """A ready STREAM-style triad ``a = b + s*c`` on float64 arrays: a call with no arguments."""
    rng = np.random.default_rng(0)
    a, b, c = np.empty(elements), rng.standard_normal(elements), rng.standard_normal(elements)

    def run() -> np.ndarray:
        np.multiply(c, 3.0, out=a)
        return np.add(a, b, out=a)

    return run


@functools.cache
def stream_bandwidth() -> float:
    """Measured memory bandwidth in bytes/s: the best of a few triads (``triad_bytes``)."""
    pin()
    return triad_bytes(STREAM_ELEMENTS) / _best_seconds(triad())


def bytes_step(sizes: tuple[int, ...], n: int, itemsize: int) -> int:
    """A lower bound on the memory traffic of one full-batch training step, for networks
    whose activations do not fit in cache: the input read twice (forward and its layer's
    weight gradient); each layer's output, and each hidden layer's activation beside it,
    written and read in the forward pass and their gradients written and read in the
    backward pass (four passes each). Weights are left out (small for a thin network)."""
    hidden, out = sum(sizes[1:-1]), sizes[-1]
    return itemsize * n * (2 * sizes[0] + 4 * (2 * hidden + out))
