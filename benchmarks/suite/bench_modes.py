"""How each framework is driven changes its speed. Every implementation declares its own
execution modes (``Implementation.modes()``: ``"harness"``, how the harness drives it, and
the framework's faster documented ones); each is timed here side by side on the spiral's
default model, full batch, the same weights, one step a call. Compiling modes compile
during the untimed warm-up steps."""

from __future__ import annotations

import pytest

from benchmarks.suite.helpers import check_losses, flops_step, info, pin, warm_model_or_skip
from benchmarks.tasks import TASKS
from reference_impls import IMPLEMENTATIONS, implementation_class

TASK = TASKS["spiral"]
MODES = [(impl, mode) for impl in IMPLEMENTATIONS for mode in implementation_class(impl).modes()]


@pytest.fixture(scope="module")
def data():
    d = TASK.data(0)
    return d.X_train, d.y_train


@pytest.mark.parametrize("impl,mode", MODES, ids=[f"{i}-{m}" for i, m in MODES])
def test_mode_step(benchmark, data, impl, mode):
    """One training step of ``impl`` driven in ``mode``."""
    pin()
    model, prepared = warm_model_or_skip(impl, TASK.spec, *data, mode=mode)
    benchmark.group = "modes: spiral (one step = one epoch)"
    info(benchmark, impl=impl, mode=mode, mode_description=implementation_class(impl).modes()[mode], task="spiral",
         n=len(data[0]), width=TASK.spec.sizes[1], dtype=TASK.spec.dtype, flops=flops_step(TASK.spec.sizes, len(data[0])))
    check_losses(benchmark(model.run_steps, prepared, 1))
