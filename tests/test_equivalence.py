"""Step-by-step equivalence of Keras, PyTorch, scikit-learn and JAX with the scratch network.

Tolerances (relative to each tensor's largest entry): float64, one step <= 1e-13 and
1000-step trajectories (losses and final weights) <= 1e-12; float32, <= 1e-5 over 200
steps. Each framework is compared under its own optimizer convention.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from benchmarks.harness.check import CONFIGS
from benchmarks.tasks import TASKS
from reference_impls import FRAMEWORKS, ModelSpec
from reference_impls import equivalence as eq
from reference_impls.torch_impl import TorchImplementation

IMPLS = FRAMEWORKS
# What a framework lacks in the task specs' (PyTorch's) optimizer forms: configs -> what the
# note names (its rows read "not expressible", never "fail"). scikit-learn's MLP has no RMSprop
# or Adagrad.
LACKS = {"sklearn": (("rmsprop", "adagrad"), "optimizer")}


def _lacks(impl: str, config: str) -> str | None:
    """What the note of a comparison ``impl`` cannot express names, or None when it can."""
    configs, named = LACKS.get(impl, ((), None))
    return named if config.split("-")[0] in configs else None


def _run(task: str, config: str, impl: str, steps: int, dtype: str = "float64") -> eq.Comparison:
    t = TASKS[task]
    data = t.data(0)
    spec = t.spec.replace(dtype=dtype, **CONFIGS[config].spec_changes(t))
    return eq.compare(spec, impl, data.X_train, data.y_train, steps)


def _assert_equivalent(r: eq.Comparison, step_tol: float, traj_tol: float) -> None:
    """Within tolerance against the largest loss and in the weights; judged per step, a
    loss that shrinks by orders of magnitude may show its round-off growing ("amplified"),
    never a jump ("fail")."""
    detail = (
        f"{r.impl}: one step {r.one_step:.2e}, loss {r.loss_max_rel:.2e} (per step {r.loss_step_rel:.2e}), "
        f"weights {r.weights_max_rel:.2e}, growth {r.growth_per_100_steps:.3g}/100 steps, {r.status} {r.note}"
    )
    assert r.status in ("pass", "amplified"), detail
    assert r.status == "pass" or (r.loss_step_rel > traj_tol and r.max_step_growth <= eq.MAX_JUMP), detail
    assert r.one_step <= step_tol and r.loss_max_rel <= traj_tol and r.weights_max_rel <= traj_tol, detail
    assert r.loss_step_rel >= r.loss_max_rel  # each step's own loss is at most the largest


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("config", list(CONFIGS))
@pytest.mark.parametrize("task", ["xor", "spiral"])
def test_float64_1000_steps(task, config, impl):
    r = _run(task, config, impl, 1000)
    if _lacks(impl, config):
        assert r.status == "not expressible" and _lacks(impl, config) in r.note, r.note
        return
    _assert_equivalent(r, 1e-13, 1e-12)


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("config", [c for c in CONFIGS if not c.startswith("adam")])
@pytest.mark.parametrize("task", ["xor", "spiral"])
def test_float32_200_steps(task, config, impl):
    r = _run(task, config, impl, 200, "float32")
    if _lacks(impl, config):
        assert r.status == "not expressible"
        return
    _assert_equivalent(r, 1e-5, 1e-5)


ADAM_FLOAT32 = [pytest.param(task, impl, id=f"{task}-{impl}") for task in ("xor", "spiral") for impl in IMPLS]


@pytest.mark.parametrize("task,impl", ADAM_FLOAT32)
def test_float32_adam_reports_its_drift(task, impl):
    """Adam's first steps are nearly lr * sign(g): a float32 gradient within round-off of
    eps moves a weight visibly, and the drift grows from there. Measured here: one step
    agrees to <= 1e-5, weights drift up to ~1e-2 over 200 steps, gradually (status
    "amplified", growth reported), never a jump."""
    r = _run(task, "adam-minibatch", impl, 200, "float32")
    assert r.one_step <= 1e-5
    assert r.status in ("pass", "amplified"), (r.status, r.note, r.max_step_growth)
    assert r.loss_max_rel < 1e-3 and r.weights_max_rel < 0.05


VARIANTS = {
    # name: (task, spec changes, impls that can express it)
    "xor-tanh-mse-linear-sgd": (
        "xor",
        dict(sizes=(2, 6, 1), activations=("tanh", "linear"), loss="mse", optimizer="sgd", lr=0.1),
        IMPLS,
    ),
    "xor-tanh-mse-linear-adam": (
        "xor",
        dict(sizes=(2, 6, 1), activations=("tanh", "linear"), loss="mse", optimizer="adam", lr=0.01),
        IMPLS,
    ),
    "xor-sigmoid-mse-sigmoid": (
        "xor",
        dict(sizes=(2, 6, 1), activations=("sigmoid", "sigmoid"), loss="mse", optimizer="sgd", lr=0.5),
        ("keras", "torch", "jax"),
    ),
    "xor-sigmoid-bce": (
        "xor",
        dict(sizes=(2, 6, 1), activations=("sigmoid", "sigmoid"), optimizer="sgd", lr=0.5, momentum=0.5),
        IMPLS,
    ),
    "spiral-tanh": (
        "spiral",
        dict(sizes=(2, 32, 3), activations=("tanh", "softmax"), optimizer="sgd", lr=0.3, momentum=0.5),
        IMPLS,
    ),
    "spiral-sigmoid-deep": (
        "spiral",
        dict(sizes=(2, 16, 16, 3), activations=("sigmoid", "sigmoid", "softmax"), optimizer="adam", lr=0.005),
        IMPLS,
    ),
    "spiral-leaky": (
        "spiral",
        dict(activations=("leaky_relu", "softmax"), leaky_alpha=0.1, lr=0.3),
        ("keras", "torch", "jax"),
    ),
    "spiral-lr-decay-momentum": (
        "spiral",
        dict(optimizer="sgd", lr=0.3, momentum=0.9, lr_decay=0.01),
        ("keras", "torch", "jax"),
    ),
    "spiral-weight-decay": ("spiral", dict(optimizer="sgd", lr=0.1, weight_decay=0.01), ("keras", "torch", "jax")),
    "spiral-mse-2-outputs": (
        "spiral",
        dict(sizes=(2, 16, 2), activations=("tanh", "linear"), loss="mse", optimizer="sgd", lr=0.1, momentum=0.5),
        IMPLS,
    ),
}


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_losses_activations_and_options(variant, impl):
    task, changes, able = VARIANTS[variant]
    data = TASKS[task].data(0)
    y = data.X_train[:, ::-1] ** 2 if variant == "spiral-mse-2-outputs" else data.y_train
    spec = TASKS[task].spec.replace(**changes)
    r = eq.compare(spec, impl, data.X_train, y, 1000)
    if impl not in able:
        assert r.status == "not expressible", r.note
        return
    _assert_equivalent(r, 1e-13, 1e-12)


def test_amplified_round_off_is_reported_with_its_growth(spiral_data):
    """Adam with weight decay at lr 0.01 on the spiral is chaotic: the loss deviation
    grows ~x10 every 25 steps from 1e-16 until the trajectories decorrelate. The check
    says so instead of hiding it or calling it a mismatch."""
    X, y = spiral_data
    spec = TASKS["spiral"].spec.replace(optimizer="adam", lr=0.01, weight_decay=0.01)
    r = eq.compare(spec, "torch", X, y, 600)
    assert r.one_step <= 1e-13 and r.status == "amplified"
    assert r.growth_per_100_steps > 10 and r.max_step_growth <= eq.MAX_JUMP
    steps, devs = zip(*r.deviation_curve)
    assert steps[0] == 1 and steps[-1] == 600 and list(devs) == sorted(devs)
    assert devs[0] < 1e-14 < 1e-6 < devs[-1]


class _LrBug(TorchImplementation):
    def _build(self):
        super()._build()
        for group in self.optimizer.param_groups:
            group["lr"] *= 1 + 1e-9


class _EpochBug(TorchImplementation):
    def _batch(self, n, step):  # reverses the batch order from epoch 2 on
        per_epoch = self.spec.steps_per_epoch(n)
        epoch, i = divmod(step, per_epoch)
        batches = self.spec.batches(n, epoch)
        return batches[-1 - i] if epoch >= 1 else batches[i]


@pytest.mark.parametrize("bug", [_LrBug, _EpochBug], ids=["lr-off-by-1e-9", "batch-order-from-epoch-2"])
def test_the_check_catches_real_mismatches(bug, spiral_data, monkeypatch):
    X, y = spiral_data
    real_build = eq.build
    monkeypatch.setattr(
        eq,
        "build",
        lambda name, spec, w=None, device="cpu": (
            bug(spec, w, device=device) if name == "torch" else real_build(name, spec, w, device=device)
        ),
    )
    spec = TASKS["spiral"].spec.replace(lr=0.3, batch_size=32, shuffle=True)
    r = eq.compare(spec, "torch", X, y, 40)
    assert r.status == "fail", (r.one_step, r.loss_max_rel, r.max_step_growth)


def test_long_run_at_the_cs231n_learning_rate(spiral_data):
    """The spiral at lr 1.0 (the cs231n setting): the deviation's growth is reported."""
    X, y = spiral_data
    r = eq.compare(TASKS["spiral"].spec, "torch", X, y, 2000)
    assert r.status in ("pass", "amplified") and r.one_step <= 1e-13
    assert len(r.deviation_curve) > 20 and r.loss_max_rel < 1e-9


