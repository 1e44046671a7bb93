"""Sequential: dtype discipline, batching, history, weights, and clear errors."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.tasks import spiral
from scratch import SGD, Adam, Dense, ReLU, Sequential, Sigmoid, Softmax, Tanh, batch_indices


def spiral_model(dtype="float64", seed=0, optimizer=None):
    rng = np.random.default_rng(seed)
    return Sequential(
        [
            Dense(2, 16, "he_uniform", rng=rng, dtype=dtype),
            ReLU(),
            Dense(16, 3, "glorot_uniform", rng=rng, dtype=dtype),
            Softmax(),
        ],
        loss="categorical_crossentropy",
        optimizer=optimizer or Adam(lr=0.01),
    )


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_dtype_end_to_end(dtype):
    X, y = spiral(20, 3, rng=np.random.default_rng(0))
    model = spiral_model(dtype)
    model.fit(X, y, epochs=3, batch_size=16)  # X is float64: cast once, never upcast after
    arrays = [p for p, _ in model.params()] + [g for _, g in model.params()]
    # softmax is fused; a training step keeps no pre-activation Dense output, and the ReLU's
    # gradient overwrites the Dense dinputs above it (None: not kept)
    kept = [getattr(layer, "output", None) for layer in model.layers] + [layer.dinputs for layer in model.layers[:-1]]
    assert model.layers[0].output is None and model.layers[2].dinputs is None
    arrays += [a for a in kept if a is not None]
    arrays += [v for st in model.optimizer.state.values() for v in st.values()]
    assert {a.dtype for a in arrays} == {np.dtype(dtype)}
    assert model.predict_proba(X).dtype == np.dtype(dtype)


def test_float32_and_float64_train_alike():
    X, y = spiral(30, 3, rng=np.random.default_rng(0))
    h64 = spiral_model("float64").fit(X, y, epochs=50)
    h32 = spiral_model("float32").fit(X, y, epochs=50)
    np.testing.assert_allclose(h32.loss, h64.loss, rtol=1e-4)


def test_batch_indices():
    assert [b.tolist() for b in batch_indices(5, 2, False, None)] == [[0, 1], [2, 3], [4]]
    assert [b.tolist() for b in batch_indices(3, None, False, None)] == [[0, 1, 2]]
    a = np.concatenate(list(batch_indices(10, 3, True, np.random.default_rng(4))))
    b = np.concatenate(list(batch_indices(10, 3, True, np.random.default_rng(4))))
    assert sorted(a.tolist()) == list(range(10)) and a.tolist() == b.tolist() and a.tolist() != list(range(10))
    with pytest.raises(ValueError, match="batch_size must be a positive integer or None"):
        list(batch_indices(4, 0, False, None))


def test_fit_equals_manual_train_steps_and_history_is_batch_weighted():
    X, y = spiral(10, 3, rng=np.random.default_rng(1))  # 30 samples: batches 8, 8, 8, 6
    a, b = spiral_model(optimizer=SGD(lr=0.5)), spiral_model(optimizer=SGD(lr=0.5))
    history = a.fit(X, y, epochs=2, batch_size=8)
    losses = [b.train_step(X[i : i + 8], y[i : i + 8]) for _ in range(2) for i in range(0, 30, 8)]
    assert history.step_loss == losses
    for (Wa, ba), (Wb, bb) in zip(a.get_weights(), b.get_weights()):
        assert np.array_equal(Wa, Wb) and np.array_equal(ba, bb)
    sizes = np.array([8, 8, 8, 6])
    assert history.loss[1] == pytest.approx(np.dot(losses[4:], sizes) / 30, rel=1e-15)
    assert len(history.loss) == len(history.accuracy) == 2 and set(history.history) == {"loss", "accuracy"}


def test_full_batch_history_is_the_loss_before_each_step():
    X, y = spiral(10, 3, rng=np.random.default_rng(1))
    model = spiral_model()
    before = model.evaluate(X, y)
    history = model.fit(X, y, epochs=3)
    assert history.loss == history.step_loss and history.loss[0] == pytest.approx(before["loss"], rel=1e-15)
    assert history.accuracy[0] == before["accuracy"]


def test_shuffle_uses_the_given_rng():
    X, y = spiral(10, 3, rng=np.random.default_rng(1))
    runs = [
        spiral_model().fit(X, y, epochs=2, batch_size=7, shuffle=True, rng=np.random.default_rng(s)).step_loss
        for s in (3, 3, 4)
    ]
    assert runs[0] == runs[1] != runs[2]


def test_get_and_set_weights_round_trip():
    a, b = spiral_model(seed=0), spiral_model(seed=1)
    b.set_weights(a.get_weights())
    X = np.random.default_rng(0).normal(size=(5, 2))
    assert np.array_equal(a.predict_proba(X), b.predict_proba(X))
    with pytest.raises(ValueError, match=r"Dense\(2, 16\) needs W \(2, 16\) and b \(16,\), got \(16, 2\)"):
        b.set_weights([(W.T, bias) for W, bias in a.get_weights()])
    with pytest.raises(ValueError, match="got weights for 1 Dense layers, the model has 2"):
        b.set_weights(a.get_weights()[:1])


def test_predict_labels_and_thresholds():
    model = Sequential([Dense(1, 1, "rand", rng=0), Sigmoid()], loss="binary_crossentropy", optimizer="sgd")
    model.set_weights([(np.array([[1.0]]), np.array([0.0]))])
    assert model.predict(np.array([[-1.0], [0.0], [2.0]])).tolist() == [0, 1, 1]  # output >= 0.5 is class 1
    assert spiral_model().predict(np.zeros((4, 2))).shape == (4,)


def test_clear_errors():
    model = spiral_model()
    with pytest.raises(ValueError, match=r"Dense\(2, 16\) expects inputs of shape \(n, 2\), got \(4, 3\)"):
        model.predict(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="X contains NaN"):
        model.predict(np.array([[0.0, np.nan]]))
    with pytest.raises(ValueError, match="X has 4 samples but y has 3"):
        model.fit(np.zeros((4, 2)), np.zeros(3, dtype=int))
    with pytest.raises(ValueError, match="y contains NaN"):
        model.fit(np.zeros((2, 2)), np.array([0.0, np.nan]))
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 2\] for 3 outputs, got \[0, 5\]"):
        model.fit(np.zeros((2, 2)), np.array([0, 5]))
    with pytest.raises(
        ValueError, match="unknown activation 'gelu'; choose one of: leaky_relu, linear, relu, sigmoid, softmax, tanh"
    ):
        Sequential([Dense(2, 2), "gelu"])
    with pytest.raises(ValueError, match="unknown loss 'hinge'"):
        Sequential([Dense(2, 2)], loss="hinge")
    with pytest.raises(ValueError, match="the model needs an optimizer"):
        Sequential([Dense(2, 1), Sigmoid()], loss="binary_crossentropy").train_step(np.zeros((1, 2)), np.zeros(1))


def test_string_layers_and_add():
    model = Sequential([Dense(2, 3, rng=0), "tanh"])
    model.add(Dense(3, 1, rng=0))
    model.add("sigmoid")
    model.compile("binary_crossentropy", "sgd")
    assert [type(layer) for layer in model.layers] == [Dense, Tanh, Dense, Sigmoid]
