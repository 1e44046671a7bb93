"""Each scratch layer's forward and backward pass, alone (n = 3000 rows, width 256)."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.suite.helpers import check_outputs, info, pin
from scratch import ACTIVATIONS, LOSSES, Dense, get_activation, get_loss

N, WIDTH = 3000, 256


@pytest.fixture(scope="module")
def arrays():
    rng = np.random.default_rng(0)
    return rng.standard_normal((N, WIDTH)), rng.standard_normal((N, WIDTH))


def _layers():
    yield "Dense", lambda: Dense(WIDTH, WIDTH, "he_uniform", rng=0), 2 * N * WIDTH * WIDTH, 4 * N * WIDTH * WIDTH
    for name in sorted(ACTIVATIONS):
        yield name, (lambda n=name: get_activation(n)), 0, 0


LAYERS = list(_layers())


@pytest.mark.parametrize("direction", ["forward", "backward"])
@pytest.mark.parametrize("layer", LAYERS, ids=[name for name, *_ in LAYERS])
def test_layer(benchmark, layer, direction, arrays):
    pin()
    name, make, fwd_flops, bwd_flops = layer
    X, dY = arrays
    obj = make()
    obj.forward(X)
    benchmark.group = f"scratch layer {direction}: n={N} width={WIDTH}"
    info(
        benchmark,
        impl="scratch",
        task=name,
        n=N,
        width=WIDTH,
        dtype="float64",
        flops=fwd_flops if direction == "forward" else bwd_flops,
    )
    check_outputs(
        benchmark(obj.forward if direction == "forward" else obj.backward, X if direction == "forward" else dY),
        (N, WIDTH),
    )


LOSS_INPUTS = {
    "mse": lambda r: (r.standard_normal((N, 3)), r.standard_normal((N, 3))),
    "binary_crossentropy": lambda r: (r.uniform(0.01, 0.99, (N, 1)), r.integers(0, 2, N)),
    "categorical_crossentropy": lambda r: (np.full((N, 3), 1 / 3), r.integers(0, 3, N)),
    "softmax_crossentropy": lambda r: (r.standard_normal((N, 3)), r.integers(0, 3, N)),
    "sigmoid_binary_crossentropy": lambda r: (r.standard_normal((N, 1)), r.integers(0, 2, N)),
}


@pytest.mark.parametrize("direction", ["forward", "backward"])
@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_loss(benchmark, loss, direction):
    pin()
    pred, target = LOSS_INPUTS[loss](np.random.default_rng(0))
    fn = get_loss(loss)
    benchmark.group = f"scratch loss {direction}: n={N}"
    info(benchmark, impl="scratch", task=loss, n=N, dtype="float64", flops=0)
    out = benchmark(fn.calculate if direction == "forward" else fn.backward, pred, target)
    check_outputs(out, () if direction == "forward" else pred.shape)  # the mean loss, or dL/dpred
