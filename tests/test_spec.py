"""ModelSpec: validation with clear messages, JSON/TOML round trips, weights, batches."""

from __future__ import annotations

import numpy as np
import pytest

from reference_impls import ModelSpec, SpecError

BASE = dict(sizes=(2, 8, 3), activations=("relu", "softmax"), loss="categorical_crossentropy")


def spec(**changes) -> ModelSpec:
    return ModelSpec(**{**BASE, **changes})


@pytest.mark.parametrize(
    "changes,message",
    [
        (dict(activations=("gelu", "softmax")), "unknown activation 'gelu'; choose one of: leaky_relu, linear, relu"),
        (dict(activations=("relu",)), "2 weight layers need 2 activations, got 1"),
        (dict(sizes=(2,)), "sizes must be two or more positive integers"),
        (dict(sizes=(2, 0, 3)), "sizes must be two or more positive integers"),
        (
            dict(activations=("relu", "sigmoid")),
            "categorical_crossentropy needs a softmax output activation, got 'sigmoid'",
        ),
        (dict(loss="binary_crossentropy"), "binary_crossentropy needs a sigmoid output activation, got 'softmax'"),
        (dict(sizes=(2, 8, 1)), "categorical_crossentropy needs at least 2 outputs"),
        (dict(activations=("softmax", "softmax")), "softmax is only supported as the output activation"),
        (dict(loss="hinge"), "unknown loss 'hinge'"),
        (dict(optimizer="lbfgs"), "unknown optimizer 'lbfgs'; choose one of: sgd, adam, rmsprop, adagrad"),
        (dict(lr=0), "lr must be a positive number"),
        (dict(lr=float("nan")), "lr must be a positive number"),
        (dict(momentum=1.0), r"momentum must lie in \[0, 1\)"),
        (dict(nesterov=True), "nesterov needs momentum > 0"),
        (dict(batch_size=0), "batch_size must be a positive integer or None"),
        (dict(dtype="float16"), "dtype must be one of float32, float64"),
        (dict(init="xavier"), "unknown init 'xavier'"),
        (dict(convention="jax"), "unknown convention 'jax'"),
        (dict(shuffle="yes"), "shuffle must be true or false"),
        (dict(weight_decay=-1.0), "weight_decay must be a non-negative number"),
    ],
)
def test_invalid_specs_say_what_is_wrong(changes, message):
    with pytest.raises(SpecError, match=message):
        spec(**changes)


SPECS = [
    spec(),
    spec(optimizer="adam", lr=0.003, beta2=0.99, batch_size=16, shuffle=True, dtype="float32", seed=7),
    ModelSpec(
        sizes=(2, 4, 4, 1),
        activations=("tanh", "leaky_relu", "sigmoid"),
        loss="binary_crossentropy",
        optimizer="sgd",
        momentum=0.9,
        nesterov=True,
        leaky_alpha=0.2,
        convention="keras",
    ),
    ModelSpec(sizes=(3, 2), activations=("linear",), loss="mse", optimizer="rmsprop", weight_decay=0.1, lr_decay=0.5),
]


@pytest.mark.parametrize("s", SPECS, ids=range(len(SPECS)))
def test_round_trips(s):
    assert ModelSpec.from_json(s.to_json()) == s
    assert ModelSpec.from_toml(s.to_toml()) == s
    assert ModelSpec.from_dict(s.to_dict()) == s


def test_serialisation_errors():
    with pytest.raises(SpecError, match="unknown spec field\\(s\\) learning_rate; valid fields: sizes, activations"):
        ModelSpec.from_dict({**BASE, "learning_rate": 0.1})
    with pytest.raises(SpecError, match="spec is missing required field\\(s\\): loss"):
        ModelSpec.from_dict({"sizes": [2, 3], "activations": ["softmax"]})
    with pytest.raises(SpecError, match="spec is not valid TOML"):
        ModelSpec.from_toml("sizes = [2, 3")
    with pytest.raises(SpecError, match="spec is not valid JSON"):
        ModelSpec.from_json("{")
    with pytest.raises(SpecError, match="sizes must be a list"):
        ModelSpec.from_dict({**BASE, "sizes": "2,8,3"})
    assert 'batch_size = "full"' in spec().to_toml()


def test_init_weights():
    s = spec(init="he_normal", dtype="float32")
    w = s.init_weights()
    assert [(W.shape, b.shape) for W, b in w] == [((2, 8), (8,)), ((8, 3), (3,))]
    assert all(a.dtype == np.float32 for pair in w for a in pair)
    again = s.init_weights()
    assert all(np.array_equal(a, b) for p, q in zip(w, again) for a, b in zip(p, q))
    other = s.init_weights(seed=1)
    assert not np.array_equal(w[0][0], other[0][0])
    w64 = s.replace(dtype="float64").init_weights()
    np.testing.assert_array_equal(w[0][0], w64[0][0].astype(np.float32))  # drawn in float64, then cast
    assert spec().n_params == (2 + 1) * 8 + (8 + 1) * 3


def test_batches():
    full = spec()
    assert full.batches(10, 0) == [slice(0, 10)]
    seq = spec(batch_size=4)
    assert seq.batches(10, 3) == [slice(0, 4), slice(4, 8), slice(8, 10)]
    shuf = spec(batch_size=4, shuffle=True, seed=3)
    e0, e1 = shuf.batches(10, 0), shuf.batches(10, 1)
    assert sorted(np.concatenate(e0).tolist()) == list(range(10)) and [len(b) for b in e0] == [4, 4, 2]
    assert np.concatenate(e0).tolist() != np.concatenate(e1).tolist()
    # Any epoch can be regenerated on its own (resuming) and the stream chains epochs.
    assert np.array_equal(np.concatenate(shuf.batches(10, 1)), np.concatenate(e1))
    stream = shuf.batch_stream(10)
    chained = [next(stream) for _ in range(6)]
    assert all(np.array_equal(a, b) for a, b in zip(chained, e0 + e1))
    assert shuf.replace(seed=4).batches(10, 0)[0].tolist() != e0[0].tolist()
    assert spec(batch_size=64).batches(10, 0) == [slice(0, 10)]


def test_convention_matters_only_where_forms_differ():
    assert not spec(optimizer="sgd", momentum=0.9).convention_matters
    assert spec(optimizer="sgd", momentum=0.9, lr_decay=0.1).convention_matters
    assert spec(optimizer="adam").convention_matters


@pytest.mark.parametrize("batch_size", [None, 1, 3, 4, 7, 64])
@pytest.mark.parametrize("shuffle", [False, True])
def test_steps_per_epoch_is_the_number_of_batches(batch_size, shuffle):
    s = spec(batch_size=batch_size, shuffle=shuffle)
    for n in (1, 4, 10, 300):
        assert s.steps_per_epoch(n) == len(s.batches(n, 0))


def test_activation_parameters_travel_from_the_spec():
    """Each spec field ACTIVATION_FIELDS names reaches its activation's constructor."""
    import dataclasses

    from reference_impls.spec import ACTIVATION_FIELDS
    from scratch import ACTIVATIONS

    fields = {f.name for f in dataclasses.fields(ModelSpec)}
    for name, args in ACTIVATION_FIELDS.items():
        assert name in ACTIVATIONS and set(args.values()) <= fields, (name, args)
    spec = ModelSpec(sizes=(2, 3, 1), activations=("leaky_relu", "sigmoid"), loss="mse", leaky_alpha=0.25)
    assert spec.activation(0).alpha == 0.25 and spec.activation(-1).name == "sigmoid"
