"""Groups that span the regimes a training step can be in, each against a limit of this
machine measured in the same process (``helpers.matmul_peak``, ``helpers.stream_bandwidth``):

- **overhead-bound**: mini-batches of 32 and 128 rows on moons, digits and a synthetic
  MNIST-shaped task (784-128-10), where per-call costs dominate the arithmetic;
- **memory-bound**: a thin network (10-64-3) on 200,000 rows, whose activations are far
  larger than the caches; achieved bytes/s (``helpers.bytes_step``, a lower bound on the
  traffic) against the STREAM-style triad, timed here too;
- **compute-bound**: a wide network (784-512-512-10) on 8192 rows, fp32 and fp64, whose
  time is in its matrix products; achieved GFLOP/s against the matmul peak.

Each benchmark's ``extra_info`` holds the achieved rate, the measured limit and their ratio
(``peak_fraction`` for GFLOP/s, ``bandwidth_fraction`` for bytes/s). Every implementation is
driven as the harness drives it; ``bench_steps.py`` times the frameworks' faster modes.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from benchmarks.suite.helpers import (
    STREAM_ELEMENTS,
    bytes_step,
    check_losses,
    flops_step,
    info,
    matmul_peak,
    pin,
    stream_bandwidth,
    task_data,
    triad,
    triad_bytes,
    warm_model,
)
from benchmarks.tasks import synthetic
from reference_impls import IMPLEMENTATIONS, ModelSpec

BATCHES = (32, 128)
MNIST_SIZES = (784, 128, 10)
MNIST_ROWS = 2048
THIN_SIZES, THIN_ROWS = (10, 64, 3), 200_000
WIDE_SIZES, WIDE_ROWS = (784, 512, 512, 10), 8192


def _spec(sizes: tuple[int, ...], dtype: str = "float64", batch_size: int | None = None) -> ModelSpec:
    hidden = len(sizes) - 2
    return ModelSpec(
        sizes=sizes,
        activations=("relu",) * hidden + ("softmax",),
        loss="categorical_crossentropy",
        optimizer="sgd",
        lr=0.01,
        dtype=dtype,
        init="he_uniform",
        batch_size=batch_size,
    )


def _minibatch_problem(task: str, batch: int):
    """(spec, X, y) of one overhead-bound group."""
    if task == "mnist-shaped":
        X, y = synthetic(MNIST_ROWS, MNIST_SIZES[0], MNIST_SIZES[-1])
        return _spec(MNIST_SIZES, batch_size=batch), X, y
    t, d = task_data(task)
    return dataclasses.replace(t.spec, batch_size=batch), d.X_train, d.y_train


def _rates(benchmark, flops: int, dtype: str, traffic: int | None = None) -> None:
    """Achieved GFLOP/s (and bytes/s) at the median against the measured limits."""
    if not benchmark.stats:  # a plain test run: nothing was timed
        return
    median = benchmark.stats.stats.median
    gflops, peak = flops / median / 1e9, matmul_peak(dtype)
    benchmark.extra_info.update(gflops=gflops, matmul_peak_gflops=peak, peak_fraction=gflops / peak)
    if traffic is not None:
        achieved, limit = traffic / median, stream_bandwidth()
        benchmark.extra_info.update(bytes_per_s=achieved, stream_bytes_per_s=limit, bandwidth_fraction=achieved / limit)


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
@pytest.mark.parametrize("batch", BATCHES)
@pytest.mark.parametrize("task", ["moons", "digits", "mnist-shaped"])
def test_minibatch_step(benchmark, task, batch, impl):
    """Overhead-bound: one step on a mini-batch."""
    pin()
    spec, X, y = _minibatch_problem(task, batch)
    model, prepared = warm_model(impl, spec, X, y)
    benchmark.group = f"regime overhead: {task} batch={batch}"
    flops = flops_step(spec.sizes, batch)
    info(benchmark, impl=impl, mode="harness", task=task, n=batch, width=spec.sizes[1], dtype=spec.dtype, flops=flops)
    check_losses(benchmark(model.run_steps, prepared, 1))
    _rates(benchmark, flops, spec.dtype)


def test_stream_triad(benchmark):
    """The memory-bound group's limit: ``a = b + s*c`` on float64 arrays far larger than the cache."""
    pin()
    run = triad()
    run()  # warm-up: pages touched
    benchmark.group = "regime memory: STREAM-style triad (the limit)"
    info(benchmark, impl="numpy", task="triad", n=STREAM_ELEMENTS, dtype="float64", bytes=triad_bytes(STREAM_ELEMENTS))
    out = benchmark(run)
    assert out.shape == (STREAM_ELEMENTS,) and np.isfinite(out[:10]).all()
    if benchmark.stats:
        benchmark.extra_info["bytes_per_s"] = triad_bytes(STREAM_ELEMENTS) / benchmark.stats.stats.median


def _full_batch_step(
    benchmark,
    regime: str,
    label: str,
    sizes: tuple[int, ...],
    rows: int,
    dtype: str,
    impl: str,
    memory_bound: bool = False,
) -> None:
    """One timed full-batch step on synthetic data, its rates against the measured limits."""
    pin()
    spec = _spec(sizes, dtype)
    X, y = synthetic(rows, sizes[0], sizes[-1])
    model, prepared = warm_model(impl, spec, X, y)
    benchmark.group = f"regime {regime}: {label} {'-'.join(map(str, sizes))} n={rows} {dtype}"
    flops, traffic = flops_step(sizes, rows), bytes_step(sizes, rows, np.dtype(dtype).itemsize)
    info(
        benchmark,
        impl=impl,
        mode="harness",
        task="synthetic",
        n=rows,
        width=sizes[1],
        dtype=dtype,
        flops=flops,
        **({"bytes": traffic} if memory_bound else {}),
    )
    check_losses(benchmark(model.run_steps, prepared, 1))
    _rates(benchmark, flops, dtype, traffic=traffic if memory_bound else None)


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_thin_network_step(benchmark, dtype, impl):
    """Memory-bound: a full-batch step of a thin network on many rows."""
    _full_batch_step(benchmark, "memory", "thin", THIN_SIZES, THIN_ROWS, dtype, impl, memory_bound=True)


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_wide_network_step(benchmark, dtype, impl):
    """Compute-bound: a full-batch step of a wide network."""
    _full_batch_step(benchmark, "compute", "wide", WIDE_SIZES, WIDE_ROWS, dtype, impl)
