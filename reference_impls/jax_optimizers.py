"""The JAX adapter's optimizers: the spec's optimizer in its stated form, as an optax
``GradientTransformation``. Part of the JAX adapter (``jax_impl``), imported only by it.

Each form is one entry of ``FORMS``, keyed by (optimizer, convention). Where a stock optax
transformation computes the form's arithmetic in the order the frameworks round it, the
form is a chain of stock pieces; where it does not, the form is an ``in_order``
transformation: optax's interface (``init``/``update``, state in the optimizer state,
``apply_updates``) around the form's own per-element rule.

- SGD with momentum: PyTorch's ``v = mu v + g; p -= lr v`` is ``trace`` then the learning
  rate; Keras's ``v = mu v - lr g; p += v`` is the learning rate then ``trace`` (the rate
  inside the velocity). Nesterov in both: ``trace(nesterov=True)`` returns ``g + mu v``.
- RMSprop: ``scale_by_rms(eps_in_sqrt=False)`` divides by ``sqrt(s) + eps`` (PyTorch),
  ``eps_in_sqrt=True`` by ``sqrt(s + eps)`` (Keras); momentum is ``trace`` before the
  learning rate (PyTorch's ``b = mu b + g / d; p -= lr b``) or after it (Keras's
  ``b = mu b + lr g / d; p -= b``).
- Adagrad, Keras's form: ``scale_by_rss`` divides by ``sqrt(G + eps)``.
- Adam, both forms, and Adagrad in PyTorch's form are ``in_order``. ``scale_by_adam``
  computes PyTorch's formula, but rounds it in another order (``m = (1 - b1) g + b1 m``
  against ``m += (1 - b1)(g - m)``, ``m / (1 - b1^t)`` then the rate against
  ``(lr / (1 - b1^t)) m``): equal in float64 to 1e-12, while in float32 the difference on
  xor's two-row batches of a ReLU network grows ~190x in one step near step 160, where
  PyTorch's own drifts gradually. Keras's Adam is that formula with ``eps / sqrt(1 - b2^t)``
  and its own order. ``sqrt(G) + eps``, PyTorch's Adagrad denominator, has no optax
  transformation at all (``scale_by_rss`` has ``sqrt(G + eps)``).

``weight_decay`` (coupled, ``g += wd p`` on every parameter) is ``add_decayed_weights``
first in the chain; ``lr_decay`` is a schedule of the step count in the spec's form. Step
scalars (the rate, ``1 - b^t``) are computed in float64 and rounded once to the spec's dtype,
as the frameworks compute them in Python floats.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from scratch.optimizers import DECAY_FORMS

from .spec import ModelSpec

Rate = float | Callable  # a constant learning rate, or a schedule of the step count


class InOrderState(NamedTuple):
    """Steps taken, and per parameter a dict of the rule's slots (moments, sums)."""

    count: jax.Array
    slots: Any


#: a per-element rule: (g, slots, lr, t) -> (the step to subtract, new slots); lr and t are
#: float64 scalars (the rate of this step, the step's 1-based number)
Rule = Callable[[jax.Array, dict, jax.Array, jax.Array], tuple[jax.Array, dict]]


def in_order(slots: dict[str, float], rule: Rule, rate: Rate) -> optax.GradientTransformation:
    """An optax transformation that applies ``rule`` to each parameter's gradient, with the
    slots started at the given fills; its update is ``-step`` (``apply_updates`` adds it)."""
    schedule = rate if callable(rate) else (lambda t: rate)

    def init(params):
        fill = lambda p: {k: jnp.full_like(p, v) for k, v in slots.items()}  # noqa: E731
        return InOrderState(jnp.zeros([], jnp.int64), jax.tree.map(fill, params))

    def update(grads, state, params=None):
        del params
        lr = jnp.asarray(schedule(state.count), jnp.float64)
        t = (state.count + 1).astype(jnp.float64)
        out = jax.tree.map(lambda g, s: rule(g, s, lr, t), grads, state.slots)
        pick = lambda i: jax.tree.map(lambda _, o: o[i], grads, out)  # noqa: E731
        return jax.tree.map(jnp.negative, pick(0)), InOrderState(state.count + 1, pick(1))

    return optax.GradientTransformation(init, update)


