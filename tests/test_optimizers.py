"""Optimizer updates against their published formulas, recomputed element by element in
plain Python floats over several steps (as scikit-learn's test_stochastic_optimizers does),
plus small worked examples whose arithmetic is in the comments."""

from __future__ import annotations

import math

import numpy as np
import pytest

from scratch import SGD, Adagrad, Adam, RMSprop, get_optimizer

GRADS = [
    np.array([[0.5, -1.5], [2.0, 0.25]]),
    np.array([[-0.3, 0.7], [1.1, -2.0]]),
    np.array([[0.05, -0.4], [0.9, 0.6]]),
]
P0 = np.array([[1.0, -2.0], [0.5, 3.0]])


def run(opt, grads=GRADS, p0=P0):
    """Apply ``opt`` to a copy of p0 with the given gradient sequence; returns the params."""
    p = p0.copy()
    for g in grads:
        opt.step([(p, g)])
    return p


def by_formula(update, grads=GRADS, p0=P0):
    """Apply a scalar update rule ``update(p, g, state, t) -> p`` elementwise, t = 1, 2, ..."""
    out = p0.copy()
    for idx in np.ndindex(p0.shape):
        p, state = float(p0[idx]), {}
        for t, g in enumerate(grads, start=1):
            p = update(p, float(g[idx]), state, t)
        out[idx] = p
    return out


# ---- worked examples -------------------------------------------------------------------
def test_sgd_momentum_worked_example():
    # p = 1, g = 0.5 twice, lr = 0.1, mu = 0.9 (PyTorch form):
    # v1 = 0.5, p1 = 1 - 0.1*0.5 = 0.95; v2 = 0.9*0.5 + 0.5 = 0.95, p2 = 0.95 - 0.095 = 0.855
    p = run(SGD(lr=0.1, momentum=0.9), [np.array([0.5])] * 2, np.array([1.0]))
    assert p[0] == pytest.approx(0.855, abs=1e-15)


def test_adam_first_step_moves_each_weight_by_lr():
    # After one step m_hat = g and v_hat = g^2, so the update is lr * g / (|g| + eps).
    p = run(Adam(lr=0.01, eps=1e-8), [GRADS[0]])
    np.testing.assert_allclose(p, P0 - 0.01 * GRADS[0] / (np.abs(GRADS[0]) + 1e-8), rtol=1e-15)


# ---- formulas, several steps -----------------------------------------------------------
def sgd_rule(lr, mu=0.0, nesterov=False, convention="pytorch"):
    def update(p, g, s, t):
        if not mu:
            return p - lr * g
        v = s.get("v", 0.0)
        if convention == "pytorch":  # v = mu v + g; p -= lr (g + mu v) or lr v
            v = mu * v + g
            p = p - lr * (g + mu * v if nesterov else v)
        else:  # Keras / scikit-learn: v = mu v - lr g; p += mu v - lr g or v
            v = mu * v - lr * g
            p = p + (mu * v - lr * g if nesterov else v)
        s["v"] = v
        return p

    return update


def adam_rule(lr, b1, b2, eps, convention):
    def update(p, g, s, t):
        m = b1 * s.get("m", 0.0) + (1 - b1) * g
        v = b2 * s.get("v", 0.0) + (1 - b2) * g * g
        s.update(m=m, v=v)
        if convention == "pytorch":  # Algorithm 1: m_hat / (sqrt(v_hat) + eps)
            return p - lr * (m / (1 - b1**t)) / (math.sqrt(v / (1 - b2**t)) + eps)
        return p - lr * math.sqrt(1 - b2**t) / (1 - b1**t) * m / (math.sqrt(v) + eps)  # "epsilon hat"

    return update


def rmsprop_rule(lr, rho, eps, mu, convention):
    def update(p, g, s, t):
        sq = rho * s.get("sq", 0.0) + (1 - rho) * g * g
        d = math.sqrt(sq) + eps if convention == "pytorch" else math.sqrt(sq + eps)
        s["sq"] = sq
        if not mu:
            return p - lr * g / d
        if convention == "pytorch":
            s["b"] = mu * s.get("b", 0.0) + g / d
            return p - lr * s["b"]
        s["b"] = mu * s.get("b", 0.0) + lr * g / d
        return p - s["b"]

    return update


def adagrad_rule(lr, eps, init, convention):
    def update(p, g, s, t):
        G = s.get("G", init) + g * g
        s["G"] = G
        return p - lr * g / (math.sqrt(G) + eps if convention == "pytorch" else math.sqrt(G + eps))

    return update


