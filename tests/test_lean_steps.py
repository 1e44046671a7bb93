"""The lean steps take the very steps of the plain calls they replace.

scratch: ``scratch.lean.train_step`` (what ``fit``, ``train_step`` and the benchmarks run)
computes in place and keeps only what back-propagation reads; its losses and weights equal
those of ``Sequential``'s plain forward/backward and update, bit for bit.
Keras (TensorFlow backend): ``_step`` runs Keras's own train step as one ``tf.function``
instead of ``train_on_batch``; scikit-learn: ``partial_fit`` without the classes after the
first call and without its input checks. Both claim bit-for-bit the same trajectory
(losses and weights) as the plain calls, which a test below replays step by step.
"""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.tasks import TASKS, spiral
from reference_impls import FRAMEWORKS, build
from scratch import SGD, Dense, Dropout, ReLU, Sequential, Sigmoid, Softmax, get_activation


def _same_weights(a, b) -> bool:
    return all(np.array_equal(x, y) for pa, pb in zip(a, b) for x, y in zip(pa, pb))


LEAN_CASES = [
    ("relu", "float64", "native", True),
    ("leaky_relu", "float64", "native", True),
    ("sigmoid", "float64", "native", True),
    ("tanh", "float64", "native", True),
    ("linear", "float64", "native", True),
    ("relu", "float32", "native", True),
    ("relu", "float32", "float64", True),
    ("sigmoid", "float32", "float64", True),
    ("relu", "float64", "native", False),
    ("tanh", "float64", "native", False),
    ("leaky_relu", "float32", "native", False),
]


def _scratch_net(act: str, dtype: str, accumulate: str, fuse: bool, dropout: float = 0.0, l2: float = 0.0):
    rng = np.random.default_rng(2)
    dense = dict(rng=rng, dtype=dtype, accumulate=accumulate, l2=l2)
    hidden = [Dropout(dropout, rng=np.random.default_rng(3))] if dropout else []
    return Sequential(
        [
            Dense(2, 16, **dense),
            get_activation(act),
            *hidden,
            Dense(16, 16, **dense),
            get_activation(act),
            Dense(16, 3, **dense),
            Softmax(),
        ],
        loss="categorical_crossentropy",
        optimizer=SGD(lr=0.5, momentum=0.9),
        fuse=fuse,
    )


def _lean_against_plain(lean: Sequential, plain: Sequential, X, y, steps: int = 30) -> None:
    ours = [lean.train_step(X, y) for _ in range(steps)]
    theirs = []
    for _ in range(steps):  # the unabridged step: every array kept, nothing in place
        for d, width in plain.dropout_layers:  # the lean step's draw, from a stream seeded alike
            d.mask = d.draw((len(X), width), X.dtype)
        loss, _ = plain.loss_and_gradients(X, y)
        plain.optimizer.step(plain.params())
        for d, _ in plain.dropout_layers:
            d.mask = None
        theirs.append(loss)
    np.testing.assert_array_equal(ours, theirs, err_msg="lean step (ours) vs plain step (theirs)")
    assert _same_weights(lean.get_weights(), plain.get_weights())


@pytest.mark.parametrize(
    "act,dtype,accumulate,fuse",
    LEAN_CASES,
    ids=[f"{a}-{d}-{'acc64-' if c == 'float64' else ''}{'fused' if f else 'unfused'}" for a, d, c, f in LEAN_CASES],
)
def test_scratch_lean_step_is_the_plain_one_bit_for_bit(act, dtype, accumulate, fuse):
    """Activations over the Dense outputs, the Dense input gradient over ReLU's output."""
    X, y = spiral(40, 3, rng=np.random.default_rng(1))
    X = X.astype(dtype)
    _lean_against_plain(_scratch_net(act, dtype, accumulate, fuse), _scratch_net(act, dtype, accumulate, fuse), X, y)


@pytest.mark.parametrize("act", ["relu", "sigmoid"])
def test_scratch_lean_step_with_dropout_and_l2_is_the_plain_one(act):
    """A Dropout between a hidden activation and the next Dense (nothing released across
    it), each step's masks drawn from the layer's own stream, and an L2 penalty."""
    X, y = spiral(40, 3, rng=np.random.default_rng(1))
    lean, plain = (_scratch_net(act, "float64", "native", True, dropout=0.3, l2=1e-3) for _ in range(2))
    _lean_against_plain(lean, plain, X, y)


def test_scratch_lean_step_on_a_sigmoid_output_unfused():
    """One sigmoid output trained through the clipped binary cross-entropy, computed in
    place over the last Dense layer's output."""
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((32, 2)), rng.integers(0, 2, 32)

    def net():
        r = np.random.default_rng(4)
        return Sequential(
            [Dense(2, 8, rng=r), ReLU(), Dense(8, 1, rng=r), Sigmoid()],
            loss="binary_crossentropy",
            optimizer=SGD(lr=0.5),
            fuse=False,
        )

    _lean_against_plain(net(), net(), X, y)


def test_in_place_kernels_are_for_activations_in_the_table():
    from scratch import ACTIVATIONS
    from scratch.lean import IN_PLACE

    assert set(IN_PLACE) <= set(ACTIVATIONS)


def test_a_relu_step_allocates_about_one_hidden_array():
    """The lean step's peak of new memory (``tracemalloc`` sees NumPy's allocations): the
    hidden layer's one ``(n, width)`` array and small ones, not the two to five of a plain
    forward and backward, which is also measured, as the yardstick."""
    import tracemalloc

    n, width = 10_000, 128  # the loss's (n, 3) arrays are then ~2% of the hidden one each
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((n, 10)), rng.integers(0, 3, n)
    model = Sequential(
        [Dense(10, width, rng=rng), ReLU(), Dense(width, 3, rng=rng), Softmax()],
        loss="categorical_crossentropy",
        optimizer=SGD(lr=0.1),
    )

    def peak(step) -> float:
        step()  # the buffers a layer reuses across steps (ReLU's mask) exist from here on
        tracemalloc.start()
        try:
            step()
            return tracemalloc.get_traced_memory()[1] / (n * width * X.itemsize)
        finally:
            tracemalloc.stop()

    lean = peak(lambda: model.train_step(X, y, validate=False))
    plain = peak(lambda: model.loss_and_gradients(X, y))
    assert lean < 1.3 <= plain, (
        f"peak new memory in (n, width) arrays: lean step {lean:.2f} (ours), plain forward/backward {plain:.2f}"
    )


SPECS = {
    "sgd-full": dict(lr=0.5),
    "adam-minibatch": dict(optimizer="adam", lr=0.01, batch_size=32, shuffle=True),
    "momentum-l2-decay": dict(lr=0.1, momentum=0.9, l2=1e-3, lr_decay=1e-3),
    "rmsprop-weight-decay": dict(optimizer="rmsprop", lr=0.001, weight_decay=1e-3),
    "dropout-float32": dict(lr=0.3, dropout=0.2, dtype="float32", batch_size=50),
}


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
