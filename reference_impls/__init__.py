"""One model, four implementations (scratch, Keras, PyTorch, scikit-learn) behind one
interface, all built from a single ``ModelSpec``.

>>> spec = ModelSpec(sizes=(2, 64, 3), activations=("relu", "softmax"),
...                  loss="categorical_crossentropy", optimizer="sgd", lr=1.0)
>>> model = build("torch", spec, spec.init_weights())
>>> losses = model.train(X, y, steps=1000)

Frameworks are imported only when their implementation is built.
"""

from __future__ import annotations

from ._isolation import own_modules

with own_modules():  # a user's scratch.py beside their script must not replace ours
    from .base import AdapterFacts, Implementation, NotExpressible, Presentation, check_weights
    from .registry import (
        FRAMEWORKS,
        IMPLEMENTATIONS,
        REFERENCE,
        build,
        facts,
        implementation_class,
        native_spec,
        pin_threads,
    )
    from .spec import ModelSpec, SpecError, Weights

_VALIDATION = ("validate", "assert_validates", "ValidationResult", "Divergence")


def __getattr__(name: str):
    """``validate`` and its result types, imported on first use (they need pandas)."""
    if name in _VALIDATION:
        with own_modules():
            from . import validation

        return getattr(validation, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    *_VALIDATION,
    "AdapterFacts",
    "FRAMEWORKS",
    "IMPLEMENTATIONS",
    "Implementation",
    "ModelSpec",
    "NotExpressible",
    "Presentation",
    "REFERENCE",
    "SpecError",
    "Weights",
    "build",
    "check_weights",
    "facts",
    "implementation_class",
    "native_spec",
    "pin_threads",
]
