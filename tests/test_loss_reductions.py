"""Loss reductions (mean, sum, a constant factor), bias-free layers and per-layer outputs,
the same in every implementation: what a hand-written network's conventions need."""

from __future__ import annotations

import numpy as np
import pytest

from reference_impls import FRAMEWORKS, ModelSpec, build
from reference_impls.equivalence import compare, rel_dev
from scratch import BinaryCrossEntropy, CategoricalCrossEntropy, MeanSquaredError, numerical_gradient

MLP = {
    "mse": ((2, 5, 2), ("tanh", "sigmoid")),
    "binary_crossentropy": ((2, 5, 1), ("relu", "sigmoid")),
    "categorical_crossentropy": ((2, 5, 3), ("tanh", "softmax")),
}
CASES = [
    ("mse", "sum", 0.5, True),
    ("mse", "mean", 0.5, False),
    ("binary_crossentropy", "sum", 1.0, True),
    ("binary_crossentropy", "mean", 1.0, False),
    ("categorical_crossentropy", "sum", 2.0, True),
]


def _spec(loss, reduction, scale, bias, **kw) -> ModelSpec:
    sizes, acts = MLP[loss]
    return ModelSpec(
        sizes=sizes,
        activations=acts,
        loss=loss,
        loss_reduction=reduction,
        loss_scale=scale,
        use_bias=bias,
        optimizer="sgd",
        lr=0.05,
        **kw,
    )


def _data(loss, n=12):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(n, 2))
    if loss == "mse":
        return X, rng.uniform(size=(n, 2))
    return X, rng.integers(0, MLP[loss][0][-1] if loss == "categorical_crossentropy" else 2, size=n)


@pytest.mark.parametrize(
    "cls,elementwise",
    [(MeanSquaredError, True), (BinaryCrossEntropy, True), (CategoricalCrossEntropy, False)],
    ids=["mse", "bce", "cce"],
)
@pytest.mark.parametrize(
    "reduction,scale",
    [("mean", 1.0), ("sum", 1.0), ("sum", 0.5), ("mean", 2.0)],
    ids=["mean", "sum", "half-sum", "2x-mean"],
)
def test_scratch_loss_reduction_value_and_gradient(cls, elementwise, reduction, scale):
    rng = np.random.default_rng(0)
    p = rng.uniform(0.1, 0.9, size=(6, 3))
    y = rng.integers(0, 3, size=6) if not elementwise else rng.integers(0, 2, size=(6, 3)).astype(float)
    if cls is CategoricalCrossEntropy:
        p /= p.sum(axis=1, keepdims=True)
    loss, mean = cls(reduction=reduction, scale=scale), cls()
    terms = p.size if elementwise else len(p)
    expected = scale * (terms if reduction == "sum" else 1)
    assert loss.calculate(p, y) == pytest.approx(expected * mean.calculate(p, y), rel=1e-14)
    numeric = numerical_gradient(lambda: loss.calculate(p, y), p)
    np.testing.assert_allclose(loss.backward(p, y), numeric, rtol=1e-6, atol=1e-9)


def test_spec_loss_factor_counts_terms():
    assert _spec("mse", "sum", 0.5, True).loss_factor(4) == 0.5 * 4 * 2  # n * k terms, halved
    assert _spec("categorical_crossentropy", "sum", 1.0, True).loss_factor(4) == 4  # one term a sample
    assert _spec("mse", "mean", 0.5, True).loss_factor(99) == 0.5


@pytest.mark.parametrize("impl", FRAMEWORKS)
@pytest.mark.parametrize(
    "loss,reduction,scale,bias", CASES, ids=[f"{c[0]}-{c[1]}-x{c[2]:g}-{'bias' if c[3] else 'nobias'}" for c in CASES]
)
def test_frameworks_follow_the_reduction_step_by_step(impl, loss, reduction, scale, bias):
    spec = _spec(loss, reduction, scale, bias, batch_size=5)  # 5 + 5 + 2: "sum" changes with the batch
    X, y = _data(loss)
    result = compare(spec, impl, X, y, steps=30)
    if result.status == "not expressible":
        assert impl == "sklearn" and (not bias or loss == "mse"), result.note
        return
    assert result.status == "pass", (
        f"{impl}: {result.status} {result.note} one-step {result.one_step:.2e} trajectory {result.loss_max_rel:.2e}"
    )


@pytest.mark.parametrize("impl", ["torch", "keras"])
def test_bias_free_layers_keep_zero_biases(impl):
    spec = _spec("binary_crossentropy", "mean", 1.0, False)
    X, y = _data("binary_crossentropy")
    model = build(impl, spec)
    model.train(X, y, 5)
    assert all(np.array_equal(b, np.zeros_like(b)) for _, b in model.get_weights())
    _, grads = model.gradients(X, y)
    assert all(np.array_equal(db, np.zeros_like(db)) for _, db in grads)


@pytest.mark.parametrize("impl", FRAMEWORKS)
def test_layer_outputs_match_scratch(impl):
    spec = ModelSpec(sizes=(2, 6, 4, 3), activations=("tanh", "tanh", "softmax"), loss="categorical_crossentropy")
    X, _ = _data("categorical_crossentropy")
    ours = build("scratch", spec).layer_outputs(X)
    theirs = build(impl, spec).layer_outputs(X)
    assert len(theirs) == len(ours) == 6
    compared = [(i, rel_dev(a, b)) for i, (a, b) in enumerate(zip(ours, theirs)) if b is not None]
    assert len(compared) >= 3, "nothing compared"
    assert all(d < 1e-13 for _, d in compared), f"scratch vs {impl} per layer: {compared}"
