"""The deeplearning.ai course's style: samples as columns (X: (features, m)), weights
(out, in), biases as column vectors (out, 1), a ``parameters`` dict and a ``grads`` dict
``dW1, db1, ...``. The biases' (out, 1) shape is also the next layer's weight shape in
(in, out) layout; the arrays must still be read as the course means them."""

from __future__ import annotations

import numpy as np
import pytest
from validation_nets import xor_data

from reference_impls import ModelSpec, validate

SPEC = ModelSpec(sizes=(2, 4, 1), activations=("tanh", "sigmoid"), loss="binary_crossentropy", lr=1.2)


def _parameters() -> dict[str, np.ndarray]:
    rng = np.random.RandomState(2)
    return {"W1": rng.randn(4, 2) * 0.5, "b1": np.zeros((4, 1)), "W2": rng.randn(1, 4) * 0.5, "b2": np.zeros((1, 1))}


def _forward(p: dict, X: np.ndarray) -> tuple[np.ndarray, dict]:
    Z1 = p["W1"] @ X + p["b1"]
    A1 = np.tanh(Z1)
    A2 = 1 / (1 + np.exp(-(p["W2"] @ A1 + p["b2"])))
    return A2, {"Z1": Z1, "A1": A1, "A2": A2}


def _step(p: dict, X: np.ndarray, Y: np.ndarray, mistake: bool = False) -> tuple[float, dict]:
    m = X.shape[1]
    A2, cache = _forward(p, X)
    cost = float(-np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)) / m)
    dZ2 = A2 - Y
    dZ1 = (p["W2"].T @ dZ2) * (1 - (cache["Z1"] if mistake else cache["A1"]) ** 2)
    grads = {
        "dW2": dZ2 @ cache["A1"].T / m,
        "db2": dZ2.sum(axis=1, keepdims=True) / m,
        "dW1": dZ1 @ X.T / m,
        "db1": dZ1.sum(axis=1, keepdims=True) / m,
    }
    return cost, grads


X, Y = xor_data()
XC, YC = X.T, np.asarray(Y).reshape(1, -1)


def test_course_style_network_passes_read_as_columns_and_out_in():
    result = validate(
        step=_step,
        params=_parameters(),
        spec=SPEC,
        forward=lambda p, X: _forward(p, X)[0],
        X=XC,
        y=YC,
        steps=200,
        data_layout="columns",
    )
    assert result.ok, str(result)
    assert "layer 0: W1, b1; layer 1: W2, b2, stored as (out, in)" in " ".join(result.notes), result.notes
    assert set(result.table.phase) == {"forward", "loss", "gradient", "update"}


@pytest.mark.parametrize("mistake", [True], ids=["tanh-derivative-on-z"])
def test_course_style_mistake_is_named(mistake):
    result = validate(
        step=lambda p, X, Y: _step(p, X, Y, mistake),
        params=_parameters(),
        spec=SPEC,
        X=XC,
        y=YC,
        steps=20,
        data_layout="columns",
    )
    assert not result.ok
    d = result.first_divergence
    assert (d.step, d.phase, d.tensor) == (1, "gradient", "dW1"), str(result)
    assert "derivative_on_pre" in [f.kind for f in result.findings], str(result)
