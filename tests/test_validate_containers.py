"""Weights held other than as (W, b) arrays, read with no weights=: Theta matrices (out,
in + 1) with the bias as first column, or all of them unrolled into one flat vector (Ng's
ex4, ``folded.py``); lists of neuron records (micrograd, ``neurons.py``); and a script's
globals, refused in one line that says what to write."""

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


def test_neuron_records_are_read_with_no_weights_argument():
    """Micrograd's lists of Value objects: found, read as (out, in), and named in a note."""
    from tests.styles import style_micrograd as mg

    kwargs = mg.glue(None)
    kwargs.pop("steps")
    result = validate(**kwargs, steps=3, against=("torch",))
    assert result.ok, str(result)
    assert "weights read neuron by neuron from layers[0].neurons, layers[1].neurons" in " ".join(result.notes)


def test_a_script_module_is_refused_in_one_line_that_says_what_to_write():
    import tests.styles.style_trask as script

    X, y = script.streetlights, script.walk_vs_stop
    with pytest.raises(SpecError, match=r"model= is the module .*style_trask.*def step\(params, X, y\)") as err:
        validate(model=script, step=lambda m, X, y: None, spec=script.SPEC, X=X, y=y, steps=1)
    assert "\n" not in str(err.value)
