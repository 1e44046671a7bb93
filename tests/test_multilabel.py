"""k independent sigmoid outputs (multi-label classification): scikit-learn's multi-label
``MLPClassifier`` (fitted on an indicator matrix) follows the scratch network step by step
like torch and keras, its summed-over-outputs log-loss rescaled exactly (c = k)."""

from __future__ import annotations

import numpy as np
import pytest

from reference_impls import ModelSpec, build
from reference_impls import equivalence as eq
from reference_impls.sklearn_impl import SklearnImplementation

RNG = np.random.default_rng(7)
X = RNG.normal(size=(48, 3))
Y = np.stack([X[:, 0] > 0, X[:, 1] + X[:, 2] > 0, X[:, 0] * X[:, 1] > 0, X.sum(1) > 0.5], axis=1).astype(np.int64)
BASE = ModelSpec(sizes=(3, 6, 4), activations=("tanh", "sigmoid"), loss="binary_crossentropy", lr=0.5)

CASES = {
    "sgd-full": {},
    "sgd-momentum-minibatch": dict(momentum=0.9, batch_size=16),
    "adam": dict(optimizer="adam", lr=0.01),
    "weights-only-l2": dict(l2=0.01),
    "sum-reduction": dict(loss_reduction="sum", lr=0.02),
}


@pytest.mark.parametrize("impl", ["sklearn", "torch", "keras"])
@pytest.mark.parametrize("case", list(CASES))
def test_multilabel_equivalence(case, impl):
    r = eq.compare(BASE.replace(**CASES[case]), impl, X, Y, 300)
    detail = f"{impl}: {r.status} one step {r.one_step:.2e}, loss per step {r.loss_step_rel:.2e}, weights {r.weights_max_rel:.2e} {r.note}"
    assert r.status == "pass", detail
    assert r.one_step <= 1e-13 and r.loss_step_rel <= 1e-12 and r.weights_max_rel <= 1e-12, detail


def test_sklearn_multilabel_predictions_are_per_output_probabilities():
    ours, theirs = build("scratch", BASE), build("sklearn", BASE)
    assert not list(SklearnImplementation.unsupported(BASE))
    for m in (ours, theirs):
        m.train(X, Y, 50)
    p, q = ours.predict_proba(X), theirs.predict_proba(X)
    assert q.shape == (len(X), 4)
    np.testing.assert_allclose(q, p, rtol=1e-12, atol=1e-14, err_msg="sklearn (actual) vs scratch (desired)")
    assert theirs.est._label_binarizer.y_type_ == "multilabel-indicator"


@pytest.mark.parametrize(
    "spec, lacks",
    [
        (
            ModelSpec(sizes=(2, 4, 2), activations=("tanh", "softmax"), loss="categorical_crossentropy"),
            "2-unit softmax",
        ),
        (BASE.replace(lr_decay=0.01), "inverse-time learning-rate decay"),
        (BASE.replace(dropout=0.2), "dropout"),
    ],
    ids=["two-unit-softmax", "lr-decay", "dropout"],
)
def test_what_sklearn_lacks_says_so(spec, lacks):
    reasons = list(SklearnImplementation.unsupported(spec))
    assert any(lacks in r and "scikit-learn lacks" in r for r in reasons), reasons
