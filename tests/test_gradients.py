"""Every backward pass against central finite differences, in float64 (relative error
<= 1e-7, measured against each tensor's largest entry)."""

from __future__ import annotations

import numpy as np
import pytest

from scratch import (
    ACTIVATIONS,
    BinaryCrossEntropy,
    CategoricalCrossEntropy,
    Dense,
    MeanSquaredError,
    Sequential,
    SigmoidBinaryCrossEntropy,
    SoftmaxCrossEntropy,
    get_activation,
    numerical_gradient,
    relative_error,
)

TOL = 1e-7


def check(analytic: np.ndarray, numeric: np.ndarray, what: str) -> None:
    err = relative_error(analytic, numeric)
    assert err <= TOL, f"{what}: relative error {err:.2e}\nanalytic\n{analytic}\nnumerical\n{numeric}"


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def test_dense_weights_biases_inputs(rng):
    layer = Dense(5, 4, "glorot_normal", rng=rng)
    layer.biases[...] = rng.normal(size=(1, 4))
    X = rng.normal(size=(7, 5))
    R = rng.normal(size=(7, 4))  # L = sum(Y * R), so dL/dY = R
    loss = lambda: float(np.sum(layer.forward(X) * R))  # noqa: E731
    layer.forward(X)
    layer.backward(R)
    check(layer.dweights, numerical_gradient(loss, layer.weights), "dL/dW")
    check(layer.dbiases, numerical_gradient(loss, layer.biases), "dL/db")
    check(layer.dinputs, numerical_gradient(loss, X), "dL/dX")


def test_dense_without_bias(rng):
    layer = Dense(3, 2, "rand", rng=rng, use_bias=False)
    X, R = rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
    layer.forward(X)
    layer.backward(R)
    check(layer.dweights, numerical_gradient(lambda: float(np.sum(layer.forward(X) * R)), layer.weights), "dL/dW")
    assert not layer.biases.any() and len(layer.params()) == 1


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation(name, rng):
    act = get_activation(name)
    X = rng.normal(size=(6, 5)) * 2
    X[np.abs(X) < 1e-3] = 0.5  # keep away from the kinks of ReLU / LeakyReLU
    R = rng.normal(size=X.shape)
    act.forward(X)
    act.backward(R)
    check(act.dinputs, numerical_gradient(lambda: float(np.sum(act.forward(X) * R)), X), f"{name}'")


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_derivative_is_the_one_backward_applies(name, rng):
    """``derivative`` (f' in the output: what validation's oracle, hypotheses and judge
    read from the table) agrees with backward and with f's central differences."""
    act = get_activation(name, **({"alpha": 0.2} if name == "leaky_relu" else {}))
    X = rng.normal(size=(6, 5)) * 2
    X[np.abs(X) < 1e-3] = 0.5
    R = rng.normal(size=X.shape)
    D = act.derivative(act.forward(X))
    if D is None:  # a Jacobian that is not diagonal: backward alone applies it
        assert name == "softmax"
        return
    np.testing.assert_allclose(act.backward(R), R * D, rtol=1e-14, atol=0)
    h = 1e-6
    check(D, (act.f(X + h) - act.f(X - h)) / (2 * h), f"{name}' from the output")


def test_kinks_follow_the_frameworks():
    x = np.array([[0.0, -0.0]])
    relu, leaky = get_activation("relu"), get_activation("leaky_relu", alpha=0.2)
    relu.forward(x)
    leaky.forward(x)
    assert relu.backward(np.ones_like(x)).tolist() == [[0.0, 0.0]]
    assert leaky.backward(np.ones_like(x)).tolist() == [[0.2, 0.2]]


def _probs(rng, n, k):
    z = rng.normal(size=(n, k))
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


