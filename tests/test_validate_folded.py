"""Biases folded into the weights (Theta matrices (out, in + 1), bias first column) and all
parameters unrolled into one flat vector, as Andrew Ng's ex4 and its Python ports keep
them: read with no weights= (``reference_impls/validation/folded.py``)."""

from __future__ import annotations

import numpy as np
import pytest

from reference_impls import SpecError, validate
from tests.styles import style_ng_ex4 as ex4


def test_theta_matrices_held_apart_are_read_with_their_bias_column():
    flat = ex4.make(None)
    T1, T2 = flat[:9].reshape(3, 3), flat[9:].reshape(2, 4)

    def step(p, X, y):
        J, grad = ex4.nnCostFunction(np.concatenate([p["Theta1"].ravel(), p["Theta2"].ravel()]), 2, 3, 2, X, y, 1.0)
        return {"Theta1": p["Theta1"] - grad[:9].reshape(3, 3), "Theta2": p["Theta2"] - grad[9:].reshape(2, 4)}, J

    X, y = ex4.xor()
    result = validate(
        step=step, params={"Theta1": T1, "Theta2": T2}, spec=ex4.SPEC, X=X, y=y, steps=4, against=("torch",)
    )
    assert result.ok, str(result)
    assert "Theta matrices (out, in + 1) with the bias as the first column: Theta1, Theta2" in " ".join(result.notes)


def test_a_flat_vector_of_another_size_says_what_size_it_needs():
    X, y = ex4.xor()
    with pytest.raises(SpecError, match=r"nn_params has 13 values; an unrolled .* holds 17"):
        validate(step=lambda p, X, y: p, params={"nn_params": np.zeros(13)}, spec=ex4.SPEC, X=X, y=y, steps=1)