def _as(x: jax.Array, like: jax.Array) -> jax.Array:
    """A float64 step scalar rounded once to the parameter's dtype."""
    return x.astype(like.dtype)


def _adam(s: ModelSpec, rate: Rate) -> optax.GradientTransformation:
    """Adam in the spec's convention, in scratch's (and the frameworks') rounding order."""
    b1, b2, eps, torch_form = s.beta1, s.beta2, s.eps, s.convention == "pytorch"

    def rule(g, slot, lr, t):
        m = slot["m"] + (1 - b1) * (g - slot["m"])
        v = slot["v"] * b2 + (1 - b2) * g * g
        c1, c2 = 1 - b1**t, 1 - b2**t
        if torch_form:  # lr / c1 * m / (sqrt(v) / sqrt(c2) + eps)
            step = _as(lr / c1, g) * m / (jnp.sqrt(v) / _as(jnp.sqrt(c2), g) + eps)
        else:  # lr sqrt(c2) / c1 * m / (sqrt(v) + eps)
            step = _as(lr * jnp.sqrt(c2) / c1, g) * m / (jnp.sqrt(v) + eps)
        return step, {"m": m, "v": v}

    return in_order({"m": 0.0, "v": 0.0}, rule, rate)


def _torch_adagrad(s: ModelSpec, rate: Rate) -> optax.GradientTransformation:
    """PyTorch's Adagrad: ``G += g^2; p -= lr g / (sqrt(G) + eps)``."""

    def rule(g, slot, lr, t):
        G = slot["sum"] + g * g
        return _as(lr, g) * g / (jnp.sqrt(G) + s.eps), {"sum": G}

    return in_order({"sum": s.initial_accumulator}, rule, rate)


def _momentum(s: ModelSpec) -> list[optax.GradientTransformation]:
    """``trace`` (heavy ball or Nesterov) when the spec has momentum; nothing otherwise."""
    return [optax.trace(decay=s.momentum, nesterov=s.nesterov)] if s.momentum else []


def _lr(rate: Rate) -> optax.GradientTransformation:
    return optax.scale_by_learning_rate(rate)


def _rms(s: ModelSpec, eps_in_sqrt: bool) -> optax.GradientTransformation:
    return optax.scale_by_rms(decay=s.rho, eps=s.eps, initial_scale=0.0, eps_in_sqrt=eps_in_sqrt)


# (optimizer, convention) -> (spec, learning rate) -> the transformations in order
FORMS: dict[tuple[str, str], Callable[[ModelSpec, Rate], list[optax.GradientTransformation]]] = {
    ("sgd", "pytorch"): lambda s, rate: [*_momentum(s), _lr(rate)],
    ("sgd", "keras"): lambda s, rate: [_lr(rate), *_momentum(s)],
    ("adam", "pytorch"): lambda s, rate: [_adam(s, rate)],
    ("adam", "keras"): lambda s, rate: [_adam(s, rate)],
    ("rmsprop", "pytorch"): lambda s, rate: [_rms(s, eps_in_sqrt=False), *_momentum(s), _lr(rate)],
    ("rmsprop", "keras"): lambda s, rate: [_rms(s, eps_in_sqrt=True), _lr(rate), *_momentum(s)],
    ("adagrad", "pytorch"): lambda s, rate: [_torch_adagrad(s, rate)],
    ("adagrad", "keras"): lambda s, rate: [
        optax.scale_by_rss(initial_accumulator_value=s.initial_accumulator, eps=s.eps),
        _lr(rate),
    ],
}


def optimizer(spec: ModelSpec) -> optax.GradientTransformation:
    """The spec's optimizer, weight decay and learning-rate schedule as one optax chain."""
    lr = float(spec.lr)
    decayed, d = DECAY_FORMS[spec.lr_decay_form], float(spec.lr_decay)
    rate = (lambda t: decayed(lr, d, t)) if d else lr  # a schedule of optax's step count t
    form = FORMS[(spec.optimizer, spec.convention)]
    decay = [optax.add_decayed_weights(spec.weight_decay)] if spec.weight_decay else []
    return optax.chain(*decay, *form(spec, rate))
