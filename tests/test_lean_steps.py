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
from reference_impls import FRAMEWORKS, build

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
            theirs.append(
                float(plain.train_model.train_on_batch(plain.train_inputs(Xn[rows], masks), yn[rows])) - penalty
            )
    np.testing.assert_array_equal(ours, np.array(theirs), err_msg="lean step (ours) vs train_on_batch (theirs)")
    assert _same_weights(lean.get_weights(), plain.get_weights())


# scikit-learn's problems: softmax, one logistic unit, k independent logistic units, and
# MLPRegressor; L2 (alpha), float32, and a sum-reduced loss whose scale changes with the
# last short batch of an epoch.
SKLEARN_PROBLEMS = {
    "spiral-sgd-full": ("spiral", dict(lr=0.5)),
    "spiral-adam-minibatch": ("spiral", dict(optimizer="adam", lr=0.01, batch_size=32, shuffle=True)),
    "spiral-nesterov-l2-float32": (
        "spiral",
        dict(lr=0.05, momentum=0.9, nesterov=True, l2=1e-3, dtype="float32", batch_size=64),
    ),
    "spiral-sum-short-batch": ("spiral", dict(lr=0.001, loss_reduction="sum", batch_size=70)),
    "xor-binary": ("xor", dict(lr=0.5)),
    "xor-multilabel": ("xor", dict(sizes=(2, 8, 2), activations=("tanh", "sigmoid"), lr=0.5)),
    "xor-mse": ("xor", dict(sizes=(2, 8, 1), loss="mse", activations=("tanh", "linear"), optimizer="adam", lr=0.01)),
}


def _sklearn_problem(name: str):
    task, changes = SKLEARN_PROBLEMS[name]
    data = TASKS[task].data(0)
    y = data.y_train
    if changes.get("sizes") == (2, 8, 2):  # two labels per row: the gate and its negation
        y = np.stack([y, 1 - y], axis=1)
    return TASKS[task].spec.replace(convention="keras", **changes), data.X_train, y


@pytest.mark.parametrize("name", SKLEARN_PROBLEMS)
@pytest.mark.parametrize("mode", ["harness", "backprop"])
def test_sklearn_lean_steps_are_documented_partial_fit(name, mode):
    """Both exact modes against ``partial_fit`` as documented: classes and every check on
    each call. ``backprop`` (what check runs) replays partial_fit's loop body."""
    spec, X, y = _sklearn_problem(name)
    lean, plain = build("sklearn", spec).use_mode(mode), build("sklearn", spec)
    ours = lean.train(X, y, 40)
    assert lean.train(X, y, 3).shape == (3,)  # a second call continues the same optimizer
    n, Xn, yn = plain.prepare(X, y)
    theirs = []
    for k in range(43):  # partial_fit as documented: classes on every call, every check on
        rows = plain._batch(n, k)
        Xb, yb = Xn[rows], yn[rows]
        plain.est.batch_size = len(Xb)
        plain._rescale(len(Xb))
        before = plain._alpha_penalty(len(Xb))
        if plain.classifier:
            plain.est.partial_fit(Xb, yb, classes=np.arange(plain.n_classes))
        else:
            plain.est.partial_fit(Xb, yb[:, 0] if yb.shape[1] == 1 else yb)
        theirs.append(plain._reported(float(plain.est.loss_) - before, len(Xb)))
    np.testing.assert_array_equal(
        ours, np.array(theirs[:40]), err_msg=f"sklearn {mode} (ours) vs documented partial_fit (theirs)"
    )
    assert _same_weights(lean.get_weights(), plain.get_weights())


def test_sklearn_backprop_mode_refuses_non_finite_weights_as_partial_fit_does():
    spec, X, y = _sklearn_problem("xor-mse")
    lean, plain = (
        build("sklearn", spec.replace(optimizer="sgd", lr=1e200)).use_mode("backprop"),
        build("sklearn", spec.replace(optimizer="sgd", lr=1e200)),
    )
    errors = []
    for model in (lean, plain):
        with pytest.raises(ValueError) as info, np.errstate(all="ignore"):
            model.train(X * 1e200, y, 5)
        errors.append(str(info.value))
    assert errors[0] == errors[1]


RESTART_SPECS = {
    "momentum-full": dict(lr=0.1, momentum=0.9),
    "nesterov-minibatch": dict(lr=0.05, momentum=0.9, nesterov=True, batch_size=32, shuffle=True),
    "adam-decay-divide": dict(optimizer="adam", lr=0.01, lr_decay=1e-2),
    "adam-decay-multiply": dict(optimizer="adam", lr=0.01, lr_decay=1e-2, lr_decay_form="multiply"),
    "rmsprop-momentum-l2": dict(optimizer="rmsprop", lr=0.001, momentum=0.5, l2=1e-3),
    "adagrad-dropout": dict(optimizer="adagrad", lr=0.05, dropout=0.2, batch_size=50),
}


@pytest.mark.parametrize("impl", FRAMEWORKS)
@pytest.mark.parametrize("name", RESTART_SPECS)
def test_restart_is_a_fresh_build(impl, name):
    """check's re-sync step restarts the trained model; it must take the steps a newly
    built one takes from those weights (optimizer state, step count, schedule, masks)."""
    from reference_impls import NotExpressible
    from reference_impls.equivalence import native_spec

    spec, X, y = _spiral(RESTART_SPECS[name])
    spec = native_spec(spec, impl)
    try:
        trained = build(impl, spec)
    except NotExpressible as exc:
        pytest.skip(str(exc))
    trained.train(X, y, 30)
    weights = trained.get_weights()
    restarted, fresh = trained.restart(weights), build(impl, spec, weights)
    np.testing.assert_array_equal(
        restarted.train(X, y, 5), fresh.train(X, y, 5), err_msg="restarted (ours) vs fresh build (theirs)"
    )
    assert _same_weights(restarted.get_weights(), fresh.get_weights())
