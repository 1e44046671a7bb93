"""A network with its own dropout, written as the NNFS book's chapter 15 teaches (the layer
keeps ``rate`` as the keep probability and draws ``binary_mask`` from NumPy's global
stream): validate reads each step's mask from the layer and feeds it to the frameworks, so
the comparison stays step by step. A dropout whose backward forgets the mask, or that does
not scale kept units, must be caught."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from validation_nets import blobs

from reference_impls import SpecError, validate

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))
import nnfs_book_style  # noqa: E402


class Dense(nnfs_book_style.Layer_Dense):
    """The book's dense layer as its later chapters write forward: with a training flag."""

    def forward(self, inputs, training):
        super().forward(inputs)


class ReLU(nnfs_book_style.Activation_ReLU):
    def forward(self, inputs, training):
        super().forward(inputs)


class Dropout:
    def __init__(self, rate, mistake=None):
        self.rate = 1 - rate  # the book keeps the success (keep) probability
        self.mistake = mistake

    def forward(self, inputs, training):
        self.inputs = inputs
        mask = np.random.binomial(1, self.rate, size=inputs.shape)
        self.binary_mask = mask if self.mistake == "unscaled" else mask / self.rate
        self.output = inputs * self.binary_mask

    def backward(self, dvalues):
        self.dinputs = dvalues if self.mistake == "backward_ignores_mask" else dvalues * self.binary_mask


class SoftmaxCrossEntropy:
    def forward(self, inputs, y_true):
        e = np.exp(inputs - inputs.max(axis=1, keepdims=True))
        self.output = e / e.sum(axis=1, keepdims=True)
        return -np.mean(np.log(np.clip(self.output[range(len(inputs)), y_true], 1e-7, 1 - 1e-7)))

    def backward(self, dvalues, y_true):
        self.dinputs = dvalues.copy()
        self.dinputs[range(len(dvalues)), y_true] -= 1
        self.dinputs /= len(dvalues)


class SGD:
    def __init__(self, learning_rate=0.5):
        self.learning_rate = learning_rate

    def update_params(self, layer):
        layer.weights += -self.learning_rate * layer.dweights
        layer.biases += -self.learning_rate * layer.dbiases


def network(mistake=None, rate=0.25):
    np.random.seed(0)
    layers = [Dense(2, 16), ReLU(), Dropout(rate, mistake), Dense(16, 3)]
    return dict(layers=layers, loss=SoftmaxCrossEntropy(), optimizer=SGD())


X, Y = blobs(n=24)


def test_book_dropout_network_validates_step_by_step():
    result = validate(**network(), X=X, y=Y, steps=100)
    assert result.ok, str(result)
    assert result.spec.dropout == pytest.approx(0.25), result.spec
    assert result.table.query("phase == 'gradient'")["deviation"].max() < 1e-12
    assert "masks your layers draw are fed to the frameworks" in " ".join(result.notes), result.notes


@pytest.mark.parametrize(
    "mistake, tensor", [("backward_ignores_mask", "layers[0].dweights")], ids=["backward-ignores-mask"]
)
def test_dropout_mistakes_are_caught(mistake, tensor):
    result = validate(**network(mistake), X=X, y=Y, steps=20)
    assert not result.ok, f"{mistake} passed:\n{result}"
    d = result.first_divergence
    assert (d.step, d.phase, d.tensor) == (1, "gradient", tensor), str(result)


def test_unscaled_dropout_is_refused_with_the_reason():
    with pytest.raises(SpecError, match="not inverted dropout"):
        validate(**network("unscaled"), X=X, y=Y, steps=5)


def test_spec_and_network_must_put_dropout_in_the_same_place():
    from reference_impls import ModelSpec

    spec = ModelSpec(sizes=(2, 16, 3), activations=("relu", "softmax"), loss="categorical_crossentropy", lr=0.5)
    with pytest.raises(SpecError, match="dropout after hidden layer 0 but the spec after no layer"):
        validate(**network(), spec=spec, X=X, y=Y, steps=5)
