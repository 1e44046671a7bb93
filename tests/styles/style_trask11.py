"""Style 17: iamtrask's "A Neural Network in 11 lines of Python (Part 1)": a script.

Sources read (style only, no code copied): the post's three-layer network as reproduced in
public copies found by the line ``l2_delta = l2_error*nonlin(l2,deriv=True)`` (a course
notebook that follows it with PyTorch, a lab file with the two-weight part 2, an R port,
several adaptations with more layers, a tic-tac-toe trainer and a price predictor).

Style facts that matter to a validator:
- No function and no class: ``syn0`` (in, 4) and ``syn1`` (4, 1) are globals drawn with
  ``2*np.random.random(shape) - 1`` after ``np.random.seed(1)``; NO biases (the inputs
  carry a column of ones); ``X`` (4, 3), ``y`` (4, 1).
- ``nonlin(x, deriv=False)`` is the sigmoid, and with ``deriv=True`` returns ``x*(1-x)``:
  the derivative written for the activation's OUTPUT, called as ``nonlin(l2, deriv=True)``.
- The loop ``for j in range(60000):`` runs at the top level on the whole data (full
  batch): ``l2_error = y - l2``; ``syn1 += l1.T.dot(l2_delta)``, no learning rate, ``+=``
  (the sign is in ``y - l2``): gradient descent with lr 1 on 1/2 sum (y - l2)^2
  (``loss_reduction="sum"``, ``loss_scale=0.5``). It prints ``np.mean(np.abs(l2_error))``,
  not the loss.
- Nothing can call script-level code one step at a time: the glue is the loop's body as
  ``step(params, X, y)`` returning the new weights (what validate asks for when handed the
  module or one of its arrays).
- What copies get wrong: ``deriv=True`` left out (``nonlin(l1)``: the sigmoid applied
  again where its derivative is meant); the derivative taken on ``np.dot(l0, syn0)`` (the
  pre-activation); ``syn1`` updated before ``l1_error`` reads it; ``-=`` for ``+=``.
"""

from __future__ import annotations

import numpy as np

from reference_impls import ModelSpec

from ._data import INTRO_SIGMOID_MSE, planted

BUGS = {
    "deriv_flag_missing": "l1_delta = l1_error * nonlin(l1): deriv=True left out",
    "deriv_on_preactivation": "l1_delta = l1_error * nonlin(np.dot(l0, syn0), deriv=True)",
    "syn1_updated_first": "syn1 += l1.T.dot(l2_delta) before l1_error = l2_delta.dot(syn1.T)",
    "minus_equals": "syn1 -= ... and syn0 -= ... while l2_error = y - l2",
}

EXPECT = {
    "deriv_flag_missing": dict(
        step=1, phase="update", tensor="syn0", cause="activation for its derivative", keys=("deriv=True",)
    ),
    "deriv_on_preactivation": dict(
        step=1, phase="update", tensor="syn0", cause="derivative on the pre-activation", keys=("pre-activation",)
    ),
    "syn1_updated_first": dict(step=1, phase="update", tensor="syn0", cause="updated first", keys=("already-updated",)),
    "minus_equals": dict(step=1, phase="update", tensor="syn0", cause="sign", keys=("sign", "uphill")),
}

_bug = None
X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=float)
y = np.array([[0, 1, 1, 0]], dtype=float).T


def nonlin(x, deriv=False):
    if deriv:
        return x * (1 - x)
    return 1 / (1 + np.exp(-x))


def step(params, X, y):
    """The post's loop body, one full-batch iteration on the weights handed in."""
    syn0, syn1 = params["syn0"].copy(), params["syn1"].copy()
    l0 = X
    l1 = nonlin(np.dot(l0, syn0))
    l2 = nonlin(np.dot(l1, syn1))
    l2_error = y - l2
    l2_delta = l2_error * nonlin(l2, deriv=True)
    if _bug == "syn1_updated_first":
        syn1 += l1.T.dot(l2_delta)
    l1_error = l2_delta.dot(syn1.T)
    if _bug == "deriv_flag_missing":
        l1_delta = l1_error * nonlin(l1)
    elif _bug == "deriv_on_preactivation":
        l1_delta = l1_error * nonlin(np.dot(l0, syn0), deriv=True)
    else:
        l1_delta = l1_error * nonlin(l1, deriv=True)
    if _bug == "minus_equals":
        syn1 -= l1.T.dot(l2_delta)
        syn0 -= l0.T.dot(l1_delta)
    elif _bug == "syn1_updated_first":
        syn0 += l0.T.dot(l1_delta)
    else:
        syn1 += l1.T.dot(l2_delta)
        syn0 += l0.T.dot(l1_delta)
    return {"syn0": syn0, "syn1": syn1}


SPEC = ModelSpec(
    sizes=(3, 4, 1),
    lr=1.0,
    **INTRO_SIGMOID_MSE,
)


def make(bug=None):
    global _bug
    _bug = planted(BUGS, bug)
    np.random.seed(1)
    syn0 = 2 * np.random.random((3, 4)) - 1
    syn1 = 2 * np.random.random((4, 1)) - 1
    return {"syn0": syn0, "syn1": syn1}


def glue(bug=None) -> dict:
    params = make(bug)
    return dict(step=step, params=params, spec=SPEC, X=X, y=y, steps=10)
