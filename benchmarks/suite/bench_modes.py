"""How each framework is driven changes its speed: the harness's Keras step (Keras's own
train step as one ``tf.function``, bit for bit ``train_on_batch``), ``model.fit`` for one
epoch, a bare ``tf.function`` step and the same with XLA (``jit_compile``); PyTorch eager
and ``torch.compile``. All on the spiral's default model, full batch, the same weights."""

from __future__ import annotations

import pytest

import numpy as np

from benchmarks.suite.helpers import check_losses, flops_step, info, pin, warm_model
from benchmarks.tasks import TASKS

TASK = TASKS["spiral"]


@pytest.fixture(scope="module")
def data():
    d = TASK.data(0)
    return d.X_train, d.y_train


def _info(benchmark, impl: str, mode: str, n: int) -> None:
    benchmark.group = f"modes: {impl} on spiral (one step = one epoch)"
    info(benchmark, impl=impl, mode=mode, task="spiral", n=n, width=TASK.spec.sizes[1], dtype=TASK.spec.dtype, flops=flops_step(TASK.spec.sizes, n))


@pytest.mark.parametrize("impl,mode", [("keras", "harness (tf.function train step)"), ("torch", "eager")])
def test_harness_step(benchmark, data, impl, mode):
    """The step the harness itself takes with each framework."""
    pin()
    model, prepared = warm_model(impl, TASK.spec, *data)
    _info(benchmark, impl, mode, len(data[0]))
    check_losses(benchmark(model.run_steps, prepared, 1))


def test_keras_fit_one_epoch(benchmark, data):
    pin()
    from reference_impls.keras_impl import floatx

    model, _ = warm_model("keras", TASK.spec, *data)
    X, y = data
    fit = lambda: model.train_model.fit(X, y, batch_size=len(X), epochs=1, shuffle=False, verbose=0)  # noqa: E731
    with floatx(TASK.spec.dtype):
        fit()  # warm-up: fit builds its own train function and data adapter
        _info(benchmark, "keras", "model.fit (1 epoch)", len(X))
        history = benchmark(fit)
    assert np.isfinite(history.history["loss"]).all()


@pytest.mark.parametrize("jit", [False, True], ids=["tf.function", "tf.function-xla"])
def test_keras_compiled_step(benchmark, data, jit):
    pin()
    import tensorflow as tf

    from reference_impls.keras_impl import floatx

    model, _ = warm_model("keras", TASK.spec, *data)
    m, opt, loss_fn = model.train_model, model.optimizer, model.loss_fn
    X, y = tf.constant(data[0]), tf.constant(data[1])

    @tf.function(jit_compile=jit)
    def step(x, t):
        with tf.GradientTape() as tape:
            loss = loss_fn(t, m(x, training=True))
        opt.apply(tape.gradient(loss, m.trainable_variables), m.trainable_variables)
        return loss

    with floatx(TASK.spec.dtype):
        try:
            step(X, y)  # trace (and compile) untimed
        except Exception as exc:  # XLA may be unavailable in a CPU build
            pytest.skip(f"{'XLA' if jit else 'tf.function'} step does not run here: {type(exc).__name__}: {exc}")
        _info(benchmark, "keras", "tf.function + XLA" if jit else "tf.function", len(data[0]))
        assert np.isfinite(benchmark(lambda: step(X, y).numpy()))


def test_torch_compile(benchmark, data):
    pin()
    import torch

    model, (n, X, y) = warm_model("torch", TASK.spec, *data)

    def step():
        model.optimizer.zero_grad(set_to_none=True)
        loss = model._loss(X, y)
        loss.backward()
        model.optimizer.step()
        return loss

    try:
        compiled = torch.compile(step)
        compiled().item()  # compile untimed (tens of seconds)
    except Exception as exc:  # needs a working C++ toolchain
        pytest.skip(f"torch.compile does not work on this machine: {type(exc).__name__}: {str(exc)[:200]}")
    _info(benchmark, "torch", "torch.compile", n)
    assert np.isfinite(benchmark(lambda: compiled().item()))