LOSS_CASES = {
    "mse_1_output": (MeanSquaredError(), lambda r: (r.normal(size=(8, 1)), r.normal(size=8))),
    "mse_3_outputs": (MeanSquaredError(), lambda r: (r.normal(size=(8, 3)), r.normal(size=(8, 3)))),
    "bce": (BinaryCrossEntropy(), lambda r: (r.uniform(0.05, 0.95, size=(8, 1)), r.integers(0, 2, size=8))),
    "bce_2_outputs": (
        BinaryCrossEntropy(),
        lambda r: (r.uniform(0.05, 0.95, size=(8, 2)), r.integers(0, 2, size=(8, 2))),
    ),
    "cce_sparse": (CategoricalCrossEntropy(), lambda r: (_probs(r, 8, 4), r.integers(0, 4, size=8))),
    "cce_one_hot": (CategoricalCrossEntropy(), lambda r: (_probs(r, 8, 4), np.eye(4)[r.integers(0, 4, size=8)])),
    "softmax_ce_sparse": (SoftmaxCrossEntropy(), lambda r: (r.normal(size=(8, 4)) * 3, r.integers(0, 4, size=8))),
    "softmax_ce_one_hot": (
        SoftmaxCrossEntropy(),
        lambda r: (r.normal(size=(8, 4)) * 3, np.eye(4)[r.integers(0, 4, size=8)]),
    ),
    "sigmoid_bce": (SigmoidBinaryCrossEntropy(), lambda r: (r.normal(size=(8, 1)) * 3, r.integers(0, 2, size=8))),
}


@pytest.mark.parametrize("case", LOSS_CASES)
def test_loss(case, rng):
    loss, make = LOSS_CASES[case]
    y_pred, y_true = make(rng)
    numeric = numerical_gradient(lambda: loss.calculate(y_pred, y_true), y_pred)
    check(loss.backward(y_pred, y_true), numeric, case)


def test_fused_losses_equal_their_two_step_versions(rng):
    z = rng.normal(size=(10, 3))
    y = rng.integers(0, 3, size=10)
    p = get_activation("softmax").forward(z)
    assert SoftmaxCrossEntropy().calculate(z, y) == pytest.approx(CategoricalCrossEntropy().calculate(p, y), rel=1e-14)
    zb, yb = rng.normal(size=(10, 1)), rng.integers(0, 2, size=10)
    pb = get_activation("sigmoid").forward(zb)
    assert SigmoidBinaryCrossEntropy().calculate(zb, yb) == pytest.approx(
        BinaryCrossEntropy().calculate(pb, yb), rel=1e-14
    )


def test_fused_losses_stay_finite_where_probabilities_saturate():
    z = np.array([[1000.0, -1000.0, 0.0]])
    assert SoftmaxCrossEntropy().calculate(z, np.array([1])) == pytest.approx(2000.0)
    assert SigmoidBinaryCrossEntropy().calculate(np.array([[-800.0]]), np.array([1])) == pytest.approx(800.0)
    # The clipped probability loss caps at -log(1e-7) instead, with zero gradient there.
    p = np.array([[1.0, 0.0, 0.0]])
    assert CategoricalCrossEntropy().calculate(p, np.array([1])) == pytest.approx(-np.log(1e-7))
    assert not CategoricalCrossEntropy().backward(p, np.array([1])).any()


NETWORKS = {
    "sigmoid_bce_fused": (["tanh", "sigmoid"], "binary_crossentropy", 1, True),
    "sigmoid_bce_unfused": (["relu", "sigmoid"], "binary_crossentropy", 1, False),
    "softmax_cce_fused": (["relu", "tanh", "softmax"], "categorical_crossentropy", 3, True),
    "softmax_cce_unfused": (["leaky_relu", "softmax"], "categorical_crossentropy", 3, False),
    "linear_mse": (["sigmoid", "linear"], "mse", 2, True),
}


@pytest.mark.parametrize("case", NETWORKS)
def test_whole_network(case, rng):
    acts, loss, n_out, fuse = NETWORKS[case]
    sizes = [3] + [5] * (len(acts) - 1) + [n_out]
    layers = []
    for (n_in, n_o), act in zip(zip(sizes, sizes[1:]), acts):
        dense = Dense(n_in, n_o, "glorot_uniform", rng=rng)
        dense.biases[...] = rng.normal(scale=0.1, size=dense.biases.shape)
        layers += [dense, act]
    model = Sequential(layers, loss=loss, optimizer="sgd", fuse=fuse)
    X = rng.normal(size=(9, 3))
    y = rng.normal(size=(9, n_out)) if loss == "mse" else rng.integers(0, max(n_out, 2), size=9)
    model.loss_and_gradients(X, y)
    for i, dense in enumerate(model.dense_layers):
        f = lambda: model.evaluate(X, y)["loss"]  # noqa: E731
        dW, db = dense.dweights.copy(), dense.dbiases.copy()
        check(dW, numerical_gradient(f, dense.weights), f"layer {i} dL/dW")
        check(db, numerical_gradient(f, dense.biases), f"layer {i} dL/db")
