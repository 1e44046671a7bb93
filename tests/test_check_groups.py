"""The check's groups share scratch twins only where the twins' numbers are the same: a
group's comparisons equal each comparison run alone with its own twin, number for number,
and a plain-SGD group trains one twin where a momentum group trains two."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.harness import check
from benchmarks.tasks import TASKS
from reference_impls import FRAMEWORKS, equivalence
from reference_impls.equivalence import compare

IMPLS = FRAMEWORKS
NUMBERS = (
    "one_step_loss",
    "one_step_grads",
    "one_step_weights",
    "resync",
    "loss_max_abs",
    "loss_step_rel",
    "weights_max_rel",
)


def _group(config: str, steps: int = 40) -> check.Group:
    task = TASKS["xor"]
    data = task.data(0)
    spec = task.spec.replace(seed=0, **check.CONFIGS[config].spec_changes(task))
    return check.Group(0, tuple((impl, spec) for impl in IMPLS), data.X_train, data.y_train, steps)


@pytest.mark.parametrize("config", ["sgd-full", "momentum-minibatch"])
def test_plain_sgd_twins_are_the_same_numbers_in_either_convention(config):
    group = _group(config)
    spec = group.specs[0][1]
    keras, torch = (
        equivalence.reference(spec.replace(convention=c), group.X, group.y, group.steps) for c in ("keras", "pytorch")
    )
    same = np.array_equal(keras.losses, torch.losses) and all(
        np.array_equal(a, b) for pa, pb in zip(keras.final, torch.final) for a, b in zip(pa, pb)
    )
    shared = check.twin_key(spec.replace(convention="keras")) == check.twin_key(spec.replace(convention="pytorch"))
    assert shared == same == (config == "sgd-full"), f"twins identical: {same}; one twin key: {shared}"


@pytest.mark.parametrize("config,twins", [("sgd-full", 1), ("momentum-minibatch", 2)])
def test_a_group_equals_its_comparisons_run_alone(config, twins, monkeypatch):
    group = _group(config)
    trained = []
    real = equivalence.reference
    monkeypatch.setattr(
        equivalence, "reference", lambda spec, *a, **k: trained.append(spec.convention) or real(spec, *a, **k)
    )
    grouped = check.compare_group(group)
    assert len(trained) == twins, f"twins trained: {trained}"
    monkeypatch.setattr(equivalence, "reference", real)
    for (impl, spec), ours in zip(group.specs, grouped):
        alone = compare(spec, impl, group.X, group.y, group.steps)
        assert (ours.impl, ours.status, ours.spec) == (alone.impl, alone.status, alone.spec)
        for name in NUMBERS:
            a, b = getattr(ours, name), getattr(alone, name)
            assert a == b or (np.isnan(a) and np.isnan(b)), f"{impl} {name}: grouped {a!r}, alone {b!r}"
        assert ours.deviation_curve == alone.deviation_curve
