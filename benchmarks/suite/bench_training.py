"""A full training run per implementation (the task's default model and epochs), with
the accuracy and final loss it reached beside its time."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.suite.helpers import flops_step, info, pin, task_data
from reference_impls import IMPLEMENTATIONS, build
from reference_impls.equivalence import native_spec


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
@pytest.mark.parametrize("task", ["xor", "spiral"])
def test_train_to_target(benchmark, task, impl):
    pin()
    t, d = task_data(task)
    spec = native_spec(t.spec, impl)
    steps = t.epochs * spec.steps_per_epoch(len(d.X_train))
    build(impl, spec).train(d.X_train, d.y_train, 2)  # warm the framework (untimed)

    def setup():
        model = build(impl, spec)
        return (model, model.prepare(d.X_train, d.y_train)), {}

    trained = []

    def train(model, prepared):
        model.run_steps(prepared, steps)
        trained.append(model)

    benchmark.group = f"train: {task} ({t.epochs} epochs, target {t.target_metric} >= {t.target:g})"
    benchmark.pedantic(train, setup=setup, rounds=3, warmup_rounds=0, iterations=1)
    model = trained[-1]
    X, y = (d.X_train, d.y_train) if t.target_metric == "train_accuracy" else (d.X_test, d.y_test)
    acc = model.accuracy(X, y)
    final_loss, _ = model.gradients(d.X_train, d.y_train)  # the framework's own loss on the training set
    info(
        benchmark,
        impl=impl,
        task=task,
        n=len(d.X_train),
        width=t.spec.sizes[1],
        dtype=t.spec.dtype,
        steps=steps,
        flops=steps * flops_step(t.spec.sizes, len(d.X_train)),
        accuracy=acc,
        final_loss=final_loss,
        reached_target=bool(acc >= t.target),
    )
    assert np.isfinite(final_loss) and model.predict_proba(X).shape == (len(X), t.spec.sizes[-1])
    assert acc >= t.target, f"{impl} reached {acc:.3f} on {task}, below its target {t.target}"
