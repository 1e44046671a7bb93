"""The JAX adapter's own conventions: every optimizer form, in both conventions, step by step
against the scratch network in float64 and float32; the in-order forms computing optax's own
formula; float64 through x64 and float32 kept float32; weights copied in. (The shared
contract, modes, equivalence tables and validation cover the rest, parametrized over every
implementation.)"""

from __future__ import annotations

import jax
import numpy as np
import optax
import pytest

from benchmarks.tasks import TASKS
from reference_impls import build
from reference_impls import equivalence as eq
from reference_impls.jax_impl import jax_optimizers as jo  # jax_impl turns on x64 first
from scratch.optimizers import OPTIMIZERS

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
    pytest.param(name, convention, id=f"{name}-{convention}") for name in FORMS for convention in ("pytorch", "keras")
]


def test_every_optimizer_in_both_forms():
    """The adapter follows the spec's convention for every optimizer the scratch network has."""
    assert set(jo.FORMS) == {(o, c) for o in OPTIMIZERS for c in ("pytorch", "keras")}


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


@pytest.mark.parametrize("name,convention", CASES)
def test_every_optimizer_form_in_float32(name, convention, spiral_data):
    """float32 rounds each form's arithmetic in the frameworks' order: one step and the
    losses within float32's tolerance over 200 steps, the weights drifting gradually if at
    all, never a jump. Measured here: at most 4e-4 in the weights (SGD at momentum 0.9),
    where PyTorch's own drift from the scratch network is 4e-4 too, and Keras's Adam 3e-3."""
    X, y = spiral_data
    spec = TASKS["spiral"].spec.replace(convention=convention, dtype="float32", **FORMS[name])
    r = eq.compare(spec, "jax", X, y, 200)
    assert r.status in ("pass", "amplified") and r.max_step_growth <= eq.MAX_JUMP, (r.status, r.note)
    assert r.one_step <= 1e-5 and r.loss_max_rel <= 1e-5 and r.weights_max_rel <= 1e-3, (
        f"one step {r.one_step:.2e}, loss {r.loss_max_rel:.2e}, weights {r.weights_max_rel:.2e}"
    )


# in-order form -> optax's own transformations of the same formula (float64: equal to 1e-12)
STOCK = {
    ("adam", "pytorch"): lambda s: optax.chain(  # FORMS["adam-..."] less its decays
        optax.scale_by_adam(b1=s.beta1, b2=s.beta2, eps=s.eps), optax.scale_by_learning_rate(s.lr)
    ),
    ("adagrad", "pytorch"): lambda s: optax.chain(
        optax.scale_by_rss(initial_accumulator_value=s.initial_accumulator, eps=s.eps),
        optax.scale_by_learning_rate(s.lr),
    ),
}


@pytest.mark.parametrize("key", list(STOCK), ids="-".join)
def test_in_order_forms_compute_optaxs_formula(key):
    """An in-order form is optax's formula rounded in another order: over 300 steps of
    random gradients its updates equal the stock transformation's (Adagrad with an eps
    below round-off, where PyTorch's and Keras's denominators agree)."""
    opt, convention = key
    changes = {"adam": dict(optimizer="adam", lr=0.01, eps=1e-7), "adagrad": dict(FORMS["adagrad"], eps=1e-300)}
    spec = TASKS["spiral"].spec.replace(**changes[opt], convention=convention)
    ours, stock = jo.optimizer(spec), STOCK[key](spec)
    params = {"W": jax.numpy.ones((4, 3), "float64")}
    s1, s2 = ours.init(params), stock.init(params)
    rng = np.random.default_rng(0)
    for _ in range(300):
        g = {"W": jax.numpy.asarray(rng.normal(size=(4, 3)))}
        u1, s1 = ours.update(g, s1, params)
        u2, s2 = stock.update(g, s2, params)
        np.testing.assert_allclose(u1["W"], u2["W"], rtol=1e-12, atol=0)


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
