"""Style 8: a network of neurons in plain Python lists ("backpropagation from scratch" blog
posts, e.g. Machine Learning Mastery's "How to Code a Neural Network with Backpropagation
In Python").

Sources read (style only, no code copied): the blog post's published code as reproduced in
public repositories (its ``initialize_network`` / ``forward_propagate`` /
``backward_propagate_error`` / ``update_weights`` / ``train_network`` functions).

Style facts that matter to a validator:
- The network is a list of layers, each a list of neurons, each a dict whose ``weights`` is
  a Python list of the neuron's input weights with its bias LAST; the neuron also keeps its
  ``output`` and ``delta``. No NumPy arrays at all.
- A data row is ``[x1, ..., xn, label]`` with the class index last; targets are one-hot
  built inside training; the error is ``output - expected`` per output neuron times the
  sigmoid derivative written on the output, i.e. gradient descent on 1/2 sum of squares.
- validate reads such lists of neuron records itself (``neurons.py``): no ``weights=``.
- ``train_network(network, train, l_rate, n_epoch, n_outputs)`` loops epochs, then rows, and
  updates after each row: per-sample SGD (``batch_size=1``), the epoch count a parameter.
- With XOR's first row ``[0, 0]`` the first layer's weight gradients are zero at step 1: a
  bug there first shows in layer 0's biases (order: layer 0's W, b, then layer 1's).
"""

from __future__ import annotations

from math import exp
from random import Random

from reference_impls import ModelSpec

from ._data import planted, xor

BUGS = {
    "error_sign": "the output error written expected - output",
    "bias_update_dropped": "the bias line of update_weights left out",
    "derivative_on_input": "the sigmoid derivative given the neuron's summed input instead of its output",
    "hidden_error_from_output": "a hidden neuron's error sums the next layer's outputs times weights instead of its deltas",
}

EXPECT = {
    "error_sign": dict(step=1, phase="update", tensor="layer 0 b", cause="sign flipped", keys=("sign",)),
    "bias_update_dropped": dict(
        step=1,
        phase="update",
        tensor="layer 0 b",
        cause="bias not updated",
        keys=("not change", "skipped", "did not", "dropped"),
    ),
    "derivative_on_input": dict(
        step=1,
        phase="update",
        tensor="layer 0 b",
        cause="derivative evaluated on the pre-activation",
        keys=("pre-activation", "derivative"),
    ),
    "hidden_error_from_output": dict(
        step=1, phase="update", tensor="layer 0 b", cause="hidden error built from outputs", keys=("delta", "output")
    ),
}

_bug = None


def transfer(a):
    return 1.0 / (1.0 + exp(-a))


def transfer_derivative(output):
    return output * (1.0 - output)


def initialize_network(n_inputs, n_hidden, n_outputs, rng):
    hidden = [{"weights": [rng.random() - 0.5 for _ in range(n_inputs + 1)]} for _ in range(n_hidden)]
    output = [{"weights": [rng.random() - 0.5 for _ in range(n_hidden + 1)]} for _ in range(n_outputs)]
    return [hidden, output]


def activate(weights, inputs):
    total = weights[-1]
    for i in range(len(weights) - 1):
        total += weights[i] * inputs[i]
    return total


def forward_propagate(network, row):
    inputs = row
    for layer in network:
        outputs = []
        for neuron in layer:
            neuron["input"] = activate(neuron["weights"], inputs)
            neuron["output"] = transfer(neuron["input"])
            outputs.append(neuron["output"])
        inputs = outputs
    return inputs


def backward_propagate_error(network, expected):
    for i in reversed(range(len(network))):
        layer, errors = network[i], []
        if i != len(network) - 1:
            for j in range(len(layer)):
                key = "output" if _bug == "hidden_error_from_output" else "delta"
                errors.append(sum(neuron["weights"][j] * neuron[key] for neuron in network[i + 1]))
        else:
            for j, neuron in enumerate(layer):
                errors.append(
                    expected[j] - neuron["output"] if _bug == "error_sign" else neuron["output"] - expected[j]
                )
        for j, neuron in enumerate(layer):
            at = neuron["input"] if _bug == "derivative_on_input" else neuron["output"]
            neuron["delta"] = errors[j] * transfer_derivative(at)


def update_weights(network, row, l_rate):
    for i, layer in enumerate(network):
        inputs = row[:-1] if i == 0 else [neuron["output"] for neuron in network[i - 1]]
        for neuron in layer:
            for j in range(len(inputs)):
                neuron["weights"][j] -= l_rate * neuron["delta"] * inputs[j]
            if _bug != "bias_update_dropped":
                neuron["weights"][-1] -= l_rate * neuron["delta"]


def train_network(network, train, l_rate, n_epoch, n_outputs):
    for _ in range(n_epoch):
        for row in train:
            forward_propagate(network, row)
            expected = [0] * n_outputs
            expected[row[-1]] = 1
            backward_propagate_error(network, expected)
            update_weights(network, row, l_rate)


L_RATE = 0.5
SPEC = ModelSpec(
    sizes=(2, 3, 2),
    activations=("sigmoid", "sigmoid"),
    loss="mse",
    loss_reduction="sum",
    loss_scale=0.5,
    lr=L_RATE,
    batch_size=1,
)


def make(bug=None):
    global _bug
    _bug = planted(BUGS, bug)
    return initialize_network(2, 3, 2, Random(1))


def glue(bug=None) -> dict:
    network = make(bug)
    X, y = xor()  # data
    step = lambda net, X, y: train_network(net, [list(x) + [int(t)] for x, t in zip(X, y)], L_RATE, 1, 2)
    return dict(model=network, step=step, spec=SPEC, X=X, y=y, steps=12)
