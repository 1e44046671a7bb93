"""The one interface, contract-tested on every implementation (benchopt-style)."""

from __future__ import annotations

import numpy as np
import pytest

from reference_impls import IMPLEMENTATIONS, ModelSpec, NotExpressible, SpecError, build, implementation_class
from reference_impls.equivalence import native_spec

SPIRAL_SPEC = ModelSpec(
    sizes=(2, 16, 3), activations=("relu", "softmax"), loss="categorical_crossentropy", optimizer="sgd", lr=0.3
)
XOR_SPEC = ModelSpec(
    sizes=(2, 5, 1), activations=("tanh", "sigmoid"), loss="binary_crossentropy", optimizer="sgd", lr=0.5
)
REG_SPEC = ModelSpec(sizes=(2, 5, 2), activations=("tanh", "linear"), loss="mse", optimizer="sgd", lr=0.1)


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
@pytest.mark.parametrize(
    "spec",
    [SPIRAL_SPEC, XOR_SPEC, REG_SPEC, SPIRAL_SPEC.replace(dtype="float32")],
    ids=["softmax", "sigmoid", "mse", "float32"],
)
def test_contract(impl, spec, spiral_data):
    X, labels = spiral_data
    y = {"categorical_crossentropy": labels, "binary_crossentropy": (labels == 1).astype(int), "mse": X[:, ::-1] ** 2}[
        spec.loss
    ]
    weights = spec.init_weights()
    model = build(impl, spec, weights)
    # Weights load exactly (transposed where a framework stores (out, in)) and read back.
    for (W, b), (W0, b0) in zip(model.get_weights(), weights):
        assert W.shape == W0.shape and b.shape == b0.shape and W.dtype == np.dtype(spec.dtype)
        assert np.array_equal(W, W0) and np.array_equal(b, b0)
    proba = model.predict_proba(X)
    assert proba.shape == (len(X), spec.sizes[-1]) and proba.dtype == np.dtype(spec.dtype)
    if spec.loss == "categorical_crossentropy":
        np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-6)
    losses = model.train(X, y, steps=5)
    assert losses.shape == (5,) and losses.dtype == np.float64 and np.all(np.isfinite(losses))
    assert model.steps_taken == 5
    history = model.fit(X, y, epochs=2)
    assert set(history) == {"loss", "accuracy"} and len(history["loss"]) == 2
    if spec.loss == "mse":
        assert np.isnan(history["accuracy"][0])
    else:
        assert 0 <= history["accuracy"][1] <= 1 and model.predict(X).shape == (len(X),)
    loss, grads = model.gradients(X[:10], y[:10])
    assert np.isfinite(loss) and [g[0].shape for g in grads] == [w[0].shape for w in weights]


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
def test_bad_data_is_refused_clearly(impl, spiral_data):
    X, y = spiral_data
    model = build(impl, native_spec(SPIRAL_SPEC, impl))
    with pytest.raises(SpecError, match=r"X must have shape \(n, 2\) for this spec, got \(300, 3\)"):
        model.train(np.hstack([X, X[:, :1]]), y, 1)
    with pytest.raises(SpecError, match="X contains NaN"):
        model.train(np.where(X > 0.9, np.nan, X), y, 1)
    with pytest.raises(SpecError, match=r"class labels must lie in \[0, 2\], got \[0, 3\]"):
        model.train(X, np.where(y == 2, 3, y), 1)
    with pytest.raises(SpecError, match="X has 300 samples but y has 299"):
        model.train(X, y[:-1], 1)


def test_weights_of_the_wrong_shape():
    w = SPIRAL_SPEC.init_weights()
    with pytest.raises(
        SpecError, match=r"layer 0: W must be \(2, 16\) and b \(16,\) \(W as \(fan_in, fan_out\)\), got \(16, 2\)"
    ):
        build("scratch", SPIRAL_SPEC, [(w[0][0].T, w[0][1]), w[1]])
    with pytest.raises(SpecError, match="the spec has 2 weight layers but 1"):
        build("scratch", SPIRAL_SPEC, w[:1])


def test_unknown_implementation():
    with pytest.raises(SpecError, match="unknown implementation 'jax'; choose one of: scratch, keras, torch, sklearn"):
        build("jax", SPIRAL_SPEC)


NOT_EXPRESSIBLE = [
    (
        "sklearn",
        dict(sizes=(2, 4, 4, 3), activations=("relu", "tanh", "softmax")),
        "mixed hidden activations relu, tanh",
    ),
    ("sklearn", dict(optimizer="rmsprop"), "the rmsprop optimizer"),
    ("sklearn", dict(activations=("leaky_relu", "softmax")), "the leaky_relu activation"),
    ("sklearn", dict(weight_decay=0.01), "L2 on biases"),
    ("sklearn", dict(sizes=(2, 16, 2)), "a 2-unit softmax output"),
    (
        "sklearn",
        dict(optimizer="sgd", momentum=0.9, lr_decay=0.1, convention="keras"),
        "inverse-time learning-rate decay",
    ),
    ("torch", dict(optimizer="adam", convention="keras"), "the keras form of adam .* set convention = 'pytorch'"),
    (
        "keras",
        dict(optimizer="rmsprop", convention="pytorch"),
        "the pytorch form of rmsprop .* set convention = 'keras'",
    ),
]


@pytest.mark.parametrize(
    "impl,changes,feature", NOT_EXPRESSIBLE, ids=[f"{i}-{f.split()[1]}" for i, _, f in NOT_EXPRESSIBLE]
)
def test_not_expressible_names_the_feature(impl, changes, feature):
    spec = SPIRAL_SPEC.replace(**changes)
    with pytest.raises(NotExpressible, match=f"{impl} cannot express this spec: .*{feature}"):
        build(impl, spec)
    assert list(implementation_class(impl).unsupported(spec))


def test_no_framework_default_leaks_in():
    """Every hyperparameter reaches the framework from the spec (none left at its default)."""
    spec = SPIRAL_SPEC.replace(optimizer="adam", lr=0.0123, beta1=0.81, beta2=0.97, eps=3e-6, convention="keras")
    keras_opt = build("keras", spec).optimizer
    assert (float(keras_opt.learning_rate.numpy()), keras_opt.beta_1, keras_opt.beta_2, keras_opt.epsilon) == (
        0.0123,
        0.81,
        0.97,
        3e-6,
    )
    torch_group = build("torch", spec.replace(convention="pytorch")).optimizer.param_groups[0]
    assert (torch_group["lr"], torch_group["betas"], torch_group["eps"], torch_group["weight_decay"]) == (
        0.0123,
        (0.81, 0.97),
        3e-6,
        0.0,
    )
    est = build("sklearn", spec).est
    assert (
        est.learning_rate_init,
        est.beta_1,
        est.beta_2,
        est.epsilon,
        est.alpha,
        est.shuffle,
        est.early_stopping,
    ) == (0.0123, 0.81, 0.97, 3e-6, 0.0, False, False)
