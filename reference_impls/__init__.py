"""One model, four implementations (scratch, Keras, PyTorch, scikit-learn) behind one
interface, all built from a single ``ModelSpec``.

>>> spec = ModelSpec(sizes=(2, 64, 3), activations=("relu", "softmax"),
...                  loss="categorical_crossentropy", optimizer="sgd", lr=1.0)
>>> model = build("torch", spec, spec.init_weights())
>>> losses = model.train(X, y, steps=1000)

Frameworks are imported only when their implementation is built.
"""

from __future__ import annotations

import importlib

from ._isolation import own_modules

with own_modules():  # a user's scratch.py beside their script must not replace ours
    from .base import Implementation, NotExpressible, check_weights
    from .spec import ModelSpec, SpecError, Weights

IMPLEMENTATIONS = ("scratch", "keras", "torch", "sklearn")

_MODULES = {
    "scratch": ("scratch_impl", "ScratchImplementation"),
    "keras": ("keras_impl", "KerasImplementation"),
    "torch": ("torch_impl", "TorchImplementation"),
    "sklearn": ("sklearn_impl", "SklearnImplementation"),
}


def implementation_class(name: str) -> type[Implementation]:
    """The adapter class for ``name`` (imports its framework)."""
    if name not in _MODULES:
        raise SpecError(f"unknown implementation {name!r}; choose one of: {', '.join(IMPLEMENTATIONS)}")
    module, cls = _MODULES[name]
    with own_modules():
        return getattr(importlib.import_module(f".{module}", __name__), cls)


def build(name: str, spec: ModelSpec, weights: Weights | None = None) -> Implementation:
    """``spec`` as implementation ``name``, starting from ``weights`` (default:
    ``spec.init_weights()``). Raises ``NotExpressible`` naming the missing feature when the
    framework cannot express the spec."""
    return implementation_class(name)(spec, weights)


_VALIDATION = ("validate", "assert_validates", "ValidationResult", "Divergence")


def __getattr__(name: str):
    """``validate`` and its result types, imported on first use (they need pandas)."""
    if name in _VALIDATION:
        with own_modules():
            from . import validation

        return getattr(validation, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [*_VALIDATION, "IMPLEMENTATIONS", "Implementation", "ModelSpec", "NotExpressible", "SpecError", "Weights", "build", "check_weights", "implementation_class"]