CASES = {
    "sgd": (lambda c: SGD(lr=0.1, convention=c), lambda c: sgd_rule(0.1, convention=c)),
    "sgd_momentum": (lambda c: SGD(lr=0.1, momentum=0.9, convention=c), lambda c: sgd_rule(0.1, 0.9, convention=c)),
    "sgd_nesterov": (
        lambda c: SGD(lr=0.1, momentum=0.8, nesterov=True, convention=c),
        lambda c: sgd_rule(0.1, 0.8, True, c),
    ),
    "adam": (
        lambda c: Adam(lr=0.01, beta1=0.9, beta2=0.999, eps=1e-7, convention=c),
        lambda c: adam_rule(0.01, 0.9, 0.999, 1e-7, c),
    ),
    "adam_big_eps": (
        lambda c: Adam(lr=0.05, beta1=0.8, beta2=0.9, eps=0.1, convention=c),
        lambda c: adam_rule(0.05, 0.8, 0.9, 0.1, c),
    ),
    "rmsprop": (
        lambda c: RMSprop(lr=0.01, rho=0.9, eps=1e-3, convention=c),
        lambda c: rmsprop_rule(0.01, 0.9, 1e-3, 0.0, c),
    ),
    "rmsprop_momentum": (
        lambda c: RMSprop(lr=0.01, rho=0.9, eps=1e-3, momentum=0.5, convention=c),
        lambda c: rmsprop_rule(0.01, 0.9, 1e-3, 0.5, c),
    ),
    "adagrad": (lambda c: Adagrad(lr=0.1, eps=1e-2, convention=c), lambda c: adagrad_rule(0.1, 1e-2, 0.0, c)),
    "adagrad_keras_init": (
        lambda c: Adagrad(lr=0.1, eps=1e-2, initial_accumulator=0.1, convention=c),
        lambda c: adagrad_rule(0.1, 1e-2, 0.1, c),
    ),
}


@pytest.mark.parametrize("convention", ["pytorch", "keras"])
@pytest.mark.parametrize("case", CASES)
def test_update_rule(case, convention):
    make, rule = CASES[case]
    np.testing.assert_allclose(run(make(convention)), by_formula(rule(convention)), rtol=1e-14, atol=1e-15)


def test_conventions_differ_where_they_should():
    """Adam's eps placement and RMSprop's sqrt(s + eps) change the numbers; momentum's two
    forms are one algorithm at a constant learning rate but not under decay."""
    for name, kw in [("adam", dict(lr=0.05, eps=0.1)), ("rmsprop", dict(lr=0.01, eps=1e-3))]:
        a, b = run(get_optimizer(name, convention="pytorch", **kw)), run(get_optimizer(name, convention="keras", **kw))
        assert np.max(np.abs(a - b)) > 1e-6, name
    torch_form = run(SGD(lr=0.1, momentum=0.9, convention="pytorch"))
    keras_form = run(SGD(lr=0.1, momentum=0.9, convention="keras"))
    np.testing.assert_allclose(torch_form, keras_form, rtol=1e-14)
    torch_form = run(SGD(lr=0.1, momentum=0.9, decay=0.5, convention="pytorch"))
    keras_form = run(SGD(lr=0.1, momentum=0.9, decay=0.5, convention="keras"))
    assert np.max(np.abs(torch_form - keras_form)) > 1e-3


def test_learning_rate_decay_is_inverse_time():
    opt = SGD(lr=0.3, decay=0.5)
    # lr_t = 0.3 / (1 + 0.5 t): 0.3, 0.2, 0.15 for t = 0, 1, 2
    expected = P0 - 0.3 * GRADS[0] - 0.2 * GRADS[1] - 0.15 * GRADS[2]
    np.testing.assert_allclose(run(opt), expected, rtol=1e-15)
    assert opt.current_lr == pytest.approx(0.3 / 2.5)


@pytest.mark.parametrize("name", ["sgd", "adam", "rmsprop", "adagrad"])
def test_weight_decay_is_l2_on_the_gradient(name):
    """weight_decay = wd adds (wd/2)||p||^2 to the loss: the same as feeding g + wd p."""
    with_wd = get_optimizer(name, lr=0.05, weight_decay=0.1)
    p = P0.copy()
    manual = get_optimizer(name, lr=0.05)
    q = P0.copy()
    for g in GRADS:
        with_wd.step([(p, g)])
        manual.step([(q, g + 0.1 * q)])
    np.testing.assert_array_equal(p, q)


def test_float32_parameters_stay_float32():
    for name in ["sgd", "adam", "rmsprop", "adagrad"]:
        p = P0.astype(np.float32)
        opt = get_optimizer(name, lr=0.1, weight_decay=0.01)
        for g in GRADS:
            opt.step([(p, g.astype(np.float32))])
        assert p.dtype == np.float32
        assert all(v.dtype == np.float32 for st in opt.state.values() for v in st.values())


def test_bad_hyperparameters_are_refused():
    with pytest.raises(ValueError, match="learning rate must be positive"):
        SGD(lr=0)
    with pytest.raises(ValueError, match="Nesterov momentum needs momentum > 0"):
        SGD(lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="unknown convention 'tf'"):
        Adam(convention="tf")
    with pytest.raises(ValueError, match="unknown optimizer 'adamw'; choose one of: adagrad, adam, rmsprop, sgd"):
        get_optimizer("adamw")
