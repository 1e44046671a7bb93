"""Every execution mode an adapter declares trains, and the modes that claim the harness's
arithmetic give its losses exactly; compiling modes (torch.compile, XLA) fuse and reorder
floating-point work, so theirs are held to round-off closeness instead."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.suite.helpers import warm_model, warm_model_or_skip
from benchmarks.tasks import TASKS
from reference_impls import IMPLEMENTATIONS, SpecError, build, implementation_class

STEPS = 20
MODES = [(impl, mode) for impl in IMPLEMENTATIONS for mode in implementation_class(impl).modes()]


@pytest.fixture(scope="module")
def xor():
    task = TASKS["xor"]
    d = task.data(0)
    return task.spec, d.X_train, d.y_train


@pytest.fixture(scope="module")
def harness_losses(xor):
    """Each framework's harness losses, computed once on first use."""
    spec, X, y = xor
    cache: dict[str, np.ndarray] = {}

    def losses(impl: str) -> np.ndarray:
        if impl not in cache:
            model, prepared = warm_model(impl, spec, X, y)
            cache[impl] = model.run_steps(prepared, STEPS)
        return cache[impl]

    return losses


def test_every_adapter_declares_the_harness_mode_first_with_a_description():
    for impl in IMPLEMENTATIONS:
        modes = implementation_class(impl).modes()
        assert next(iter(modes)) == "harness", (impl, list(modes))
        assert all(isinstance(line, str) and line.strip() for line in modes.values()), (impl, modes)
        assert implementation_class(impl).facts.exact_modes <= set(modes), impl


@pytest.mark.parametrize("impl,mode", MODES, ids=[f"{i}-{m}" for i, m in MODES])
def test_mode_trains_like_the_harness(xor, harness_losses, impl, mode):
    spec, X, y = xor
    model, prepared = warm_model_or_skip(impl, spec, X, y, mode)  # two untimed steps, then STEPS more
    ours = model.run_steps(prepared, STEPS)
    theirs = harness_losses(impl)
    assert model.mode == mode and np.all(np.isfinite(ours)) and ours[-1] < ours[0], f"{impl} {mode} losses {ours}"
    if mode in model.facts.exact_modes:
        np.testing.assert_array_equal(ours, theirs, err_msg=f"{impl} {mode} (ours) against the harness (theirs)")
    else:  # fused/reordered arithmetic: round-off of the spec's dtype, grown over STEPS steps
        rtol = 1e-4 if model.spec.dtype == "float32" else 1e-9
        np.testing.assert_allclose(
            ours, theirs, rtol=rtol, err_msg=f"{impl} {mode} (ours) against the harness (theirs)"
        )


def test_unknown_mode_is_one_clear_error(xor):
    spec, _, _ = xor
    with pytest.raises(SpecError, match="has no mode 'turbo'; choose one of: harness"):
        build("scratch", spec).use_mode("turbo")
