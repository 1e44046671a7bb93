"""The one interface, contract-tested on every implementation (benchopt-style)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from reference_impls import (
    IMPLEMENTATIONS,
    AdapterFacts,
    Implementation,
    ModelSpec,
    NotExpressible,
    SpecError,
    build,
    facts,
    implementation_class,
)
from reference_impls.equivalence import native_spec
from reference_impls.loop import TrainingLoop

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
    with pytest.raises(
        SpecError, match=r"class labels must lie in \[0, 2\] for a network with 3 outputs, got \[0, 3\]: 4 classes need"
    ):
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
    with pytest.raises(
        SpecError, match="unknown implementation 'mxnet'; choose one of: scratch, keras, torch, sklearn, jax"
    ):
        build("mxnet", SPIRAL_SPEC)


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


# ---- the declared contract (reference_impls/base.py) ---------------------------------------
@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
def test_each_adapter_declares_itself(impl):
    """The registry's name is the adapter's own, its facts are one AdapterFacts, its modes
    start with "harness" and include its exact and check modes, and facts() carries its
    presentation (order: its place in the registry)."""
    cls = implementation_class(impl)
    assert isinstance(cls.facts, AdapterFacts) and cls.facts.name == impl
    modes = list(cls.modes())
    assert modes[0] == "harness" and cls.facts.exact_modes <= set(modes) and cls.facts.check_mode in modes
    assert facts(impl)["order"] == IMPLEMENTATIONS.index(impl) and facts(impl)["colour"].startswith("#")


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
def test_adapters_fill_in_the_contract_and_leave_the_loop_alone(impl):
    """An adapter overrides only what base.Implementation declares (required methods and
    hooks): the training loop, batching and data checks are the same code for every one."""
    overridden = set(vars(implementation_class(impl))) & set(vars(TrainingLoop))
    assert not overridden - {"__doc__", "__module__", "__init__", "__annotations__", "__dict__", "__weakref__"}


def test_the_contract_is_documented_in_one_place():
    """Every required method and hook has a docstring, and the abstract ones are exactly the required."""
    required = {"_build", "set_weights", "get_weights", "_native", "_step", "_proba", "gradients"}
    assert Implementation.__abstractmethods__ == required
    own = {n for n, v in vars(Implementation).items() if callable(getattr(v, "__func__", v)) and not n.startswith("__")}
    assert all((getattr(Implementation, n).__doc__ or "").strip() for n in own), own
    assert {"describe_training", "device_problem", "pin_threads", "unsupported"} <= own


def test_an_activations_parameters_travel_with_it():
    """The leaky slope reaches every adapter's activation through spec.activation_params."""
    spec = SPIRAL_SPEC.replace(activations=("leaky_relu", "softmax"), leaky_alpha=0.3)
    assert spec.activation_params("leaky_relu") == {"alpha": 0.3} and spec.activation_params("relu") == {}
    X = np.array([[-1.0, -2.0], [0.5, -0.25]])
    outputs = {impl: build(impl, spec).layer_outputs(X)[:2] for impl in ("scratch", "torch", "keras", "jax")}
    for impl, (z, a) in outputs.items():
        np.testing.assert_allclose(a, np.where(z > 0, z, 0.3 * z), rtol=1e-15, err_msg=impl)


def test_importing_the_package_imports_no_framework():
    code = (
        "import sys, reference_impls; reference_impls.IMPLEMENTATIONS; reference_impls.FRAMEWORKS; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'torch', 'tensorflow', 'keras', 'sklearn', 'jax'}))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip() == "[]", proc.stdout + proc.stderr
