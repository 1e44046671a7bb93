"""Native dropout (``dropout_rng="native"``): each implementation draws its own masks, so
runs are compared by the distribution of their outcomes over seeds, not step by step.
Correct frameworks must pass; a scratch network whose dropout is wrong in either of the two
classic ways (no 1/(1 - rate) scaling; the wrong rate) must fail."""

from __future__ import annotations

import numpy as np
import pytest

import scratch.layers
from benchmarks.tasks import TASKS
from reference_impls import ModelSpec, SpecError, build
from reference_impls import equivalence as eq
from reference_impls.dropout_stats import OUTCOMES, compare_native_dropout

STEPS, SEEDS = 100, 20


@pytest.fixture(scope="module")
def moons():
    t = TASKS["moons"]
    d = t.data(0)
    return t.spec.replace(dropout=0.2, dropout_rng="native"), d.X_train, d.y_train


@pytest.mark.parametrize("impl", ["torch", "keras", "jax"])
def test_framework_dropout_matches_scratch_in_distribution(moons, impl):
    spec, X, y = moons
    r = compare_native_dropout(spec, impl, X, y, STEPS, seeds=SEEDS)
    assert r.status == "pass", r.note
    assert set(r.p_values) == set(OUTCOMES) and all(len(r.theirs[o]) == SEEDS for o in OUTCOMES)
    # They really are different runs (their own masks), only alike in distribution.
    assert not np.array_equal(r.ours[OUTCOMES[0]], r.theirs[OUTCOMES[0]]), r.note


def _unscaled(self, shape, dtype):
    return (self.rng.random(shape) >= self.rate).astype(dtype)


def _double_rate(self, shape, dtype):
    return ((self.rng.random(shape) >= 2 * self.rate) / (1 - 2 * self.rate)).astype(dtype)


@pytest.mark.parametrize("broken", [_unscaled, _double_rate], ids=["no-inverted-scaling", "twice-the-rate"])
def test_broken_dropout_is_caught(moons, monkeypatch, broken):
    spec, X, y = moons
    monkeypatch.setattr(scratch.layers.Dropout, "draw", broken)
    r = compare_native_dropout(spec, "torch", X, y, STEPS, seeds=SEEDS)
    assert r.status == "fail", r.note
    assert min(r.p_values.values()) < 0.005, r.note


def test_native_runs_are_reproducible_and_differ_from_shared_masks(moons):
    spec, X, y = moons
    for impl in ("scratch", "torch", "keras", "jax"):
        native = eq.native_spec(spec, impl)
        a, b = (build(impl, native).train(X, y, 20) for _ in range(2))
        shared = build(impl, native.replace(dropout_rng="shared")).train(X, y, 20)
        np.testing.assert_array_equal(a, b, err_msg=f"{impl}: native dropout from the same seed must repeat")
        assert not np.array_equal(a, shared), f"{impl}: native dropout drew the shared masks"


def test_shared_masks_keep_step_by_step_equality(moons):
    spec, X, y = moons
    spec = spec.replace(dropout_rng="shared")
    ours = build("scratch", spec).train(X, y, 30)
    theirs = build("torch", spec).train(X, y, 30)
    np.testing.assert_allclose(theirs, ours, rtol=1e-12)


def test_bad_dropout_rng_and_misuse():
    with pytest.raises(SpecError, match="dropout_rng must be one of shared, native"):
        ModelSpec(
            sizes=(2, 4, 1),
            activations=("relu", "sigmoid"),
            loss="binary_crossentropy",
            dropout=0.1,
            dropout_rng="torch",
        )
    spec = ModelSpec(sizes=(2, 4, 1), activations=("relu", "sigmoid"), loss="binary_crossentropy")
    with pytest.raises(ValueError, match="no dropout"):
        compare_native_dropout(spec, "torch", np.zeros((4, 2)), np.zeros(4, int), 5)
    with pytest.raises(ValueError, match="at least 10 seeds"):
        compare_native_dropout(spec.replace(dropout=0.1), "torch", np.zeros((4, 2)), np.zeros(4, int), 5, seeds=3)


def test_compare_routes_native_dropout_to_the_statistical_test(moons):
    """check and validate go through equivalence.compare: a native-dropout spec gets the
    statistical verdict there (with its p-values), never a step-by-step "fail"."""
    spec, X, y = moons
    r = eq.compare(spec, "torch", X, y, 60)
    assert r.status == "pass" and "native dropout over 20 seeds" in r.note and "p = " in r.note, r.note
