"""The JAX adapter's optimizers: the spec's optimizer in its stated form, composed of optax
transformations. Part of the JAX adapter (``jax_impl``), imported only by it.

Each form is one entry of ``FORMS``, keyed by (optimizer, convention), built from stock
optax pieces; where the two conventions differ, the order of the pieces or an injected
hyperparameter says how:

- SGD with momentum: PyTorch's ``v = mu v + g; p -= lr v`` is ``trace`` then the learning
  rate; Keras's ``v = mu v - lr g; p += v`` is the learning rate then ``trace`` (the rate
  inside the velocity). Nesterov in both: ``trace(nesterov=True)`` returns ``g + mu v``.
- Adam: ``scale_by_adam`` is PyTorch's form (eps outside ``sqrt(v / (1 - b2^t))``).
  Keras's ``lr sqrt(1 - b2^t) / (1 - b1^t) m / (sqrt(v) + eps)`` is that form with
  ``eps_t = eps / sqrt(1 - b2^t)``, injected per step (``inject_hyperparams``).
- RMSprop: ``scale_by_rms(eps_in_sqrt=False)`` divides by ``sqrt(s) + eps`` (PyTorch),
  ``eps_in_sqrt=True`` by ``sqrt(s + eps)`` (Keras); momentum is ``trace`` before the
  learning rate (PyTorch's ``b = mu b + g / d; p -= lr b``) or after it (Keras's
  ``b = mu b + lr g / d; p -= b``).
- Adagrad: ``scale_by_rss`` divides by ``sqrt(G + eps)``, Keras's form. PyTorch's
  ``sqrt(G) + eps`` has no optax transformation, so that form is "not expressible"
  (``MISSING_FORMS`` says why), never computed in the other form.

``weight_decay`` (coupled, ``g += wd p`` on every parameter) is ``add_decayed_weights``
first in the chain; ``lr_decay`` is a schedule of optax's step count in the spec's form.
"""

from __future__ import annotations

from collections.abc import Callable

import jax.numpy as jnp
import optax

from .spec import ModelSpec

#: lr_decay_form -> (lr, decay) -> schedule of the step count t (steps taken before this one)
DECAY_FORMS: dict[str, Callable[[float, float], Callable]] = {
    "divide": lambda lr, d: lambda t: lr / (1.0 + d * t),
    "multiply": lambda lr, d: lambda t: lr * (1.0 / (1.0 + d * t)),
}


def _momentum(s: ModelSpec) -> list[optax.GradientTransformation]:
    """``trace`` (heavy ball or Nesterov) when the spec has momentum; nothing otherwise."""
    return [optax.trace(decay=s.momentum, nesterov=s.nesterov)] if s.momentum else []


def _keras_adam(s: ModelSpec) -> optax.GradientTransformation:
    """Keras's Adam: PyTorch's with eps divided by sqrt(1 - b2^t) at step t = count + 1."""
    b2 = s.beta2
    return optax.inject_hyperparams(optax.scale_by_adam, hyperparam_dtype=jnp.dtype(s.dtype))(
        b1=s.beta1, b2=b2, eps=lambda count: jnp.asarray(s.eps / jnp.sqrt(1.0 - b2 ** (count + 1)), s.dtype)
    )  # computed in float64, rounded once to the spec's dtype (a float64 eps would promote float32 steps)


# (optimizer, convention) -> (spec, lr transformation) -> the transformations in order
FORMS: dict[tuple[str, str], Callable[[ModelSpec, optax.GradientTransformation], list]] = {
    ("sgd", "pytorch"): lambda s, lr: [*_momentum(s), lr],
    ("sgd", "keras"): lambda s, lr: [lr, *_momentum(s)],
    ("adam", "pytorch"): lambda s, lr: [optax.scale_by_adam(b1=s.beta1, b2=s.beta2, eps=s.eps), lr],
    ("adam", "keras"): lambda s, lr: [_keras_adam(s), lr],
    ("rmsprop", "pytorch"): lambda s, lr: [
        optax.scale_by_rms(decay=s.rho, eps=s.eps, initial_scale=0.0, eps_in_sqrt=False),
        *_momentum(s),
        lr,
    ],
    ("rmsprop", "keras"): lambda s, lr: [
        optax.scale_by_rms(decay=s.rho, eps=s.eps, initial_scale=0.0, eps_in_sqrt=True),
        lr,
        *_momentum(s),
    ],
    ("adagrad", "keras"): lambda s, lr: [
        optax.scale_by_rss(initial_accumulator_value=s.initial_accumulator, eps=s.eps),
        lr,
    ],
}
#: forms optax has no transformation for: (optimizer, convention) -> why
MISSING_FORMS = {
    ("adagrad", "pytorch"): "optax's scale_by_rss divides by sqrt(G + eps), the Keras form; "
    "PyTorch's sqrt(G) + eps has no optax transformation",
}


def form_problem(spec: ModelSpec) -> str | None:
    """Why optax cannot run ``spec``'s optimizer in the spec's form, or None."""
    key = (spec.optimizer, spec.convention)
    if key in FORMS or not spec.convention_matters:
        return None
    reason = MISSING_FORMS.get(key, "no optax composition of it here")
    other = next(c for o, c in FORMS if o == spec.optimizer)
    return f"the {spec.convention} form of {spec.optimizer} ({reason}; set convention = {other!r})"


def optimizer(spec: ModelSpec) -> optax.GradientTransformation:
    """The spec's optimizer, weight decay and learning-rate schedule as one optax chain."""
    lr = float(spec.lr)
    rate = DECAY_FORMS[spec.lr_decay_form](lr, spec.lr_decay) if spec.lr_decay else lr
    form = FORMS[(spec.optimizer, spec.convention)]  # unsupported() refused the forms optax lacks
    decay = [optax.add_decayed_weights(spec.weight_decay)] if spec.weight_decay else []
    return optax.chain(*decay, *form(spec, optax.scale_by_learning_rate(rate)))
