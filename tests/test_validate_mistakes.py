"""Deliberately broken hand-written networks: validate must catch each at the right step,
phase and tensor, and name the mistake. The correct twin of each must pass."""

from __future__ import annotations

import numpy as np
import pytest
from validation_nets import blobs, mse_net, softmax_net, xor_data

from reference_impls import ModelSpec, SpecError, validate

X, Y = xor_data()

# (mistake, network kwargs, expected step, phase, tensor, finding kind, words in the diagnosis)
CASES = [
    ("sum_not_mean", {}, 1, "gradient", "layers[0].dweights", "factor", "backward sums where the loss takes the mean"),
    ("missing_2", {}, 1, "gradient", "layers[0].dweights", "factor", "the 2 is missing"),
    ("sign", {}, 1, "gradient", "layers[0].dweights", "sign", "sign is flipped"),
    ("transposed_dweights", {}, 1, "gradient", "layers[0].dweights", "transposed", "inputs.T @ dvalues"),
    ("bias_not_summed", {}, 1, "gradient", "layers[0].dbiases", "bias_not_summed", "not summed over the batch"),
    ("bias_wrong_axis", {}, 1, "gradient", "layers[0].dbiases", "bias_wrong_axis", "axis=1"),
    (
        "derivative_on_pre",
        {},
        1,
        "gradient",
        "layers[0].dweights",
        "derivative_on_pre",
        "pre-activation z instead of its output",
    ),
    (
        "derivative_on_post",
        {},
        1,
        "gradient",
        "layers[0].dweights",
        "derivative_on_post",
        "on its output instead of its pre-activation",
    ),
    ("skip_first_layer", {}, 1, "update", "layers[0].weights", "update_skipped", "update was skipped"),
    ("double_lr", {}, 1, "update", "layers[0].weights", "learning_rate", "learning rate is 1"),
    ("no_decay", {"decay": 0.1}, 2, "update", "layers[0].weights", "lr_schedule", "no decay is applied"),
    ("decay_from_1", {"decay": 0.1}, 1, "update", "layers[0].weights", "lr_schedule", "counts steps from 1"),
    (
        "reset_momentum",
        {"momentum": 0.9},
        2,
        "update",
        "layers[0].weights",
        "momentum_lost",
        "momentum state is not kept",
    ),
]


def _spec(**kw) -> ModelSpec:
    base = dict(sizes=(2, 4, 1), activations=("sigmoid", "sigmoid"), loss="mse", lr=0.5, convention="keras")
    return ModelSpec(**{**base, **kw})


@pytest.mark.parametrize("mistake,kw,step,phase,tensor,kind,words", CASES, ids=[c[0] for c in CASES])
def test_broken_network_is_caught_where_and_why(mistake, kw, step, phase, tensor, kind, words):
    spec = _spec(lr_decay=kw.get("decay", 0.0), momentum=kw.get("momentum", 0.0))
    result = validate(
        **mse_net(mistake, **kw),
        spec=spec,
        X=X,
        y=Y,
        steps=20,
        against=["torch", "keras"] if not kw.get("momentum") else ["keras"],
    )
    assert not result.ok, f"{mistake} passed:\n{result}"
    d = result.first_divergence
    assert (d.step, d.phase, d.tensor) == (step, phase, tensor), (
        f"ours vs expected: {(d.step, d.phase, d.tensor)} vs {(step, phase, tensor)}\n{result}"
    )
    kinds = [f.kind for f in result.findings]
    assert kind in kinds, f"{mistake}: findings {kinds}, expected {kind}\n{result}"
    assert words in " ".join(result.diagnosis), result.diagnosis


@pytest.mark.parametrize(
    "kw",
    [{}, {"decay": 0.1}, {"momentum": 0.9}, {"momentum": 0.9, "decay": 0.1}],
    ids=["sgd", "decay", "momentum", "momentum+decay"],
)
def test_the_correct_network_passes(kw):
    spec = _spec(lr_decay=kw.get("decay", 0.0), momentum=kw.get("momentum", 0.0))
    result = validate(**mse_net(None, **kw), spec=spec, X=X, y=Y, steps=200)
    assert result.ok, str(result)
    assert result.table["deviation"].max() < 1e-12
    compared = set(result.table.impl)
    # Keras's momentum form is the book's; PyTorch's differs once the lr decays.
    assert compared == ({"keras"} if kw.get("momentum") and kw.get("decay") else {"torch", "keras"}), compared


def test_softmax_without_max_subtraction_overflows():
    X = np.array([[900.0, -900.0], [-800.0, 850.0], [1.0, 2.0]])
    y = np.array([0, 1, 2])
    spec = ModelSpec(sizes=(2, 5, 3), activations=("tanh", "softmax"), loss="categorical_crossentropy", lr=0.5)
    result = validate(**softmax_net("softmax_no_shift", scale=3000.0), spec=spec, X=X, y=y, steps=5)
    d = result.first_divergence
    assert (d.step, d.phase, d.tensor) == (1, "forward", "layers[3].output"), str(result)
    assert [f.kind for f in result.findings] == ["softmax_overflow"], str(result)
    assert "subtract each row's max" in result.diagnosis[0]
    fixed = validate(**softmax_net(None, scale=3000.0), spec=spec, X=X, y=y, steps=5)
    d = fixed.first_divergence  # shifted, it stays finite; what remains is the clip at 1e-7 in its cross-entropy
    assert (d.step, d.phase) == (1, "gradient") and [f.kind for f in fixed.findings] == ["clipping"], str(fixed)
    assert "zero gradient beyond the clip" in fixed.diagnosis[0]


