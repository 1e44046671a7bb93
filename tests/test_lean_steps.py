"""The adapters' lean steps take the very steps of the framework calls they replace.

Keras (TensorFlow backend): ``_step`` runs Keras's own train step as one ``tf.function``
instead of ``train_on_batch``; scikit-learn: ``partial_fit`` without the classes after the
first call and without its input checks. Both claim bit-for-bit the same trajectory
(losses and weights) as the plain calls, which a test below replays step by step.
"""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.tasks import TASKS
from reference_impls import build

SPECS = {
    "sgd-full": dict(lr=0.5),
    "adam-minibatch": dict(optimizer="adam", lr=0.01, batch_size=32, shuffle=True),
    "momentum-l2-decay": dict(lr=0.1, momentum=0.9, l2=1e-3, lr_decay=1e-3),
    "rmsprop-weight-decay": dict(optimizer="rmsprop", lr=0.001, weight_decay=1e-3),
    "dropout-float32": dict(lr=0.3, dropout=0.2, dtype="float32", batch_size=50),
}


def _same_weights(a, b) -> bool:
    return all(np.array_equal(x, y) for pa, pb in zip(a, b) for x, y in zip(pa, pb))


def _spiral(changes: dict):
    data = TASKS["spiral"].data(0)
    return TASKS["spiral"].spec.replace(convention="keras", **changes), data.X_train, data.y_train


@pytest.mark.parametrize("name", SPECS)
def test_keras_lean_step_is_train_on_batch(name):
    from reference_impls.keras_impl import floatx

    spec, X, y = _spiral(SPECS[name])
    lean, plain = build("keras", spec), build("keras", spec)
    if lean._train_step is None:
        pytest.skip("the lean step exists on the TensorFlow backend only")
    ours = lean.train(X, y, 40)
    n, Xn, yn = plain.prepare(X, y)
    theirs = []
    for k in range(40):  # what _step did before: train_on_batch on the step's batch and masks
        rows = plain._batch(n, k)
        masks = spec.dropout_masks(k, len(Xn[rows])) if spec.has_dropout else None
        penalty = plain._penalty() if plain.penalised else 0.0
        with floatx(spec.dtype):
            theirs.append(float(plain.train_model.train_on_batch(plain.train_inputs(Xn[rows], masks), yn[rows])) - penalty)
    np.testing.assert_array_equal(ours, np.array(theirs), err_msg="lean step (ours) vs train_on_batch (theirs)")
    assert _same_weights(lean.get_weights(), plain.get_weights())


@pytest.mark.parametrize("name", ["sgd-full", "adam-minibatch"])
def test_sklearn_lean_partial_fit_is_the_checked_call(name):
    spec, X, y = _spiral(SPECS[name])
    lean, plain = build("sklearn", spec), build("sklearn", spec)
    ours = lean.train(X, y, 40)
    n, Xn, yn = plain.prepare(X, y)
    theirs = []
    for k in range(40):  # partial_fit as documented: classes on every call, every check on
        rows = plain._batch(n, k)
        Xb, yb = Xn[rows], yn[rows]
        plain.est.batch_size = len(Xb)
        plain._rescale(len(Xb))
        plain.est.partial_fit(Xb, yb, classes=np.arange(plain.n_classes))
        theirs.append(plain._reported(float(plain.est.loss_), len(Xb)))
    np.testing.assert_array_equal(ours, np.array(theirs), err_msg="lean partial_fit (ours) vs checked partial_fit (theirs)")
    assert _same_weights(lean.get_weights(), plain.get_weights())
