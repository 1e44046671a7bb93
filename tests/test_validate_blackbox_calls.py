"""A black box (``model=obj``) without ``step=``: validate finds the training call the way
single-class networks are written: ``forward(X)``, ``backward(y)`` computing gradients only,
then the model's own update (``step()``, ``update_weights(lr)``...); or one training call
(``fit(X, y, epochs=1)``, ``train(inputs, targets)``). A correct one passes, a planted
mistake is found where it is, and a model with no call validate can make is one line."""

from __future__ import annotations

import numpy as np
import pytest

from reference_impls import ModelSpec, validate
from reference_impls.spec import SpecError

SPEC = ModelSpec(sizes=(2, 8, 3), activations=("tanh", "softmax"), loss="categorical_crossentropy", lr=0.5)


class TwoLayer:
    """One class holding every weight; backward only computes the gradients."""

    def __init__(self, lr: float = 0.5, slip: float = 1.0):
        rng = np.random.default_rng(0)
        self.W1, self.b1 = rng.normal(0, 0.5, (2, 8)), np.zeros(8)
        self.W2, self.b2 = rng.normal(0, 0.5, (8, 3)), np.zeros(3)
        self.lr, self.slip = lr, slip

    def forward(self, X):
        self.X, self.a1 = X, np.tanh(X @ self.W1 + self.b1)
        z = self.a1 @ self.W2 + self.b2
        e = np.exp(z - z.max(1, keepdims=True))
        self.p = e / e.sum(1, keepdims=True)
        return self.p

    def backward(self, y):
        d2 = self.p.copy()
        d2[np.arange(len(y)), y] -= 1
        d2 /= len(y)
        self.dW2, self.db2 = self.a1.T @ d2, d2.sum(0)
        d1 = (d2 @ self.W2.T) * (1 - self.a1**2)
        self.dW1, self.db1 = self.X.T @ d1, d1.sum(0)

    def _descend(self, lr):
        self.W1 = self.W1 - self.slip * lr * self.dW1  # slip != 1: a planted mistake in the update
        self.b1 = self.b1 - lr * self.db1
        self.W2 = self.W2 - lr * self.dW2
        self.b2 = self.b2 - lr * self.db2


class StepAfterBackward(TwoLayer):
    def step(self):
        self._descend(self.lr)


class UpdateTakingTheRate(TwoLayer):
    def update_weights(self, learning_rate):
        self._descend(learning_rate)


class FitOnly:
    """No forward/backward pair to drive: ``fit(X, y, epochs)`` trains."""

    def __init__(self, slip: float = 1.0):
        self.net = StepAfterBackward(slip=slip)

    def fit(self, X, y, epochs=100):
        for _ in range(epochs):
            self.net.forward(X)
            self.net.backward(y)
            self.net.step()


class TrainsOnHeldData:
    """Built on its data (``NeuralNetwork(X, y)`` style): ``train()`` takes no argument and
    reads ``self.inputs``/``self.targets``, which validate sets to each step's batch."""

    def __init__(self, slip: float = 1.0):
        self.net = StepAfterBackward(slip=slip)
        self.inputs, self.targets = np.ones((3, 2)), np.zeros(3, dtype=int)  # not the batch: replaced each step

    def train(self):
        self.net.forward(self.inputs)
        self.net.backward(self.targets)
        self.net.step()


def _data():
    rng = np.random.default_rng(1)
    y = np.arange(30) % 3
    return rng.normal(size=(30, 2)) + 2.0 * np.eye(3, 2)[y], y


MODELS = {
    "forward-backward-step": (StepAfterBackward, "each step calls StepAfterBackward.forward(X), "),
    "update-taking-the-rate": (UpdateTakingTheRate, "then UpdateTakingTheRate.update_weights()"),
    "fit-with-epochs": (FitOnly, "each step calls FitOnly.fit(X, y) (epochs set to 1"),
    "data-held-by-the-model": (TrainsOnHeldData, "each step sets TrainsOnHeldData.inputs to the batch's X"),
}


@pytest.mark.parametrize("name", list(MODELS))
def test_the_training_call_is_found_and_a_correct_model_passes(name):
    cls, note = MODELS[name]
    X, y = _data()
    result = validate(model=cls(), spec=SPEC, X=X, y=y, steps=5, against=("torch",))
    assert result.ok, str(result)
    assert any(note in n for n in result.notes), result.notes


@pytest.mark.parametrize("name", list(MODELS))
def test_a_slip_in_the_models_own_update_fails_at_the_update(name):
    cls, _ = MODELS[name]
    X, y = _data()
    result = validate(model=cls(slip=2.0), spec=SPEC, X=X, y=y, steps=5, against=("torch",))
    d = result.first_divergence
    assert not result.ok and d is not None and (d.step, d.phase) == (1, "update"), str(result)
    assert d.tensor.rsplit(".", 1)[-1] == "W1" and "weight gradient alone is off by 2" in str(result), str(result)


def test_a_model_with_no_call_validate_can_make_is_one_line():
    class Opaque:
        def __init__(self):
            self.W = np.zeros((2, 3))
            self.b = np.zeros(3)

        def predict(self, X):
            return X @ self.W + self.b

    spec = ModelSpec(sizes=(2, 3), activations=("softmax",), loss="categorical_crossentropy")
    X, y = _data()
    with pytest.raises(
        SpecError, match=r"Opaque has no forward\(\) and no training call .*pass step=lambda model, X, y"
    ):
        validate(model=Opaque(), spec=spec, X=X, y=y, steps=2, against=("torch",))


def test_a_model_whose_training_call_takes_no_data_and_holds_none_is_one_line():
    class NoData:
        def __init__(self):
            self.net = StepAfterBackward()

        def train(self):
            self.net.step()

    X, y = _data()
    with pytest.raises(SpecError, match=r"NoData.train\(\) take no X and NoData holds no attribute named like it"):
        validate(model=NoData(), spec=SPEC, X=X, y=y, steps=2, against=("torch",))


def test_a_class_given_for_its_network_is_built_with_no_arguments():
    """``model=Neural_Network`` (the class, as ``FILE.py:Neural_Network`` names it): built with
    ``Neural_Network()`` and said so; a constructor needing data is one line; one raising is
    the user's code failing."""
    X, y = _data()
    result = validate(model=StepAfterBackward, spec=SPEC, X=X, y=y, steps=3, against=("torch",))
    assert result.ok and "StepAfterBackward is a class: validate built StepAfterBackward()" in " ".join(result.notes), (
        str(result)
    )

    class NeedsData(StepAfterBackward):
        def __init__(self, x, y):
            super().__init__()

    with pytest.raises(SpecError, match=r"model= is the class NeedsData, whose constructor needs x, y"):
        validate(model=NeedsData, spec=SPEC, X=X, y=y, steps=2, against=("torch",), isolate=False)

    class Raises(StepAfterBackward):
        def __init__(self):
            raise RuntimeError("no data file")

    from reference_impls.validation.verdict import UserCodeFailed

    with pytest.raises(UserCodeFailed, match=r"Raises\(\) raised RuntimeError.*no data file"):
        validate(model=Raises, spec=SPEC, X=X, y=y, steps=2, against=("torch",))
