"""The registry of implementations, built from the adapter modules themselves.

``ADAPTERS`` lists the adapter modules in the order tables and plots show them; the
implementation ``name`` is the module ``<name>_impl``, whose ``ADAPTER`` is its class and
``PRESENTATION`` its colour. A module is imported only when its class is first asked for,
so naming the implementations imports no framework. Adding a framework: one module, one
entry here.
"""

from __future__ import annotations

import importlib
import sys

from ._isolation import own_modules
from .base import Implementation
from .spec import ModelSpec, SpecError, Weights
from .threads import pin_blas

ADAPTERS = ("scratch_impl", "keras_impl", "torch_impl", "sklearn_impl", "jax_impl")
IMPLEMENTATIONS = tuple(module.removesuffix("_impl") for module in ADAPTERS)
#: the implementation every other one is compared with, step by step (it follows every convention)
REFERENCE = "scratch"
#: the frameworks: every implementation but the reference
FRAMEWORKS = tuple(name for name in IMPLEMENTATIONS if name != REFERENCE)


def _module_name(name: str) -> str:
    return f"{__package__}.{name}_impl"


def _module(name: str):
    if name not in IMPLEMENTATIONS:
        raise SpecError(f"unknown implementation {name!r}; choose one of: {', '.join(IMPLEMENTATIONS)}")
    with own_modules():  # a user's scratch.py beside their script must not replace ours
        return importlib.import_module(_module_name(name))


def is_imported(name: str) -> bool:
    """Whether ``name``'s adapter (and so its framework) is imported in this process already."""
    return _module_name(name) in sys.modules


def implementation_class(name: str) -> type[Implementation]:
    """The adapter class for ``name`` (imports its framework)."""
    return _module(name).ADAPTER


def build(name: str, spec: ModelSpec, weights: Weights | None = None, device: str = "cpu") -> Implementation:
    """``spec`` as implementation ``name``, starting from ``weights`` (default:
    ``spec.init_weights()``), on ``device`` ("cpu", or "cuda" for the frameworks that run
    there). Raises ``NotExpressible`` naming the missing feature when the framework cannot
    express the spec."""
    return implementation_class(name)(spec, weights, device=device)


def native_spec(spec: ModelSpec, impl: str) -> ModelSpec:
    """``spec`` in the optimizer convention ``impl`` follows (the reference follows any)."""
    conventions = implementation_class(impl).facts.conventions
    return spec if spec.convention in conventions else spec.replace(convention=conventions[0])


def pin_threads(n: int, names: tuple[str, ...] | list[str] = ()) -> dict[str, int]:
    """Give NumPy's BLAS and each named implementation's own pools the same ``n`` threads;
    returns what is in force."""
    applied = pin_blas(n)
    for name in names:
        applied.update(implementation_class(name).pin_threads(n))
    return applied


def presentation(name: str) -> dict[str, object]:
    """How reports show ``name``: its ``order`` (its place in ``ADAPTERS``) and ``colour``."""
    return {"order": IMPLEMENTATIONS.index(name), "colour": _module(name).PRESENTATION.colour}


def facts(name: str) -> dict[str, object]:
    """An implementation's declared facts and presentation as plain data (for results and reports)."""
    f = implementation_class(name).facts
    return {
        "name": name,
        "display_name": f.display_name,
        **presentation(name),
        "import_module": f.import_module,
        "version": implementation_class(name).version(),
        "activations": sorted(f.activations),
        "losses": sorted(f.losses),
        "optimizers": sorted(f.optimizers),
    }
