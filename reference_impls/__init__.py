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


def build(name: str, spec: ModelSpec, weights: Weights | None = None, device: str = "cpu") -> Implementation:
    """``spec`` as implementation ``name``, starting from ``weights`` (default:
    ``spec.init_weights()``), on ``device`` ("cpu", or "cuda" for the frameworks that run
    there). Raises ``NotExpressible`` naming the missing feature when the framework cannot
    express the spec."""
    return implementation_class(name)(spec, weights, device=device)


_blas_limits = None  # threadpoolctl's limiter, kept alive for the process


def pin_threads(n: int, names: tuple[str, ...] | list[str] = ()) -> dict[str, int]:
    """Give NumPy's BLAS (threadpoolctl, which also serves scikit-learn) and each named
    implementation's own pools the same ``n`` threads; returns what is in force."""
    global _blas_limits
    from threadpoolctl import threadpool_limits

    _blas_limits = threadpool_limits(limits=n)
    applied = {"threads_blas": n}
    for name in names:
        applied.update(implementation_class(name).pin_threads(n))
    return applied


def facts(name: str) -> dict[str, object]:
    """An implementation's declared facts as plain data (for results and reports)."""
    cls = implementation_class(name)
    return {
        "name": name,
        "display_name": cls.display_name,
        "order": cls.order,
        "colour": cls.colour,
        "import_module": cls.import_module,
        "version": cls.version(),
        "activations": sorted(cls.activations),
        "losses": sorted(cls.losses),
        "optimizers": sorted(cls.optimizers),
    }


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
    "IMPLEMENTATIONS",
    "Implementation",
    "ModelSpec",
    "NotExpressible",
    "SpecError",
    "Weights",
    "build",
    "check_weights",
    "facts",
    "implementation_class",
    "pin_threads",
]