def test_spec_convention_is_the_frameworks():
    spec = ModelSpec(sizes=(2, 3), activations=("sigmoid",), loss="binary_crossentropy", optimizer="adam")
    assert eq.native_spec(spec, "keras").convention == "keras"
    assert eq.native_spec(spec, "sklearn").convention == "keras"
    assert eq.native_spec(spec, "torch").convention == "pytorch"
    assert eq.native_spec(spec.replace(convention="keras"), "scratch").convention == "keras"


def test_rel_dev():
    assert eq.rel_dev(np.zeros(3), np.zeros(3)) == 0
    assert eq.rel_dev(np.array([1.0, 2.0]), np.array([1.0, 2.5])) == pytest.approx(0.2)
    assert eq.rel_dev(np.zeros(2), np.array([0.0, 1e-300])) == 1.0


def test_check_in_worker_processes_gives_the_serial_table():
    """run_check's parallel path (spawned workers, one thread each) returns the serial
    run's table, row for row and number for number (only the timings differ)."""
    from benchmarks.harness.check import parse_configs, run_check

    args = ([TASKS["xor"]], ["sklearn"], parse_configs("sgd-full,adam-minibatch"), 20)
    serial, dev_serial = run_check(*args, workers=1)
    parallel, dev_parallel = run_check(*args, workers=2)
    pd.testing.assert_frame_equal(serial.drop(columns="seconds"), parallel.drop(columns="seconds"))
    pd.testing.assert_frame_equal(dev_serial, dev_parallel)
