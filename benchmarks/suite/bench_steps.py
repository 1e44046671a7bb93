"""One training step (forward, backward, update) and one forward pass, per implementation.

The task groups and every group of the size grid time each framework in every mode it
declares (``Implementation.modes()``: ``harness``, how the harness drives it, and the
framework's own faster documented ones), side by side in the same group, so that the
report can state scratch's time against the fastest framework mode measured in the same
run. Compiling modes compile during the untimed warm-up steps; one that cannot run here is
skipped with its reason (``helpers.warm_model_or_skip``), and all of them carry the
``compiles`` marker (the quick profile deselects them: their warm-ups take seconds each)."""

from __future__ import annotations

import pytest

from benchmarks.suite.helpers import (
    check_losses,
    check_outputs,
    flops_forward,
    flops_step,
    info,
    mode_info,
    mode_params,
    pin,
    task_data,
    warm_model,
    warm_model_or_skip,
)
from benchmarks.tasks import synthetic
from reference_impls import IMPLEMENTATIONS, ModelSpec

TASKS = ("xor", "spiral", "moons")
SIZES_N = (300, 3000, 30000)
WIDTHS = (64, 256, 512)


@pytest.mark.parametrize("impl,mode", mode_params())
@pytest.mark.parametrize("task", TASKS)
def test_step_on_task(benchmark, task, impl, mode):
    """One step of the task's default model, full batch, ``impl`` driven in ``mode``."""
    pin()
    t, d = task_data(task)
    model, prepared = warm_model_or_skip(impl, t.spec, d.X_train, d.y_train, mode)
    benchmark.group = f"step: {task} (default model, full batch)"
    info(
        benchmark,
        impl=impl,
        **mode_info(impl, mode),
        task=task,
        n=len(d.X_train),
        width=t.spec.sizes[1],
        dtype=t.spec.dtype,
        flops=flops_step(t.spec.sizes, len(d.X_train)),
    )
    check_losses(benchmark(model.run_steps, prepared, 1))


@pytest.mark.parametrize("impl,mode", mode_params())
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("n", SIZES_N)
def test_step_by_size(benchmark, n, width, dtype, impl, mode):
    """One step of a 10-width-3 network on ``n`` synthetic rows, ``impl`` driven in ``mode``."""
    pin()
    spec = ModelSpec(
        sizes=(10, width, 3),
        activations=("relu", "softmax"),
        loss="categorical_crossentropy",
        optimizer="sgd",
        lr=0.01,
        dtype=dtype,
        init="he_uniform",
    )
    X, y = synthetic(n, 10, 3)
    model, prepared = warm_model_or_skip(impl, spec, X, y, mode)
    benchmark.group = f"step: n={n} width={width} {dtype}"
    info(
        benchmark,
        impl=impl,
        **mode_info(impl, mode),
        task="synthetic",
        n=n,
        width=width,
        dtype=dtype,
        flops=flops_step(spec.sizes, n),
    )
    check_losses(benchmark(model.run_steps, prepared, 1))


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
def test_forward(benchmark, impl):
    pin()
    n, width = 3000, 256
    spec = ModelSpec(
        sizes=(10, width, 3), activations=("relu", "softmax"), loss="categorical_crossentropy", init="he_uniform"
    )
    X, y = synthetic(n, 10, 3)
    model, _ = warm_model(impl, spec, X, y)
    benchmark.group = f"forward: n={n} width={width} float64"
    info(benchmark, impl=impl, task="synthetic", n=n, width=width, dtype="float64", flops=flops_forward(spec.sizes, n))
    check_outputs(benchmark(model.predict_proba, X), (n, 3))