def test_other_momentum_form_is_named_and_verified():
    """The book's (Keras) momentum form given a spec saying PyTorch's, with lr decay."""
    spec = _spec(lr_decay=0.1, momentum=0.9, convention="pytorch")
    result = validate(
        **mse_net(None, decay=0.1, momentum=0.9), spec=spec, X=X, y=Y, steps=30, against=["torch", "keras"]
    )
    assert result.not_expressible.keys() == {"keras"}  # Keras writes only its own form
    assert not result.ok and result.first_divergence.step == 2 and result.first_divergence.phase == "update", str(
        result
    )
    assert result.suggested_spec is not None and result.suggested_spec.convention == "keras", str(result)
    assert "keras form of sgd" in " ".join(result.diagnosis)
    alone = validate(**mse_net(None, decay=0.1, momentum=0.9), spec=spec, X=X, y=Y, steps=30, against=["torch"])
    assert alone.suggested_spec is None and "not checked" in " ".join(alone.diagnosis), str(alone)


def test_convention_mismatch_is_identified_and_the_suggestion_passes():
    """A network minimising 1/2 sum (y - y_hat)^2 against a spec saying mean squared error."""
    result = validate(**mse_net(None), spec=_spec(), X=X, y=Y, steps=50)
    assert result.ok  # the correct network matches the mean convention
    net = mse_net("sum_not_mean")
    net["loss"].calculate = lambda out, y: 0.5 * np.sum((out - y) ** 2)  # 1/2 sum, consistently
    net["loss"].mistake = None
    net["loss"].backward = lambda d, y: d - y
    net["loss"].dinputs = None
    result = validate(**net, spec=_spec(), X=X, y=Y, steps=50)
    assert not result.ok and result.first_divergence.phase == "loss", str(result)
    assert result.suggested_spec == _spec(loss_reduction="sum", loss_scale=0.5), str(result)
    assert "1/2 * sum" in " ".join(result.diagnosis)
    assert "nn.MSELoss(reduction='sum') x 0.5" in " ".join(result.diagnosis)
    again = validate(**net, spec=result.suggested_spec, X=X, y=Y, steps=50)
    assert again.ok, str(again)


def test_error_in_user_forward_names_layer_step_and_line():
    net = mse_net(None)
    dense = net["layers"][2]
    dense.weights = dense.weights[:3]  # 3 inputs where the previous layer gives 4
    with pytest.raises(
        SpecError, match="dense layer 1 takes 3 inputs but layer 0 gives 4"
    ):  # inference checks the chain
        validate(**net, X=X, y=Y, steps=5)
    spec = ModelSpec(sizes=(2, 4, 1), activations=("sigmoid", "sigmoid"), loss="mse", lr=0.5)
    net2 = mse_net(None)
    net2["layers"][2].forward = lambda inputs: inputs @ np.ones((3, 1))  # a shape bug inside forward
    result = validate(**net2, spec=spec, X=X, y=Y, steps=5)
    assert not result.ok and "layers[2].forward raised ValueError at step 1" in result.error, result.error
    assert "test_validate_mistakes.py" in result.error  # the user's own line
    assert "shape (4, 4)" in " ".join(result.diagnosis)


def test_float32_network_passes_at_float32_tolerance():
    net = mse_net(None)
    for layer in net["layers"][::2]:
        layer.weights, layer.biases = layer.weights.astype(np.float32), layer.biases.astype(np.float32)
    result = validate(**net, X=X.astype(np.float32), y=Y.astype(np.float32), steps=100)
    assert result.spec.dtype == "float32" and result.tolerance == 1e-4
    assert result.ok, str(result)


def test_mistake_in_a_multiclass_network_minibatches():
    X, y = blobs(12)
    spec = ModelSpec(
        sizes=(2, 5, 3), activations=("tanh", "softmax"), loss="categorical_crossentropy", lr=0.5, batch_size=5
    )
    ok = validate(**softmax_net(None), spec=spec, X=X, y=y, steps=12)
    assert ok.ok and ok.table.step.max() == 12, str(ok)
    net = softmax_net(None)
    net["loss"].backward = lambda d, yy: -np.eye(3)[yy] / np.clip(d, 1e-7, 1) / 5  # divides by 5 whatever the batch
    bad = validate(**net, spec=spec, X=X, y=y, steps=12)
    d = bad.first_divergence
    assert (d.step, d.phase) == (3, "gradient"), str(bad)  # the third batch has 2 rows, not 5
    assert "factor" in [f.kind for f in bad.findings] and "0.4 x" in bad.diagnosis[0], str(bad)
