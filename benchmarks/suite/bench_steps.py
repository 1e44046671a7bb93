"""One training step (forward, backward, update) and one forward pass, per implementation."""

from __future__ import annotations

import pytest

from benchmarks.suite.helpers import check_losses, check_outputs, flops_forward, flops_step, info, pin, task_data, warm_model
from benchmarks.tasks import synthetic
from reference_impls import IMPLEMENTATIONS, ModelSpec

SIZES_N = (300, 3000, 30000)
WIDTHS = (64, 256, 512)


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
@pytest.mark.parametrize("task", ["xor", "spiral"])
def test_step_on_task(benchmark, task, impl):
    pin()
    t, d = task_data(task)
    model, prepared = warm_model(impl, t.spec, d.X_train, d.y_train)
    benchmark.group = f"step: {task} (default model, full batch)"
    info(benchmark, impl=impl, task=task, n=len(d.X_train), width=t.spec.sizes[1], dtype=t.spec.dtype,
         flops=flops_step(t.spec.sizes, len(d.X_train)))
    check_losses(benchmark(model.run_steps, prepared, 1))


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("n", SIZES_N)
def test_step_by_size(benchmark, n, width, dtype, impl):
    pin()
    spec = ModelSpec(sizes=(10, width, 3), activations=("relu", "softmax"), loss="categorical_crossentropy",
                     optimizer="sgd", lr=0.01, dtype=dtype, init="he_uniform")
    X, y = synthetic(n, 10, 3)
    model, prepared = warm_model(impl, spec, X, y)
    benchmark.group = f"step: n={n} width={width} {dtype}"
    info(benchmark, impl=impl, task="synthetic", n=n, width=width, dtype=dtype, flops=flops_step(spec.sizes, n))
    check_losses(benchmark(model.run_steps, prepared, 1))


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
def test_forward(benchmark, impl):
    pin()
    n, width = 3000, 256
    spec = ModelSpec(sizes=(10, width, 3), activations=("relu", "softmax"), loss="categorical_crossentropy", init="he_uniform")
    X, y = synthetic(n, 10, 3)
    model, _ = warm_model(impl, spec, X, y)
    benchmark.group = f"forward: n={n} width={width} float64"
    info(benchmark, impl=impl, task="synthetic", n=n, width=width, dtype="float64", flops=flops_forward(spec.sizes, n))
    check_outputs(benchmark(model.predict_proba, X), (n, 3))
