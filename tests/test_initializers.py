"""Initializers: shapes, seeding, the tutorials' draws, and the published distributions."""

from __future__ import annotations

import math

import numpy as np
import pytest

from scratch import INITIALIZERS, Dense, get_initializer


@pytest.mark.parametrize("name", sorted(INITIALIZERS))
def test_shapes_dtype_and_seeding(name):
    init = get_initializer(name)
    W, b = init(3, 5, np.random.default_rng(0))
    assert W.shape == (3, 5) and b.shape == (1, 5) and W.dtype == b.dtype == np.float64
    W2, b2 = init(3, 5, np.random.default_rng(0))
    assert np.array_equal(W, W2) and np.array_equal(b, b2)
    W32, b32 = init(3, 5, np.random.default_rng(0), dtype="float32")
    if name == "nnfs":  # the book multiplies in float32 after nnfs.init()'s float32 randn
        expected = np.float32(0.01) * np.random.default_rng(0).standard_normal((3, 5)).astype(np.float32)
    else:  # drawn in float64, then cast: the same start in both dtypes, rounded
        expected = W.astype(np.float32)
    assert W32.dtype == np.float32 and np.array_equal(W32, expected)
    assert W.flags.c_contiguous


def test_legacy_seed_reproduces_the_tutorials_calls():
    np.random.seed(42)
    W, _ = get_initializer("rand_0.1")(4, 10)
    np.random.seed(42)
    assert np.array_equal(W, 0.1 * np.random.rand(4, 10))  # seed 003's Hidden(4, 10)
    np.random.seed(42)
    W, _ = get_initializer("rand_out_in")(2, 3)
    np.random.seed(42)
    assert np.array_equal(W, np.random.rand(3, 2).T)  # seed 001's w1 = rand(hidden, input)
    assert np.array_equal(
        get_initializer("rand")(2, 3, np.random.RandomState(42))[0], np.random.RandomState(42).rand(2, 3)
    )


# (name, fan_in, fan_out, expected std, bound on |W|)
STATS = [
    ("glorot_uniform", 300, 200, math.sqrt(2 / 500), math.sqrt(6 / 500)),
    ("he_uniform", 300, 200, math.sqrt(2 / 300), math.sqrt(6 / 300)),
    ("torch_default", 300, 200, 1 / math.sqrt(3 * 300), 1 / math.sqrt(300)),
    ("glorot_normal", 300, 200, math.sqrt(2 / 500), 2 * math.sqrt(2 / 500) / 0.87962566103423978),
    ("he_normal", 300, 200, math.sqrt(2 / 300), 2 * math.sqrt(2 / 300) / 0.87962566103423978),
]


@pytest.mark.parametrize("name,fan_in,fan_out,std,bound", STATS, ids=[s[0] for s in STATS])
def test_distribution(name, fan_in, fan_out, std, bound):
    W, b = get_initializer(name)(fan_in, fan_out, np.random.default_rng(1))
    assert np.max(np.abs(W)) <= bound
    assert np.max(np.abs(W)) > 0.95 * bound  # the whole range is used
    assert abs(W.std() / std - 1) < 0.02  # 60,000 draws: the std is within 2%
    assert abs(W.mean()) < 0.02 * std * 10
    if name == "torch_default":
        assert np.all(np.abs(b) <= bound) and np.any(b != 0)
    else:
        assert not b.any()


def test_uniform01_range():
    W, _ = get_initializer("rand")(100, 100, np.random.default_rng(2))
    assert W.min() >= 0 and W.max() < 1 and abs(W.mean() - 0.5) < 0.01


def test_dense_uses_the_initializer_and_rng():
    a = Dense(4, 3, "he_normal", rng=np.random.default_rng(5))
    W, b = get_initializer("he_normal")(4, 3, np.random.default_rng(5))
    assert np.array_equal(a.weights, W) and np.array_equal(a.biases, b)
    assert np.array_equal(Dense(4, 3, rng=7).weights, Dense(4, 3, rng=7).weights)  # an int seeds a Generator


def test_unknown_initializer_and_bad_rng():
    with pytest.raises(ValueError, match="unknown initializer 'xavier'; choose one of: .*glorot_uniform"):
        Dense(2, 2, "xavier")
    with pytest.raises(TypeError, match="rng must be a numpy Generator"):
        Dense(2, 2, rng="42")
    with pytest.raises(ValueError, match="Dense sizes must be positive"):
        Dense(0, 2)
