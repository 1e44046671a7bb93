"""The scratch network learns what the tutorials teach it: every two-input gate to 100%
and the cs231n spiral (300 points, 3 classes) to >= 95% training accuracy."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.harness.demo import gate_net, spiral_net
from benchmarks.tasks import GATES, logic_gate, spiral


@pytest.mark.parametrize("gate", list(GATES))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_learns_every_gate(gate, seed):
    X, y = logic_gate(gate)
    model = gate_net(seed)
    model.fit(X, y, epochs=2_000)
    assert model.predict(X).tolist() == y.tolist()
    assert model.evaluate(X, y)["accuracy"] == 1.0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_learns_the_spiral(seed):
    X, y = spiral(100, 3, 0.2, rng=np.random.default_rng(seed))
    assert X.shape == (300, 2) and np.bincount(y).tolist() == [100, 100, 100]
    model = spiral_net(seed)
    history = model.fit(X, y, epochs=2_000)
    assert model.evaluate(X, y)["accuracy"] >= 0.95
    assert history.loss[-1] < 0.25 * history.loss[0]
