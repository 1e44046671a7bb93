"""Shared fixtures. TensorFlow's oneDNN kernels change round-off; equivalence runs turn
them off before TensorFlow is first imported (the Keras adapter does the same)."""

from __future__ import annotations

import os

os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from benchmarks.tasks import TASKS  # noqa: E402


@pytest.fixture(scope="session")
def xor():
    d = TASKS["xor"].data(0)
    return d.X_train, d.y_train


@pytest.fixture(scope="session")
def spiral_data():
    d = TASKS["spiral"].data(0)
    return d.X_train, d.y_train


@pytest.fixture
def rng():
    return np.random.default_rng(1234)
