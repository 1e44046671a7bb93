"""The JAX adapter's own conventions: every optimizer form it composes from optax, in both
conventions, step by step against the scratch network; float64 through x64 and float32 kept
float32; weights copied in; the one form optax lacks refused with its reason. (The shared
contract, modes, equivalence tables and validation cover the rest, parametrized over every
implementation.)"""

from __future__ import annotations

import jax
import numpy as np
import pytest

from benchmarks.tasks import TASKS
from reference_impls import NotExpressible, build
from reference_impls import equivalence as eq

STEPS = 300
# (optimizer changes, conventions) on the spiral's default network: every composition of
# jax_optimizers.FORMS, with momentum, Nesterov, lr decay in both forms and weight decay.
FORMS = {
    "sgd-momentum-decay": dict(optimizer="sgd", lr=0.3, momentum=0.9, lr_decay=0.01),
    "sgd-nesterov-decay-multiply": dict(
        optimizer="sgd", lr=0.3, momentum=0.9, nesterov=True, lr_decay=0.01, lr_decay_form="multiply"
    ),
    "adam-decay-weight-decay": dict(optimizer="adam", lr=0.01, eps=1e-7, lr_decay=0.01, weight_decay=0.001),
    "rmsprop-momentum": dict(
        optimizer="rmsprop", lr=0.001, rho=0.9, eps=1e-7, momentum=0.5
    ),  # PyTorch and Keras amplify past 1e-12 at lr 0.005
    "adagrad": dict(optimizer="adagrad", lr=0.1, eps=1e-7, initial_accumulator=0.1),
}
CASES = [
    pytest.param(name, convention, id=f"{name}-{convention}")
    for name in FORMS
    for convention in ("pytorch", "keras")
    if (name, convention) != ("adagrad", "pytorch")
]


@pytest.mark.parametrize("name,convention", CASES)
def test_every_optimizer_form_steps_as_scratch(name, convention, spiral_data):
    X, y = spiral_data
    spec = TASKS["spiral"].spec.replace(convention=convention, **FORMS[name])
    r = eq.compare(spec, "jax", X, y, STEPS)
    assert r.spec.convention == convention, "jax follows both forms: the spec's is kept"
    assert r.status == "pass", (r.status, r.note, r.max_step_growth)
    assert r.one_step <= 1e-13 and r.loss_max_rel <= 1e-12 and r.weights_max_rel <= 1e-12, (
        f"one step {r.one_step:.2e}, loss {r.loss_max_rel:.2e}, weights {r.weights_max_rel:.2e}"
    )


def test_adagrad_in_pytorchs_form_is_refused_with_the_reason():
    spec = TASKS["spiral"].spec.replace(**FORMS["adagrad"], convention="pytorch")
    with pytest.raises(NotExpressible, match=r"sqrt\(G \+ eps\), the Keras form.*set convention = 'keras'"):
        build("jax", spec)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("optimizer", ["sgd", "adam", "rmsprop"])
def test_the_specs_dtype_everywhere(dtype, optimizer, spiral_data):
    """x64 keeps float64 specs float64 (JAX would silently make them float32); a float32
    spec's parameters and optimizer state stay float32, its injected hyperparameters too."""
    X, y = spiral_data
    spec = TASKS["spiral"].spec.replace(dtype=dtype, optimizer=optimizer, momentum=0.5, convention="keras")
    model = build("jax", spec)
    model.train(X, y, 2)
    floats = [a for a in jax.tree.leaves((model.params, model.opt_state)) if np.issubdtype(a.dtype, np.floating)]
    assert floats and {str(a.dtype) for a in floats} == {dtype}
    assert all(W.dtype == np.dtype(dtype) for W, _ in model.get_weights())


def test_weights_are_copied_in(spiral_data):
    """A caller that updates its own arrays in place (a user's network under validate)
    changes nothing in the model that was built from them."""
    spec = TASKS["spiral"].spec
    weights = spec.init_weights()
    model = build("jax", spec, weights)
    before = [W.copy() for W, _ in weights]
    for W, b in weights:
        W -= 1.0
        b += 1.0
    assert all(np.array_equal(W, W0) for (W, _), W0 in zip(model.get_weights(), before))


def test_no_bias_layers_keep_zero_biases(xor):
    X, y = xor
    spec = TASKS["xor"].spec.replace(use_bias=False)
    model = build("jax", spec)
    model.train(X, y, 5)
    _, grads = model.gradients(X, y)
    assert all(not b.any() for _, b in model.get_weights()) and all(not db.any() for _, db in grads)
    r = eq.compare(spec, "jax", X, y, 100)
    assert r.status == "pass", r.note
