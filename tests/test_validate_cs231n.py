"""A cs231n-style network: parameters in a dict ``W1, b1, W2, b2``, ``loss(X, y, reg)``
returning ``(loss, grads)`` with the gradients keyed like the parameters, and the loss
including the L2 term ``reg * sum(W * W)``. Validation must read that as (loss, gradients),
accept the penalised loss (saying so), and name the regularisation mistakes such code
makes: the 0.5 * reg gradient against a reg * W^2 penalty, and a penalty in the loss that
its gradient leaves out."""

from __future__ import annotations

import numpy as np
import pytest
from validation_nets import blobs

from reference_impls import ModelSpec, validate

REG = 1e-3
SPEC = ModelSpec(sizes=(2, 8, 3), activations=("relu", "softmax"), loss="categorical_crossentropy", lr=0.5, l2=REG)


def _init(seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.RandomState(seed)
    return {"W1": 0.5 * rng.randn(2, 8), "b1": np.zeros(8), "W2": 0.5 * rng.randn(8, 3), "b2": np.zeros(3)}


def _loss(params: dict, X: np.ndarray, y: np.ndarray, reg: float, mistake: str | None = None) -> tuple[float, dict]:
    W1, b1, W2, b2 = (params[k] for k in ("W1", "b1", "W2", "b2"))
    n = len(X)
    h = np.maximum(0, X @ W1 + b1)
    scores = h @ W2 + b2
    scores = scores - scores.max(axis=1, keepdims=True)
    p = np.exp(scores)
    p /= p.sum(axis=1, keepdims=True)
    loss = -np.log(p[np.arange(n), y]).mean() + reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
    d = p.copy()
    d[np.arange(n), y] -= 1
    d /= n
    l2_grad = {"half_reg": reg, "no_penalty_gradient": 0.0}.get(mistake, 2 * reg)
    grads = {"W2": h.T @ d + 2 * reg * W2, "b2": d.sum(0)}
    dh = d @ W2.T
    dh[h <= 0] = 0
    grads["W1"], grads["b1"] = X.T @ dh + l2_grad * W1, dh.sum(0)
    return loss, grads


def _network(mistake: str | None = None, reg: float = REG) -> dict:
    return dict(step=lambda params, X, y: _loss(params, X, y, reg, mistake), params=_init(), spec=SPEC)


X, Y = blobs(n=12)


def test_cs231n_network_passes_with_its_penalised_loss():
    result = validate(**_network(), X=X, y=Y, steps=100)
    assert result.ok, str(result)
    assert result.table.query("phase == 'gradient'")["deviation"].max() < 1e-12  # the gradients were compared
    notes = " ".join(result.notes)
    assert "read as (loss, gradients)" in notes and "includes the regularization term" in notes, notes


def test_penalised_loss_is_accepted_only_when_it_is_the_spec_penalty():
    """A loss with twice the penalty is not the data loss plus the spec's penalty: caught at the loss."""
    result = validate(
        step=lambda p, X, y: (_loss(p, X, y, REG)[0] + REG * np.sum(p["W1"] ** 2), _loss(p, X, y, REG)[1]),
        params=_init(),
        spec=SPEC,
        X=X,
        y=Y,
        steps=5,
    )
    assert not result.ok
    d = result.first_divergence
    assert (d.step, d.phase) == (1, "loss"), str(result)


@pytest.mark.parametrize(
    "mistake, words",
    [
        ("half_reg", "the gradient of (0.001/2) ||P||^2"),
        ("no_penalty_gradient", "left out of its gradient"),
    ],
    ids=["half-reg-gradient", "penalty-missing-from-gradient"],
)
def test_regularisation_mistakes_are_named(mistake, words):
    result = validate(**_network(mistake), X=X, y=Y, steps=20)
    assert not result.ok, f"{mistake} passed:\n{result}"
    d = result.first_divergence
    assert (d.step, d.phase, d.tensor) == (1, "gradient", "W1"), str(result)
    assert "penalty_gradient" in [f.kind for f in result.findings], str(result)
    assert words in " ".join(result.diagnosis), result.diagnosis


def test_an_unstated_l2_term_is_named_with_the_spec_that_expresses_it():
    """The network penalises both weight matrices with 2e-3 ||W||^2 (loss and gradient
    consistent) but the spec says 1e-3: the finding names 2e-3, and that spec passes."""
    result = validate(**_network(reg=2 * REG), X=X, y=Y, steps=20)
    assert not result.ok
    assert any("an L2 term 0.002 * sum ||P||^2 on the weights" in t for t in result.diagnosis), result.diagnosis
    assert result.suggested_spec is not None and result.suggested_spec.l2 == pytest.approx(2 * REG), str(result)


def test_returns_params_overrides_the_reading():
    """Told the arrays are new parameters, the same function is read so (and then fails)."""
    result = validate(**_network(), returns="params", X=X, y=Y, steps=3)
    assert not result.ok
    assert "read as (loss, gradients)" not in " ".join(result.notes)
