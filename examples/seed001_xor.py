"""Seed 001's from-scratch XOR network (arrays and functions), validated against PyTorch
and Keras. The tutorial's ``forward_prop`` and ``back_prop`` are used as the tutorial
writes them: weights stored as (out, in), no biases, samples as columns, and ``back_prop``
reading the global ``total_input``; only the four-line step function is new.

    python examples/seed001_xor.py
    scratchbench validate examples/seed001_xor.py:network --task xor --steps 500
"""

from __future__ import annotations

import numpy as np

from reference_impls import ModelSpec

a = np.array([0, 0, 1, 1])
b = np.array([0, 1, 0, 1])
y_xor = np.array([[0, 1, 1, 0]])
total_input = np.array([a, b])
lr = 0.1


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def forward_prop(w1, w2, x):
    z1 = np.dot(w1, x)
    a1 = sigmoid(z1)
    z2 = np.dot(w2, a1)
    a2 = sigmoid(z2)
    return z1, a1, z2, a2


def back_prop(m, w1, w2, z1, a1, z2, a2, y):
    dz2 = a2 - y
    dw2 = np.dot(dz2, a1.T) / m
    dz1 = np.dot(w2.T, dz2) * a1 * (1 - a1)
    dw1 = np.dot(dz1, total_input.T) / m
    dw1 = np.reshape(dw1, w1.shape)
    dw2 = np.reshape(dw2, w2.shape)
    return dz2, dw2, dz1, dw1


def train_step(params, x, y):
    """One iteration of the tutorial's training loop: its loss, then the update."""
    w1, w2 = params["w1"], params["w2"]
    z1, a1, z2, a2 = forward_prop(w1, w2, x)
    loss = -(1 / x.shape[1]) * np.sum(y * np.log(a2) + (1 - y) * np.log(1 - a2))
    da2, dw2, dz1, dw1 = back_prop(x.shape[1], w1, w2, z1, a1, z2, a2, y)
    return {"w1": w1 - lr * dw1, "w2": w2 - lr * dw2}, loss


# The architecture the tutorial's code implements, stated once.
SPEC = ModelSpec(sizes=(2, 2, 1), activations=("sigmoid", "sigmoid"), loss="binary_crossentropy", lr=lr, use_bias=False)


def network():
    np.random.seed(42)
    w1 = np.random.rand(2, 2)  # (hidden, input)
    w2 = np.random.rand(1, 2)  # (output, hidden)
    return dict(
        step=train_step,
        params={"w1": w1, "w2": w2},
        spec=SPEC,
        data_layout="columns",
        forward=lambda params, x: forward_prop(params["w1"], params["w2"], x),
    )


if __name__ == "__main__":
    from reference_impls import validate

    print(validate(**network(), X=total_input, y=y_xor, steps=500))
